"""fer.analytics.outlier against vpc-app.md §2/§3: the worked example and hand-computed series."""

from __future__ import annotations

import doctest
import importlib
import math

import pytest

from fer.analytics import OutlierError, OutlierPoint, outlier


def series(values: list[float]) -> list[tuple[int, float]]:
    return [(60_000 * i, v) for i, v in enumerate(values)]


def test_worked_example() -> None:
    result = outlier(series([10, 12, 11, 13, 12, 50, 12]), window=5, threshold=3)
    spike, after = result[5], result[6]
    assert spike.value - spike.error == pytest.approx(11.6)
    assert spike.std == pytest.approx(math.sqrt(1.04))
    assert round(spike.std, 2) == 1.02
    assert spike.upper == pytest.approx(11.6 + 3 * math.sqrt(1.04))
    assert round(spike.upper, 2) == 14.66
    assert spike.lower == pytest.approx(11.6 - 3 * math.sqrt(1.04))
    assert spike.error == pytest.approx(50 - 11.6)
    assert (spike.indicator, spike.violation) == (1, 1)
    # The flagged 50 stays in the next baseline: mean 19.6, σ ≈ 15.21.
    assert after.value - after.error == pytest.approx(19.6)
    assert after.std == pytest.approx(math.sqrt(231.44))
    assert round(after.std, 2) == 15.21
    assert after.indicator == 0


def test_worked_example_point_after_spike_is_inside_even_when_not_last() -> None:
    result = outlier(series([10, 12, 11, 13, 12, 50, 12, 12]), window=5, threshold=3)
    assert result[6].lower == pytest.approx(19.6 - 3 * math.sqrt(231.44))
    assert result[6].upper == pytest.approx(19.6 + 3 * math.sqrt(231.44))
    assert (result[6].indicator, result[6].violation) == (0, 0)


def test_every_field_and_bucket_kept() -> None:
    result = outlier([(100, 1), (200, 3), (300, 2), (400, 2)], window=10, threshold=2)
    assert [p.bucket for p in result] == [100, 200, 300, 400]
    assert result[2] == OutlierPoint(300, 2.0, 0.0, 0.0, 4.0, 1.0, 0, 0)


# Window 3, threshold 1, values chosen so every baseline is easy to work by hand:
#   i2: [1,3]      mean 2,     σ 1          band [1, 3]          value 1  (on the bound: inside)
#   i3: [1,3,1]    mean 5/3,   σ √(8/9)     band [0.724, 2.609]  value 3  above
#   i4: [3,1,3]    mean 7/3,   σ √(8/9)     band [1.391, 3.276]  value 10 above
#   i5: [1,3,10]   mean 14/3,  σ √(134/9)   band [0.808, 8.525]  value -5 below
#   i6: [3,10,-5]  mean 8/3,   σ √(338/9)   band [-3.46, 8.79]   value 2  inside
#   i7: last point: band computed, no indicator.
HAND = [1, 3, 1, 3, 10, -5, 2, 2]


def test_hand_computed_bands() -> None:
    result = outlier(series(HAND), window=3, threshold=1)
    assert result[0].lower is None and result[1].upper is None
    expected = {
        2: (2, 1),
        3: (5 / 3, math.sqrt(8 / 9)),
        4: (7 / 3, math.sqrt(8 / 9)),
        5: (14 / 3, math.sqrt(134 / 9)),
        6: (8 / 3, math.sqrt(338 / 9)),
        7: (7 / 3, math.sqrt(1014 / 27)),  # [10,-5,2]
    }
    for i, (mean, std) in expected.items():
        point = result[i]
        assert point.std == pytest.approx(std), i
        assert point.lower == pytest.approx(mean - std), i
        assert point.upper == pytest.approx(mean + std), i
        assert point.error == pytest.approx(HAND[i] - mean), i


@pytest.mark.parametrize(
    ("direction", "indicators"),
    [
        ("+-", [0, 0, 0, 1, 1, 1, 0, 0]),
        ("+", [0, 0, 0, 1, 1, 0, 0, 0]),
        ("-", [0, 0, 0, 0, 0, 1, 0, 0]),
    ],
)
def test_direction(direction: str, indicators: list[int]) -> None:
    result = outlier(series(HAND), window=3, threshold=1, direction=direction)
    assert [p.indicator for p in result] == indicators
    assert [p.violation for p in result] == indicators  # consecutive 1: every indicator


@pytest.mark.parametrize(
    ("consecutive", "violations"),
    [
        (1, [0, 0, 0, 1, 1, 1, 0, 0]),
        (2, [0, 0, 0, 0, 1, 1, 0, 0]),
        (3, [0, 0, 0, 0, 0, 1, 0, 0]),
        (4, [0, 0, 0, 0, 0, 0, 0, 0]),
    ],
)
def test_consecutive(consecutive: int, violations: list[int]) -> None:
    result = outlier(series(HAND), window=3, threshold=1, consecutive=consecutive)
    assert [p.indicator for p in result] == [0, 0, 0, 1, 1, 1, 0, 0]
    assert [p.violation for p in result] == violations


def test_consecutive_run_restarts_after_a_quiet_point() -> None:
    # direction "+" on HAND: indicators at 3, 4 only; with "-" only at 5: runs never reach 3.
    result = outlier(series(HAND), window=3, threshold=1, consecutive=2, direction="+")
    assert [p.violation for p in result] == [0, 0, 0, 0, 1, 0, 0, 0]


