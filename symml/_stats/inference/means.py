"""Tests of means: the one-sample z- and t-tests and Welch's two-sample t-test."""

from __future__ import annotations

import functools
import math
from typing import Any, ClassVar

import numpy as np
import sympy as sp

from ..._core import (
    DEFAULT_BUDGET,
    ArgumentError,
    Step,
    as_budget,
    bad_argument,
)
from ..data import as_sample
from ..sample import (
    check_alternative,
    check_level,
    check_number,
    mean_and_ss,
)
from .base import (
    _NORMAL_TAILS,
    _T_TAILS,
    HypothesisTest,
    _alpha,
    _interval_steps,
    _intervals,
    _mu0,
    _n,
    _normal_density,
    _normal_pvalues,
    _nu,
    _pvalue_steps,
    _s,
    _sigma,
    _t,
    _t_density,
    _t_pvalues,
    _tq1,
    _tq2,
    _xbar,
    _z,
    _zq1,
    _zq2,
    norm_isf,
    symmetric_interval,
    t_isf,
    test_verdict,
)
from .result import TestResult


# ---------------------------------------------------------------------------
# One-sample tests of a mean: z and t
# ---------------------------------------------------------------------------
class _OneSampleMean(HypothesisTest):
    """What the one-sample z- and t-tests share: the statistic of the sample mean."""

    __slots__ = ()

    _sd_symbol: ClassVar[sp.Symbol]
    _zero_sd: ClassVar[str]  # the fix when the sample SD is 0

    def _null_df(self, n: int) -> float | None:
        """Degrees of freedom of the null distribution (None: standard normal)."""
        raise NotImplementedError

    def _evaluate(
        self, x: Any, popmean: Any, sigma: Any, alternative: str, level: float, method: str
    ) -> TestResult:
        alternative = check_alternative(alternative)
        level = check_level(level)
        popmean = check_number(popmean, "popmean")
        arr = as_sample(x, "x", min_size=1 if sigma is not None else 2)
        n = arr.size
        mean, ss_ = mean_and_ss(arr)
        if sigma is None:
            sd = math.sqrt(ss_ / (n - 1))
            if sd == 0:
                raise ArgumentError(bad_argument("x", x, self._zero_sd))
        else:
            sd = check_number(sigma, "sigma", positive=True)
        args = [_xbar, _mu0, self._sd_symbol, _n]
        stat = float(self._compiled("statistic", self.result, args)(mean, popmean, sd, n))
        se = sd / math.sqrt(n)
        df = self._null_df(n)
        return self._result(
            stat,
            df=df,
            alternative=alternative,
            level=level,
            interval=symmetric_interval(
                alternative, mean, se, norm_isf if df is None else t_isf(df)
            ),
            estimate=mean,
            stderr=se,
            null_value=popmean,
            nobs=n,
            method=method,
        )

    def _simulation(self):
        from scipy import stats

        n, mu, sd = 6, -1.0, 3.0
        df = self._null_df(n)
        f = self._compiled("statistic", self.result, [_xbar, _mu0, self._sd_symbol, _n])

        def simulate(rng: np.random.Generator, reps: int) -> np.ndarray:
            x = rng.normal(mu, sd, size=(reps, n))
            sds = sd if df is None else x.std(axis=1, ddof=1)
            return f(x.mean(axis=1), mu, sds, n)

        cdf = stats.norm.cdf if df is None else (lambda v: stats.t.cdf(v, df))
        return simulate, cdf, df

    def _example(self, rng):
        x = rng.normal(3.0, 2.0, 10)
        return lambda m, alt, lev: self.evaluate(x, m, alternative=alt, level=lev), 2.0


class ZTest(_OneSampleMean):
    """One-sample z-test of a mean; see :func:`z_test`."""

    __slots__ = ()

    _sd_symbol = _sigma
    _zero_sd = "all values are equal: the sample SD is 0; pass sigma="

    def evaluate(
        self,
        x: Any,
        popmean: float = 0.0,
        *,
        sigma: float | None = None,
        alternative: str = "two-sided",
        level: float = 0.95,
    ) -> TestResult:
        """Test ``mean(x) == popmean`` with known ``sigma`` (or the sample SD).

        Parameters
        ----------
        x : array-like or pandas Series
            The sample (at least 2 values when ``sigma`` is None).
        popmean : float
            The mean under the null hypothesis.
        sigma : float, optional
            The known population standard deviation. None uses the sample
            standard deviation (``ddof=1``), as statsmodels' ``ztest`` does.
        alternative : {"two-sided", "less", "greater"}
        level : float
            Confidence level of the interval, in (0, 1).
        """
        how = "known sigma" if sigma is not None else "sample standard deviation"
        return self._evaluate(x, popmean, sigma, alternative, level, f"one-sample z-test ({how})")

    def _null_df(self, n: int) -> None:
        return None


