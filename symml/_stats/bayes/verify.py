"""The posterior's self-check: quadrature of prior x likelihood on seeded data."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..._core import (
    ArgumentError,
    Verdict,
)
from ..density import compile_numeric
from ..model import Model, log_density, support_from_symbol
from ..sample import (
    draw_from_support,
    draw_values,
    numeric_support,
)
from ..signs import inadmissible, signed_sums
from .families import (
    DIRICHLET,
    NIG,
    Family,
)
from .posterior import (
    Posterior,
    PosteriorFit,
    _as_data,
)


def _draw_data(
    model: Model,
    given: Mapping[sp.Symbol, float],
    rng: np.random.Generator,
    size: int,
    spread: float = 2.5,
    *,
    categorical: bool = False,
) -> np.ndarray:
    """Seeded data: labels for one-hot categories, else one column per variable."""
    k = len(model.var)
    if k > 1 and categorical:
        return rng.integers(0, k, size).astype(float)
    if k > 1:  # a covariate and a response, ...: each from its symbol's values
        cols = [
            draw_from_support(support_from_symbol(v).as_set(), rng, size, spread) for v in model.var
        ]
        return np.column_stack(cols)
    return draw_from_support(numeric_support(model.domain, given), rng, size, spread)


def _sign_failure(post: Posterior) -> Verdict | None:
    """A hyperparameter that cannot have its family's sign (a negative variance) is wrong.

    The sums over the sample carry the signs the data force on them (sums
    of squares and counts are non-negative), so a scale such as
    ``-sigma*tau/sqrt(sigma**2 + tau**2*Sum(x[i]**2))`` is negative for
    every data set.
    """
    for sym, expr in post.hyperparameters.items():
        signed, _ = signed_sums(expr)
        why = inadmissible(signed, sym)
        if why is not None:
            return Verdict(
                False,
                "sign of the hyperparameters",
                claimed=expr,
                notes=(
                    f"wrong: {sym} = {sp.sstr(expr)} is {why} for every data set "
                    "(sums of squares and counts are non-negative); the posterior would "
                    "be improper",
                ),
            )
    return None


def _improper_failure(
    post: Posterior, given: Mapping[sp.Symbol, float], data: np.ndarray, arr: np.ndarray
) -> Verdict | None:
    """A proper prior times a likelihood is a proper posterior: a scale <= 0 is wrong."""
    values = post._raw_hyperparameters(arr, given)
    for sym, value in zip(post._spec.hyper, values, strict=True):
        if sym.is_positive and math.isfinite(value) and value <= 0:
            return Verdict(
                False,
                "hyperparameters on seeded data",
                claimed=post.hyperparameters.get(sym),
                counterexample={**given, sym: value},
                claimed_value=value,
                notes=(
                    f"wrong: {sym} = {value:g} on seeded data {np.asarray(data).tolist()} "
                    f"(known values {dict(given)}), but {sym} > 0: a proper prior times a "
                    "likelihood is a proper posterior",
                ),
            )
    return None


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


def _seeded_fit(
    post: Posterior, rng: np.random.Generator, nobs: int
) -> tuple[dict[sp.Symbol, float], np.ndarray, PosteriorFit] | Verdict | None:
    """Seeded known values and data in the support, and the posterior on them.

    A verdict instead when the posterior is improper on valid data (wrong).
    """
    spec = post._spec
    categorical = spec.family is DIRICHLET
    for attempt in range(20):
        given = draw_values(spec.known, rng)
        data = _draw_data(
            spec.model, given, rng, nobs, spread=0.7 + 0.2 * attempt, categorical=categorical
        )
        try:
            arr = _as_data(data, spec.model, given)
        except ArgumentError:
            continue
        wrong = _improper_failure(post, given, data, arr)
        if wrong is not None:
            return wrong
        try:
            fit = post.update(data, dict(given))
        except ArgumentError:
            continue
        return given, arr, fit
    return None  # pragma: no cover - the draws are always in the support


class _Unnormalised:
    """log prior + log-likelihood on the seeded data, vectorised over rows of theta."""

    def __init__(self, post: Posterior, given: Mapping[sp.Symbol, float], arr: np.ndarray):
        spec, params = post._spec, post.params
        model = spec.model
        self.k = len(params)
        self.prior_args = sorted(spec.prior_density.free_symbols - set(params), key=str)
        self.log_prior = compile_numeric(
            log_density(spec.prior_density), [*params, *self.prior_args]
        )
        self.log_f = compile_numeric(model.logpdf, [*model.var, *params, *model.constants])
        self.consts = [given[c] for c in model.constants]
        self.given, self.arr = given, arr

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        cols = [theta[:, j][None, :] for j in range(self.k)]
        xs = [self.arr[:, j][:, None] for j in range(self.arr.shape[1])]
        lik = np.sum(self.log_f(*xs, *cols, *self.consts), axis=0)
        prior = self.log_prior(*[c[0] for c in cols], *(self.given[s] for s in self.prior_args))
        return prior + lik


def _normalisation_failure(
    post: Posterior, fit: PosteriorFit, log_unnorm: _Unnormalised, rng: np.random.Generator
) -> Verdict | None:
    """Closed form = prior x likelihood / evidence: proportional, evidence by quadrature."""
    family, k = post._spec.family, len(post.params)
    draws = fit.dist.rvs(size=6, random_state=rng)
    theta = np.column_stack(draws) if family is NIG else np.asarray(draws, float).reshape(6, k)
    closed = fit.logpdf(*(theta[:, j] for j in range(k)))
    diff = log_unnorm(theta) - closed
    if not np.ptp(diff) < 1e-8 * (1 + np.abs(diff).max()):
        return _failed(
            post.result,
            "prior x likelihood",
            closed.tolist(),
            log_unnorm(theta).tolist(),
            "the closed form is not proportional to prior x likelihood",
        )
    shift = float(np.max(log_unnorm(theta)))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = _domain_cubature(family, k, lambda t: _finite(np.exp(log_unnorm(t) - shift)))
    log_evidence = math.log(z) + shift
    if not math.isclose(log_evidence, float(np.mean(diff)), rel_tol=1e-7, abs_tol=1e-7):
        return _failed(
            post.result,
            "quadrature",
            float(np.mean(diff)),
            log_evidence,
            "log of the normalising constant: closed form vs quadrature",
        )
    return None


def _map_failure(post: Posterior, fit: PosteriorFit, log_unnorm: _Unnormalised) -> Verdict | None:
    """No point a small step from the MAP has a higher posterior."""
    k = len(post.params)
    at = np.array([[fit.map[p.name] for p in post.params]])
    best = log_unnorm(at)[0]
    steps_ = 1e-4 * np.maximum(1.0, np.abs(at[0]))
    for j in range(k):
        for sign in (-1, 1):
            moved = at.copy()
            moved[0, j] += sign * steps_[j]
            if post._spec.family is DIRICHLET:
                moved[0, (j + 1) % k] -= sign * steps_[j]
            value = log_unnorm(moved)[0]
            if np.isfinite(value) and value > best + 1e-12 * abs(best):
                return _failed(
                    post.map_estimate,
                    "MAP",
                    float(best),
                    float(value),
                    "a nearby point has a higher posterior",
                )
    return None


def _predictive_failure(
    post: Posterior,
    fit: PosteriorFit,
    log_unnorm: _Unnormalised,
    rng: np.random.Generator,
    given: Mapping[sp.Symbol, float],
) -> Verdict | None:
    """The predictive at two seeded points = quadrature of f(new | params) p(params | data)."""
    spec, k = post._spec, len(post.params)
    points = _as_data(_draw_data(spec.model, given, rng, 2), spec.model, given)
    for row in points:
        xs = [np.array([v]) for v in row]

        def integrand(t: np.ndarray, xs: list[np.ndarray] = xs) -> np.ndarray:
            cols = [t[:, j] for j in range(k)]
            return _finite(
                np.exp(log_unnorm.log_f(*xs, *cols, *log_unnorm.consts) + fit.logpdf(*cols))
            )

        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            integral = _domain_cubature(spec.family, k, integrand)
        claimed = float(fit.predictive(*row))
        if not math.isclose(claimed, integral, rel_tol=1e-6):
            return Verdict(
                False,
                "predictive by quadrature",
                claimed=post.predictive,
                counterexample=dict(zip(post.new_observation, row.tolist(), strict=True)),
                claimed_value=claimed,
                expected_value=integral,
            )
    return None


def _failed(claimed: Any, method: str, got: Any, expected: Any, note: str) -> Verdict:
    return Verdict(
        False, method, claimed=claimed, claimed_value=got, expected_value=expected, notes=(note,)
    )


def posterior_verdict(post: Posterior, *, seed: int = 0, nobs: int = 7) -> Verdict:
    """Normalise prior x likelihood by quadrature on seeded data; compare with the closed form.

    Also checks that the MAP maximises prior x likelihood, and the predictive
    against the quadrature of f(new | theta) p(theta | data).
    """
    if post._spec.family is DIRICHLET and len(post.params) > 4:
        return Verdict(
            False,
            "inconclusive",
            claimed=post.result,
            notes=(
                "inconclusive: quadrature on a simplex of more than 4 categories is not attempted",
            ),
        )
    wrong = _sign_failure(post)
    if wrong is not None:
        return wrong
    rng = np.random.default_rng(seed)
    seeded = _seeded_fit(post, rng, nobs)
    if isinstance(seeded, Verdict):
        return seeded
    if seeded is None:  # pragma: no cover - the draws are always in the support
        return Verdict(False, "inconclusive", notes=("inconclusive: no valid seeded data",))
    given, arr, fit = seeded
    log_unnorm = _Unnormalised(post, given, arr)
    has_map = all(math.isfinite(v) for v in fit.map.values())
    failed = (
        _normalisation_failure(post, fit, log_unnorm, rng)
        or (_map_failure(post, fit, log_unnorm) if has_map else None)
        or _predictive_failure(post, fit, log_unnorm, rng, given)
    )
    if failed is not None:
        return failed
    notes = [
        f"posterior = prior x likelihood / quadrature on {nobs} seeded observations",
        *(["the MAP beats its neighbours"] if has_map else []),
        "predictive = quadrature of f(new | params) p(params | data)",
    ]
    return Verdict(True, "quadrature", claimed=post.result, notes=tuple(notes), points=nobs)


def _finite(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), values, 0.0)
