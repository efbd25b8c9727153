"""The posterior's self-check: quadrature of prior x likelihood on seeded data."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import sympy as sp

from ..._core import (
    ArgumentError,
    Verdict,
)
from ..density import (
    Model,
    compile_numeric,
    log_density,
)
from ..sample import (
    draw_from_support,
    draw_values,
    numeric_support,
)
from .families import (
    DIRICHLET,
    NIG,
    Family,
)
from .posterior import (
    Posterior,
    _as_data,
)


# ===========================================================================
# Verification: quadrature of prior x likelihood on seeded data
# ===========================================================================
def _draw_data(
    model: Model,
    given: Mapping[sp.Symbol, float],
    rng: np.random.Generator,
    size: int,
    spread: float = 2.5,
) -> np.ndarray:
    k = len(model.var)
    if k > 1:
        return rng.integers(0, k, size).astype(float)
    return draw_from_support(numeric_support(model.support, given), rng, size, spread)


def _domain_cubature(family: Family, k: int, func: Callable[[np.ndarray], np.ndarray]) -> float:
    """The integral of ``func(theta)`` (theta of shape (m, k)) over the family's domain."""
    from scipy.integrate import cubature

    if family.domain == "simplex":

        def on_cube(u: np.ndarray) -> np.ndarray:
            theta = np.empty((u.shape[0], k))
            left = np.ones(u.shape[0])
            jac = np.ones(u.shape[0])
            for j in range(k - 1):
                theta[:, j] = left * u[:, j]
                jac *= left
                left = left - theta[:, j]
            theta[:, k - 1] = left
            return func(theta) * jac

        res = cubature(on_cube, np.zeros(k - 1), np.ones(k - 1), rtol=1e-11, atol=0)
    else:
        lo = {"unit": [0.0], "positive": [0.0], "real": [-np.inf], "real-positive": [-np.inf, 0.0]}[
            family.domain
        ]
        hi = {
            "unit": [1.0],
            "positive": [np.inf],
            "real": [np.inf],
            "real-positive": [np.inf, np.inf],
        }[family.domain]
        res = cubature(func, np.array(lo), np.array(hi), rtol=1e-11, atol=0)
    return float(res.estimate)


def posterior_verdict(post: Posterior, *, seed: int = 0, nobs: int = 7) -> Verdict:
    """Normalise prior x likelihood by quadrature on seeded data; compare with the closed form.

    Also checks that the MAP maximises prior x likelihood, and the predictive
    against the quadrature of f(new | theta) p(theta | data).
    """
    spec = post._spec
    family, model, params = spec.family, spec.model, post.params
    k = len(params)
    if family is DIRICHLET and k > 4:
        return Verdict(
            False,
            "inconclusive",
            claimed=post.result,
            notes=(
                "inconclusive: quadrature on a simplex of more than 4 categories is not attempted",
            ),
        )
    rng = np.random.default_rng(seed)
    for attempt in range(20):
        given = draw_values(spec.known, rng)
        data = _draw_data(model, given, rng, nobs, spread=0.7 + 0.2 * attempt)
        try:
            fit = post.update(data, {s: v for s, v in given.items()})
        except ArgumentError:
            continue
        break
    else:  # pragma: no cover - the draws are always in the support
        return Verdict(False, "inconclusive", notes=("inconclusive: no valid seeded data",))
    arr = _as_data(data, model, given)
    consts = list(model.constants)
    prior_args = sorted(spec.prior_density.free_symbols - set(params), key=lambda s: s.name)
    log_prior = compile_numeric(log_density(spec.prior_density), [*params, *prior_args])
    log_f = compile_numeric(log_density(model.density), [*model.var, *params, *consts])
    cvals = [given[c] for c in consts]

    def log_unnorm(theta: np.ndarray) -> np.ndarray:
        cols = [theta[:, j][None, :] for j in range(k)]
        xs = [arr[:, j][:, None] for j in range(arr.shape[1])]
        lik = np.sum(log_f(*xs, *cols, *cvals), axis=0)
        return log_prior(*[c[0] for c in cols], *(given[s] for s in prior_args)) + lik

    def closed(theta: np.ndarray) -> np.ndarray:
        return fit.logpdf(*(theta[:, j] for j in range(k)))

    # 1. Proportionality at posterior draws.
    draws = fit.dist.rvs(size=6, random_state=rng)
    if family is NIG:
        theta = np.column_stack(draws)
    else:
        theta = np.asarray(draws, dtype=float).reshape(6, k)
    diff = log_unnorm(theta) - closed(theta)
    if not np.ptp(diff) < 1e-8 * (1 + np.abs(diff).max()):
        return Verdict(
            False,
            "prior x likelihood",
            claimed=post.result,
            claimed_value=closed(theta).tolist(),
            expected_value=log_unnorm(theta).tolist(),
            notes=("the closed form is not proportional to prior x likelihood",),
        )
    # 2. Normalisation by quadrature.
    shift = float(np.max(log_unnorm(theta)))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = _domain_cubature(family, k, lambda t: _finite(np.exp(log_unnorm(t) - shift)))
    log_evidence = math.log(z) + shift
    if not math.isclose(log_evidence, float(np.mean(diff)), rel_tol=1e-7, abs_tol=1e-7):
        return Verdict(
            False,
            "quadrature",
            claimed=post.result,
            claimed_value=float(np.mean(diff)),
            expected_value=log_evidence,
            notes=("log of the normalising constant: closed form vs quadrature",),
        )
    notes = [f"posterior = prior x likelihood / quadrature on {nobs} seeded observations"]
    # 3. The MAP maximises prior x likelihood.
    if all(math.isfinite(v) for v in fit.map.values()):
        at = np.array([[fit.map[p.name] for p in params]])
        best = log_unnorm(at)[0]
        steps_ = 1e-4 * np.maximum(1.0, np.abs(at[0]))
        for j in range(k):
            for sign in (-1, 1):
                moved = at.copy()
                moved[0, j] += sign * steps_[j]
                if family is DIRICHLET:
                    moved[0, (j + 1) % k] -= sign * steps_[j]
                value = log_unnorm(moved)[0]
                if np.isfinite(value) and value > best + 1e-12 * abs(best):
                    return Verdict(
                        False,
                        "MAP",
                        claimed=post.map_estimate,
                        claimed_value=float(best),
                        expected_value=float(value),
                        notes=(*notes, "a nearby point has a higher posterior"),
                    )
        notes.append("the MAP beats its neighbours")
    # 4. The predictive against quadrature.
    new = _draw_data(model, given, rng, 2)
    points = _as_data(new, model, given)
    for row in points:
        xs = [np.array([v]) for v in row]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            integral = _domain_cubature(
                family,
                k,
                lambda t, xs=xs: _finite(
                    np.exp(log_f(*xs, *(t[:, j] for j in range(k)), *cvals) + closed(t))
                ),
            )
        claimed = float(fit.predictive(*row))
        if not math.isclose(claimed, integral, rel_tol=1e-6):
            return Verdict(
                False,
                "predictive by quadrature",
                claimed=post.predictive,
                counterexample=dict(zip(post.new_observation, row.tolist(), strict=True)),
                claimed_value=claimed,
                expected_value=integral,
                notes=tuple(notes),
            )
    notes.append("predictive = quadrature of f(new | params) p(params | data)")
    return Verdict(True, "quadrature", claimed=post.result, notes=tuple(notes), points=nobs)


def _finite(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), values, 0.0)
