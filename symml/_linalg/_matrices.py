"""What every linear-algebra routine shares: reading a matrix argument, running the exact
route within a :class:`~symml._core.Deadline`, and showing numbers in steps.

======================  ===================================================================
function                does
======================  ===================================================================
``OfMatrix``            the base of results about one matrix (``.matrix`` is ``.source``)
``as_matrix``           a SymPy matrix from a Matrix, nested list, NumPy array, Derivation
``as_array``            a float (or complex) NumPy array; symbols refused
``as_vectors``          a matrix whose columns are the given vectors
``wants_numeric``       whether the input holds floating-point numbers
``require_square``      a ``ShapeError`` naming the argument unless the matrix is square
``run_exact``           the exact route in the deadline's time (``NumericFallback``: NumPy's)
``as_count``            an integer argument in a range, or an ``ArgumentError``
``simp``                ``simplify`` within the deadline (the input when time runs out)
``show``, ``to_matrix`` floats as SymPy objects: rounded for steps, or in full
======================  ===================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import sympy as sp

from .._core import (
    ArgumentError,
    Deadline,
    Derivation,
    NoClosedFormError,
    ShapeError,
    Step,
    as_sympy,
    bad_argument,
)

T = TypeVar("T")

#: Exact eigen-decompositions up to 4 x 4 (quartics still have radicals).
SYMBOLIC_MAX = 4
#: Numeric matrices up to 8 x 8 are shown (rounded) in the steps.
SHOW_MAX = 8
#: The most seconds one ``simplify`` of an entry may take within a route.
SIMPLIFY_CAP = 1.0


class OfMatrix(Derivation):
    """A Derivation about one matrix ``A``: its ``source``, which ``.matrix`` reads."""

    __slots__ = ()

    @property
    def matrix(self) -> sp.ImmutableMatrix:
        """``A``, the matrix the result was derived from (the ``source``)."""
        return self.source  # type: ignore[return-value]

    def _array_shape(self) -> tuple[int, ...]:
        """:meth:`to_numpy` keeps the result's matrix shape, 1 x 1 and columns included."""
        return matrix_shape(self)


def matrix_shape(d: Derivation) -> tuple[int, ...]:
    """The shape of ``d.result`` as a matrix: ``(r, c)`` for every ``r`` and ``c``."""
    return tuple(int(n) for n in d.result.shape)


# -- arguments ----------------------------------------------------------------------------


def as_matrix(A: Any, name: str = "A") -> sp.ImmutableMatrix:
    """A SymPy matrix from a Matrix, a nested list, a NumPy array or a Derivation."""
    if isinstance(A, Derivation):
        A = A.result
    if isinstance(A, np.ndarray):
        return _array_to_matrix(A, name)
    if isinstance(A, (list, tuple)):
        try:
            M = sp.ImmutableMatrix(A)
        except (ValueError, TypeError, sp.SympifyError):
            raise ShapeError(
                bad_argument(name, A, "expected a matrix: a list of rows of equal length")
            ) from None
    else:
        M = as_sympy(A, name)
    if isinstance(M, sp.MatrixExpr) and not isinstance(M, sp.MatrixBase):
        if not all(isinstance(d, (int, sp.Integer)) for d in M.shape):
            raise ShapeError(bad_argument(name, A, "give a matrix with numeric dimensions"))
        M = sp.ImmutableMatrix(M.as_explicit())
    if not isinstance(M, sp.MatrixBase):
        raise ShapeError(
            bad_argument(name, A, "expected a matrix, e.g. sympy.Matrix([[1, 2], [3, 4]])")
        )
    if 0 in M.shape:
        raise ShapeError(bad_argument(name, A, "the matrix is empty"))
    return sp.ImmutableMatrix(M)


def _array_to_matrix(A: np.ndarray, name: str) -> sp.ImmutableMatrix:
    if A.ndim == 1:
        A = A.reshape(-1, 1)
    if A.ndim != 2:
        raise ShapeError(bad_argument(name, A, f"expected a 2-D array, got {A.ndim} dimensions"))
    if 0 in A.shape:
        raise ShapeError(bad_argument(name, A, "the array is empty"))
    if A.dtype.kind in "biu":
        return sp.ImmutableMatrix(A.shape[0], A.shape[1], [int(v) for v in A.ravel()])
    if A.dtype.kind not in "fc":
        raise ArgumentError(bad_argument(name, A, "expected a numeric array"))
    return sp.ImmutableMatrix(A.shape[0], A.shape[1], [sp.sympify(v) for v in A.ravel()])


