r"""Row blocks: an expression that is a sum over the rows of its data, computed block by block.

The gradient of a loss over ``m`` observations, ``X.T*(sigma(X*w) - y)``, and its
Hessian ``X.T*diag(s)*X`` are sums over the rows of ``X`` and ``y``: each row ``i``
contributes a term that reads only row ``i`` (and arrays without ``m``). Written
as whole-array NumPy, ``X`` is read from memory twice (``X @ w``, then ``X.T @ r``)
and every element-wise step makes an ``m``-long temporary. Computed over blocks
of a few thousand rows, a block of ``X`` stays in the CPU cache between the two
products and the temporaries are small; the blocks' results are added. This is
loop fusion, the thing a compiler (XLA, numexpr) does for such code; on a loss
over 10^6 x 20 data it halves the time of the hand-written NumPy expression.

:func:`split_rows` decides whether an expression is such a sum, by the rows of
which dimension, and which arguments are cut into blocks: ``split.sums`` is
computed per block and added, ``split.rest`` (the part without that dimension,
e.g. a ridge term ``lam*w``) once. The rules, with ``m`` the dimension:

* an argument with ``m`` rows (``X``: m x n, ``y``: m x 1) is *rows* (its row i
  is observation i) and is cut into blocks; a transpose of rows is *cols*;
  ``DiagMatrix(v)`` of a rows vector, and ``Identity(m)``, are *diag*;
  anything without ``m`` is *free*.
* element-wise steps (sums, Hadamard products and powers, functions applied
  entry by entry) keep the kind when every operand has it;
* in a product, ``rows * free`` is rows, ``free * cols`` is cols,
  ``diag * rows`` is rows, ``cols * diag`` is cols, and ``cols * rows`` -- a
  contraction over ``m`` -- is a *sum*; ``sum * free`` and ``free * sum`` stay
  sums. Anything else (a product of two sums, an inverse of a sum, a function of
  a sum, an ``m x m`` outer product) is not a sum over rows, and the
  expression is computed whole.

The symbol ``m`` may appear as a number (``X.T*r/m``): the block code gets the
total under another name, as every block must use the same constant.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix

from .products import _flat_factors

__all__ = ["RowSplit", "split_rows"]


class RowSplit(NamedTuple):
    """How an expression splits into a sum over row blocks and a part computed once."""

    dim: sp.Symbol  # the dimension whose rows are cut into blocks
    sums: sp.MatrixExpr  # computed per block of rows, the blocks' results added
    rest: sp.MatrixExpr | None  # computed once (no ``dim`` in it)
    rows: tuple[sp.MatrixSymbol, ...]  # the arguments cut into blocks of rows, A[a:b]


class _NotRows(Exception):
    """The expression is not a sum over the rows of the dimension tried."""


# the kind of a product of two factors, by the kinds of the factors
_PRODUCT = {
    ("free", "free"): "free",
    ("rows", "free"): "rows",
    ("free", "cols"): "cols",
    ("diag", "rows"): "rows",
    ("cols", "diag"): "cols",
    ("diag", "diag"): "diag",
    ("cols", "rows"): "sum",
    ("sum", "free"): "sum",
    ("free", "sum"): "sum",
}
_TRANSPOSED = {"rows": "cols", "cols": "rows", "diag": "diag", "free": "free", "sum": "sum"}


def _has_dim(e: sp.Basic, m: sp.Symbol) -> bool:
    """Whether a matrix inside ``e`` has ``m`` in its shape (a bare scalar ``m`` does not count)."""
    if isinstance(e, sp.MatrixExpr) and any(m in sp.sympify(d).free_symbols for d in e.shape):
        return True
    return any(_has_dim(a, m) for a in e.args if isinstance(a, sp.Basic))


class _Kinds:
    """The kind (rows, cols, diag, free, sum) of each subexpression, for one dimension ``m``."""

    def __init__(self, m: sp.Symbol) -> None:
        self.m = m

    def scalar(self, c: sp.Basic) -> None:
        """A scalar inside a block must be the same for every block: no matrix with ``m``."""
        if _has_dim(c, self.m):
            raise _NotRows

    def by_shape(self, e: sp.MatrixExpr) -> str:
        rows, cols = (sp.sympify(d) for d in e.shape)
        if rows == self.m and cols == self.m:
            raise _NotRows  # an m x m matrix: rows mix
        if rows == self.m:
            return "rows"
        if cols == self.m:
            return "cols"
        if self.m in rows.free_symbols | cols.free_symbols:
            raise _NotRows  # e.g. 2*m rows
        return "free"

    def kind(self, e: sp.Basic) -> str:
        if not _has_dim(e, self.m):
            return "free"
        if isinstance(e, (sp.MatrixSymbol, sp.OneMatrix, sp.ZeroMatrix)):
            return self.by_shape(e)
        if isinstance(e, sp.Identity):
            return "diag"
        if isinstance(e, sp.Transpose):
            return _TRANSPOSED[self.kind(e.arg)]
        if isinstance(e, DiagMatrix):
            if self.kind(e.args[0]) not in ("rows", "cols"):
                raise _NotRows
            return "diag"
        if isinstance(e, sp.MatMul):
            coeff, factors = _flat_factors(e)
            self.scalar(coeff)
            out = self.kind(factors[0])
            for f in factors[1:]:
                out = _PRODUCT.get((out, self.kind(f)), "")
                if not out:
                    raise _NotRows
            return out
        if isinstance(e, sp.MatAdd):  # linear: sums of sums are sums
            return self.same([self.kind(a) for a in e.args], also=("sum", "diag"))
        if isinstance(e, sp.HadamardProduct):
            return self.same([self.kind(a) for a in e.args])
        if isinstance(e, sp.HadamardPower):
            self.scalar(e.exp)
            return self.same([self.kind(e.base)])
        if isinstance(e, ElementwiseApplyFunction):
            self.scalar(e.function if isinstance(e.function, sp.Lambda) else sp.S.Zero)
            return self.same([self.kind(e.expr)])
        raise _NotRows  # inverses, powers, traces, blocks ... of something with m

    @staticmethod
    def same(kinds: list[str], also: tuple[str, ...] = ()) -> str:
        """Element-wise steps: every operand rows, or every one cols (a function of a sum is not
        a sum; ``also``: the kinds a sum of terms may have besides)."""
        if len(set(kinds)) != 1 or kinds[0] not in ("rows", "cols", "free", *also):
            raise _NotRows
        return kinds[0]


def _split(obj: sp.MatrixExpr, m: sp.Symbol, symbols: Sequence[Any]) -> RowSplit | None:
    kinds = _Kinds(m)
    try:
        if kinds.by_shape(obj) != "free":
            return None
        terms = obj.args if isinstance(obj, sp.MatAdd) else (obj,)
        found = [(t, kinds.kind(t)) for t in terms]
    except _NotRows:
        return None
    sums = [t for t, k in found if k == "sum"]
    rest = [t for t, k in found if k == "free"]
    if not sums or len(sums) + len(rest) != len(found):
        return None
    rows = tuple(s for s in symbols if isinstance(s, sp.MatrixSymbol) and s.shape[0] == m)
    return RowSplit(
        m,
        sums[0] if len(sums) == 1 else sp.MatAdd(*sums),
        None if not rest else rest[0] if len(rest) == 1 else sp.MatAdd(*rest),
        rows,
    )


def split_rows(obj: sp.Basic, symbols: Sequence[Any], dims: Sequence[sp.Basic]) -> RowSplit | None:
    """The split of ``obj`` into a sum over row blocks and a part computed once, or None.

    ``dims`` are the symbolic sizes of the arguments. A dimension is tried when it
    counts the rows of some argument and the columns of none (the observations
    of data ``X``, ``y``; not the features ``n`` of ``X * w``, a sum over
    columns that is cheap whole); the first that ``obj`` is a sum over (see the
    module docstring) is used.

    Examples
    --------
    >>> import sympy as sp
    >>> m, n = sp.symbols("m n", integer=True, positive=True)
    >>> X, y, w = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("y", m, 1), sp.MatrixSymbol("w", n, 1)
    >>> lam = sp.Symbol("lam", positive=True)
    >>> split = split_rows(X.T * (X * w - y) + lam * w, [X, y, w, lam], [m, n])
    >>> split.dim, split.sums, split.rest, split.rows
    (m, X.T*(X*w - y), lam*w, (X, y))
    >>> split_rows((X.T * X).inverse() * X.T * y, [X, y], [m, n]) is None  # a product of sums
    True
    """
    if not isinstance(obj, sp.MatrixExpr) or isinstance(obj, sp.MatrixSymbol):
        return None
    shapes = [s.shape for s in symbols if isinstance(s, sp.MatrixSymbol)]
    for m in dims:
        if (
            isinstance(m, sp.Symbol)
            and any(rows == m for rows, _ in shapes)
            and not any(m in sp.sympify(cols).free_symbols for _, cols in shapes)
        ):
            split = _split(obj, m, symbols)
            if split is not None:
                return split
    return None