@functools.cache
def z_test(*, budget: float = DEFAULT_BUDGET) -> ZTest:
    r"""The one-sample z-test of a mean with known standard deviation.

    :math:`Z = (\bar x - \mu_0)/(\sigma/\sqrt n)`, standard normal under
    :math:`H_0: \mu = \mu_0` (exactly for normal data, by the central limit
    theorem otherwise). ``evaluate(x, popmean, sigma=...)`` gives the numbers;
    without ``sigma`` it uses the sample standard deviation, as statsmodels'
    ``ztest`` does (a large-sample test).

    Parameters
    ----------
    budget : float
        Seconds of symbolic work allowed (validated; these derivations are quick).

    Returns
    -------
    ZTest
        ``result`` is the statistic; ``pvalue`` and ``interval`` hold the
        formulas per alternative.

    Examples
    --------
    >>> import symml
    >>> zt = symml.z_test()
    >>> zt.result
    sqrt(n)*(-mu_0 + xbar)/sigma
    >>> zt.pvalue["two-sided"]
    erfc(sqrt(2)*Abs(z)/2)
    >>> res = zt.evaluate([2.1, 1.7, 2.6, 2.4], popmean=2.0, sigma=0.5)
    >>> print(f"z = {res.statistic:.3f}, p = {res.pvalue:.4f}")
    z = 0.800, p = 0.4237
    >>> stat, p = res                         # unpacks like scipy's results
    """
    as_budget(budget)
    se = _sigma / sp.sqrt(_n)
    stat = (_xbar - _mu0) / se
    pvalues = _normal_pvalues(_z)
    intervals = _intervals(_xbar, se, _zq2, _zq1)

    def steps() -> list[Step]:
        return [
            Step(
                se,
                "standard error of the mean of n i.i.d. observations, sigma known",
                lhs=r"\operatorname{SE}(\bar{x})",
            ),
            Step(stat, "standardise the sample mean under H0: mu = mu_0", lhs="Z"),
            Step(
                _normal_density(_z),
                "under H0, Z ~ N(0, 1): exactly for normal data, "
                "by the central limit theorem otherwise",
                lhs=r"f_Z(z)",
            ),
            *_pvalue_steps(pvalues, _NORMAL_TAILS),
            Step(
                sp.sqrt(2) * sp.erfinv(1 - _alpha),
                "the (1 - alpha/2) quantile of N(0, 1), alpha = 1 - level",
                lhs=_zq2,
            ),
            *_interval_steps(intervals, r"\mu", "Z", _zq2, _zq1),
        ]

    import sympy.stats as ss  # only for the null distribution: slow to import

    return ZTest(
        stat,
        steps,
        null_distribution=ss.Normal("Z", 0, 1),
        pvalue=pvalues,
        interval=intervals,
        statistic_symbol=_z,
        verifier=test_verdict,
        kind="z-test",
        assumptions=("x_1, ..., x_n i.i.d. with mean mu and known sd sigma",),
    )


class TTest(_OneSampleMean):
    """One-sample t-test of a mean; see :func:`t_test`."""

    __slots__ = ()

    _sd_symbol = _s
    _zero_sd = "all values are equal: the t statistic is undefined (s = 0)"

    def evaluate(
        self,
        x: Any,
        popmean: float = 0.0,
        *,
        alternative: str = "two-sided",
        level: float = 0.95,
    ) -> TestResult:
        """Test ``mean(x) == popmean`` (scipy ``ttest_1samp(x, popmean)``).

        Parameters
        ----------
        x : array-like or pandas Series
            The sample, at least 2 values, not all equal.
        popmean : float
            The mean under the null hypothesis.
        alternative : {"two-sided", "less", "greater"}
        level : float
            Confidence level of the interval, in (0, 1).
        """
        return self._evaluate(x, popmean, None, alternative, level, "one-sample t-test")

    def _null_df(self, n: int) -> float:
        return float(n - 1)


