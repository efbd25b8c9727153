"""Numeric stationary points: multi-start root finding on the derived gradient.

Used by ``critical_points(..., numeric=True)`` and to cross-check a symbolic
answer (a solver's empty or partial list is reported as incomplete, never as
the whole). NumPy only: importing ``scipy.optimize`` takes seconds, which would
count against the caller's budget.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._core import ArgumentError, Deadline, bad_argument

__all__ = [
    "as_region",
    "confirmer",
    "find_roots",
    "matches",
    "newton_converged",
    "periodic_region",
    "real_values",
]

#: Half-width of the default search box of a non-periodic variable.
DEFAULT_HALF_WIDTH = 10.0


def as_region(
    region: Any, variables: Sequence[sp.Symbol], default: Mapping[sp.Symbol, tuple[float, float]]
) -> dict[sp.Symbol, tuple[float, float]]:
    """``region`` (dict Symbol -> (lo, hi), or one (lo, hi) per variable) as finite boxes.

    Variables ``region`` leaves out get their box from ``default``.
    """
    if region is None:
        return dict(default)
    hint = "give {x: (lo, hi), ...} or one (lo, hi) pair per variable, with lo < hi finite"
    if isinstance(region, Mapping):
        unknown = [s for s in region if s not in variables]
        if unknown:
            raise ArgumentError(bad_argument("region", region, f"{unknown[0]} is not in wrt"))
        pairs = {**default, **region}
    else:
        try:
            items = list(region)
        except TypeError:
            raise ArgumentError(bad_argument("region", region, hint)) from None
        if len(items) != len(variables):
            raise ArgumentError(
                bad_argument("region", region, f"expected {len(variables)} pairs; {hint}")
            )
        pairs = dict(zip(variables, items, strict=True))
    out = {}
    for s in variables:
        try:
            lo, hi = (float(v) for v in pairs[s])
        except (TypeError, ValueError):
            raise ArgumentError(bad_argument("region", region, hint)) from None
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ArgumentError(bad_argument("region", region, hint))
        out[s] = (lo, hi)
    return out


def periodic_region(
    variables: Sequence[sp.Symbol], periods: Mapping[sp.Symbol, sp.Expr]
) -> dict[sp.Symbol, tuple[float, float]]:
    """One period ``[0, T)`` for a periodic variable, ``[-10, 10]`` for the others."""
    return {
        s: (0.0, float(periods[s])) if s in periods else (-DEFAULT_HALF_WIDTH, DEFAULT_HALF_WIDTH)
        for s in variables
    }


def real_values(values: Any) -> np.ndarray:
    """``values`` as floats: a complex entry is its real part when the imaginary part is
    negligible, NaN otherwise (no ``ComplexWarning``: ``sqrt(z)`` of a complex-valued ``z``)."""
    out = np.asarray(values)
    if np.iscomplexobj(out):
        with np.errstate(all="ignore"):
            small = np.abs(out.imag) <= 1e-12 * (1.0 + np.abs(out.real))
            out = np.where(small, out.real, np.nan)
    return out.astype(float)


def _batched(func: Callable[..., Any], X: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``func`` at every row of ``X``: an array ``(rows, *shape)`` (constants broadcast)."""
    rows = X.shape[0]
    out = real_values(func(*X.T))
    out = np.broadcast_to(out.reshape(*shape, -1) if out.size > 1 else out, (*shape, rows))
    return np.moveaxis(out, -1, 0)


