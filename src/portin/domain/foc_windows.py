"""FOC windows: when a port may happen. Pure: callers pass `now`, the zones, the lead time and
the holidays; nothing here reads a clock, a table or a calendar library.

The rule (docs/API.md, "FOC windows and activation"):
- A day is a business day when it is Monday to Friday and not a holiday.
- A business day's window is 09:00 to 17:00 local time in every zone of the order at once:
  the intersection of those spans in UTC. Zones too far apart to share an hour give no window.
- The first day with a window is the `lead_business_days`-th business day after today, where
  "today" is the latest local date among the zones (so no zone is short of its lead time).
- Windows start within `horizon` of `now`; a window already open is cut to start at `now`.
- A time lies in a window when start <= time <= end (both ends included).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BUSINESS_START = time(9, 0)
BUSINESS_END = time(17, 0)
HORIZON = timedelta(days=30)
FALLBACK_ZONE = "UTC"


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end


def is_business_day(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_business_days(day: date, count: int, holidays: frozenset[date]) -> date:
    """The `count`-th business day after `day` (`day` itself when count is 0)."""
    result = day
    while count > 0:
        result += timedelta(days=1)
        if is_business_day(result, holidays):
            count -= 1
    return result


def business_window(day: date, zones: Sequence[str]) -> Window | None:
    """09:00-17:00 of `day` in every one of `zones` at once, in UTC; None when they share no
    moment."""
    spans = [(datetime.combine(day, BUSINESS_START, ZoneInfo(z)),
              datetime.combine(day, BUSINESS_END, ZoneInfo(z))) for z in zones]
    start = max(s for s, _ in spans).astimezone(UTC)
    end = min(e for _, e in spans).astimezone(UTC)
    return Window(start, end) if start < end else None


def foc_windows(now: datetime, zones: Sequence[str], lead_business_days: int,
                holidays: frozenset[date], horizon: timedelta = HORIZON) -> list[Window]:
    """The windows in which a port may happen, in time order (see the module's rule)."""
    zones = sorted(set(zones)) or [FALLBACK_ZONE]
    windows: list[Window] = []
    try:
        today = max(now.astimezone(ZoneInfo(z)).date() for z in zones)
        day = add_business_days(today, max(lead_business_days, 0), holidays)
        until = now + horizon
        # A local day starts at most 14 hours before its UTC midnight: look one day beyond.
        last = until + timedelta(days=1)
        while datetime.combine(day, time(0), UTC) < last:
            window = business_window(day, zones) if is_business_day(day, holidays) else None
            if window is not None and window.start < until and window.end > now:
                windows.append(Window(max(window.start, now), window.end))
            day += timedelta(days=1)
    except OverflowError:
        pass  # the calendar ends in the year 9999: no windows beyond it
    return windows


def inside_any(moment: datetime, windows: Iterable[Window]) -> bool:
    return any(window.contains(moment) for window in windows)


def activation_close(foc: datetime, zones: Sequence[str], holidays: frozenset[date]) -> datetime:
    """When the activation window of an order confirmed for `foc` closes: the end of the first
    business window that ends after `foc` (the FOC day's own window when `foc` is in business
    hours); a day after `foc` when no window comes within the horizon."""
    following = foc_windows(foc, zones, 0, holidays)
    if following:
        return following[0].end
    return foc + timedelta(days=1) if foc.year < 9999 else foc


def activation_windows(now: datetime, foc: datetime | None, zones: Sequence[str],
                       holidays: frozenset[date]) -> list[Window]:
    """The windows in which an activation job may run: the business windows from `now` up to
    and including the FOC day's; at least the next one, when the FOC day is already past."""
    upcoming = foc_windows(now, zones, 0, holidays)
    if foc is None:
        return upcoming[:1]
    close = activation_close(foc, zones, holidays)
    kept = [window for window in upcoming if window.end <= close]
    return kept or upcoming[:1]


# -- the inputs: a number's zone, the lead-time table, the holiday set -------------------
ANY = "*"
DEFAULT_LEAD_BUSINESS_DAYS = 5


@dataclass(frozen=True)
class LeadTime:
    """A row of the operator's lead-time table; "*" matches any country or number type."""

    country_code: str
    phone_number_type: str
    lead_business_days: int
    time_zone: str | None


def lead_time_for(rows: Iterable[LeadTime], country: str | None, kind: str
                  ) -> tuple[int, str]:
    """(lead business days, zone for numbers libphonenumber cannot place in one zone) of a
    number: the most specific row wins, country before type: (country, type), (country, *),
    (*, type), (*, *). The zone is the first non-null one in that order."""
    by_key = {(row.country_code, row.phone_number_type): row for row in rows}
    country_key = country or ANY
    matches = [by_key[key] for key in ((country_key, kind), (country_key, ANY), (ANY, kind),
                                       (ANY, ANY)) if key in by_key]
    days = matches[0].lead_business_days if matches else DEFAULT_LEAD_BUSINESS_DAYS
    zone = next((row.time_zone for row in matches if row.time_zone), FALLBACK_ZONE)
    return days, zone


def number_zone(zones: Sequence[str], fallback: str) -> str:
    """A number's zone: the one libphonenumber names for it; when it names several (a
    toll-free or other country-wide number) or none, the lead-time table's zone."""
    if len(zones) == 1 and zones[0] != "Etc/Unknown":
        return zones[0]
    return fallback


def holiday_set(public: Iterable[date], closed: Iterable[date], opened: Iterable[date]
                ) -> frozenset[date]:
    """Public holidays, plus the operator's added closures, minus the days they reopened."""
    return frozenset((set(public) | set(closed)) - set(opened))
