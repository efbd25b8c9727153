r"""Optimisation with steps: gradient descent, SGD, momentum, Newton's method,
the learning-rate bound on quadratics and Lagrange multipliers.

=========================  ================================================================
function                   result
=========================  ================================================================
``gradient_descent``       the update ``w - η ∇f`` as a Derivation, plus the numeric run
``sgd``                    the same with the gradient of randomly drawn examples (seeded)
``momentum``               heavy-ball updates ``v <- β v + ∇f``, ``w <- w - η v``, and the run
``newton``                 ``w - H^{-1} ∇f`` (one step suffices on a quadratic), and the run
``learning_rate_bound``    ``2 / λ_max``: gradient descent on a quadratic converges iff
                           ``0 < η < 2 / λ_max`` (λ the Hessian's eigenvalues)
``lagrange``               stationary points of the Lagrangian ``f - Σ λ_i g_i`` under
                           equality constraints ``g_i = 0``, multipliers included
=========================  ================================================================

The four methods return an :class:`OptimizationRun`: a Derivation whose
``.result`` is the symbolic update rule (with the step size ``eta`` as a
symbol) and whose ``.iterates`` (shape ``(iterations + 1, len(wrt))``),
``.losses`` and ``.grad_norms`` record the numeric run. The run evaluates
NumPy code generated once by :func:`symml.to_numpy` from the symbolic
gradient (and Hessian); nothing is differentiated numerically.

``data`` gives values to the other symbols of ``f``: scalars, or arrays of
one value per example, in which case the objective is the *mean* of ``f``
over the examples (full-batch for gradient descent, momentum and Newton, a
random mini-batch per step for SGD).

Examples
--------
>>> import numpy as np, sympy as sp
>>> from symml._optimize.methods import gradient_descent, newton
>>> x, y = sp.symbols("x y", real=True)
>>> f = (x - 1)**2 + 10*(y + 2)**2
>>> run = gradient_descent(f, [x, y], start=[0.0, 0.0], lr=0.05, iterations=200)
>>> run.result
Matrix([
[ -eta*(2*x - 2) + x],
[-eta*(20*y + 40) + y]])
>>> run.iterates.shape, run.iterates[-1].round(6)
((201, 2), array([ 1., -2.]))
>>> newton(f, [x, y], start=[5.0, 5.0], iterations=1).iterates[1]   # one step on a quadratic
array([ 1., -2.])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._calculus import as_scalar as _as_scalar
from .._calculus import as_wrt as _as_wrt
from .._calculus import gradient, hessian
from .._core import (
    ArgumentError,
    Derivation,
    NoClosedFormError,
    ShapeError,
    Step,
    Verdict,
    as_sympy,
    bad_argument,
    renamed_keywords,
    run_with_budget,
)

__all__ = [
    "LagrangePoints",
    "LearningRateBound",
    "OptimizationRun",
    "gradient_descent",
    "lagrange",
    "learning_rate_bound",
    "momentum",
    "newton",
    "sgd",
]


# --------------------------------------------------------------------------
# The result type
# --------------------------------------------------------------------------


class OptimizationRun(Derivation):
    """A symbolic update rule (``.result``) with a numeric run of it.

    Attributes
    ----------
    method : str
        ``"gradient descent"``, ``"SGD"``, ``"momentum"`` or ``"Newton"``.
    iterates : ndarray, shape (iterations + 1, len(wrt))
        ``iterates[0]`` is the start; row ``t`` the point after ``t`` updates.
        Rows after a divergence (non-finite values) are ``nan``.
    losses : ndarray, shape (iterations + 1,)
        The objective at each iterate (for SGD the full objective, the
        mean over all examples).
    grad_norms : ndarray, shape (iterations + 1,)
        Euclidean norm of the full gradient at each iterate.
    lr : float or None
        The step size (None for Newton).
    iterations : int
        The number of updates asked for (``iterates`` has ``iterations + 1`` rows).
    diverged : bool
        The run reached non-finite values, or its gradient norm grew more
        than 1000-fold.
    converged : bool
        The final gradient norm is below ``1e-6 * max(1, initial norm)``.
    gradient : Derivation
        The symbolic gradient the run used (per example when ``data`` has arrays).
    notes : tuple of str
        What happened (a singular Hessian, a divergence, ...).
    """

    __slots__ = (
        "diverged",
        "grad_norms",
        "gradient",
        "iterates",
        "iterations",
        "losses",
        "lr",
        "method",
        "notes",
    )

    @property
    def final(self) -> np.ndarray:
        """The last iterate (``iterates[-1]``)."""
        return self.iterates[-1]

    @property
    def converged(self) -> bool:
        """Whether the final gradient norm is below ``1e-6 * max(1, initial norm)``."""
        last = self.grad_norms[-1]
        return bool(np.isfinite(last) and last <= 1e-6 * max(1.0, self.grad_norms[0]))

    def __repr__(self) -> str:
        return (
            f"OptimizationRun({self.method}: {self.iterations} iterations, "
            f"final {np.array2string(self.final, precision=6)}, loss {self.losses[-1]:.6g})"
        )


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------


def _check_lr(lr: Any, name: str = "lr") -> float:
    fix = "the learning rate must be a positive number, e.g. lr=0.1"
    if isinstance(lr, (bool, str, bytes)):
        raise ArgumentError(bad_argument(name, lr, fix))
    try:
        value = float(lr)
    except (TypeError, ValueError):
        raise ArgumentError(bad_argument(name, lr, fix)) from None
    if not np.isfinite(value) or value <= 0:
        raise ArgumentError(bad_argument(name, lr, fix))
    return value


def _check_iterations(iterations: Any) -> int:
    if (
        isinstance(iterations, bool)
        or not isinstance(iterations, (int, np.integer))
        or iterations < 0
    ):
        raise ArgumentError(
            bad_argument(
                "iterations", iterations, "use a non-negative integer, e.g. iterations=100"
            )
        )
    return int(iterations)


def _start(start: Any, variables: Sequence[sp.Symbol]) -> np.ndarray:
    n = len(variables)
    if isinstance(start, Mapping):
        missing = [s.name for s in variables if s not in start]
        extra = [str(k) for k in start if k not in variables]
        if missing or extra:
            fix = (
                f"give a value for {', '.join(missing)}"
                if missing
                else f"{', '.join(extra)} is not in wrt"
            )
            raise ArgumentError(bad_argument("start", start, fix + " (a dict Symbol -> number)"))
        values: Any = [start[s] for s in variables]
    else:
        values = start
    try:
        arr = np.array(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ArgumentError(
            bad_argument("start", start, f"give {n} numbers, one per variable in wrt")
        ) from None
    if arr.shape != (n,):
        raise ShapeError(
            bad_argument(
                "start",
                start,
                f"expected {n} values (one per variable in wrt: "
                f"{', '.join(s.name for s in variables)}), got {arr.size}",
            )
        )
    if not np.all(np.isfinite(arr)):
        raise ArgumentError(bad_argument("start", start, "use finite numbers"))
    return arr


class _Data:
    """The other symbols' values: scalars, or arrays of one value per example."""

    def __init__(self, exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol], data: Any) -> None:
        free: set[sp.Basic] = set().union(*(e.free_symbols for e in exprs)) - set(variables)
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ArgumentError(
                bad_argument(
                    "data", data, "pass a dict Symbol -> value or array, e.g. data={x: xs}"
                )
            )
        for key in data:
            if not isinstance(key, sp.Symbol):
                raise ArgumentError(bad_argument("data", data, f"key {key!r} is not a Symbol"))
            if key in variables:
                raise ArgumentError(
                    bad_argument("data", data, f"{key} is a variable in wrt; remove it from data")
                )
            if key not in free:
                raise ArgumentError(
                    bad_argument("data", data, f"f does not depend on {key}; remove it")
                )
        missing = sorted(free - set(data), key=lambda s: s.name)
        if missing:
            example = ", ".join(f"{s}: ..." for s in missing)
            raise ArgumentError(
                bad_argument(
                    "data",
                    data,
                    f"f also depends on {', '.join(map(str, missing))}; give their values, "
                    f"e.g. data={{{example}}}",
                )
            )
        self.symbols = sorted(data, key=lambda s: s.name)
        self.values: list[np.ndarray] = []
        lengths = set()
        for s in self.symbols:
            try:
                arr = np.asarray(data[s], dtype=float)
            except (TypeError, ValueError):
                raise ArgumentError(
                    bad_argument("data", data, f"the values of {s} are not numbers")
                ) from None
            if arr.ndim > 1:
                raise ShapeError(
                    bad_argument("data", data, f"{s}: give a scalar or a 1-D array of examples")
                )
            if arr.ndim == 1:
                lengths.add(arr.shape[0])
            self.values.append(arr)
        if len(lengths) > 1:
            raise ShapeError(
                bad_argument("data", data, f"the arrays have different lengths {sorted(lengths)}")
            )
        self.n = lengths.pop() if lengths else None
        if self.n == 0:
            raise ShapeError(bad_argument("data", data, "the arrays are empty"))

    def take(self, index: np.ndarray) -> list[np.ndarray]:
        return [v[index] if v.ndim == 1 else v for v in self.values]


