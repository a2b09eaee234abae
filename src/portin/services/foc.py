"""FOC windows of an order: the domain's rule fed with the order's numbers, the operator's
lead-time table and the holidays (the `holidays` library's public holidays of each country,
changed by the operator's table). Also the operator's edits of those two tables."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import available_timezones

import holidays as public_holidays
import phonenumbers
from phonenumbers import timezone as phone_zones
from sqlalchemy.orm import Session

from portin.domain import foc_windows as rule
from portin.domain.errors import InvalidRequest, NotFound
from portin.domain.foc_windows import ANY, LeadTime, Window
from portin.storage import activation as store
from portin.storage.models import FocHoliday, FocLeadTime, PortingOrder

NUMBER_TYPES = ("landline", "local", "localcommercial", "mobile", "multipurpose", "national",
                "other", "shared_cost", "toll_free")
HOLIDAY_KINDS = ("closed", "open")
MAX_LEAD_BUSINESS_DAYS = 60


@dataclass(frozen=True)
class OrderCalendar:
    """What the rule needs to know about one order."""

    zones: tuple[str, ...]
    lead_business_days: int
    holidays: frozenset[date]


@functools.lru_cache(maxsize=512)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    """A country's public holidays in a year (national ones); none for a country the library
    does not know."""
    try:
        return frozenset(public_holidays.country_holidays(country, years=year).keys())
    except NotImplementedError:
        return frozenset()


@functools.lru_cache(maxsize=4096)
def _libphonenumber_zones(number: str) -> tuple[str, ...]:
    return tuple(phone_zones.time_zones_for_number(phonenumbers.parse(number, None)))


def holidays_of(session: Session, countries: Iterable[str], years: Iterable[int]
                ) -> frozenset[date]:
    countries = sorted(set(countries))
    public = {day for c in countries for y in years for day in _public_holidays(c, y)}
    changes = store.holiday_changes(session, countries)
    return rule.holiday_set(public, [h.day for h in changes if h.kind == "closed"],
                            [h.day for h in changes if h.kind == "open"])


def calendar_of(session: Session, order: PortingOrder, around: datetime) -> OrderCalendar:
    """The order's zones, lead time (the longest of its numbers') and holidays of the years
    from a year before `around` to a year after."""
    numbers = store.number_facts(session, order.id)
    table = [LeadTime(r.country_code, r.phone_number_type, r.lead_business_days, r.time_zone)
             for r in store.lead_times(session)]
    rows = {(country, kind): rule.lead_time_for(table, country, kind)
            for _, country, kind in numbers}
    lead = max((days for days, _ in rows.values()), default=0)
    zones = {rule.number_zone(_libphonenumber_zones(number), rows[(country, kind)][1])
             for number, country, kind in numbers}
    countries = [country for _, country, _ in numbers if country]
    years = range(around.year - 1, around.year + 2)
    return OrderCalendar(tuple(sorted(zones)), lead, holidays_of(session, countries, years))


def allowed_windows(session: Session, order: PortingOrder, now: datetime) -> list[Window]:
    calendar = calendar_of(session, order, now)
    return rule.foc_windows(now, calendar.zones, calendar.lead_business_days,
                            calendar.holidays)


def check_requested(session: Session, order: PortingOrder, requested: datetime,
                    now: datetime) -> None:
    """A requested FOC date must lie in one of the order's allowed windows (422 otherwise)."""
    windows = allowed_windows(session, order, now)
    if rule.inside_any(requested, windows):
        return
    nearest = (f" The first window opens at {windows[0].start.isoformat()}." if windows
               else " The order has no FOC window in the next 30 days.")
    raise InvalidRequest(
        f"The requested FOC date {requested.isoformat()} is outside the order's allowed FOC"
        f" windows (GET /v2/porting_orders/{order.id}/allowed_foc_windows).{nearest}",
        pointer="/activation_settings/foc_datetime_requested")


def activation_windows(session: Session, order: PortingOrder, now: datetime) -> list[Window]:
    calendar = calendar_of(session, order, now)
    return rule.activation_windows(now, order.foc_datetime_actual, calendar.zones,
                                   calendar.holidays)


def activation_close(session: Session, order: PortingOrder, foc: datetime) -> datetime:
    calendar = calendar_of(session, order, foc)
    return rule.activation_close(foc, calendar.zones, calendar.holidays)


# -- the operator's tables ---------------------------------------------------------------
def _check_key(country_code: str, phone_number_type: str) -> None:
    if country_code != ANY and not (len(country_code) == 2 and country_code.isascii()
                                    and country_code.isalpha() and country_code.isupper()):
        raise InvalidRequest("country_code is an ISO 3166 alpha-2 code in capitals, or '*'.",
                             pointer="/country_code")
    if phone_number_type != ANY and phone_number_type not in NUMBER_TYPES:
        raise InvalidRequest(
            f"phone_number_type is one of {', '.join(NUMBER_TYPES)}, or '*'.",
            pointer="/phone_number_type")


def put_lead_time(session: Session, country_code: str, phone_number_type: str,
                  lead_business_days: int, time_zone: str | None, now: datetime
                  ) -> FocLeadTime:
    _check_key(country_code, phone_number_type)
    if not 0 <= lead_business_days <= MAX_LEAD_BUSINESS_DAYS:
        raise InvalidRequest(f"lead_business_days is between 0 and {MAX_LEAD_BUSINESS_DAYS}.",
                             pointer="/lead_business_days")
    if time_zone is not None and time_zone not in available_timezones():
        raise InvalidRequest(f"{time_zone!r} is not an IANA time zone.", pointer="/time_zone")
    row = store.get_lead_time(session, country_code, phone_number_type)
    if row is None:
        row = FocLeadTime(country_code=country_code, phone_number_type=phone_number_type)
        session.add(row)
    row.lead_business_days = lead_business_days
    row.time_zone = time_zone
    row.updated_at = now
    session.flush()
    return row


def delete_lead_time(session: Session, country_code: str, phone_number_type: str) -> None:
    row = store.get_lead_time(session, country_code, phone_number_type)
    if row is None:
        raise NotFound(f"No lead time for {country_code}/{phone_number_type}.")
    session.delete(row)
    session.flush()


def add_holiday(session: Session, country_code: str, day: date, kind: str, name: str | None,
                now: datetime) -> FocHoliday:
    _check_key(country_code, ANY)
    if country_code == ANY:
        raise InvalidRequest("A holiday belongs to one country.", pointer="/country_code")
    if kind not in HOLIDAY_KINDS:
        raise InvalidRequest("kind is 'closed' (a day off) or 'open' (a public holiday"
                             " worked).", pointer="/kind")
    if store.holiday_on(session, country_code, day) is not None:
        raise InvalidRequest(f"{country_code} already has a change on {day.isoformat()};"
                             " delete it first.", pointer="/date")
    row = FocHoliday(id=str(uuid.uuid4()), country_code=country_code, day=day, kind=kind,
                     name=name, created_at=now)
    session.add(row)
    session.flush()
    return row


def delete_holiday(session: Session, holiday_id: str) -> None:
    row = store.get_holiday(session, holiday_id)
    if row is None:
        raise NotFound(f"Holiday change {holiday_id} was not found.")
    session.delete(row)
    session.flush()

