"""Multivariate Taylor polynomials with steps, checked by the error's order of vanishing."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from .._core import (
    DEFAULT_BUDGET,
    ArgumentError,
    Derivation,
    NotDifferentiableError,
    Step,
    Verdict,
    as_budget,
    bad_argument,
    sample_points,
)
from .arguments import as_point, as_scalar, as_wrt, assumptions, refuse_antiderivatives
from .derivatives import within_budget


def _taylor_verdict(d: Derivation, *, seed: int = 0, n: int = 3, digits: int = 50) -> Verdict:
    """f - T must vanish like |h|**(order+1): check the error's scaling at high precision."""
    f, T = d.source, d.result
    point: dict[sp.Symbol, Any] = d.at  # type: ignore[attr-defined]
    order: int = d.order  # type: ignore[attr-defined]
    rng = np.random.default_rng(seed)
    free = sorted((f.free_symbols | T.free_symbols) - set(d.wrt), key=lambda s: s.name)

    params = sample_points(free, 1, seed=seed, wide=False)[0] if free else {}
    checked = 0
    for _ in range(n):
        direction = rng.standard_normal(len(d.wrt))
        direction /= np.linalg.norm(direction)
        errors = []
        for s in (sp.Rational(1, 100), sp.Rational(1, 1000)):
            subs = {
                x: point[x] + s * sp.Float(float(c), digits)
                for x, c in zip(d.wrt, direction, strict=True)
            }
            subs.update(params)
            fv = f.subs(subs).evalf(digits)
            tv = T.subs(subs).evalf(digits)
            errors.append(abs(complex(fv - tv)))
        e1, e2 = errors
        if not (math.isfinite(e1) and math.isfinite(e2)):
            continue
        checked += 1
        # Error shrinks by 10**(order+1) when s shrinks tenfold; allow a factor 10.
        if e2 > 10.0 ** (-order) * max(e1, 1e-40) and e2 > 1e-30:
            return Verdict(
                False,
                "error scaling",
                claimed=T,
                expected=f,
                counterexample={**point, **params},
                claimed_value=e2,
                expected_value=e1 * 10.0 ** (-(order + 1)),
                notes=(
                    f"|f - T| at step 1e-3 is {e2:.3g}, at 1e-2 is {e1:.3g}: "
                    f"not of order {order + 1}",
                ),
                points=checked,
            )
    return Verdict(
        checked > 0,
        "error scaling",
        claimed=T,
        expected=f,
        notes=(f"|f - T| shrinks like |h|^{order + 1} along {checked} random directions",),
        points=checked,
    )


class TaylorPolynomial(Derivation):
    """A Taylor polynomial of ``source`` about ``at`` (dict Symbol -> value) of degree ``order``.

    ``terms[k]`` is the term of total degree ``k``, in powers of ``x_i - a_i``;
    ``centered`` is the whole polynomial held in powers of ``x_i - a_i``
    (unevaluated; equal to ``result``).
    """

    __slots__ = ("at", "centered", "order", "terms")
    at: dict
    centered: sp.Expr
    order: int
    terms: tuple

    def __repr__(self) -> str:
        return f"TaylorPolynomial({self.centered})"

    def _make_steps(self) -> list[Step]:
        f, variables, point, order = self.source, self.wrt, self.at, self.order
        a_label = ", ".join(f"{sp.latex(s)}={sp.latex(point[s])}" for s in variables)
        out = [Step(f.subs(point), "value at the expansion point", lhs=f"f({a_label})")]
        if order >= 1:
            grad = sp.ImmutableMatrix([sp.diff(f, s).subs(point) for s in variables])
            out.append(Step(grad, "gradient at the point", lhs=r"\nabla f(a)"))
        if order >= 2:
            hess = sp.ImmutableMatrix(
                [[sp.diff(f, s, r).subs(point) for r in variables] for s in variables]
            )
            out.append(Step(hess, "Hessian at the point", lhs=r"\nabla^2 f(a)"))
        for k in range(3, order + 1):
            why = f"order-{k} term: (1/{k}!) d^{k}/dt^{k} f(a + t h) at t = 0"
            out.append(Step(self.terms[k], why, lhs=f"T_{k}"))
        why = f"sum of the terms of total degree <= {order}, in powers of x - a"
        out.append(Step(self.centered, why, lhs="T(x)"))
        out.append(Step(self.result, "expanded"))
        return out


def _centered(term: sp.Expr, h: list[sp.Dummy], offsets: list[sp.Expr]) -> list[sp.Expr]:
    """The monomials of ``term`` (a polynomial in ``h``), each ``c * prod (x_i - a_i)**e_i``
    held unevaluated so that the powers of ``x - a`` stay as written."""
    out = []
    for exps, coeff in sp.Poly(term, *h).terms():
        if coeff == 0:
            continue
        factors = [
            sp.Pow(o, e, evaluate=False) if e > 1 else o
            for o, e in zip(offsets, exps, strict=True)
            if e
        ]
        c, rest = coeff.as_coeff_mul()
        numbers = [] if c == 1 and (factors or rest) else [c]
        args = [*numbers, *rest, *factors]
        out.append(sp.Mul(*args, evaluate=False) if len(args) > 1 else args[0])
    return out


