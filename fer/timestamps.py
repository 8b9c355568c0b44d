"""Timestamps: reading `_messagetime` from a message with a locator and a format (language.md §6, §7).

`make_timestamp_reader(format, locator, timezone)` validates everything once and returns a plain
function `str -> int | None` (epoch milliseconds). Two kinds of format:

- `epoch`: 10, 13, 16 or 19 digits (seconds, ms, µs, ns), 10 digits may carry a fraction
  (`1418530010.123`). 11 or 12 digits are not a timestamp.
- Java-style patterns (`yyyy-MM-dd HH:mm:ss,SSS Z`, `dd/MMM/yyyy:HH:mm:ss Z`, `MMM dd HH:mm:ss`, …):
  the pattern letters are translated into one regex with named groups, searched inside the locator's
  capture (or the whole message), and the groups are turned into an instant.

Locators and source regexes are written in Java syntax; `compile_java_regex` does the small translation
they need (`(?<n>…)`, `\\k<n>`, `\\Q…\\E`, `\\z`, `\\Z`).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fer.errors import FerError

__all__ = ["compile_java_regex", "make_timestamp_reader", "translate_java_regex"]

# --------------------------------------------------------------------------------------------------
# Java regex -> Python re (the minimum source settings need)
# --------------------------------------------------------------------------------------------------

_JAVA_TOKEN = re.compile(r"\\Q(.*?)(?:\\E|$)|\\k<(\w+)>|\\[zZ]|\\.|\(\?<(?![=!])|.", re.DOTALL)


def translate_java_regex(pattern: str) -> str:
    """Rewrite the Java-only constructs of `pattern` into Python `re` syntax."""
    out: list[str] = []
    for m in _JAVA_TOKEN.finditer(pattern):
        token = m.group()
        if token.startswith("\\Q"):
            out.append(re.escape(m.group(1)))
        elif m.group(2) is not None:
            out.append(f"(?P={m.group(2)})")
        elif token == "\\z":
            out.append("\\Z")
        elif token == "\\Z":  # Java: end of input, before a final line terminator
            out.append("(?=\\n?\\Z)")
        elif token == "(?<":
            out.append("(?P<")
        else:
            out.append(token)
    return "".join(out)


def compile_java_regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile a Java-syntax regex (`\\d \\w \\s \\b` ASCII-only, as in Java); FerError if invalid."""
    try:
        return re.compile(translate_java_regex(pattern), flags | re.ASCII)
    except re.error as exc:
        raise FerError(f"invalid regex {pattern!r}: {exc}") from None


# --------------------------------------------------------------------------------------------------
# epoch
# --------------------------------------------------------------------------------------------------

# Alternatives are bounded by non-digits, so runs of 11, 12, 14… digits never match.
_EPOCH = re.compile(r"(?<![0-9])(?:([0-9]{10})(?:\.([0-9]+))?|([0-9]{13})|([0-9]{16})|([0-9]{19}))(?![0-9])")


def _read_epoch(text: str) -> int | None:
    # A locator's capture is usually bare digits ("1418530010"): read it directly (~60 ns) rather than
    # through the search below (~430 ns, its lookbehind defeats re's fast scan). For a string of
    # ASCII digits only, _EPOCH matches the whole string when it has 10, 13, 16 or 19 digits, and
    # nothing otherwise (every digit run is bounded by the string's ends).
    if text.isdigit() and text.isascii():
        size = len(text)
        if size == 10:
            return int(text) * 1000
        if size == 13:
            return int(text)
        if size == 16:
            return int(text) // 1000
        if size == 19:
            return int(text) // 1_000_000
        return None
    m = _EPOCH.search(text)
    if m is None:
        return None
    seconds, fraction, millis, micros, nanos = m.groups()
    if seconds is not None:
        ms = int(seconds) * 1000
        return ms + int((fraction[:3]).ljust(3, "0")) if fraction else ms
    if millis is not None:
        return int(millis)
    if micros is not None:
        return int(micros) // 1000
    return int(nanos) // 1_000_000