def _fresh(name: str, taken: set[sp.Basic], **assumptions: Any) -> sp.Symbol:
    names = {getattr(s, "name", None) for s in taken}
    return sp.Dummy(name, **assumptions) if name in names else sp.Symbol(name, **assumptions)


class _Numeric:
    """Loss, gradient (and Hessian) as NumPy functions, generated once by to_numpy."""

    def __init__(
        self,
        expr: sp.Expr,
        grad: sp.MatrixBase,
        variables: Sequence[sp.Symbol],
        data: _Data,
        hess: sp.MatrixBase | None = None,
    ) -> None:
        from .._codegen import to_numpy

        args = [*variables, *data.symbols]
        self.data = data
        self._loss = to_numpy(expr, args, name="loss")
        self.n = len(variables)
        self._grad = to_numpy(grad, args, name="grad")
        self._hess = to_numpy(hess, args, name="hessian") if hess is not None else None

    @staticmethod
    def _mean(value: Any, shape: tuple[int, ...]) -> np.ndarray:
        """``value`` as ``shape`` (the mathematical object), averaged over the examples.

        Generated arrays have the object's shape first, then the batch shape
        (brief rule 9); reshaping to ``(*shape, -1)`` also holds a 1 x 1
        Hessian as ``(1, 1)``, whatever shape the generator gives a 1 x 1 result.
        """
        arr = np.asarray(value, dtype=float)
        return arr.reshape((*shape, -1)).mean(axis=-1)

    def loss(self, w: np.ndarray, values: list[np.ndarray] | None = None) -> float:
        vals = self.data.values if values is None else values
        return float(self._mean(self._loss(*w, *vals), ()))

    def grad(self, w: np.ndarray, values: list[np.ndarray] | None = None) -> np.ndarray:
        vals = self.data.values if values is None else values
        return self._mean(self._grad(*w, *vals), (self.n,))

    def hess(self, w: np.ndarray) -> np.ndarray:
        assert self._hess is not None
        return self._mean(self._hess(*w, *self.data.values), (self.n, self.n))


