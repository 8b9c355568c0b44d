"""Network functions: isValidIP, isValidIPv4, isValidIPv6, isPrivateIP, isPublicIP, compareCIDRPrefix.

IPv4 addresses are dotted quads without leading zeros, checked by one regex (no exception on the
common invalid case); IPv6 goes through `ipaddress` after a character screen. language.md §7:
isPrivateIP is 10/8, 172.16/12, 192.168/16; isPublicIP is any other valid IPv4; both are false for
IPv6. compareCIDRPrefix is false for invalid or mixed-family input.
"""

from __future__ import annotations

import ipaddress
import re

from fer.functions.registry import function
from fer.values import Value, to_number

__all__ = [
    "parse_ipv4",
    "parse_ipv6",
    "is_valid_ip",
    "is_valid_ipv4",
    "is_valid_ipv6",
    "is_private_ip",
    "is_public_ip",
    "compare_cidr_prefix",
]

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(r"\.".join([_OCTET] * 4))
_IPV6_CHARS = re.compile(r"[0-9A-Fa-f:.]{2,45}")

_PRIVATE_V4 = (
    (0x0A000000, 0xFF000000),  # 10.0.0.0/8
    (0xAC100000, 0xFFF00000),  # 172.16.0.0/12
    (0xC0A80000, 0xFFFF0000),  # 192.168.0.0/16
)


def parse_ipv4(s: Value) -> int | None:
    """The address as a 32-bit integer, or None."""
    if type(s) is not str:
        return None
    m = _IPV4.fullmatch(s)
    if m is None:
        return None
    a, b, c, d = map(int, m.groups())
    return (a << 24) | (b << 16) | (c << 8) | d


def parse_ipv6(s: Value) -> int | None:
    """The address as a 128-bit integer, or None (zone ids such as `%eth0` are not accepted)."""
    if type(s) is not str or ":" not in s or _IPV6_CHARS.fullmatch(s) is None:
        return None
    try:
        return int(ipaddress.IPv6Address(s))
    except ValueError:
        return None


@function(
    "isValidIP",
    usage="isValidIP(s)",
    summary="true for a valid IPv4 or IPv6 address",
    min_args=1,
    examples=((("10.255.255.255",), True), (("::1",), True), (("1.2.3",), False), ((None,), False)),
)
def is_valid_ip(s: Value) -> bool:
    return parse_ipv4(s) is not None or parse_ipv6(s) is not None


@function(
    "isValidIPv4",
    usage="isValidIPv4(s)",
    summary="true for a valid IPv4 address (dotted quad)",
    min_args=1,
    examples=(
        (("10.255.255.255",), True),
        (("256.1.1.1",), False),
        (("01.2.3.4",), False),
        (("::1",), False),
        (("1.2.3.4 ",), False),
    ),
)
def is_valid_ipv4(s: Value) -> bool:
    return parse_ipv4(s) is not None


@function(
    "isValidIPv6",
    usage="isValidIPv6(s)",
    summary="true for a valid IPv6 address",
    min_args=1,
    examples=(
        (("2001:db8::1",), True),
        (("::ffff:10.0.0.1",), True),
        (("1::2::3",), False),
        (("10.0.0.1",), False),
    ),
)
def is_valid_ipv6(s: Value) -> bool:
    return parse_ipv6(s) is not None


@function(
    "isPrivateIP",
    usage="isPrivateIP(s)",
    summary="true for an IPv4 address in 10/8, 172.16/12 or 192.168/16",
    min_args=1,
    examples=(
        (("10.1.2.3",), True),
        (("172.16.0.1",), True),
        (("172.32.0.1",), False),
        (("192.168.1.1",), True),
        (("8.8.8.8",), False),
        (("fd00::1",), False),
        (("x",), False),
    ),
)
def is_private_ip(s: Value) -> bool:
    address = parse_ipv4(s)
    if address is None:
        return False
    return any(address & mask == net for net, mask in _PRIVATE_V4)


@function(
    "isPublicIP",
    usage="isPublicIP(s)",
    summary="true for a valid IPv4 address outside the private ranges",
    min_args=1,
    examples=((("8.8.8.8",), True), (("10.0.0.1",), False), (("2001:db8::1",), False), ((None,), False)),
)
def is_public_ip(s: Value) -> bool:
    address = parse_ipv4(s)
    if address is None:
        return False
    return not any(address & mask == net for net, mask in _PRIVATE_V4)


@function(
    "compareCIDRPrefix",
    usage="compareCIDRPrefix(ip1, ip2, prefixlen)",
    summary="true when both addresses (same family) share their first prefixlen bits",
    min_args=3,
    examples=(
        (("10.10.1.32", "10.10.1.35", 30.0), True),
        (("10.10.1.32", "10.10.1.36", 30.0), False),
        (("10.10.1.32", "10.10.1.36", "24"), True),
        (("2001:db8::1", "2001:db8::ffff", 64.0), True),
        (("10.0.0.1", "::ffff:10.0.0.1", 8.0), False),
        (("10.0.0.1", "10.0.0.2", 33.0), False),
        (("10.0.0.1", "bad", 8.0), False),
    ),
)
def compare_cidr_prefix(ip1: Value, ip2: Value, prefixlen: Value) -> bool:
    length = to_number(prefixlen)
    if length is None or not length.is_integer():
        return False
    bits = 32
    a, b = parse_ipv4(ip1), parse_ipv4(ip2)
    if a is None and b is None:
        bits = 128
        a, b = parse_ipv6(ip1), parse_ipv6(ip2)
    if a is None or b is None or not 0 <= length <= bits:
        return False
    shift = bits - int(length)
    return a >> shift == b >> shift
