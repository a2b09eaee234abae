"""The FOC window rule: business days and hours in the order's zones, lead time, holidays,
horizon; the activation windows and when an unactivated order's window closes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portin.domain.foc_windows import (
    LeadTime,
    Window,
    activation_close,
    activation_windows,
    add_business_days,
    business_window,
    foc_windows,
    holiday_set,
    inside_any,
    lead_time_for,
    number_zone,
)

NONE: frozenset[date] = frozenset()
# Monday 2026-12-07, 15:00 UTC (10:00 in New York).
MONDAY = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
NY = "America/New_York"


def test_a_window_is_nine_to_five_local_in_utc() -> None:
    window = business_window(date(2026, 12, 8), [NY])
    assert window == Window(datetime(2026, 12, 8, 14, tzinfo=UTC),
                            datetime(2026, 12, 8, 22, tzinfo=UTC))


def test_several_zones_intersect_and_far_zones_share_no_window() -> None:
    window = business_window(date(2026, 12, 8), [NY, "America/Los_Angeles"])
    assert window == Window(datetime(2026, 12, 8, 17, tzinfo=UTC),
                            datetime(2026, 12, 8, 22, tzinfo=UTC))
    assert business_window(date(2026, 12, 8), [NY, "Asia/Tokyo"]) is None


def test_lead_time_counts_business_days_and_skips_weekends() -> None:
    windows = foc_windows(MONDAY, [NY], 3, NONE)
    assert windows[0].start == datetime(2026, 12, 10, 14, tzinfo=UTC)  # Thursday
    assert add_business_days(date(2026, 12, 11), 1, NONE) == date(2026, 12, 14)
    weekdays = {w.start.date().weekday() for w in windows}
    assert weekdays <= {0, 1, 2, 3, 4}


def test_holidays_are_skipped_in_lead_time_and_windows() -> None:
    holidays = frozenset({date(2026, 12, 8), date(2026, 12, 25)})
    windows = foc_windows(MONDAY, [NY], 3, holidays)
    assert windows[0].start.date() == date(2026, 12, 11)  # Tue is off: Wed, Thu, Fri
    assert date(2026, 12, 25) not in {w.start.date() for w in windows}


def test_windows_stop_at_the_horizon() -> None:
    windows = foc_windows(MONDAY, [NY], 0, NONE, timedelta(days=7))
    assert all(w.start < MONDAY + timedelta(days=7) for w in windows)
    # Mon (from now) to Fri, and next Monday's, which opens an hour before the horizon ends.
    assert len(windows) == 6
    assert len(foc_windows(MONDAY, [NY], 0, NONE, timedelta(days=7, hours=-2))) == 5
    assert len(foc_windows(MONDAY, [NY], 3, NONE)) >= 19


def test_an_open_window_starts_now_with_no_lead_time() -> None:
    first = foc_windows(MONDAY, [NY], 0, NONE)[0]
    assert first == Window(MONDAY, datetime(2026, 12, 7, 22, tzinfo=UTC))
    after_hours = MONDAY.replace(hour=23)
    assert foc_windows(after_hours, [NY], 0, NONE)[0].start.date() == date(2026, 12, 8)


def test_lead_time_starts_from_the_latest_local_date() -> None:
    # 02:00 UTC Tuesday is still Monday in New York but Tuesday in London.
    late = datetime(2026, 12, 8, 2, tzinfo=UTC)
    assert foc_windows(late, [NY], 1, NONE)[0].start.date() == date(2026, 12, 8)
    assert foc_windows(late, ["Europe/London"], 1, NONE)[0].start.date() == date(2026, 12, 9)


def test_no_zone_means_utc() -> None:
    assert foc_windows(MONDAY, [], 0, NONE)[0].end == datetime(2026, 12, 7, 17, tzinfo=UTC)


def test_inside_includes_both_ends() -> None:
    window = Window(MONDAY, MONDAY + timedelta(hours=1))
    assert inside_any(MONDAY, [window]) and inside_any(window.end, [window])
    assert not inside_any(window.end + timedelta(microseconds=1), [window])


def test_lead_time_table_most_specific_row_wins() -> None:
    table = [LeadTime("*", "*", 10, "UTC"), LeadTime("US", "*", 3, NY),
             LeadTime("US", "toll_free", 5, None), LeadTime("*", "mobile", 8, None)]
    assert lead_time_for(table, "US", "toll_free") == (5, NY)
    assert lead_time_for(table, "US", "local") == (3, NY)
    assert lead_time_for(table, "GB", "mobile") == (8, "UTC")
    assert lead_time_for(table, "GB", "local") == (10, "UTC")
    assert lead_time_for([], None, "local") == (5, "UTC")


def test_a_number_in_several_zones_takes_the_tables_zone() -> None:
    assert number_zone(["America/Denver"], NY) == "America/Denver"
    assert number_zone(["America/Adak", "America/Anchorage"], NY) == NY
    assert number_zone(["Etc/Unknown"], NY) == NY


def test_holiday_set_adds_closures_and_removes_opened_days() -> None:
    public = [date(2026, 12, 25), date(2026, 11, 26)]
    assert holiday_set(public, [date(2026, 12, 24)], [date(2026, 11, 26)]) == frozenset(
        {date(2026, 12, 25), date(2026, 12, 24)})


def test_activation_closes_at_the_end_of_the_foc_days_window() -> None:
    foc = datetime(2026, 12, 10, 15, tzinfo=UTC)
    assert activation_close(foc, [NY], NONE) == datetime(2026, 12, 10, 22, tzinfo=UTC)
    saturday = datetime(2026, 12, 12, 15, tzinfo=UTC)
    assert activation_close(saturday, [NY], NONE) == datetime(2026, 12, 14, 22, tzinfo=UTC)


def test_activation_windows_run_from_now_to_the_foc_day() -> None:
    foc = datetime(2026, 12, 10, 15, tzinfo=UTC)
    windows = activation_windows(MONDAY, foc, [NY], NONE)
    assert [w.start.date() for w in windows] == [date(2026, 12, d) for d in (7, 8, 9, 10)]
    assert windows[0].start == MONDAY
    past = activation_windows(MONDAY, MONDAY - timedelta(days=5), [NY], NONE)
    assert len(past) == 1 and past[0].start == MONDAY


def test_the_end_of_the_calendar_gives_no_windows_instead_of_an_overflow() -> None:
    edge = datetime(9999, 12, 30, 12, tzinfo=UTC)
    assert foc_windows(edge, [NY], 3, NONE) == []
    assert activation_close(edge, [NY], NONE) == edge
    assert activation_windows(MONDAY, edge, [NY], NONE)[0].start == MONDAY
    start = datetime(1, 1, 2, tzinfo=UTC)
    assert foc_windows(start, [NY], 0, NONE, timedelta(days=7))
