"""Maxima on the edge of the parameter space: a monotone likelihood whose supremum is an endpoint.

``mle_catalog("bernoulli").fit([0, 0, 0])``: the likelihood ``(1 - p)**n`` is
decreasing on ``(0, 1)``, so its maximum over the closure ``[0, 1]`` is at
``p = 0``. An estimate that lands on an endpoint of its parameter's domain is
accepted when the likelihood, followed from inside the domain along that
parameter, is monotone towards the endpoint and converges to a finite value
(the likelihood extends continuously to the endpoint and is largest there).
When it grows without bound instead (a normal ``sigma -> 0`` on equal values)
the supremum is not attained and no estimate exists: an error says so.

At an endpoint the Fisher-information (Wald) asymptotics do not apply: the
standard error is reported as 0 and the note names intervals that do work
(Wilson score interval and a Beta prior for a proportion, the exact Garwood
interval and a Gamma prior for a Poisson rate); ``conf_int`` returns those
for the catalog families.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import sympy as sp

from ..._core import ArgumentError, bad_argument
from ..data import short_data
from ..model import Model
from .sample import _Program

if TYPE_CHECKING:
    from .estimate import MLE

# distances from an endpoint at which the log-likelihood is followed (closest first)
_NEAR = (1e-12, 1e-9, 1e-6)
# further points, towards the inside of the domain (fractions of the way for (0, 1),
# absolute distances for a half-line)
_UNIT_INSIDE = (1e-3, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999)
_LINE_INSIDE = (1e-3, 0.1, 1.0, 10.0, 100.0)


class Edges(NamedTuple):
    """The parameters whose estimate is an endpoint, and what follows from that."""

    values: dict[sp.Symbol, float]  # parameter -> endpoint
    loglike: float | None  # the log-likelihood at the estimate (a limit)
    notes: list[str]


def closure(m: Model) -> list[tuple[float, float]]:
    """The closure of each parameter's domain: ``[0, 1]`` for a probability, ``[0, inf)``..."""
    out = []
    by_arg: dict[sp.Basic, tuple[float, float]] = {}
    if m.family is not None and m.family.bounds:
        by_arg = dict(zip(m.args, m.family.bounds, strict=False))
    for p in m.params:
        lo, hi = by_arg.get(p, (-math.inf, math.inf))
        if 0 < lo < 1e-6 or p.is_positive or p.is_nonnegative:
            lo = max(0.0, lo) if lo >= 1e-6 else 0.0
        if 1 - 1e-6 < hi < 1:
            hi = 1.0
        out.append((float(lo), float(hi)))
    return out


def _loglike_function(
    d: MLE, arr: np.ndarray, kargs: Sequence[float], stats: dict[Any, float] | None = None
) -> Callable:
    """``theta -> log L(theta)`` on ``arr``; ``stats``: sums over ``arr`` already computed."""
    m: Model = d._model
    prog = d._cached(
        "ll",
        lambda: _Program(d.log_likelihood, d._sample, [*m.params, *m.known]),
    )
    cache = prog.prepare(arr, stats)

    def ll(theta: Sequence[float]) -> float:
        with np.errstate(all="ignore"):
            v = float(np.real(prog(arr, [*theta, *kargs], cache)))
        return v if not math.isnan(v) else -math.inf

    return ll


def _follow(ll: Callable, theta: list[float], j: int, edge: float, toward: float) -> list[float]:
    """Log-likelihoods at points moving from ``edge`` into the domain (closest first)."""
    span = toward - edge
    if math.isfinite(span):
        points = [edge + h * span for h in (*_NEAR, *_UNIT_INSIDE)]
    else:
        points = [edge + math.copysign(h, span) for h in (*_NEAR, *_LINE_INSIDE)]
    values = []
    for point in points:
        t = list(theta)
        t[j] = point
        values.append(ll(t))
    return values


def _decide(values: list[float]) -> str:
    """``"attained"``, ``"unbounded"`` (the sup is not attained) or ``"interior"``.

    Monotone towards the edge is required; then the steps ``1e-6 -> 1e-9`` and
    ``1e-9 -> 1e-12`` tell a finite limit (the last step much smaller) from
    growth without bound (``log`` or power growth: the steps do not shrink).
    """
    if any(v == math.inf for v in values):
        return "unbounded"
    first = values[0]
    if not math.isfinite(first):
        return "interior"
    tol = 1e-12 * (1 + abs(first))
    if any(later > earlier + tol for earlier, later in itertools.pairwise(values)):
        return "interior"  # not monotone: the maximum is not at this end
    d1, d2 = values[0] - values[1], values[1] - values[2]
    return "attained" if d1 <= 0.1 * d2 + tol else "unbounded"


