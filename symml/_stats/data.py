"""Data validation shared by the statistics modules: numbers in, clear errors out.

=====================  ==============================================================
name                   what it does
=====================  ==============================================================
:func:`as_data`        a float array (1-D or 2-D) from an array, list or Series
:func:`check_finite`   an error naming the NaN / infinite values, if any
:func:`offenders`      the error naming offending values, where they are, and the fix
:func:`short_data`     ``data`` short enough to show in an error message
:func:`check_support`  an error naming the observations outside a model's support
:func:`known_values`   the values of a model's known parameters from ``known=``
=====================  ==============================================================

Examples
--------
>>> from symml._stats.data import as_data
>>> as_data([1, 2, 3])
array([1., 2., 3.])
>>> as_data([[1, 2]])
Traceback (most recent call last):
...
symml.ShapeError: data=[[1, 2]] is not valid: expected a 1-D sequence of observations, ...
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from .._core import ArgumentError, ShapeError, bad_argument

if TYPE_CHECKING:
    from .model import Model

__all__ = [
    "as_data",
    "check_finite",
    "check_support",
    "known_values",
    "offenders",
    "short_data",
]


def _labels(data: Any, count: int) -> Any:
    index = getattr(data, "index", None)
    if index is not None and not callable(index):
        try:
            if len(index) == count:
                return index
        except TypeError:
            pass
    return None


def offenders(data: Any, arr: np.ndarray, bad: np.ndarray, what: str, fix: str) -> ArgumentError:
    """An error naming the offending values (and where they are) and how to fix them."""
    where = np.flatnonzero(bad)
    labels = _labels(data, arr.shape[0])
    shown = []
    for k in where[:5]:
        label = f"index {labels[k]!r}" if labels is not None else f"position {k}"
        if arr.ndim == 1:
            shown.append(f"{float(arr[k]):g} at {label}")
        else:
            shown.append(f"row {k} ({', '.join(f'{float(v):g}' for v in arr[k])})")
    more = f" (and {len(where) - 5} more)" if len(where) > 5 else ""
    count = f"{len(where)} value is" if len(where) == 1 else f"{len(where)} values are"
    return ArgumentError(
        bad_argument("data", short_data(data), f"{count} {what}: {', '.join(shown)}{more}; {fix}")
    )


def short_data(data: Any) -> Any:
    arr = np.asarray(data, dtype=object).ravel()
    if arr.size <= 6:
        return data if not isinstance(data, np.ndarray) else arr.tolist()
    return f"<{type(data).__name__} of {arr.size} values>"


_SHAPES = {1: "a 1-D sequence of observations", 2: "a 2-D array with one observation per row"}


def as_data(data: Any, ndim: int = 1) -> np.ndarray:
    """A float array from an array, list or pandas Series (duck-typed); clear errors."""
    if isinstance(data, (str, bytes)):
        raise ArgumentError(bad_argument("data", data, "pass numbers: an array, list or Series"))
    if isinstance(data, sp.Basic):
        raise ArgumentError(
            bad_argument("data", data, "pass numeric data (an array, list or pandas Series)")
        )
    values = data.to_numpy() if hasattr(data, "to_numpy") else data
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(
            bad_argument(
                "data",
                short_data(data),
                f"it cannot be read as numbers ({exc}); pass an array, list or Series of "
                "numbers, with missing values removed (e.g. series.dropna())",
            )
        ) from None
    if arr.ndim != ndim:
        want = _SHAPES[ndim]
        raise ShapeError(
            bad_argument("data", short_data(data), f"expected {want}, got shape {arr.shape}")
        )
    if arr.shape[0] == 0:
        raise ArgumentError(
            bad_argument("data", short_data(data), "it is empty; pass observations")
        )
    return arr


def check_finite(data: Any, arr: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        if math.isfinite(float(np.sum(arr))):
            return  # a sum is finite only if every term is (no temporary array needed)
    bad = ~np.isfinite(arr)
    if arr.ndim == 2:
        bad = bad.any(axis=1)
    if bad.any():
        raise offenders(
            data,
            arr,
            bad,
            "NaN or infinite",
            "remove missing values first (e.g. series.dropna() or x[~numpy.isnan(x)])",
        )


def known_values(m: Model, known: Mapping[Any, float] | None) -> dict[sp.Symbol, float]:
    """The values of the model's known parameters from ``known=`` (keyed by name or Symbol)."""
    out: dict[sp.Symbol, float] = {}
    given = dict(known or {})
    by_name = {s.name: s for s in m.known}
    for key, value in given.items():
        sym = key if isinstance(key, sp.Symbol) else by_name.get(str(key))
        if sym is None or sym not in m.known:
            raise ArgumentError(
                bad_argument(
                    "known",
                    given,
                    f"{key!r} is not a known parameter of the model; the known ones are "
                    f"{sorted(by_name)}",
                )
            )
        try:
            out[sym] = float(value)
        except (TypeError, ValueError):
            raise ArgumentError(bad_argument("known", given, f"{key!r} needs a number")) from None
    missing = [s.name for s in m.known if s not in out]
    if missing:
        example = ", ".join(f"{name!r}: ..." for name in missing)
        raise ArgumentError(
            bad_argument(
                "known",
                given or None,
                f"the model has known parameters {missing}: give their values, e.g. "
                f"fit(data, known={{{example}}})",
            )
        )
    return out


def check_support(m: Model, data: Any, arr: np.ndarray, kv: dict[sp.Symbol, float]) -> None:
    """An error naming the observations outside the support of ``m`` (bounds at ``kv``)."""
    sup = m.support
    fix = f"observations of {m.label} must be {sup.text()}"
    with np.errstate(invalid="ignore"):
        if sup.values is not None:
            allowed = np.array([float(v) for v in sup.values])
            bad = ~np.isin(arr, allowed) & np.isfinite(arr)
        else:
            lo = _bound(sup.lo, kv, m)
            hi = _bound(sup.hi, kv, m)
            lo_ok = lo is None or lo == -math.inf or _above(arr, lo, sup.lo_open)
            hi_ok = hi is None or hi == math.inf or _above(-arr, -hi, sup.hi_open)
            if lo_ok and hi_ok and not sup.discrete:
                return
            bad = np.zeros(arr.shape, dtype=bool)
            if not lo_ok:
                bad |= (arr <= lo) if sup.lo_open else (arr < lo)
            if not hi_ok:
                bad |= (arr >= hi) if sup.hi_open else (arr > hi)
            if sup.discrete:
                bad |= np.isfinite(arr) & (arr != np.floor(arr))
    if bad.any():
        raise offenders(data, arr, bad, "outside the support", fix)


def _above(arr: np.ndarray, lo: float, strict: bool) -> bool:
    """Whether every value is above ``lo`` (NaN counts as not), by one reduction."""
    smallest = float(np.min(arr))
    return smallest > lo if strict else smallest >= lo


def _bound(b: sp.Expr, kv: dict[sp.Symbol, float], m: Model) -> float | None:
    if b.free_symbols & set(m.params):
        return None  # a boundary parameter: estimated from the data
    try:
        return float(b.xreplace(kv))
    except TypeError:
        return None
