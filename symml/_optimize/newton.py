r"""Newton's method ``w - H^{-1} ∇f``: the rule and a run (one step suffices on a quadratic).

=========================  ================================================================
function                   result
=========================  ================================================================
``newton``                 a :class:`~symml.OptimizationRun` (a ``NewtonRun``, which also
                           keeps the Hessian Derivation) of ``w_{t+1} = w_t - H^{-1} ∇f``
=========================  ================================================================

Examples
--------
>>> import sympy as sp, symml
>>> x = sp.Symbol("x", real=True)
>>> symml.newton((x - 3)**2, [x], start=[0.0], iterations=2).iterates.ravel()
array([0., 3., 3.])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from .._core import DEFAULT_BUDGET, Step, renamed_keywords
from .runs import NewtonRun, OptimizationRun, Problem, Update, as_objective

__all__ = ["newton"]


@renamed_keywords(steps="iterations")
def newton(
    f: Any,
    wrt: Any,
    start: Any,
    iterations: int = 10,
    *,
    data: Mapping | None = None,
    budget: float = DEFAULT_BUDGET,
) -> OptimizationRun:
    r"""Newton's method ``w_{t+1} = w_t - H(w_t)^{-1} ∇f(w_t)``: the rule and a run.

    Each step jumps to the stationary point of the local quadratic model
    ``f + ∇f^T d + d^T H d / 2``. On a quadratic that model is ``f`` itself,
    so one step lands on the stationary point from anywhere: the symbolic
    update then does not depend on ``w`` (the steps say so). The run solves
    ``H d = ∇f`` with ``numpy.linalg.solve`` at each step, never forming
    ``H^{-1}``; a singular Hessian stops it (see ``.notes``).

    Parameters
    ----------
    iterations : int
        Number of Newton steps (default 10).
    budget : float
        Seconds for the symbolic work: the gradient, the Hessian and solving
        the update symbolically (up to 3 variables; past the budget, and with
        array ``data``, ``.result`` keeps ``H^{-1}`` unevaluated).

    Other parameters are those of :func:`gradient_descent` (there is no ``lr``).

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import newton
    >>> x, y = sp.symbols("x y", real=True)
    >>> run = newton(x**2 + x*y + 2*y**2 - 3*x, [x, y], start=[10.0, -4.0], iterations=2)
    >>> run.result                               # independent of (x, y): one step suffices
    Matrix([
    [12/7],
    [-3/7]])
    >>> run.iterates[1].round(12)
    array([ 1.71428571, -0.42857143])
    """
    p = Problem(as_objective(f), wrt, start, iterations, data, budget, second=True)
    assert p.hess is not None

    def newton_step(lr: None, notes: list[str]) -> Update:
        def update(t: int, w: np.ndarray, g: np.ndarray) -> np.ndarray | None:
            H = p.numeric.hess(w)  # (n, n) for every n, one variable included
            try:
                if not np.all(np.isfinite(H)):
                    raise np.linalg.LinAlgError("non-finite Hessian")
                return w - np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                notes.append(f"the Hessian is singular at step {t}: stopped")
                return None

        return update

    p.run(newton_step, None)
    n = len(p.variables)
    rule = _newton_rule(p)
    why = "Newton step: jump to the stationary point of the local quadratic model"
    general = sp.MatAdd(
        sp.ImmutableMatrix(p.variables),
        -sp.MatMul(sp.Inverse(sp.MatrixSymbol("H", n, n)), sp.MatrixSymbol("g", n, 1)),
    )
    steps = [
        *p.objective_steps(),
        Step(
            p.hess.result,
            "the Hessian (symml.hessian)",
            lhs=p.gradient_label.replace(r"\nabla", r"\nabla^2"),
        ),
        Step(general, why, lhs=r"\mathbf{w}_{t+1}"),
    ]
    if isinstance(rule, sp.MatrixBase):
        why = "solve H d = g and subtract"
        if not (rule.free_symbols & set(p.variables)):
            why += ": independent of w, so one step reaches the stationary point (a quadratic)"
        steps.append(Step(rule, why, lhs=r"\mathbf{w}_{t+1}"))
    return p.finish(NewtonRun, rule, steps, method="Newton", lr=None, hessian=p.hess)


def _newton_rule(p: Problem) -> Any:
    """``w - H^{-1} g`` solved within the budget (up to 3 variables), else unevaluated."""
    assert p.hess is not None
    g = p.mean(p.grad.result)
    H = p.mean(p.hess.result)
    wv = sp.ImmutableMatrix(p.variables)
    if len(p.variables) <= 3 and p.data.n is None:

        def solve() -> sp.ImmutableMatrix:
            step = H.LUsolve(g)
            return sp.ImmutableMatrix([sp.cancel(sp.together(e)) for e in wv - step])

        rule, finished = p.deadline.run(solve)
        if finished and rule is not None and not rule.has(sp.zoo, sp.nan):
            return rule
    return sp.MatAdd(wv, -sp.MatMul(sp.Inverse(H), g))
