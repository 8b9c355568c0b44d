"""Network interfaces from a saved `aws ec2 describe-network-interfaces` output (collection stage).

The collection Lambda calls the EC2 API on every batch; fer reads the same answer from a file instead
(`aws ec2 describe-network-interfaces > enis.json`), so that a run is reproducible and needs no
credentials. Only the fields the enrichment needs are read:

    NetworkInterfaces[].{NetworkInterfaceId, Groups[].GroupId, PrivateIpAddresses[].PrivateIpAddress,
                         Ipv6Addresses[].Ipv6Address, SubnetId, VpcId, AvailabilityZone}

Every private IPv4 address (not only the primary) and every IPv6 address is an address of the interface.
The region is the availability zone without its last letter (`us-east-1a` → `us-east-1`).
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from fer.errors import FerError

__all__ = [
    "Address",
    "Interface",
    "InterfaceTable",
    "Direction",
    "load_enis",
    "parse_enis",
    "parse_address",
]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Direction = Literal["internal", "inbound", "outbound"]


@lru_cache(maxsize=65536)
def parse_address(text: str) -> Address | None:
    """An IPv4 or IPv6 address, or None for `-` and anything else that is not one.

    Cached: a flow log repeats the same few hundred addresses millions of times, and parsing is the
    costly part of every lookup.
    """
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Interface:
    """What the enrichment needs to know about one network interface."""

    id: str
    security_group_ids: tuple[str, ...] | None  # None: the file does not say (not the same as none)
    private_ipv4: tuple[str, ...]
    ipv6: tuple[str, ...]
    subnet_id: str | None = None
    vpc_id: str | None = None
    availability_zone: str | None = None

    @property
    def addresses(self) -> frozenset[Address]:
        """Every address of the interface, parsed (so that IPv6 spellings compare equal)."""
        return frozenset(
            address for text in self.private_ipv4 + self.ipv6 if (address := parse_address(text)) is not None
        )

    @property
    def region(self) -> str | None:
        """The AWS region, from the availability zone (`us-east-1a` → `us-east-1`)."""
        if not self.availability_zone:
            return None
        return self.availability_zone[:-1] or None


class InterfaceTable(Mapping[str, Interface]):
    """Interfaces by id, and by address, answering the enrichment's questions."""

    def __init__(self, interfaces: Iterable[Interface] = ()) -> None:
        self._by_id: dict[str, Interface] = {}
        self._addresses: dict[str, frozenset[Address]] = {}
        self._by_address: dict[Address, tuple[Interface, ...]] = {}
        for interface in interfaces:
            if interface.id in self._by_id:
                raise FerError(f"duplicate network interface {interface.id}")
            self._by_id[interface.id] = interface
            addresses = interface.addresses
            self._addresses[interface.id] = addresses
            # Private addresses can repeat across VPCs (two VPCs may both use 10.0.0.0/16), so an
            # address maps to every interface holding it.
            for address in addresses:
                self._by_address[address] = self._by_address.get(address, ()) + (interface,)

    def __getitem__(self, interface_id: str) -> Interface:
        return self._by_id[interface_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __repr__(self) -> str:
        return f"InterfaceTable({len(self)} interfaces)"

    def holding(self, address: Address) -> tuple[Interface, ...]:
        """The interfaces that have `address` (usually one; none for addresses outside the file)."""
        return self._by_address.get(address, ())

    def addresses_of(self, interface_id: str) -> frozenset[Address]:
        return self._addresses.get(interface_id, frozenset())

    def direction(self, interface_id: str, src: str, dst: str) -> Direction | None:
        """The direction of a flow captured on `interface_id` from `src` to `dst` (address texts).

        `internal` when both ends are addresses of interfaces in one subnet; else `inbound` when the
        destination is one of the capturing interface's addresses, `outbound` when the source is;
        None otherwise (unknown interface, `-` addresses of NODATA/SKIPDATA records, transit traffic).
        """
        interface = self._by_id.get(interface_id)
        src_address, dst_address = parse_address(src), parse_address(dst)
        if interface is None or src_address is None or dst_address is None:
            return None
        own = self._addresses[interface.id]
        if self._subnets(src_address, interface, own) & self._subnets(dst_address, interface, own):
            return "internal"
        if dst_address in own:
            return "inbound"
        if src_address in own:
            return "outbound"
        return None

    def _subnets(self, address: Address, capturing: Interface, own: frozenset[Address]) -> set[str]:
        # An end that is the capturing interface's own address is in its subnet, whatever other
        # interface (in another VPC) happens to share that address.
        if address in own:
            return {capturing.subnet_id} if capturing.subnet_id else set()
        return {interface.subnet_id for interface in self.holding(address) if interface.subnet_id}


# ---------------------------------------------------------------------------------------------
# Loading


def load_enis(path: str | os.PathLike[str]) -> InterfaceTable:
    """Read a saved `aws ec2 describe-network-interfaces` output. Raises FerError naming the file."""
    name = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read())
    except OSError as error:
        raise FerError(f"{name}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise FerError(f"{name}: not UTF-8 JSON ({error.reason} at byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise FerError(f"{name}: not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    return parse_enis(data, source=name)


def parse_enis(data: Any, *, source: str = "<enis>") -> InterfaceTable:
    """Interfaces from the decoded JSON: `{"NetworkInterfaces": [...]}` or the bare list."""
    if isinstance(data, Mapping):
        if "NetworkInterfaces" not in data:
            raise FerError(f'{source}: not a describe-network-interfaces output: no "NetworkInterfaces"')
        items = data["NetworkInterfaces"]
    else:
        items = data
    if not isinstance(items, list):
        raise FerError(f'{source}: "NetworkInterfaces" must be an array')
    interfaces = [_interface(item, f"{source}: NetworkInterfaces[{index}]") for index, item in enumerate(items)]
    try:
        return InterfaceTable(interfaces)
    except FerError as error:
        raise FerError(f"{source}: {error}") from None


def _interface(item: Any, where: str) -> Interface:
    if not isinstance(item, Mapping):
        raise FerError(f"{where} must be an object")
    interface_id = item.get("NetworkInterfaceId")
    if not isinstance(interface_id, str) or not interface_id:
        raise FerError(f'{where} has no "NetworkInterfaceId"')
    where = f"{where} ({interface_id})"
    groups = None
    if "Groups" in item:
        groups = tuple(_values(item["Groups"], "GroupId", f"{where}.Groups"))
    ipv4 = tuple(_values(item.get("PrivateIpAddresses", []), "PrivateIpAddress", f"{where}.PrivateIpAddresses"))
    ipv6 = tuple(_values(item.get("Ipv6Addresses", []), "Ipv6Address", f"{where}.Ipv6Addresses"))
    for text, version in [(text, 4) for text in ipv4] + [(text, 6) for text in ipv6]:
        address = parse_address(text)
        if address is None or address.version != version:
            raise FerError(f"{where}: {text!r} is not an IPv{version} address")
    return Interface(
        id=interface_id,
        security_group_ids=groups,
        private_ipv4=ipv4,
        ipv6=ipv6,
        subnet_id=_optional_text(item, "SubnetId", where),
        vpc_id=_optional_text(item, "VpcId", where),
        availability_zone=_optional_text(item, "AvailabilityZone", where),
    )


def _values(items: Any, key: str, where: str) -> Iterator[str]:
    if not isinstance(items, list):
        raise FerError(f"{where} must be an array")
    for index, entry in enumerate(items):
        value = entry.get(key) if isinstance(entry, Mapping) else None
        if not isinstance(value, str) or not value:
            raise FerError(f'{where}[{index}] has no "{key}"')
        yield value


def _optional_text(item: Mapping[str, Any], key: str, where: str) -> str | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FerError(f'{where}: "{key}" must be a string')
    return value
