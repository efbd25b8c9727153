r"""Maximum likelihood: estimators with steps, Fisher information, fits with intervals.

======================  ==================================================================
name                    what it gives
======================  ==================================================================
:func:`mle`             an :class:`MLE` derivation for a ``sympy.stats`` random variable or
                        a density typed by hand: log-likelihood, score, closed-form
                        estimators (when they exist), Fisher information, ``.fit(data)``
:func:`mle_catalog`     the :class:`MLE` of a named textbook model (``"normal"``,
                        ``"poisson"``, ``"gamma"``, ...); :data:`MLE_CATALOG` lists them
:class:`MLE`            the derivation (a :class:`~symml.Derivation`)
:class:`MLEFit`         estimates, standard errors, Wald intervals of one data set
:class:`SampleMax`,     ``max x_i``, ``min x_i``, ``median x_i``: the order statistics that
:class:`SampleMin`,     boundary (``Uniform(0, θ)``, Pareto scale) and non-smooth (Laplace
:class:`SampleMedian`   location) estimators are made of
======================  ==================================================================

The log-likelihood of an i.i.d. sample ``x_1, ..., x_n`` is written as a sum
of logs over an indexed sample, ``Sum(log f(x_i), (i, 1, n))``, never as the
log of a ``Product`` (which SymPy does not split). Sums are split, constants
pulled out, and the parameters separated from the data so that the score
equations involve the sufficient statistics (``Σ x_i``, ``Σ x_i²``,
``Σ log x_i``, ...) only; then they are solved within a time budget.

Examples
--------
>>> import sympy as sp, sympy.stats as ss
>>> from symml._stats.likelihood import mle
>>> lam = sp.Symbol("lambda", positive=True)
>>> est = mle(ss.Poisson("X", lam))
>>> est.estimators
{lambda: Sum(x[i], (i, 1, n))/n}
>>> est.fisher_information
Matrix([[1/lambda]])
>>> fit = est.fit([2, 4, 3, 5, 1])
>>> fit.params["lambda"], round(fit.stderr["lambda"], 4)
(3.0, 0.7746)
"""

from __future__ import annotations

import math
import re
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
import sympy.stats as ss
from sympy.stats.rv import RandomSymbol

from .._codegen import to_numpy
from .._core import (
    ArgumentError,
    Derivation,
    ShapeError,
    Step,
    Verdict,
    bad_argument,
    run_with_budget,
)

__all__ = [
    "MLE",
    "MLE_CATALOG",
    "MLEFit",
    "SampleMax",
    "SampleMedian",
    "SampleMin",
    "mle",
    "mle_catalog",
]


# ---------------------------------------------------------------------------
# Order statistics of the sample as SymPy functions
# ---------------------------------------------------------------------------
class _SampleStatistic(sp.Function):
    """An order statistic of the indexed sample ``x`` (an ``IndexedBase``)."""

    nargs = 1
    _tex = ""
    _word = ""

    def _eval_is_real(self) -> bool | None:
        return self._element().is_real

    def _eval_is_positive(self) -> bool | None:
        return self._element().is_positive

    def _eval_is_nonnegative(self) -> bool | None:
        return self._element().is_nonnegative

    def _eval_is_integer(self) -> bool | None:
        if self._word == "median":
            return None
        return self._element().is_integer

    def _element(self) -> sp.Expr:
        base = self.args[0]
        return base[sp.Symbol("i", integer=True)] if isinstance(base, sp.IndexedBase) else base

    def _latex(self, printer: Any) -> str:
        base = printer._print(self.args[0])
        return rf"{self._tex}_{{i}} {base}_{{i}}"

    def _sympystr(self, printer: Any) -> str:
        return f"{self._word}({printer._print(self.args[0])})"


class SampleMax(_SampleStatistic):
    r"""The largest observation, ``max_i x_i`` (the MLE of ``θ`` in ``Uniform(0, θ)``).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.IndexedBase("x", positive=True)
    >>> SampleMax(x), SampleMax(x).is_positive, sp.latex(SampleMax(x))
    (max(x), True, '\\max_{i} x_{i}')
    """

    _tex = r"\max"
    _word = "max"


class SampleMin(_SampleStatistic):
    r"""The smallest observation, ``min_i x_i`` (the MLE of a Pareto scale).

    Examples
    --------
    >>> import sympy as sp
    >>> sp.latex(SampleMin(sp.IndexedBase("x")))
    '\\min_{i} x_{i}'
    """

    _tex = r"\min"
    _word = "min"


class SampleMedian(_SampleStatistic):
    r"""The sample median (the MLE of a Laplace location).

    Examples
    --------
    >>> import sympy as sp
    >>> sp.latex(SampleMedian(sp.IndexedBase("x")))
    '\\operatorname{median}_{i} x_{i}'
    """

    _tex = r"\operatorname{median}"
    _word = "median"


_ORDER_STATS: dict[type, Callable[[np.ndarray], float]] = {
    SampleMax: lambda a: float(np.max(a)),
    SampleMin: lambda a: float(np.min(a)),
    SampleMedian: lambda a: float(np.median(a)),
}


# ---------------------------------------------------------------------------
# The catalog of textbook families
# ---------------------------------------------------------------------------
_EG = sp.EulerGamma


@dataclass(frozen=True)
class _Family:
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

