"""The collection Lambda's transformation, done right (collection stage, before any rule runs).

Sumo Logic's CloudWatch Logs Lambda (SumoLogic/sumologic-aws-lambda, `cloudwatchlogs-with-dlq`) turns
each subscription payload into the lines its HTTP source receives. `collect` does the same, offline:

1. decode the payload and skip `CONTROL_MESSAGE` health checks;
2. trim each event's message as JavaScript's `String.prototype.trim` does (all leading and trailing
   whitespace, which includes the trailing newline the Lambda strips first); an event left empty is
   skipped and counted;
3. drop internal traffic when asked (both ends internal), before any enrichment, as the Lambda does;
4. VPC-RAW sends the record as is; VPC-JSON sends `{"message": record}`, then `logStream`, `logGroup`
   (with `include_log_info`), then, for records whose interface the saved interface list knows,
   `security-group-ids`, `direction`, `subnet-id`, `vpc-id`, `aws-region`: in exactly that order,
   each left out when unknown, written compactly as `JSON.stringify` writes it.

Two defects of the Lambda are fixed, not reproduced:

- **The internal-traffic filter.** `VPC_CIDR_PREFIX` is documented as CIDR-like prefixes but tested
  with a plain string `startsWith` on the space-separated tokens 3 and 4: `10.8` also matches
  `10.80.1.1`, `10.8.0.0` matches almost nothing (not `10.8.1.1`), IPv6 is out of reach, and a custom
  format whose tokens 3 and 4 are not the addresses is misread. Here `internal_cidrs` are real CIDR
  blocks (the `ipaddress` module, IPv4 and IPv6), and the addresses are read by the record's format
  (the default format, or `record_format`). A record the filter cannot read (wrong number of fields,
  `-`, an address family no block has) is never dropped. The old behaviour stays available as an
  explicit compatibility mode, `legacy_prefixes`.
- **`direction`.** The Lambda knows only each interface's primary private IPv4 address, compares the
  destination with it (`inbound`) and calls everything else `outbound`, NODATA and transit records
  included; its `internal` test compares an address string with a list, so `internal` never occurs.
  Here an interface's addresses are all its private IPv4 and IPv6 addresses; `internal` when both ends
  are addresses of interfaces in one subnet, else `inbound` when the destination is the capturing
  interface's, `outbound` when the source is, and no `direction` otherwise.

Also deliberate: interfaces come from a saved `aws ec2 describe-network-interfaces` output (`fer.aws.enis`)
rather than a live API call; `aws-region` is the interface's own region (from its availability zone)
rather than the Lambda's; the Lambda's `requestID` field (a regex over the message meant for Lambda
logs) and its attempt to parse a message as JSON are not reproduced: a flow log record is text.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Literal, get_args

from fer.aws.cloudwatch import LogEvent, PayloadError, decode_payload, is_control_message, iter_log_events
from fer.aws.enis import Address, Interface, InterfaceTable, load_enis, parse_address
from fer.errors import FerError

__all__ = [
    "LogFormat",
    "CollectStats",
    "Collection",
    "Collector",
    "collect",
    "js_trim",
    "js_json",
    "DEFAULT_FORMAT",
]

LogFormat = Literal["VPC-JSON", "VPC-RAW"]

# The default (version 2) format; any other layout must be named, since a record's own `version`
# does not identify it.
DEFAULT_FORMAT: tuple[str, ...] = (
    "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
    "protocol", "packets", "bytes", "start", "end", "action", "log-status",
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
PayloadItem = bytes | str | Mapping[str, Any] | LogEvent | PayloadError

# ECMAScript WhiteSpace and LineTerminator: what `String.prototype.trim` removes. Python's own
# `str.strip()` differs (it strips U+001C..U+001F and U+0085, and keeps U+FEFF).
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680"
    + "".join(chr(code) for code in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def js_trim(text: str) -> str:
    """`text.trim()` as JavaScript computes it."""
    return text.strip(_JS_WHITESPACE)


# A surrogate pair (kept together) or a lone surrogate (escaped, as ES2019's well-formed
# JSON.stringify does; the raw code point could not even be written as UTF-8).
_SURROGATES = re.compile("[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]")


def _surrogate(match: re.Match[str]) -> str:
    text = match.group()
    if len(text) == 2:
        return (text.encode("utf-16-le", "surrogatepass")).decode("utf-16-le")
    return f"\\u{ord(text):04x}"


def js_json(value: Any) -> str:
    """`JSON.stringify(value)`: no spaces, non-ASCII kept, control characters as `\\u00xx`."""
    # Python's escaping with ensure_ascii=False matches JavaScript's: `"`, `\\`, \b \f \n \r \t, and
    # the other characters below U+0020 as lower-case \u00xx; U+2028/U+2029 and DEL stay as they are.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _SURROGATES.sub(_surrogate, text) if _SURROGATES.search(text) else text


@dataclass(slots=True)
class CollectStats:
    """What a collection did: every event in is a line out, skipped empty, or filtered internal."""

    events_in: int = 0
    lines_out: int = 0
    skipped_empty: int = 0
    filtered_internal: int = 0
    payload_errors: int = 0
    enriched: int = 0  # VPC-JSON lines whose interface was found in the interface list

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Collection(Iterator[str]):
    """The lines of a running collection (an iterator) and its statistics so far."""

    def __init__(self, lines: Iterator[str], stats: CollectStats, errors: list[PayloadError]) -> None:
        self._lines = lines
        self.stats = stats
        self.errors = errors  # the malformed payloads met so far, in order

    def __iter__(self) -> Collection:
        return self

    def __next__(self) -> str:
        return next(self._lines)


class Collector:
    """The transformation configured once (options checked, interfaces indexed), run many times."""

    def __init__(
        self,
        *,
        log_format: LogFormat,
        include_log_info: bool = False,
        enis: InterfaceTable | Iterable[Interface] | str | os.PathLike[str] | None = None,
        internal_cidrs: Iterable[str | Network] = (),
        legacy_prefixes: Iterable[str] | str = (),
        record_format: Sequence[str] | str | None = None,
    ) -> None:
        if log_format not in get_args(LogFormat):
            raise FerError(f"unknown log format {log_format!r}: expected VPC-JSON or VPC-RAW")
        if log_format == "VPC-RAW" and enis is not None:
            raise FerError("interface enrichment (enis) needs the VPC-JSON log format")
        if log_format == "VPC-RAW" and include_log_info:
            raise FerError("include_log_info needs the VPC-JSON log format")
        self.log_format: LogFormat = log_format
        self.include_log_info = include_log_info
        self.interfaces = _interface_table(enis)
        self.networks = tuple(_network(block) for block in internal_cidrs)
        self.legacy_prefixes = _prefixes(legacy_prefixes)
        if self.networks and self.legacy_prefixes:
            raise FerError("internal CIDR blocks and legacy prefixes are mutually exclusive: choose one")
        self.record_format = _record_format(record_format)

        fields = self.record_format
        self._width = len(fields)
        self._interface_at = fields.index("interface-id") if "interface-id" in fields else None
        self._src_at = fields.index("srcaddr") if "srcaddr" in fields else None
        self._dst_at = fields.index("dstaddr") if "dstaddr" in fields else None
        # Flow logs repeat a small set of addresses; the membership test is cached per address text.
        self._is_internal = lru_cache(maxsize=65536)(self._in_networks)

    # -- the whole run -------------------------------------------------------------------------

    def run(
        self,
        payloads: Iterable[PayloadItem],
        *,
        on_error: Callable[[PayloadError], None] | None = None,
    ) -> Collection:
        """The lines for a stream of payloads (any form `decode_payload` accepts), `LogEvent`s, or
        `PayloadError`s (as `iter_payload_file` yields them). A malformed payload is counted, kept in
        `errors`, passed to `on_error`, and skipped: the other payloads go on."""
        stats = CollectStats()
        errors: list[PayloadError] = []

        def failed(error: PayloadError) -> None:
            stats.payload_errors += 1
            errors.append(error)
            if on_error is not None:
                on_error(error)

        def lines() -> Iterator[str]:
            for item in payloads:
                if isinstance(item, PayloadError):
                    failed(item)
                    continue
                if isinstance(item, LogEvent):
                    events: Iterable[LogEvent] = (item,)
                else:
                    try:
                        decoded = decode_payload(item)
                    except PayloadError as error:
                        failed(error)
                        continue
                    events = () if is_control_message(decoded) else iter_log_events(decoded)
                for event in events:
                    line = self.transform(event, stats)
                    if line is not None:
                        yield line

        return Collection(lines(), stats, errors)

    # -- one event -----------------------------------------------------------------------------

    def transform(self, event: LogEvent, stats: CollectStats | None = None) -> str | None:
        """The line the HTTP source receives for one event, or None when it is skipped or filtered."""
        stats = stats if stats is not None else CollectStats()
        stats.events_in += 1
        record = js_trim(event.message)
        if not record:
            stats.skipped_empty += 1
            return None
        tokens = record.split()
        readable = len(tokens) == self._width
        if self._dropped(record, tokens if readable else None):
            stats.filtered_internal += 1
            return None
        if self.log_format == "VPC-RAW":
            stats.lines_out += 1
            return record

        line: dict[str, Any] = {"message": record}
        if self.include_log_info:
            if event.log_stream:
                line["logStream"] = event.log_stream
            if event.log_group:
                line["logGroup"] = event.log_group
        if self.interfaces is not None and readable and self._enrich(line, tokens):
            stats.enriched += 1
        stats.lines_out += 1
        return js_json(line)

    def _enrich(self, line: dict[str, Any], tokens: list[str]) -> bool:
        assert self.interfaces is not None
        if self._interface_at is None:
            return False
        interface = self.interfaces.get(tokens[self._interface_at])
        if interface is None:
            return False
        if interface.security_group_ids is not None:
            line["security-group-ids"] = list(interface.security_group_ids)
        if self._src_at is not None and self._dst_at is not None:
            direction = self.interfaces.direction(interface.id, tokens[self._src_at], tokens[self._dst_at])
            if direction is not None:
                line["direction"] = direction
        if interface.subnet_id:
            line["subnet-id"] = interface.subnet_id
        if interface.vpc_id:
            line["vpc-id"] = interface.vpc_id
        if interface.region:
            line["aws-region"] = interface.region
        return True

    # -- the internal-traffic filter -----------------------------------------------------------

    def _dropped(self, record: str, tokens: list[str] | None) -> bool:
        if self.legacy_prefixes:
            # The Lambda's reading, kept verbatim: single-space tokens 3 and 4, whatever the format.
            parts = record.split(" ")
            if len(parts) < 5:
                return False
            return self._legacy_match(parts[3]) and self._legacy_match(parts[4])
        if not self.networks or tokens is None or self._src_at is None or self._dst_at is None:
            return False
        return self._is_internal(tokens[self._src_at]) and self._is_internal(tokens[self._dst_at])

    def _legacy_match(self, text: str) -> bool:
        return any(text.startswith(prefix) for prefix in self.legacy_prefixes)

    def _in_networks(self, text: str) -> bool:
        address: Address | None = parse_address(text)
        if address is None:
            return False
        return any(address.version == network.version and address in network for network in self.networks)


def collect(
    payloads: Iterable[PayloadItem],
    *,
    log_format: LogFormat,
    include_log_info: bool = False,
    enis: InterfaceTable | Iterable[Interface] | str | os.PathLike[str] | None = None,
    internal_cidrs: Iterable[str | Network] = (),
    legacy_prefixes: Iterable[str] | str = (),
    record_format: Sequence[str] | str | None = None,
    on_error: Callable[[PayloadError], None] | None = None,
) -> Collection:
    """The lines a Sumo Logic HTTP source would receive from the Lambda for these payloads.

    Returns an iterator of lines with `.stats` (a `CollectStats`) and `.errors`. Options are checked
    at once (FerError, a ValueError): VPC-RAW with `enis` or `include_log_info`, both
    `internal_cidrs` and `legacy_prefixes`, a bad CIDR block, an unknown format field.

        >>> event = LogEvent("2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK\\n", 1, "", "g", "s")
        >>> list(collect([event], log_format="VPC-JSON", include_log_info=True))
        ['{"message":"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK","logStream":"s","logGroup":"g"}']
    """
    collector = Collector(
        log_format=log_format,
        include_log_info=include_log_info,
        enis=enis,
        internal_cidrs=internal_cidrs,
        legacy_prefixes=legacy_prefixes,
        record_format=record_format,
    )
    return collector.run(payloads, on_error=on_error)


# ---------------------------------------------------------------------------------------------
# Option checking


def _interface_table(enis: InterfaceTable | Iterable[Interface] | str | os.PathLike[str] | None) -> InterfaceTable | None:
    if enis is None or isinstance(enis, InterfaceTable):
        return enis
    if isinstance(enis, (str, os.PathLike)):
        return load_enis(enis)
    return InterfaceTable(enis)


def _network(block: str | Network) -> Network:
    if isinstance(block, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return block
    text = str(block).strip()
    if "/" not in text:
        raise FerError(f"internal CIDR {text!r} has no prefix length: write it as a block such as 10.8.0.0/16")
    try:
        return ipaddress.ip_network(text)
    except ValueError as error:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise FerError(f"internal CIDR {text!r} is not a CIDR block: {error}") from None
        raise FerError(f"internal CIDR {text!r} has host bits set: did you mean {loose}?") from None


def _prefixes(prefixes: Iterable[str] | str) -> tuple[str, ...]:
    # As the Lambda reads VPC_CIDR_PREFIX: split on commas, trim, drop empty entries.
    items = prefixes.split(",") if isinstance(prefixes, str) else prefixes
    return tuple(prefix.strip() for prefix in items if prefix.strip())


def _record_format(record_format: Sequence[str] | str | None) -> tuple[str, ...]:
    if record_format is None:
        return DEFAULT_FORMAT
    from fer.aws.vpc import parse_format  # the format module knows every documented field

    if isinstance(record_format, str):
        return parse_format(record_format)
    fields = tuple(record_format)
    # Checked through the header form so that an unknown or repeated name fails the same way.
    return parse_format(" ".join(fields)) if fields else parse_format("")
