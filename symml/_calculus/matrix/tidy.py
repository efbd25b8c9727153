"""Tidying derived matrix expressions: element-wise parts in textbook form (as scalar
algebra), common left/right factors pulled out, 1 x 1 scalars moved into products
(``x*(x.T*x)**(-1/2)``), sums of transposes folded."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix

from .differential import _Context
from .elementwise import CannotLift, lift, textbook, to_scalar
from .expressions import (
    _T,
    _add,
    _as_factor,
    _canon,
    _eaf,
    _hadamard,
    _is_1x1,
    _is_matrix,
    _mul,
    _scale,
    _split,
)


# ---------------------------------------------------------------------------
# Tidying results: factor, move 1 x 1 scalars into products, fold transposes
# ---------------------------------------------------------------------------
def _common_coeff(coeffs: Sequence[sp.Expr]) -> sp.Expr:
    if not all(c.is_Rational for c in coeffs):
        return sp.S.One
    num = math.gcd(*[int(c.p) for c in coeffs])
    den = math.lcm(*[int(c.q) for c in coeffs])
    common = sp.Rational(num, den)
    return -common if all(c < 0 for c in coeffs) else common


def _factor_once(terms: list[sp.Basic], side: int) -> list[sp.Basic] | None:
    """Pull the most common first (side=0) or last (side=-1) factor out of >= 2 terms."""
    split = [_split(t) for t in terms]
    counts: dict[sp.Basic, int] = {}
    for _, mats in split:
        if len(mats) >= 2:
            counts[mats[side]] = counts.get(mats[side], 0) + 1
    best = [f for f, k in counts.items() if k >= 2]
    if not best:
        return None
    factor = max(best, key=lambda f: counts[f])
    group, rest = [], []
    for t, (c, mats) in zip(terms, split, strict=True):
        if len(mats) >= 2 and mats[side] == factor:
            group.append((c, mats[1:] if side == 0 else mats[:-1]))
        else:
            rest.append(t)
    common = _common_coeff([c for c, _ in group])
    inner = _factor(_add(*[_mul(c / common, *m) for c, m in group]))
    pulled = _mul(common, factor, inner) if side == 0 else _mul(common, inner, factor)
    return [pulled, *rest]


def _factor(e: sp.Basic) -> sp.Basic:
    if not isinstance(e, sp.Basic) or e.is_Atom or isinstance(e, (sp.MatrixSymbol, sp.Lambda)):
        return e
    if isinstance(e, sp.MatAdd):
        terms = [_factor(t) for t in e.args]
        for side in (0, -1):
            while len(terms) > 1:
                new = _factor_once(terms, side)
                if new is None:
                    break
                terms = new
        return _add(*terms)
    if isinstance(e, ElementwiseApplyFunction):
        return _eaf(e.function, _factor(e.expr))
    if isinstance(e, sp.MatMul):
        return _mul(*[_factor(a) for a in e.args])
    if isinstance(e, sp.HadamardProduct):
        return _hadamard(*[_factor(a) for a in e.args])
    if isinstance(e, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix, sp.MatrixBase)):
        return e
    return e.func(*[_factor(a) for a in e.args])


def _trace_powers(c: sp.Expr) -> tuple[sp.Expr, list[tuple[sp.Basic, sp.Expr]]]:
    """Split a coefficient into (rest, [(E, k)]) for factors tr(E)**k with E 1 x 1."""
    rest, found = [], []
    for f in sp.Mul.make_args(c):
        base, k = f.as_base_exp()
        if isinstance(base, sp.Trace) and _is_1x1(base.arg):
            found.append((base.arg, k))
        else:
            rest.append(f)
    return sp.Mul(*rest), found


def _pretty(e: Any) -> Any:
    """Readable final form: tr(E)**k of a 1 x 1 E as a factor E**k where a product
    has room for it; sums of transposes folded, (x - mu)^T instead of x^T - mu^T."""
    if not isinstance(e, sp.Basic) or e.is_Atom or isinstance(e, (sp.MatrixSymbol, sp.Lambda)):
        return e
    if isinstance(e, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix, sp.MatrixBase)):
        return e
    if isinstance(e, ElementwiseApplyFunction):
        return _eaf(e.function, _pretty(e.expr))
    args = [_pretty(a) for a in e.args]
    if isinstance(e, sp.MatMul):
        c, mats = _split(_mul(*args))
        rest, found = _trace_powers(c)
        if found:
            slot = next((i + 1 for i, m in enumerate(mats) if m.shape[1] == 1), None)
            if slot is None and mats[0].shape[0] == 1:
                slot = 0
            if slot is not None:
                extra = [_as_factor(E, k) for E, k in found]
                return sp.MatMul(*([rest] if rest != 1 else []), *mats[:slot], *extra, *mats[slot:])
        return _mul(*args)
    if isinstance(e, sp.MatAdd):
        total = _add(*args)
        split = [_split(t) for t in getattr(total, "args", ())]
        if split and all(len(m) == 1 and isinstance(m[0], DiagMatrix) for _, m in split):
            return DiagMatrix(_add(*[_scale(c, m[0].args[0]) for c, m in split]))
        if isinstance(total, sp.MatAdd):
            flipped = _T(total)
            if total.has(sp.Transpose) and not flipped.has(sp.Transpose):
                return sp.Transpose(flipped)
        return total
    if isinstance(e, sp.HadamardProduct):
        return _hadamard(*args)
    if isinstance(e, sp.Trace) and isinstance(args[0], (sp.Inverse, sp.MatPow)):
        base = args[0].arg if isinstance(args[0], sp.Inverse) else args[0].base
        if _is_1x1(base):
            return sp.Trace(base) ** (-1 if isinstance(args[0], sp.Inverse) else args[0].exp)
    if isinstance(e, sp.Transpose):
        return sp.Transpose(args[0])
    return e.func(*args)


_ELEMENTWISE = (sp.MatAdd, sp.HadamardProduct, sp.HadamardPower, ElementwiseApplyFunction)


def _flip_sum(e: sp.Basic) -> sp.Basic:
    """``-c A (u - v)`` as ``c A (v - u)`` when that adds no minus sign."""
    c, mats = _split(e)
    if not c.could_extract_minus_sign():
        return e

    def negatives(m: sp.Basic) -> int:
        return sum(1 for t in m.args if _split(t)[0].could_extract_minus_sign())

    for k, M in enumerate(mats):
        if isinstance(M, sp.MatAdd):
            flipped = _add(*[_scale(-1, t) for t in M.args])
            if isinstance(flipped, sp.MatAdd) and negatives(flipped) <= negatives(M):
                return _mul(-c, *mats[:k], flipped, *mats[k + 1 :])
    return e


def _textbook(e: Any, memo: dict | None = None, *, factor: bool = False) -> Any:
    """Element-wise parts simplified as the scalar algebra they are (Hadamard inverses
    cancelled, like terms collected, zero terms dropped, sigmoids one way); a sum that is
    a factor of a product (``factor=True``) keeps a common number outside with a positive
    sign, ``S^-1 (x - mu)``; other sums stay expanded, ``2 X^T (X w - y) + 2 lambda w``."""
    memo = {} if memo is None else memo
    if not isinstance(e, sp.Basic) or e.is_Atom or not _is_matrix(e):
        return e
    if (e, factor) in memo:
        return memo[e, factor]
    out = e
    if isinstance(e, (sp.MatrixSymbol, sp.Identity, sp.ZeroMatrix, sp.OneMatrix)):
        pass
    elif isinstance(e, _ELEMENTWISE) or (isinstance(e, sp.MatMul) and len(_split(e)[1]) == 1):
        leaves: dict[sp.Basic, sp.Dummy] = {}
        scalar = to_scalar(e, leaves, inner=lambda leaf: _textbook(leaf, memo))
        try:
            out = lift(textbook(scalar), {d: M for M, d in leaves.items()}, e.shape)
        except CannotLift:
            out = e
        c, mats = _split(out)
        if not factor and c.is_Number and len(mats) == 1 and isinstance(mats[0], sp.MatAdd):
            out = _add(*[_scale(c, t) for t in mats[0].args])
    elif isinstance(e, sp.MatMul):
        c, mats = _split(e)
        out = _flip_sum(_mul(c, *[_textbook(m, memo, factor=True) for m in mats]))
    elif isinstance(e, DiagMatrix):
        out = DiagMatrix(_textbook(e.args[0], memo))
    elif not isinstance(e, sp.MatrixBase):
        out = e.func(*[_textbook(a, memo) for a in e.args])
    memo[e, factor] = out
    return out


def _tidy(e: sp.Basic, ctx: _Context) -> sp.Basic:
    return _pretty(_textbook(_factor(_textbook(_canon(e, ctx.symmetric)))))


def _has_array_objects(e: sp.Basic) -> bool:
    from sympy.tensor.array.expressions import array_expressions as ae

    kinds = tuple(
        getattr(ae, n)
        for n in ("ArrayContraction", "PermuteDims", "ArrayTensorProduct", "ArrayDiagonal")
    )
    return any(isinstance(a, kinds) for a in sp.preorder_traversal(e))
