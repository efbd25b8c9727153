"""Samples and values: stable sums, levels, alternatives, seeded draws.

=============================  ============================================================
function                       does
=============================  ============================================================
:func:`mean_and_ss`            the mean and the centred sum of squares, stably
:func:`check_level`            a confidence level in (0, 1)
:func:`check_alternative`      ``"two-sided"``, ``"less"`` or ``"greater"`` (scipy names)
:func:`check_number`           a finite (positive) number
:func:`numeric_support`        a support with its constants given values
:func:`draw_from_support`      seeded values in a support (for self-checks)
:func:`draw_values`            seeded values for constants (for self-checks)
=============================  ============================================================

Shared by the hypothesis tests (:mod:`.inference`) and the posteriors (:mod:`.bayes`);
data arrays are read and checked by :mod:`.data` (one validation for all of ``_stats``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._core import (
    ArgumentError,
    bad_argument,
)

ALTERNATIVES = ("two-sided", "less", "greater")
_ALIASES = {"larger": "greater", "smaller": "less", "two_sided": "two-sided", "2s": "two-sided"}


# ---------------------------------------------------------------------------
# Argument checks (shared with symml._stats.bayes)
# ---------------------------------------------------------------------------
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
