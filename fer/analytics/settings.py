"""Report settings: the timeslice and the outlier parameters the app's dashboards expose."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fer.analytics.outlier import OutlierError, check_settings

__all__ = ["ReportSettings", "parse_timeslice"]

_UNITS_MS = {"ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_TIMESLICE = re.compile(r"\s*(\d+)\s*(ms|s|m|h|d)\s*")


def parse_timeslice(text: str) -> int:
    """`30s`, `1m`, `5m`, `1h`, `1d` (as Sumo writes timeslices) → milliseconds."""
    match = _TIMESLICE.fullmatch(text)
    if not match or int(match.group(1)) == 0:
        raise OutlierError(f"a timeslice is a positive number and a unit (ms, s, m, h, d) such as 1m, not {text!r}")
    return int(match.group(1)) * _UNITS_MS[match.group(2)]


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """Timeslice and outlier settings (defaults as in vpc-app.md: 1m, window 10, threshold 3,
    consecutive 1, direction +-). `fill_missing` makes empty buckets zero points in outlier series."""

    timeslice: str = "1m"
    window: int = 10
    threshold: float = 3
    consecutive: int = 1
    direction: str = "+-"
    fill_missing: bool = False

    def __post_init__(self) -> None:
        parse_timeslice(self.timeslice)
        # The same checks (and messages) as fer.analytics.outlier itself.
        check_settings(self.window, self.threshold, self.consecutive, self.direction)

    @property
    def timeslice_ms(self) -> int:
        return parse_timeslice(self.timeslice)

    def as_dict(self) -> dict[str, object]:
        return {
            "timeslice": self.timeslice,
            "timeslice_ms": self.timeslice_ms,
            "window": self.window,
            "threshold": self.threshold,
            "consecutive": self.consecutive,
            "direction": self.direction,
            "fill_missing": self.fill_missing,
        }
