"""Element-wise algebra is scalar algebra: an element-wise matrix expression (sums,
scalar multiples, ``⊙`` products and powers, ``applyfunc`` maps, ``1``) written as a
scalar expression in "leaves" (the non-element-wise parts, such as ``X*w`` or ``y``),
and lifted back. Used to read sums over entries (``Sum(f(x[i, 0]), i) = 1^T f.(x)``)
and to put results in textbook form (``σ ⊙ (1 - y) - σ(-Xw) ⊙ y = σ(Xw) - y``)."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..._codegen import expit
from .expressions import _ARG, _add, _eaf, _hadamard, _scale, _split


class CannotLift(Exception):
    """A scalar expression mixes several leaves inside one function (no ``applyfunc``)."""


def lift(e: sp.Expr, back: dict[sp.Basic, sp.Basic], shape: tuple[Any, Any]) -> sp.Basic:
    """The element-wise matrix expression of shape ``shape`` whose entries are the scalar
    ``e``, each leaf symbol in ``back`` standing for the entry of its matrix."""
    if e in back:
        return back[e]
    leaves = [s for s in back if e.has(s)]
    if not leaves:
        return _scale(e, sp.OneMatrix(*shape))
    if e.is_Add:
        return _add(*[lift(t, back, shape) for t in e.args])
    if e.is_Mul:
        const, dep = e.as_independent(*leaves, as_Add=False)
        return _scale(const, _hadamard(*[lift(f, back, shape) for f in sp.Mul.make_args(dep)]))
    if e.is_Pow and not e.exp.has(*leaves):
        return sp.HadamardPower(lift(e.base, back, shape), e.exp)
    if isinstance(e, sp.Function) and len(e.args) == 1:
        return _eaf(sp.Lambda(_ARG, e.func(_ARG)), lift(e.args[0], back, shape))
    if len(leaves) == 1:
        return _eaf(sp.Lambda(_ARG, e.xreplace({leaves[0]: _ARG})), back[leaves[0]])
    raise CannotLift(e)


def to_scalar(e: sp.Basic, leaves: dict[sp.Basic, sp.Dummy], inner: Any = None) -> sp.Expr:
    """The scalar expression of the entries of the element-wise ``e``; every other part
    becomes a leaf symbol (``leaves`` maps them, filled on the way; ``inner`` rewrites
    a leaf before it is stored)."""
    if isinstance(e, sp.OneMatrix):
        return sp.S.One
    if isinstance(e, sp.ZeroMatrix):
        return sp.S.Zero
    if isinstance(e, sp.MatAdd):
        return sp.Add(*[to_scalar(a, leaves, inner) for a in e.args])
    if isinstance(e, sp.MatMul):
        c, mats = _split(e)
        if len(mats) == 1:
            return c * to_scalar(mats[0], leaves, inner)
        if inner is not None:
            c, mats = _split(inner(e))
            inner = None
        if c != 1 or len(mats) == 1:
            return c * to_scalar(mats[0] if len(mats) == 1 else sp.MatMul(*mats), leaves, inner)
    if isinstance(e, sp.HadamardProduct):
        return sp.Mul(*[to_scalar(a, leaves, inner) for a in e.args])
    if isinstance(e, sp.HadamardPower):
        return to_scalar(e.base, leaves, inner) ** e.exp
    if isinstance(e, ElementwiseApplyFunction):
        (var,) = e.function.variables
        return e.function.expr.xreplace({var: to_scalar(e.expr, leaves, inner)})
    key = inner(e) if inner is not None else e
    if key not in leaves:
        leaves[key] = sp.Dummy(f"l{len(leaves)}", real=True)
    return leaves[key]


# ---------------------------------------------------------------------------
# Textbook form of scalar (entry) expressions
# ---------------------------------------------------------------------------
def _negatives(p: sp.Expr) -> int:
    return sum(1 for t in sp.Add.make_args(p) if t.could_extract_minus_sign())


def positive_sign(e: sp.Expr) -> sp.Expr:
    """``-c (a - b)`` as ``c (b - a)``: a negative coefficient moves into a sum factor
    when that adds no minus sign (``-s (s - 1) -> s (1 - s)``)."""
    if not e.is_Mul:
        return e
    coeff, rest = e.as_coeff_Mul()
    if not coeff.is_negative:
        return e
    factors = list(sp.Mul.make_args(rest))
    for k, f in enumerate(factors):
        if f.is_Add and _negatives(-f) <= _negatives(f):
            factors[k] = sp.Add(*[-t for t in f.args])
            return sp.Mul(-coeff, *factors, evaluate=False) if -coeff != 1 else sp.Mul(*factors)
    return e


def _sigmoids(e: sp.Expr) -> sp.Expr:
    """Every sigmoid written one way: ``expit(u)``; ``(1 + exp(-u))^-k`` as ``expit(u)^k``,
    ``expit(-u)`` as ``1 - expit(u)`` and, next to ``expit(u)``, ``exp(k u)`` as
    ``(expit(u)/(1 - expit(u)))^k`` (rational in the sigmoid, so that it cancels)."""
    e = e.replace(
        lambda a: a.is_Pow and a.exp.is_Integer and a.exp < 0 and _exp_arg(a.base) is not None,
        lambda a: expit(-_exp_arg(a.base)) ** (-a.exp),
    )
    e = e.replace(
        lambda a: isinstance(a, expit) and a.args[0].could_extract_minus_sign(),
        lambda a: 1 - expit(-a.args[0]),
    )
    args = {f.args[0] for f in e.atoms(expit)}

    def ratio(a: sp.Basic) -> tuple[sp.Expr, sp.Expr] | None:
        if not isinstance(a, sp.exp):
            return None
        for u in args:
            k = a.args[0] / u
            if k.is_Integer:
                return u, k
        return None

    return e.replace(
        lambda a: ratio(a) is not None,
        lambda a: (expit(ratio(a)[0]) / (1 - expit(ratio(a)[0]))) ** ratio(a)[1],
    )


def _exp_arg(b: sp.Expr) -> sp.Expr | None:
    """``u`` when ``b`` is ``1 + exp(u)``."""
    if b.is_Add and len(b.args) == 2 and sp.S.One in b.args:
        (other,) = [t for t in b.args if t != 1]
        if isinstance(other, sp.exp):
            return other.args[0]
    return None


def textbook(e: sp.Expr) -> sp.Expr:
    """The shortest of ``e``, its expansion and its factorisation (ties: factored),
    with sigmoids written one way and a positive leading coefficient."""
    e = _sigmoids(e)
    try:
        expanded = sp.expand(e)
        candidates = [positive_sign(sp.factor(e)), expanded, e]
    except (sp.PolynomialError, NotImplementedError, TypeError, ValueError):
        return e  # the form as derived (correct, only less tidy)
    return min(candidates, key=sp.count_ops)
