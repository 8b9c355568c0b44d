"""Timestamps (language.md §6, §7): epoch digits, Java-style formats, locators, time zones."""

from __future__ import annotations

import calendar
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fer.errors import FerError
from fer.timestamps import compile_java_regex, make_timestamp_reader, translate_java_regex

DATA = Path(__file__).parent / "data" / "vpc"
SEED_LOCATOR = r"\s(\d{10,13})\s\d{10,13}"


def utc_ms(*fields: int, ms: int = 0) -> int:
    return calendar.timegm((*fields, 0, 0, 0)[:6]) * 1000 + ms


# --------------------------------------------------------------------------------------------------
# epoch
# --------------------------------------------------------------------------------------------------


def test_seed_locator_on_every_default_record() -> None:
    read = make_timestamp_reader("epoch", SEED_LOCATOR)
    lines = DATA.joinpath("default-v2.log").read_text().splitlines()
    assert len(lines) == 7
    for line in lines:
        start = int(line.split(" ")[10])
        assert read(line) == start * 1000


def test_seed_locator_skips_the_12_digit_account_id() -> None:
    read = make_timestamp_reader("epoch")
    line = DATA.joinpath("default-v2.log").read_text().splitlines()[0]
    assert read(line) == 1418530010000  # not 123456789010


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1418530010", 1418530010000),  # seconds
        ("1418530010123", 1418530010123),  # milliseconds
        ("1418530010123456", 1418530010123),  # microseconds
        ("1418530010123456789", 1418530010123),  # nanoseconds
        ("1418530010.123", 1418530010123),  # fraction after 10 digits
        ("1418530010.5", 1418530010500),
        ("1418530010.123999", 1418530010123),
        ("at=1418530010 x", 1418530010000),
        ("12345678901", None),  # 11 digits
        ("123456789012", None),  # 12 digits
        ("14185300101234", None),  # 14 digits
        ("no digits here", None),
        ("id 123456789012 then 1418530010", 1418530010000),
        ("v1418530010.", 1418530010000),
    ],
)
def test_epoch_digits(text: str, expected: int | None) -> None:
    assert make_timestamp_reader("epoch")(text) == expected
    assert make_timestamp_reader("EPOCH", r"^(.*)$")(text) == expected


def test_epoch_inside_locator_capture_only() -> None:
    read = make_timestamp_reader("epoch", r"start=(\S+)")
    assert read("end=1418530070 start=1418530010") == 1418530010000
    assert read("end=1418530070 start=12345678901") is None  # 11 digits
    assert read("end=1418530070") is None  # locator does not match


def test_locator_with_optional_group_not_taken() -> None:
    read = make_timestamp_reader("epoch", r"t=(\d+)?;")
    assert read("t=;") is None
    assert read("t=1418530010;") == 1418530010000


@given(st.integers(min_value=1_000_000_000, max_value=9_999_999_999))
def test_epoch_units_agree(seconds: int) -> None:
    read = make_timestamp_reader("epoch")
    ms = seconds * 1000
    assert read(f"x {seconds} y") == ms
    assert read(f"x {ms} y") == ms
    assert read(f"x {ms}123 y") == ms
    assert read(f"x {ms}123456 y") == ms


# --------------------------------------------------------------------------------------------------
# bad settings
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "locator",
    [
        r"\s(\d{10})\s(\d{10})",  # two groups
        r"\s\d{10}\s",  # no group
        r"(?<ts>\d{10})",  # named (Java syntax)
        r"(?P<ts>\d{10})",  # named (Python syntax)
        r"(?<ts>\d{10}) (\d+)",  # one unnamed, one named
        r"(\d{10",  # invalid
    ],
)
def test_bad_locator(locator: str) -> None:
    with pytest.raises(FerError):
        make_timestamp_reader("epoch", locator)


def test_non_capturing_groups_do_not_count() -> None:
    read = make_timestamp_reader("epoch", r"(?:start|begin)=(\d+)(?=\s)")
    assert read("begin=1418530010 x") == 1418530010000


@pytest.mark.parametrize("fmt", ["", "   ", "yyyy-qq", "'unterminated", "---"])
def test_bad_format(fmt: str) -> None:
    with pytest.raises(FerError):
        make_timestamp_reader(fmt)


def test_bad_timezone() -> None:
    with pytest.raises(FerError):
        make_timestamp_reader("epoch", timezone="Mars/Olympus")


def test_error_is_plain_fer_error() -> None:
    with pytest.raises(FerError) as info:
        make_timestamp_reader("epoch", r"\d+")
    assert type(info.value) is FerError
    assert "exactly one unnamed capture group" in str(info.value)