_KINKS = (sp.Abs, sp.sign, sp.Heaviside, sp.DiracDelta, sp.floor, sp.ceiling, sp.frac)


def _check_smooth(f: sp.Expr, point: dict, at: Any) -> None:
    """A kink or jump at the point (``Abs(x - y)`` at ``x = y``): not differentiable there."""
    for node in sp.preorder_traversal(f):
        if isinstance(node, _KINKS):
            at_point = [node.args[0].subs(point)]
        elif isinstance(node, (sp.Max, sp.Min)):
            values = [a.subs(point) for a in node.args]
            at_point = [v - w for i, v in enumerate(values) for w in values[i + 1 :]]
        else:
            continue
        if any(v.is_zero for v in at_point):
            raise NotDifferentiableError(
                bad_argument("at", at, f"f is not differentiable there ({node} has a kink)")
            )


def _terms(f: sp.Expr, point: dict, order: int, at: Any) -> tuple[list[sp.Expr], sp.Expr]:
    """The terms of total degree 0..order: (1/k!) d^k/dt^k f(a + t h) at t = 0, in x - a;
    and their sum held in powers of ``x - a`` (unevaluated)."""
    _check_smooth(f, point, at)
    variables = list(point)
    t = sp.Dummy("t", real=True)
    h = [
        sp.Dummy(f"h_{s.name}", real=True) if s.is_real else sp.Dummy(f"h_{s.name}")
        for s in variables
    ]
    current = f.subs({s: point[s] + t * hi for s, hi in zip(variables, h, strict=True)})
    back = {hi: s - point[s] for s, hi in zip(variables, h, strict=True)}
    offsets = [s - point[s] for s in variables]
    terms, centered = [], []
    for k in range(order + 1):
        if k:
            current = sp.diff(current, t)
        coeff = current.subs(t, 0)
        if coeff.has(sp.zoo, sp.nan) or (not coeff.is_finite and coeff.is_finite is not None):
            raise NotDifferentiableError(
                bad_argument("at", at, f"f or its derivatives are not finite there ({coeff})")
            )
        term = sp.expand(coeff / math.factorial(k))
        if term.has(sp.Derivative, sp.Subs, sp.DiracDelta) or not term.is_polynomial(*h):
            raise NotDifferentiableError(
                bad_argument("at", at, f"f is not {k} times differentiable there ({coeff})")
            )
        terms.append(term.xreplace(back))
        centered += _centered(term, h, offsets)
    if len(centered) > 1:
        return terms, sp.Add(*centered, evaluate=False)
    return terms, centered[0] if centered else sp.S.Zero


def taylor(
    f: Any, wrt: Any, at: Any, order: int = 2, *, budget: float = DEFAULT_BUDGET
) -> TaylorPolynomial:
    """Multivariate Taylor polynomial of ``f`` about ``at``, of total degree ``order``.

    ``T(x) = sum over k <= order of (1/k!) d^k/dt^k f(a + t (x - a)) at t = 0``;
    ``order=2`` keeps the quadratic terms ``f(a) + grad f(a)^T h + 1/2 h^T H(a) h``
    with ``h = x - a``. ``.centered`` holds the polynomial in powers of
    ``x_i - a_i`` as written (an unevaluated sum, equal to ``.result``, which
    SymPy may partly expand); it is what the object prints and the steps show.

    Parameters
    ----------
    f : sympy expression
    wrt : Symbol or sequence of Symbols
    at : dict Symbol -> value, or a sequence of values in the order of ``wrt``
    order : int
        Total degree kept (0 gives the constant f(a)).
    budget : float
        Seconds the expansion may take.

    Examples
    --------
    >>> import numpy as np, sympy as sp, symml
    >>> x, y = sp.symbols("x y", real=True)
    >>> symml.taylor(sp.exp(x) * sp.cos(y), [x, y], {x: 0, y: 0}).result
    x**2/2 + x - y**2/2 + 1
    >>> symml.taylor(sp.log(x), x, {x: 1}, order=3).result
    x + (x - 1)**3/3 - (x - 1)**2/2 - 1
    >>> symml.taylor(3*x**2 + 7*y**2, [x, y], {x: 1, y: 1}, order=1)
    TaylorPolynomial(6*(x - 1) + 14*(y - 1) + 10)
    >>> symml.taylor(sp.exp(x), [x], [0]).to_numpy()(np.array([0.0, 1.0]))
    array([1. , 2.5])
    """
    expr = as_scalar(f, "f")
    variables = as_wrt(wrt)
    refuse_antiderivatives(expr, "a Taylor polynomial")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0:
        raise ArgumentError(bad_argument("order", order, "use a non-negative integer, e.g. 2"))
    order = int(order)
    point = as_point(at, variables)
    seconds = as_budget(budget)
    terms, centered = within_budget(
        seconds, lambda: _terms(expr, point, order, at), "the expansion"
    )
    return TaylorPolynomial(
        sp.Add(*terms),
        None,
        assumptions=assumptions(expr.free_symbols),
        kind="taylor",
        source=expr,
        wrt=variables,
        verifier=_taylor_verdict,
        at=point,
        order=order,
        terms=tuple(terms),
        centered=centered,
    )
