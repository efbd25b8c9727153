"""Array helpers that the generated functions call (bound into their namespace).

Scalar code: :func:`_expand`, :func:`_result_type_many`. Matrix-expression
code: :func:`_bind` (convert the arguments, check their shapes, bind the
symbolic sizes), :func:`_solve`, :func:`_logdet`, :func:`_explicit`,
:func:`_iscomplex`, :func:`_row_blocks` (the blocks of a sum over rows,
:mod:`.rows`). The least-squares runtime is in :mod:`.lstsq`.

Clear errors from calls, at no cost on the fast path: :func:`guarded` wraps
every compiled function; a call goes straight through, and only when Python
or NumPy raises is the call examined. A wrong number of arguments (or an
unknown keyword) becomes an :class:`~symml.ArgumentError` naming the
parameters as the user knows them (the symbols' names, not the generated
``_arg0`` or ``symml_func``); inputs whose shapes do not broadcast become a
:class:`~symml.ShapeError` naming each argument and its shape. Any other
error passes through unchanged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._core import ArgumentError, ShapeError, SymmlError, bad_argument


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
    return _bind_arrays(spec, dims, values, _numbers)


def _bind_arrays(
    spec: tuple[tuple[Any, Any, Any], ...],
    dims: tuple[str, ...],
    values: Sequence[Any],
    convert: Callable[[str, Any], Any],
) -> list[Any]:
    """:func:`_bind` with ``convert(name, value)`` making the arrays (array code: no NumPy)."""
    sizes = _Sizes()
    out: list[Any] = []
    given_as: set[str] = set()
    for (name, rows, cols), value in zip(spec, values, strict=True):
        a = convert(name, value)
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


def _gram(B: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``B.T @ (v * B)`` for a column ``v``, as ``V.T @ V`` with ``V = sqrt(v) * B`` if ``v >= 0``.

    NumPy multiplies a matrix by its own transpose with a symmetric rank-k
    update (BLAS ``syrk``): half the flops of ``B.T @ (v * B)``, several times
    faster on tall ``B``, and exactly symmetric. Weights with a negative (or
    NaN) entry, and complex arrays, take the plain product.
    """
    if v.dtype.kind == "f" and B.dtype.kind == "f" and (v >= 0).all():
        V = np.sqrt(v) * B
        return V.T @ V
    return B.T @ (v * B)


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


#: Bytes of the row-cut arguments in one block: a block stays in cache (measured: 0.5-2 MiB alike).
ROW_BLOCK_BYTES = 1 << 20
#: Fewest rows in a block; with fewer, Python's per-block overhead would show.
MIN_BLOCK_ROWS = 256


