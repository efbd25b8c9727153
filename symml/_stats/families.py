"""The table of likelihood families: what symml knows about a data distribution beyond its density.

A *likelihood family* is a ``sympy.stats`` distribution of one observation
(keyed by its class name): its density and support come from ``sympy.stats``
(written here only where SymPy's form does not suit, Bernoulli and Binomial),
and this table adds the numeric facts ``mle`` needs. It is a different concept
from the *conjugate families* of :mod:`symml._stats.bayes.families`, which are
densities over the parameters, written in hyperparameters, that a posterior is
recognised as. The two tables share no entry and no fact: a distribution's
support comes from ``sympy.stats`` (``open_ends`` only marks that its ends are
excluded) and parameter domains from the parameters' assumptions (``bounds``
are the optimiser's numeric counterpart).

==================  ====================================================================
name                what it holds
==================  ====================================================================
:class:`Family`     one family: moments ``E[g(X)]``, a sampler, typical parameter values,
                    moment-based starting values, a known Fisher information, bounds
:data:`FAMILIES`    ``sympy.stats`` distribution class name -> :class:`Family`
==================  ====================================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import sympy as sp

__all__ = [
    "FAMILIES",
    "Family",
]

_EG = sp.EulerGamma


class Family(NamedTuple):
    """What symml knows about one textbook distribution beyond its density.

    ``args`` below are the distribution's parameters in SymPy's order.
    """

    name: str
    moments: Callable[[tuple, sp.Symbol], dict] = lambda args, x: {}
    sampler: Callable[[np.random.Generator, list[float], int], np.ndarray] | None = None
    typical: tuple[float, ...] = ()
    start: Callable[[np.ndarray], list[float | None]] | None = None
    fisher: Callable[[tuple], sp.Matrix] | None = None
    bounds: tuple[tuple[float, float], ...] = ()
    open_ends: bool = False
    pdf: Callable[[tuple, sp.Symbol], sp.Expr] | None = None
    note: str = ""


def _mean_var(a: np.ndarray) -> tuple[float, float]:
    m = float(np.mean(a))
    return m, float(np.mean((a - m) ** 2))


def _gamma_start(a: np.ndarray) -> list[float | None]:
    m, v = _mean_var(a)
    return [m * m / v, v / m] if v > 0 and m > 0 else [None, None]


def _beta_start(a: np.ndarray) -> list[float | None]:
    m, v = _mean_var(a)
    common = m * (1 - m) / v - 1 if v > 0 else -1
    return [m * common, (1 - m) * common] if common > 0 else [None, None]


def _weibull_start(a: np.ndarray) -> list[float | None]:
    logs = np.log(a)
    sd = float(np.std(logs))
    if not sd > 0:
        return [None, None]
    shape = math.pi / (math.sqrt(6) * sd)  # log X is Gumbel: sd = pi / (shape sqrt 6)
    return [math.exp(float(np.mean(logs)) + 0.5772156649015329 / shape), shape]


def _t_df(a: np.ndarray) -> float:
    m, v = _mean_var(a)
    kurt = float(np.mean((a - m) ** 4)) / v**2 - 3 if v > 0 else 0.0
    return 4 + 6 / kurt if kurt > 0.2 else 30.0  # excess kurtosis 6 / (nu - 4)


def _t_loc_scale_start(a: np.ndarray) -> list[float | None]:
    nu = _t_df(a)
    med = float(np.median(a))
    mad = float(np.median(np.abs(a - med))) * 1.4826
    return [med, mad if mad > 0 else None, nu]


def _negbin_start(a: np.ndarray) -> list[float | None]:
    m, v = _mean_var(a)
    r = m * m / (v - m) if v > m > 0 else 100.0
    return [r, r / (r + m) if m > 0 else None]


def _weibull_moments(args: tuple, x: sp.Symbol) -> dict:
    lam, k = args  # SymPy's Weibull(alpha=scale, beta=shape)
    c1, c2 = 1 - _EG, (1 - _EG) ** 2 + sp.pi**2 / 6 - 1
    return {
        sp.log(x): sp.log(lam) - _EG / k,
        sp.log(x) ** 2: (sp.log(lam) - _EG / k) ** 2 + sp.pi**2 / (6 * k**2),
        x**k: lam**k,
        x**k * sp.log(x): lam**k * (sp.log(lam) + c1 / k),
        x**k * sp.log(x) ** 2: lam**k * (sp.log(lam) ** 2 + 2 * sp.log(lam) * c1 / k + c2 / k**2),
    }


def _t_nu_info(nu: sp.Expr) -> sp.Expr:
    return (sp.polygamma(1, nu / 2) - sp.polygamma(1, (nu + 1) / 2)) / 4 - (nu + 5) / (
        2 * nu * (nu + 1) * (nu + 3)
    )


def _t_loc_scale_fisher(args: tuple) -> sp.Matrix:
    _mu, sigma, nu = args
    return sp.Matrix(
        [
            [(nu + 1) / ((nu + 3) * sigma**2), 0, 0],
            [0, 2 * nu / ((nu + 3) * sigma**2), -2 / ((nu + 1) * (nu + 3) * sigma)],
            [0, -2 / ((nu + 1) * (nu + 3) * sigma), _t_nu_info(nu)],
        ]
    )


_UNIT = ((1e-12, 1 - 1e-12),)
_POS = (1e-300, np.inf)
_REAL = (-np.inf, np.inf)

FAMILIES: dict[str, Family] = {
    "NormalDistribution": Family(
        "Normal",
        moments=lambda a, x: {x: a[0], x**2: a[0] ** 2 + a[1] ** 2},
        sampler=lambda rng, v, n: rng.normal(v[0], v[1], n),
        typical=(0.7, 1.3),
        start=lambda d: [_mean_var(d)[0], math.sqrt(_mean_var(d)[1])],
        bounds=(_REAL, _POS),
    ),
    "BernoulliDistribution": Family(
        "Bernoulli",
        moments=lambda a, x: {x: a[0], x**2: a[0]},
        sampler=lambda rng, v, n: rng.binomial(1, v[0], n).astype(float),
        typical=(0.3,),
        start=lambda d: [float(np.mean(d))],
        bounds=_UNIT,
        pdf=lambda a, x: a[0] ** x * (1 - a[0]) ** (1 - x),
    ),
    "BinomialDistribution": Family(
        "Binomial",
        moments=lambda a, x: {x: a[0] * a[1], x**2: a[0] * a[1] * (1 - a[1]) + (a[0] * a[1]) ** 2},
        sampler=lambda rng, v, n: rng.binomial(int(v[0]), v[1], n).astype(float),
        typical=(10.0, 0.35),
        bounds=((1, np.inf), *_UNIT),
        pdf=lambda a, x: sp.binomial(a[0], x) * a[1] ** x * (1 - a[1]) ** (a[0] - x),
    ),
    "PoissonDistribution": Family(
        "Poisson",
        moments=lambda a, x: {x: a[0], x**2: a[0] + a[0] ** 2},
        sampler=lambda rng, v, n: rng.poisson(v[0], n).astype(float),
        typical=(3.2,),
        start=lambda d: [float(np.mean(d))],
        bounds=(_POS,),
    ),
    "ExponentialDistribution": Family(
        "Exponential",
        moments=lambda a, x: {x: 1 / a[0], x**2: 2 / a[0] ** 2},
        sampler=lambda rng, v, n: rng.exponential(1 / v[0], n),
        typical=(1.7,),
        start=lambda d: [1 / float(np.mean(d))],
        bounds=(_POS,),
    ),
    "GeometricDistribution": Family(
        "Geometric",
        moments=lambda a, x: {x: 1 / a[0], x**2: (2 - a[0]) / a[0] ** 2},
        sampler=lambda rng, v, n: rng.geometric(v[0], n).astype(float),
        typical=(0.3,),
        start=lambda d: [1 / float(np.mean(d))],
        bounds=_UNIT,
    ),
    "LogNormalDistribution": Family(
        "LogNormal",
        moments=lambda a, x: {sp.log(x): a[0], sp.log(x) ** 2: a[0] ** 2 + a[1] ** 2},
        sampler=lambda rng, v, n: rng.lognormal(v[0], v[1], n),
        typical=(0.4, 0.6),
        start=lambda d: [float(np.mean(np.log(d))), float(np.std(np.log(d))) or None],
        bounds=(_REAL, _POS),
        open_ends=True,
    ),
    "RayleighDistribution": Family(
        "Rayleigh",
        moments=lambda a, x: {x**2: 2 * a[0] ** 2, x: a[0] * sp.sqrt(sp.pi / 2)},
        sampler=lambda rng, v, n: rng.rayleigh(v[0], n),
        typical=(1.5,),
        start=lambda d: [math.sqrt(float(np.mean(d * d)) / 2)],
        bounds=(_POS,),
        open_ends=True,
    ),
    "ParetoDistribution": Family(
        "Pareto",
        moments=lambda a, x: {sp.log(x): sp.log(a[0]) + 1 / a[1]},
        sampler=lambda rng, v, n: v[0] * (1 + rng.pareto(v[1], n)),
        typical=(1.5, 2.5),
        bounds=(_POS, _POS),
    ),
    "WeibullDistribution": Family(
        "Weibull",
        moments=_weibull_moments,
        sampler=lambda rng, v, n: v[0] * rng.weibull(v[1], n),
        typical=(1.4, 1.8),
        start=_weibull_start,
        bounds=(_POS, _POS),
        open_ends=True,
    ),
    "GammaDistribution": Family(
        "Gamma",
        moments=lambda a, x: {
            x: a[0] * a[1],
            x**2: a[0] * (a[0] + 1) * a[1] ** 2,
            sp.log(x): sp.polygamma(0, a[0]) + sp.log(a[1]),
        },
        sampler=lambda rng, v, n: rng.gamma(v[0], v[1], n),
        typical=(2.5, 1.5),
        start=_gamma_start,
        bounds=(_POS, _POS),
        open_ends=True,
    ),
    "BetaDistribution": Family(
        "Beta",
        moments=lambda a, x: {
            sp.log(x): sp.polygamma(0, a[0]) - sp.polygamma(0, a[0] + a[1]),
            sp.log(1 - x): sp.polygamma(0, a[1]) - sp.polygamma(0, a[0] + a[1]),
        },
        sampler=lambda rng, v, n: rng.beta(v[0], v[1], n),
        typical=(2.0, 3.0),
        start=_beta_start,
        bounds=(_POS, _POS),
        open_ends=True,
    ),
    "StudentTDistribution": Family(
        "StudentT",
        sampler=lambda rng, v, n: rng.standard_t(v[0], n),
        typical=(5.0,),
        start=lambda d: [_t_df(d)],
        fisher=lambda a: sp.Matrix([[_t_nu_info(a[0])]]),
        bounds=(_POS,),
        note="Fisher information of the degrees of freedom: the known closed form "
        "(checked against the variance of the score by .verify())",
    ),
    "NegativeBinomialDistribution": Family(
        "NegativeBinomial",
        moments=lambda a, x: {x: a[0] * (1 - a[1]) / a[1]},
        sampler=lambda rng, v, n: rng.negative_binomial(v[0], v[1], n).astype(float),
        typical=(3.5, 0.4),
        start=_negbin_start,
        bounds=(_POS, *_UNIT),
    ),
    "UniformDistribution": Family(
        "Uniform",
        sampler=lambda rng, v, n: rng.uniform(v[0], v[1], n),
        typical=(-1.0, 2.5),
    ),
    "LaplaceDistribution": Family(
        "Laplace",
        sampler=lambda rng, v, n: rng.laplace(v[0], v[1], n),
        typical=(0.5, 1.2),
        fisher=lambda a: sp.Matrix([[1 / a[1] ** 2, 0], [0, 1 / a[1] ** 2]]),
        bounds=(_REAL, _POS),
        note="Fisher information of the location: the variance of the score, "
        "E[sign(X - mu)^2]/b^2 = 1/b^2 (the second derivative of |x - mu| is zero "
        "except at the kink, so -E[d^2 log f] would miss it)",
    ),
    "_StudentTLocScale": Family(
        "StudentT",
        sampler=lambda rng, v, n: v[0] + v[1] * rng.standard_t(v[2], n),
        typical=(0.5, 1.5, 5.0),
        start=_t_loc_scale_start,
        fisher=_t_loc_scale_fisher,
        bounds=(_REAL, _POS, _POS),
        note="Fisher information of the location-scale t: the known closed form "
        "(Lange, Little and Taylor 1989; checked against the variance of the score "
        "by .verify())",
    ),
}
