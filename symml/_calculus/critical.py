"""Critical points: solve ``grad f = 0`` and classify by the Hessian's eigenvalues."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from .._core import (
    DEFAULT_BUDGET,
    BudgetExceededError,
    Deadline,
    Derivation,
    NoClosedFormError,
    Step,
    Verdict,
    bad_argument,
)
from .arguments import as_scalar, as_wrt, assumptions, grad_label
from .derivatives import gradient, hessian

__all__ = ["CriticalPoint", "CriticalPoints", "critical_points", "is_real_solution"]


@dataclass(frozen=True)
class CriticalPoint:
    """A stationary point of ``f`` and its kind.

    Attributes
    ----------
    point : dict Symbol -> value
    kind : str
        ``"minimum"``, ``"maximum"``, ``"saddle"`` (local; from the signs of
        the Hessian's eigenvalues) or ``"degenerate"`` (a zero eigenvalue:
        the second-order test does not decide).
    eigenvalues : tuple
        Eigenvalues of the Hessian at the point (with multiplicity).
    value : sympy expression
        ``f`` at the point.
    """

    point: dict
    kind: str
    eigenvalues: tuple
    value: Any


def _classify(eigs: Sequence[sp.Expr]) -> str:
    signs = []
    for ev in eigs:
        if ev.is_zero:
            signs.append(0)
        elif ev.is_positive:
            signs.append(1)
        elif ev.is_negative:
            signs.append(-1)
        else:
            try:
                val = complex(ev.evalf(30))
            except TypeError:  # symbolic: undecidable
                signs.append(None)
                continue
            signs.append(0 if abs(val.real) < 1e-12 else (1 if val.real > 0 else -1))
    if 1 in signs and -1 in signs:
        return "saddle"
    if None in signs or 0 in signs:
        return "degenerate"
    return "minimum" if signs[0] == 1 else "maximum"


class CriticalPoints(Derivation):
    """A Derivation whose result lists the stationary points; iterate for the details.

    ``len()``, indexing and iteration give :class:`CriticalPoint` objects;
    ``removed`` counts the non-real solutions dropped.
    """

    __slots__ = ("points", "removed")
    points: tuple[CriticalPoint, ...]
    removed: int

    def __iter__(self):
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, i: int) -> CriticalPoint:
        return self.points[i]

    def __repr__(self) -> str:
        inner = ", ".join(f"{dict(p.point)} {p.kind}" for p in self.points)
        return f"CriticalPoints([{inner}])"

    def _make_steps(self) -> list[Step]:
        f, variables = self.source, self.wrt
        grad, hess = gradient(f, variables).result, hessian(f, variables).result
        dropped = f" (dropped {self.removed} non-real solutions)" if self.removed else ""
        out = [
            Step(grad, "gradient", lhs=grad_label(variables)),
            Step(sp.ImmutableMatrix.zeros(len(variables), 1), "set the gradient to zero", lhs=grad),
            Step(
                self.result,
                "solve for " + ", ".join(s.name for s in variables) + dropped,
                lhs=sp.Tuple(*variables),
            ),
            Step(hess, "Hessian", lhs=r"\nabla^2 f"),
        ]
        for p in self.points:
            label = ", ".join(f"{sp.latex(s)}={sp.latex(v)}" for s, v in p.point.items())
            out.append(
                Step(hess.subs(p.point), "Hessian at the point", lhs=rf"\nabla^2 f({label})")
            )
            out.append(Step(sp.Tuple(*p.eigenvalues), f"eigenvalues: {p.kind}", lhs=r"\lambda"))
        return out


def is_real_solution(sol: Mapping[sp.Symbol, sp.Expr]) -> bool:
    """Whether no value of the solution ``sol`` (Symbol -> value) is known to be non-real."""
    for v in sol.values():
        if v.is_real is False:
            return False
        if v.is_number:
            val = complex(v.evalf(30))
            if abs(val.imag) > 1e-12 * max(1.0, abs(val.real)):
                return False
    return True


def critical_points(f: Any, wrt: Any, *, budget: float = DEFAULT_BUDGET) -> CriticalPoints:
    """Stationary points of ``f`` (gradient zero), classified by the Hessian.

    Solves ``grad f = 0`` symbolically (within ``budget`` seconds), keeps the
    real solutions when the variables are real, and classifies each point by
    the signs of the Hessian's eigenvalues there: all positive -> local
    minimum, all negative -> local maximum, both signs -> saddle, otherwise
    degenerate (the second-order test does not decide).

    Raises
    ------
    NoClosedFormError
        When SymPy cannot solve the equations within the budget.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x, y = sp.symbols("x y", real=True)
    >>> cps = symml.critical_points(x**3 - 3*x + y**2, [x, y])
    >>> [(p.point, p.kind) for p in cps]
    [({x: -1, y: 0}, 'saddle'), ({x: 1, y: 0}, 'minimum')]
    >>> cps[1].eigenvalues
    (2, 6)
    """
    expr = as_scalar(f, "f")
    variables = as_wrt(wrt)
    deadline = Deadline(budget)
    try:
        grad = gradient(expr, variables, budget=budget)
        hess = hessian(expr, variables, budget=max(deadline.left(), 1e-3))
    except BudgetExceededError:
        raise _out_of_time(expr, budget) from None
    equations = list(grad.result)
    solutions, finished = deadline.run(lambda: sp.solve(equations, list(variables), dict=True))
    if not finished:
        raise _out_of_time(expr, budget)
    all_real = all(s.is_real for s in variables)
    sols = [s for s in solutions if not all_real or is_real_solution(s)]
    points = [_critical_point(expr, hess.result, variables, sol) for sol in sols]
    points.sort(key=lambda p: [sp.default_sort_key(p.point[s]) for s in variables])
    return CriticalPoints(
        sp.Tuple(*[sp.Tuple(*[p.point[s] for s in variables]) for p in points]),
        None,
        assumptions=assumptions(expr.free_symbols),
        kind="critical points",
        source=expr,
        wrt=variables,
        verifier=_critical_verdict,
        points=tuple(points),
        removed=len(solutions) - len(sols),
    )


def _out_of_time(f: sp.Expr, budget: float) -> NoClosedFormError:
    return NoClosedFormError(
        bad_argument(
            "f",
            f,
            f"SymPy could not solve grad f = 0 within {budget} s; raise budget= or "
            "find the points numerically (e.g. scipy.optimize.root on "
            "gradient(f, wrt).to_numpy())",
        )
    )


def _critical_point(
    f: sp.Expr, hess: sp.Matrix, variables: Sequence[sp.Symbol], sol: Mapping
) -> CriticalPoint:
    """The point ``sol`` (simplified), classified by the eigenvalues of the Hessian there."""
    point = {s: sp.simplify(sol.get(s, s)) for s in variables}
    H = hess.subs(point)
    eig_dict = H.eigenvals() if H.shape[0] <= 3 or H.is_symbolic() is False else {}
    eigs = tuple(
        sorted(
            (sp.simplify(ev) for ev, m in eig_dict.items() for _ in range(m)),
            key=sp.default_sort_key,
        )
    )
    if not eigs:
        vals = np.linalg.eigvalsh(np.array(H.evalf(), dtype=float))
        eigs = tuple(sp.Float(v) for v in vals)
    return CriticalPoint(point, _classify(eigs), eigs, sp.simplify(f.subs(point)))


def _critical_verdict(d: Derivation, *, tol: float = 1e-9) -> Verdict:
    """The gradient must vanish (to ``tol``) at every reported point, checked at 30 digits."""
    grad = [sp.diff(d.source, s) for s in d.wrt]
    for p in d.points:  # type: ignore[attr-defined]
        for g, s in zip(grad, d.wrt, strict=True):
            value = g.subs(p.point)
            if value.free_symbols:
                continue
            val = complex(value.evalf(30))
            if abs(val) > tol:
                return Verdict(
                    False,
                    "numeric",
                    claimed=d.result,
                    counterexample=dict(p.point),
                    claimed_value=val,
                    expected_value=0,
                    notes=(f"d f / d {s} is not zero there",),
                    points=1,
                )
    return Verdict(
        True,
        "numeric",
        claimed=d.result,
        notes=("the gradient vanishes at every point",),
        points=len(d.points),  # type: ignore[attr-defined]
    )
