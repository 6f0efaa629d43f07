"""Tests for queue_server.calendar.workcalendar (working days of the Chinese calendar)."""

from __future__ import annotations

import datetime
from datetime import date, timedelta

import pytest

from queue_server.calendar.workcalendar import Day, WorkCalendar


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    """Share one plain calendar (no overrides) across the read-only tests."""
    return WorkCalendar()


def test_national_day_2026_deadline(cal: WorkCalendar) -> None:
    """Is 5 working days after 2026-09-30 the 13th of October, confirmed?"""
    assert cal.add_working_days(date(2026, 9, 30), 5) == (date(2026, 10, 13), True)


def test_national_day_2026_days(cal: WorkCalendar) -> None:
    """Are the 2026 National Day rest and make-up days named and flagged as announced?"""
    assert cal.day(date(2026, 10, 10)) == Day(date(2026, 10, 10), True, "国庆节调休上班", True)
    assert cal.day(date(2026, 9, 20)) == Day(date(2026, 9, 20), True, "国庆节调休上班", True)
    assert cal.day(date(2026, 10, 1)) == Day(date(2026, 10, 1), False, "国庆节", True)
    assert all(not cal.is_working(date(2026, 10, day)) for day in range(1, 8))


def test_plain_days(cal: WorkCalendar) -> None:
    """Is a plain Saturday off without a name and a plain Monday working?"""
    assert cal.day(date(2026, 11, 28)) == Day(date(2026, 11, 28), False, None, True)
    assert cal.day(date(2026, 11, 30)) == Day(date(2026, 11, 30), True, None, True)


def test_chinese_calendar_names_are_full(cal: WorkCalendar) -> None:
    """Are chinese_calendar's short names (清明, 端午, 中秋) expanded to full names?"""
    assert cal.day(date(2026, 4, 5)).name == "清明节"
    assert cal.day(date(2026, 6, 19)).name == "端午节"
    assert cal.day(date(2026, 9, 25)).name == "中秋节"
    assert cal.day(date(2023, 9, 29)).name == "中秋节"  # 2023 combined Mid-autumn/National Day
    assert cal.day(date(2026, 2, 17)).name == "春节"
    assert cal.day(date(2026, 1, 1)).name == "元旦"
    assert cal.day(date(2026, 5, 1)).name == "劳动节"


def test_zero_days_is_start(cal: WorkCalendar) -> None:
    """Does adding 0 working days return the start itself, confirmed since nothing is passed over?"""
    for d in (date(2026, 10, 1), date(2026, 10, 12), date(2030, 6, 1)):
        assert cal.add_working_days(d, 0) == (d, True)


def test_negative_n_rejected(cal: WorkCalendar) -> None:
    """Does a negative number of working days raise ValueError?"""
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 10, 12), -1)


def test_unannounced_year_is_unconfirmed_not_an_error(cal: WorkCalendar) -> None:
    """Does a deadline running into 2027 (beyond chinese_calendar) come back unconfirmed, without raising?"""
    deadline, confirmed = cal.add_working_days(date(2026, 12, 28), 5)
    assert deadline.year == 2027
    assert confirmed is False
    # 12-29..31 are three working days, 2027-01-01 is 元旦, 01-02/03 a weekend.
    assert deadline == date(2027, 1, 5)
    assert cal.day(date(2027, 1, 1)) == Day(date(2027, 1, 1), False, "元旦", False)
    assert cal.day(date(2027, 1, 4)).confirmed is False
    # Staying inside 2026 keeps the result confirmed.
    assert cal.add_working_days(date(2026, 12, 28), 3) == (date(2026, 12, 31), True)


def test_holidays_library_guess_is_clean() -> None:
    """Does the holidays-library guess give clean names and turn "由 X 调休" into a make-up working day?"""
    cal = WorkCalendar()
    guess = cal._guess_year(2026)  # 2026 is also in chinese_calendar, so compare the guess directly
    assert guess[date(2026, 1, 4)] == (True, "元旦调休上班")
    assert guess[date(2026, 10, 10)] == (True, "国庆节调休上班")
    assert guess[date(2026, 10, 6)] == (False, "国庆节")
    assert guess[date(2026, 10, 5)] == (False, "国庆节")  # "国庆节（补假）"
    assert guess[date(2026, 2, 16)] == (False, "春节")  # "农历除夕"
    for year in range(2027, 2036):
        for d in cal.days(date(year, 1, 1), date(year, 12, 31)):
            assert d.confirmed is False
            assert d.name is None or ("（" not in d.name and ";" not in d.name), d