# --------------------------------------------------------------------------------------------------
# Java date formats
# --------------------------------------------------------------------------------------------------

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")
_MONTH_NUMBER = {name: i + 1 for i, name in enumerate(_MONTHS)} | {
    name[:3]: i + 1 for i, name in enumerate(_MONTHS)
} | {"sept": 9}
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_RE = "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True))
_DAY_RE = "|".join(sorted({*_DAYS, *(d[:3] for d in _DAYS)}, key=len, reverse=True))

# Common zone abbreviations (`z`); anything else falls back to the configured zone.
_ZONE_ABBREVIATIONS = {
    "utc": 0, "gmt": 0, "ut": 0, "z": 0, "est": -300, "edt": -240, "cst": -360, "cdt": -300,
    "mst": -420, "mdt": -360, "pst": -480, "pdt": -420, "akst": -540, "akdt": -480, "hst": -600,
    "wet": 0, "west": 60, "bst": 60, "cet": 60, "cest": 120, "eet": 120, "eest": 180, "msk": 180,
    "ist": 330, "sgt": 480, "hkt": 480, "jst": 540, "kst": 540, "aest": 600, "aedt": 660,
    "nzst": 720, "nzdt": 780,
}
_OFFSET = r"[+-]\d{2}(?::?\d{2})?"

# letter -> (group name, regex for a run of `count` letters)
_FIELDS: dict[str, tuple[str, Callable[[int], str]]] = {
    "y": ("year", lambda n: r"\d{2}" if n == 2 else r"\d{4}"),
    "Y": ("year", lambda n: r"\d{2}" if n == 2 else r"\d{4}"),
    "M": ("month", lambda n: rf"(?i:{_MONTH_RE})" if n >= 3 else (r"\d{2}" if n == 2 else r"\d{1,2}")),
    "L": ("month", lambda n: rf"(?i:{_MONTH_RE})" if n >= 3 else (r"\d{2}" if n == 2 else r"\d{1,2}")),
    "d": ("day", lambda n: r"\d{1,2}"),  # also "Aug  2": syslog pads days with a space
    "H": ("hour", lambda n: r"\d{1,2}"),
    "k": ("hour24", lambda n: r"\d{1,2}"),
    "h": ("hour12", lambda n: r"\d{1,2}"),
    "K": ("hour11", lambda n: r"\d{1,2}"),
    "m": ("minute", lambda n: r"\d{2}" if n == 2 else r"\d{1,2}"),
    "s": ("second", lambda n: r"\d{2}" if n == 2 else r"\d{1,2}"),
    "S": ("fraction", lambda n: r"\d{1,9}"),
    "a": ("ampm", lambda n: r"(?i:am|pm)"),
    "E": ("weekday", lambda n: rf"(?i:{_DAY_RE})"),
    "z": ("zone", lambda n: rf"(?:{_OFFSET}|(?i:(?:gmt|utc){_OFFSET})|[A-Za-z]{{1,5}})"),
    "Z": ("offset", lambda n: rf"(?:{_OFFSET}|Z)"),
    "X": ("offset", lambda n: rf"(?:{_OFFSET}|Z)"),
    "x": ("offset", lambda n: _OFFSET),
}
_DIGIT_EDGES = frozenset("yYdHkhKmsSML")


def _format_regex(fmt: str) -> re.Pattern[str]:
    """Translate a Java date pattern into a regex with one named group per field."""
    parts: list[str] = []
    used: set[str] = set()
    i, first_letter, last_letter = 0, "", ""
    while i < len(fmt):
        ch = fmt[i]
        if ch == "'":
            end = fmt.find("'", i + 1)
            if end < 0:
                raise FerError(f"timestamp format {fmt!r}: unterminated quoted literal")
            literal = fmt[i + 1 : end] or "'"  # '' is a quote
            parts.append(re.escape(literal))
            i, last_letter = end + 1, ""
            continue
        if ch.isascii() and ch.isalpha():
            run = len(fmt) - i - len(fmt[i:].lstrip(ch))
            if ch not in _FIELDS:
                raise FerError(f"timestamp format {fmt!r}: unsupported pattern letter {ch!r}")
            name, make = _FIELDS[ch]
            body = make(run)
            parts.append(f"(?P<{name}>{body})" if name not in used else f"(?:{body})")
            used.add(name)
            first_letter = ch if i == 0 else first_letter
            last_letter = ch
            i += run
            continue
        parts.append(r"\s+" if ch.isspace() else re.escape(ch))
        i, last_letter = i + 1, ""
        while ch.isspace() and i < len(fmt) and fmt[i].isspace():
            i += 1
    if not used:
        raise FerError(f"timestamp format {fmt!r} has no date or time fields")
    # A number in the message must not be cut in two: "12024-01-01" holds no "yyyy-MM-dd" date.
    left = r"(?<!\d)" if first_letter in _DIGIT_EDGES else ""
    right = r"(?!\d)" if last_letter in _DIGIT_EDGES else ""
    return re.compile(left + "".join(parts) + right)


