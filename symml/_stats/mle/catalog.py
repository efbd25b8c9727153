"""Named textbook models: :func:`mle_catalog` and :data:`MLE_CATALOG`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sympy as sp

from ..._core import DEFAULT_BUDGET, ArgumentError, as_budget, bad_argument
from ..families import FAMILIES
from ..model import Model, analyse
from .derive import _build, mle
from .estimate import MLE

#: Names accepted by :func:`mle_catalog` (and ``symml mle NAME``).
MLE_CATALOG: tuple[str, ...] = (
    "normal",
    "bernoulli",
    "binomial",
    "poisson",
    "exponential",
    "geometric",
    "lognormal",
    "rayleigh",
    "pareto",
    "weibull",
    "weibull_known_shape",
    "gamma",
    "gamma_known_shape",
    "beta",
    "student_t",
    "negative_binomial",
    "negative_binomial_known_r",
    "uniform",
    "laplace",
    "categorical",
    "mvnormal",
    "power",
)


_Spec = tuple[Any, Any, Any]


def _spec(model: Any, params: Any = None, *, var: Any = None) -> _Spec:
    """The arguments of :func:`mle` for one named model."""
    return model, params, var


@functools.cache
def _catalog() -> dict[str, Callable[[], _Spec | Model]]:
    """The builder of each named model (made on first use: ``sympy.stats`` loads slowly)."""
    import sympy.stats as ss

    pos = {"positive": True}
    mu = sp.Symbol("mu", real=True)
    sigma = sp.Symbol("sigma", **pos)
    p = sp.Symbol("p", **pos)
    lam = sp.Symbol("lambda", **pos)
    N = sp.Symbol("N", integer=True, positive=True)
    theta = sp.Symbol("theta", **pos)
    alpha = sp.Symbol("alpha", **pos)
    x_m = sp.Symbol("x_m", **pos)
    k = sp.Symbol("k", **pos)
    a, b = sp.symbols("a b", **pos)
    nu = sp.Symbol("nu", **pos)
    r = sp.Symbol("r", **pos)

    def student_t() -> Model:
        x = sp.Symbol("x", real=True)
        z = (x - mu) / sigma
        dens = (
            sp.gamma((nu + 1) / 2)
            / (sp.gamma(nu / 2) * sp.sqrt(nu * sp.pi) * sigma)
            * (1 + z**2 / nu) ** (-(nu + 1) / 2)
        )
        m = analyse(dens, [mu, sigma, nu], x)
        m.family = FAMILIES["_StudentTLocScale"]
        m.args = (mu, sigma, nu)
        m.label = "StudentT(mu, sigma, nu)"
        return m

    def categorical() -> _Spec:
        p1, p2 = sp.symbols("p1 p2", **pos)
        return _spec(ss.FiniteRV("X", {1: p1, 2: p2, 3: 1 - p1 - p2}))

    def mvnormal() -> _Spec:
        dim = sp.Symbol("d", integer=True, positive=True)
        return _spec(
            ss.MultivariateNormal(
                "X", sp.MatrixSymbol("mu", dim, 1), sp.MatrixSymbol("Sigma", dim, dim)
            )
        )

    def power() -> _Spec:
        x = sp.Symbol("x", positive=True)
        return _spec(theta * x ** (theta - 1), [theta], var=x)

    return {
        "normal": lambda: _spec(ss.Normal("X", mu, sigma)),
        "bernoulli": lambda: _spec(ss.Bernoulli("X", p)),
        "binomial": lambda: _spec(ss.Binomial("X", N, p)),
        "poisson": lambda: _spec(ss.Poisson("X", lam)),
        "exponential": lambda: _spec(ss.Exponential("X", lam)),
        "geometric": lambda: _spec(ss.Geometric("X", p)),
        "lognormal": lambda: _spec(ss.LogNormal("X", mu, sigma)),
        "rayleigh": lambda: _spec(ss.Rayleigh("X", sigma)),
        "pareto": lambda: _spec(ss.Pareto("X", x_m, alpha), [alpha]),
        "weibull": lambda: _spec(ss.Weibull("X", lam, k)),
        "weibull_known_shape": lambda: _spec(ss.Weibull("X", lam, k), [lam]),
        "gamma": lambda: _spec(ss.Gamma("X", k, theta)),
        "gamma_known_shape": lambda: _spec(ss.Gamma("X", k, theta), [theta]),
        "beta": lambda: _spec(ss.Beta("X", a, b)),
        "student_t": student_t,
        "negative_binomial": lambda: _spec(ss.NegativeBinomial("X", r, p)),
        "negative_binomial_known_r": lambda: _spec(ss.NegativeBinomial("X", r, p), [p]),
        "uniform": lambda: _spec(ss.Uniform("X", 0, theta)),
        "laplace": lambda: _spec(ss.Laplace("X", mu, b)),
        "categorical": categorical,
        "mvnormal": mvnormal,
        "power": power,
    }


def mle_catalog(name: str, *, budget: float = DEFAULT_BUDGET) -> MLE:
    """The :class:`MLE` of a named textbook model, with conventional symbols.

    ==========================  ===============================================  ===========
    name                        model (parameters estimated)                     closed form
    ==========================  ===============================================  ===========
    ``normal``                  ``Normal(mu, sigma)``                            yes
    ``bernoulli``               ``Bernoulli(p)``                                 yes
    ``binomial``                ``Binomial(N, p)``, ``N`` known                  yes
    ``poisson``                 ``Poisson(lambda)``                              yes
    ``exponential``             ``Exponential(lambda)`` (rate)                   yes
    ``geometric``               ``Geometric(p)`` on 1, 2, ...                    yes
    ``lognormal``               ``LogNormal(mu, sigma)``                         yes
    ``rayleigh``                ``Rayleigh(sigma)``                              yes
    ``pareto``                  ``Pareto(x_m, alpha)``, scale ``x_m`` known      yes
    ``weibull_known_shape``     ``Weibull(lambda, k)``, shape ``k`` known        yes
    ``gamma_known_shape``       ``Gamma(k, theta)``, shape ``k`` known           yes
    ``negative_binomial_known_r``  ``NegativeBinomial(r, p)``, ``r`` known       yes
    ``categorical``             ``FiniteRV`` on 1, 2, 3 (``p1``, ``p2``)         yes
    ``mvnormal``                ``MultivariateNormal(mu, Sigma)`` in ``d`` dims  yes
    ``power``                   density ``theta x**(theta - 1)`` on (0, 1)       yes
    ``uniform``                 ``Uniform(0, theta)``                            boundary
    ``laplace``                 ``Laplace(mu, b)``                               median
    ``gamma``                   ``Gamma(k, theta)``                              no
    ``weibull``                 ``Weibull(lambda, k)``                           no
    ``beta``                    ``Beta(a, b)``                                   no
    ``student_t``               location-scale t ``(mu, sigma, nu)``             no
    ``negative_binomial``       ``NegativeBinomial(r, p)``                       no
    ==========================  ===============================================  ===========

    Parameters
    ----------
    name : str
        One of :data:`MLE_CATALOG` (case-insensitive; ``-`` may stand for ``_``).
    budget : float, default 10
        Seconds of symbolic work, as in :func:`mle`.

    Examples
    --------
    >>> from symml import mle_catalog
    >>> est = mle_catalog("bernoulli")
    >>> est.estimators
    {p: Sum(x[i], (i, 1, n))/n}
    >>> est.fisher_information
    Matrix([[-1/(p*(p - 1))]])
    >>> mle_catalog("beta").estimators
    {}
    """
    key = name.lower().replace("-", "_") if isinstance(name, str) else None
    if key not in MLE_CATALOG:
        raise ArgumentError(bad_argument("name", name, f"pick one of {', '.join(MLE_CATALOG)}"))
    spec = _catalog()[key]()
    if isinstance(spec, Model):
        return _build(spec, as_budget(budget))
    model, params, var = spec
    return mle(model, params, var=var, budget=budget)