def _row_blocks(m: int, width: int, entries: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of the blocks of rows a sum over ``m`` rows is computed in.

    ``width``: numbers per row in the arguments cut into blocks; ``entries``:
    numbers in the result, added once per block. An empty list -- compute on
    the whole arrays -- when the data are small (then they are in cache anyway),
    or when a block would do too little work for the additions of its result
    (a wide Hessian ``X.T @ X``: there the whole-array product is as fast).

    Examples
    --------
    >>> _row_blocks(1000, 21, 20)
    []
    >>> blocks = _row_blocks(1_000_000, 21, 20)
    >>> len(blocks), blocks[0], blocks[-1][1]
    (161, (0, 6241), 1000000)
    >>> _row_blocks(1_000_000, 400, 160_000)  # a 400 x 400 result: computed whole
    []
    """
    rows = ROW_BLOCK_BYTES // (8 * width) if width > 0 else m
    rows = max(rows, MIN_BLOCK_ROWS)
    if m < 2 * rows or 16 * entries > rows * width:
        return []
    return [(a, min(a + rows, m)) for a in range(0, m, rows)]


# ---------------------------------------------------------------------------
# Errors of calls
# ---------------------------------------------------------------------------
def _plural(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def _arity_error(
    label: str, names: Sequence[str], pynames: Sequence[str], args: tuple, kwargs: dict
) -> ArgumentError | None:
    """The error for a call whose arguments do not match the parameters (None: they do)."""
    shown = f"({', '.join(names)})"
    head = f"{label} takes {shown}, one array per symbol in this order"
    got = f"got {_plural(len(args) + len(kwargs), 'argument')}"
    unknown = [k for k in kwargs if k not in pynames]
    if unknown:
        fix = "pass the arrays positionally"
        return ArgumentError(f"{head}; got an unexpected keyword argument {unknown[0]!r}: {fix}")
    twice = [k for k in kwargs if k in pynames[: len(args)]]
    if twice:
        i = list(pynames).index(twice[0])
        return ArgumentError(f"{head}; {names[i]} was given twice (by position and by keyword)")
    if len(args) > len(names):
        extra = len(args) - len(names)
        return ArgumentError(f"{head}; {got}: {_plural(extra, 'argument')} too many")
    given = set(pynames[: len(args)]) | set(kwargs)
    missing = [n for n, p in zip(names, pynames, strict=True) if p not in given]
    if missing:
        return ArgumentError(f"{head}; {got}: missing {', '.join(missing)}")
    return None


def _values(pynames: Sequence[str], args: tuple, kwargs: dict) -> list[Any]:
    """The arguments of a call whose arity is right, in parameter order."""
    return list(args) + [kwargs[p] for p in pynames[len(args) :] if p in kwargs]


def _input_error(names: Sequence[str], values: Sequence[Any]) -> ArgumentError | None:
    """The error for an input that is not an array of numbers (None: all are)."""
    for name, value in zip(names, values, strict=False):
        try:
            a = np.asarray(value)
        except (ValueError, TypeError) as exc:
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return ArgumentError(
                f"{name} is not a rectangular array of numbers ({why}); pass rows of equal "
                "length, or one array"
            )
        if a.dtype.kind not in "biufc":
            fix = f"pass numbers (got an array of dtype {a.dtype})"
            return ArgumentError(bad_argument(name, _Shown(a), fix))
    return None


_SHOWN = 5  # positions listed in a message


def _positions(mask: np.ndarray) -> str:
    where = np.argwhere(mask)
    shown = [str(int(p[0])) if len(p) == 1 else str(tuple(int(i) for i in p)) for p in where]
    more = f" and {len(shown) - _SHOWN} more" if len(shown) > _SHOWN else ""
    return ", ".join(shown[:_SHOWN]) + more


def require_finite(
    name: str, value: Any, fix: str, *, needs: str = "the fit needs finite numbers"
) -> None:
    """Raise ArgumentError when the numbers in ``value`` include NaN or inf.

    Values that are not arrays of numbers are left to the caller's checks.

    Examples
    --------
    >>> require_finite("X", [[1.0, float("nan")], [float("inf"), 2.0]], "drop those rows")
    Traceback (most recent call last):
    ...
    symml.ArgumentError: X has 2 non-finite values (1 NaN, 1 inf) at (0, 1), (1, 0): ...
    """
    try:
        a = np.asarray(value)
    except (ValueError, TypeError):
        return
    if a.dtype.kind not in "fc":
        return
    bad = ~np.isfinite(a)
    count = int(np.count_nonzero(bad))
    if not count:
        return
    nan = int(np.count_nonzero(np.isnan(a)))
    kinds = ", ".join(f"{k} {label}" for k, label in ((nan, "NaN"), (count - nan, "inf")) if k)
    word = "value" if count == 1 else "values"
    where = "at index" if a.ndim == 1 else "at"
    raise ArgumentError(
        f"{name} has {count} non-finite {word} ({kinds}) {where} {_positions(bad)}: {needs}; {fix}"
    )


def _nonfinite_error(names: Sequence[str], values: Sequence[Any]) -> ArgumentError | None:
    """The error for an input holding NaN or inf (None: all are finite)."""
    for name, value in zip(names, values, strict=False):
        try:
            require_finite(
                name,
                value,
                "replace them: drop the rows that hold them, or impute them",
                needs="this computation (e.g. a least-squares solve) needs finite numbers",
            )
        except ArgumentError as error:
            return error
    return None


def _broadcast_error(label: str, names: Sequence[str], values: Sequence[Any]) -> ShapeError | None:
    """The error for inputs whose shapes do not broadcast (None: they do)."""
    shapes = [np.shape(v) for v in values]
    try:
        np.broadcast_shapes(*shapes)
        return None
    except ValueError:
        pass
    named = list(zip(names, shapes, strict=False))
    each = ", ".join(f"{n} has shape {s}" for n, s in named)
    ndim = max(len(s) for s in shapes)
    conflict = ""
    for axis in range(1, ndim + 1):
        sizes = {n: s[-axis] for n, s in named if len(s) >= axis and s[-axis] != 1}
        if len(set(sizes.values())) > 1:
            parts = ", ".join(f"{v} ({n})" for n, v in sizes.items())
            conflict = f"; axis {-axis} (counted from the right) has sizes {parts}"
            break
    a, b = (names[0], names[1]) if len(names) > 1 else ("x", "y")
    return ShapeError(
        f"the inputs of {label} do not broadcast together: {each}{conflict}. On each axis "
        f"(from the right) the sizes must be equal or 1: pass arrays of the same shape, or "
        f"e.g. {a}[:, None] and {b} for a grid of all pairs"
    )


def guarded(
    func: Callable[..., Any], params: Sequence[tuple[str, str]], label: str, *, broadcast: bool
) -> Callable[..., Any]:
    """``func`` with its call errors translated (see the module docstring, last paragraph).

    ``params`` holds ``(name the user knows, Python parameter name)`` per
    parameter; ``label`` names the function in messages (``"the gradient"``);
    ``broadcast``: the inputs are broadcast together (scalar code), so a
    NumPy broadcasting error is explained. Inputs that are not arrays of
    numbers (ragged lists, strings) are an ArgumentError naming the argument.
    The wrapper keeps ``func``'s name, docstring, signature and source
    (``inspect`` follows ``__wrapped__``).

    Examples
    --------
    >>> import numpy as np
    >>> def f(x, y):
    ...     return np.asarray(x) + y
    >>> g = guarded(f, [("x", "x"), ("y", "y")], "f", broadcast=True)
    >>> g(np.ones(2), 1.0)
    array([2., 2.])
    >>> g(1.0)
    Traceback (most recent call last):
    ...
    symml.ArgumentError: f takes (x, y), one array per symbol in this order; got 1 argument: ...
    """
    names = tuple(n for n, _ in params)
    pynames = tuple(p for _, p in params)

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SymmlError:
            raise
        except TypeError:
            error: Exception | None = _arity_error(label, names, pynames, args, kwargs)
            error = error or _input_error(names, _values(pynames, args, kwargs))
            if error is None:
                raise
            raise error from None
        except ValueError:
            values = _values(pynames, args, kwargs)
            error = _input_error(names, values) or _nonfinite_error(names, values)
            if error is None and broadcast:
                error = _broadcast_error(label, names, values)
            if error is None:
                raise
            raise error from None

    functools.update_wrapper(call, func)
    call.__signature__ = inspect.signature(func)  # type: ignore[attr-defined]
    return call