class _Recorder:
    def __init__(self, w0: np.ndarray, iterations: int, numeric: _Numeric) -> None:
        n = w0.shape[0]
        self.iterates = np.full((iterations + 1, n), np.nan)
        self.losses = np.full(iterations + 1, np.nan)
        self.grad_norms = np.full(iterations + 1, np.nan)
        self.numeric = numeric
        self.notes: list[str] = []
        self.stopped = False  # the run ended early
        self.blew_up = False  # ... because its values stopped being finite

    def record(self, t: int, w: np.ndarray) -> np.ndarray | None:
        """Store the iterate; return its full gradient, or None when not finite."""
        with np.errstate(all="ignore"):
            g = self.numeric.grad(w) if np.all(np.isfinite(w)) else np.full_like(w, np.nan)
            loss = self.numeric.loss(w) if np.all(np.isfinite(w)) else np.nan
            norm = float(np.linalg.norm(g))
        if not (np.all(np.isfinite(w)) and np.isfinite(loss) and np.isfinite(norm)):
            self.notes.append(f"values stopped being finite at step {t}: diverged")
            self.stopped = self.blew_up = True
            return None
        self.iterates[t] = w
        self.losses[t] = loss
        self.grad_norms[t] = norm
        return g

    def diverged(self) -> bool:
        if self.blew_up:
            return True
        finite = self.grad_norms[np.isfinite(self.grad_norms)]
        return bool(finite.size and finite[-1] > 1e3 * max(finite[0], 1e-12))


def _objective_steps(
    expr: sp.Expr, variables: Sequence[sp.Symbol], data: _Data
) -> tuple[list[Step], str]:
    """The objective (a mean over examples when data has arrays) and the gradient label."""
    args = ", ".join(sp.latex(s) for s in variables)
    arrays = [s for s, v in zip(data.symbols, data.values, strict=True) if v.ndim == 1]
    if not arrays:
        return [Step(expr, "the objective", lhs=f"f({args})")], r"\nabla f"
    i = sp.Symbol("i", integer=True, positive=True)
    indexed = {s: sp.IndexedBase(s.name)[i] for s in arrays}
    mean = sp.Sum(expr.xreplace(indexed), (i, 1, data.n)) / data.n
    return [
        Step(expr, "the loss on one example", lhs=rf"\ell({args})"),
        Step(mean, f"the objective: the mean over the {data.n} examples", lhs=f"f({args})"),
    ], r"\nabla \ell"


def _grad_verifier(d: Derivation, **options: Any) -> Verdict:
    verdicts = [d.gradient.verify(**options)]  # type: ignore[attr-defined]
    hess = getattr(d, "_hessian", None)
    for v in verdicts:
        if not v:
            return v
    if hess is not None:
        return hess.verify(**options)
    return verdicts[0]


