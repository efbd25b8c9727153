r"""The learning-rate bound: gradient descent on a quadratic converges iff ``0 < η < 2/λ_max``.

=========================  ================================================================
function                   result
=========================  ================================================================
``learning_rate_bound``    ``2 / λ_max`` (λ the Hessian's eigenvalues) as a Derivation,
                           with the eigenvalues and the optimal constant step
=========================  ================================================================

Examples
--------
>>> import sympy as sp, symml
>>> x = sp.Symbol("x", real=True)
>>> symml.learning_rate_bound((x - 3)**2, [x]).result
1
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .._calculus import as_point, as_wrt, hessian
from .._core import (
    DEFAULT_BUDGET,
    ArgumentError,
    Deadline,
    Derivation,
    Step,
    Verdict,
    bad_argument,
)
from .runs import as_objective, fresh_symbol

__all__ = ["LearningRateBound", "learning_rate_bound"]


class LearningRateBound(Derivation):
    """``2 / λ_max`` (``.result``): gradient descent converges iff ``0 < η < 2/λ_max``.

    Attributes
    ----------
    eigenvalues : tuple
        Of the Hessian, largest first.
    optimal_lr : sympy number
        ``2 / (λ_max + λ_min)``, the constant step with the fastest worst-case
        contraction (when ``λ_min > 0``), else None.
    """

    __slots__ = ("eigenvalues", "optimal_lr")


def learning_rate_bound(
    f: Any, wrt: Any, *, at: Any = None, budget: float = DEFAULT_BUDGET
) -> LearningRateBound:
    r"""The largest step size for which gradient descent on a quadratic converges.

    On a quadratic with Hessian ``H`` and minimiser ``w*``, the error
    ``e_t = w_t - w*`` obeys ``e_{t+1} = (I - η H) e_t``; along an eigenvector of
    ``H`` with eigenvalue ``λ`` it is multiplied by ``1 - η λ`` each step, so the
    iteration converges from every start iff ``|1 - η λ_i| < 1`` for all ``i``:
    ``0 < η < 2 / λ_max``. Beyond it, the component along the top eigenvector
    grows geometrically.

    Parameters
    ----------
    f : sympy expression
        A quadratic in ``wrt`` whose Hessian is positive definite (or, with
        ``at``, any twice-differentiable function: the bound then holds near
        that point).
    wrt : sequence of Symbols
    at : dict Symbol -> number, optional
        Evaluate the Hessian there.
    budget : float
        Seconds for the exact eigenvalues (up to 4 variables); past it, and
        for more variables, they are computed numerically (``numpy.linalg.eigvalsh``).

    Raises
    ------
    ArgumentError
        The Hessian depends on the variables (and no ``at`` was given), or
        has no positive eigenvalue.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import learning_rate_bound
    >>> x, y = sp.symbols("x y", real=True)
    >>> b = learning_rate_bound(x**2 + 5*y**2, [x, y])
    >>> b.result, b.eigenvalues
    (1/5, (10, 2))
    """
    deadline = Deadline(budget)
    expr = as_objective(f)
    variables = as_wrt(wrt)
    H = _constant_hessian(expr, variables, at)
    values = _eigenvalues_largest_first(H, deadline)
    lam_max, lam_min = values[0], values[-1]
    if not float(lam_max) > 0:
        raise ArgumentError(
            bad_argument(
                "f",
                expr,
                "the Hessian has no positive eigenvalue: f has no minimum, and gradient descent "
                "does not converge for any step size",
            )
        )
    bound = sp.radsimp(2 / lam_max)
    eta = fresh_symbol("eta", expr.free_symbols, positive=True)
    where = " at the point" if at is not None else " (constant: f is quadratic)"
    steps = [
        Step(H, "the Hessian" + where, lhs=r"\nabla^2 f"),
        Step(sp.Tuple(*values), "its eigenvalues, largest first", lhs=r"\lambda"),
        Step(
            sp.ImmutableMatrix(sp.eye(H.rows) - eta * H),
            "the error e_t = w_t - w* obeys e_(t+1) = (I - eta H) e_t",
            lhs=r"I - \eta \nabla^2 f",
        ),
        Step(
            sp.Tuple(*[1 - eta * v for v in values]),
            "its eigenvalues: each step multiplies the error along eigenvector i "
            "by 1 - eta lambda_i",
            lhs=r"1 - \eta \lambda",
        ),
        Step(
            bound,
            "convergence iff |1 - eta lambda_i| < 1 for all i, i.e. 0 < eta < 2 / lambda_max",
            lhs=r"\eta_{\max}",
        ),
    ]
    return LearningRateBound(
        bound,
        steps,
        kind="learning-rate bound",
        source=expr,
        wrt=variables,
        verifier=_bound_verdict,
        eigenvalues=tuple(values),
        optimal_lr=sp.radsimp(2 / (lam_max + lam_min)) if float(lam_min) > 0 else None,
    )


def _constant_hessian(expr: sp.Expr, variables: tuple[sp.Symbol, ...], at: Any) -> sp.Matrix:
    """The Hessian (at ``at``), which must hold numbers only."""
    H = hessian(expr, variables).result
    if at is not None:
        H = sp.ImmutableMatrix(H.subs(as_point(at, variables)))
    depends = sorted(str(s) for s in H.free_symbols & set(variables))
    if depends:
        raise ArgumentError(
            bad_argument(
                "f",
                expr,
                f"f is not quadratic in wrt (its Hessian depends on {', '.join(depends)}); "
                "pass at={...} for the bound near a point",
            )
        )
    if H.free_symbols:
        raise ArgumentError(
            bad_argument(
                "f",
                expr,
                f"the Hessian has symbols {sorted(map(str, H.free_symbols))}; substitute numbers",
            )
        )
    return H


def _eigenvalues_largest_first(H: sp.Matrix, deadline: Deadline) -> list[sp.Expr]:
    """Exact eigenvalues (up to 4 x 4, within the budget), else numeric ones."""
    if H.rows <= 4:

        def exact() -> list[sp.Expr]:
            eig = H.eigenvals()
            values = [
                sp.nsimplify(v) if v.is_number else v for v, m in eig.items() for _ in range(m)
            ]
            return sorted(values, key=lambda v: -float(v.evalf(30)))

        values, finished = deadline.run(exact)
        if finished and values is not None:
            return values
    numeric = np.linalg.eigvalsh(np.array(H, dtype=float))
    return [sp.Float(v) for v in np.sort(numeric)[::-1]]


def _bound_verdict(d: LearningRateBound) -> Verdict:
    """Run gradient descent just below and just above the bound on the quadratic model."""
    lam = np.array([float(v) for v in d.eigenvalues], dtype=float)
    bound = float(d.result)
    below = np.max(np.abs(1 - 0.99 * bound * lam))
    above = np.max(np.abs(1 - 1.01 * bound * lam))
    return Verdict(
        bool(below < 1 < above),
        "numeric",
        claimed=d.result,
        notes=(
            f"contraction factor max|1 - eta lambda_i| is {below:.4g} at 0.99 x bound and "
            f"{above:.4g} at 1.01 x bound",
        ),
        points=2,
    )