def _offset_minutes(text: str) -> int | None:
    """Minutes east of UTC for `+hh`, `+hhmm`, `+hh:mm`, `Z`, `GMT+hh:mm` or a known abbreviation."""
    low = text.lower()
    if low in _ZONE_ABBREVIATIONS:
        return _ZONE_ABBREVIATIONS[low]
    if low[:3] in ("gmt", "utc"):
        low = low[3:]
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})?", low)
    if m is None:
        return None
    minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
    return -minutes if m.group(1) == "-" else minutes


def _hour(groups: dict[str, str | None]) -> int:
    if groups.get("hour") is not None:
        return int(groups["hour"])  # type: ignore[arg-type]
    if groups.get("hour24") is not None:
        return int(groups["hour24"]) % 24  # type: ignore[arg-type]
    twelve = groups.get("hour12") or groups.get("hour11")
    if twelve is None:
        return 0
    hour = int(twelve) % 12
    ampm = (groups.get("ampm") or "").lower()
    return hour + 12 if ampm == "pm" else hour


def _year(text: str | None, now: datetime) -> int | None:
    if text is None:
        return None
    year = int(text)
    if len(text) == 2:  # Java's pivot: within 80 years before and 20 after today
        year += 2000 if 2000 + year <= now.year + 20 else 1900
    return year


def _make_java_parser(fmt: str, zone: tzinfo) -> Callable[[str], int | None]:
    regex = _format_regex(fmt)

    def to_millis(groups: dict[str, str | None]) -> int | None:
        now = datetime.now(UTC)
        month_text = groups.get("month")
        if month_text is None:
            month = 1
        elif month_text.isdigit():
            month = int(month_text)
        else:
            month = _MONTH_NUMBER[month_text.lower()]
        fraction = groups.get("fraction") or "0"
        fields = (month, int(groups.get("day") or 1), _hour(groups),
                  int(groups.get("minute") or 0), int(groups.get("second") or 0))
        millis = int(fraction[:3].ljust(3, "0"))
        zone_text = groups.get("offset") or groups.get("zone")
        offset = _offset_minutes(zone_text) if zone_text else None
        year = _year(groups.get("year"), now)
        try:
            if year is None:
                # No year in the format: this year, or last year for a date more than a day ahead
                # (a December line read in January).
                value = _instant(now.year, fields, offset, zone)
                if value > (now + timedelta(days=1)).timestamp() * 1000:
                    value = _instant(now.year - 1, fields, offset, zone)
            else:
                value = _instant(year, fields, offset, zone)
        except (ValueError, OverflowError):
            return None
        return value + millis

    def parse(text: str) -> int | None:
        for m in regex.finditer(text):
            value = to_millis(m.groupdict())
            if value is not None:
                return value
        return None

    return parse


def _instant(year: int, fields: tuple[int, int, int, int, int], offset: int | None, zone: tzinfo) -> int:
    """Epoch ms of a wall-clock time, at a fixed offset when the message gave one, else in `zone`."""
    month, day, hour, minute, second = fields
    if offset is not None:
        datetime(year, month, day, hour, minute, second)  # validates (raises ValueError)
        return (calendar.timegm((year, month, day, hour, minute, second)) - offset * 60) * 1000
    return int(datetime(year, month, day, hour, minute, second, tzinfo=zone).timestamp()) * 1000


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def _zone(name: str) -> tzinfo:
    if name.upper() in ("UTC", "GMT", "Z"):
        return UTC
    offset = _offset_minutes(name) if name[:1] in "+-" or name[:3].upper() in ("GMT", "UTC") else None
    if offset is not None:
        return dt_timezone(timedelta(minutes=offset))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FerError(f"unknown timezone {name!r} (use an IANA name such as 'Europe/Paris')") from None