def test_consecutive_counts_points_not_time() -> None:
    # Buckets far apart in time are still consecutive points.
    points = [(0, 1), (60_000, 1), (10 * 60_000, 9), (500 * 60_000, 9), (501 * 60_000, 1)]
    result = outlier(points, window=10, threshold=1, consecutive=2, direction="+")
    assert [p.indicator for p in result] == [0, 0, 1, 1, 0]
    assert [p.violation for p in result] == [0, 0, 0, 1, 0]


def test_constant_series_sigma_zero_bounds_equal_mean() -> None:
    result = outlier(series([5, 5, 5, 5, 6, 5, 4, 5]), window=10, threshold=3)
    for i in (2, 3, 4):
        assert result[i].std == 0
        assert result[i].lower == result[i].upper == 5
    assert [p.indicator for p in result[:4]] == [0, 0, 0, 0]  # equal to the mean: inside
    assert result[4].indicator == 1  # 6 ≠ 5 with σ = 0: outside
    # i5: [5,5,5,5,6] mean 5.2 σ 0.4 → [4.0, 6.4]: 5 inside.
    assert result[5].std == pytest.approx(0.4)
    assert result[5].indicator == 0
    # i6: [5,5,5,5,6,5] mean 31/6, σ √(5/36) → [4.048, 6.285]: 4 below.
    assert result[6].std == pytest.approx(math.sqrt(5 / 36))
    assert result[6].indicator == 1
    assert result[7].indicator == 0


def test_sigma_zero_direction_minus() -> None:
    result = outlier(series([3, 3, 3, 2, 4, 0]), window=2, threshold=3, direction="-")
    # i2: [3,3] → bounds 3,3: 3 inside; i3: 2 below; i4: [3,2] → 4 above but not watched.
    assert [p.indicator for p in result] == [0, 0, 0, 1, 0, 0]


def test_warm_up_needs_two_baseline_points() -> None:
    result = outlier(series([1, 100, 1, 1]), window=10, threshold=3)
    for point in result[:2]:
        assert (point.error, point.lower, point.upper, point.std) == (None, None, None, None)
        assert (point.indicator, point.violation) == (0, 0)
    assert result[2].std is not None


def test_window_one_never_has_a_band() -> None:
    result = outlier(series([1, 100, 1, 100, 1]), window=1)
    assert all(p.std is None and p.indicator == 0 for p in result)


def test_window_limits_the_baseline() -> None:
    # Window 2: the baseline of the last-but-one point is only [100, 100], so 1 is far outside.
    result = outlier(series([1, 1, 100, 100, 1, 1]), window=2, threshold=3)
    assert result[4].lower == result[4].upper == 100
    assert result[4].indicator == 1


def test_last_point_gets_bounds_but_no_indicator() -> None:
    result = outlier(series([1, 1, 1, 100]), window=10, threshold=3)
    last = result[-1]
    assert last.lower == last.upper == 1
    assert last.error == 99
    assert (last.indicator, last.violation) == (0, 0)


def test_empty_and_single_point() -> None:
    assert outlier([]) == []
    assert outlier([(0, 5)]) == [OutlierPoint(0, 5.0, None, None, None, None, 0, 0)]


def test_empty_buckets_are_not_points_by_default() -> None:
    points = [(0, 5), (60_000, 5), (180_000, 5), (240_000, 20)]
    assert [p.bucket for p in outlier(points)] == [0, 60_000, 180_000, 240_000]


def test_fill_missing_inserts_zero_points() -> None:
    points = [(0, 5), (60_000, 5), (180_000, 5), (240_000, 20), (360_000, 5)]
    result = outlier(points, fill_missing=True, step=60_000)
    assert [(p.bucket, p.value) for p in result] == [
        (0, 5), (60_000, 5), (120_000, 0), (180_000, 5), (240_000, 20), (300_000, 0), (360_000, 5)
    ]
    # The filled 0 after [5, 5] (σ 0) is below the band.
    assert result[2].indicator == 1
    # [5,5,0,5] mean 3.75 σ √(75/16)≈2.165 → upper ≈ 10.245: 20 is above.
    assert result[4].upper == pytest.approx(3.75 + 3 * math.sqrt(75 / 16))
    assert result[4].indicator == 1


def test_fill_missing_needs_a_step() -> None:
    with pytest.raises(OutlierError, match="step"):
        outlier([(0, 1)], fill_missing=True)
    with pytest.raises(OutlierError, match="step"):
        outlier([(0, 1)], fill_missing=True, step=0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"window": 0},
        {"window": 2.5},
        {"threshold": -1},
        {"threshold": float("nan")},
        {"consecutive": 0},
        {"direction": "up"},
        {"direction": "-+"},
    ],
)
def test_bad_settings(kwargs: dict[str, object]) -> None:
    with pytest.raises(OutlierError):
        outlier(series([1, 2, 3]), **kwargs)  # type: ignore[arg-type]


def test_outlier_error_is_a_fer_error() -> None:
    import fer

    assert issubclass(OutlierError, fer.FerError)


def test_docstring_example_runs() -> None:
    # `fer.analytics.outlier` is the function; the module is reached through importlib.
    module = importlib.import_module("fer.analytics.outlier")
    failures, tried = doctest.testmod(module, verbose=False)
    assert tried >= 4 and failures == 0