def _at(v: float, edge: float, numeric: bool) -> bool:
    """Whether the estimate ``v`` stands for the endpoint ``edge``.

    A closed form lands exactly on it (``Σx/n = 0``); a numeric search stops
    just inside, at its box (``1e-10`` for a positive parameter, ``1 - 1e-12``
    for a probability). A tiny interior estimate (a rate of ``1e-12`` for
    data near ``1e12``) is not mistaken for the endpoint.
    """
    if v == edge:
        return True
    if not numeric:
        return False
    if edge == 0.0:
        return 0 <= v < 1e-9
    return abs(v - edge) < 1e-9 * max(1.0, abs(edge))


def find_edges(
    d: MLE,
    data: Any,
    arr: np.ndarray,
    theta: dict[sp.Symbol, float],
    kargs: Sequence[float],
    *,
    numeric: bool = False,
    stats: dict[Any, float] | None = None,
) -> Edges:
    """The estimates that are endpoints of the parameter space, decided as described above.

    Raises ArgumentError when the likelihood grows without bound towards an
    endpoint (no maximum exists).
    """
    m: Model = d._model
    params = list(m.params)
    bounds = closure(m)
    point = [theta[p] for p in params]
    ll: Callable | None = None
    edges: dict[sp.Symbol, float] = {}
    limit = math.nan
    notes: list[str] = []
    for j, (p, (lo, hi)) in enumerate(zip(params, bounds, strict=True)):
        v = point[j]
        if not math.isfinite(v):
            continue
        for edge, other in ((lo, hi), (hi, lo)):
            if not math.isfinite(edge) or not _at(v, edge, numeric):
                continue
            ll = ll or _loglike_function(d, arr, kargs, stats)
            values = _follow(ll, point, j, edge, other)
            verdict = _decide(values)
            if verdict == "unbounded":
                raise ArgumentError(
                    bad_argument(
                        "data",
                        short_data(data),
                        f"the likelihood of {m.label} grows without bound as {p} -> {edge:g} "
                        "(e.g. all values equal): its supremum is not attained, so no "
                        "maximum-likelihood estimate exists",
                    )
                )
            if verdict == "attained":
                edges[p] = float(edge)
                h0, h1 = _NEAR[0], _NEAR[1]  # linear extrapolation to the edge
                limit = values[0] - (values[1] - values[0]) * h0 / (h1 - h0)
                point[j] = float(edge)
                notes.append(_note(m, p, edge))
            break
    if not edges:
        return Edges({}, None, [])
    assert ll is not None
    value = ll(point)
    if not math.isfinite(value):  # 0 * log(0): the limit from inside
        value = limit
    return Edges(edges, value, notes)


def _note(m: Model, p: sp.Symbol, edge: float) -> str:
    fam = m.family.name if m.family else ""
    instead = "a likelihood-ratio (profile) interval or a Bayesian posterior"
    if fam in ("Bernoulli", "Binomial", "Geometric", "NegativeBinomial"):
        instead = (
            "the Wilson score interval (conf_int gives it) or a Beta prior "
            "(symml.conjugate_posterior)"
            if fam in ("Bernoulli", "Binomial")
            else "a Beta prior (symml.conjugate_posterior) or a likelihood-ratio interval"
        )
    elif fam == "Poisson":
        instead = (
            "the exact (Garwood) interval (conf_int gives it) or a Gamma prior "
            "(symml.conjugate_posterior)"
        )
    return (
        f"{p} = {edge:g} is on the boundary of the parameter space: the likelihood is "
        f"monotone in {p} and largest at {p} = {edge:g}; the score does not vanish there, "
        "so the Wald interval degenerates (standard error 0). Use " + instead + " instead"
    )