def _compile_locator(locator: str) -> re.Pattern[str]:
    regex = compile_java_regex(locator)
    if regex.groups != 1 or regex.groupindex:
        raise FerError(
            f"timestamp locator {locator!r} must have exactly one unnamed capture group "
            f"(it has {regex.groups - len(regex.groupindex)} unnamed and {len(regex.groupindex)} named)"
        )
    return regex


def make_timestamp_reader(
    format: str, locator: str | None = None, timezone: str = "UTC"
) -> Callable[[str], int | None]:
    """A function reading epoch milliseconds from a message (None when no timestamp is found).

    Raises `FerError` for a bad locator (not exactly one unnamed group, invalid), format or timezone.
    """
    if not isinstance(format, str) or not format.strip():
        raise FerError("timestamp format must be a non-empty string")
    zone = _zone(timezone)
    parse = _read_epoch if format.strip().lower() == "epoch" else _make_java_parser(format, zone)
    if locator is None:
        return parse
    compiled = _compile_locator(locator)
    search = compiled.search
    fast = _digit_pair_locator(compiled)
    if fast is not None:

        def read_fast(raw: str) -> int | None:
            text = fast(raw)
            return None if text is None else parse(text)

        return read_fast

    def read(raw: str) -> int | None:
        m = search(raw)
        if m is None:
            return None
        text = m.group(1)
        return None if text is None else parse(text)

    return read


# --------------------------------------------------------------------------------------------------
# A fast, exact search for the VPC locator's shape
# --------------------------------------------------------------------------------------------------

# `\s(\d{m,n})\s\d{p,q}` (the seed's `\s(\d{10,13})\s\d{10,13}`), after Java translation.
_DIGIT_PAIR = re.compile(r"\\s\(\\d\{(\d+)(?:,(\d+))?\}\)\\s\\d\{(\d+)(?:,(\d+))?\}")
# Byte classes under re.ASCII: digits -> "0", the six \s characters -> " ", anything else -> "x".
_CLASSES = bytes(
    48 if chr(b).isdigit() and b < 128 else 32 if b in b" \t\n\r\f\v" else 120 for b in range(256)
)


def _digit_pair_locator(compiled: re.Pattern[str]) -> Callable[[str], str | None] | None:
    """For a locator of the shape `\\s(\\d{m,n})\\s\\d{p,q}`: a function giving its capture, else None.

    `re` runs that search at ~6-8 ns a character with a fresh attempt at every whitespace: ~760 ns
    on a VPC record, whose timestamps sit near the end. For an ASCII message the same first match is
    found on a copy whose bytes are reduced to three classes in C (`bytes.translate`: digit -> "0",
    the six `\\s` characters -> " ", anything else -> "x"): the pattern becomes
    `" (0{m,n}) 0{p}"`, whose literal prefix `" 0…0"` lets `re` skip ahead instead of trying every
    whitespace (~600 ns a record, measured on the mixed VPC corpus; a hand-rolled `bytes.find` loop
    was slower, ~1 µs, from its Python steps). Positions are unchanged for ASCII text, and `\\d`/`\\s`
    are disjoint, so the first match and its group are the original regex's. Text with non-ASCII
    characters uses the regex itself.
    """
    shape = _DIGIT_PAIR.fullmatch(compiled.pattern)
    if shape is None or not compiled.flags & re.ASCII:
        return None
    low = int(shape.group(1))
    high = int(shape.group(2) or low)
    tail_low = int(shape.group(3))
    if low < 1 or high < low or tail_low < 1:
        return None
    classed = re.compile(
        b" (" + b"0" * low + (b"(?:0{0,%d})" % (high - low) if high > low else b"") + b") " + b"0" * tail_low
    ).search
    search = compiled.search
    classes = _CLASSES

    def locate(raw: str) -> str | None:
        if raw.isascii():
            m = classed(raw.encode().translate(classes))
            if m is None:
                return None
            begin, end = m.span(1)
            return raw[begin:end]
        found = search(raw)
        return None if found is None else found.group(1)

    return locate
