"""Working-day (工作日) calendar for time limits in the Chinese government service hall.

A date is resolved through these layers, first match wins:

1. ``overrides`` -- an editable table ``{date: (working, name)}`` handed in by the
   caller (loaded from the database).  Always confirmed.
2. ``chinese_calendar`` -- the maintained calendar of State Council announcements,
   for the years it covers (detected at run time, not hard-coded).  Confirmed.
3. ``holidays.China`` -- a rule-based guess for years not yet announced.  Its
   "休息日（由 YYYY-MM-DD 调休）" entries reveal the make-up working days (调休上班).
   Unconfirmed.  Skipped for years listed in ``announced_years``: for those the
   caller has loaded the official schedule into ``overrides``, so a guess that the
   schedule does not contain must not turn a working day into a day off.
4. Monday to Friday working, Saturday and Sunday off.

A day is confirmed when it is in ``overrides``, its year is in ``announced_years``,
or its year is covered by ``chinese_calendar``.  Nothing here raises for a year the
libraries do not know; such days are just unconfirmed.
"""

from __future__ import annotations

import datetime
import operator
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import chinese_calendar
import holidays

__all__ = ["Day", "WorkCalendar"]

_ONE_DAY = datetime.timedelta(days=1)

# Furthest distance between a "休息日" (moved rest day) and the holiday it belongs to.
_REST_DAY_REACH = 7

# "休息日（由 2026-01-04 调休）" -> the referenced date is a make-up working day.
_MAKEUP_RE = re.compile(r"由\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*调休")
_IN_LIEU_RE = re.compile(r"\s*[（(]\s*补假\s*[)）]\s*")
_NAME_SEPARATORS_RE = re.compile(r"[;；、,，]")

# Short or partial names -> the full names used in the service hall.
_FULL_NAMES = {
    "清明": "清明节",
    "端午": "端午节",
    "中秋": "中秋节",
    "农历除夕": "春节",
    "除夕": "春节",
}


def _full_name(chinese: str | None) -> str | None:
    """Return the clean full holiday name for a library name, or None for a moved rest day."""
    if not chinese:
        return None
    # "中秋节; 国庆节" (2023-style combined holiday) -> the first one, "中秋节".
    name = _NAME_SEPARATORS_RE.split(chinese)[0]
    name = _IN_LIEU_RE.sub("", name).strip()
    if not name or name.startswith("休息日"):
        return None
    return _FULL_NAMES.get(name, name)


def _cc_chinese_names() -> dict[str, str]:
    """Map chinese_calendar's English holiday names to full Chinese names."""
    names: dict[str, str] = {}
    for member in chinese_calendar.Holiday:
        chinese = _full_name(getattr(member, "chinese", None))
        names[member.value] = chinese or member.value
    return names


_CC_NAMES = _cc_chinese_names()


def _as_date(d: date) -> date:
    """Return d as a plain date (a datetime loses its time), rejecting other types."""
    if isinstance(d, datetime.datetime):
        return d.date()
    if not isinstance(d, date):
        raise TypeError(f"expected datetime.date, got {type(d).__name__}")
    return d


def _makeup_name(holiday: str | None) -> str:
    """Return the name of a make-up working day for the given holiday."""
    return f"{holiday}调休上班" if holiday else "调休上班"


@dataclass(frozen=True)
class Day:
    """One calendar day as the service hall counts it."""

    date: datetime.date
    working: bool
    name: str | None
    confirmed: bool


