"""Sums over the entries of vectors and matrices as matrix expressions.

SymPy writes the entry ``E[0, 0]`` of a 1 x 1 product as an indexed ``Sum``
(``(x.T*x)[0, 0]`` is ``Sum(x[i, 0]**2, (i, 0, n - 1))``). The rules work on matrix
expressions, so each such sum is read back as one: ``sum_i f(x_i, y_i) = 1^T f.(x, y)``
(``sum_i u_i v_i = u^T v``), ``sum_ij f(X_ij) = 1^T f.(X) 1``, and contractions such as
``sum_ij x_i A_ij x_j = x^T A x`` through SymPy's array conversion. The value of the
1 x 1 result is written ``Trace(E)``, as everywhere in matrix calculus.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from .elementwise import CannotLift, lift
from .expressions import _T, _is_1x1, _mul

WHAT = (
    "sums over all the entries of vectors or matrices, Sum(f(x[i, 0], y[i, 0]), (i, 0, n - 1)) "
    "= 1^T f.(x, y) and Sum(f(X[i, j]), (i, 0, m - 1), (j, 0, n - 1)) = 1^T f.(X) 1, "
    "and contractions such as (x.T*A*x)[0, 0]"
)


def _full_range(limit: Any, size: Any) -> bool:
    _, lo, hi = limit
    return bool(lo == 0 and sp.simplify(hi - (size - 1)) == 0)


def _elementwise_sum(s: sp.Sum) -> sp.Basic | None:
    """``1^T f.(x, ..) [1]`` (a 1 x 1 matrix) for a sum of ``f`` of entries, else None."""
    idx = [lim[0] for lim in s.limits]
    if len(idx) > 2 or len(set(idx)) != len(idx):
        return None
    body = s.function
    elems = [e for e in body.atoms(MatrixElement) if e.has(*idx)]
    if not elems:
        return None
    want = tuple(idx) if len(idx) == 2 else None
    back: dict[sp.Basic, sp.Basic] = {}
    shape = None
    for el in elems:
        M, i, j = el.args
        if want is not None:
            if (i, j) != want:
                return None
            mat = M
        elif (i, j) == (idx[0], 0) and M.shape[1] == 1:
            mat = M
        elif (i, j) == (0, idx[0]) and M.shape[0] == 1:
            mat = _T(M)
        else:
            return None
        if shape not in (None, mat.shape):
            return None
        shape = mat.shape
        back[el] = mat
    sizes = shape if want is not None else shape[:1]
    if not all(_full_range(lim, n) for lim, n in zip(s.limits, sizes, strict=True)):
        return None
    dummies = {el: sp.Dummy(f"e{k}", real=True) for k, el in enumerate(back)}
    scalar = body.xreplace(dummies)
    if scalar.has(*idx):
        return None
    return _as_product(scalar, {dummies[el]: back[el] for el in back}, shape)


def _as_product(scalar: sp.Expr, back: dict, shape: tuple) -> sp.Basic | None:
    """``1^T f.(..) [1]``, with ``sum_i u_i v_i`` as ``u^T v``."""
    factors = sp.Mul.make_args(scalar)
    if shape[1] == 1 and len(factors) <= 3:
        const = [f for f in factors if not f.has(*back)]
        vecs = [f for f in factors if f.has(*back)]
        if len(vecs) == 1 and vecs[0].is_Pow and vecs[0].exp == 2 and vecs[0].base in back:
            vecs = [vecs[0].base, vecs[0].base]
        if len(vecs) == 2 and all(v in back for v in vecs):
            vecs = sorted(vecs, key=lambda v: sp.default_sort_key(back[v]))
            return _mul(sp.Mul(*const), _T(back[vecs[0]]), back[vecs[1]])
    try:
        inner = lift(scalar, back, shape)
    except CannotLift:
        return None
    ones = [sp.OneMatrix(1, shape[0]), inner]
    if shape[1] != 1:
        ones.append(sp.OneMatrix(shape[1], 1))
    return _mul(*ones)


def _contraction(s: sp.Sum) -> sp.Basic | None:
    """A 1 x 1 matrix product for a contraction (``x^T A x``), by SymPy's array route."""
    from sympy.tensor.array.expressions.from_array_to_matrix import convert_array_to_matrix
    from sympy.tensor.array.expressions.from_indexed_to_array import convert_indexed_to_array

    try:
        m = convert_array_to_matrix(convert_indexed_to_array(s))
    except Exception:
        return None
    if isinstance(m, MatrixElement) and _is_1x1(m.parent) and m.args[1:] == (0, 0):
        return m.parent
    return None


def sums_as_matrices(expr: sp.Basic) -> sp.Basic:
    """``expr`` with each sum over entries replaced by ``Trace`` of its 1 x 1 matrix
    product; sums it cannot read are left (the rules then name them)."""

    def convert(s: sp.Sum) -> sp.Basic:
        m = _elementwise_sum(s)
        if m is None:
            m = _contraction(s)
        return s if m is None else sp.Trace(m)

    return expr.replace(lambda e: isinstance(e, sp.Sum), convert)
