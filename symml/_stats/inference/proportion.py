"""The Wald and score (Wilson) tests of a proportion."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import sympy as sp

from ..._core import (
    DEFAULT_BUDGET,
    ArgumentError,
    NoClosedFormError,
    Step,
    as_budget,
    bad_argument,
)
from ..data import as_sample
from ..sample import (
    check_alternative,
    check_level,
    check_number,
)
from .base import (
    _NORMAL_TAILS,
    HypothesisTest,
    _n,
    _normal_density,
    _normal_pvalues,
    _pvalue_steps,
    _z,
    _zq1,
    _zq2,
    ci_label,
    interval_from,
    norm_isf,
    test_verdict,
)
from .result import ConfidenceInterval, TestResult

# ---------------------------------------------------------------------------
# Proportion: Wald and score tests
# ---------------------------------------------------------------------------
_phat = sp.Symbol("phat", nonnegative=True)
_p0 = sp.Symbol("p_0", positive=True)
_p = sp.Symbol("p", positive=True)


def _wilson_roots(q: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """Solve (phat - p)^2 = q^2 p (1 - p)/n for p: the Wilson score interval."""
    roots = sp.solve(sp.Eq((_phat - _p) ** 2, q**2 * _p * (1 - _p) / _n), _p)
    if len(roots) != 2:  # pragma: no cover - SymPy solves this quadratic
        raise NoClosedFormError("could not invert the score test (quadratic in p)")
    center = (_phat + q**2 / (2 * _n)) / (1 + q**2 / _n)
    # Order: the root below the centre first.
    lo, hi = sorted(roots, key=lambda r: sp.sign((r - center).subs({_phat: 0.3, _n: 10, q: 2})))
    return lo, hi


class ProportionTest(HypothesisTest):
    """Wald or score test of a proportion; see :func:`proportion_test`."""

    __slots__ = ("method", "standard_error")

    method: str
    standard_error: sp.Expr

    _clipped_ends = (0.0, 1.0)

    def evaluate(
        self,
        count: Any,
        nobs: int | None = None,
        value: float = 0.5,
        *,
        alternative: str = "two-sided",
        level: float = 0.95,
    ) -> TestResult:
        """Test ``p == value`` from ``count`` successes in ``nobs`` trials.

        Matches statsmodels: ``proportions_ztest(count, nobs, value)`` (with
        ``prop_var=value`` for the score test) and
        ``proportion_confint(count, nobs, 1 - level, method="normal"/"wilson")``.

        Parameters
        ----------
        count : int or array-like of 0/1 (or bool)
            The number of successes, or the individual outcomes (then ``nobs``
            is their number and must be omitted).
        nobs : int, optional
            The number of trials (with an integer ``count``).
        value : float
            The proportion under the null hypothesis, strictly between 0 and 1.
        alternative : {"two-sided", "less", "greater"}
        level : float
            Confidence level of the interval, in (0, 1).
        """
        alternative = check_alternative(alternative)
        level = check_level(level)
        k, n = _count_nobs(count, nobs)
        p0 = check_number(value, "value")
        if not 0.0 < p0 < 1.0:
            raise ArgumentError(
                bad_argument("value", value, "a null proportion lies strictly between 0 and 1")
            )
        phat = k / n
        se = float(self._compiled("se", self.standard_error, [_phat, _p0, _n])(phat, p0, n))
        name = "Wald" if self.method == "wald" else "score (Wilson)"
        if se == 0:
            raise ArgumentError(
                bad_argument(
                    "count",
                    count,
                    f"{k} of {n} gives a zero standard error in the {name} "
                    "test; use proportion_test(method='score')",
                )
            )
        z = float(self._compiled("statistic", self.result, [_phat, _p0, _n])(phat, p0, n))
        lo_expr, hi_expr = self.interval["two-sided"].args[:2]

        def bounds(q2: float, q1: float) -> tuple[float, float]:
            lo = float(self._compiled("ci_low", lo_expr, [_phat, _n, _zq2])(phat, n, q2))
            hi = float(self._compiled("ci_high", hi_expr, [_phat, _n, _zq2])(phat, n, q2))
            return lo, hi

        def interval(lev: float) -> ConfidenceInterval:
            lo, hi = interval_from(alternative, lev, norm_isf, bounds)
            return ConfidenceInterval(min(max(lo, 0.0), 1.0), min(max(hi, 0.0), 1.0))

        return self._result(
            z,
            df=None,
            alternative=alternative,
            level=level,
            interval=interval,
            estimate=phat,
            stderr=se,
            null_value=p0,
            nobs=n,
            method=f"{name} test of a proportion",
        )

    def _simulation(self):
        from scipy import stats

        n, p0 = 4000, 0.35

        def simulate(rng: np.random.Generator, reps: int) -> np.ndarray:
            phat = rng.binomial(n, p0, size=reps) / n
            return self._compiled("statistic", self.result, [_phat, _p0, _n])(phat, p0, n)

        return simulate, stats.norm.cdf, None

    def _example(self, rng):
        k = int(rng.integers(20, 40))
        return lambda p, alt, lev: self.evaluate(k, 90, p, alternative=alt, level=lev), 0.3


def _count_nobs(count: Any, nobs: Any) -> tuple[int, int]:
    if nobs is None:
        if isinstance(count, (int, np.integer)) or np.ndim(count) == 0:
            raise ArgumentError(
                bad_argument("nobs", nobs, "give the number of trials, e.g. nobs=100, with a count")
            )
        outcomes = as_sample(count, "count")
        if not np.isin(outcomes, (0.0, 1.0)).all():
            bad = outcomes[~np.isin(outcomes, (0.0, 1.0))][:5].tolist()
            raise ArgumentError(
                bad_argument("count", count, f"outcomes must be 0 or 1 (or bool), found {bad}")
            )
        return int(outcomes.sum()), int(outcomes.size)
    try:
        k, n = float(count), float(nobs)
    except (TypeError, ValueError):
        raise ArgumentError(
            bad_argument("count", count, "pass the number of successes as an integer")
        ) from None
    if not (math.isfinite(n) and n == int(n) and n >= 1):
        raise ArgumentError(bad_argument("nobs", nobs, "pass a positive integer number of trials"))
    if not (math.isfinite(k) and k == int(k) and 0 <= k <= n):
        raise ArgumentError(
            bad_argument("count", count, f"pass an integer between 0 and nobs={int(n)}")
        )
    return int(k), int(n)


@functools.cache
def proportion_test(method: str = "score", *, budget: float = DEFAULT_BUDGET) -> ProportionTest:
    r"""The Wald or score z-test of a proportion, with its inverted interval.

    ``method="wald"``: :math:`Z = (\hat p - p_0)/\sqrt{\hat p(1-\hat p)/n}`,
    inverted into the normal ("Wald") interval.
    ``method="score"``: :math:`Z = (\hat p - p_0)/\sqrt{p_0(1-p_0)/n}`
    (the variance under the null), inverted by solving a quadratic in
    :math:`p` into the Wilson interval. Both are standard normal under
    :math:`H_0` asymptotically; the score test keeps its level better in
    small samples.

    Parameters
    ----------
    method : {"score", "wald"}
    budget : float
        Seconds of symbolic work allowed (validated; these derivations are quick).

    Examples
    --------
    >>> import symml
    >>> score = symml.proportion_test("score")
    >>> score.result
    sqrt(n)*(-p_0 + phat)/(sqrt(p_0)*sqrt(1 - p_0))
    >>> res = score.evaluate(38, 100, value=0.5)
    >>> print(f"z = {res.statistic:.2f}, p = {res.pvalue:.4f}")
    z = -2.40, p = 0.0164
    >>> [round(v, 4) for v in res.ci]                      # Wilson interval
    [0.291, 0.4779]
    """
    as_budget(budget)
    if method not in ("score", "wald"):
        raise ArgumentError(bad_argument("method", method, 'use "score" or "wald"'))
    i = sp.Symbol("i", integer=True, positive=True)
    x = sp.IndexedBase("x", nonnegative=True)
    pvalues = _normal_pvalues(_z)
    if method == "wald":
        se = sp.sqrt(_phat * (1 - _phat) / _n)
        why_se = "the standard error of phat with the estimate plugged in"
        lo, hi = _phat - _zq2 * se, _phat + _zq2 * se
        why_int = r"invert |Z| <= z_{1-\alpha/2} with the SE fixed at the estimate"
    else:
        se = sp.sqrt(_p0 * (1 - _p0) / _n)
        why_se = "the standard error of phat under H0: p = p_0"
        lo, hi = _wilson_roots(_zq2)
        why_int = (
            r"invert |Z| <= z_{1-\alpha/2}: solve (phat - p)^2 = z^2 p (1 - p)/n, "
            "a quadratic in p (Wilson)"
        )
    stat = (_phat - _p0) / se
    center_stat = (_phat - _p) / se.subs(_p0, _p)
    low1, high1 = lo.subs(_zq2, _zq1), hi.subs(_zq2, _zq1)
    intervals = {
        "two-sided": sp.Interval(lo, hi),
        "less": sp.Interval(0, high1),
        "greater": sp.Interval(low1, 1),
    }

    def steps() -> list[Step]:
        return [
            Step(
                sp.Sum(x[i], (i, 1, _n)) / _n,
                "the sample proportion of n Bernoulli trials",
                lhs=r"\hat{p}",
            ),
            Step(se, why_se, lhs=r"\operatorname{SE}(\hat{p})"),
            Step(stat, f"standardise phat under H0: p = p_0 ({method} test)", lhs="Z"),
            Step(
                _normal_density(_z),
                "under H0, Z ~ N(0, 1) asymptotically (central limit "
                "theorem for a sum of Bernoulli trials)",
                lhs=r"f_Z(z)",
            ),
            *_pvalue_steps(pvalues, _NORMAL_TAILS),
            Step(
                _zq2**2,
                "the boundary of the two-sided acceptance region, as a condition on the true p",
                lhs=center_stat**2,
            ),
            Step(intervals["two-sided"], why_int, lhs=ci_label("p", "two-sided")),
            Step(
                intervals["less"],
                "alternative less (clipped to [0, 1])",
                lhs=ci_label("p", "less"),
            ),
            Step(
                intervals["greater"],
                "alternative greater (clipped to [0, 1])",
                lhs=ci_label("p", "greater"),
            ),
        ]

    import sympy.stats as ss  # only for the null distribution: slow to import

    return ProportionTest(
        stat,
        steps,
        null_distribution=ss.Normal("Z", 0, 1),
        pvalue=pvalues,
        interval=intervals,
        statistic_symbol=_z,
        verifier=test_verdict,
        kind=f"{method} test of a proportion",
        assumptions=("x_1, ..., x_n i.i.d. Bernoulli(p)",),
        method=method,
        standard_error=se,
    )
