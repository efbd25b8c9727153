"""Array helpers that the generated functions call (bound into their namespace).

Scalar code: :func:`_expand`, :func:`_result_type_many`. Matrix-expression
code: :func:`_bind` (convert the arguments, check their shapes, bind the
symbolic sizes), :func:`_solve`, :func:`_logdet`, :func:`_explicit`,
:func:`_iscomplex`. The least-squares runtime is in :mod:`.lstsq`.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .._core import ArgumentError, ShapeError, bad_argument


class _Shown:
    """An array in a message: its shape, not its entries."""

    def __init__(self, value: Any) -> None:
        self.shape = getattr(value, "shape", None)

    def __repr__(self) -> str:
        return f"<array of shape {self.shape}>"


def _expand(value: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast a value that ignores some inputs to the inputs' shape (a new array)."""
    value = np.asarray(value)
    if value.dtype.kind in "iu":
        value = value.astype(np.float64)
    if value.shape != shape:
        value = np.broadcast_to(value, shape).copy()
    return value[()]


def _result_type_many(*items: Any) -> Any:
    return functools.reduce(np.result_type, items)


def _numbers(name: str, value: Any) -> np.ndarray:
    """``value`` as an array of numbers; integers and bools become float64."""
    a = np.asarray(value)
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    if a.dtype.kind not in "fc":
        raise ArgumentError(
            bad_argument(name, _Shown(a), f"pass numbers (got an array of dtype {a.dtype})")
        )
    return a


def _as_2d(name: str, rows: Any, cols: Any, a: np.ndarray) -> tuple[np.ndarray, str]:
    """``a`` as a 2-D array for a ``rows x cols`` symbol, and how it was given.

    The second item is ``"flat"`` for a vector (k x 1) passed 1-D, ``"column"``
    for one passed 2-D, else ``""``.
    """
    vector_col = cols == 1 and rows != 1
    if a.ndim == 2:
        return a, "column" if vector_col else ""
    if a.ndim == 1 and vector_col:
        return a[:, None], "flat"
    if a.ndim == 1 and rows == 1:
        return a[None, :], ""
    if a.ndim == 0 and rows == 1 and cols == 1:
        return a.reshape(1, 1), ""
    also = " or 1-D" if rows == 1 or cols == 1 else ""
    raise ShapeError(f"{name} is {rows} x {cols}, so pass a 2-D array{also}; got shape {a.shape}")


class _Sizes:
    """The sizes of the symbolic dimensions, read from the arrays and checked to agree."""

    def __init__(self) -> None:
        self.sizes: dict[str, int] = {}
        self.owner: dict[str, tuple[str, tuple[int, ...], Any, Any]] = {}

    def bind(self, name: str, rows: Any, cols: Any, given: tuple[int, ...], a: np.ndarray) -> None:
        for axis, d in enumerate((rows, cols)):
            size = a.shape[axis]
            if isinstance(d, int):
                if size != d:
                    raise ShapeError(f"{name} is {rows} x {cols} but has shape {given}")
            elif d not in self.sizes:
                self.sizes[d] = size
                self.owner[d] = (name, given, rows, cols)
            elif self.sizes[d] != size:
                other, oshape, orows, ocols = self.owner[d]
                raise ShapeError(
                    f"{name} has shape {given} but {other} has shape {oshape}: {other} is "
                    f"{orows} x {ocols} and {name} is {rows} x {cols}, so {d} must be the "
                    f"same in both ({self.sizes[d]} != {size}); pass arrays whose shapes agree"
                )


def _bind(spec: tuple[tuple[Any, Any, Any], ...], dims: tuple[str, ...], *values: Any) -> list[Any]:
    """Convert the arguments of a matrix function, check their shapes, bind dimensions.

    ``spec`` holds ``(name, rows, cols)`` per argument: ``rows is None`` for a
    scalar; an int is a fixed size, a str a symbolic dimension. Returns the
    arrays (vectors as 2-D columns or rows), the sizes of ``dims`` and the
    layout flag (True: give k x 1 results 1-D, as some vector was passed 1-D
    or none was passed as a 2-D column).
    """
    sizes = _Sizes()
    out: list[Any] = []
    given_as: set[str] = set()
    for (name, rows, cols), value in zip(spec, values, strict=True):
        a = _numbers(name, value)
        if rows is None:
            if a.ndim:
                raise ShapeError(
                    f"{name} is a scalar Symbol, so pass one number; got an array of shape "
                    f"{a.shape}"
                )
            out.append(a[()])
            continue
        given = a.shape
        a, how = _as_2d(name, rows, cols, a)
        given_as.add(how)
        sizes.bind(name, rows, cols, given, a)
        out.append(a)
    out.extend(sizes.sizes[d] for d in dims)
    out.append("flat" in given_as or "column" not in given_as)
    return out


def _iscomplex(*arrays: Any) -> bool:
    return any(getattr(a, "dtype", None) is not None and a.dtype.kind == "c" for a in arrays)


def _solve(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``A^{-1} B`` by an LU solve (``numpy.linalg.solve``); never forms ``A^{-1}``."""
    return np.linalg.solve(A, B)


def _logdet(A: np.ndarray) -> Any:
    """``log(det(A))`` by ``slogdet`` (no overflow); nan for det < 0, -inf for 0."""
    sign, logabs = np.linalg.slogdet(A)
    if np.iscomplexobj(sign):
        return np.log(sign) + logabs
    if sign > 0:
        return logabs
    return -np.inf if sign == 0 else np.nan


def _explicit(rows: Any) -> np.ndarray:
    out = np.array(rows)
    return out.astype(np.float64) if out.dtype.kind in "biu" else out