@functools.cache
def t_test(*, budget: float = DEFAULT_BUDGET) -> TTest:
    r"""The one-sample Student t-test of a mean.

    :math:`T = (\bar x - \mu_0)/(s/\sqrt n)` with the sample standard deviation
    :math:`s`; under :math:`H_0` and normal data, :math:`T \sim t_{n-1}`.
    ``evaluate(x, popmean)`` matches ``scipy.stats.ttest_1samp`` (statistic,
    p-value, ``df`` and ``confidence_interval``).

    Parameters
    ----------
    budget : float
        Seconds of symbolic work allowed (validated; these derivations are quick).

    Examples
    --------
    >>> import symml
    >>> tt = symml.t_test()
    >>> tt.null_distribution
    T
    >>> res = tt.evaluate([5.1, 4.9, 5.6, 5.8, 6.0, 5.2], popmean=5.0, alternative="greater")
    >>> print(f"{res.pvalue:.4f}", res.ci.high)
    0.0287 inf
    """
    as_budget(budget)
    i = sp.Symbol("i", integer=True, positive=True)
    x = sp.IndexedBase("x", real=True)
    se = _s / sp.sqrt(_n)
    stat = (_xbar - _mu0) / se
    pvalues = _t_pvalues(_t, _nu)
    intervals = _intervals(_xbar, se, _tq2, _tq1)

    def steps() -> list[Step]:
        return [
            Step(
                sp.Sum((x[i] - _xbar) ** 2, (i, 1, _n)) / (_n - 1),
                "sample variance (n - 1 in the denominator: unbiased)",
                lhs=r"s^2",
            ),
            Step(se, "estimated standard error of the mean", lhs=r"\operatorname{SE}(\bar{x})"),
            Step(
                stat,
                "standardise the sample mean by its estimated SE, under H0: mu = mu_0",
                lhs="T",
            ),
            Step(
                _t_density(_t, _nu),
                "under H0 and normal data, T ~ t(nu) with nu = n - 1: "
                "xbar and s^2 are independent, (n - 1) s^2/sigma^2 ~ chi^2(n - 1)",
                lhs=r"f_T(t)",
            ),
            *_pvalue_steps(pvalues, _T_TAILS),
            *_interval_steps(intervals, r"\mu", "T", _tq2, _tq1),
        ]

    import sympy.stats as ss  # only for the null distribution: slow to import

    return TTest(
        stat,
        steps,
        null_distribution=ss.StudentT("T", _n - 1),
        pvalue=pvalues,
        interval=intervals,
        statistic_symbol=_t,
        verifier=test_verdict,
        kind="t-test",
        assumptions=("x_1, ..., x_n i.i.d. N(mu, sigma^2), sigma unknown",),
    )


# ---------------------------------------------------------------------------
# Welch's two-sample t-test
# ---------------------------------------------------------------------------
_xbar1, _xbar2 = sp.Symbol("xbar_1", real=True), sp.Symbol("xbar_2", real=True)
_s1, _s2 = sp.Symbol("s_1", positive=True), sp.Symbol("s_2", positive=True)
_n1 = sp.Symbol("n_1", integer=True, positive=True)
_n2 = sp.Symbol("n_2", integer=True, positive=True)
_delta0 = sp.Symbol("Delta_0", real=True)


@functools.cache
def _welch() -> tuple[sp.Expr, sp.Expr]:
    """The standard error of the difference of means and the Welch-Satterthwaite df.

    Built on first use, not at import (SymPy arithmetic is slow the first time).
    """
    v1, v2 = _s1**2 / _n1, _s2**2 / _n2
    return sp.sqrt(v1 + v2), (v1 + v2) ** 2 / (v1**2 / (_n1 - 1) + v2**2 / (_n2 - 1))


class WelchTest(HypothesisTest):
    """Welch's two-sample t-test; see :func:`welch_test`."""

    __slots__ = ()

    def evaluate(
        self,
        x: Any,
        y: Any,
        value: float = 0.0,
        *,
        alternative: str = "two-sided",
        level: float = 0.95,
    ) -> TestResult:
        """Test ``mean(x) - mean(y) == value`` without assuming equal variances.

        Matches ``scipy.stats.ttest_ind(x, y, equal_var=False)`` for
        ``value=0`` (and ``ttest_ind(x - value, y, equal_var=False)`` otherwise).

        Parameters
        ----------
        x, y : array-like or pandas Series
            The two samples, at least 2 values each, not all equal.
        value : float
            The difference of means under the null hypothesis (statsmodels' name).
        alternative : {"two-sided", "less", "greater"}
        level : float
            Confidence level of the interval for the difference, in (0, 1).
        """
        alternative = check_alternative(alternative)
        level = check_level(level)
        value = check_number(value, "value")
        a = as_sample(x, "x", min_size=2)
        b = as_sample(y, "y", min_size=2)
        (m1, ss1), (m2, ss2) = mean_and_ss(a), mean_and_ss(b)
        n1, n2 = a.size, b.size
        s1, s2 = math.sqrt(ss1 / (n1 - 1)), math.sqrt(ss2 / (n2 - 1))
        if s1 == 0 and s2 == 0:
            raise ArgumentError(
                bad_argument("x", x, "x and y both have zero variance: the statistic is undefined")
            )
        args = [_xbar1, _xbar2, _delta0, _s1, _s2, _n1, _n2]
        t = float(self._compiled("statistic", self.result, args)(m1, m2, value, s1, s2, n1, n2))
        se_expr, df_expr = _welch()
        df = float(self._compiled("df", df_expr, args[3:])(s1, s2, n1, n2))
        se = float(self._compiled("se", se_expr, args[3:])(s1, s2, n1, n2))
        diff = m1 - m2

        return self._result(
            t,
            df=df,
            alternative=alternative,
            level=level,
            interval=symmetric_interval(alternative, diff, se, t_isf(df)),
            estimate=diff,
            stderr=se,
            null_value=value,
            nobs=(n1, n2),
            method="Welch two-sample t-test",
        )

    def _simulation(self):
        from scipy import stats

        n1, n2, sd1, sd2 = 10, 25, 1.0, 2.0
        args = [_xbar1, _xbar2, _delta0, _s1, _s2, _n1, _n2]
        # With these sizes and variances the Welch-Satterthwaite degrees of
        # freedom at the true variances are:
        v1, v2 = sd1**2 / n1, sd2**2 / n2
        df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))

        def simulate(rng: np.random.Generator, reps: int) -> np.ndarray:
            x = rng.normal(0.0, sd1, size=(reps, n1))
            y = rng.normal(0.5, sd2, size=(reps, n2))
            f = self._compiled("statistic", self.result, args)
            return f(
                x.mean(axis=1),
                y.mean(axis=1),
                -0.5,
                x.std(axis=1, ddof=1),
                y.std(axis=1, ddof=1),
                n1,
                n2,
            )

        return simulate, lambda v: stats.t.cdf(v, df), df

    def _example(self, rng):
        x, y = rng.normal(1.0, 1.0, 8), rng.normal(0.0, 3.0, 13)
        return lambda v, alt, lev: self.evaluate(x, y, v, alternative=alt, level=lev), 0.5