def find_roots(
    grad: Callable[..., Any],
    hess: Callable[..., Any],
    box: Mapping[sp.Symbol, tuple[float, float]],
    deadline: Deadline,
    *,
    starts: int | None = None,
    seed: int = 0,
    iterations: int = 80,
    confirm: Callable[[np.ndarray], bool] | None = None,
    known: Callable[[np.ndarray], bool] | None = None,
) -> tuple[list[np.ndarray], bool]:
    """Distinct zeros of ``grad`` in ``box``: ``(roots, finished)``.

    Damped Newton steps (pseudo-inverse of the Hessian, so lines of critical
    points are fine) from ``starts`` seeded random points, all at once; points
    close to a zero are polished by full Newton steps. A root counts when the
    gradient's norm is below ``1e-9`` (relative to the scale of the point) and
    it lies in the box, the Newton step there is small (:func:`newton_converged`)
    and ``confirm(point)`` holds; roots closer than ``1e-6`` (relative) are one.
    Roots for which ``known(point)`` holds are left out (they need no check).
    ``finished`` is False when the deadline stopped the search early (checked
    between iterations, so this holds in any thread).
    """
    bounds = np.array(list(box.values()), dtype=float)
    n = len(bounds)
    width = bounds[:, 1] - bounds[:, 0]
    rng = np.random.default_rng(seed)
    X = bounds[:, 0] + rng.random((starts or 100 * n * n, n)) * width
    finished = True
    with np.errstate(all="ignore"):
        for _ in range(iterations):
            if deadline.expired:
                finished = False
                break
            G = _batched(grad, X, (n,))
            H = _batched(hess, X, (n, n))
            ok = np.isfinite(G).all(axis=1) & np.isfinite(H).all(axis=(1, 2))
            X, G, H = X[ok], G[ok], H[ok]
            step = np.einsum("bij,bj->bi", np.linalg.pinv(H), G)
            size = np.max(np.abs(step) / width, axis=1, keepdims=True)
            X = X - step / np.maximum(1.0, 4.0 * size)  # at most a quarter of the box
        G = _batched(grad, X, (n,)) if len(X) else np.zeros((0, n))
        H = _batched(hess, X, (n, n)) if len(X) else np.zeros((0, n, n))

    def fun(v: np.ndarray) -> np.ndarray:
        return real_values(grad(*v)).reshape(n)

    def jac(v: np.ndarray) -> np.ndarray:
        return real_values(hess(*v)).reshape(n, n)

    roots: list[np.ndarray] = []
    scales = 1.0 + np.max(np.abs(X), axis=1) if len(X) else np.zeros(0)
    for point, g, h, scale in zip(X, G, H, scales, strict=True):
        if deadline.expired:
            return roots, False
        if not np.all(np.isfinite(point)) or not newton_converged(g, h, scale, 1e-4, 1e-3):
            continue
        with np.errstate(all="ignore"):
            inside = (point >= bounds[:, 0] - 1e-9 * width) & (point <= bounds[:, 1] + 1e-9 * width)
        if not inside.all() or any(np.max(np.abs(point - r)) <= 1e-6 * scale for r in roots):
            continue
        with np.errstate(all="ignore"):
            try:
                if np.linalg.norm(g) > 1e-9 * scale:
                    point = _polished(fun, jac, point, scale)
                ok = newton_converged(fun(point), jac(point), scale)
            except (ValueError, ArithmeticError, np.linalg.LinAlgError):
                continue
        if not ok or (known is not None and known(point)):
            continue
        if confirm is None or confirm(point):
            roots.append(point)
    return roots, finished


def _polished(
    fun: Callable[[np.ndarray], np.ndarray],
    jac: Callable[[np.ndarray], np.ndarray],
    point: np.ndarray,
    scale: float,
    steps: int = 30,
) -> np.ndarray:
    """Full Newton steps ``x - pinv(H) g`` from a point near a zero, until the step is tiny.

    Near a zero Newton converges quadratically; the pseudo-inverse keeps a
    line of zeros a line (the step goes to its nearest point). NumPy only:
    SciPy's ``root`` would cost an import of ``scipy.optimize`` (seconds, not
    interruptible) inside the caller's budget.
    """
    for _ in range(steps):
        step = np.linalg.pinv(jac(point)) @ fun(point)
        if not np.all(np.isfinite(step)):
            break
        point = point - step
        if np.max(np.abs(step)) <= 1e-15 * scale:
            break
    return point