class _NewtonRun(OptimizationRun):
    __slots__ = ("_hessian",)


def _make_run(
    cls: type[OptimizationRun],
    rule: Any,
    steps: list[Step],
    *,
    expr: sp.Expr,
    variables: Sequence[sp.Symbol],
    method: str,
    recorder: _Recorder,
    grad: Derivation,
    lr: float | None,
    iterations: int,
    assumptions: Sequence[str] = (),
) -> OptimizationRun:
    run = cls(
        rule,
        steps,
        kind=f"{method} update",
        source=expr,
        wrt=variables,
        assumptions=assumptions,
        verifier=_grad_verifier,
    )
    for key, value in dict(
        method=method,
        iterates=recorder.iterates,
        losses=recorder.losses,
        grad_norms=recorder.grad_norms,
        lr=lr,
        iterations=iterations,
        diverged=recorder.diverged(),
        gradient=grad,
        notes=tuple(recorder.notes),
    ).items():
        object.__setattr__(run, key, value)
    return run


def _assumptions(expr: sp.Expr) -> tuple[str, ...]:
    from .._calculus import assumptions as calc_assumptions

    return calc_assumptions(expr.free_symbols)


# --------------------------------------------------------------------------
# Gradient descent, momentum, SGD, Newton
# --------------------------------------------------------------------------


