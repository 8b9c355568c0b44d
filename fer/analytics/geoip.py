"""Source address locations from a MaxMind-format (.mmdb) GeoIP database, public addresses only."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from typing import Any

from fer.errors import FerError

__all__ = ["GeoIPError", "GeoLocator", "is_public", "NO_GEOIP_NOTE"]

NO_GEOIP_NOTE = (
    "No GeoIP database was given. Add one with --geoip FILE.mmdb (for example MaxMind's GeoLite2-City, "
    "or any database in the MaxMind DB format) to see where the public source addresses are."
)


class GeoIPError(FerError):
    """The GeoIP database cannot be opened or read."""


def is_public(address: str) -> bool:
    """True for a globally routable IPv4 or IPv6 address (not private, loopback, link-local, …)."""
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


_Location = tuple[str | None, str | None, str | None, float | None, float | None]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _name(entry: Any) -> str | None:
    if isinstance(entry, dict):
        names = entry.get("names")
        if isinstance(names, dict) and isinstance(names.get("en"), str):
            return names["en"]
    return None


class GeoLocator:
    """Looks addresses up in one database; every address is looked up once (cached)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        import maxminddb  # the `report` extra

        try:
            self._reader = maxminddb.open_database(os.fspath(path))
        except (OSError, ValueError, maxminddb.InvalidDatabaseError) as error:
            raise GeoIPError(f"{path}: cannot read the GeoIP database: {error}") from None
        self.path = os.fspath(path)
        self._cache: dict[str, _Location | None] = {}

    def locate(self, address: str) -> _Location | None:
        """(country code, country, city, latitude, longitude) of a public address, or None."""
        if address in self._cache:
            return self._cache[address]
        found: _Location | None = None
        if is_public(address):
            try:
                entry = self._reader.get(address)
            except ValueError:
                entry = None
            if isinstance(entry, dict):
                country = _dict(entry.get("country"))
                location = _dict(entry.get("location"))
                lat, lon = location.get("latitude"), location.get("longitude")
                code = country.get("iso_code")
                found = (
                    code if isinstance(code, str) else None,
                    _name(country),
                    _name(entry.get("city")),
                    float(lat) if isinstance(lat, (int, float)) else None,
                    float(lon) if isinstance(lon, (int, float)) else None,
                )
        self._cache[address] = found
        return found

    def tally(self, counts: Iterable[tuple[str, int]]) -> tuple[list[dict[str, Any]], int]:
        """Records per location from (address, records) pairs; also the records of public addresses
        the database does not know. Private and malformed addresses are not counted at all."""
        totals: dict[tuple[Any, ...], int] = {}
        unlocated = 0
        for address, records in counts:
            if not is_public(address):
                continue
            place = self.locate(address)
            if place is None:
                unlocated += records
                continue
            totals[place] = totals.get(place, 0) + records
        rows = [
            {"country_code": p[0], "country": p[1], "city": p[2], "lat": p[3], "lon": p[4], "records": n}
            for p, n in totals.items()
        ]
        rows.sort(key=lambda r: (-r["records"], r["country"] or "", r["city"] or "", r["lat"] or 0.0, r["lon"] or 0.0))
        return rows, unlocated

    def close(self) -> None:
        self._reader.close()