# --------------------------------------------------------------------------------------------------
# Java formats
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [
        ("yyyy-MM-dd HH:mm:ss,SSS Z", "2014-12-14 04:06:50,123 +0100 INFO x", utc_ms(2014, 12, 14, 3, 6, 50, ms=123)),
        ("yyyy-MM-dd HH:mm:ss,SSS Z", "2014-12-14 04:06:50,123 -0530", utc_ms(2014, 12, 14, 9, 36, 50, ms=123)),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2014-12-14T04:06:50.123-05:00", utc_ms(2014, 12, 14, 9, 6, 50, ms=123)),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "at 2014-12-14T04:06:50.123Z", utc_ms(2014, 12, 14, 4, 6, 50, ms=123)),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX", "2014-12-14T04:06:50.123456Z", utc_ms(2014, 12, 14, 4, 6, 50, ms=123)),
        ("dd/MMM/yyyy:HH:mm:ss Z", '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /"', utc_ms(2000, 10, 10, 20, 55, 36)),
        ("EEE MMM dd HH:mm:ss yyyy", "Sun Dec 14 04:06:50 2014 kernel", utc_ms(2014, 12, 14, 4, 6, 50)),
        ("EEE MMM dd HH:mm:ss z yyyy", "Sun Dec 14 04:06:50 PST 2014", utc_ms(2014, 12, 14, 12, 6, 50)),
        ("EEE, dd MMM yyyy HH:mm:ss z", "Sun, 14 Dec 2014 04:06:50 GMT", utc_ms(2014, 12, 14, 4, 6, 50)),
        ("yyyy-MM-dd HH:mm:ss", "2014-12-14 04:06:50", utc_ms(2014, 12, 14, 4, 6, 50)),
        ("yyyyMMdd'T'HHmmss", "20141214T040650", utc_ms(2014, 12, 14, 4, 6, 50)),
        ("MM/dd/yy hh:mm a", "12/14/14 04:06 PM", utc_ms(2014, 12, 14, 16, 6)),
        ("MM/dd/yy hh:mm a", "12/14/14 12:06 am", utc_ms(2014, 12, 14, 0, 6)),
        ("dd MMMM yyyy", "14 December 2014", utc_ms(2014, 12, 14)),
        ("yyyy-MM-dd", "not a date 2014-13-45", None),  # month 13: not a timestamp
        ("yyyy-MM-dd", "12014-01-01", None),  # a number is not cut in two
        ("yyyy-MM-dd", "nothing", None),
        ("yyyy-MM-dd", "bad 2014-02-30 then 2014-03-01", utc_ms(2014, 3, 1)),
    ],
)
def test_java_formats(fmt: str, text: str, expected: int | None) -> None:
    assert make_timestamp_reader(fmt)(text) == expected


def test_zone_applies_to_formats_without_one() -> None:
    text = "2014-12-14 04:06:50"
    assert make_timestamp_reader("yyyy-MM-dd HH:mm:ss", timezone="America/New_York")(text) == utc_ms(
        2014, 12, 14, 9, 6, 50
    )
    # Summer time is honoured: EDT is UTC-4.
    assert make_timestamp_reader("yyyy-MM-dd HH:mm:ss", timezone="America/New_York")(
        "2014-07-14 04:06:50"
    ) == utc_ms(2014, 7, 14, 8, 6, 50)
    assert make_timestamp_reader("yyyy-MM-dd HH:mm:ss", timezone="+02:00")(text) == utc_ms(2014, 12, 14, 2, 6, 50)


def test_zone_in_message_beats_configured_zone() -> None:
    read = make_timestamp_reader("yyyy-MM-dd HH:mm:ss Z", timezone="Asia/Tokyo")
    assert read("2014-12-14 04:06:50 +0000") == utc_ms(2014, 12, 14, 4, 6, 50)


def test_java_format_inside_locator() -> None:
    read = make_timestamp_reader("yyyy-MM-dd HH:mm:ss", r"ts=\[([^\]]*)\]")
    assert read("2001-01-01 00:00:00 ts=[2014-12-14 04:06:50]") == utc_ms(2014, 12, 14, 4, 6, 50)
    assert read("2001-01-01 00:00:00 ts=[garbage]") is None


def test_format_without_year_uses_this_year_or_last() -> None:
    read = make_timestamp_reader("MMM dd HH:mm:ss")
    now = datetime.now(timezone.utc)
    value = read("Jan  2 04:06:08 host sshd[1]: x")
    assert value is not None
    parsed = datetime.fromtimestamp(value / 1000, timezone.utc)
    assert (parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second) == (1, 2, 4, 6, 8)
    assert parsed.year in (now.year, now.year - 1)
    assert value <= (now.timestamp() + 86400) * 1000


def test_reader_returns_int() -> None:
    assert type(make_timestamp_reader("epoch")("1418530010.5")) is int
    assert type(make_timestamp_reader("yyyy-MM-dd")("2014-12-14")) is int


# --------------------------------------------------------------------------------------------------
# Java regex translation
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("java", "python"),
    [
        (r"(?<name>\d+)", r"(?P<name>\d+)"),
        (r"(?<=a)b(?<!c)", r"(?<=a)b(?<!c)"),
        (r"(?<n>a)\k<n>", r"(?P<n>a)(?P=n)"),
        (r"\Qa.b\E+", r"a\.b+"),
        (r"abc\z", r"abc\Z"),
        (r"\(?<x", r"\(?<x"),
    ],
)
def test_translate_java_regex(java: str, python: str) -> None:
    assert translate_java_regex(java) == python


def test_java_regex_is_ascii() -> None:
    assert compile_java_regex(r"\d+").fullmatch("١٢") is None  # Arabic-Indic digits are not \d in Java