def as_array(A: Any, name: str = "A") -> np.ndarray:
    """A 2-D float (or complex) NumPy array; SymPy input must be free of symbols."""
    if isinstance(A, Derivation):
        A = A.result
    if isinstance(A, (sp.MatrixBase, sp.MatrixExpr)):
        M = as_matrix(A, name)
        if M.free_symbols:
            raise ArgumentError(
                bad_argument(
                    name,
                    A,
                    f"it has symbols {sorted(map(str, M.free_symbols))}; substitute numbers, "
                    "e.g. A.subs({a: 1})",
                )
            )
        arr = np.array([complex(v) for v in M.evalf()]).reshape(M.shape)
        return arr.real.copy() if np.all(arr.imag == 0) else arr
    try:
        arr = np.asarray(A)
    except (ValueError, TypeError):
        raise ShapeError(bad_argument(name, A, "expected a rectangular array of numbers")) from None
    if arr.dtype == object or arr.dtype.kind not in "biufc":
        raise ArgumentError(bad_argument(name, A, "expected an array of numbers"))
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ShapeError(bad_argument(name, A, f"expected a 2-D array, got shape {arr.shape}"))
    if arr.dtype.kind != "c":
        arr = arr.astype(float)
    if 0 in arr.shape:
        raise ShapeError(bad_argument(name, A, "the array is empty"))
    if not np.all(np.isfinite(arr)):
        raise ArgumentError(bad_argument(name, A, "it has nan or inf entries; remove or fill them"))
    return arr


def as_vectors(vectors: Any, name: str = "vectors") -> sp.ImmutableMatrix:
    """The vectors as the columns of a matrix (a list of vectors, or a matrix as it is)."""
    if (
        isinstance(vectors, (list, tuple))
        and vectors
        and all(isinstance(v, (sp.MatrixBase, np.ndarray, list, tuple)) for v in vectors)
    ):
        cols = [as_matrix(v, name) for v in vectors]
        cols = [c if c.cols == 1 else c.T for c in cols]
        if any(c.cols != 1 for c in cols) or len({c.rows for c in cols}) != 1:
            raise ShapeError(bad_argument(name, vectors, "give vectors of one common length"))
        return sp.ImmutableMatrix.hstack(*cols)
    return as_matrix(vectors, name)


def as_count(value: Any, name: str, low: int, high: int, fix: str) -> int:
    """``value`` as an integer from ``low`` to ``high``, or an ArgumentError saying ``fix``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ArgumentError(bad_argument(name, value, fix))
    if not low <= value <= high:
        raise ArgumentError(bad_argument(name, value, fix))
    return int(value)


def has_float(M: sp.MatrixBase) -> bool:
    """Whether any entry holds a floating-point number."""
    return any(e.has(sp.Float) for e in M)


def wants_numeric(A: Any, M: sp.MatrixBase | None = None) -> bool:
    """Whether the input is floating point (a float array, or a matrix with Float entries)."""
    if isinstance(A, np.ndarray) and A.dtype.kind in "fc":
        return True
    return M is not None and has_float(M)


def require_square(M: sp.MatrixBase, name: str, what: str, fix: str) -> None:
    """Raise a ``ShapeError`` naming ``name`` unless ``M`` is square."""
    if M.rows != M.cols:
        raise ShapeError(
            bad_argument(
                name, M, f"{what} needs a square matrix, got shape {M.rows} x {M.cols}; {fix}"
            )
        )


# -- exact routes within a deadline --------------------------------------------------------


class NumericFallback(Exception):
    """The exact route gives way to NumPy's; ``note`` says why, ``steps`` what it did."""

    def __init__(self, note: str, steps: Sequence[Step] = ()) -> None:
        super().__init__(note)
        self.note, self.steps = note, list(steps)


def run_exact(
    route: Callable[[Deadline], T],
    M: sp.MatrixBase,
    deadline: Deadline,
    what: str,
    *,
    name: str = "A",
    fallback: bool = False,
) -> T:
    """Run ``route(deadline)`` in the time the deadline has left; return its result.

    When it runs out and ``fallback`` is set for ``M`` holding only numbers,
    raise :class:`NumericFallback` (NumPy takes over, and the steps say why);
    otherwise raise :class:`NoClosedFormError` naming the argument ``name``.
    """
    result, finished = deadline.run(lambda: route(deadline))
    if finished:
        return result  # type: ignore[return-value]  # a route returns its Derivation
    if fallback and not M.free_symbols:
        raise NumericFallback(
            f"the exact route ran out of its {deadline.seconds:g} s budget, so NumPy computed it"
        )
    fix = "substitute numbers for the symbols or " if M.free_symbols else ""
    raise NoClosedFormError(
        bad_argument(
            name,
            M,
            f"the exact {what} did not finish within {deadline.seconds:g} s; {fix}raise budget=",
        )
    )


