"""Dates (and times of day) that file and folder names carry.

The rules, in order, for a file name (its stem) when no ``--date-pattern``
is given:

1. a calendar date, ``YYYY-MM-DD`` or ``YYYYMMDD``, optionally followed by a
   time of day (``20241101T211111Z``, ``2024-11-01_21-11``);
2. a run of 12 or 14 digits that is a compact date and time
   (``202411012111``, ``20241101211111``);
3. a run of 9-11 digits (Unix seconds) or 12-14 digits (Unix milliseconds),
   read as a UTC date and time (DeepStateMap archives: ``1662934073.geojson``).

Rule 3 applies only when nothing else dates the file (a date property, rule
1 or 2, a date-named folder). ``--date-pattern`` replaces rules 1-3 for file
names: a ``strptime`` pattern (``%d.%m.%Y``), searched for in the name, or a
regular expression with named groups: ``(?P<date>...)`` (a text the rules
above read) or ``(?P<year>...)``, ``(?P<month>...)``, ``(?P<day>...)`` with
optional ``hour``, ``minute`` and ``second``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..errors import ArgumentError

__all__ = [
    "NameDate",
    "DatePattern",
    "date_in_name",
    "epoch_in_name",
    "folder_date",
    "DATE_IN_NAME",
    "DATE_DIR",
]

DATE_IN_NAME = re.compile(
    r"(?<!\d)(\d{4})(-?)(\d{2})\2(\d{2})"
    r"(?:[T_ -]?(\d{2})[:.-]?(\d{2})(?:[:.-]?(\d{2}))?)?(?!\d)"
)
DATE_DIR = re.compile(r"^(\d{4})(-?)(\d{2})\2(\d{2})$")
_DIGITS = re.compile(r"(?<!\d)(\d{9,14})(?!\d)")
#: Unix times outside these years are not taken for dates (a 9-digit id, say)
_EPOCH_YEARS = (1990, 2100)


@dataclass(frozen=True)
class NameDate:
    """A date read from a name, with its time of day when the name carries one."""

    date: dt.date
    time: dt.time | None = None

    @property
    def stamp(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.time or dt.time.min)


def _date(y, m, d, hh=None, mm=None, ss=None) -> NameDate | None:
    try:
        date = dt.date(int(y), int(m), int(d))
        time = None
        if hh is not None and mm is not None:
            time = dt.time(int(hh), int(mm), int(ss or 0))
    except ValueError:
        return None
    return NameDate(date, time)


def date_in_name(text: str) -> NameDate | None:
    """Rules 1 and 2: a calendar date (and time) written in ``text``."""
    for m in DATE_IN_NAME.finditer(text):
        found = _date(m.group(1), m.group(3), m.group(4), m.group(5), m.group(6), m.group(7))
        if found is None and m.group(5):  # "20241101" then digits that are not a time
            found = _date(m.group(1), m.group(3), m.group(4))
        if found is not None:
            return found
    for m in _DIGITS.finditer(text):
        found = _compact(m.group(1))
        if found is not None:
            return found
    return None


def _compact(digits: str) -> NameDate | None:
    if len(digits) not in (12, 14) or not 1900 <= int(digits[:4]) <= 2100:
        return None
    return _date(digits[:4], digits[4:6], digits[6:8], digits[8:10], digits[10:12],
                 digits[12:14] or None)


def epoch_in_name(text: str) -> NameDate | None:
    """Rule 3: Unix seconds (9-11 digits) or milliseconds (12-14), as a UTC date and time."""
    for m in _DIGITS.finditer(text):
        found = _epoch(m.group(1))
        if found is not None:
            return found
    return None


def _epoch(digits: str) -> NameDate | None:
    seconds = int(digits) / (1000 if len(digits) >= 12 else 1)
    try:
        t = dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    if not _EPOCH_YEARS[0] <= t.year <= _EPOCH_YEARS[1]:
        return None
    return NameDate(t.date(), t.time().replace(microsecond=0))


def folder_date(name: str) -> dt.date | None:
    m = DATE_DIR.match(name)
    if not m:
        return None
    found = _date(m.group(1), m.group(3), m.group(4))
    return found.date if found else None


# --------------------------------------------------------------------------
# --date-pattern

#: what each strptime directive may match (as Python's own strptime reads them)
_DIRECTIVES = {
    "Y": r"\d{4}",
    "y": r"\d{2}",
    "m": r"1[0-2]|0[1-9]|[1-9]",
    "d": r"3[01]|[12]\d|0[1-9]|[1-9]",
    "H": r"2[0-3]|[01]\d|\d",
    "I": r"1[0-2]|0[1-9]|[1-9]",
    "M": r"[0-5]\d|\d",
    "S": r"6[01]|[0-5]\d|\d",
    "f": r"\d{1,6}",
    "j": r"36[0-6]|3[0-5]\d|[12]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9]",
    "b": r"[^\W\d_]{3,}",
    "B": r"[^\W\d_]{3,}",
    "a": r"[^\W\d_]{2,}",
    "A": r"[^\W\d_]{2,}",
    "p": r"[AaPp]\.?[Mm]\.?",
    "z": r"[+-]\d\d:?\d\d|Z",
    "%": "%",
}
_GROUPS = ("date", "year", "month", "day", "hour", "minute", "second")


class DatePattern:
    """A ``--date-pattern``: a strptime pattern or a regular expression with named groups."""

    def __init__(self, text: str):
        self.text = text
        self.regex: re.Pattern | None = None
        self.strptime: str | None = None
        if "(?P<" in text:
            try:
                self.regex = re.compile(text)
            except re.error as exc:
                raise ArgumentError(
                    f"--date-pattern {text!r}: not a regular expression: {exc}"
                ) from None
            groups = set(self.regex.groupindex)
            if "date" not in groups and not {"year", "month", "day"} <= groups:
                raise ArgumentError(
                    f"--date-pattern {text!r}: name the group that holds the date "
                    "(?P<date>...), or the groups (?P<year>...), (?P<month>...) and (?P<day>...)"
                )
        elif "%" in text:
            self.strptime = text
            self.search_re = re.compile(_strptime_regex(text), re.IGNORECASE)
        else:
            raise ArgumentError(
                f"--date-pattern {text!r} is neither a strptime pattern (e.g. '%d.%m.%Y') nor a "
                "regular expression with a named group (e.g. 'map_(?P<date>\\d{8})')"
            )

    def __repr__(self) -> str:
        return f"DatePattern({self.text!r})"

    def search(self, text: str) -> NameDate | None:
        if self.strptime is not None:
            for m in self.search_re.finditer(text):
                try:
                    t = dt.datetime.strptime(m.group(0), self.strptime)
                except ValueError:
                    continue
                has_time = any(f"%{c}" in self.strptime for c in "HIMS")
                return NameDate(t.date(), t.time().replace(microsecond=0) if has_time else None)
            return None
        assert self.regex is not None
        for m in self.regex.finditer(text):
            groups = m.groupdict()
            if groups.get("date"):
                found = date_in_name(groups["date"]) or epoch_in_name(groups["date"])
            elif groups.get("year") and groups.get("month") and groups.get("day"):
                month = groups["month"]
                if not month.isdigit():
                    try:
                        month = str(dt.datetime.strptime(month[:3], "%b").month)
                    except ValueError:
                        continue
                found = _date(groups["year"], month, groups["day"], groups.get("hour"),
                              groups.get("minute") if groups.get("hour") else None,
                              groups.get("second"))
            else:
                continue
            if found is not None:
                return found
        return None


def _strptime_regex(fmt: str) -> str:
    out, i = [], 0
    while i < len(fmt):
        c = fmt[i]
        if c != "%":
            out.append(re.escape(c))
            i += 1
            continue
        if i + 1 >= len(fmt):
            raise ArgumentError(f"--date-pattern {fmt!r} ends with a lone '%'")
        d = fmt[i + 1]
        if d not in _DIRECTIVES:
            raise ArgumentError(
                f"--date-pattern {fmt!r}: %{d} is not supported here (use %Y %y %m %d %j %b %B "
                "%H %M %S ..., or a regular expression with (?P<date>...))"
            )
        out.append(f"(?:{_DIRECTIVES[d]})")
        i += 2
    if not any(f"%{c}" in fmt for c in "dj"):
        raise ArgumentError(f"--date-pattern {fmt!r} names no day (%d or %j)")
    return "".join(out)
