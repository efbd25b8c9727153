r"""Lagrange multipliers: stationary points of ``f`` under equality constraints ``g_i = 0``.

=========================  ================================================================
function                   result
=========================  ================================================================
``lagrange``               the stationary points of the Lagrangian ``f - Σ λ_i g_i``,
                           multipliers included, as a :class:`LagrangePoints` Derivation
=========================  ================================================================

Examples
--------
>>> import sympy as sp, symml
>>> x = sp.Symbol("x", real=True)
>>> symml.lagrange(x**2, [x - 1], [x]).points
({lambda: 2, x: 1},)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from .._calculus import as_wrt, gradient, is_real_solution
from .._calculus import assumptions as calc_assumptions
from .._core import (
    DEFAULT_BUDGET,
    ArgumentError,
    Deadline,
    Derivation,
    NoClosedFormError,
    Step,
    Verdict,
    as_sympy,
    bad_argument,
)
from .runs import as_objective, fresh_symbol

__all__ = ["LagrangePoints", "lagrange"]


class LagrangePoints(Derivation):
    """Stationary points of a Lagrangian; ``.result`` is a Tuple of Dicts.

    ``.result[k]`` maps every variable and every multiplier to its value at
    point ``k`` (a ``sympy.Dict``: index it like a dict, ``dict(p)`` converts).

    Attributes
    ----------
    points : tuple of dict
        The same points as plain dicts.
    multipliers : tuple of Symbol
        ``λ`` (one constraint) or ``λ_1, λ_2, ...``.
    lagrangian : sympy expression
        ``f - Σ λ_i g_i``.
    constraints : tuple
        The ``g_i`` (each constraint is ``g_i = 0``).
    values : tuple
        ``f`` at each point.
    dropped : int
        How many complex solutions were dropped (real variables only).
    """

    __slots__ = ("constraints", "dropped", "lagrangian", "multipliers", "points", "values")

    def _make_steps(self) -> list[Step]:
        unknowns = [*self.wrt, *self.multipliers]
        gradL = sp.ImmutableMatrix([sp.diff(self.lagrangian, u) for u in unknowns])
        gs = self.constraints
        out = [Step(self.source, "the objective", lhs="f")]
        for i, g in enumerate(gs, start=1):
            out.append(Step(g, "a constraint, g = 0", lhs="g" if len(gs) == 1 else f"g_{{{i}}}"))
        return [
            *out,
            Step(self.lagrangian, "the Lagrangian f - sum of lambda_i g_i", lhs=r"\mathcal{L}"),
            Step(
                gradL,
                "its gradient in the variables and the multipliers",
                lhs=r"\nabla \mathcal{L}",
            ),
            Step(
                sp.ImmutableMatrix.zeros(len(unknowns), 1),
                "stationary: grad f = sum of lambda_i grad g_i, and the constraints hold",
                lhs=gradL,
            ),
            Step(self.result, _solution_why(self.values, self.dropped), lhs=sp.Tuple(*unknowns)),
        ]

    def __iter__(self):
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, i: int) -> dict:
        return self.points[i]


def _as_constraint(c: Any) -> sp.Expr:
    if isinstance(c, sp.Equality):
        return c.lhs - c.rhs
    expr = as_sympy(c, "constraints")
    if isinstance(expr, sp.Rel):
        raise ArgumentError(
            bad_argument(
                "constraints",
                c,
                "lagrange handles equality constraints g = 0 (or Eq(lhs, rhs)); inequalities "
                "need the KKT conditions",
            )
        )
    if not isinstance(expr, sp.Expr) or isinstance(expr, sp.MatrixBase):
        raise ArgumentError(
            bad_argument("constraints", c, "each constraint must be a scalar expression or Eq")
        )
    return expr


def lagrange(
    f: Any, constraints: Any, wrt: Any, *, budget: float = DEFAULT_BUDGET
) -> LagrangePoints:
    r"""Stationary points of ``f`` subject to equality constraints, by Lagrange multipliers.

    With constraints ``g_i(w) = 0`` form the Lagrangian
    ``L = f - Σ_i λ_i g_i``; its stationary points (``∇_w L = 0``, i.e.
    ``∇f = Σ λ_i ∇g_i``, and ``∂L/∂λ_i = -g_i = 0``) are the candidates for
    constrained extrema. The equations are solved exactly within ``budget``
    seconds; with real variables, complex solutions are dropped.

    Parameters
    ----------
    f : sympy expression
    constraints : expression, Eq, or a list of them
        ``g`` stands for ``g = 0``; ``Eq(a, b)`` for ``a - b = 0``.
    wrt : sequence of Symbols
    budget : float
        Seconds for solving the equations (default ``symml.DEFAULT_BUDGET``).

    Returns
    -------
    LagrangePoints
        ``.result``: a Tuple of Dicts, one per point, holding the variables
        and the multipliers; ``.values`` has ``f`` there. ``.verify()`` checks
        that ``∇L`` vanishes at every point.

    Raises
    ------
    NoClosedFormError
        SymPy cannot solve the equations within the budget.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import lagrange
    >>> x, y = sp.symbols("x y", real=True)
    >>> pts = lagrange(x*y, [sp.Eq(x + y, 10)], [x, y])
    >>> pts.result
    ({lambda: 5, x: 5, y: 5},)
    >>> pts.values
    (25,)
    >>> [p[x] for p in lagrange(x + y, x**2 + y**2 - 2, [x, y])]
    [-1, 1]
    """
    deadline = Deadline(budget)
    expr = as_objective(f)
    variables = as_wrt(wrt)
    items = list(constraints) if isinstance(constraints, (list, tuple)) else [constraints]
    if not items:
        raise ArgumentError(
            bad_argument("constraints", constraints, "give at least one constraint, e.g. x + y - 1")
        )
    gs = [_as_constraint(c) for c in items]
    real = all(s.is_real for s in variables)
    mults = _multipliers(len(gs), expr.free_symbols.union(*(g.free_symbols for g in gs)), real)
    L = expr - sum((m * g for m, g in zip(mults, gs, strict=True)), sp.S.Zero)
    unknowns = [*variables, *mults]
    gradL = gradient(L, unknowns).result
    solutions, finished = deadline.run(lambda: sp.solve(list(gradL), unknowns, dict=True))
    if not finished or solutions is None:
        raise NoClosedFormError(
            bad_argument(
                "f",
                expr,
                f"SymPy could not solve the Lagrange conditions within {deadline.seconds} s; "
                "raise budget= or solve numerically (scipy.optimize.minimize with constraints)",
            )
        )
    kept = [s for s in solutions if not real or is_real_solution(s)]
    points = [
        dict(sorted(((u, sp.simplify(s.get(u, u))) for u in unknowns), key=lambda kv: kv[0].name))
        for s in kept
    ]
    points.sort(key=lambda p: [sp.default_sort_key(p[u]) for u in variables])
    values = tuple(sp.simplify(expr.subs(p)) for p in points)
    result = sp.Tuple(*[sp.Dict(p) for p in points])
    return LagrangePoints(
        result,
        None,
        kind="Lagrange stationary points",
        source=expr,
        wrt=variables,
        assumptions=calc_assumptions(L.free_symbols),
        verifier=_lagrange_verdict,
        points=tuple(points),
        multipliers=mults,
        lagrangian=L,
        constraints=tuple(gs),
        values=values,
        dropped=len(solutions) - len(kept),
    )


def _multipliers(k: int, taken: set[sp.Basic], real: bool) -> tuple[sp.Symbol, ...]:
    """``λ`` for one constraint, ``λ_1, ..., λ_k`` for several, clashing with no symbol."""
    names = ["lambda"] if k == 1 else [f"lambda_{i}" for i in range(1, k + 1)]
    assumptions = {"real": True} if real else {}
    return tuple(fresh_symbol(name, taken, **assumptions) for name in names)


def _solution_why(values: Sequence[sp.Expr], dropped: int) -> str:
    """Why the last step holds: solved, what was dropped, and f at the points."""
    why = "solve: the stationary points, multipliers included"
    if dropped:
        why += f" (dropped {dropped} complex solutions)"
    shown = ", ".join(sp.sstr(v) for v in values)
    if values and len(shown) <= 60:
        why += f"; there f = {shown}"
    if values and all(v.is_number for v in values) and len(values) > 1:
        nums = [float(v) for v in values]
        why += (
            f" (largest at point {nums.index(max(nums)) + 1}, smallest at point "
            f"{nums.index(min(nums)) + 1}: the extrema when the feasible set is bounded)"
        )
    return why


def _lagrange_verdict(d: LagrangePoints, *, tol: float = 1e-9) -> Verdict:
    """∇L must vanish at every point (evaluated at 30 digits, up to ``tol``)."""
    unknowns = [*d.wrt, *d.multipliers]
    grad = [sp.diff(d.lagrangian, u) for u in unknowns]
    residuals = [
        (p, u, complex(value.evalf(30)))
        for p in d.points
        for u, value in ((u, g.subs(p)) for u, g in zip(unknowns, grad, strict=True))
        if not value.free_symbols
    ]
    bad = [(p, u, r) for p, u, r in residuals if abs(r) > tol]
    if not bad:
        note = "the gradient of the Lagrangian vanishes at every point"
        return Verdict(True, "numeric", claimed=d.result, notes=(note,), points=len(d.points))
    p, u, r = bad[0]
    return Verdict(
        False,
        "numeric",
        claimed=d.result,
        counterexample=dict(p),
        claimed_value=r,
        expected_value=0,
        notes=(f"dL/d{u} is not zero there",),
        points=1,
    )
