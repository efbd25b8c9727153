"""Numeric root of the score where no closed form exists (Newton, L-BFGS-B, root)."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from ..model import Model
from .sample import _Program, _Sample
from .solve import _Solution

if TYPE_CHECKING:
    from .estimate import MLE


def _hessian_program(d: MLE) -> _Program:
    """The Hessian of the log-likelihood as a program over the sample (built once)."""
    s: _Sample = d._sample
    params = list(d.params)

    def build() -> _Program:
        H = sp.ImmutableMatrix([[s.tidy(sp.diff(e, q)) for q in params] for e in d.score])
        return _Program(H, s, [*params, *d._model.known])

    return d._cached("hessian", build)


def _optimise(
    negll: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    hess: Callable[[np.ndarray], np.ndarray],
    z0: np.ndarray,
    box: Sequence[tuple[float, float]],
) -> np.ndarray:
    """Minimise ``negll`` in ``box``: Newton, else L-BFGS-B; then polish the root of ``grad``.

    The polished root is kept only when it stays in the box and is at least as likely.
    """
    from scipy import optimize

    with np.errstate(all="ignore"):  # steps into overflow are rejected, not warned about
        z = _newton(negll, grad, lambda v: -hess(v), z0, box)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if z is None:
            res = optimize.minimize(
                negll,
                z0,
                jac=grad,
                method="L-BFGS-B",
                bounds=[
                    (lo if lo > -np.inf else None, hi if hi < np.inf else None) for lo, hi in box
                ],
                options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000, "maxfun": 4000},
            )
            z = np.asarray(res.x, dtype=float)
        root = optimize.root(
            lambda v: -grad(v), z, jac=lambda v: hess(v), method="hybr", options={"maxfev": 400}
        )
    x = np.asarray(root.x, dtype=float)
    inside = all(lo <= v <= hi for v, (lo, hi) in zip(x, box, strict=True))
    if (
        root.success
        and inside
        and np.all(np.isfinite(x))
        and negll(x) <= negll(z) + 1e-12 * (1 + abs(negll(z)))
    ):
        return x
    return z


def _numeric_root(
    d: MLE, arr: np.ndarray, kargs: list[float], shared: dict[Any, float]
) -> tuple[np.ndarray, bool, list]:
    """The root of the score on ``arr``; ``shared``: the sums over ``arr`` (filled, reused)."""
    m: Model = d._model
    s: _Sample = d._sample
    params = list(m.params)
    k = len(params)
    sol: _Solution = d._solution
    args = [*params, *m.known]
    ll_prog = d._cached("ll", lambda: _Program(d.log_likelihood, s, args))
    sc_prog = d._cached("score", lambda: _Program(d.score, s, args))
    H = _hessian_program(d)
    n = arr.shape[0]
    caches = [ll_prog.prepare(arr, shared), sc_prog.prepare(arr, shared), H.prepare(arr, shared)]
    fixed: dict[int, float] = {}
    for p, (est, _) in sol.special.items():
        prog = _Program(est, s, list(m.known))
        fixed[params.index(p)] = float(prog(arr, kargs))
    free = [j for j in range(k) if j not in fixed]
    bounds = _bounds(m)

    def full(z: np.ndarray) -> list[float]:
        theta = [0.0] * k
        for j, v in fixed.items():
            theta[j] = v
        for j, v in zip(free, z, strict=True):
            theta[j] = float(v)
        return theta + kargs

    def negll(z: np.ndarray) -> float:
        v = float(ll_prog(arr, full(z), caches[0]))
        return -v / n if math.isfinite(v) else math.inf

    def grad(z: np.ndarray) -> np.ndarray:
        g = np.asarray(sc_prog(arr, full(z), caches[1]), dtype=float).reshape(-1)
        return -g[free] / n

    def hess(z: np.ndarray) -> np.ndarray:
        h = np.asarray(H(arr, full(z), caches[2]), dtype=float).reshape(k, k)
        return h[np.ix_(free, free)] / n

    x0 = _start(m, arr, params, bounds)
    z0 = np.array([x0[j] for j in free])
    box = [bounds[j] for j in free]
    from scipy import optimize  # noqa: F401 - imported (slowly, once) before the clock starts

    clock = _Clock(max(d._budget, 1.0), z0, negll)
    clock.negll(z0)  # compiles the programs, also before the clock starts
    clock.end = time.monotonic() + clock.seconds
    notes: list[str] = []
    try:
        z = _optimise(clock.negll, clock.wrap(grad), clock.wrap(hess), z0, box)
    except _OutOfTime:
        z = clock.best
        notes.append(
            f"the numeric search stopped after {clock.seconds:g} s (the budget) at the best "
            "point found; pass a larger budget= to mle"
        )
    g = grad(z)
    scale = np.maximum(np.abs(z), 1.0)
    converged = bool(np.all(np.abs(g) * scale < 1e-6))
    if not converged:
        notes.append(f"the score at the estimate is {(-g * n).tolist()}, not zero")
    theta = np.array(full(z)[:k], dtype=float)
    return theta, converged, notes


class _OutOfTime(Exception):
    """The numeric search ran past its budget (caught in :func:`_numeric_root`)."""


class _Clock:
    """Stops a numeric search after ``seconds``, remembering the best point evaluated."""

    def __init__(
        self, seconds: float, z0: np.ndarray, negll: Callable[[np.ndarray], float]
    ) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.best, self.best_value = np.array(z0, dtype=float), math.inf
        self._negll = negll

    def _check(self) -> None:
        if time.monotonic() > self.end:
            raise _OutOfTime

    def negll(self, z: np.ndarray) -> float:
        self._check()
        v = self._negll(z)
        if v < self.best_value:
            self.best, self.best_value = np.array(z, dtype=float), v
        return v

    def wrap(self, f: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
        def checked(z: np.ndarray) -> np.ndarray:
            self._check()
            return f(z)

        return checked


def _newton(
    f: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    hess: Callable[[np.ndarray], np.ndarray],
    z: np.ndarray,
    box: Sequence[tuple[float, float]],
    max_iter: int = 200,
) -> np.ndarray | None:
    """Minimise ``f`` by Newton steps with backtracking, inside ``box``; None if it fails.

    Where the Hessian is not positive definite the step falls back to a
    scaled gradient step; every step must stay in the box and satisfy the
    Armijo condition.
    """
    lo = np.array([b[0] for b in box])
    hi = np.array([b[1] for b in box])
    fz = f(z)
    if not math.isfinite(fz):
        return None
    for _ in range(max_iter):
        g = grad(z)
        if not np.all(np.isfinite(g)):
            return None
        if np.all(np.abs(g) * np.maximum(np.abs(z), 1.0) < 1e-13):
            return z
        h = hess(z)
        step = None
        if np.all(np.isfinite(h)):
            try:
                if np.all(np.linalg.eigvalsh((h + h.T) / 2) > 0):
                    step = -np.linalg.solve(h, g)
            except np.linalg.LinAlgError:
                step = None
        if step is None:
            diag = np.abs(np.diag(h)) if np.all(np.isfinite(h)) else np.ones_like(g)
            step = -g / np.maximum(diag, 1e-8)
        with np.errstate(all="ignore"):
            slope = float(g @ step)
        t = 1.0
        while t > 1e-14:
            cand = z + t * step
            if np.all(cand > lo) and np.all(cand < hi):
                fc = f(cand)
                if math.isfinite(fc) and fc <= fz + 1e-4 * t * slope:
                    break
            t /= 2
        else:
            return z if np.all(np.abs(g) * np.maximum(np.abs(z), 1.0) < 1e-8) else None
        done = abs(fz - fc) <= 1e-16 * max(1.0, abs(fz)) and t == 1.0
        z, fz = cand, fc
        if done:
            return z
    return None


def _bounds(m: Model) -> list[tuple[float, float]]:
    out = []
    fam = m.family
    arg_bounds: dict[sp.Basic, tuple[float, float]] = {}
    if fam is not None and fam.bounds:
        for a, b in zip(m.args, fam.bounds, strict=False):
            arg_bounds[a] = b
    for p in m.params:
        if p in arg_bounds:
            lo, hi = arg_bounds[p]
            out.append((max(lo, 1e-10) if lo == 1e-300 else lo, hi))
        elif p.is_positive:
            out.append((1e-10, np.inf))
        elif p.is_nonnegative:
            out.append((0.0, np.inf))
        else:
            out.append((-np.inf, np.inf))
    return out


def _start(
    m: Model, arr: np.ndarray, params: list[sp.Symbol], bounds: list[tuple[float, float]]
) -> list[float]:
    guesses: dict[sp.Symbol, float] = {}
    fam = m.family
    if fam is not None and fam.start is not None:
        with np.errstate(all="ignore"):
            try:
                values = fam.start(arr)
            except (ValueError, ZeroDivisionError, FloatingPointError):
                values = []
        for a, v in zip(m.args, values, strict=False):
            if isinstance(a, sp.Symbol) and v is not None and math.isfinite(v):
                guesses[a] = float(v)
    out = []
    for p, (lo, hi) in zip(params, bounds, strict=True):
        v = guesses.get(p)
        if v is None:
            v = 0.5 if hi == 1 - 1e-12 else 1.0 if lo >= 0 else 0.0
        out.append(float(min(max(v, lo if lo > -np.inf else v), hi if hi < np.inf else v)))
    return out
