"""Named textbook models: :func:`mle_catalog` and :data:`MLE_CATALOG`."""

from __future__ import annotations

import functools
from collections.abc import Callable

import sympy as sp

from ..._core import DEFAULT_BUDGET, ArgumentError, bad_argument
from ..families import FAMILIES
from ..model import analyse
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


@functools.cache
def _catalog() -> dict[str, Callable[[], MLE]]:
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

    def student_t() -> MLE:
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
        return _build(m, DEFAULT_BUDGET)

    def categorical() -> MLE:
        p1, p2 = sp.symbols("p1 p2", **pos)
        return mle(ss.FiniteRV("X", {1: p1, 2: p2, 3: 1 - p1 - p2}))

    def mvnormal() -> MLE:
        dim = sp.Symbol("d", integer=True, positive=True)
        return mle(
            ss.MultivariateNormal(
                "X", sp.MatrixSymbol("mu", dim, 1), sp.MatrixSymbol("Sigma", dim, dim)
            )
        )

    def power() -> MLE:
        x = sp.Symbol("x", positive=True)
        return mle(theta * x ** (theta - 1), [theta], var=x)

    return {
        "normal": lambda: mle(ss.Normal("X", mu, sigma)),
        "bernoulli": lambda: mle(ss.Bernoulli("X", p)),
        "binomial": lambda: mle(ss.Binomial("X", N, p)),
        "poisson": lambda: mle(ss.Poisson("X", lam)),
        "exponential": lambda: mle(ss.Exponential("X", lam)),
        "geometric": lambda: mle(ss.Geometric("X", p)),
        "lognormal": lambda: mle(ss.LogNormal("X", mu, sigma)),
        "rayleigh": lambda: mle(ss.Rayleigh("X", sigma)),
        "pareto": lambda: mle(ss.Pareto("X", x_m, alpha), [alpha]),
        "weibull": lambda: mle(ss.Weibull("X", lam, k)),
        "weibull_known_shape": lambda: mle(ss.Weibull("X", lam, k), [lam]),
        "gamma": lambda: mle(ss.Gamma("X", k, theta)),
        "gamma_known_shape": lambda: mle(ss.Gamma("X", k, theta), [theta]),
        "beta": lambda: mle(ss.Beta("X", a, b)),
        "student_t": student_t,
        "negative_binomial": lambda: mle(ss.NegativeBinomial("X", r, p)),
        "negative_binomial_known_r": lambda: mle(ss.NegativeBinomial("X", r, p), [p]),
        "uniform": lambda: mle(ss.Uniform("X", 0, theta)),
        "laplace": lambda: mle(ss.Laplace("X", mu, b)),
        "categorical": categorical,
        "mvnormal": mvnormal,
        "power": power,
    }


def mle_catalog(name: str) -> MLE:
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
    return _catalog()[key]()
