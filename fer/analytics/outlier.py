"""Outlier analysis: Sumo Logic's `outlier` operator, made exact (vpc-app.md §2 and §3).

For a series of (bucket, value) points in time order, each point is compared with a baseline made of
the up to `window` points before it (never itself). The baseline's mean and population standard
deviation σ give the band `mean ± threshold·σ`; a point outside the band on the watched side is an
indicator, and a run of `consecutive` indicators is a violation.

    >>> from fer.analytics import outlier
    >>> values = [10, 12, 11, 13, 12, 50, 12]
    >>> result = outlier(list(enumerate(values)), window=5, threshold=3)
    >>> spike, after = result[5], result[6]
    >>> round(spike.value - spike.error, 2), round(spike.std, 2), round(spike.upper, 2)
    (11.6, 1.02, 14.66)
    >>> spike.indicator, spike.violation
    (1, 1)
    >>> round(after.value - after.error, 2), round(after.std, 2), after.indicator
    (19.6, 15.21, 0)
    >>> result[0].lower is None and result[1].lower is None   # fewer than 2 baseline points
    True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fer.errors import FerError

__all__ = ["OutlierPoint", "OutlierError", "outlier", "fill_buckets", "check_settings", "DIRECTIONS"]

DIRECTIONS: tuple[str, ...] = ("+", "-", "+-")

Number = int | float


class OutlierError(FerError):
    """Bad settings for an outlier analysis (window, threshold, consecutive, direction, step)."""


@dataclass(frozen=True, slots=True)
class OutlierPoint:
    """One point of a series with its band.

    `error`, `lower`, `upper` and `std` are None when the baseline has fewer than 2 points.
    `indicator` is 1 when the value lies outside the band on a watched side; `violation` is 1 when
    the run of indicators ending here is at least `consecutive` long.
    """

    bucket: Number
    value: float
    error: float | None
    lower: float | None
    upper: float | None
    std: float | None
    indicator: int
    violation: int


def check_settings(window: int, threshold: float, consecutive: int, direction: str) -> None:
    """Raise OutlierError unless the settings are usable (window, consecutive >= 1; threshold >= 0)."""
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise OutlierError(f"window must be a whole number of at least 1, not {window!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not (
        math.isfinite(threshold) and threshold >= 0
    ):
        raise OutlierError(f"threshold must be a finite number of at least 0, not {threshold!r}")
    if isinstance(consecutive, bool) or not isinstance(consecutive, int) or consecutive < 1:
        raise OutlierError(f"consecutive must be a whole number of at least 1, not {consecutive!r}")
    if direction not in DIRECTIONS:
        raise OutlierError(f"direction must be one of '+', '-', '+-', not {direction!r}")


def fill_buckets(points: Sequence[tuple[Number, Number]], step: Number) -> list[tuple[Number, Number]]:
    """Insert a zero point for every empty bucket between the first and the last point.

    Buckets are expected on the grid `first + k·step`; a point off the grid is kept as given.
    """
    if not (isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0):
        raise OutlierError(f"step must be a positive number, not {step!r}")
    filled: list[tuple[Number, Number]] = []
    for bucket, value in points:
        if filled:
            expected = filled[-1][0] + step
            # Walk the grid up to this bucket; each skipped bucket had no records, so its value is 0.
            while expected < bucket:
                filled.append((expected, 0))
                expected += step
        filled.append((bucket, value))
    return filled


def outlier(
    points: Iterable[tuple[Number, Number]],
    window: int = 10,
    threshold: float = 3,
    consecutive: int = 1,
    direction: str = "+-",
    *,
    fill_missing: bool = False,
    step: Number | None = None,
) -> list[OutlierPoint]:
    """Bands, indicators and violations for a time-ordered series of (bucket, value) points.

    - The baseline of point i is the up to `window` points before it; with fewer than 2 there is no
      band (error/lower/upper/std None) and the indicator is 0.
    - σ is the population standard deviation; with σ = 0 the bounds equal the mean.
    - `direction` `+` flags values above `upper`, `-` below `lower`, `+-` either.
    - Flagged points stay in later baselines. The last point is given its band but never an
      indicator or violation: its bucket may still be filling up.
    - `fill_missing=True` with `step` (the timeslice) turns empty buckets into zero points; by
      default only buckets that had records are points.
    """
    check_settings(window, threshold, consecutive, direction)
    series = [(bucket, value) for bucket, value in points]
    if fill_missing:
        if step is None:
            raise OutlierError("fill_missing needs the step (the timeslice) between buckets")
        series = fill_buckets(series, step)
    values = [float(value) for _, value in series]
    watch_high = "+" in direction
    watch_low = "-" in direction
    result: list[OutlierPoint] = []
    run = 0
    last = len(series) - 1
    for i, (bucket, _) in enumerate(series):
        value = values[i]
        baseline = values[max(0, i - window) : i]
        if len(baseline) < 2:
            result.append(OutlierPoint(bucket, value, None, None, None, None, 0, 0))
            run = 0
            continue
        mean = math.fsum(baseline) / len(baseline)
        std = math.sqrt(math.fsum((x - mean) ** 2 for x in baseline) / len(baseline))
        lower = mean - threshold * std
        upper = mean + threshold * std
        outside = (watch_high and value > upper) or (watch_low and value < lower)
        indicator = 1 if outside and i != last else 0
        run = run + 1 if indicator else 0
        violation = 1 if indicator and run >= consecutive else 0
        result.append(OutlierPoint(bucket, value, value - mean, lower, upper, std, indicator, violation))
    return result
