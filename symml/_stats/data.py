"""Data validation shared by the statistics modules: numbers in, clear errors out.

=====================  ==============================================================
name                   what it does
=====================  ==============================================================
:func:`as_data`        a float array (1-D or 2-D) from an array, list or Series
:func:`check_finite`   an error naming the NaN / infinite values, if any
:func:`offenders`      the error naming offending values, where they are, and the fix
:func:`short_data`     ``data`` short enough to show in an error message
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
from typing import Any

import numpy as np
import sympy as sp

from .._core import ArgumentError, ShapeError, bad_argument

__all__ = [
    "as_data",
    "check_finite",
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