@functools.cache
def welch_test(*, budget: float = DEFAULT_BUDGET) -> WelchTest:
    r"""Welch's two-sample t-test of a difference of means (unequal variances).

    :math:`T = (\bar x_1 - \bar x_2 - \Delta_0)/\sqrt{s_1^2/n_1 + s_2^2/n_2}`,
    approximately :math:`t_\nu` under :math:`H_0` with the Welch–Satterthwaite
    degrees of freedom :math:`\nu`. ``evaluate(x, y)`` matches
    ``scipy.stats.ttest_ind(x, y, equal_var=False)``.

    Parameters
    ----------
    budget : float
        Seconds of symbolic work allowed (validated; these derivations are quick).

    Examples
    --------
    >>> import symml
    >>> w = symml.welch_test()
    >>> res = w.evaluate([19.1, 21.3, 20.2, 22.5, 20.9], [18.2, 17.9, 19.6, 18.8, 16.5, 19.0])
    >>> print(f"t = {res.statistic:.3f}, df = {res.df:.2f}, p = {res.pvalue:.4f}")
    t = 3.439, df = 7.98, p = 0.0089
    """
    as_budget(budget)
    welch_se, welch_df = _welch()
    stat = (_xbar1 - _xbar2 - _delta0) / welch_se
    pvalues = _t_pvalues(_t, _nu)
    intervals = _intervals(_xbar1 - _xbar2, welch_se, _tq2, _tq1)

    def steps() -> list[Step]:
        return [
            Step(
                welch_se,
                "Var(xbar_1 - xbar_2) = sigma_1^2/n_1 + sigma_2^2/n_2 for "
                "independent samples, with the sample variances plugged in",
                lhs=r"\operatorname{SE}(\bar{x}_1 - \bar{x}_2)",
            ),
            Step(
                stat, "standardise the difference of means under H0: mu_1 - mu_2 = Delta_0", lhs="T"
            ),
            Step(
                welch_df,
                "Welch-Satterthwaite: match the first two moments of SE^2 to a scaled chi^2(nu)/nu",
                lhs=r"\nu",
            ),
            Step(
                _t_density(_t, _nu),
                "under H0, T ~ t(nu) approximately (exact only when "
                "the variances are equal and n_1 = n_2)",
                lhs=r"f_T(t)",
            ),
            *_pvalue_steps(pvalues, _T_TAILS),
            *_interval_steps(intervals, r"\mu_1 - \mu_2", "T", _tq2, _tq1),
        ]

    import sympy.stats as ss  # only for the null distribution: slow to import

    return WelchTest(
        stat,
        steps,
        null_distribution=ss.StudentT("T", _nu),
        pvalue=pvalues,
        interval=intervals,
        statistic_symbol=_t,
        verifier=test_verdict,
        kind="Welch t-test",
        assumptions=(
            "x_1, ..., x_{n_1} i.i.d. N(mu_1, sigma_1^2) and y_1, ..., y_{n_2} i.i.d. "
            "N(mu_2, sigma_2^2), independent; variances unknown, not assumed equal",
        ),
    )
