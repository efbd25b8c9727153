r"""What every optimiser shares: the result type :class:`OptimizationRun` and the run.

=========================  ================================================================
name                       role
=========================  ================================================================
``OptimizationRun``        a Derivation: the symbolic update rule (``.result``) with a
                           numeric run of it (``.iterates``, ``.losses``, ``.grad_norms``)
``NewtonRun``              the same for Newton's method, which also keeps its ``.hessian``
``Problem``                the checked arguments of one call: ``f``, ``wrt``, the start,
                           the data, the gradient (and Hessian) as generated NumPy code,
                           the recorder of the run, the call's :class:`~symml.Deadline`
=========================  ================================================================

The run evaluates NumPy code generated once by :func:`symml.to_numpy` from the
symbolic gradient (and Hessian); nothing is differentiated numerically.
Generated arrays have the mathematical object's shape first, then the batch
shape (one value per example): a gradient is held as ``(n,)`` and a Hessian as
``(n, n)`` for every ``n``, one variable included.

``data`` gives values to the other symbols of ``f``: scalars, or arrays of one
value per example, in which case the objective is the *mean* of ``f`` over the
examples.

Examples
--------
>>> import sympy as sp, symml
>>> x = sp.Symbol("x", real=True)
>>> run = symml.gradient_descent((x - 3)**2, [x], start=[0.0], lr=0.25, iterations=2)
>>> run.iterations, run.iterates.ravel(), run.losses
(2, array([0.  , 1.5 , 2.25]), array([9.    , 2.25  , 0.5625]))
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._calculus import as_scalar, as_wrt, gradient, hessian
from .._calculus import assumptions as calc_assumptions
from .._codegen import to_numpy
from .._core import (
    ArgumentError,
    BudgetExceededError,
    Deadline,
    Derivation,
    ShapeError,
    Step,
    Verdict,
    bad_argument,
)

__all__ = ["NewtonRun", "OptimizationRun", "Problem", "Update", "check_lr", "fresh_symbol"]


class OptimizationRun(Derivation):
    """A symbolic update rule (``.result``) with a numeric run of it.

    Everything a plot of the run needs is here (the widgets' explorers draw
    these arrays and re-implement nothing).

    Attributes
    ----------
    method : str
        ``"gradient descent"``, ``"SGD"``, ``"momentum"`` or ``"Newton"``.
    iterates : ndarray, shape (iterations + 1, len(wrt))
        ``iterates[0]`` is the start; row ``t`` the point after ``t`` updates.
        Rows after a divergence (non-finite values) or a stop are ``nan``.
    losses : ndarray, shape (iterations + 1,)
        The objective at each iterate (for SGD the full objective, the
        mean over all examples).
    grad_norms : ndarray, shape (iterations + 1,)
        Euclidean norm of the full gradient at each iterate.
    lr : float or None
        The step size (None for Newton).
    iterations : int
        The number of updates asked for.
    diverged : bool
        The run reached non-finite values, or its gradient norm grew more
        than 1000-fold.
    gradient : Derivation
        The symbolic gradient the run used (per example when ``data`` has arrays).
    notes : tuple of str
        What happened (a singular Hessian, a divergence, ...).

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x, y = sp.symbols("x y", real=True)
    >>> run = symml.momentum(x**2 + y**2, [x, y], [1.0, 1.0], lr=0.1, iterations=200, beta=0.5)
    >>> run.method, run.iterates.shape, run.converged
    ('momentum', (201, 2), True)
    """

    __slots__ = (
        "_runner",
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

    @property
    def n_steps(self) -> int:
        """Deprecated spelling of :attr:`iterations`."""
        warnings.warn(
            "OptimizationRun.n_steps is deprecated and will be removed in symml 0.3; "
            "use .iterations instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.iterations

    def rerun(
        self, *, start: Any = None, lr: float | None = None, iterations: int | None = None
    ) -> OptimizationRun:
        """The same method on the same ``f`` from another start, step size or length.

        Reuses the generated NumPy code: no symbolic work, so an interactive
        explorer can call it on every slider move. Options not given keep
        their values (``start`` defaults to ``iterates[0]``).

        Examples
        --------
        >>> import sympy as sp, symml
        >>> x = sp.Symbol("x", real=True)
        >>> run = symml.gradient_descent(x**2, [x], [1.0], lr=0.25, iterations=2)
        >>> run.rerun(lr=0.5).iterates.ravel(), run.rerun(start=[4.0]).iterates.ravel()
        (array([1., 0., 0.]), array([4., 2., 1.]))
        """
        return self._runner(self, start=start, lr=lr, iterations=iterations)

    def __repr__(self) -> str:
        return (
            f"OptimizationRun({self.method}: {self.iterations} iterations, "
            f"final {np.array2string(self.final, precision=6)}, loss {self.losses[-1]:.6g})"
        )


class NewtonRun(OptimizationRun):
    """An :class:`OptimizationRun` of Newton's method; ``.hessian`` is the Hessian it used."""

    __slots__ = ("hessian",)