def test_override_wins_over_library() -> None:
    """Does an override day off on 2026-10-12 move the deadline by one working day?"""
    cal = WorkCalendar({date(2026, 10, 12): (False, "临时闭馆")})
    assert cal.day(date(2026, 10, 12)) == Day(date(2026, 10, 12), False, "临时闭馆", True)
    assert cal.add_working_days(date(2026, 9, 30), 5) == (date(2026, 10, 14), True)
    # ...and an override can also make a library holiday a working day.
    cal = WorkCalendar({date(2026, 10, 1): (True, None)})
    assert cal.add_working_days(date(2026, 9, 30), 1) == (date(2026, 10, 1), True)


def test_override_in_unannounced_year_is_confirmed_only_for_itself() -> None:
    """Is an override day confirmed even in an unannounced year, while its neighbours are not?"""
    cal = WorkCalendar({date(2027, 1, 4): (False, "元旦")})
    assert cal.day(date(2027, 1, 4)) == Day(date(2027, 1, 4), False, "元旦", True)
    assert cal.day(date(2027, 1, 5)).confirmed is False


def test_announced_year_is_confirmed() -> None:
    """Does declaring 2027 announced (official schedule loaded into overrides) make its days confirmed?"""
    overrides = {date(2027, 1, 1): (False, "元旦"), date(2027, 1, 2): (False, "元旦")}
    cal = WorkCalendar(overrides, announced_years={2027})
    assert cal.day(date(2027, 1, 1)) == Day(date(2027, 1, 1), False, "元旦", True)
    assert cal.day(date(2027, 3, 1)) == Day(date(2027, 3, 1), True, None, True)
    assert cal.add_working_days(date(2026, 12, 28), 5) == (date(2027, 1, 5), True)
    # The holidays-library guess is not mixed into an announced year: its guessed
    # 除夕 (2027-02-05) is not in the loaded schedule, so it is an ordinary Friday.
    assert cal.day(date(2027, 2, 5)) == Day(date(2027, 2, 5), True, None, True)
    assert WorkCalendar().day(date(2027, 2, 5)).working is False


def test_days_range(cal: WorkCalendar) -> None:
    """Does days() return every day of an inclusive range, and nothing for a reversed one?"""
    days = cal.days(date(2026, 9, 28), date(2026, 10, 4))
    assert [d.date for d in days] == [date(2026, 9, 28) + timedelta(i) for i in range(7)]
    assert [d.working for d in days] == [True, True, True, False, False, False, False]
    assert cal.days(date(2026, 10, 4), date(2026, 10, 3)) == []


def test_datetime_is_treated_as_its_date(cal: WorkCalendar) -> None:
    """Is a datetime accepted and reduced to its date?"""
    assert cal.day(datetime.datetime(2026, 10, 10, 15, 30)).date == date(2026, 10, 10)


def test_working_days_between_basics(cal: WorkCalendar) -> None:
    """Does working_days_between count start-exclusive, end-inclusive, and 0 for end <= start?"""
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert cal.working_days_between(date(2026, 10, 13), date(2026, 10, 13)) == 0
    assert cal.working_days_between(date(2026, 10, 13), date(2026, 9, 30)) == 0


@pytest.mark.parametrize("announced", [(), (2027,)])
def test_working_days_between_matches_add_working_days(announced: tuple[int, ...]) -> None:
    """Do add_working_days and working_days_between agree for many starts and n across 2026/2027?"""
    cal = WorkCalendar({date(2026, 10, 12): (False, "临时闭馆")}, announced_years=announced)
    start = date(2026, 9, 1)
    while start <= date(2027, 2, 28):
        previous = start
        for n in range(0, 30):
            deadline, confirmed = cal.add_working_days(start, n)
            assert cal.working_days_between(start, deadline) == n
            assert deadline >= previous
            if n:
                assert cal.is_working(deadline)
                assert cal.working_days_between(start, deadline - timedelta(1)) == n - 1
            passed = cal.days(start + timedelta(1), deadline)
            assert confirmed == all(d.confirmed for d in passed)
            previous = deadline
        start += timedelta(3)


def test_long_span_is_cheap() -> None:
    """Is a year of working days computed quickly, and the second time from the cache?"""
    import time

    cal = WorkCalendar()
    deadline, confirmed = cal.add_working_days(date(2026, 1, 1), 240)
    assert deadline.year == 2026 and confirmed
    t0 = time.perf_counter()
    assert cal.add_working_days(date(2026, 1, 1), 240) == (deadline, confirmed)
    assert time.perf_counter() - t0 < 0.05
