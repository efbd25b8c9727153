"""Data validation shared by the statistics modules: numbers in, clear errors out.

=====================  ==============================================================
name                   what it does
=====================  ==============================================================
:func:`as_data`        a float array (1-D or 2-D) from an array, list or Series
:func:`drop_masked`    a masked array without its masked values (missing data)
:func:`check_finite`   an error naming the NaN / infinite values, if any
:func:`as_sample`      both: a checked 1-D sample
:func:`offenders`      the error naming offending values, where they are, and the fix
:func:`short_data`     ``data`` short enough to show in an error message
:func:`check_support`  an error naming the observations outside a model's support
:func:`check_in_set`   the same for a numeric SymPy set (``Range(0, 11)``, ``{0, 1}``)
:func:`known_values`   checked values of a model's known parameters (by name or Symbol)
=====================  ==============================================================

Examples
--------
>>> from symml._stats.data import as_data
>>> as_data([1, 2, 3])
array([1., 2., 3.])
>>> as_data([[1, 2], [3, 4]])
Traceback (most recent call last):
...
symml.ShapeError: data=[[1, 2], [3, 4]] is not valid: expected a 1-D sequence of observations, ...
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from .._core import ArgumentError, ShapeError, bad_argument
from .model import Support, support_from_set

if TYPE_CHECKING:
    from .model import Model

__all__ = [
    "as_data",
    "as_sample",
    "check_finite",
    "check_in_set",
    "check_support",
    "drop_masked",
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


def offenders(
    data: Any, arr: np.ndarray, bad: np.ndarray, what: str, fix: str, name: str = "data"
) -> ArgumentError:
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
        bad_argument(name, short_data(data), f"{count} {what}: {', '.join(shown)}{more}; {fix}")
    )


def short_data(data: Any) -> Any:
    if type(data).__module__.startswith("dask."):  # never materialise a Dask array
        return f"<dask {type(data).__name__} of shape {data.shape}>"
    arr = np.asarray(data, dtype=object).ravel()
    if arr.size <= 6:
        return data if not isinstance(data, np.ndarray) else arr.tolist()
    return f"<{type(data).__name__} of {arr.size} values>"


_SHAPES = {1: "a 1-D sequence of observations", 2: "a 2-D array with one observation per row"}


def drop_masked(data: Any) -> Any:
    """``data`` without its masked entries if it is a NumPy masked array, else ``data``.

    The statistics functions respect masks: a masked value is a missing one
    and is dropped (``x.compressed()`` for a sample; for 2-D data the rows
    holding a masked entry). So ``[1, 2, --]`` is the sample ``[1, 2]``.

    Examples
    --------
    >>> drop_masked(np.ma.masked_array([1.0, 2.0, 1000.0], mask=[0, 0, 1]))
    array([1., 2.])
    >>> drop_masked(np.ma.masked_array([[1, 2], [3, 4]], mask=[[0, 0], [0, 1]]))
    array([[1, 2]])
    """
    if not isinstance(data, np.ma.MaskedArray):
        return data
    mask = np.ma.getmaskarray(data)
    values = np.ma.getdata(data)
    if values.ndim <= 1:
        return values[~mask] if values.ndim == 1 else values
    if values.ndim == 2 and values.shape[0] == 1:
        return values[:, ~mask[0]]
    if values.ndim == 2:
        return values[~mask.any(axis=1)]
    return values


def _read_numbers(data: Any, name: str) -> np.ndarray:
    """``data`` as a float array (pandas' missing values as NaN, masked values dropped)."""
    data = drop_masked(data)
    if isinstance(data, (str, bytes)):
        raise ArgumentError(
            bad_argument(name, data, "pass numbers (an array, list or Series), not text")
        )
    if isinstance(data, sp.Basic):
        raise ArgumentError(
            bad_argument(name, data, "pass numeric data (an array, list or pandas Series)")
        )
    to_numpy = getattr(data, "to_numpy", None)
    try:
        if callable(to_numpy) and not isinstance(data, np.ndarray):
            try:
                return np.asarray(to_numpy(dtype=float, na_value=np.nan))  # nullable dtypes
            except TypeError:
                return np.asarray(to_numpy(), dtype=float)
        return np.asarray(data, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(
            bad_argument(
                name,
                short_data(data),
                f"it cannot be read as numbers ({exc}); pass an array, list or Series of "
                "numbers, with missing values removed (e.g. series.dropna())",
            )
        ) from None


def as_data(data: Any, ndim: int = 1, *, name: str = "data", min_size: int = 1) -> np.ndarray:
    """A float array from an array, list or pandas Series (duck-typed); clear errors.

    One observation per entry (``ndim=1``; a single row or column is
    flattened) or per row (``ndim=2``), at least ``min_size`` of them.
    NaN and infinite values are not checked here: see :func:`check_finite`.
    """
    arr = _read_numbers(data, name)
    if arr.ndim == 0:
        raise ArgumentError(
            bad_argument(name, data, "pass a sequence of observations, not a single number")
        )
    if ndim == 1 and arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != ndim:
        want = _SHAPES[ndim]
        raise ShapeError(
            bad_argument(name, short_data(data), f"expected {want}, got shape {arr.shape}")
        )
    if arr.shape[0] == 0:
        raise ArgumentError(bad_argument(name, short_data(data), "it is empty; pass observations"))
    if arr.shape[0] < min_size:
        raise ArgumentError(
            bad_argument(
                name,
                short_data(data),
                f"needs at least {min_size} observations, got {arr.shape[0]}",
            )
        )
    return arr


def check_finite(data: Any, arr: np.ndarray, name: str = "data") -> None:
    """An error naming the NaN or infinite values of ``arr`` (rows, for 2-D data), if any."""
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
            name,
        )


def as_sample(data: Any, name: str = "data", *, min_size: int = 1) -> np.ndarray:
    """``data`` as a checked 1-D float array: :func:`as_data`, then :func:`check_finite`.

    Examples
    --------
    >>> as_sample([1.0, float("nan")], "x")
    Traceback (most recent call last):
    ...
    symml.ArgumentError: x=[1.0, nan] is not valid: 1 value is NaN or infinite: nan at ...
    """
    arr = as_data(data, name=name, min_size=min_size)
    check_finite(data, arr, name)
    return arr


def known_values(
    needed: Sequence[sp.Symbol],
    given: Mapping[Any, Any] | None,
    *,
    argument: str | None = None,
    kind: str = "known parameter",
    call: str = "fit(data, {})",
) -> dict[sp.Symbol, float]:
    """Values for the ``needed`` Symbols from ``given`` (keyed by name or Symbol), checked.

    ``argument`` is the keyword that holds the whole mapping (``known=`` of
    ``MLE.fit``), or None when each value is its own keyword
    (``update(data, a=1)``): errors name it. ``kind`` says what the Symbols
    are; ``call`` shows how to pass them (``{}`` receives the example).
    Values must be finite numbers, integers for integer Symbols and positive
    for positive ones.
    """
    items = dict(given or {})
    by_name = {s.name: s for s in needed}
    out: dict[sp.Symbol, float] = {}
    for key, value in items.items():
        label = key.name if isinstance(key, sp.Symbol) else str(key)
        where = (argument, items) if argument else (label, value)
        sym = by_name.get(label)
        if sym is None:
            fix = f"{label!r} is not a {kind} of the model; those are {sorted(by_name) or 'none'}"
            raise ArgumentError(bad_argument(*where, fix))
        out[sym] = _known_number(sym, value, where)
    missing = [s.name for s in needed if s not in out]
    if missing:
        if argument:
            example = f"{argument}={{{', '.join(f'{m!r}: ...' for m in missing)}}}"
        else:
            example = ", ".join(f"{m}=..." for m in missing)
        raise ArgumentError(
            bad_argument(
                argument or "values",
                items or None,
                f"give values for {missing} ({kind}s), e.g. {call.format(example)}",
            )
        )
    return out


def _known_number(sym: sp.Symbol, value: Any, where: tuple[str, Any]) -> float:
    """``value`` as a float fit for ``sym``, or an error naming ``where``."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ArgumentError(bad_argument(*where, "pass a number")) from None
    if sym.is_integer and number != int(number):
        raise ArgumentError(bad_argument(*where, "pass an integer"))
    if not math.isfinite(number) or (sym.is_positive and number <= 0):
        fix = "pass a finite number" + (" > 0" if sym.is_positive else "")
        raise ArgumentError(bad_argument(*where, fix))
    return number


def check_support(m: Model, data: Any, arr: np.ndarray, kv: dict[sp.Symbol, float]) -> None:
    """An error naming the observations outside the support of ``m`` (bounds at ``kv``)."""
    sup = m.support
    fix = f"observations of {m.label} must be {sup.text()}"
    _check_within(sup, _bound(sup.lo, kv, m), _bound(sup.hi, kv, m), data, arr, fix, "data")


def check_in_set(arr: np.ndarray, support: sp.Set, name: str, data: Any) -> None:
    """An error naming the values of ``arr`` outside the numeric set ``support``, if any."""
    sup = support_from_set(support, False)
    lo = float(sup.lo) if sup.lo.is_number else None
    hi = float(sup.hi) if sup.hi.is_number else None
    _check_within(sup, lo, hi, data, arr, f"observations must be {sup.text()}", name)


def _check_within(
    sup: Support,
    lo: float | None,
    hi: float | None,
    data: Any,
    arr: np.ndarray,
    fix: str,
    name: str,
) -> None:
    """The error for values outside ``sup`` whose ends are ``lo``, ``hi`` (None: unchecked)."""
    with np.errstate(invalid="ignore"):
        if sup.values is not None:
            allowed = np.array([float(v) for v in sup.values])
            bad = ~np.isin(arr, allowed) & np.isfinite(arr)
        else:
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
        raise offenders(data, arr, bad, "outside the support", fix, name)


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
