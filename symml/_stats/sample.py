"""Samples and values: checked data arrays, stable sums, levels, alternatives, seeded draws.

=============================  ============================================================
function                       does
=============================  ============================================================
:func:`as_sample`              data (list, array, Series) as a checked 1-D float array
:func:`mean_and_ss`            the mean and the centred sum of squares, stably
:func:`check_level`            a confidence level in (0, 1)
:func:`check_alternative`      ``"two-sided"``, ``"less"`` or ``"greater"`` (scipy names)
:func:`check_number`           a finite (positive) number
:func:`check_support`          data inside a model's support
:func:`known_values`           values for a model's known constants, by Symbol or name
:func:`numeric_support`        a support with its constants given values
:func:`draw_from_support`      seeded values in a support (for self-checks)
:func:`draw_values`            seeded values for constants (for self-checks)
=============================  ============================================================

Shared by the hypothesis tests (:mod:`.inference`) and the posteriors (:mod:`.bayes`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._core import (
    ArgumentError,
    ShapeError,
    bad_argument,
)

ALTERNATIVES = ("two-sided", "less", "greater")
_ALIASES = {"larger": "greater", "smaller": "less", "two_sided": "two-sided", "2s": "two-sided"}


# ---------------------------------------------------------------------------
# Data and argument checks (shared with symml._stats.bayes)
# ---------------------------------------------------------------------------
def as_sample(data: Any, name: str = "x", *, min_size: int = 1) -> np.ndarray:
    """``data`` as a 1-D float array (lists, NumPy arrays, pandas Series), checked.

    Raises :class:`~symml.ArgumentError` naming ``name`` for non-numbers,
    fewer than ``min_size`` observations, NaN or infinite values.

    Examples
    --------
    >>> as_sample([1, 2, 3])
    array([1., 2., 3.])
    >>> as_sample([1.0, float("nan")])
    Traceback (most recent call last):
    ...
    symml.ArgumentError: x=[1.0, nan] is not valid: it contains NaN or infinite ...
    """
    if isinstance(data, (str, bytes)):
        raise ArgumentError(bad_argument(name, data, "pass numbers, not text"))
    to_numpy = getattr(data, "to_numpy", None)
    try:
        if callable(to_numpy) and not isinstance(data, np.ndarray):
            arr = np.asarray(to_numpy(dtype=float, na_value=np.nan))  # pandas, nullable dtypes
        else:
            arr = np.asarray(data, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentError(
            bad_argument(name, data, "pass numbers: a list, a NumPy array or a pandas Series")
        ) from None
    if arr.ndim == 0:
        raise ArgumentError(
            bad_argument(name, data, "pass a sequence of observations, not a single number")
        )
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ShapeError(
            bad_argument(name, data, f"expected one column of observations, got shape {arr.shape}")
        )
    if arr.size < min_size:
        raise ArgumentError(
            bad_argument(
                name,
                data,
                f"needs at least {min_size} observation{'s' * (min_size != 1)}, got {arr.size}",
            )
        )
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ArgumentError(
            bad_argument(
                name,
                data,
                f"it contains NaN or infinite values at positions {bad[:5].tolist()}; "
                "drop them first, e.g. x[numpy.isfinite(x)] or series.dropna()",
            )
        )
    return arr


def mean_and_ss(x: np.ndarray) -> tuple[float, float]:
    r"""The mean and the sum of squared deviations :math:`\sum (x_i - \bar x)^2`, stably.

    A corrected two-pass algorithm: the mean is refined once by the mean of
    the deviations, and the sum of squares is taken of the deviations, so data
    such as ``1e7 + [0.1, 0.2, 0.3]`` keep their digits.

    Examples
    --------
    >>> import numpy as np
    >>> m, ss = mean_and_ss(1e7 + np.array([0.2, 0.1, 0.3]))
    >>> round(m, 6), round(ss, 8)
    (10000000.2, 0.02)
    """
    m = float(np.mean(x))
    d = x - m
    m += float(np.mean(d))
    d = x - m
    return m, float(np.sum(d * d))


def check_level(level: Any, name: str = "level") -> float:
    """``level`` as a float strictly between 0 and 1, or a clear error."""
    try:
        value = float(level)
    except (TypeError, ValueError):
        raise ArgumentError(bad_argument(name, level, "pass a number such as 0.95")) from None
    if not 0.0 < value < 1.0 or isinstance(level, bool):
        raise ArgumentError(
            bad_argument(name, level, "a confidence level lies strictly between 0 and 1, e.g. 0.95")
        )
    return value


def check_alternative(alternative: Any) -> str:
    """The alternative, one of ``"two-sided"``, ``"less"``, ``"greater"``."""
    key = _ALIASES.get(alternative, alternative) if isinstance(alternative, str) else alternative
    if key not in ALTERNATIVES:
        raise ArgumentError(
            bad_argument(
                "alternative", alternative, 'use "two-sided", "less" or "greater" (as in scipy)'
            )
        )
    return key


def check_number(value: Any, name: str, *, positive: bool = False) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ArgumentError(bad_argument(name, value, "pass a real number")) from None
    if not math.isfinite(out) or (positive and out <= 0):
        fix = "pass a positive, finite number" if positive else "pass a finite number"
        raise ArgumentError(bad_argument(name, value, fix))
    return out


def check_support(arr: np.ndarray, support: sp.Set, name: str, data: Any) -> None:
    """Raise a clear error for values of ``arr`` outside the numeric set ``support``."""
    integer = bool(support.is_subset(sp.Integers))
    lo, hi = float(support.inf), float(support.sup)
    bad = (arr < lo) | (arr > hi)
    if isinstance(support, sp.Interval):
        if support.left_open:
            bad |= arr == lo
        if support.right_open:
            bad |= arr == hi
    if integer:
        bad |= arr != np.round(arr)
    if isinstance(support, sp.FiniteSet):
        bad |= ~np.isin(arr, [float(v) for v in support])
    where = np.flatnonzero(bad)
    if where.size:
        raise ArgumentError(
            bad_argument(
                name,
                data,
                f"values {arr[where[:5]].tolist()} at positions "
                f"{where[:5].tolist()} are outside the support {support} of the model",
            )
        )


def draw_from_support(
    support: sp.Set, rng: np.random.Generator, size: int, spread: float = 2.5
) -> np.ndarray:
    """Seeded values in a numeric ``support`` (for self-checks; not model samples).

    Unbounded integer supports give ``lower + Poisson(spread)`` values.
    """
    lo, hi = support.inf, support.sup
    if isinstance(support, sp.FiniteSet):
        return rng.choice([float(v) for v in support], size)
    if support.is_subset(sp.Integers):
        if hi.is_finite:
            return rng.integers(int(lo), int(hi) + 1, size).astype(float)
        return float(lo) + rng.poisson(spread, size).astype(float)
    if lo.is_finite and hi.is_finite:
        return rng.uniform(float(lo), float(hi), size) * 0.98 + 0.01 * (float(hi) - float(lo))
    if lo.is_finite:
        return float(lo) + 0.05 + rng.exponential(1.5, size)
    return rng.normal(0.0, 1.5, size)


def known_values(
    needed: Sequence[sp.Symbol], values: Mapping[Any, Any] | None, known: Mapping[str, Any]
) -> dict[sp.Symbol, float]:
    by_name = {s.name: s for s in needed}
    given: dict[sp.Symbol, float] = {}
    items = list((values or {}).items()) + list(known.items())
    for key, value in items:
        sym = by_name.get(key.name if isinstance(key, sp.Symbol) else str(key))
        if sym is None:
            raise ArgumentError(
                bad_argument(
                    str(key),
                    value,
                    f"not a prior hyperparameter or known constant of this model; "
                    f"those are {sorted(by_name) or 'none'}",
                )
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ArgumentError(bad_argument(str(key), value, "pass a number")) from None
        if sym.is_integer and number != int(number):
            raise ArgumentError(bad_argument(str(key), value, "pass an integer"))
        if not math.isfinite(number) or (sym.is_positive and number <= 0):
            raise ArgumentError(
                bad_argument(
                    str(key), value, "pass a finite number" + (" > 0" if sym.is_positive else "")
                )
            )
        given[sym] = number
    missing = [s.name for s in needed if s not in given]
    if missing:
        example = ", ".join(f"{m}=..." for m in missing)
        raise ArgumentError(
            bad_argument(
                "values",
                dict(values or {}, **known),
                f"give values for {missing}, e.g. update(data, {example})",
            )
        )
    return given


def numeric_support(support: sp.Set, given: Mapping[sp.Symbol, float]) -> sp.Set:
    subs = {
        s: sp.Integer(int(v)) if s.is_integer else sp.Float(v)
        for s, v in given.items()
        if s in support.free_symbols
    }
    return support.subs(subs) if subs else support


def draw_values(symbols: Sequence[sp.Symbol], rng: np.random.Generator) -> dict[sp.Symbol, float]:
    out = {}
    for s in symbols:
        if s.is_integer:
            out[s] = float(rng.integers(3, 7))
        elif s.is_positive or s.is_nonnegative:
            out[s] = float(rng.uniform(1.5, 3.5))
        else:
            out[s] = float(rng.uniform(-1.0, 1.0))
    return out