def edge_interval(
    m: Model, p: sp.Symbol, value: float, arr: np.ndarray, kv: dict[sp.Symbol, float], z: float
) -> tuple[float, float]:
    """A usable interval for an estimate on the boundary (Wilson, Garwood), else degenerate."""
    fam = m.family.name if m.family else ""
    n = arr.shape[0]
    if fam == "Bernoulli":
        return wilson(value, n, z)
    if fam == "Binomial":
        return wilson(value, n * float(m.args[0].xreplace(kv)), z)
    if fam == "Poisson":
        from scipy.stats import chi2, norm

        alpha = 2 * (1 - norm.cdf(z))
        total = float(np.sum(arr))
        lo = 0.0 if total == 0 else float(chi2.ppf(alpha / 2, 2 * total)) / (2 * n)
        return (lo, float(chi2.ppf(1 - alpha / 2, 2 * total + 2)) / (2 * n))
    return (value, value)


def wilson(p_hat: float, trials: float, z: float) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``p_hat`` from ``trials`` Bernoulli trials."""
    z2 = z * z
    denom = 1 + z2 / trials
    centre = (p_hat + z2 / (2 * trials)) / denom
    half = z / denom * math.sqrt(p_hat * (1 - p_hat) / trials + z2 / (4 * trials * trials))
    lo = 0.0 if p_hat == 0 else max(0.0, centre - half)
    return (lo, 1.0 if p_hat == 1 else min(1.0, centre + half))


def runaway_notes(
    d: MLE,
    arr: np.ndarray,
    kargs: Sequence[float],
    params: dict[str, float],
    stderr: dict[str, float],
) -> list[str]:
    """Notes on estimates running off towards infinity (a Student-t ``nu`` on normal data).

    An estimate on a half-line whose standard error dwarfs it (or is not
    finite), where the log-likelihood still does not decrease at ten times the
    estimate, has its supremum at infinity: the number is where the optimiser
    stopped, not a maximum.
    """
    m: Model = d._model
    out = []
    names = [p.name for p in m.params]
    for (_lo, hi), p in zip(closure(m), m.params, strict=True):
        v, se = params[p.name], stderr[p.name]
        if hi != math.inf or not (v > 1e3):
            continue
        ll = _loglike_function(d, arr, kargs)
        point = [params[q] for q in names]
        far, farther = list(point), list(point)
        far[names.index(p.name)] = 10 * v
        farther[names.index(p.name)] = 100 * v
        here, there, beyond = ll(point), ll(far), ll(farther)
        rise = there - here
        if math.isfinite(here) and (
            beyond == math.inf or (rise > 1e-3 * (1 + abs(here)) and beyond - there >= rise)
        ):
            raise ArgumentError(
                bad_argument(
                    "data",
                    short_data([float(a) for a in arr[:6]]) if arr.size > 6 else arr.tolist(),
                    f"the likelihood grows without bound as {p} -> infinity (by {rise:.3g} "
                    f"from {p} = {v:.3g} to {10 * v:.3g}, and faster beyond): no "
                    "maximum-likelihood estimate exists; check that the density is "
                    "normalised for every value of the parameters",
                )
            )
        if math.isfinite(here) and rise >= -1e-9 * (1 + abs(here)):
            out.append(
                f"{p} = {v:.4g} (standard error {se:.3g}) is where the optimiser stopped: the "
                f"log-likelihood is still not decreasing as {p} grows (its supremum is at "
                f"{p} = infinity, e.g. the normal limit of a Student-t), so the estimate and "
                "its standard error are not meaningful; fit the limiting model instead"
            )
    return out


def check_numeric_estimate(
    d: MLE,
    data: Any,
    arr: np.ndarray,
    kargs: Sequence[float],
    theta: dict[sp.Symbol, float],
    stats: dict[Any, float] | None = None,
) -> None:
    """An error when the log-likelihood at a numeric estimate is not a finite number.

    The search ended where the density is 0, negative or undefined for some
    observation (``mu / (1 + x**2)`` at ``mu = 0``): that is no maximum.
    """
    m: Model = d._model
    value = _loglike_function(d, arr, kargs, stats)([theta[p] for p in m.params])
    if not math.isfinite(value):
        shown = {p.name: v for p, v in theta.items()}
        raise ArgumentError(
            bad_argument(
                "data",
                short_data(data),
                f"the numeric search for the maximum of the likelihood of {m.label} ended at "
                f"{shown}, where the log-likelihood is {value}: the density is 0, negative or "
                "undefined there, so no maximum was found; check that the density is positive "
                "and normalised for every value of the parameters",
            )
        )