def run_verdict(
    d: OptimizationRun, *, n: int = 20, seed: int = 0, rtol: float = 1e-5, atol: float = 1e-6
) -> Verdict:
    """Check the derivatives the run used (and so its rule) against finite differences."""
    options = {"n": n, "seed": seed, "rtol": rtol, "atol": atol}
    verdict = d.gradient.verify(**options)
    if verdict and isinstance(d, NewtonRun):
        return d.hessian.verify(**options)
    return verdict


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------


def check_lr(lr: Any, name: str = "lr") -> float:
    """``lr`` as a positive float, or an ArgumentError naming ``name``."""
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


def fresh_symbol(name: str, taken: set[sp.Basic], **assumptions: Any) -> sp.Symbol:
    """``Symbol(name)``, or a Dummy of that name when ``taken`` already has the name."""
    names = {getattr(s, "name", None) for s in taken}
    return sp.Dummy(name, **assumptions) if name in names else sp.Symbol(name, **assumptions)


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
        """The values of the examples ``index`` (scalars stay)."""
        return [v[index] if v.ndim == 1 else v for v in self.values]

    def mean_over_examples(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` averaged over the examples (a Sum over indexed data), or ``expr``."""
        arrays = [s for s, v in zip(self.symbols, self.values, strict=True) if v.ndim == 1]
        if not arrays:
            return expr
        i = sp.Symbol("i", integer=True, positive=True)
        indexed = {s: sp.IndexedBase(s.name)[i] for s in arrays}
        return sp.Sum(expr.xreplace(indexed), (i, 1, self.n)) / self.n


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
        args = [*variables, *data.symbols]
        self.data = data
        self.n = len(variables)
        self._loss = to_numpy(expr, args, name="loss")
        self._grad = to_numpy(grad, args, name="grad")
        self._hess = to_numpy(hess, args, name="hessian") if hess is not None else None

    @staticmethod
    def _mean(value: Any, shape: tuple[int, ...]) -> np.ndarray:
        """``value`` as ``shape`` (the mathematical object), averaged over the examples.

        Generated arrays have the object's shape first, then the batch shape;
        reshaping to ``(*shape, -1)`` holds a 1 x 1 Hessian as ``(1, 1)``.
        """
        return np.asarray(value, dtype=float).reshape((*shape, -1)).mean(axis=-1)

    def loss(self, w: np.ndarray) -> float:
        return float(self._mean(self._loss(*w, *self.data.values), ()))

    def grad(self, w: np.ndarray, values: list[np.ndarray] | None = None) -> np.ndarray:
        vals = self.data.values if values is None else values
        return self._mean(self._grad(*w, *vals), (self.n,))

    def hess(self, w: np.ndarray) -> np.ndarray:
        assert self._hess is not None
        return self._mean(self._hess(*w, *self.data.values), (self.n, self.n))


#: ``update(t, w, g)``: the next iterate from step ``t``'s iterate and gradient (None: stop).
Update = Callable[[int, np.ndarray, np.ndarray], "np.ndarray | None"]
#: ``make_update(lr, notes)``: a fresh update rule of one run (notes collects what happened).
MakeUpdate = Callable[[Any, list[str]], Update]


class _Recorder:
    """Runs an update rule and records iterates, losses and gradient norms."""

    def __init__(self, w0: np.ndarray, iterations: int, numeric: _Numeric) -> None:
        n = w0.shape[0]
        self.w0 = w0
        self.iterations = iterations
        self.iterates = np.full((iterations + 1, n), np.nan)
        self.losses = np.full(iterations + 1, np.nan)
        self.grad_norms = np.full(iterations + 1, np.nan)
        self.numeric = numeric
        self.notes: list[str] = []
        self.blew_up = False  # the run ended because its values stopped being finite

    def _record(self, t: int, w: np.ndarray) -> np.ndarray | None:
        """Store the iterate; return its full gradient, or None when not finite."""
        finite = bool(np.all(np.isfinite(w)))
        g = self.numeric.grad(w) if finite else np.full_like(w, np.nan)
        loss = self.numeric.loss(w) if finite else np.nan
        norm = float(np.linalg.norm(g))
        if not (finite and np.isfinite(loss) and np.isfinite(norm)):
            self.notes.append(f"values stopped being finite at step {t}: diverged")
            self.blew_up = True
            return None
        self.iterates[t] = w
        self.losses[t] = loss
        self.grad_norms[t] = norm
        return g

    def run(self, make_update: MakeUpdate, lr: Any) -> None:
        """From ``w0``: record, then ``w <- update(t, w, g)``; an update of None stops."""
        update = make_update(lr, self.notes)
        w: np.ndarray | None = self.w0.copy()
        with np.errstate(all="ignore"):
            for t in range(self.iterations + 1):
                g = self._record(t, w)
                if g is None or t == self.iterations:
                    return
                w = update(t, w, g)
                if w is None:
                    return

    def diverged(self) -> bool:
        if self.blew_up:
            return True
        finite = self.grad_norms[np.isfinite(self.grad_norms)]
        return bool(finite.size and finite[-1] > 1e3 * max(finite[0], 1e-12))


class Problem:
    """The checked arguments of one optimiser call, its derivatives as code, and its run.

    ``f`` must already be a scalar expression (``expr``); ``parts`` are the
    expressions whose other symbols ``data`` must cover (default ``[expr]``).
    The gradient (and with ``second=True`` the Hessian) are derived within
    the call's ``budget`` (one :class:`~symml.Deadline` for the whole call).
    """

    def __init__(
        self,
        expr: sp.Expr,
        wrt: Any,
        start: Any,
        iterations: Any,
        data: Mapping | None,
        budget: float,
        *,
        parts: Sequence[sp.Expr] | None = None,
        second: bool = False,
    ) -> None:
        self.deadline = Deadline(budget)
        self.expr = expr
        self.variables = as_wrt(wrt)
        self.w0 = _start(start, self.variables)
        self.iterations = _check_iterations(iterations)
        self.data = _Data(parts or [expr], self.variables, data)
        self.grad = self.derive(gradient, expr, "the gradient")
        self.hess = self.derive(hessian, expr, "the Hessian") if second else None
        hess = None if self.hess is None else self.hess.result
        self.numeric = _Numeric(expr, self.grad.result, self.variables, self.data, hess)
        self.recorder = _Recorder(self.w0, self.iterations, self.numeric)

    def derive(self, func: Callable[..., Derivation], expr: sp.Expr, what: str) -> Derivation:
        """``func(expr, wrt)`` within what is left of the budget."""
        value, finished = self.deadline.run(lambda: func(expr, self.variables))
        if not finished or value is None:
            raise BudgetExceededError(
                bad_argument(
                    "budget",
                    self.deadline.seconds,
                    f"{what} of f took longer than the budget; raise budget=",
                )
            )
        return value

    def run(self, make_update: MakeUpdate, lr: Any) -> None:
        """Run the method (``make_update(lr, notes)`` gives its update rule) from the start."""
        self.make_update = make_update
        self.recorder.run(make_update, lr)

    def symbol(self, name: str, **assumptions: Any) -> sp.Symbol:
        """A symbol for the rule (``eta``, ``beta``) that clashes with no symbol of f."""
        return fresh_symbol(name, self.expr.free_symbols, **assumptions)

    def mean(self, matrix: sp.MatrixBase) -> sp.ImmutableMatrix:
        """Each entry averaged over the examples (unchanged without array data)."""
        return sp.ImmutableMatrix(matrix.applyfunc(self.data.mean_over_examples))

    def objective_steps(self, *, gradient_why: str = "the gradient (symml.gradient)") -> list[Step]:
        """The objective (a mean over examples when data has arrays), then the gradient."""
        args = ", ".join(sp.latex(s) for s in self.variables)
        mean = self.data.mean_over_examples(self.expr)
        if mean == self.expr:
            out = [Step(self.expr, "the objective", lhs=f"f({args})")]
        else:
            out = [
                Step(self.expr, "the loss on one example", lhs=rf"\ell({args})"),
                Step(
                    mean,
                    f"the objective: the mean over the {self.data.n} examples",
                    lhs=f"f({args})",
                ),
            ]
        return [*out, Step(self.grad.result, gradient_why, lhs=self.gradient_label)]

    @property
    def gradient_label(self) -> str:
        return r"\nabla f" if self.data.n is None else r"\nabla \ell"

    def finish(
        self,
        cls: type[OptimizationRun],
        rule: Any,
        steps: list[Step],
        *,
        method: str,
        lr: float | None,
        **fields: Any,
    ) -> OptimizationRun:
        """The run as ``cls``, built the one way (every field given to the constructor)."""
        rec = self.recorder
        return cls(
            rule,
            steps,
            kind=f"{method} update",
            source=self.expr,
            wrt=self.variables,
            assumptions=calc_assumptions(self.expr.free_symbols),
            verifier=run_verdict,
            method=method,
            iterates=rec.iterates,
            losses=rec.losses,
            grad_norms=rec.grad_norms,
            lr=lr,
            iterations=self.iterations,
            diverged=rec.diverged(),
            gradient=self.grad,
            notes=tuple(rec.notes),
            _runner=_Runner(self.numeric, self.variables, self.make_update),
            **fields,
        )


class _Runner:
    """Runs a method again with its generated code: :meth:`OptimizationRun.rerun`."""

    def __init__(
        self, numeric: _Numeric, variables: Sequence[sp.Symbol], make_update: MakeUpdate
    ) -> None:
        self.numeric = numeric
        self.variables = variables
        self.make_update = make_update

    def __call__(
        self, run: OptimizationRun, *, start: Any, lr: Any, iterations: Any
    ) -> OptimizationRun:
        if lr is not None and run.lr is None:
            raise ArgumentError(bad_argument("lr", lr, f"{run.method} has no step size"))
        w0 = run.iterates[0] if start is None else _start(start, self.variables)
        n = run.iterations if iterations is None else _check_iterations(iterations)
        lr = run.lr if lr is None else check_lr(lr)
        rec = _Recorder(w0, n, self.numeric)
        rec.run(self.make_update, lr)
        return run._with(
            iterates=rec.iterates,
            losses=rec.losses,
            grad_norms=rec.grad_norms,
            lr=lr,
            iterations=n,
            diverged=rec.diverged(),
            notes=tuple(rec.notes),
        )


def as_objective(f: Any) -> sp.Expr:
    """``f`` as a scalar SymPy expression, or an error naming ``f``."""
    return as_scalar(f, "f")
