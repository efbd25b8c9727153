r"""First-order methods: gradient descent, momentum and stochastic gradient descent.

=========================  ================================================================
function                   result
=========================  ================================================================
``gradient_descent``       the update ``w - η ∇f`` as a Derivation, plus the numeric run
``momentum``               heavy-ball updates ``v <- β v + ∇f``, ``w <- w - η v``, and the run
``sgd``                    the same as gradient descent with the gradient of randomly drawn
                           examples (seeded)
=========================  ================================================================

Each returns an :class:`~symml.OptimizationRun` (see :mod:`symml._optimize.runs`).

Examples
--------
>>> import sympy as sp, symml
>>> x, y = sp.symbols("x y", real=True)
>>> f = (x - 1)**2 + 10*(y + 2)**2
>>> run = symml.gradient_descent(f, [x, y], start=[0.0, 0.0], lr=0.05, iterations=200)
>>> run.result
Matrix([
[ -eta*(2*x - 2) + x],
[-eta*(20*y + 40) + y]])
>>> run.iterates.shape, run.iterates[-1].round(6)
((201, 2), array([ 1., -2.]))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._calculus import gradient
from .._codegen import to_numpy
from .._core import DEFAULT_BUDGET, ArgumentError, Step, bad_argument, renamed_keywords
from .runs import OptimizationRun, Problem, Update, as_objective, check_lr

__all__ = ["gradient_descent", "momentum", "sgd"]


@renamed_keywords(steps="iterations")
def gradient_descent(
    f: Any,
    wrt: Any,
    start: Any,
    lr: float,
    iterations: int,
    *,
    data: Mapping | None = None,
    budget: float = DEFAULT_BUDGET,
) -> OptimizationRun:
    r"""Gradient descent ``w_{t+1} = w_t - η ∇f(w_t)``: the rule and a run of it.

    Parameters
    ----------
    f : sympy expression
        The objective (or, with array ``data``, the loss on one example).
    wrt : sequence of Symbols
        The variables ``w``.
    start : sequence of numbers (one per variable) or dict Symbol -> number
    lr : float
        The step size ``η > 0``.
    iterations : int
        Number of updates.
    data : dict Symbol -> number or 1-D array, optional
        Values of the other symbols of ``f``; with arrays the objective is
        the mean of ``f`` over the examples.
    budget : float
        Seconds for the symbolic work (deriving the gradient), default
        ``symml.DEFAULT_BUDGET``; past it a :class:`~symml.BudgetExceededError`.

    Returns
    -------
    OptimizationRun
        ``.result`` is the update rule (a column in ``wrt`` and ``eta``);
        ``.iterates``, ``.losses``, ``.grad_norms`` the run. On a quadratic
        with Hessian eigenvalues ``λ_i > 0`` the run converges iff
        ``lr < 2 / max λ_i`` (see :func:`learning_rate_bound`).

    Raises
    ------
    ArgumentError
        ``lr`` is not a positive number; ``iterations`` is not a non-negative
        integer; ``data`` misses a symbol of ``f``.
    ShapeError
        ``start`` does not have one value per variable.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import gradient_descent
    >>> w = sp.Symbol("w", real=True)
    >>> run = gradient_descent((w - 3)**2, [w], start=[0.0], lr=0.25, iterations=3)
    >>> run.iterates.ravel()
    array([0.   , 1.5  , 2.25 , 2.625])
    >>> run.losses
    array([9.      , 2.25    , 0.5625  , 0.140625])
    >>> run.steps[-1].why
    'update: a step of size eta against the gradient'
    """
    expr = as_objective(f)
    eta_value = check_lr(lr)
    p = Problem(expr, wrt, start, iterations, data, budget)
    p.run(lambda lr, notes: lambda t, w, g: w - lr * g, eta_value)
    eta = p.symbol("eta", positive=True)
    rule = sp.ImmutableMatrix(sp.Matrix(p.variables) - eta * p.mean(p.grad.result))
    steps = [
        *p.objective_steps(),
        Step(rule, "update: a step of size eta against the gradient", lhs=r"\mathbf{w}_{t+1}"),
    ]
    return p.finish(OptimizationRun, rule, steps, method="gradient descent", lr=eta_value)


@renamed_keywords(steps="iterations")
def momentum(
    f: Any,
    wrt: Any,
    start: Any,
    lr: float,
    iterations: int,
    *,
    beta: float = 0.9,
    data: Mapping | None = None,
    budget: float = DEFAULT_BUDGET,
) -> OptimizationRun:
    r"""Gradient descent with (heavy-ball) momentum, as a rule and a run.

    ``v_{t+1} = β v_t + ∇f(w_t)``, ``w_{t+1} = w_t - η v_{t+1}``, from
    ``v_0 = 0``. The velocity is a decaying sum of past gradients, so steps
    grow along directions where gradients agree and cancel where they
    oscillate. ``.result`` stacks both updates: the new ``w`` on top of the
    new velocity.

    Parameters
    ----------
    beta : float
        The momentum coefficient, ``0 <= β < 1``.

    Other parameters, the returns and the errors are those of
    :func:`gradient_descent`; ``lr`` and ``beta`` are checked too.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import momentum
    >>> x, y = sp.symbols("x y", real=True)
    >>> run = momentum(x**2 + 25*y**2, [x, y], start=[1.0, 1.0], lr=0.02, iterations=150, beta=0.8)
    >>> bool(run.converged), run.result.shape
    (True, (4, 1))
    """
    expr = as_objective(f)
    eta_value = check_lr(lr)
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 <= beta < 1:
        raise ArgumentError(bad_argument("beta", beta, "use a momentum coefficient 0 <= beta < 1"))
    p = Problem(expr, wrt, start, iterations, data, budget)

    def heavy_ball(lr: float, notes: list[str]) -> Update:
        velocity = np.zeros(len(p.variables))

        def update(t: int, w: np.ndarray, g: np.ndarray) -> np.ndarray:
            nonlocal velocity
            velocity = beta * velocity + g
            return w - lr * velocity

        return update

    p.run(heavy_ball, eta_value)
    eta = p.symbol("eta", positive=True)
    b = p.symbol("beta", nonnegative=True)
    vel = sp.Matrix([sp.Symbol(f"v_{{{s.name}}}", real=True) for s in p.variables])
    v_new = sp.ImmutableMatrix(b * vel + p.mean(p.grad.result))
    w_new = sp.ImmutableMatrix(sp.Matrix(p.variables) - eta * v_new)
    rule = sp.ImmutableMatrix.vstack(w_new, v_new)
    steps = [
        *p.objective_steps(),
        Step(
            v_new,
            "velocity: beta times the old velocity plus the gradient",
            lhs=r"\mathbf{v}_{t+1}",
        ),
        Step(w_new, "update: a step of size eta along the velocity", lhs=r"\mathbf{w}_{t+1}"),
        Step(rule, "the state (w, v) after one step", lhs=r"(\mathbf{w}, \mathbf{v})_{t+1}"),
    ]
    return p.finish(OptimizationRun, rule, steps, method="momentum", lr=eta_value)


@renamed_keywords(steps="iterations")
def sgd(
    f: Any,
    wrt: Any,
    start: Any,
    lr: float,
    iterations: int,
    *,
    data: Mapping | None = None,
    batch_size: int = 1,
    seed: int = 0,
    budget: float = DEFAULT_BUDGET,
) -> OptimizationRun:
    r"""Stochastic gradient descent on a mean of per-example losses, seeded.

    The objective is ``F(w) = (1/N) Σ_i ℓ_i(w)``. Each step draws a
    mini-batch ``B`` of ``batch_size`` examples uniformly without
    replacement (``numpy.random.default_rng(seed)``) and moves against its
    average gradient, an unbiased estimate of ``∇F``:
    ``w_{t+1} = w_t - η (1/|B|) Σ_{i in B} ∇ℓ_i(w_t)``.

    Parameters
    ----------
    f : sympy expression, or a list of expressions
        The loss on one example in terms of the data symbols (give their
        arrays in ``data``), or the list of per-example losses ``ℓ_i``.
    data : dict Symbol -> 1-D array (or scalar)
        The examples. Required when ``f`` is one expression.
    batch_size : int
        Examples per step, ``1 <= batch_size <= N``.
    seed : int
        Seed of the draws: the same seed gives the same run.

    Other parameters are those of :func:`gradient_descent`.

    Returns
    -------
    OptimizationRun
        ``.result``: the update on one example (a column; for a list of
        losses, column ``i`` is the update on example ``i``). ``.losses``
        and ``.grad_norms`` are those of the full objective.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from symml import sgd
    >>> w, x, y = sp.symbols("w x y", real=True)
    >>> rng = np.random.default_rng(0)
    >>> xs = rng.normal(size=100)
    >>> ys = 2 * xs
    >>> run = sgd((w*x - y)**2, [w], start=[0.0], lr=0.05, iterations=300, data={x: xs, y: ys})
    >>> round(float(run.final[0]), 6)
    2.0
    """
    eta_value = check_lr(lr)
    if isinstance(f, (list, tuple)):
        p, G, batch_grad = _per_example_problem(f, wrt, start, iterations, data, budget)
        n_examples = G.cols
    else:
        p = Problem(as_objective(f), wrt, start, iterations, data, budget)
        if p.data.n is None:
            raise ArgumentError(
                bad_argument(
                    "data",
                    data,
                    "SGD needs examples: give 1-D arrays for the data symbols of f, "
                    "e.g. data={x: xs, y: ys}, or pass f as a list of per-example losses",
                )
            )
        G, n_examples = None, p.data.n

        def batch_grad(w: np.ndarray, batch: np.ndarray) -> np.ndarray:
            return p.numeric.grad(w, p.data.take(batch))

    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or not 1 <= batch_size <= n_examples
    ):
        raise ArgumentError(
            bad_argument("batch_size", batch_size, f"use an integer from 1 to {n_examples}")
        )

    def stochastic(lr: float, notes: list[str]) -> Update:
        rng = np.random.default_rng(seed)  # each run (and rerun) draws the same batches

        def update(t: int, w: np.ndarray, g: np.ndarray) -> np.ndarray:
            return w - lr * batch_grad(w, rng.choice(n_examples, size=batch_size, replace=False))

        return update

    p.run(stochastic, eta_value)
    rule, steps = _sgd_rule(p, G, batch_size)
    return p.finish(OptimizationRun, rule, steps, method="SGD", lr=eta_value)


BatchGradient = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _per_example_problem(
    f: Sequence[Any], wrt: Any, start: Any, iterations: Any, data: Any, budget: float
) -> tuple[Problem, sp.ImmutableMatrix, BatchGradient]:
    """SGD over a list of losses: the problem, the per-example gradients as columns."""
    if not f:
        raise ArgumentError(bad_argument("f", f, "give at least one per-example loss"))
    losses = [as_objective(e) for e in f]
    p = Problem(sp.Add(*losses) / len(losses), wrt, start, iterations, data, budget, parts=losses)
    if p.data.n is not None:
        raise ArgumentError(
            bad_argument("data", data, "with a list of losses, data may hold scalars only")
        )
    columns = [p.derive(gradient, e, "the gradient").result for e in losses]
    G = sp.ImmutableMatrix.hstack(*columns)  # n x N: column i is the gradient of l_i
    G_fn = to_numpy(G, [*p.variables, *p.data.symbols], name="example_gradients")

    def batch_grad(w: np.ndarray, batch: np.ndarray) -> np.ndarray:
        values = np.asarray(G_fn(*w, *p.data.values), dtype=float)
        return values.reshape(G.shape)[:, batch].mean(axis=1)

    return p, G, batch_grad


def _sgd_rule(
    p: Problem, G: sp.ImmutableMatrix | None, batch_size: int
) -> tuple[sp.ImmutableMatrix, list[Step]]:
    """The update on one example (a column, or one column per listed loss) and its steps."""
    eta = p.symbol("eta", positive=True)
    wv = sp.Matrix(p.variables)
    batch_words = "one example" if batch_size == 1 else f"a batch of {batch_size} examples"
    if G is None:
        rule = sp.ImmutableMatrix(wv - eta * p.grad.result)
        return rule, [
            *p.objective_steps(gradient_why="the gradient on one example (symml.gradient)"),
            Step(
                rule,
                f"update with {batch_words} drawn at random "
                "(an unbiased estimate of the full gradient)",
                lhs=r"\mathbf{w}_{t+1}",
            ),
        ]
    n_examples = G.cols
    i = sp.Symbol("i", integer=True, positive=True)
    ell = sp.IndexedBase(r"\ell")
    rule = sp.ImmutableMatrix.hstack(
        *[sp.ImmutableMatrix(wv - eta * G[:, k]) for k in range(n_examples)]
    )
    args = ", ".join(sp.latex(s) for s in p.variables)
    return rule, [
        Step(
            sp.Sum(ell[i], (i, 1, n_examples)) / n_examples,
            f"the objective: the mean of {n_examples} per-example losses",
            lhs=f"F({args})",
        ),
        Step(G, "the per-example gradients as columns", lhs=r"\nabla \ell_i"),
        Step(
            rule,
            f"update on example i (column i), drawn at random: {batch_words} per step",
            lhs=r"\mathbf{w}_{t+1}",
        ),
    ]