def newton_converged(
    g: Any, H: Any, scale: float, gtol: float = 1e-9, steptol: float = 1e-6
) -> bool:
    """Whether a point with gradient ``g`` and Hessian ``H`` is a zero of the gradient.

    A small gradient is not enough (``exp(-x**2)`` is flat far out): the
    Newton step ``pinv(H) g`` must be small too. Both are scaled by ``|H|`` so
    that values that underflow in the same way still compare.
    """
    g = np.asarray(g, dtype=float)
    H = np.asarray(H, dtype=float)
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
        return False
    with np.errstate(all="ignore"):
        if not np.linalg.norm(g) <= gtol * scale:
            return False
        norm = float(np.max(np.abs(H)))
        if norm == 0.0:
            return not np.any(g)
        try:
            step = np.linalg.pinv(H / norm) @ (g / norm)
        except np.linalg.LinAlgError:
            return False
        return bool(np.max(np.abs(step)) <= steptol * scale)


def confirmer(
    grad: Sequence[sp.Expr], hess: Any, variables: Sequence[sp.Symbol]
) -> Callable[[np.ndarray], bool]:
    """The test of :func:`newton_converged` at 30 digits (no underflow: ``exp(-10**4)``)."""

    def confirm(point: np.ndarray) -> bool:
        subs = {s: sp.Float(float(v), 30) for s, v in zip(variables, point, strict=True)}
        try:
            g = [sp.N(e.xreplace(subs), 30) for e in grad]
            H = [sp.N(e.xreplace(subs), 30) for e in hess]
            if not all(v.is_number for v in [*g, *H]):
                return False
            big = max([abs(v) for v in H] + [sp.Integer(0)])
            if big == 0:
                return all(v == 0 for v in g)
            gs = np.array([complex(v / big) for v in g])
            Hs = np.array([complex(v / big) for v in H]).reshape(len(g), len(g))
            norm = float(sum(abs(v) ** 2 for v in g) ** sp.Rational(1, 2))
        except (TypeError, ValueError, ArithmeticError):
            return False
        scale = 1.0 + float(np.max(np.abs(point)))
        if np.any(np.abs(gs.imag) > 1e-12 * (1 + np.abs(gs.real))) or not norm <= 1e-9 * scale:
            return False
        with np.errstate(all="ignore"):
            try:
                step = np.linalg.pinv(Hs.real) @ gs.real
            except np.linalg.LinAlgError:
                return False
        return bool(np.max(np.abs(step)) <= 1e-6 * scale)

    return confirm


def matches(
    solution: Mapping[sp.Symbol, sp.Expr],
    variables: Sequence[sp.Symbol],
    periods: Mapping[sp.Symbol, sp.Expr],
) -> Callable[[np.ndarray], bool]:
    """A test: does a numeric point satisfy the symbolic ``solution`` (a point or a family)?

    A solution may leave variables free (a line of critical points) or hold
    integer parameters (a periodic family, tested at 0 and compared modulo the
    period).
    """
    names = list(solution)
    extra = {k: 0 for v in solution.values() for k in v.free_symbols - set(variables)}
    exprs = [sp.sympify(solution[s]).subs(extra) for s in names]
    index = [list(variables).index(s) for s in names]
    period = [float(periods[s]) if s in periods else None for s in names]
    try:
        fn = sp.lambdify(list(variables), exprs, modules=["numpy"])
    except Exception:  # no numeric form: nothing matches
        return lambda point: False

    def test(point: np.ndarray) -> bool:
        scale = 1.0 + float(np.max(np.abs(point)))
        with np.errstate(all="ignore"):
            try:
                targets = [complex(t) for t in fn(*point.astype(complex))]
            except (TypeError, ValueError, ArithmeticError):
                return False
        for i, t, p in zip(index, targets, period, strict=True):
            if not np.isfinite(t) or abs(t.imag) > 1e-9 * scale:
                return False
            diff = point[i] - t.real
            if p is not None:
                diff = (diff + p / 2) % p - p / 2
            if abs(diff) > 1e-6 * scale:
                return False
        return True

    return test