@renamed_keywords(steps="iterations")
def gradient_descent(
    f: Any, wrt: Any, start: Any, lr: float, iterations: int, *, data: Mapping | None = None
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
    >>> from symml._optimize.methods import gradient_descent
    >>> w = sp.Symbol("w", real=True)
    >>> run = gradient_descent((w - 3)**2, [w], start=[0.0], lr=0.25, iterations=3)
    >>> run.iterates.ravel()
    array([0.   , 1.5  , 2.25 , 2.625])
    >>> run.losses
    array([9.      , 2.25    , 0.5625  , 0.140625])
    >>> run.steps[-1].why
    'update: a step of size eta against the gradient'
    """
    expr = _as_scalar(f, "f")
    variables = _as_wrt(wrt)
    w0 = _start(start, variables)
    eta_value = _check_lr(lr)
    n_steps = _check_iterations(iterations)
    data_ = _Data([expr], variables, data)
    grad = gradient(expr, variables)
    numeric = _Numeric(expr, grad.result, variables, data_)
    rec = _Recorder(w0, n_steps, numeric)
    w = w0.copy()
    with np.errstate(all="ignore"):
        for t in range(n_steps + 1):
            g = rec.record(t, w)
            if g is None or t == n_steps:
                break
            w = w - eta_value * g
    eta = _fresh("eta", expr.free_symbols, positive=True)
    objective, label = _objective_steps(expr, variables, data_)
    avg = _average(grad.result, data_)
    rule = sp.ImmutableMatrix(sp.Matrix(variables) - eta * avg)
    rule_steps = [
        *objective,
        Step(grad.result, "the gradient (symml.gradient)", lhs=label),
        Step(rule, "update: a step of size eta against the gradient", lhs=r"\mathbf{w}_{t+1}"),
    ]
    return _make_run(
        OptimizationRun,
        rule,
        rule_steps,
        expr=expr,
        variables=variables,
        method="gradient descent",
        recorder=rec,
        grad=grad,
        lr=eta_value,
        iterations=n_steps,
        assumptions=_assumptions(expr),
    )


def _average(column: sp.MatrixBase, data: _Data) -> sp.ImmutableMatrix:
    """``column`` averaged over the examples (a Sum over indexed data) when data has arrays."""
    arrays = [s for s, v in zip(data.symbols, data.values, strict=True) if v.ndim == 1]
    if not arrays:
        return sp.ImmutableMatrix(column)
    i = sp.Symbol("i", integer=True, positive=True)
    indexed = {s: sp.IndexedBase(s.name)[i] for s in arrays}
    return sp.ImmutableMatrix(
        [sp.Sum(e.xreplace(indexed), (i, 1, data.n)) / data.n for e in column]
    )


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
    >>> from symml._optimize.methods import momentum
    >>> x, y = sp.symbols("x y", real=True)
    >>> run = momentum(x**2 + 25*y**2, [x, y], start=[1.0, 1.0], lr=0.02, iterations=150, beta=0.8)
    >>> bool(run.converged), run.result.shape
    (True, (4, 1))
    """
    expr = _as_scalar(f, "f")
    variables = _as_wrt(wrt)
    w0 = _start(start, variables)
    eta_value = _check_lr(lr)
    n_steps = _check_iterations(iterations)
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 <= beta < 1:
        raise ArgumentError(bad_argument("beta", beta, "use a momentum coefficient 0 <= beta < 1"))
    data_ = _Data([expr], variables, data)
    grad = gradient(expr, variables)
    numeric = _Numeric(expr, grad.result, variables, data_)
    rec = _Recorder(w0, n_steps, numeric)
    w, v = w0.copy(), np.zeros_like(w0)
    with np.errstate(all="ignore"):
        for t in range(n_steps + 1):
            g = rec.record(t, w)
            if g is None or t == n_steps:
                break
            v = beta * v + g
            w = w - eta_value * v
    taken = expr.free_symbols
    eta = _fresh("eta", taken, positive=True)
    b = _fresh("beta", taken, nonnegative=True)
    vel = sp.Matrix([sp.Symbol(f"v_{{{s.name}}}", real=True) for s in variables])
    objective, label = _objective_steps(expr, variables, data_)
    avg = _average(grad.result, data_)
    v_new = sp.ImmutableMatrix(b * vel + avg)
    w_new = sp.ImmutableMatrix(sp.Matrix(variables) - eta * v_new)
    rule = sp.ImmutableMatrix.vstack(w_new, v_new)
    rule_steps = [
        *objective,
        Step(grad.result, "the gradient (symml.gradient)", lhs=label),
        Step(
            v_new,
            "velocity: beta times the old velocity plus the gradient",
            lhs=r"\mathbf{v}_{t+1}",
        ),
        Step(w_new, "update: a step of size eta along the velocity", lhs=r"\mathbf{w}_{t+1}"),
        Step(rule, "the state (w, v) after one step", lhs=r"(\mathbf{w}, \mathbf{v})_{t+1}"),
    ]
    return _make_run(
        OptimizationRun,
        rule,
        rule_steps,
        expr=expr,
        variables=variables,
        method="momentum",
        recorder=rec,
        grad=grad,
        lr=eta_value,
        iterations=n_steps,
        assumptions=_assumptions(expr),
    )


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
    >>> from symml._optimize.methods import sgd
    >>> w, x, y = sp.symbols("w x y", real=True)
    >>> rng = np.random.default_rng(0)
    >>> xs = rng.normal(size=100)
    >>> ys = 2 * xs
    >>> run = sgd((w*x - y)**2, [w], start=[0.0], lr=0.05, iterations=300, data={x: xs, y: ys})
    >>> round(float(run.final[0]), 6)
    2.0
    """
    variables = _as_wrt(wrt)
    w0 = _start(start, variables)
    eta_value = _check_lr(lr)
    n_steps = _check_iterations(iterations)
    rng = np.random.default_rng(seed)
    listed = isinstance(f, (list, tuple))
    if listed:
        if not f:
            raise ArgumentError(bad_argument("f", f, "give at least one per-example loss"))
        losses = [_as_scalar(e, "f") for e in f]
        data_ = _Data(losses, variables, data)
        if data_.n is not None:
            raise ArgumentError(
                bad_argument("data", data, "with a list of losses, data may hold scalars only")
            )
        n_examples = len(losses)
        expr = sp.Add(*losses) / n_examples
        per_example = [gradient(e, variables).result for e in losses]
        G = sp.ImmutableMatrix.hstack(*per_example)  # n x N: column i is the gradient of l_i
        from .._codegen import to_numpy

        args = [*variables, *data_.symbols]
        G_fn = to_numpy(G, args, name="example_gradients")
        grad = gradient(expr, variables)
        numeric = _Numeric(expr, grad.result, variables, data_)

        def batch_grad(w: np.ndarray, batch: np.ndarray) -> np.ndarray:
            values = np.asarray(G_fn(*w, *data_.values), dtype=float)
            return values.reshape(len(variables), n_examples)[:, batch].mean(axis=1)

    else:
        expr = _as_scalar(f, "f")
        data_ = _Data([expr], variables, data)
        if data_.n is None:
            raise ArgumentError(
                bad_argument(
                    "data",
                    data,
                    "SGD needs examples: give 1-D arrays for the data symbols of f, "
                    "e.g. data={x: xs, y: ys}, or pass f as a list of per-example losses",
                )
            )
        n_examples = data_.n
        grad = gradient(expr, variables)
        numeric = _Numeric(expr, grad.result, variables, data_)

        def batch_grad(w: np.ndarray, batch: np.ndarray) -> np.ndarray:
            return numeric.grad(w, data_.take(batch))

    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or not 1 <= batch_size <= n_examples
    ):
        raise ArgumentError(
            bad_argument("batch_size", batch_size, f"use an integer from 1 to {n_examples}")
        )
    rec = _Recorder(w0, n_steps, numeric)
    w = w0.copy()
    with np.errstate(all="ignore"):
        for t in range(n_steps + 1):
            g_full = rec.record(t, w)
            if g_full is None or t == n_steps:
                break
            batch = rng.choice(n_examples, size=batch_size, replace=False)
            w = w - eta_value * batch_grad(w, batch)
    eta = _fresh("eta", expr.free_symbols, positive=True)
    wv = sp.Matrix(variables)
    batch_words = "one example" if batch_size == 1 else f"a batch of {batch_size} examples"
    if listed:
        i = sp.Symbol("i", integer=True, positive=True)
        ell = sp.IndexedBase(r"\ell")
        rule = sp.ImmutableMatrix.hstack(*[sp.ImmutableMatrix(wv - eta * g) for g in per_example])
        args = ", ".join(sp.latex(s) for s in variables)
        rule_steps = [
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
    else:
        objective, label = _objective_steps(expr, variables, data_)
        rule = sp.ImmutableMatrix(wv - eta * grad.result)
        rule_steps = [
            *objective,
            Step(grad.result, "the gradient on one example (symml.gradient)", lhs=label),
            Step(
                rule,
                f"update with {batch_words} drawn at random "
                "(an unbiased estimate of the full gradient)",
                lhs=r"\mathbf{w}_{t+1}",
            ),
        ]
    return _make_run(
        OptimizationRun,
        rule,
        rule_steps,
        expr=expr,
        variables=variables,
        method="SGD",
        recorder=rec,
        grad=grad,
        lr=eta_value,
        iterations=n_steps,
        assumptions=_assumptions(expr),
    )


@renamed_keywords(steps="iterations")
def newton(
    f: Any,
    wrt: Any,
    start: Any,
    iterations: int = 10,
    *,
    data: Mapping | None = None,
    budget: float = 5.0,
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
        Seconds for solving the update symbolically (up to 3 variables);
        otherwise, and with array ``data``, ``.result`` keeps ``H^{-1}``
        unevaluated.

    Other parameters are those of :func:`gradient_descent` (there is no ``lr``).

    Examples
    --------
    >>> import sympy as sp
    >>> from symml._optimize.methods import newton
    >>> x, y = sp.symbols("x y", real=True)
    >>> run = newton(x**2 + x*y + 2*y**2 - 3*x, [x, y], start=[10.0, -4.0], iterations=2)
    >>> run.result                               # independent of (x, y): one step suffices
    Matrix([
    [12/7],
    [-3/7]])
    >>> run.iterates[1].round(12)
    array([ 1.71428571, -0.42857143])
    """
    expr = _as_scalar(f, "f")
    variables = _as_wrt(wrt)
    w0 = _start(start, variables)
    n_steps = _check_iterations(iterations)
    data_ = _Data([expr], variables, data)
    grad = gradient(expr, variables)
    hess = hessian(expr, variables)
    numeric = _Numeric(expr, grad.result, variables, data_, hess.result)
    rec = _Recorder(w0, n_steps, numeric)
    w = w0.copy()
    with np.errstate(all="ignore"):
        for t in range(n_steps + 1):
            g = rec.record(t, w)
            if g is None or t == n_steps:
                break
            H = numeric.hess(w)
            try:
                if not np.all(np.isfinite(H)):
                    raise np.linalg.LinAlgError("non-finite Hessian")
                direction = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                rec.notes.append(f"the Hessian is singular at step {t}: stopped")
                rec.stopped = True
                break
            w = w - direction
    objective, label = _objective_steps(expr, variables, data_)
    g_avg = _average(grad.result, data_)
    H_avg = _average(hess.result.reshape(len(variables) ** 2, 1), data_).reshape(
        len(variables), len(variables)
    )
    wv = sp.ImmutableMatrix(variables)
    rule: Any = None
    if len(variables) <= 3 and data_.n is None:

        def solve() -> sp.ImmutableMatrix:
            step = H_avg.LUsolve(g_avg)
            return sp.ImmutableMatrix([sp.cancel(sp.together(e)) for e in wv - step])

        rule, finished = run_with_budget(solve, budget)
        if not finished or rule is None or rule.has(sp.zoo, sp.nan):
            rule = None
    if rule is None:
        rule = sp.MatAdd(wv, -sp.MatMul(sp.Inverse(H_avg), g_avg))
    rule_steps = [
        *objective,
        Step(grad.result, "the gradient (symml.gradient)", lhs=label),
        Step(hess.result, "the Hessian (symml.hessian)", lhs=label.replace(r"\nabla", r"\nabla^2")),
        Step(
            sp.MatAdd(
                wv,
                -sp.MatMul(
                    sp.Inverse(sp.MatrixSymbol("H", len(variables), len(variables))),
                    sp.MatrixSymbol("g", len(variables), 1),
                ),
            ),
            "Newton step: jump to the stationary point of the local quadratic model",
            lhs=r"\mathbf{w}_{t+1}",
        ),
    ]
    if isinstance(rule, sp.MatrixBase):
        why = "solve H d = g and subtract"
        if not (rule.free_symbols & set(variables)):
            why += ": independent of w, so one step reaches the stationary point (a quadratic)"
        rule_steps.append(Step(rule, why, lhs=r"\mathbf{w}_{t+1}"))
    run = _make_run(
        _NewtonRun,
        rule,
        rule_steps,
        expr=expr,
        variables=variables,
        method="Newton",
        recorder=rec,
        grad=grad,
        lr=None,
        iterations=n_steps,
        assumptions=_assumptions(expr),
    )
    object.__setattr__(run, "_hessian", hess)
    return run


# --------------------------------------------------------------------------
# The learning-rate bound on quadratics
# --------------------------------------------------------------------------


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


def learning_rate_bound(f: Any, wrt: Any, *, at: Any = None) -> LearningRateBound:
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

    Raises
    ------
    ArgumentError
        The Hessian depends on the variables (and no ``at`` was given), or
        has no positive eigenvalue.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml._optimize.methods import learning_rate_bound
    >>> x, y = sp.symbols("x y", real=True)
    >>> b = learning_rate_bound(x**2 + 5*y**2, [x, y])
    >>> b.result, b.eigenvalues
    (1/5, (10, 2))
    """
    expr = _as_scalar(f, "f")
    variables = _as_wrt(wrt)
    H = hessian(expr, variables).result
    if at is not None:
        from .._calculus import as_point as _as_point

        H = sp.ImmutableMatrix(H.subs(_as_point(at, variables)))
    if H.free_symbols & set(variables):
        raise ArgumentError(
            bad_argument(
                "f",
                expr,
                "f is not quadratic in wrt (its Hessian depends on "
                f"{', '.join(sorted(str(s) for s in H.free_symbols & set(variables)))}); "
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
    n = H.rows
    if n <= 4:
        eig = H.eigenvals()
        values = [sp.nsimplify(v) if v.is_number else v for v, m in eig.items() for _ in range(m)]
        values.sort(key=lambda v: -float(v.evalf(30)))
    else:
        values = [sp.Float(v) for v in np.sort(np.linalg.eigvalsh(np.array(H, dtype=float)))[::-1]]
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
    eta = _fresh("eta", expr.free_symbols, positive=True)
    steps = [
        Step(
            H,
            "the Hessian" + (" at the point" if at is not None else " (constant: f is quadratic)"),
            lhs=r"\nabla^2 f",
        ),
        Step(sp.Tuple(*values), "its eigenvalues, largest first", lhs=r"\lambda"),
        Step(
            sp.ImmutableMatrix(sp.eye(n) - eta * H),
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
    d = LearningRateBound(
        bound,
        steps,
        kind="learning-rate bound",
        source=expr,
        wrt=variables,
        verifier=_bound_verdict,
    )
    optimal = sp.radsimp(2 / (lam_max + lam_min)) if float(lam_min) > 0 else None
    object.__setattr__(d, "eigenvalues", tuple(values))
    object.__setattr__(d, "optimal_lr", optimal)
    return d


def _bound_verdict(d: Derivation, **options: Any) -> Verdict:
    """Run gradient descent just below and just above the bound on the quadratic model."""
    lam = np.array([float(v) for v in d.eigenvalues], dtype=float)  # type: ignore[attr-defined]
    bound = float(d.result)
    below = np.max(np.abs(1 - 0.99 * bound * lam))
    above = np.max(np.abs(1 - 1.01 * bound * lam))
    ok = below < 1 < above
    return Verdict(
        bool(ok),
        "numeric",
        claimed=d.result,
        notes=(
            f"contraction factor max|1 - eta lambda_i| is {below:.4g} at 0.99 x bound and "
            f"{above:.4g} at 1.01 x bound",
        ),
        points=2,
    )


# --------------------------------------------------------------------------
# Lagrange multipliers
# --------------------------------------------------------------------------


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
    """

    __slots__ = ("constraints", "lagrangian", "multipliers", "points", "values")

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


def _is_real_point(sol: Mapping[sp.Symbol, sp.Expr]) -> bool:
    for v in sol.values():
        if v.is_real is False:
            return False
        if v.is_number:
            c = complex(v.evalf(30))
            if abs(c.imag) > 1e-12 * max(1.0, abs(c.real)):
                return False
    return True


def lagrange(f: Any, constraints: Any, wrt: Any, *, budget: float = 10.0) -> LagrangePoints:
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
    >>> from symml._optimize.methods import lagrange
    >>> x, y = sp.symbols("x y", real=True)
    >>> pts = lagrange(x*y, [sp.Eq(x + y, 10)], [x, y])
    >>> pts.result
    ({lambda: 5, x: 5, y: 5},)
    >>> pts.values
    (25,)
    >>> [p[x] for p in lagrange(x + y, x**2 + y**2 - 2, [x, y])]
    [-1, 1]
    """
    expr = _as_scalar(f, "f")
    variables = _as_wrt(wrt)
    items = list(constraints) if isinstance(constraints, (list, tuple)) else [constraints]
    if not items:
        raise ArgumentError(
            bad_argument("constraints", constraints, "give at least one constraint, e.g. x + y - 1")
        )
    gs = [_as_constraint(c) for c in items]
    taken = expr.free_symbols.union(*(g.free_symbols for g in gs))
    real = all(s.is_real for s in variables)
    if len(gs) == 1:
        mults = (_fresh("lambda", taken, real=True) if real else _fresh("lambda", taken),)
    else:
        mults = tuple(
            _fresh(f"lambda_{i}", taken, real=True) if real else _fresh(f"lambda_{i}", taken)
            for i in range(1, len(gs) + 1)
        )
    L = expr - sum((m * g for m, g in zip(mults, gs, strict=True)), sp.S.Zero)
    unknowns = [*variables, *mults]
    gradL = gradient(L, unknowns)
    equations = list(gradL.result)

    solutions, finished = run_with_budget(lambda: sp.solve(equations, unknowns, dict=True), budget)
    if not finished:
        raise NoClosedFormError(
            bad_argument(
                "f",
                expr,
                f"SymPy could not solve the Lagrange conditions within {budget} s; raise "
                "budget= or solve numerically (scipy.optimize.minimize with constraints)",
            )
        )
    assert solutions is not None
    kept = [s for s in solutions if not real or _is_real_point(s)]
    dropped = len(solutions) - len(kept)
    points = []
    for sol in kept:
        point = {u: sp.simplify(sol.get(u, u)) for u in unknowns}
        points.append(dict(sorted(point.items(), key=lambda kv: kv[0].name)))
    points.sort(key=lambda p: [sp.default_sort_key(p[u]) for u in variables])
    values = tuple(sp.simplify(expr.subs(p)) for p in points)
    result = sp.Tuple(*[sp.Dict(p) for p in points])

    def steps() -> list[Step]:
        out = [Step(expr, "the objective", lhs="f")]
        for i, g in enumerate(gs, start=1):
            label = "g" if len(gs) == 1 else f"g_{{{i}}}"
            out.append(Step(g, "a constraint, g = 0", lhs=label))
        out += [
            Step(L, "the Lagrangian f - sum of lambda_i g_i", lhs=r"\mathcal{L}"),
            Step(
                gradL.result,
                "its gradient in the variables and the multipliers",
                lhs=r"\nabla \mathcal{L}",
            ),
            Step(
                sp.ImmutableMatrix.zeros(len(unknowns), 1),
                "stationary: grad f = sum of lambda_i grad g_i, and the constraints hold",
                lhs=gradL.result,
            ),
        ]
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
        out.append(Step(result, why, lhs=sp.Tuple(*unknowns)))
        return out

    d = LagrangePoints(
        result,
        steps,
        kind="Lagrange stationary points",
        source=expr,
        wrt=variables,
        assumptions=_assumptions(L),
        verifier=_lagrange_verdict,
    )
    for key, value in dict(
        points=tuple(points),
        multipliers=mults,
        lagrangian=L,
        constraints=tuple(gs),
        values=values,
    ).items():
        object.__setattr__(d, key, value)
    return d


def _lagrange_verdict(d: Derivation, **options: Any) -> Verdict:
    """∇L must vanish at every point (evaluated at 30 digits)."""
    L = d.lagrangian  # type: ignore[attr-defined]
    unknowns = [*d.wrt, *d.multipliers]  # type: ignore[attr-defined]
    grad = [sp.diff(L, u) for u in unknowns]
    for p in d.points:  # type: ignore[attr-defined]
        for g, u in zip(grad, unknowns, strict=True):
            value = g.subs(p)
            if value.free_symbols:
                continue
            c = complex(value.evalf(30))
            if abs(c) > 1e-9:
                return Verdict(
                    False,
                    "numeric",
                    claimed=d.result,
                    counterexample=dict(p),
                    claimed_value=c,
                    expected_value=0,
                    notes=(f"dL/d{u} is not zero there",),
                    points=1,
                )
    return Verdict(
        True,
        "numeric",
        claimed=d.result,
        notes=("the gradient of the Lagrangian vanishes at every point",),
        points=len(d.points),  # type: ignore[attr-defined]
    )