_FAMILIES: dict[str, _Family] = {
    "NormalDistribution": _Family(
        "Normal",
        moments=lambda a, x: {x: a[0], x**2: a[0] ** 2 + a[1] ** 2},
        sampler=lambda rng, v, n: rng.normal(v[0], v[1], n),
        typical=(0.7, 1.3),
        start=lambda d: [_mean_var(d)[0], math.sqrt(_mean_var(d)[1])],
        bounds=(_REAL, _POS),
    ),
    "BernoulliDistribution": _Family(
        "Bernoulli",
        moments=lambda a, x: {x: a[0], x**2: a[0]},
        sampler=lambda rng, v, n: rng.binomial(1, v[0], n).astype(float),
        typical=(0.3,),
        start=lambda d: [float(np.mean(d))],
        bounds=_UNIT,
        pdf=lambda a, x: a[0] ** x * (1 - a[0]) ** (1 - x),
    ),
    "BinomialDistribution": _Family(
        "Binomial",
        moments=lambda a, x: {x: a[0] * a[1], x**2: a[0] * a[1] * (1 - a[1]) + (a[0] * a[1]) ** 2},
        sampler=lambda rng, v, n: rng.binomial(int(v[0]), v[1], n).astype(float),
        typical=(10.0, 0.35),
        bounds=((1, np.inf), *_UNIT),
        pdf=lambda a, x: sp.binomial(a[0], x) * a[1] ** x * (1 - a[1]) ** (a[0] - x),
    ),
    "PoissonDistribution": _Family(
        "Poisson",
        moments=lambda a, x: {x: a[0], x**2: a[0] + a[0] ** 2},
        sampler=lambda rng, v, n: rng.poisson(v[0], n).astype(float),
        typical=(3.2,),
        start=lambda d: [float(np.mean(d))],
        bounds=(_POS,),
    ),
    "ExponentialDistribution": _Family(
        "Exponential",
        moments=lambda a, x: {x: 1 / a[0], x**2: 2 / a[0] ** 2},
        sampler=lambda rng, v, n: rng.exponential(1 / v[0], n),
        typical=(1.7,),
        start=lambda d: [1 / float(np.mean(d))],
        bounds=(_POS,),
    ),
    "GeometricDistribution": _Family(
        "Geometric",
        moments=lambda a, x: {x: 1 / a[0], x**2: (2 - a[0]) / a[0] ** 2},
        sampler=lambda rng, v, n: rng.geometric(v[0], n).astype(float),
        typical=(0.3,),
        start=lambda d: [1 / float(np.mean(d))],
        bounds=_UNIT,
    ),
    "LogNormalDistribution": _Family(
        "LogNormal",
        moments=lambda a, x: {sp.log(x): a[0], sp.log(x) ** 2: a[0] ** 2 + a[1] ** 2},
        sampler=lambda rng, v, n: rng.lognormal(v[0], v[1], n),
        typical=(0.4, 0.6),
        start=lambda d: [float(np.mean(np.log(d))), float(np.std(np.log(d))) or None],
        bounds=(_REAL, _POS),
        open_ends=True,
    ),
    "RayleighDistribution": _Family(
        "Rayleigh",
        moments=lambda a, x: {x**2: 2 * a[0] ** 2, x: a[0] * sp.sqrt(sp.pi / 2)},
        sampler=lambda rng, v, n: rng.rayleigh(v[0], n),
        typical=(1.5,),
        start=lambda d: [math.sqrt(float(np.mean(d * d)) / 2)],
        bounds=(_POS,),
        open_ends=True,
    ),
    "ParetoDistribution": _Family(
        "Pareto",
        moments=lambda a, x: {sp.log(x): sp.log(a[0]) + 1 / a[1]},
        sampler=lambda rng, v, n: v[0] * (1 + rng.pareto(v[1], n)),
        typical=(1.5, 2.5),
        bounds=(_POS, _POS),
    ),
    "WeibullDistribution": _Family(
        "Weibull",
        moments=_weibull_moments,
        sampler=lambda rng, v, n: v[0] * rng.weibull(v[1], n),
        typical=(1.4, 1.8),
        start=_weibull_start,
        bounds=(_POS, _POS),
        open_ends=True,
    ),
    "GammaDistribution": _Family(
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
    "BetaDistribution": _Family(
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
    "StudentTDistribution": _Family(
        "StudentT",
        sampler=lambda rng, v, n: rng.standard_t(v[0], n),
        typical=(5.0,),
        start=lambda d: [_t_df(d)],
        fisher=lambda a: sp.Matrix([[_t_nu_info(a[0])]]),
        bounds=(_POS,),
        note="Fisher information of the degrees of freedom: the known closed form "
        "(checked against the variance of the score by .verify())",
    ),
    "NegativeBinomialDistribution": _Family(
        "NegativeBinomial",
        moments=lambda a, x: {x: a[0] * (1 - a[1]) / a[1]},
        sampler=lambda rng, v, n: rng.negative_binomial(v[0], v[1], n).astype(float),
        typical=(3.5, 0.4),
        start=_negbin_start,
        bounds=(_POS, *_UNIT),
    ),
    "UniformDistribution": _Family(
        "Uniform",
        sampler=lambda rng, v, n: rng.uniform(v[0], v[1], n),
        typical=(-1.0, 2.5),
    ),
    "LaplaceDistribution": _Family(
        "Laplace",
        sampler=lambda rng, v, n: rng.laplace(v[0], v[1], n),
        typical=(0.5, 1.2),
        fisher=lambda a: sp.Matrix([[1 / a[1] ** 2, 0], [0, 1 / a[1] ** 2]]),
        bounds=(_REAL, _POS),
        note="Fisher information of the location: the variance of the score, "
        "E[sign(X - mu)^2]/b^2 = 1/b^2 (the second derivative of |x - mu| is zero "
        "except at the kink, so -E[d^2 log f] would miss it)",
    ),
    "_StudentTLocScale": _Family(
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


# ---------------------------------------------------------------------------
# Supports and data checks
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Support:
    """Where the observations live: an interval, an integer range or finite values."""

    discrete: bool
    lo: sp.Expr = sp.S.NegativeInfinity
    hi: sp.Expr = sp.S.Infinity
    lo_open: bool = True
    hi_open: bool = True
    values: tuple[sp.Expr, ...] | None = None

    def text(self) -> str:
        if self.values is not None:
            return "one of " + ", ".join(str(v) for v in self.values)
        if self.discrete:
            if self.hi == sp.oo:
                return f"integers >= {self.lo}" if self.lo != -sp.oo else "integers"
            return f"integers from {self.lo} to {self.hi}"
        if self.lo == -sp.oo and self.hi == sp.oo:
            return "real numbers"
        left = "(" if self.lo_open or self.lo == -sp.oo else "["
        right = ")" if self.hi_open or self.hi == sp.oo else "]"
        return f"the interval {left}{self.lo}, {self.hi}{right}"


def _support_from_set(s: Any, open_ends: bool) -> _Support:
    if isinstance(s, (set, frozenset)):
        s = sp.FiniteSet(*s)
    if isinstance(s, sp.FiniteSet):
        return _Support(True, values=tuple(sorted(s.args, key=sp.default_sort_key)))
    if s == sp.S.Naturals0:
        return _Support(True, sp.S.Zero, sp.oo, False, True)
    if s == sp.S.Naturals:
        return _Support(True, sp.S.One, sp.oo, False, True)
    if s == sp.S.Integers:
        return _Support(True)
    if isinstance(s, sp.Interval):
        return _Support(
            False,
            s.start,
            s.end,
            bool(s.left_open) or open_ends,
            bool(s.right_open) or open_ends,
        )
    if isinstance(s, sp.Intersection):
        intervals = [a for a in s.args if isinstance(a, sp.Interval)]
        if intervals and any(a in (sp.S.Naturals0, sp.S.Naturals, sp.S.Integers) for a in s.args):
            iv = intervals[0]
            return _Support(True, iv.start, iv.end, False, False)
    return _Support(False)


def _support_from_symbol(x: sp.Symbol) -> _Support:
    if x.is_integer:
        if x.is_positive:
            return _Support(True, sp.S.One, sp.oo, False, True)
        if x.is_nonnegative:
            return _Support(True, sp.S.Zero, sp.oo, False, True)
        return _Support(True)
    if x.is_positive:
        return _Support(False, sp.S.Zero, sp.oo, True, True)
    if x.is_nonnegative:
        return _Support(False, sp.S.Zero, sp.oo, False, True)
    return _Support(False)


def _labels(data: Any, count: int) -> Any:
    index = getattr(data, "index", None)
    if index is not None and not callable(index):
        try:
            if len(index) == count:
                return index
        except TypeError:
            pass
    return None


def _offenders(data: Any, arr: np.ndarray, bad: np.ndarray, what: str, fix: str) -> ArgumentError:
    """An error naming the offending values (and where they are) and how to fix them."""
    where = np.flatnonzero(bad)
    labels = _labels(data, arr.shape[0])
    shown = []
    for k in where[:5]:
        label = f"index {labels[k]!r}" if labels is not None else f"position {k}"
        if arr.ndim == 1:
            shown.append(f"{float(arr[k]):g} at {label}")
        else:
            shown.append(f"row {k} ({', '.join(f'{float(v):g}' for v in arr[k])})")
    more = f" (and {len(where) - 5} more)" if len(where) > 5 else ""
    count = f"{len(where)} value is" if len(where) == 1 else f"{len(where)} values are"
    return ArgumentError(
        bad_argument("data", _short_data(data), f"{count} {what}: {', '.join(shown)}{more}; {fix}")
    )


def _short_data(data: Any) -> Any:
    arr = np.asarray(data, dtype=object).ravel()
    if arr.size <= 6:
        return data if not isinstance(data, np.ndarray) else arr.tolist()
    return f"<{type(data).__name__} of {arr.size} values>"


def _as_data(data: Any, ndim: int = 1) -> np.ndarray:
    """A float array from an array, list or pandas Series (duck-typed); clear errors."""
    if isinstance(data, (str, bytes)):
        raise ArgumentError(bad_argument("data", data, "pass numbers: an array, list or Series"))
    if isinstance(data, sp.Basic):
        raise ArgumentError(
            bad_argument("data", data, "pass numeric data (an array, list or pandas Series)")
        )
    values = data.to_numpy() if hasattr(data, "to_numpy") else data
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(
            bad_argument(
                "data",
                _short_data(data),
                f"it cannot be read as numbers ({exc}); pass an array, list or Series of "
                "numbers, with missing values removed (e.g. series.dropna())",
            )
        ) from None
    if ndim == 1 and arr.ndim != 1:
        raise ShapeError(
            bad_argument(
                "data",
                _short_data(data),
                f"expected a 1-D sequence of observations, got shape {arr.shape}",
            )
        )
    if ndim == 2 and arr.ndim != 2:
        raise ShapeError(
            bad_argument(
                "data",
                _short_data(data),
                f"expected a 2-D array with one observation per row, got shape {arr.shape}",
            )
        )
    if arr.shape[0] == 0:
        raise ArgumentError(
            bad_argument("data", _short_data(data), "it is empty; pass observations")
        )
    return arr


def _check_finite(data: Any, arr: np.ndarray) -> None:
    with np.errstate(all="ignore"):
        if math.isfinite(float(np.sum(arr))):
            return  # a sum is finite only if every term is (no temporary array needed)
    bad = ~np.isfinite(arr)
    if arr.ndim == 2:
        bad = bad.any(axis=1)
    if bad.any():
        raise _offenders(
            data,
            arr,
            bad,
            "NaN or infinite",
            "remove missing values first (e.g. series.dropna() or x[~numpy.isnan(x)])",
        )


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------
class _Clock:
    """A deadline shared by the symbolic steps of one call."""

    def __init__(self, budget: float) -> None:
        self.budget = float(budget)
        self.end = time.monotonic() + self.budget

    def left(self, cap: float | None = None) -> float:
        left = self.end - time.monotonic()
        return left if cap is None else min(left, cap)


def _run(func: Callable[[], Any], clock: _Clock, cap: float | None = None) -> tuple[Any, bool]:
    seconds = clock.left(cap)
    if seconds <= 0.01:
        return None, False
    try:
        return run_with_budget(func, seconds)
    except (NotImplementedError, TypeError, ValueError, ZeroDivisionError, sp.PolynomialError):
        return None, False


def _hat(p: sp.Symbol) -> sp.Symbol:
    """``mu -> muhat`` (printed \\hat{\\mu}); ``p0 -> phat0``; ``x_m -> xhat_m``."""
    name = p.name
    if "_" in name:
        base, sub = name.split("_", 1)
        new = f"{base}hat_{sub}"
    else:
        m = re.fullmatch(r"(.*?)(\d*)", name)
        assert m is not None
        new = f"{m.group(1)}hat{m.group(2)}"
    return sp.Symbol(new, **p.assumptions0)


def _fresh(preferred: str, taken: set[str]) -> str:
    """``preferred``, or ``preferred_1``, ``preferred_2``, ... if the model uses that name."""
    name, k = preferred, 0
    while name in taken:
        k += 1
        name = f"{preferred}_{k}"
    return name


def _tex(obj: Any) -> str:
    return sp.latex(obj)


def _rewrite_special(e: sp.Expr) -> sp.Expr:
    """log(gamma(z)) -> loggamma(z); log(factorial(z)) -> loggamma(z + 1)."""
    e = e.replace(
        lambda z: isinstance(z, sp.log) and isinstance(z.args[0], sp.gamma),
        lambda z: sp.loggamma(z.args[0].args[0]),
    )
    e = e.replace(
        lambda z: isinstance(z, sp.log) and isinstance(z.args[0], sp.factorial),
        lambda z: sp.loggamma(z.args[0].args[0] + 1),
    )
    return e


def _log_density(f: sp.Expr, x: sp.Symbol, params: Sequence[sp.Symbol]) -> sp.Expr:
    """``log f`` expanded into a sum of simple terms (logs of products split)."""
    pset = set(params)

    def has_param(z: sp.Basic) -> bool:
        return bool(z.free_symbols & pset)

    f = f.replace(
        lambda z: isinstance(z, (sp.binomial, sp.beta)) and has_param(z),
        lambda z: z.rewrite(sp.gamma),
    )
    e = sp.expand_log(sp.log(f), force=True)
    e = e.replace(
        lambda z: isinstance(z, sp.log) and isinstance(z.args[0], sp.binomial),
        lambda z: (
            sp.loggamma(z.args[0].args[0] + 1)
            - sp.loggamma(z.args[0].args[1] + 1)
            - sp.loggamma(z.args[0].args[0] - z.args[0].args[1] + 1)
        ),
    )
    e = _rewrite_special(e)
    return sp.expand(e, multinomial=False, power_base=False, power_exp=False, log=False)


def _numeric_form(e: sp.Expr) -> sp.Expr:
    """Rewrite what NumPy cannot vectorise or would overflow into what it can.

    ``KroneckerDelta`` becomes a ``Piecewise``; ``log(gamma(z))`` (which SymPy
    makes of ``loggamma(z)`` for integer ``z``) becomes ``gammaln``.
    """
    if e.has(sp.gamma):
        e = e.replace(
            lambda z: isinstance(z, sp.log) and isinstance(z.args[0], sp.gamma),
            lambda z: sp.loggamma(z.args[0].args[0], evaluate=False),
        )
    if e.has(sp.KroneckerDelta):
        e = e.replace(
            lambda z: isinstance(z, sp.KroneckerDelta),
            lambda z: sp.Piecewise((1, sp.Eq(z.args[0], z.args[1])), (0, True)),
        )
    return e


def _log_space(e: sp.Expr) -> sp.Expr:
    """``e`` with its gamma functions, binomials and powers multiplied in log space.

    ``Γ(r + x) (1 - p)^x / Γ(x + 1)`` overflows term by term for large ``x``;
    ``exp(loggamma(r + x) + x log(1 - p) - loggamma(x + 1))`` does not.
    """
    logs: list[sp.Expr] = []
    rest: list[sp.Expr] = []
    for f in sp.Mul.make_args(e):
        base, ex = f.as_base_exp()
        if isinstance(f, sp.exp):
            logs.append(f.args[0])
        elif isinstance(base, sp.gamma):
            logs.append(ex * sp.loggamma(base.args[0], evaluate=False))
        elif isinstance(base, sp.factorial):
            logs.append(ex * sp.loggamma(base.args[0] + 1, evaluate=False))
        elif isinstance(base, sp.binomial):
            a, b = base.args
            logs.append(
                ex
                * (
                    sp.loggamma(a + 1, evaluate=False)
                    - sp.loggamma(b + 1, evaluate=False)
                    - sp.loggamma(a - b + 1, evaluate=False)
                )
            )
        elif ex.free_symbols and base.is_positive:
            logs.append(ex * sp.log(base))
        else:
            rest.append(f)
    if not logs:
        return e
    return sp.Mul(*rest) * sp.exp(sp.Add(*logs), evaluate=False)


def _sign_of(e: sp.Expr) -> int | None:
    if e.is_positive:
        return 1
    if e.is_negative:
        return -1
    return None


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------
@dataclass
class _Model:
    label: str
    xs: sp.Symbol
    density: sp.Expr
    logpdf: sp.Expr
    params: tuple[sp.Symbol, ...]
    known: tuple[sp.Symbol, ...]
    support: _Support
    family: _Family | None
    args: tuple[sp.Expr, ...]
    boundary: dict[sp.Symbol, str] = field(default_factory=dict)
    identities: dict[sp.Expr, sp.Expr] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    probs: tuple[sp.Expr, ...] | None = None  # a categorical model's probabilities


def _symbols_of(args: Iterable[Any]) -> list[sp.Symbol]:
    out: dict[sp.Symbol, None] = {}
    for a in args:
        if isinstance(a, sp.Basic):
            for s in sorted(a.free_symbols, key=lambda s: s.name):
                out[s] = None
    return list(out)


def _params_arg(params: Any, default: Sequence[sp.Symbol], free: set[sp.Basic]) -> tuple:
    if params is None:
        return tuple(default)
    if isinstance(params, sp.Symbol):
        params = [params]
    if isinstance(params, str):
        raise ArgumentError(bad_argument("params", params, "pass Symbols, e.g. params=[mu, sigma]"))
    try:
        items = list(params)
    except TypeError:
        raise ArgumentError(
            bad_argument("params", params, "pass a list of Symbols, e.g. params=[mu, sigma]")
        ) from None
    if not items:
        raise ArgumentError(bad_argument("params", params, "name at least one parameter"))
    for p in items:
        if not isinstance(p, sp.Symbol):
            raise ArgumentError(
                bad_argument("params", params, f"{p!r} is not a Symbol; pass Symbols")
            )
        if p not in free:
            names = sorted(s.name for s in free)
            hint = ""
            twin = [s for s in free if getattr(s, "name", None) == p.name]
            if twin:
                hint = (
                    f" (a {p.name} with assumptions {twin[0].assumptions0} is in the model: "
                    "use that very Symbol)"
                )
            raise ArgumentError(
                bad_argument(
                    "params", params, f"{p} does not appear in the model (it has {names}){hint}"
                )
            )
    if len(set(items)) != len(items):
        raise ArgumentError(bad_argument("params", params, "each parameter may appear once"))
    return tuple(items)


def _strip_piecewise(f: sp.Expr, xs: sp.Symbol, params: Sequence[sp.Symbol]) -> tuple:
    """The density on its support, and the bounds that involve parameters."""
    bounds: dict[sp.Symbol, str] = {}
    if isinstance(f, sp.Piecewise):
        expr, cond = f.args[0]
        f = expr
        for rel in sp.And.make_args(cond):
            if not isinstance(rel, sp.core.relational.Relational):
                continue
            lhs, rhs = rel.lhs, rel.rhs
            if rhs == xs:
                lhs, rhs, rel = rhs, lhs, rel.reversed
            if lhs != xs or rhs not in params:
                continue
            if isinstance(rel, (sp.LessThan, sp.StrictLessThan)):
                bounds[rhs] = "upper"
            elif isinstance(rel, (sp.GreaterThan, sp.StrictGreaterThan)):
                bounds[rhs] = "lower"
    return f, bounds


def _analyse(model: Any, params: Any, var: Any) -> _Model:
    if isinstance(model, RandomSymbol):
        return _analyse_rv(model, params, var)
    if isinstance(model, str):
        raise ArgumentError(
            bad_argument(
                "model",
                model,
                "pass a sympy.stats random variable or a density expression; to read "
                "text use symml.parse_expr(text); for a named model use symml.mle_catalog(name)",
            )
        )
    if not isinstance(model, sp.Expr):
        raise ArgumentError(
            bad_argument(
                "model",
                model,
                "pass a sympy.stats random variable, e.g. sympy.stats.Normal('X', mu, sigma), "
                "or a density expression with var=, e.g. mle(theta*x**(theta - 1), [theta], var=x)",
            )
        )
    if var is None:
        syms = sorted(model.free_symbols, key=lambda s: s.name)
        raise ArgumentError(
            bad_argument(
                "var",
                None,
                f"a density expression needs its variable: pass var=, one of {syms}",
            )
        )
    if not isinstance(var, sp.Symbol) or var not in model.free_symbols:
        raise ArgumentError(
            bad_argument(
                "var",
                var,
                f"pass the Symbol the density {model} is a function of",
            )
        )
    notes = []
    xs = var
    if var.is_real is not True:
        xs = sp.Symbol(var.name, real=True)
        model = model.xreplace({var: xs})
        notes.append(f"{var} treated as real")
    free = model.free_symbols - {xs}
    default = sorted((s for s in free if not s.is_integer), key=lambda s: s.name)
    chosen = _params_arg(params, default, free)
    density, bounds = _strip_piecewise(model, xs, chosen)
    known = tuple(sorted(free - set(chosen), key=lambda s: s.name))
    return _Model(
        label=f"f({xs}) = {sp.sstr(density)}",
        xs=xs,
        density=density,
        logpdf=_log_density(density, xs, chosen),
        params=chosen,
        known=known,
        support=_support_from_symbol(xs),
        family=None,
        args=tuple(chosen),
        boundary=bounds,
        notes=notes,
    )


def _analyse_rv(rv: RandomSymbol, params: Any, var: Any) -> _Model:
    dist = rv.pspace.distribution
    cls = type(dist).__name__
    if cls == "MultivariateNormalDistribution":
        raise _UseMultivariate
    if cls == "FiniteDistributionHandmade":
        return _analyse_finite(rv, dist, params)
    if not isinstance(rv.pspace, (ss.crv.SingleContinuousPSpace, ss.drv.SingleDiscretePSpace)) and (
        cls not in ("BernoulliDistribution", "BinomialDistribution")
    ):
        raise ArgumentError(
            bad_argument(
                "model",
                rv,
                "mle supports univariate distributions, MultivariateNormal and FiniteRV; "
                "type the density by hand and pass var= for others",
            )
        )
    family = _FAMILIES.get(cls)
    args = tuple(a for a in dist.args if isinstance(a, sp.Basic))
    if cls in ("BernoulliDistribution", "BinomialDistribution"):
        args = args[:1] if cls == "BernoulliDistribution" else args[:2]
    support_set = dist.set
    free: set[sp.Basic] = set().union(*(a.free_symbols for a in args))
    support = _support_from_set(support_set, bool(family and family.open_ends))
    taken = {s.name for s in free}
    x_name = "x" if "x" not in taken else _fresh("x", taken)
    if support.discrete:
        lows = support.values if support.values is not None else (support.lo,)
        facts = {"integer": True}
        if all(v.is_number and v >= 0 for v in lows):
            facts["nonnegative"] = True
        xs = sp.Symbol(x_name, **facts)
    elif support.lo.is_number and support.lo >= 0:
        xs = sp.Symbol(x_name, positive=True)
    else:
        xs = sp.Symbol(x_name, real=True)
    default = [s for s in _symbols_of(args) if not s.is_integer]
    chosen = _params_arg(params, default, free)
    if family is not None and family.pdf is not None:
        density = family.pdf(args, xs)
    else:
        density = dist.pdf(xs)
    density, bounds = _strip_piecewise(density, xs, chosen)
    for end, side in ((support.lo, "lower"), (support.hi, "upper")):
        if end in chosen:
            bounds[end] = side
    known = tuple(sorted(free - set(chosen), key=lambda s: s.name))
    name = family.name if family else cls.removesuffix("Distribution")
    label = f"{name}({', '.join(map(str, args))})"
    return _Model(
        label=label,
        xs=xs,
        density=density,
        logpdf=_log_density(density, xs, chosen),
        params=chosen,
        known=known,
        support=support,
        family=family,
        args=args,
        boundary=bounds,
    )


def _analyse_finite(rv: RandomSymbol, dist: Any, params: Any) -> _Model:
    table = dict(dist.args[0])
    values = tuple(sorted(table, key=sp.default_sort_key))
    probs = [sp.sympify(table[v]) for v in values]
    free: set[sp.Basic] = set().union(*(p.free_symbols for p in probs))
    taken = {s.name for s in free}
    xs = sp.Symbol("x" if "x" not in taken else _fresh("x", taken), integer=True)
    chosen = _params_arg(params, _symbols_of(probs), free)
    density = sp.Mul(*[p ** sp.KroneckerDelta(xs, v) for p, v in zip(probs, values, strict=True)])
    logpdf = sp.Add(
        *[sp.KroneckerDelta(xs, v) * sp.log(p) for p, v in zip(probs, values, strict=True)]
    )
    logpdf = sp.expand(logpdf, multinomial=False, power_base=False, log=False)
    pairs = ", ".join(f"{v}: {p}" for v, p in zip(values, probs, strict=True))
    return _Model(
        label=f"Categorical({{{pairs}}})",
        xs=xs,
        density=density,
        logpdf=logpdf,
        params=chosen,
        known=tuple(sorted(free - set(chosen), key=lambda s: s.name)),
        support=_Support(True, values=values),
        family=None,
        args=tuple(probs),
        probs=tuple(probs),
    )


class _UseMultivariate(Exception):
    pass


# ---------------------------------------------------------------------------
# Sums over the sample
# ---------------------------------------------------------------------------
class _Sample:
    """The indexed sample ``x_1..x_n`` and helpers to build and take apart its sums."""

    def __init__(self, model: _Model) -> None:
        xs = model.xs
        taken = {s.name for s in model.params + model.known} | {xs.name}
        self.xs = xs
        self.n = sp.Symbol(_fresh("n", taken), integer=True, positive=True)
        self.i = sp.Symbol(_fresh("i", taken | {self.n.name}), integer=True, positive=True)
        self.j = sp.Symbol(
            _fresh("j", taken | {self.n.name, self.i.name}), integer=True, positive=True
        )
        self.x = sp.IndexedBase(xs.name, **xs.assumptions0)
        self.identities = dict(model.identities)
        values = model.support.values
        if values is not None and len(values) > 1:
            # The counts of the values add up to n: eliminate the last one.
            counts = [self.total(sp.KroneckerDelta(xs, v)) for v in values]
            self.identities[counts[-1]] = self.n - sp.Add(*counts[:-1])

    def at(self, g: sp.Expr, index: sp.Symbol | None = None) -> sp.Expr:
        return g.xreplace({self.xs: self.x[index or self.i]})

    def summand(self, s: sp.Sum) -> sp.Expr:
        idx = s.limits[0][0]
        return s.function.xreplace({self.x[idx]: self.xs})

    def total(self, g: sp.Expr) -> sp.Expr:
        """``Σ_i g(x_i)`` with factors free of the data pulled out (``n*g`` if ``g`` has none)."""
        g = sp.factor_terms(g)
        c, h = g.as_independent(self.xs, as_Add=False)
        if h == 1 or not h.has(self.xs):
            return self.n * g
        if h.is_Add:
            lead = [t for t in h.args if t.has(self.xs)]
            if lead and all(t.could_extract_minus_sign() for t in lead):
                c, h = -c, -h
        return c * sp.Sum(self.at(h), (self.i, 1, self.n))

    def split(self, e: sp.Expr) -> sp.Expr:
        """``Σ_i e(x_i)`` split into sums of the data-dependent terms, grouped."""
        groups: dict[sp.Expr, list[sp.Expr]] = {}
        for term in sp.Add.make_args(sp.expand(e, multinomial=False, power_base=False, log=False)):
            c, g = term.as_independent(self.xs, as_Add=False)
            groups.setdefault(g, []).append(c)
        out = []
        for g, cs in groups.items():
            coeff = sp.factor_terms(sp.Add(*cs))
            out.append(coeff * (self.n if g == 1 else self.total(g)))
        return sp.Add(*out)

    def tidy(self, e: Any) -> Any:
        """Rebuild every sum with constants pulled out (after differentiation)."""
        if isinstance(e, sp.MatrixBase):
            return e.applyfunc(self.tidy)
        return e.replace(lambda z: isinstance(z, sp.Sum), lambda z: self.total(self.summand(z)))

    def expand_sums(self, e: sp.Expr, symbols: set[sp.Basic]) -> sp.Expr:
        """Sums whose summand involves ``symbols``, separated into sufficient statistics."""

        def expand_one(s: sp.Sum) -> sp.Expr:
            g = self.summand(s)
            if not (g.free_symbols & symbols):
                return s
            full = sp.expand(g, power_base=True, force=True, log=True, mul=True, multinomial=True)
            full = sp.expand_log(full, force=True)
            groups: dict[sp.Expr, list[sp.Expr]] = {}
            for term in sp.Add.make_args(full):
                c, h = term.as_independent(self.xs, as_Add=False)
                groups.setdefault(h, []).append(c)
            out = []
            for h, cs in groups.items():
                coeff = sp.Add(*cs)
                out.append(coeff * (self.n if h == 1 else self.total(h)))
            return sp.Add(*out)

        out = e.replace(lambda z: isinstance(z, sp.Sum), expand_one)
        if self.identities:
            out = out.xreplace(self.identities)
        return out

    def opaque(self, e: sp.Expr, cache: dict[sp.Sum, sp.Dummy]) -> sp.Expr:
        """Every sum replaced by a Dummy with the sign of its summand."""

        def dummy(s: sp.Sum) -> sp.Dummy:
            if s not in cache:
                g = s.function
                facts: dict[str, bool] = {}
                for fact in ("positive", "nonnegative", "negative", "nonpositive", "real"):
                    if getattr(g, f"is_{fact}"):
                        facts[fact] = True
                        break
                cache[s] = sp.Dummy("S", **facts)
            return cache[s]

        return e.replace(lambda z: isinstance(z, sp.Sum), dummy)

    def reindex(self, e: sp.Expr) -> sp.Expr:
        """Rename the index of every sum in ``e`` to ``j`` (before nesting it in a sum over i)."""
        return e.replace(
            lambda z: isinstance(z, sp.Sum) and z.limits[0][0] == self.i,
            lambda z: z.xreplace({self.i: self.j}),
        )


# ---------------------------------------------------------------------------
# Numeric evaluation of expressions with sums over the sample
# ---------------------------------------------------------------------------
class _Program:
    """Evaluate SymPy expressions holding sums over the sample, stably and fast.

    Each sum becomes a *node*: its summand is compiled with :func:`symml.to_numpy`
    as a function of one observation (and of the parameters and inner sums), and
    summed with ``numpy.sum`` (pairwise summation), block by block so that no
    full-length temporary array is made. A summand ``h**2`` is summed as a
    sum of products (``einsum``), with no array of squares. Inner sums
    are evaluated first, so ``Σ (x_i - Σ_j x_j / n)**2`` is the two-pass
    (centred) sum of squares, never ``Σ x² - n x̄²``. Nodes that do not involve
    the parameters are evaluated once per data set (sufficient statistics).
    """

    def __init__(self, expr: Any, sample: _Sample, args: Sequence[sp.Symbol]) -> None:
        self.sample = sample
        self.args = list(args)
        self.nodes: list[tuple[sp.Dummy, Any, bool, str, Callable | None]] = []
        self._keys: dict[Any, sp.Dummy] = {}
        self._shareable: list[tuple[sp.Dummy, Any]] = []  # fixed nodes without inner sums
        lowered = self._lower(sp.sympify(expr))
        self.dummies = [d for d, *_ in self.nodes]
        self.outer = to_numpy(_numeric_form(lowered), [*self.args, sample.n, *self.dummies])

    def _lower(self, e: sp.Basic) -> sp.Basic:
        def visit(z: sp.Basic) -> sp.Basic:
            if isinstance(z, sp.Sum):
                inner = self._lower(z.function)
                idx = z.limits[0][0]
                g = inner.xreplace({self.sample.x[idx]: self.sample.xs})
                return self._node("sum", g)
            if isinstance(z, tuple(_ORDER_STATS)):
                return self._node(type(z).__name__, sp.Integer(0), func=type(z))
            return z

        return e.replace(lambda z: isinstance(z, (sp.Sum, *_ORDER_STATS)), visit)

    def _node(self, kind: str, g: sp.Expr, func: type | None = None) -> sp.Dummy:
        key = (kind, g)
        if key in self._keys:
            return self._keys[key]
        d = sp.Dummy(f"s{len(self.nodes)}")
        inner = [dd for dd, *_ in self.nodes]
        depends = bool(g.free_symbols & set(self.args)) or any(
            self.nodes[k][2] for k, dd in enumerate(inner) if g.has(dd)
        )
        if func is not None:
            self.nodes.append((d, None, False, kind, _ORDER_STATS[func]))
        else:
            mode = "sum"
            body = g
            if g.is_Pow and g.exp == 2 and g.base.has(self.sample.xs):
                mode, body = "dot", g.base
            if body == self.sample.xs:
                compiled = None
            elif not body.has(self.sample.xs):
                mode = "const"
                compiled = to_numpy(_numeric_form(body), [*self.args, self.sample.n, *inner])
            else:
                compiled = to_numpy(
                    _numeric_form(body), [self.sample.xs, *self.args, self.sample.n, *inner]
                )
            self.nodes.append((d, compiled, depends, mode, None))
        if not depends and not any(g.has(dd) for dd in inner):
            self._shareable.append((d, key))
        self._keys[key] = d
        return d

    def prepare(
        self, data: np.ndarray, shared: dict[Any, float] | None = None
    ) -> dict[sp.Dummy, float]:
        """Values of the nodes that do not depend on the parameters.

        ``shared`` (summand -> value) lets several programs on the same data
        compute each sufficient statistic once.
        """
        cache: dict[sp.Dummy, float] = {}
        shared = {} if shared is None else shared
        for d, key in self._shareable:
            if key in shared:
                cache[d] = shared[key]
        self._fill(data, [math.nan] * len(self.args), cache, only_fixed=True)
        for d, key in self._shareable:
            if d in cache:
                shared[key] = cache[d]
        return cache

    def _fill(
        self,
        data: np.ndarray,
        argv: Sequence[float],
        cache: dict[sp.Dummy, float],
        *,
        only_fixed: bool = False,
    ) -> list[float]:
        n = data.shape[0]
        values: list[float] = []
        for d, compiled, depends, mode, stat in self.nodes:
            if d in cache and not depends:
                values.append(cache[d])
                continue
            if only_fixed and depends:
                values.append(math.nan)
                continue
            if stat is not None:
                v = stat(data)
            elif mode == "const":
                v = n * float(compiled(*argv, n, *values))
            elif compiled is None and mode == "sum":
                v = float(np.sum(data))
            else:
                v = _chunked(compiled, data, mode, (*argv, n, *values))
            values.append(v)
            if not depends:
                cache[d] = v
        return values

    def __call__(
        self, data: np.ndarray, argv: Sequence[float], cache: dict[sp.Dummy, float] | None = None
    ) -> Any:
        cache = {} if cache is None else cache
        with np.errstate(all="ignore"):
            values = self._fill(data, argv, cache)
            return self.outer(*argv, data.shape[0], *values)


_CHUNK = 1 << 15


def _chunked(compiled: Callable | None, data: np.ndarray, mode: str, rest: tuple) -> float:
    """Σ f(x_i) (or Σ f(x_i)²): block by block, so no full-length temporary is made.

    Blocks of 32768 values stay in the CPU cache; the block sums are added
    exactly with ``math.fsum``. Squares are summed with ``einsum`` (a SIMD
    loop), not BLAS ``dot``, whose threads stall on a busy machine.
    """
    n = data.shape[0]
    parts = []
    for start in range(0, n, _CHUNK):
        block = data[start : start + _CHUNK]
        col = block if compiled is None else np.asarray(compiled(block, *rest), dtype=float)
        if col.ndim == 0:
            col = np.broadcast_to(col, block.shape)
        if mode == "dot":
            parts.append(float(np.einsum("i,i->", col, col)))
        else:
            parts.append(float(np.sum(col)))
    return math.fsum(parts) if len(parts) > 1 else parts[0]


# ---------------------------------------------------------------------------
# The fit
# ---------------------------------------------------------------------------
def _z(level: Any) -> float:
    from scipy.stats import norm

    if not isinstance(level, (int, float)) or isinstance(level, bool) or not 0 < level < 1:
        raise ArgumentError(bad_argument("level", level, "pass a probability, e.g. level=0.95"))
    return float(norm.ppf(0.5 + level / 2))


class MLEFit:
    """Maximum-likelihood estimates of one data set, with standard errors and intervals.

    Attributes
    ----------
    params : dict str -> float (or array)
        The estimates, keyed by parameter name.
    stderr : dict str -> float (or array)
        Standard errors: ``sqrt`` of the diagonal of the inverse information
        (``n`` times the Fisher information at the estimate by default, or the
        observed information ``-∇²ℓ``); exact ones for boundary estimators.
    cov : numpy.ndarray
        Asymptotic covariance of the regular (non-boundary) estimates, in the
        order of :attr:`cov_names`.
    cov_names : tuple of str
    n : int
        Sample size.
    method : str
        ``"closed form"`` or ``"numeric root of the score"``.
    information : str
        ``"expected"``, ``"observed"`` (see :meth:`MLE.fit`).
    converged : bool
        For numeric roots: whether the score vanished at the estimate.
    notes : tuple of str

    Examples
    --------
    >>> from symml._stats.likelihood import mle_catalog
    >>> fit = mle_catalog("exponential").fit([0.5, 1.5, 1.0, 2.0])
    >>> fit.params
    {'lambda': 0.8}
    >>> lo, hi = fit.conf_int(0.95)["lambda"]
    >>> round(lo, 4), round(hi, 4)
    (0.016, 1.584)
    """

    def __init__(
        self,
        params: dict[str, Any],
        stderr: dict[str, Any],
        cov: np.ndarray,
        cov_names: tuple[str, ...],
        n: int,
        method: str,
        information: str,
        *,
        converged: bool = True,
        notes: Sequence[str] = (),
        loglike: Callable[[], float] | None = None,
        intervals: Callable[[float], dict[str, tuple]] | None = None,
    ) -> None:
        self.params = params
        self.stderr = stderr
        self.cov = cov
        self.cov_names = cov_names
        self.n = n
        self.method = method
        self.information = information
        self.converged = converged
        self.notes = tuple(notes)
        self._loglike = loglike
        self._loglike_value: float | None = None
        self._intervals = intervals

    @property
    def loglike(self) -> float:
        """The log-likelihood at the estimate (computed on first access)."""
        if self._loglike_value is None:
            self._loglike_value = float(self._loglike()) if self._loglike else math.nan
        return self._loglike_value

    def conf_int(self, level: float = 0.95) -> dict[str, tuple[Any, Any]]:
        """Wald intervals ``estimate ± z·stderr`` keyed by parameter name.

        Boundary estimators (``max x_i`` of a ``Uniform(0, θ)``) get their
        exact interval instead; the Wald form does not apply to them.
        """
        z = _z(level)
        out: dict[str, tuple[Any, Any]] = {}
        for name, value in self.params.items():
            se = self.stderr[name]
            out[name] = (value - z * se, value + z * se)
        if self._intervals is not None:
            out.update(self._intervals(level))
        return out

    def __repr__(self) -> str:
        rows = [f"MLEFit(n={self.n}, {self.method}, {self.information} information)"]
        for name, value in self.params.items():
            rows.append(f"  {name}: {value!r} (stderr {self.stderr[name]!r})")
        return "\n".join(rows)


# ---------------------------------------------------------------------------
# The derivation
# ---------------------------------------------------------------------------
@dataclass
class _Solution:
    special: dict[sp.Symbol, tuple[sp.Expr, str]]  # boundary / non-smooth: estimate, reason
    hat_form: dict[sp.Symbol, sp.Expr]  # regular: root in terms of other estimates
    order: list[sp.Symbol]
    failures: dict[sp.Symbol, str]
    rejected: dict[sp.Symbol, list[str]]
    closed: dict[sp.Symbol, sp.Expr]  # every parameter, fully substituted (empty if any failed)
    relations: list[sp.Expr]


class MLE(Derivation):
    r"""A maximum-likelihood derivation: estimators, score, information, and ``fit``.

    Built by :func:`mle`. ``.result`` is ``Eq(θ, θ̂)`` (a column of such
    equations for several parameters) when closed forms exist, otherwise
    the score equations ``Eq(∇ℓ, 0)`` that ``fit`` solves numerically.

    Attributes
    ----------
    params : tuple of Symbol
        The parameters estimated (``.wrt`` too).
    estimators : dict Symbol -> expression
        Closed forms over the sample ``x[i]``, ``i = 1..n``; empty when
        there is none for some parameter.
    log_likelihood : expression
        ``ℓ(θ)`` as split sums (sufficient statistics visible).
    score : Matrix
        The column ``∂ℓ/∂θ_j``.
    fisher_information : Matrix or None
        Per observation, ``-E[∂² log f]``; None where it does not apply
        (a parameter that sets the support, such as the ``θ`` of ``Uniform(0, θ)``).
    x, i, n : IndexedBase, Symbol, Symbol
        The sample, its index and its size, as they appear in the formulas.
    """

    __slots__ = (
        "_cache",
        "_clock_budget",
        "_model",
        "_sample",
        "_solution",
        "estimators",
        "i",
        "log_likelihood",
        "n",
        "params",
        "score",
        "x",
    )

    @property
    def fisher_information(self) -> sp.Matrix | None:
        """Per-observation Fisher information ``-E[∂² log f / ∂θ ∂θᵀ]`` (built on first access)."""
        if "fisher" not in self._cache:
            self._cache["fisher"] = _fisher(self)
        return self._cache["fisher"][0]

    def fit(
        self,
        data: Any,
        *,
        known: Mapping[Any, float] | None = None,
        information: str = "expected",
    ) -> MLEFit:
        """Estimates, standard errors and Wald intervals for ``data``.

        Parameters
        ----------
        data : array-like or pandas Series
            The observations (1-D). NaN, infinite values and values outside
            the support raise :class:`~symml.ArgumentError` naming them.
        known : mapping, optional
            Values of the parameters that are not estimated, keyed by name or
            Symbol (``known={"N": 10}`` for a Binomial).
        information : {"expected", "observed"}
            Standard errors from ``n`` times the Fisher information at the
            estimate (``"expected"``, the default; it falls back to the
            observed information when no Fisher information is available) or
            from the observed information ``-∇²ℓ(θ̂)`` (``"observed"``, what
            statsmodels reports).

        Numerics: closed forms are evaluated as written, sums first, inner
        sums before outer ones, so a variance is the centred two-pass
        ``Σ(x_i - x̄)²/n``, never ``Σx²/n - x̄²``. Without a closed form the
        log-likelihood is maximised from moment-based starting values
        (L-BFGS-B), then the root of the score is polished with
        ``scipy.optimize.root`` (analytic Jacobian).
        """
        return _fit(self, data, known, information)

    def __repr__(self) -> str:
        if self.estimators:
            inner = ", ".join(f"{p} = {e}" for p, e in self.estimators.items())
        else:
            inner = "no closed form; fit() solves the score numerically"
        return f"MLE({self._model.label}: {inner})"


def _steps_factory(d: MLE) -> Callable[[], list[Step]]:
    def build() -> list[Step]:
        return _steps(d)

    return build


def mle(
    model: Any,
    params: Sequence[sp.Symbol] | sp.Symbol | None = None,
    *,
    var: sp.Symbol | None = None,
    budget: float = 10.0,
) -> MLE:
    r"""Maximum-likelihood estimation, derived: log-likelihood, score, estimators, information.

    Parameters
    ----------
    model : sympy.stats random variable or sympy expression
        A random variable (``Normal``, ``Poisson``, ``Gamma``, ``FiniteRV``,
        ``MultivariateNormal``, ...) or a density / pmf typed by hand as an
        expression in ``var``.
    params : Symbol or list of Symbols, optional
        The parameters to estimate. Default: every free symbol of the model
        except integer ones (a Binomial's ``N`` is known) and ``var``.
        The others are treated as known.
    var : Symbol
        The variable of a hand-typed density (its assumptions give the
        support: ``positive=True`` for ``x > 0``, ``integer=True,
        nonnegative=True`` for counts).
    budget : float, default 10
        Seconds of symbolic work (solving, expectations) before giving up
        on a closed form.

    Returns
    -------
    MLE
        A :class:`~symml.Derivation` with ``.estimators``,
        ``.log_likelihood``, ``.score``, ``.fisher_information`` and
        ``.fit(data)``.

    Raises
    ------
    ArgumentError
        ``model`` is not a random variable or expression, ``var`` is
        missing, or ``params`` names a symbol the model does not have.

    Examples
    --------
    >>> import sympy as sp, sympy.stats as ss
    >>> from symml._stats.likelihood import mle
    >>> mu = sp.Symbol("mu", real=True)
    >>> sigma = sp.Symbol("sigma", positive=True)
    >>> est = mle(ss.Normal("X", mu, sigma))
    >>> est.estimators[mu]
    Sum(x[i], (i, 1, n))/n
    >>> est.estimators[sigma]
    sqrt(Sum((x[i] - Sum(x[j], (j, 1, n))/n)**2, (i, 1, n)))/sqrt(n)
    >>> est.fisher_information
    Matrix([
    [sigma**(-2),           0],
    [          0, 2/sigma**2]])
    >>> fit = est.fit([1.0, 2.0, 4.0])
    >>> {name: round(value, 6) for name, value in fit.params.items()}
    {'mu': 2.333333, 'sigma': 1.247219}
    >>> [s.why.split(":")[0] for s in est.steps][1:4]
    ['log-likelihood', 'expand the log of the density', 'split the sum']

    A density typed by hand:

    >>> theta, x = sp.Symbol("theta", positive=True), sp.Symbol("x", positive=True)
    >>> est = mle(theta * x**(theta - 1), [theta], var=x)
    >>> est.estimators
    {theta: -n/Sum(log(x[i]), (i, 1, n))}
    >>> round(est.fit([0.2, 0.5, 0.9]).params["theta"], 4)
    1.2459

    How it works
    ------------
    (1) The density ``f(x; θ)`` is taken from the random variable (on its
    support, without the ``Piecewise``), and ``log f`` is expanded: logs of
    products and powers split, ``log Γ`` becomes ``loggamma``. (2) The
    log-likelihood is the sum of ``log f(x_i)`` over ``i = 1..n``; terms
    free of the data give ``n`` times the term, and factors free of the data
    move out of the sums. (3) The score ``∂ℓ/∂θ`` is differentiated through
    the sums. (4) Each score equation is solved for its parameter: sums that
    involve that parameter are expanded into sufficient statistics
    (``Σ(x_i - μ) = Σx_i - nμ``), the other sums are treated as unknown
    constants of known sign, and ``solve`` runs within the budget. Roots that
    still contain the parameter, are complex, or have the wrong sign
    (negative for a positive parameter) are rejected. Solved parameters are
    substituted into the remaining equations. (5) Parameters that set the
    support (``θ`` in ``Uniform(0, θ)``) have no score root: the likelihood
    is monotone on the feasible set, so the estimate is the sample's
    ``max`` or ``min``. A parameter inside ``|x - μ|`` (Laplace) is the
    sample median. (6) The second-order check substitutes the estimates
    into the Hessian, using the score equations to eliminate the sums.
    (7) The Fisher information ``-E[∂² log f]`` uses the known moments of
    the catalog distributions (``E[X]``, ``E[log X]``, ...), never an
    unbudgeted ``sympy.stats.E``; for other models SymPy integrates for at
    most 1.5 s per entry, and an expectation it cannot do stays an
    unevaluated ``Integral`` (or ``Sum``) that ``fit`` evaluates by
    quadrature. (8) ``fit`` compiles the estimators with
    :func:`symml.to_numpy` and evaluates their sums block by block, inner
    sums first (so a variance is the centred two-pass sum).

    Pitfalls
    --------
    SymPy's own route, the log of a ``Product``, does not split and
    ``solve`` finds nothing:

    >>> i, n = sp.symbols("i n", integer=True, positive=True)
    >>> xi = sp.IndexedBase("x", positive=True)[i]
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> loglik = sp.log(sp.Product(lam * sp.exp(-lam * xi), (i, 1, n)))
    >>> sp.solve(sp.diff(loglik, lam), lam)
    []
    >>> mle(ss.Exponential("X", lam)).estimators
    {lambda: n/Sum(x[i], (i, 1, n))}

    The Gamma distribution with both parameters has no closed form (its
    shape solves ``log k - ψ(k) = log x̄ - mean(log x)``): ``estimators``
    is empty and ``fit`` finds the root numerically:

    >>> k, th = sp.symbols("k theta", positive=True)
    >>> est = mle(ss.Gamma("X", k, th))
    >>> est.estimators
    {}
    >>> fit = est.fit([1.2, 0.7, 3.1, 2.2, 1.9, 0.4])
    >>> fit.method, round(fit.params["k"], 3)
    ('numeric root of the score', 2.487)

    Boundary estimators are not roots of the score:

    >>> t = sp.Symbol("theta", positive=True)
    >>> mle(ss.Uniform("U", 0, t)).estimators
    {theta: max(x)}

    The values a symbol may take are part of the model: a data set outside
    the support is an error that names the values:

    >>> mle(ss.Poisson("N", lam)).fit([2, -1, 3])
    Traceback (most recent call last):
    ...
    symml.ArgumentError: data=[2, -1, 3] is not valid: 1 value is outside the ...
    """
    if not isinstance(budget, (int, float)) or isinstance(budget, bool) or budget <= 0:
        raise ArgumentError(bad_argument("budget", budget, "pass a positive number of seconds"))
    try:
        m = _analyse(model, params, var)
    except _UseMultivariate:
        return _mle_mvnormal(model, params)
    return _build(m, budget)


def _build(m: _Model, budget: float) -> MLE:
    clock = _Clock(budget)
    sample = _Sample(m)
    ll = sample.split(m.logpdf)
    score = sp.ImmutableMatrix([sample.tidy(sp.diff(ll, p)) for p in m.params])
    solution = _solve(m, sample, ll, score, clock)
    params = m.params
    if solution.closed:
        pairs = [(p, solution.closed[p]) for p in params]
        if len(pairs) == 1:
            result: sp.Basic = sp.Eq(pairs[0][0], pairs[0][1])
        else:
            result = sp.Eq(
                sp.ImmutableMatrix([p for p, _ in pairs]), sp.ImmutableMatrix([e for _, e in pairs])
            )
    else:
        result = sp.Eq(score, sp.ImmutableMatrix.zeros(len(params), 1))
    assumptions = [f"{sample.x}_1, ..., {sample.x}_n i.i.d. from {m.label}"]
    assumptions += [f"{p} {_domain_text(p)}" for p in params if _domain_text(p)]
    if m.known:
        assumptions.append(", ".join(map(str, m.known)) + " known")
    assumptions += m.notes
    d = MLE(
        result,
        lambda: [],
        assumptions=assumptions,
        kind="maximum likelihood",
        source=ll,
        wrt=params,
        verifier=_mle_verdict,
    )
    setattr_ = object.__setattr__
    setattr_(d, "_steps", None)
    setattr_(d, "_steps_factory", _steps_factory(d))
    setattr_(d, "_model", m)
    setattr_(d, "_sample", sample)
    setattr_(d, "_solution", solution)
    setattr_(d, "_cache", {})
    setattr_(d, "_clock_budget", budget)
    setattr_(d, "params", params)
    setattr_(d, "estimators", dict(solution.closed))
    setattr_(d, "log_likelihood", ll)
    setattr_(d, "score", score)
    setattr_(d, "x", sample.x)
    setattr_(d, "i", sample.i)
    setattr_(d, "n", sample.n)
    return d


def _domain_text(p: sp.Symbol) -> str:
    if p.is_positive:
        return "> 0"
    if p.is_nonnegative:
        return ">= 0"
    if p.is_real:
        return "real"
    return ""


# -- solving -------------------------------------------------------------------
def _abs_location(m: _Model, p: sp.Symbol) -> sp.Expr | None:
    """The coefficient c when log f contains c*|x - p| (a Laplace location)."""
    for term in sp.Add.make_args(m.logpdf):
        c, g = term.as_independent(m.xs, as_Add=False)
        if isinstance(g, sp.Abs):
            inner = g.args[0]
            if sp.expand(inner - (m.xs - p)) == 0 or sp.expand(inner + (m.xs - p)) == 0:
                return c
    return None


def _solve(m: _Model, sample: _Sample, ll: sp.Expr, score: sp.Matrix, clock: _Clock) -> _Solution:
    params = list(m.params)
    hats = {p: _hat(p) for p in params}
    special: dict[sp.Symbol, tuple[sp.Expr, str]] = {}
    failures: dict[sp.Symbol, str] = {}
    rejected: dict[sp.Symbol, list[str]] = {}
    eqs = {p: score[k] for k, p in enumerate(params)}

    # Boundary parameters: the support depends on them.
    for p, side in m.boundary.items():
        s = sample.expand_sums(eqs[p], set(params))
        sign = _sign_of(sp.simplify(s)) if not s.has(sp.Sum) else _sign_of(s)
        if sign is None:
            sign = _numeric_sign(m, s, p)
        stat, word = (SampleMax, "max") if side == "upper" else (SampleMin, "min")
        want = -1 if side == "upper" else 1
        if sign != want:
            failures[p] = (
                f"{p} sets the support but the likelihood is not monotone in it; "
                "no boundary estimate"
            )
            continue
        trend = "decreasing" if side == "upper" else "increasing"
        need = f"{p} >= max x_i" if side == "upper" else f"{p} <= min x_i"
        special[p] = (
            stat(sample.x),
            f"boundary estimate: the support depends on {p}, so the likelihood is 0 unless "
            f"{need}; there the log-likelihood is {trend} in {p} (score {sp.sstr(s)}), so "
            f"the maximum is at the boundary, {p} = {word} x_i: the score does not vanish "
            "there and the Fisher-information asymptotics do not apply",
        )
    # Non-smooth location parameters: log f has c*|x - p|.
    for p in params:
        if p in special or p in failures:
            continue
        c = _abs_location(m, p)
        if c is not None and c.is_negative is not False:
            special[p] = (
                SampleMedian(sample.x),
                f"non-smooth: {p} enters through |x_i - {p}|, so the log-likelihood is "
                f"{sp.sstr(c)} times sum |x_i - {p}|, not differentiable at the data; its "
                f"subgradient sum sign(x_i - {p}) is zero when as many points lie above as "
                f"below: {p} = median x_i",
            )
    for p in special:
        del eqs[p]
        eqs = {q: e.xreplace({p: hats[p]}) for q, e in eqs.items()}
    for p in failures:
        eqs.pop(p, None)

    pending = [p for p in params if p not in special and p not in failures]
    hat_form: dict[sp.Symbol, sp.Expr] = {}
    order: list[sp.Symbol] = []
    cache: dict[sp.Sum, sp.Dummy] = {}
    why_not: dict[sp.Symbol, str] = {}
    tried: set[tuple[sp.Expr, sp.Symbol]] = set()
    progress = True
    while pending and progress:
        progress = False
        pairs = [(q, q) for q in eqs if q in pending]
        pairs += [(q, p) for q in eqs for p in pending if p != q]
        for q, p in pairs:
            if not eqs[q].has(p) or (eqs[q], p) in tried:
                continue
            tried.add((eqs[q], p))
            root, reason, bad = _solve_one(eqs[q], p, pending, sample, cache, clock, m)
            if bad:
                rejected.setdefault(p, []).extend(bad)
            if root is None:
                if q == p:
                    why_not.setdefault(p, reason)
                continue
            pending.remove(p)
            order.append(p)
            del eqs[q]
            determined = not (root.free_symbols & set(pending))
            target = hats[p] if determined else root
            eqs = {r: sample.tidy(e.xreplace({p: target})) for r, e in eqs.items()}
            hat_form = {r: e.xreplace({p: target}) for r, e in hat_form.items()}
            hat_form[p] = root
            progress = True
            break
    for p in pending:
        failures[p] = why_not.get(p, "SymPy found no solution")

    # Estimates of parameters that were eliminated wait for the others: finish them.
    for p in order:
        e = hat_form[p]
        if e.free_symbols & set(params):
            hat_form[p] = e.xreplace({q: hats[q] for q in params})
    closed: dict[sp.Symbol, sp.Expr] = {}
    if not failures:
        closed = _resolve(params, hats, special, hat_form, sample, clock)
    relations = [e for e in eqs.values()]
    return _Solution(special, hat_form, order, failures, rejected, closed, relations)


def _resolve(
    params: Sequence[sp.Symbol],
    hats: dict[sp.Symbol, sp.Symbol],
    special: dict[sp.Symbol, tuple[sp.Expr, str]],
    hat_form: dict[sp.Symbol, sp.Expr],
    sample: _Sample,
    clock: _Clock,
) -> dict[sp.Symbol, sp.Expr]:
    """Estimates over the sample only: substitute the other estimates (sums re-indexed)."""
    done: dict[sp.Symbol, sp.Expr] = {p: special[p][0] for p in special}
    by_hat = {hats[p]: p for p in params}
    todo = dict(hat_form)
    for _ in range(len(todo) + 1):
        for p, e in list(todo.items()):
            deps = [by_hat[h] for h in e.free_symbols if h in by_hat]
            if all(q in done for q in deps):

                def into(z: sp.Expr, deps: list = deps) -> sp.Expr:
                    return z.xreplace({hats[q]: sample.reindex(done[q]) for q in deps})

                # Inside a sum over i, the substituted sums must use another index.
                new = e.replace(
                    lambda z: isinstance(z, sp.Sum),
                    lambda z: sp.Sum(into(z.function), *z.limits),
                )
                new = new.xreplace({hats[q]: done[q] for q in deps})
                done[p] = _simplify_estimate(new, sample, clock)
                del todo[p]
    return {p: done[p] for p in params if p in done}


def _simplify_estimate(e: sp.Expr, sample: _Sample, clock: _Clock) -> sp.Expr:
    cache: dict[sp.Sum, sp.Dummy] = {}
    op = sample.opaque(e, cache)
    back = {d: s for s, d in cache.items()}

    def simpler() -> sp.Expr:
        return sp.factor(sp.cancel(op))

    out, ok = _run(simpler, clock, 2.0)
    if ok and out is not None and sp.count_ops(out) < sp.count_ops(op):
        return out.xreplace(back)
    return e


def _solve_one(
    eq: sp.Expr,
    p: sp.Symbol,
    pending: Sequence[sp.Symbol],
    sample: _Sample,
    cache: dict[sp.Sum, sp.Dummy],
    clock: _Clock,
    m: _Model,
) -> tuple[sp.Expr | None, str, list[str]]:
    expanded = sample.expand_sums(eq, {p})
    stuck = [s for s in expanded.atoms(sp.Sum) if s.has(p)]
    if stuck:
        origin = [
            z
            for z in sorted(eq.atoms(sp.Sum), key=sp.default_sort_key)
            if z.has(p) and sample.expand_sums(z, {p}).has(*stuck)
        ]
        s = origin[0] if origin else stuck[0]
        return (
            None,
            f"the sum {sp.sstr(s)} cannot be reduced to sufficient statistics (its terms "
            f"mix {p} and the data): no closed form",
            [],
        )
    op = sample.opaque(expanded, cache)
    back = {d: s for s, d in cache.items()}
    num = sp.together(op).as_numer_denom()[0]
    if not num.has(p):
        return None, f"the equation does not involve {p}", []
    t = sp.Dummy("t", real=True) if p.is_real else sp.Dummy("t")
    target = num.xreplace({p: t})

    def solve() -> list:
        return sp.solve(target, t)

    roots, finished = _run(solve, clock)
    if not finished:
        funcs = sorted({type(f).__name__ for f in num.atoms(sp.Function) if f.has(p)} - {"Dummy"})
        what = f" (it involves {', '.join(funcs)} of {p})" if funcs else ""
        return None, f"SymPy found no closed-form root for {p}{what}", []
    good, bad = [], []
    others = set(pending) - {p}
    for r in roots or []:
        r = r.xreplace({t: p})
        text = sp.sstr(r.xreplace(back))
        if r.has(p):
            bad.append(f"{text} (still contains {p})")
        elif r.has(sp.I) or r.is_real is False:
            bad.append(f"{text} (complex)")
        elif p.is_positive and (r.is_positive is False or r.is_nonpositive):
            bad.append(f"{text} (not positive, but {p} > 0)")
        elif p.is_nonnegative and r.is_negative:
            bad.append(f"{text} (negative, but {p} >= 0)")
        else:
            good.append(r)
    if len(good) > 1:
        good = _numeric_pick(good, p, back, others, m, sample, bad)
    if not good:
        return None, f"no admissible root for {p}", bad
    if len(good) > 1:
        return None, f"several admissible roots for {p}", bad
    return good[0].xreplace(back), "", bad


def _numeric_pick(
    roots: list[sp.Expr],
    p: sp.Symbol,
    back: dict,
    others: set,
    m: _Model,
    sample: _Sample,
    bad: list[str],
) -> list[sp.Expr]:
    """Among several roots, keep those admissible on a sampled data set."""
    data, values = _synthetic(m, seed=0, size=50)
    if data is None:
        return roots
    keep = []
    for r in roots:
        expr = r.xreplace(back)
        if expr.free_symbols & others:
            keep.append(r)
            continue
        try:
            prog = _Program(expr, sample, list(m.known))
            v = complex(prog(data, [values[s] for s in m.known]))
        except Exception:
            keep.append(r)
            continue
        ok = math.isfinite(v.real) and abs(v.imag) < 1e-12 and (not p.is_positive or v.real > 0)
        if ok:
            keep.append(r)
        else:
            bad.append(f"{sp.sstr(expr)} (inadmissible on sampled data)")
    return keep


def _numeric_sign(m: _Model, s: sp.Expr, p: sp.Symbol) -> int | None:
    data, values = _synthetic(m, seed=0, size=50)
    if data is None:
        return None
    try:
        sample = _Sample(m)
        prog = _Program(s, sample, [*m.params, *m.known])
        v = float(prog(data, [values[q] for q in (*m.params, *m.known)]))
    except Exception:
        return None
    return 1 if v > 0 else -1 if v < 0 else None


# -- sampled data --------------------------------------------------------------
def _values(m: _Model, seed: int = 0) -> dict[sp.Symbol, float] | None:
    """Typical values for the model's symbols: the family's, else by assumptions."""
    out: dict[sp.Symbol, float] = {}
    fam = m.family
    if fam is not None and fam.typical:
        for a, v in zip(m.args, fam.typical, strict=False):
            if isinstance(a, sp.Symbol):
                out[a] = v
    rng = np.random.default_rng(seed)
    for s in (*m.params, *m.known):
        if s in out:
            continue
        if s.is_integer:
            out[s] = float(rng.integers(3, 9))
        elif s.is_positive:
            out[s] = float(np.round(rng.uniform(0.6, 2.0), 3))
        else:
            out[s] = float(np.round(rng.uniform(-1.0, 1.0), 3))
    if m.probs is not None:
        # categorical: probabilities must be valid; spread them evenly
        k = len(m.support.values or ())
        for s in m.params:
            out[s] = 1.0 / k + 0.02 * (m.params.index(s) - (len(m.params) - 1) / 2)
    return out


def _synthetic(m: _Model, seed: int, size: int) -> tuple[np.ndarray | None, dict]:
    """A data set drawn from the model at typical parameter values (None if unknown how)."""
    values = _values(m, seed)
    if values is None:
        return None, {}
    rng = np.random.default_rng(seed)
    fam = m.family
    if m.probs is not None and m.support.values is not None:
        probs = [float(a.xreplace(values)) for a in m.probs]
        if min(probs) <= 0:
            return None, values
        vals = np.array([float(v) for v in m.support.values])
        return rng.choice(vals, size=size, p=np.array(probs) / sum(probs)), values
    if fam is not None and fam.sampler is not None:
        try:
            argv = [float(a.xreplace(values)) for a in m.args]
            return np.asarray(fam.sampler(rng, argv, size), dtype=float), values
        except (TypeError, ValueError):
            return None, values
    return _grid_sample(m, values, rng, size), values


def _effective_support(m: _Model, point: Mapping[sp.Symbol, float]) -> _Support | None:
    """The support with numbers for bounds, on which the density has mass one.

    A hand-typed density on ``x > 0`` may really live on ``(0, 1)`` (``θ x^(θ-1)``):
    the candidates are tried in turn by numeric integration.
    """
    from scipy import integrate

    sup = m.support
    fpoint = {q: sp.Float(v) for q, v in point.items()}
    lo, hi = (sp.sympify(b).xreplace(fpoint) for b in (sup.lo, sup.hi))
    if lo.free_symbols or hi.free_symbols:
        return None
    if sup.discrete or sup.values is not None:
        return _Support(sup.discrete, lo, hi, sup.lo_open, sup.hi_open, sup.values)
    if m.family is not None:
        return _Support(False, lo, hi, sup.lo_open, sup.hi_open)
    f = to_numpy(_numeric_form(m.density.xreplace(fpoint)), [m.xs])
    candidates = [(lo, hi)]
    if lo == 0 and hi == sp.oo:
        candidates.append((sp.S.Zero, sp.S.One))
    for a, b in candidates:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mass, _ = integrate.quad(lambda t: _finite(f(t)), float(a), float(b), limit=200)
        if abs(mass - 1) < 1e-6:
            return _Support(False, a, b, True, True)
    return None


def _grid_sample(m: _Model, values: dict, rng: np.random.Generator, size: int) -> np.ndarray | None:
    """Draw from a hand-typed density by inverting its tabulated CDF (for checks only)."""
    sup = _effective_support(m, values)
    if sup is None:
        return None
    f = to_numpy(_numeric_form(m.density), [m.xs, *m.params, *m.known])
    argv = [values[s] for s in (*m.params, *m.known)]
    if sup.discrete:
        lo = int(sup.lo) if sup.lo.is_finite else -200
        hi = int(sup.hi) if sup.hi.is_finite else lo + 400
        grid = np.arange(lo, hi + 1, dtype=float)
    else:
        lo_f = (
            float(sup.lo)
            if sup.lo.is_finite
            else float(sup.hi) - 120
            if sup.hi.is_finite
            else -60.0
        )
        hi_f = float(sup.hi) if sup.hi.is_finite else lo_f + 120.0
        grid = np.linspace(lo_f, hi_f, 200001)[1:-1]
    with np.errstate(all="ignore"):
        w = np.nan_to_num(np.asarray(f(grid, *argv), dtype=float) * np.ones_like(grid))
    if not w.sum() > 0:
        return None
    if sup.discrete:
        return rng.choice(grid, size=size, p=w / w.sum())
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    return np.interp(rng.uniform(0, 1, size), cdf, grid)


# -- Fisher information ----------------------------------------------------------
def _canon(e: sp.Expr) -> sp.Expr:
    return sp.expand(sp.expand_log(sp.expand(e, power_base=True, force=True), force=True))


def _expectation(h: sp.Expr, m: _Model, table: dict, clock: _Clock, used: set[str]) -> sp.Expr:
    """``E[h(X)]``: from the known moments, an exact finite sum, or a budgeted integral.

    Terms ``c(θ) g(x)`` whose ``g`` is in the family's moment table are
    looked up (no integration). Otherwise SymPy integrates (or sums) the whole
    of ``h f`` for at most 1.5 s; if it does not finish, the expectation stays
    an unevaluated ``Integral`` / ``Sum`` (evaluated by quadrature in ``fit``).
    """
    x = m.xs
    if not h.has(x):
        return h
    sup = m.support
    if sup.values is not None:
        return sp.Add(*[h.xreplace({x: v}) * m.density.xreplace({x: v}) for v in sup.values])
    pieces = [t.as_independent(x, as_Add=False) for t in sp.Add.make_args(_canon(h))]
    if all(g == 1 or g in table for _, g in pieces):
        out = []
        for c, g in pieces:
            if g != 1:
                used.add(f"E[{sp.sstr(g)}] = {sp.sstr(table[g])}")
            out.append(c * (1 if g == 1 else table[g]))
        return sp.Add(*out)
    limits = (x, sup.lo, sup.hi)

    def work() -> sp.Expr:
        if sup.discrete:
            return sp.summation(h * m.density, limits)
        return sp.integrate(h * m.density, limits, conds="none")

    out, ok = _run(work, clock, 1.5)
    if ok and out is not None and not out.has(sp.Integral, sp.Sum, sp.Piecewise):
        used.add("SymPy's integration")
        return out
    used.add("expectations SymPy could not evaluate left as sums / integrals")
    return (sp.Sum if sup.discrete else sp.Integral)(h * m.density, limits)


def _fisher(d: MLE) -> tuple[sp.Matrix | None, str]:
    m: _Model = d._model
    sol: _Solution = d._solution
    if getattr(m, "mvn", False):
        return d._cache["mvn_fisher"], "known result"
    if m.boundary and any(p in sol.special for p in m.boundary):
        names = ", ".join(str(p) for p in m.boundary)
        return None, (
            f"the support depends on {names}: the model is not regular, the Fisher "
            "information does not apply (standard errors come from the exact distribution "
            "of the boundary estimate)"
        )
    params = m.params
    fam = m.family
    distinct = len(set(m.args)) == len(m.args) and all(isinstance(a, sp.Symbol) for a in m.args)
    if fam is not None and fam.fisher is not None and distinct and set(params) <= set(m.args):
        idx = [list(m.args).index(p) for p in params]
        full = sp.ImmutableMatrix(fam.fisher(m.args))
        return sp.ImmutableMatrix(full.extract(idx, idx)), fam.note or "known result"
    clock = _Clock(min(d._clock_budget, 6.0))
    table = {}
    if fam is not None:
        table = {_canon(k): v for k, v in fam.moments(m.args, m.xs).items()}
    k = len(params)
    entries = [[sp.S.Zero] * k for _ in range(k)]
    used: set[str] = set()
    for a in range(k):
        for b in range(a, k):
            h = -sp.diff(m.logpdf, params[a], params[b])
            value = _expectation(h, m, table, clock, used)
            if not value.has(sp.Integral, sp.Sum):
                simp, ok = _run(lambda v=value: sp.simplify(v), clock, 1.0)
                value = simp if ok and simp is not None else value
            entries[a][b] = entries[b][a] = value
    why = "minus the expected second derivative of log f"
    if used:
        why += ", with " + "; ".join(sorted(used))
    return sp.ImmutableMatrix(entries), why


# -- steps ---------------------------------------------------------------------
def _steps(d: MLE) -> list[Step]:
    m: _Model = d._model
    if getattr(m, "mvn", False):
        return d._cache["mvn_steps"]
    s: _Sample = d._sample
    sol: _Solution = d._solution
    i, n = s.i, s.n
    ell = sp.Function("ell")(*m.params)
    out = [
        Step(
            sp.Product(s.at(m.density), (i, 1, n)),
            "likelihood of the i.i.d. sample: the product of the densities "
            "(only shown; the derivation works with its log)",
            lhs=sp.Function("L")(*m.params),
        ),
        Step(
            sp.Sum(s.at(sp.log(m.density)), (i, 1, n)),
            "log-likelihood: the log of a product is the sum of the logs",
            lhs=ell,
        ),
        Step(
            sp.Sum(s.at(m.logpdf), (i, 1, n)),
            "expand the log of the density",
        ),
        Step(
            d.log_likelihood,
            "split the sum: terms free of the data give n times the term; factors free "
            "of the data move out of the sums",
        ),
    ]
    for k, p in enumerate(m.params):
        out.append(
            Step(
                d.score[k],
                "score: differentiate the log-likelihood",
                lhs=sp.Derivative(ell, p),
            )
        )
    for p, (est, why) in sol.special.items():
        out.append(Step(est, why, lhs=_hat(p)))
    for p in sol.order:
        e = sol.hat_form[p]
        why = f"set the score to zero and solve for {p}"
        if e.has(sp.Sum):
            why += " (the sums are the sufficient statistics)"
        if p in sol.rejected:
            why += "; rejected roots: " + "; ".join(sol.rejected[p])
        out.append(Step(e, why, lhs=_hat(p)))
    for p, why in sol.failures.items():
        out.append(
            Step(
                sp.Eq(d.score[m.params.index(p)], 0),
                f"no closed form for {p}: {why}; fit() finds the root numerically "
                "(L-BFGS-B from moment starting values, then scipy.optimize.root)",
            )
        )
    if sol.closed:
        for p in m.params:
            if sol.closed[p] != sol.hat_form.get(p, sol.closed[p]):
                out.append(Step(sol.closed[p], "substitute the other estimates", lhs=_hat(p)))
        if any(p not in sol.special for p in m.params):
            out.append(_second_order_step(d))
    fisher = d.fisher_information
    if fisher is not None:
        why_f = d._cache["fisher"][1]
        out.append(
            Step(
                fisher,
                "Fisher information per observation: " + why_f,
                lhs=sp.Function("I")(*m.params),
            )
        )
    out.append(Step(d.result, "the maximum-likelihood estimate", lhs=r"\text{MLE}"))
    return out


def _second_order_step(d: MLE) -> Step:
    m: _Model = d._model
    s: _Sample = d._sample
    sol: _Solution = d._solution
    regular = [p for p in m.params if p not in sol.special]
    hats = {p: _hat(p) for p in m.params}
    label = sp.Function("H")(*[hats[p] for p in regular])
    H = sp.ImmutableMatrix(
        [[s.tidy(sp.diff(d.score[m.params.index(a)], b)) for b in regular] for a in regular]
    )
    clock = _Clock(min(d._clock_budget, 5.0))
    at = H.xreplace(hats)
    hat_set = set(hats.values())
    expanded = at.applyfunc(lambda e: s.expand_sums(e, hat_set))
    rel = [
        s.expand_sums(d.score[m.params.index(p)].xreplace(hats), hat_set)
        for p in m.params
        if p not in sol.special
    ]
    cache: dict[sp.Sum, sp.Dummy] = {}
    rel_op = [s.opaque(e, cache) for e in rel]
    H_op = expanded.applyfunc(lambda e: s.opaque(e, cache))
    back = {dd: ss_ for ss_, dd in cache.items()}
    unknowns = list(cache.values())

    def work() -> sp.Matrix:
        subs = sp.solve(rel_op, unknowns, dict=True) if unknowns else [{}]
        if not subs:
            return H_op
        return H_op.xreplace(subs[0]).applyfunc(sp.simplify)

    simplified, ok = _run(work, clock)
    shown = at
    verdict = None
    if ok and simplified is not None and not simplified.free_symbols & set(unknowns):
        shown = simplified.xreplace(back)
        verdict = _negative_definite(simplified)
    if verdict is True:
        why = (
            "second-order check: the Hessian H of the log-likelihood at the estimate is "
            "negative definite, a maximum"
        )
    else:
        why = (
            "second-order check: the Hessian H of the log-likelihood at the estimate; "
            "negative definite (checked numerically at sampled data by .verify())"
        )
    return Step(shown, why, lhs=label)


def _negative_definite(H: sp.Matrix) -> bool | None:
    k = H.shape[0]
    for j in range(1, k + 1):
        minor = H[:j, :j].det() if j > 1 else H[0, 0]
        sign = (-1) ** j
        val = sp.simplify(sign * minor)
        if val.is_positive is not True:
            return None
    return True


# -- the fit ---------------------------------------------------------------------
def _known_values(d: MLE, known: Mapping[Any, float] | None) -> dict[sp.Symbol, float]:
    m: _Model = d._model
    out: dict[sp.Symbol, float] = {}
    given = dict(known or {})
    by_name = {s.name: s for s in m.known}
    for key, value in given.items():
        sym = key if isinstance(key, sp.Symbol) else by_name.get(str(key))
        if sym is None or sym not in m.known:
            raise ArgumentError(
                bad_argument(
                    "known",
                    given,
                    f"{key!r} is not a known parameter of the model; the known ones are "
                    f"{sorted(by_name)}",
                )
            )
        try:
            out[sym] = float(value)
        except (TypeError, ValueError):
            raise ArgumentError(bad_argument("known", given, f"{key!r} needs a number")) from None
    missing = [s.name for s in m.known if s not in out]
    if missing:
        example = ", ".join(f"{name!r}: ..." for name in missing)
        raise ArgumentError(
            bad_argument(
                "known",
                given or None,
                f"the model has known parameters {missing}: give their values, e.g. "
                f"fit(data, known={{{example}}})",
            )
        )
    return out


def _check_support(d: MLE, data: Any, arr: np.ndarray, kv: dict[sp.Symbol, float]) -> None:
    m: _Model = d._model
    sup = m.support
    fix = f"observations of {m.label} must be {sup.text()}"
    with np.errstate(invalid="ignore"):
        if sup.values is not None:
            allowed = np.array([float(v) for v in sup.values])
            bad = ~np.isin(arr, allowed) & np.isfinite(arr)
        else:
            lo = _bound(sup.lo, kv, m)
            hi = _bound(sup.hi, kv, m)
            lo_ok = lo is None or lo == -math.inf or _above(arr, lo, sup.lo_open)
            hi_ok = hi is None or hi == math.inf or _above(-arr, -hi, sup.hi_open)
            if lo_ok and hi_ok and not sup.discrete:
                return
            bad = np.zeros(arr.shape, dtype=bool)
            if not lo_ok:
                bad |= (arr <= lo) if sup.lo_open else (arr < lo)
            if not hi_ok:
                bad |= (arr >= hi) if sup.hi_open else (arr > hi)
            if sup.discrete:
                bad |= np.isfinite(arr) & (arr != np.floor(arr))
    if bad.any():
        raise _offenders(data, arr, bad, "outside the support", fix)


def _above(arr: np.ndarray, lo: float, strict: bool) -> bool:
    """Whether every value is above ``lo`` (NaN counts as not), by one reduction."""
    smallest = float(np.min(arr))
    return smallest > lo if strict else smallest >= lo


def _bound(b: sp.Expr, kv: dict[sp.Symbol, float], m: _Model) -> float | None:
    if b.free_symbols & set(m.params):
        return None  # a boundary parameter: estimated from the data
    try:
        return float(b.xreplace(kv))
    except TypeError:
        return None


def _fit(d: MLE, data: Any, known: Mapping[Any, float] | None, information: str) -> MLEFit:
    m: _Model = d._model
    if getattr(m, "mvn", False):
        return _fit_mvnormal(d, data, information)
    if information not in ("expected", "observed"):
        raise ArgumentError(
            bad_argument("information", information, 'pass "expected" or "observed"')
        )
    arr = _as_data(data)
    kv = _known_values(d, known)
    _check_support(d, data, arr, kv)
    sol: _Solution = d._solution
    params = m.params
    names = tuple(p.name for p in params)
    kargs = [kv[s] for s in m.known]
    notes: list[str] = []
    if sol.closed:
        prog = _cached(
            d,
            "estimators",
            lambda: _Program(
                sp.ImmutableMatrix([sol.closed[p] for p in params]), d._sample, list(m.known)
            ),
        )
        values = np.asarray(prog(arr, kargs), dtype=float).reshape(-1)
        if not np.all(np.isfinite(values)):
            _check_finite(data, arr)
            _check_logpdf(d, data, arr)
            raise ArgumentError(
                bad_argument(
                    "data",
                    _short_data(data),
                    f"the maximum-likelihood estimate does not exist for these data "
                    f"({dict(zip(names, values.tolist(), strict=True))}); e.g. all values equal",
                )
            )
        method, converged = "closed form", True
    else:
        _check_finite(data, arr)
        values, converged, fit_notes = _numeric_root(d, arr, kargs)
        notes += fit_notes
        method = "numeric root of the score"
    theta = dict(zip(params, values.tolist(), strict=True))
    _check_params(d, data, theta)
    regular = [p for p in params if p not in sol.special or p in _smooth_special(d)]
    cov, info_used, cov_notes = _covariance(d, arr, theta, kv, regular, information)
    notes += cov_notes
    stderr: dict[str, Any] = {}
    for k, p in enumerate(regular):
        stderr[p.name] = float(math.sqrt(cov[k, k])) if cov[k, k] >= 0 else math.nan
    for p in params:
        if p.name not in stderr:
            stderr[p.name] = _boundary_stderr(d, p, theta, arr.shape[0])
    out_params = {p.name: float(theta[p]) for p in params}
    stderr = {p.name: stderr[p.name] for p in params}
    boundary = [p for p in params if p in m.boundary and p in sol.special]

    def loglike() -> float:
        prog = _cached(
            d,
            "loglike",
            lambda: _Program(
                sp.Sum(d._sample.at(m.logpdf), (d._sample.i, 1, d._sample.n)),
                d._sample,
                [*params, *m.known],
            ),
        )
        return float(prog(arr, [*values.tolist(), *kargs]))

    def intervals(level: float) -> dict[str, tuple]:
        return {p.name: _boundary_interval(d, p, theta, arr, level) for p in boundary}

    return MLEFit(
        out_params,
        stderr,
        cov,
        tuple(p.name for p in regular),
        int(arr.shape[0]),
        method,
        info_used,
        converged=converged,
        notes=notes,
        loglike=loglike,
        intervals=intervals if boundary else None,
    )


def _smooth_special(d: MLE) -> set[sp.Symbol]:
    """Special (non-score) estimates that still have regular asymptotics (the median)."""
    return {p for p, (e, _) in d._solution.special.items() if isinstance(e, SampleMedian)}


def _cached(d: MLE, key: Any, build: Callable[[], Any]) -> Any:
    if key not in d._cache:
        d._cache[key] = build()
    return d._cache[key]


def _check_params(d: MLE, data: Any, theta: dict[sp.Symbol, float]) -> None:
    m: _Model = d._model
    bad = {}
    for p, v in theta.items():
        if (p.is_positive and not v > 0) or (p.is_nonnegative and not v >= 0):
            bad[p.name] = v
    if bad:
        raise ArgumentError(
            bad_argument(
                "data",
                _short_data(data),
                f"the maximum-likelihood estimate {bad} is outside the parameter space of "
                f"{m.label}; the data do not determine the parameters (e.g. all values equal "
                "or all zero)",
            )
        )


def _check_logpdf(d: MLE, data: Any, arr: np.ndarray) -> None:
    """Name observations where a data-only term of log f is not finite (log 0, ...)."""
    m: _Model = d._model
    for term in sp.Add.make_args(m.logpdf):
        _c, g = term.as_independent(m.xs, as_Add=False)
        if not g.has(m.xs) or g.free_symbols - {m.xs}:
            continue
        f = to_numpy(_numeric_form(g), [m.xs])
        with np.errstate(all="ignore"):
            vals = np.asarray(f(arr), dtype=float) * np.ones_like(arr)
        bad = ~np.isfinite(vals)
        if bad.any():
            raise _offenders(
                data,
                arr,
                bad,
                f"outside the support ({sp.sstr(g)} is not finite there)",
                f"observations of {m.label} must be {m.support.text()}",
            )


def _numeric_root(d: MLE, arr: np.ndarray, kargs: list[float]) -> tuple[np.ndarray, bool, list]:
    from scipy import optimize

    m: _Model = d._model
    s: _Sample = d._sample
    params = list(m.params)
    k = len(params)
    sol: _Solution = d._solution
    args = [*params, *m.known]
    ll_prog = _cached(d, "ll", lambda: _Program(d.log_likelihood, s, args))
    sc_prog = _cached(d, "score", lambda: _Program(d.score, s, args))
    H = _cached(
        d,
        "hessian",
        lambda: _Program(
            sp.ImmutableMatrix([[s.tidy(sp.diff(e, q)) for q in params] for e in d.score]),
            s,
            args,
        ),
    )
    n = arr.shape[0]
    shared: dict[Any, float] = {}
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
    notes: list[str] = []
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
                options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
            )
            z = np.asarray(res.x, dtype=float)
        root = optimize.root(lambda v: -grad(v), z, jac=lambda v: hess(v), method="hybr")
    inside = all(
        lo <= v <= hi for v, (lo, hi) in zip(np.asarray(root.x, dtype=float), box, strict=True)
    )
    if (
        root.success
        and inside
        and np.all(np.isfinite(root.x))
        and negll(root.x) <= negll(z) + 1e-12 * (1 + abs(negll(z)))
    ):
        z = np.asarray(root.x, dtype=float)
    g = grad(z)
    scale = np.maximum(np.abs(z), 1.0)
    converged = bool(np.all(np.abs(g) * scale < 1e-6))
    if not converged:
        notes.append(f"the score at the estimate is {(-g * n).tolist()}, not zero")
    theta = np.array(full(z)[:k], dtype=float)
    return theta, converged, notes


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


def _bounds(m: _Model) -> list[tuple[float, float]]:
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
    m: _Model, arr: np.ndarray, params: list[sp.Symbol], bounds: list[tuple[float, float]]
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


def _covariance(
    d: MLE,
    arr: np.ndarray,
    theta: dict[sp.Symbol, float],
    kv: dict[sp.Symbol, float],
    regular: list[sp.Symbol],
    information: str,
) -> tuple[np.ndarray, str, list[str]]:
    m: _Model = d._model
    s: _Sample = d._sample
    k = len(regular)
    notes: list[str] = []
    if k == 0:
        return np.zeros((0, 0)), "exact (boundary estimate)", notes
    n = arr.shape[0]
    used = information
    info = None
    if information == "expected":
        fisher = d.fisher_information
        if fisher is None:
            used = "observed"
            notes.append("no Fisher information for this model: observed information used")
        else:
            idx = tuple(m.params.index(p) for p in regular)
            sub = _cached(
                d, ("fisher_sub", idx), lambda: sp.ImmutableMatrix(fisher.extract(idx, idx))
            )
            info = n * _eval_fisher(d, sub, theta, kv)
    if info is None:
        args = [*m.params, *m.known]
        H = _cached(
            d,
            "hessian",
            lambda: _Program(
                sp.ImmutableMatrix([[s.tidy(sp.diff(e, q)) for q in m.params] for e in d.score]),
                s,
                args,
            ),
        )
        full = np.asarray(
            H(arr, [theta[p] for p in m.params] + [kv[q] for q in m.known]), dtype=float
        ).reshape(len(m.params), len(m.params))
        idx = [m.params.index(p) for p in regular]
        info = -full[np.ix_(idx, idx)]
    try:
        with np.errstate(all="ignore"):
            cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        notes.append("the information matrix is singular: standard errors are NaN")
        cov = np.full((k, k), np.nan)
    return cov, used, notes


def _eval_fisher(
    d: MLE, fisher: sp.Matrix, theta: dict[sp.Symbol, float], kv: dict[sp.Symbol, float]
) -> np.ndarray:
    """The Fisher information at a point; unevaluated expectations by quadrature."""
    m: _Model = d._model
    point = {**theta, **kv}
    k = fisher.shape[0]
    symbols = [*m.params, *m.known]
    key = ("fisher_fn", id(fisher))
    entry = d._cache.get(key)
    if entry is None or entry[0] is not fisher:
        numeric = not fisher.has(sp.Integral, sp.Sum)
        entry = (fisher, to_numpy(_numeric_form(fisher), symbols) if numeric else None)
        d._cache[key] = entry
    if entry[1] is not None:
        with np.errstate(all="ignore"):
            value = entry[1](*[point[q] for q in symbols])
        return np.asarray(value, dtype=float).reshape(k, k)
    out = np.zeros((k, k))
    for a in range(k):
        for b in range(k):
            e = fisher[a, b]
            for atom in e.atoms(sp.Integral, sp.Sum):
                e = e.xreplace({atom: sp.Float(_quadrature(atom, m, point))})
            val = e.xreplace({s: sp.Float(v) for s, v in point.items()})
            out[a, b] = float(sp.N(val))
    return out


def _quadrature(atom: sp.Basic, m: _Model, point: dict[sp.Symbol, float]) -> float:
    from scipy import integrate

    ((var, lo, hi),) = atom.limits
    fpoint = {q: sp.Float(v) for q, v in point.items()}
    f = to_numpy(_numeric_form(_log_space(atom.function.xreplace(fpoint))), [var])
    if isinstance(atom, sp.Sum):
        start = int(lo)
        total, k, tail = 0.0, start, 0
        with np.errstate(all="ignore"):
            while k < start + 10**6:
                ks = np.arange(k, k + 1000, dtype=float)
                if hi.is_finite:
                    ks = ks[ks <= float(hi)]
                vals = np.nan_to_num(np.asarray(f(ks), dtype=float) * np.ones_like(ks))
                total += float(vals.sum())
                k += 1000
                tail = abs(vals[-1]) if len(vals) else 0.0
                if not len(vals) or (tail < 1e-16 * max(abs(total), 1e-300) and k > start + 1000):
                    break
        return total
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, _ = integrate.quad(
            lambda t: _finite(f(t)), float(lo), float(hi), limit=200, epsabs=1e-13, epsrel=1e-11
        )
    return float(value)


def _finite(v: Any) -> float:
    """A float, with NaN / infinity (overflow far in a tail) counted as 0."""
    v = float(v)
    return v if math.isfinite(v) else 0.0


def _boundary_stderr(d: MLE, p: sp.Symbol, theta: dict[sp.Symbol, float], n: int) -> float:
    m: _Model = d._model
    side = m.boundary.get(p)
    fam = m.family.name if m.family else ""
    if fam == "Uniform" and side is not None:
        # max (or min) of n uniforms: sd = width * sqrt(n / ((n + 1)^2 (n + 2)))
        lo, hi = (_arg_value(a, theta) for a in m.args)
        width = hi - lo
        return float(width * math.sqrt(n / ((n + 1) ** 2 * (n + 2))))
    if fam == "Pareto" and side == "lower":
        scale, alpha = (_arg_value(a, theta) for a in m.args)
        a = n * alpha  # min of n Pareto(scale, alpha) is Pareto(scale, n alpha)
        if a > 2:
            return float(scale * math.sqrt(a / ((a - 1) ** 2 * (a - 2))))
    return math.nan


def _arg_value(a: sp.Expr, theta: dict[sp.Symbol, float]) -> float:
    return float(a.xreplace({s: sp.Float(v) for s, v in theta.items()}))


def _boundary_interval(
    d: MLE, p: sp.Symbol, theta: dict[sp.Symbol, float], arr: np.ndarray, level: float
) -> tuple[float, float]:
    """Exact interval of a Uniform(0, θ) bound from the distribution of the sample max."""
    m: _Model = d._model
    n = arr.shape[0]
    est = theta[p]
    fam = m.family.name if m.family else ""
    if fam == "Uniform" and m.boundary.get(p) == "upper":
        lo = _arg_value(m.args[0], theta)
        # P(max - lo <= t (θ - lo)) = t^n: θ in [max, lo + (max - lo) / (1 - level)^(1/n)]
        return (est, lo + (est - lo) / (1 - level) ** (1 / n))
    if fam == "Uniform" and m.boundary.get(p) == "lower":
        hi = _arg_value(m.args[1], theta)
        return (hi - (hi - est) / (1 - level) ** (1 / n), est)
    if fam == "Pareto" and m.boundary.get(p) == "lower":
        alpha = _arg_value(m.args[1], theta)
        # P(min >= c scale) = c^(-n alpha): scale in [min (1 - level)^(1/(n alpha)), min]
        return (est * (1 - level) ** (1 / (n * alpha)), est)
    return (math.nan, math.nan)


# ---------------------------------------------------------------------------
# verify(): the score vanishes, the Hessian is negative definite, I = Var(score)
# ---------------------------------------------------------------------------
def _mle_verdict(d: MLE, *, seed: int = 0, n: int = 400, rtol: float = 1e-6) -> Verdict:
    m: _Model = d._model
    if getattr(m, "mvn", False):
        return _mvn_verdict(d, seed=seed, n=n)
    data, values = _synthetic(m, seed, n)
    if data is None:
        return Verdict(
            False,
            "inconclusive",
            notes=("inconclusive: symml cannot draw data from this model to check it",),
        )
    kv = {s: values[s] for s in m.known}
    fit = d.fit(data, known={s.name: v for s, v in kv.items()})
    theta = {p: fit.params[p.name] for p in m.params}
    s: _Sample = d._sample
    sol: _Solution = d._solution
    notes: list[str] = []
    args = [*m.params, *m.known]
    argv = [theta[p] for p in m.params] + [kv[q] for q in m.known]
    regular = [p for p in m.params if p not in sol.special]
    point = {p.name: theta[p] for p in m.params}
    if regular:
        idx = [m.params.index(p) for p in regular]
        score = np.asarray(_Program(d.score, s, args)(data, argv), dtype=float).reshape(-1)[idx]
        scale = _score_scale(d, data, argv, idx)
        worst = float(np.max(np.abs(score) / scale))
        if worst > 1e-6:
            return Verdict(
                False,
                "numeric",
                claimed=d.result,
                counterexample=point,
                claimed_value=score.tolist(),
                expected_value=[0.0] * len(idx),
                notes=("the score does not vanish at the estimate",),
                points=1,
            )
        notes.append(f"score vanishes at the estimate (relative {worst:.1e})")
        H = sp.ImmutableMatrix([[s.tidy(sp.diff(d.score[j], q)) for q in regular] for j in idx])
        h = np.asarray(_Program(H, s, args)(data, argv), dtype=float).reshape(len(idx), len(idx))
        eig = np.linalg.eigvalsh((h + h.T) / 2)
        if not np.all(eig < 0):
            return Verdict(
                False,
                "numeric",
                claimed=d.result,
                counterexample=point,
                claimed_value=eig.tolist(),
                expected_value="negative eigenvalues",
                notes=("the Hessian at the estimate is not negative definite",),
                points=1,
            )
        notes.append("Hessian negative definite at the estimate")
    for p, (est, _) in sol.special.items():
        ok, text = _check_special(d, p, est, data, theta, kv)
        notes.append(text)
        if not ok:
            return Verdict(False, "numeric", claimed=d.result, counterexample=point, notes=(text,))
    fisher = d.fisher_information
    if fisher is not None:
        truth = {p: values[p] for p in m.params}
        got = _eval_fisher(d, fisher, truth, kv)
        want = _score_variance(d, truth, kv)
        if want is not None:
            with np.errstate(all="ignore"):
                err = float(np.max(np.abs(got - want)) / max(1e-300, np.max(np.abs(want))))
            if not err < max(rtol, 1e-6) * 100:
                return Verdict(
                    False,
                    "numeric",
                    claimed=fisher,
                    counterexample={p.name: v for p, v in truth.items()},
                    claimed_value=got.tolist(),
                    expected_value=want.tolist(),
                    notes=("Fisher information differs from the variance of the score",),
                    points=1,
                )
            notes.append(f"Fisher information equals the variance of the score (rel. {err:.1e})")
        else:
            notes.append("Fisher information not checked (no numeric expectation available)")
    return Verdict(True, "numeric", claimed=d.result, notes=tuple(notes), points=1)


def _score_scale(d: MLE, data: np.ndarray, argv: list[float], idx: list[int]) -> np.ndarray:
    """Σ|s_i|: the size of the score's terms (so that 'zero' is relative to them)."""
    m: _Model = d._model
    per = sp.ImmutableMatrix([sp.diff(m.logpdf, m.params[j]) for j in idx])
    f = to_numpy(_numeric_form(per), [m.xs, *m.params, *m.known])
    with np.errstate(all="ignore"):
        vals = np.asarray(f(data, *argv), dtype=float).reshape(len(idx), -1)
    return np.maximum(np.sum(np.abs(vals), axis=1), 1e-300)


def _score_variance(d: MLE, truth: dict, kv: dict) -> np.ndarray | None:
    """E[s sᵀ] at the true parameters, by quadrature or summation over the support."""
    m: _Model = d._model
    k = len(m.params)
    s = [sp.diff(m.logpdf, p) for p in m.params]
    point = {**truth, **kv}
    fpoint = {q: sp.Float(v) for q, v in point.items()}
    sup = _effective_support(m, point)
    if sup is None:
        return None
    dens = m.density
    out = np.zeros((k, k))
    for a in range(k):
        for b in range(a, k):
            g = s[a] * s[b] * dens
            if sup.values is not None:
                val = sum(float(sp.N(g.xreplace({m.xs: v, **point}))) for v in sup.values)
            elif sup.discrete:
                atom = sp.Sum(g, (m.xs, sup.lo, sup.hi))
                val = _quadrature(atom.xreplace(point), m, {})
            else:
                lo, hi = (sp.sympify(b_).xreplace(fpoint) for b_ in (sup.lo, sup.hi))
                if lo.free_symbols or hi.free_symbols:
                    return None
                val = _quadrature(sp.Integral(g, (m.xs, lo, hi)).xreplace(point), m, {})
            out[a, b] = out[b, a] = val
    return out


def _check_special(
    d: MLE, p: sp.Symbol, est: sp.Expr, data: np.ndarray, theta: dict, kv: dict
) -> tuple[bool, str]:
    """Boundary: ℓ falls as p moves into the feasible side; median: subgradient has 0."""
    m: _Model = d._model
    s: _Sample = d._sample
    v = theta[p]
    if isinstance(est, SampleMedian):
        below, above = int(np.sum(data < v)), int(np.sum(data > v))
        ok = below <= len(data) / 2 and above <= len(data) / 2
        return ok, f"{p}: the median balances the signs ({below} below, {above} above)"
    prog = _Program(d.log_likelihood, s, [*m.params, *m.known])

    def ll(val: float) -> float:
        argv = [val if q == p else theta[q] for q in m.params] + [kv[q] for q in m.known]
        return float(prog(data, argv))

    step = 1e-3 * max(abs(v), 1.0)
    inward = v + step if m.boundary.get(p) == "upper" else v - step
    ok = ll(inward) < ll(v)
    return ok, f"{p}: the log-likelihood falls as {p} moves away from the boundary estimate"


# ---------------------------------------------------------------------------
# Multivariate normal
# ---------------------------------------------------------------------------
def _mle_mvnormal(rv: RandomSymbol, params: Any) -> MLE:
    mu, Sigma = rv.pspace.distribution.args
    if not (isinstance(mu, sp.MatrixSymbol) and isinstance(Sigma, sp.MatrixSymbol)):
        raise ArgumentError(
            bad_argument(
                "model",
                rv,
                "for MultivariateNormal pass MatrixSymbol parameters, e.g. "
                "mu = MatrixSymbol('mu', d, 1), Sigma = MatrixSymbol('Sigma', d, d)",
            )
        )
    if params is not None and set(params) != {mu, Sigma}:
        raise ArgumentError(
            bad_argument("params", params, f"MultivariateNormal estimates [{mu}, {Sigma}]")
        )
    d_ = mu.shape[0]
    n = sp.Symbol("n", integer=True, positive=True)
    i = sp.Symbol("i", integer=True, positive=True)
    xi = sp.MatrixSymbol("x_i", d_, 1)
    X = sp.MatrixSymbol("X", n, d_)
    one = sp.OneMatrix(n, 1)
    mu_hat = X.T * one / n
    Sigma_hat = X.T * (sp.Identity(n) - one * one.T / n) * X / n
    Si = Sigma.I
    S = sp.MatrixSymbol("S", d_, d_)
    ll = (
        -n * d_ * sp.log(2 * sp.pi) / 2
        - n * sp.log(sp.Determinant(Sigma)) / 2
        - sp.Trace(Si * S) / 2
    )
    score_mu = Si * (X.T * one - n * mu)
    score_S = -n * Si / 2 + Si * S * Si / 2
    steps = [
        Step(
            sp.Sum(
                -d_ * sp.log(2 * sp.pi) / 2
                - sp.log(sp.Determinant(Sigma)) / 2
                - sp.Trace((xi - mu).T * Si * (xi - mu)) / 2,
                (i, 1, n),
            ),
            "log-likelihood: the sum of the logs of the normal densities",
            lhs=rf"\ell({_tex(mu)}, {_tex(Sigma)})",
        ),
        Step(
            ll,
            "a scalar is its own trace and tr(AB) = tr(BA): the quadratic forms sum to "
            "tr(Σ⁻¹S) with the scatter matrix S = Σ_i (x_i - μ)(x_i - μ)ᵀ",
        ),
        Step(
            score_mu,
            "score in μ: d(aᵀΣ⁻¹a)/dμ = -2Σ⁻¹a, summed: Σ⁻¹ Σ_i (x_i - μ) = Σ⁻¹(Xᵀ1 - nμ)",
            lhs=r"\nabla_{\mu} \ell",
        ),
        Step(mu_hat, "set to zero: Σ_i x_i = nμ, the sample mean (Xᵀ1/n)", lhs=r"\hat{\mu}"),
        Step(
            score_S,
            "score in Σ: d log det Σ / dΣ = Σ⁻¹ and d tr(Σ⁻¹S)/dΣ = -Σ⁻¹SΣ⁻¹",
            lhs=r"\nabla_{\Sigma} \ell",
        ),
        Step(
            Sigma_hat,
            "set to zero: Σ = S/n at μ = x̄, the centred scatter over n (the rows of X "
            "are the observations; I - 11ᵀ/n centres them)",
            lhs=r"\hat{\Sigma}",
        ),
        Step(
            sp.BlockDiagMatrix(Si, sp.KroneckerProduct(Si, Si) / 2),
            "Fisher information per observation for (μ, vec Σ): Σ⁻¹ and ½ Σ⁻¹⊗Σ⁻¹; "
            "standard errors of Σ̂ use Var(Σ̂_jk) = (Σ_jk² + Σ_jj Σ_kk)/n",
            lhs="I",
        ),
        Step(
            sp.Tuple(sp.Eq(mu, mu_hat), sp.Eq(Sigma, Sigma_hat)),
            "second-order check: ℓ is concave in (μ, Σ⁻¹), so the stationary point is the "
            "maximum (for n > d, Σ̂ positive definite)",
        ),
    ]
    m = _Model(
        label=f"MultivariateNormal({mu}, {Sigma})",
        xs=sp.Symbol("x", real=True),
        density=sp.S.One,
        logpdf=sp.S.Zero,
        params=(mu, Sigma),
        known=(),
        support=_Support(False),
        family=None,
        args=(mu, Sigma),
    )
    m.mvn = True  # type: ignore[attr-defined]
    result = sp.Tuple(sp.Eq(mu, mu_hat), sp.Eq(Sigma, Sigma_hat))
    dv = MLE(
        result,
        lambda: [],
        assumptions=[
            f"x_1, ..., x_n i.i.d. from {m.label}, the rows of X ({n} x {d_})",
            f"{Sigma} symmetric positive definite",
        ],
        kind="maximum likelihood",
        source=ll,
        wrt=(mu, Sigma),
        verifier=_mle_verdict,
    )
    setattr_ = object.__setattr__
    setattr_(dv, "_steps", None)
    setattr_(dv, "_steps_factory", _steps_factory(dv))
    setattr_(dv, "_model", m)
    setattr_(dv, "_sample", None)
    setattr_(dv, "_solution", None)
    setattr_(
        dv,
        "_cache",
        {
            "mvn_steps": steps,
            "mvn_fisher": sp.BlockDiagMatrix(Si, sp.KroneckerProduct(Si, Si) / 2),
        },
    )
    setattr_(dv, "_clock_budget", 1.0)
    setattr_(dv, "params", (mu, Sigma))
    setattr_(dv, "estimators", {mu: mu_hat, Sigma: Sigma_hat})
    setattr_(dv, "log_likelihood", ll)
    setattr_(dv, "score", sp.Tuple(score_mu, score_S))
    setattr_(dv, "x", X)
    setattr_(dv, "i", i)
    setattr_(dv, "n", n)
    return dv


def _fit_mvnormal(d: MLE, data: Any, information: str) -> MLEFit:
    if information not in ("expected", "observed"):
        raise ArgumentError(
            bad_argument("information", information, 'pass "expected" or "observed"')
        )
    arr = _as_data(data, ndim=2)
    _check_finite(data, arr)
    mu, Sigma = d.params
    n, k = arr.shape
    dim = mu.shape[0]
    if dim.is_number and int(dim) != k:
        raise ShapeError(
            bad_argument(
                "data",
                _short_data(data),
                f"expected {int(dim)} columns (one per coordinate), got {k}",
            )
        )
    m_hat = arr.mean(axis=0)
    centred = arr - m_hat
    m_hat = m_hat + centred.mean(axis=0)  # one refinement step (second pass)
    centred = arr - m_hat
    S_hat = centred.T @ centred / n
    if n <= k or np.linalg.matrix_rank(S_hat) < k:
        raise ArgumentError(
            bad_argument(
                "data",
                _short_data(data),
                f"the covariance estimate is singular ({n} rows, {k} columns): the MLE needs "
                "more observations than dimensions and no exactly collinear columns",
            )
        )
    se_mu = np.sqrt(np.diag(S_hat) / n)
    diag = np.diag(S_hat)
    se_S = np.sqrt((S_hat**2 + np.outer(diag, diag)) / n)
    cov = np.diag(np.concatenate([se_mu**2, (se_S**2).ravel()]))

    def loglike() -> float:
        _sign, logdet = np.linalg.slogdet(S_hat)
        return float(-n / 2 * (k * math.log(2 * math.pi) + logdet + k))

    return MLEFit(
        {mu.name: m_hat, Sigma.name: S_hat},
        {mu.name: se_mu, Sigma.name: se_S},
        cov,
        (mu.name, Sigma.name),
        n,
        "closed form",
        "expected",
        notes=("Var(Σ̂_jk) ≈ (Σ_jk² + Σ_jj Σ_kk)/n (normal theory)",),
        loglike=loglike,
    )


def _mvn_verdict(d: MLE, *, seed: int = 0, n: int = 400) -> Verdict:
    rng = np.random.default_rng(seed)
    mu, Sigma = d.params
    k = int(mu.shape[0]) if mu.shape[0].is_number else 2
    A = rng.normal(size=(k, k))
    true_S = A @ A.T + k * np.eye(k)
    data = rng.multivariate_normal(rng.normal(size=k), true_S, size=n)
    fit = d.fit(data)
    m_hat, S_hat = fit.params[mu.name], fit.params[Sigma.name]

    def ll(m: np.ndarray, S: np.ndarray) -> float:
        sign, logdet = np.linalg.slogdet(S)
        if sign <= 0:
            return -math.inf
        c = data - m
        quad = np.einsum("ij,ij->", c @ np.linalg.inv(S), c)
        return float(-0.5 * (n * k * math.log(2 * math.pi) + n * logdet + quad))

    Si = np.linalg.inv(S_hat)
    g_mu = Si @ (data - m_hat).sum(axis=0)
    scatter = (data - m_hat).T @ (data - m_hat)
    g_S = -n * Si / 2 + Si @ scatter @ Si / 2
    worst = max(np.max(np.abs(g_mu)), np.max(np.abs(g_S))) / n
    if worst > 1e-8:
        return Verdict(
            False, "numeric", claimed=d.result, notes=("the score does not vanish",), points=1
        )
    base = ll(m_hat, S_hat)
    for _ in range(20):
        dm = rng.normal(size=k) * 1e-3
        B = rng.normal(size=(k, k)) * 1e-3
        if ll(m_hat + dm, S_hat + (B + B.T) / 2) >= base:
            return Verdict(
                False,
                "numeric",
                claimed=d.result,
                notes=("a nearby point has a higher likelihood",),
                points=1,
            )
    return Verdict(
        True,
        "numeric",
        claimed=d.result,
        notes=("score vanishes at the estimate", "no nearby point is more likely"),
        points=1,
    )


# ---------------------------------------------------------------------------
# The catalog
# ---------------------------------------------------------------------------
def _catalog() -> dict[str, Callable[[], MLE]]:
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
        m = _analyse(dens, [mu, sigma, nu], x)
        m.family = _FAMILIES["_StudentTLocScale"]
        m.args = (mu, sigma, nu)
        m.label = "StudentT(mu, sigma, nu)"
        return _build(m, 10.0)

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


_CATALOG = _catalog()

#: Names accepted by :func:`mle_catalog` (and ``symml mle NAME``).
MLE_CATALOG: tuple[str, ...] = tuple(_CATALOG)


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
    >>> from symml._stats.likelihood import mle_catalog
    >>> est = mle_catalog("bernoulli")
    >>> est.estimators
    {p: Sum(x[i], (i, 1, n))/n}
    >>> est.fisher_information
    Matrix([[-1/(p*(p - 1))]])
    >>> mle_catalog("beta").estimators
    {}
    """
    if not isinstance(name, str) or name.lower().replace("-", "_") not in _CATALOG:
        raise ArgumentError(bad_argument("name", name, f"pick one of {', '.join(MLE_CATALOG)}"))
    return _CATALOG[name.lower().replace("-", "_")]()
