"""Rule-by-rule derivative steps: :func:`diff_steps` applies one textbook rule (sum,
product, quotient, chain, power, exponential, ...) to every pending derivative per step."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from .._core import ArgumentError, Step, bad_argument, renamed_keywords
from .arguments import as_scalar, as_wrt

__all__ = ["diff_steps"]

_TRIG = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc)
_INVERSE_TRIG = (sp.asin, sp.acos, sp.atan, sp.acot, sp.asec, sp.acsc)
_HYPERBOLIC = (sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.sech, sp.csch)


def _function_rule(g: sp.Function) -> str:
    if isinstance(g, sp.exp):
        return "exponential rule"
    if isinstance(g, sp.log):
        return "logarithm rule"
    if isinstance(g, _TRIG):
        return "trigonometric rule"
    if isinstance(g, _INVERSE_TRIG):
        return "inverse trigonometric rule"
    if isinstance(g, _HYPERBOLIC):
        return "hyperbolic rule"
    return f"derivative of {type(g).__name__}"


def _D(g: sp.Expr, x: sp.Symbol) -> sp.Expr:
    return sp.Derivative(g, x, evaluate=False)


def _expand_once(g: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, list[str], bool]:
    """Apply one differentiation rule to d/dx g.

    Returns (new expression with unevaluated derivatives of sub-parts,
    rule names, whether the result is final, i.e. contains no new work).
    """
    if not g.has(x):
        return sp.S.Zero, ["constant rule"], True
    if g == x:
        return sp.S.One, ["power rule"], True
    if g.is_Add:
        return sp.Add(*[_D(t, x) for t in g.args]), ["sum rule"], False
    if g.is_Mul:
        const, dep = g.as_independent(x, as_Add=False)
        if const != 1:
            return const * _D(dep, x), ["constant multiple rule"], False
        num, den = [], []
        for factor in dep.args:
            base, e = factor.as_base_exp()
            if e.is_number and e.is_negative and base.has(x):
                den.append(sp.Pow(base, -e))
            else:
                num.append(factor)
        if den and num:
            n, d = sp.Mul(*num), sp.Mul(*den)
            return (_D(n, x) * d - n * _D(d, x)) / d**2, ["quotient rule"], False
        factors = dep.args
        terms = [
            _D(fi, x) * sp.Mul(*(fj for j, fj in enumerate(factors) if j != i))
            for i, fi in enumerate(factors)
        ]
        return sp.Add(*terms), ["product rule"], False
    if g.is_Pow:
        base, e = g.as_base_exp()
        if not e.has(x):
            if base == x:
                return e * x ** (e - 1), ["power rule"], True
            return e * base ** (e - 1) * _D(base, x), ["power rule", "chain rule"], False
        if not base.has(x):
            if e == x:
                return g * sp.log(base), ["exponential rule"], True
            return g * sp.log(base) * _D(e, x), ["exponential rule", "chain rule"], False
        return g * _D(e * sp.log(base), x), ["logarithmic differentiation"], False
    if (
        isinstance(g, sp.Function)
        and not isinstance(g, AppliedUndef)
        and len(g.args) == 1
        and g.args[0].has(x)
    ):
        u = g.args[0]
        try:
            outer = g.fdiff(1)
        except Exception:
            outer = None
        if outer is not None and not outer.has(sp.Derivative, sp.Subs):
            rule = _function_rule(g)
            if u == x:
                return outer, [rule], True
            return outer * _D(u, x), [rule, "chain rule"], False
    # Anything else (undefined functions, Piecewise, functions of several
    # arguments): let SymPy differentiate the whole sub-expression.
    name = type(g).__name__ if not isinstance(g, AppliedUndef) else "an undefined function"
    return sp.diff(g, x), [f"derivative of {name}"], True


@renamed_keywords(x="wrt")
def diff_steps(f: Any, wrt: Any, *, simplified: Any = None) -> list[Step]:
    """The rule-by-rule steps of the derivative of ``f`` in ``x``.

    Each pass applies one rule (sum, constant multiple, power, product,
    quotient, chain, exponential, logarithm, trigonometric, ...) to every
    derivative still pending, and records the resulting expression with the
    names of the rules used. The first step has ``lhs = d f / d x``.

    Parameters
    ----------
    f : sympy expression
    wrt : Symbol
        The variable (formerly ``x=``, still accepted with a DeprecationWarning).
    simplified : sympy expression, optional
        The final form to end on; when it differs from the last rule-based
        expression a ``"simplify"`` step is added.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import diff_steps
    >>> x = sp.Symbol("x")
    >>> for s in diff_steps(3*x**2 + sp.exp(2*x), x):
    ...     print(s.expr, "  |", s.why)
    Derivative(3*x**2, x) + Derivative(exp(2*x), x)   | sum rule
    exp(2*x)*Derivative(2*x, x) + 3*Derivative(x**2, x)   | constant multiple rule, ...
    6*x + 2*exp(2*x)*Derivative(x, x)   | constant multiple rule, power rule
    6*x + 2*exp(2*x)   | power rule
    """
    expr = as_scalar(f)
    variables = as_wrt(wrt)
    if len(variables) != 1:
        raise ArgumentError(
            bad_argument("wrt", wrt, "give one Symbol: diff_steps derives one partial derivative")
        )
    x = variables[0]
    lhs = sp.Derivative(expr, x, evaluate=False)
    current: sp.Expr = _D(expr, x)
    pending = {current}
    steps: list[Step] = []
    while True:
        todo = sorted(
            (d for d in current.atoms(sp.Derivative) if d in pending), key=sp.default_sort_key
        )
        if not todo:
            break
        mapping, rules, created = {}, [], set()
        for d in todo:
            new, used, final = _expand_once(d.expr, x)
            mapping[d] = new
            rules.extend(r for r in used if r not in rules)
            if not final:  # derivatives left by a final rule (SymPy's own) stay as they are
                created |= new.atoms(sp.Derivative)
        pending = (pending - set(todo)) | created
        current = current.xreplace(mapping)
        steps.append(Step(current, ", ".join(rules), lhs=lhs if not steps else None))
    if not steps:  # pragma: no cover - _D always creates one pending derivative
        steps.append(Step(sp.diff(expr, x), "differentiate", lhs=lhs))
    if simplified is not None and simplified != current:
        steps.append(Step(simplified, "simplify"))
    return steps