def simp(expr: Any, deadline: Deadline, cap: float = SIMPLIFY_CAP) -> Any:
    """``simplify`` within what ``deadline`` has left (at most ``cap`` s per entry).

    The input comes back unchanged when the time runs out; a route run by
    :func:`run_exact` is itself interrupted when its deadline passes.
    """
    if isinstance(expr, sp.MatrixBase):
        return sp.ImmutableMatrix(expr.rows, expr.cols, [simp(e, deadline, cap) for e in expr])
    if not isinstance(expr, sp.Expr) or expr.is_Atom:
        return expr
    value, finished = deadline.run(lambda: sp.simplify(expr), cap)
    return value if finished else expr


def unit(v: sp.MatrixBase, deadline: Deadline) -> sp.ImmutableMatrix:
    """``v / ||v||``, simplified."""
    return simp(sp.ImmutableMatrix(v / norm(v)), deadline)


def norm(v: sp.MatrixBase) -> sp.Expr:
    """The Euclidean length of a (real) vector."""
    return sp.sqrt(sum((e**2 for e in v), sp.S.Zero))


def fresh(name: str, taken: set[sp.Basic], **assumptions: Any) -> sp.Symbol:
    """``Symbol(name)``, or a Dummy of that name when ``taken`` already uses the name."""
    names = {getattr(s, "name", None) for s in taken}
    return sp.Dummy(name, **assumptions) if name in names else sp.Symbol(name, **assumptions)


def sort_desc(items: list[T], value: Callable[[T], sp.Expr]) -> tuple[list[T], bool]:
    """Sort by the value, largest first, when every value is a number."""
    keys = [_numeric_key(value(it)) for it in items]
    if any(k is None for k in keys):
        return items, False
    order = sorted(range(len(items)), key=lambda i: keys[i])  # type: ignore[index]
    return [items[i] for i in order], True


def _numeric_key(value: sp.Expr) -> tuple[float, float] | None:
    try:
        c = complex(value.evalf(30))
    except (TypeError, ValueError):
        return None
    return (-c.real, -c.imag)


def symbol_assumptions(M: sp.MatrixBase) -> tuple[str, ...]:
    """The assumption a result for a matrix with symbols rests on, in words."""
    symbols = sorted(M.free_symbols, key=lambda s: s.name)
    return (f"{', '.join(s.name for s in symbols)} symbolic (generic values)",) if symbols else ()


# -- numbers in steps and results --------------------------------------------------------


def show(values: Any, digits: int = 4) -> sp.Basic:
    """Floats rounded to ``digits`` significant digits, for display in steps."""
    arr = np.asarray(values)

    def num(v: Any) -> sp.Expr:
        v = complex(v)
        real = sp.Float(f"{v.real:.{digits}g}", digits)
        return real if v.imag == 0 else real + sp.I * sp.Float(f"{v.imag:.{digits}g}", digits)

    if arr.ndim == 0:
        return num(arr)
    if arr.ndim == 1:
        return sp.Tuple(*[num(v) for v in arr])
    return sp.ImmutableMatrix(arr.shape[0], arr.shape[1], [num(v) for v in arr.ravel()])


def to_matrix(arr: np.ndarray) -> sp.ImmutableMatrix:
    """A NumPy array (1-D: a row) as a matrix of SymPy Floats, in full precision."""
    arr = np.atleast_2d(arr)
    if np.iscomplexobj(arr):
        entries = [sp.Float(v.real) + sp.I * sp.Float(v.imag) for v in arr.ravel()]
    else:
        entries = [sp.Float(float(v)) for v in arr.ravel()]
    return sp.ImmutableMatrix(arr.shape[0], arr.shape[1], entries)


def empty_or_hstack(columns: Sequence[sp.MatrixBase], rows: int) -> sp.ImmutableMatrix:
    """The columns side by side; a ``rows x 0`` matrix when there are none."""
    if not columns:
        return sp.ImmutableMatrix.zeros(rows, 0)
    return sp.ImmutableMatrix.hstack(*columns)