class WorkCalendar:
    """Working-day calendar layered as overrides > chinese_calendar > holidays > weekdays.

    Instances cache per-date results and never change after construction; build a
    new instance when the override table changes.
    """

    def __init__(
        self,
        overrides: Mapping[date, tuple[bool, str | None]] | None = None,
        announced_years: Iterable[int] = (),
    ) -> None:
        """Build a calendar from an override table and the years officially announced."""
        self._overrides: dict[date, tuple[bool, str | None]] = {}
        for key, (working, name) in (overrides or {}).items():
            self._overrides[_as_date(key)] = (bool(working), name or None)
        self._announced: frozenset[int] = frozenset(int(y) for y in announced_years)
        self._cache: dict[date, Day] = {}
        self._cc_years: dict[int, bool] = {}
        self._lib_raw: dict[int, dict[date, str]] = {}
        self._guesses: dict[int, dict[date, tuple[bool, str | None]]] = {}

    # ------------------------------------------------------------------ public

    def day(self, d: date) -> Day:
        """Return the resolved Day for date d."""
        d = _as_date(d)
        cached = self._cache.get(d)
        if cached is None:
            cached = self._cache[d] = self._resolve(d)
        return cached

    def year_confirmed(self, year: int) -> bool:
        """Tell whether every day of the year is confirmed (announced in the table or in chinese_calendar)."""
        return year in self._announced or self._cc_covers(year)

    def days(self, start: date, end: date) -> list[Day]:
        """Return the Days from start to end inclusive (empty if end is before start)."""
        start, end = _as_date(start), _as_date(end)
        return [self.day(start + datetime.timedelta(days=i)) for i in range((end - start).days + 1)]

    def is_working(self, d: date) -> bool:
        """Return whether date d is a working day."""
        return self.day(d).working

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        """Return the n-th working day after start and whether every day counted is confirmed."""
        n = operator.index(n)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        d = _as_date(start)
        confirmed = True
        while n:
            d += _ONE_DAY
            day = self.day(d)
            if not day.confirmed:
                confirmed = False
            if day.working:
                n -= 1
        return d, confirmed

    def working_days_between(self, start: date, end: date) -> int:
        """Return the number of working days d with start < d <= end."""
        start, end = _as_date(start), _as_date(end)
        count = 0
        d = start
        while d < end:
            d += _ONE_DAY
            if self.day(d).working:
                count += 1
        return count

    # --------------------------------------------------------------- internals

    def _resolve(self, d: date) -> Day:
        """Resolve date d through the layers, without the per-date cache."""
        override = self._overrides.get(d)
        if override is not None:
            return Day(d, override[0], override[1], True)
        if self._cc_covers(d.year):
            try:
                working, name = self._from_cc(d)
            except NotImplementedError:
                self._cc_years[d.year] = False
            else:
                return Day(d, working, name, True)
        announced = d.year in self._announced
        if not announced:
            guess = self._guess_year(d.year).get(d)
            if guess is not None:
                return Day(d, guess[0], guess[1], False)
        return Day(d, d.weekday() < 5, None, announced)

    def _cc_covers(self, year: int) -> bool:
        """Return whether chinese_calendar has data for year (probed once, then cached)."""
        covered = self._cc_years.get(year)
        if covered is None:
            try:
                chinese_calendar.is_workday(date(year, 1, 1))
            except NotImplementedError:
                covered = False
            else:
                covered = True
            self._cc_years[year] = covered
        return covered

    @staticmethod
    def _from_cc(d: date) -> tuple[bool, str | None]:
        """Return (working, name) for d from chinese_calendar."""
        working = bool(chinese_calendar.is_workday(d))
        _, english = chinese_calendar.get_holiday_detail(d)
        holiday = _CC_NAMES.get(english, english) if english else None
        if working:
            return True, (_makeup_name(holiday) if d.weekday() >= 5 else None)
        return False, holiday

    def _lib_year(self, year: int) -> dict[date, str]:
        """Return holidays.China's raw {date: Chinese name} for year (built once)."""
        raw = self._lib_raw.get(year)
        if raw is None:
            try:
                raw = dict(holidays.China(years=year, language="zh_CN").items())
            except Exception:  # a guess only: a library failure leaves the weekday rule
                raw = {}
            self._lib_raw[year] = raw
        return raw

    def _nearest_holiday(self, rest_day: date) -> str | None:
        """Return the name of the guessed holiday closest to a moved rest day."""
        best: tuple[int, int, str] | None = None
        for year in (rest_day.year - 1, rest_day.year, rest_day.year + 1):
            for other, raw_name in self._lib_year(year).items():
                name = _full_name(raw_name)
                delta = (other - rest_day).days
                if name is None or abs(delta) > _REST_DAY_REACH:
                    continue
                key = (abs(delta), delta, name)
                if best is None or key < best:
                    best = key
        return best[2] if best else None

    def _guess_year(self, year: int) -> dict[date, tuple[bool, str | None]]:
        """Return the holidays-library guess {date: (working, name)} for days of year."""
        guess = self._guesses.get(year)
        if guess is not None:
            return guess
        guess = {}
        makeup: dict[date, str] = {}
        # A rest day near New Year may move a working day across the year boundary.
        for source_year in (year - 1, year, year + 1):
            for rest_day, raw_name in self._lib_year(source_year).items():
                name = _full_name(raw_name)
                if name is None:
                    name = self._nearest_holiday(rest_day)
                    if rest_day.year == year:
                        guess[rest_day] = (False, name or "休息日")
                    match = _MAKEUP_RE.search(raw_name)
                    if match:
                        try:
                            worked = date(*(int(g) for g in match.groups()))
                        except ValueError:
                            continue
                        if worked.year == year:
                            makeup[worked] = _makeup_name(name)
                elif rest_day.year == year:
                    guess[rest_day] = (False, name)
        for worked, name in makeup.items():
            guess.setdefault(worked, (True, name))  # a listed holiday stays a day off
        self._guesses[year] = guess
        return guess
