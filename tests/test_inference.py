"""Hypothesis tests: exact formulas, cross-checks with scipy/statsmodels, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
import sympy as sp
import sympy.stats as ss
from statsmodels.stats.proportion import proportion_confint, proportions_ztest
from statsmodels.stats.weightstats import zconfint, ztest

from symml import (
    ArgumentError,
    ConfidenceInterval,
    HypothesisTest,
    NoClosedFormError,
    ShapeError,
    TestResult,
    likelihood_ratio_test,
    proportion_test,
    t_test,
    to_numpy,
    welch_test,
    z_test,
)

ALTS = ("two-sided", "less", "greater")
SM_ALT = {"two-sided": "two-sided", "less": "smaller", "greater": "larger"}
RTOL = 1e-10
R = sp.Rational

n, xbar, mu0 = (
    sp.Symbol("n", integer=True, positive=True),
    sp.Symbol("xbar", real=True),
    sp.Symbol("mu_0", real=True),
)
sigma, s = sp.Symbol("sigma", positive=True), sp.Symbol("s", positive=True)


def close(a: float, b: float, rtol: float = RTOL) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=1e-300) or (
        math.isinf(a) and math.isinf(b) and a == b
    )


def ci_close(ci, expected, rtol: float = RTOL) -> bool:
    return all(close(float(a), float(b), rtol) for a, b in zip(ci, expected, strict=True))


@pytest.fixture(scope="module")
def rng_data():
    rng = np.random.default_rng(20240611)
    return rng.normal(10.0, 3.0, 23), rng.normal(8.5, 1.2, 14)


# ---------------------------------------------------------------------------
# The derivations: exact formulas and steps
# ---------------------------------------------------------------------------
def test_statistics_are_the_textbook_formulas():
    assert sp.simplify(z_test().result - (xbar - mu0) / (sigma / sp.sqrt(n))) == 0
    assert sp.simplify(t_test().result - (xbar - mu0) / (s / sp.sqrt(n))) == 0
    x1, x2, d0 = sp.symbols("xbar_1 xbar_2 Delta_0", real=True)
    s1, s2 = sp.symbols("s_1 s_2", positive=True)
    n1, n2 = sp.symbols("n_1 n_2", integer=True, positive=True)
    welch = (x1 - x2 - d0) / sp.sqrt(s1**2 / n1 + s2**2 / n2)
    assert sp.simplify(welch_test().result - welch) == 0


def test_null_distributions_and_pvalue_formulas():
    z = sp.Symbol("z", real=True)
    assert isinstance(
        z_test().null_distribution.pspace.distribution, ss.crv_types.NormalDistribution
    )
    assert t_test().null_distribution.pspace.distribution.args == (n - 1,)
    # Two-sided normal p-value: 2 (1 - Phi(|z|)) at a few points, exactly.
    two = z_test().pvalue["two-sided"]
    for v in (sp.Rational(1, 3), sp.Integer(2)):
        expected = 2 * (1 - (1 + sp.erf(v / sp.sqrt(2))) / 2)
        assert sp.simplify((two.subs(z, v) - expected).rewrite(sp.erf)) == 0
    both = z_test().pvalue["less"] + z_test().pvalue["greater"]
    for v in (-2, R(-1, 3), 0, R(1, 2), 3):
        assert sp.simplify(both.subs(z, v).rewrite(sp.erf)) == 1


@pytest.mark.parametrize("stat", [-30.0, -10.0, 10.0, 30.0])
def test_pvalues_keep_relative_accuracy_in_far_tails(stat):
    zt, tt = z_test(), t_test()
    nu = sp.Symbol("nu", positive=True)

    def z_p(alt):
        return float(to_numpy(zt.pvalue[alt], [zt.statistic_symbol])(stat))

    def t_p(alt):
        return float(to_numpy(tt.pvalue[alt], [tt.statistic_symbol, nu])(stat, 7.0))

    assert close(z_p("less"), st.norm.cdf(stat), 1e-12)
    assert close(z_p("greater"), st.norm.sf(stat), 1e-12)
    assert close(t_p("less"), st.t.cdf(stat, 7), 1e-10)
    assert close(t_p("greater"), st.t.sf(stat, 7), 1e-10)


def test_welch_satterthwaite_degrees_of_freedom():
    w = welch_test()
    nu_step = next(st_ for st_ in w.steps if st_.lhs == r"\nu")
    s1, s2 = sp.symbols("s_1 s_2", positive=True)
    n1, n2 = sp.symbols("n_1 n_2", integer=True, positive=True)
    v1, v2 = s1**2 / n1, s2**2 / n2
    assert sp.simplify(nu_step.expr - (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))) == 0


def test_wilson_interval_is_derived_by_solving_the_quadratic():
    score = proportion_test("score")
    lo, hi = score.interval["two-sided"].args[:2]
    phat, q = sp.Symbol("phat", nonnegative=True), sp.Symbol(r"z_{1-\alpha/2}", positive=True)
    center = (phat + q**2 / (2 * n)) / (1 + q**2 / n)
    half = q * sp.sqrt(phat * (1 - phat) / n + q**2 / (4 * n**2)) / (1 + q**2 / n)
    for a, b in ((lo, center - half), (hi, center + half)):
        for point in ({phat: 0.3, n: 17, q: 1.96}, {phat: 0.9, n: 40, q: 2.5}):
            assert math.isclose(float(a.subs(point)), float(b.subs(point)), rel_tol=1e-13)


@pytest.mark.parametrize(
    "factory",
    [z_test, t_test, welch_test, lambda: proportion_test("wald"), lambda: proportion_test("score")],
    ids=["z", "t", "welch", "wald", "score"],
)
def test_steps_and_self_check(factory):
    d = factory()
    assert isinstance(d, HypothesisTest)
    whys = " | ".join(step.why for step in d.steps)
    assert "under H0" in whys and "invert" in whys
    assert [step.lhs for step in d.steps if str(step.lhs).startswith("p_")] == [
        r"p_{\text{two-sided}}",
        r"p_{\text{less}}",
        r"p_{\text{greater}}",
    ]
    verdict = d.verify()
    assert verdict, verdict
    assert d.latex().startswith(r"\begin{align*}")
    with pytest.raises(
        ArgumentError, match=r"bogus=1 is not valid: verify\(\) of this .* accepts seed="
    ):
        d.verify(bogus=1)


def test_budget_is_validated():
    for factory in (z_test, t_test, welch_test, proportion_test):
        with pytest.raises(ArgumentError, match="budget=0 is not valid"):
            factory(budget=0)
    assert z_test(budget=5) == z_test()


def test_self_check_catches_a_wrong_null_distribution():
    d = t_test()
    wrong = d._with(pvalue=z_test().pvalue, statistic_symbol=sp.Symbol("z", real=True))
    verdict = wrong.verify()
    assert not verdict and verdict.method == "p-value formula"


# ---------------------------------------------------------------------------
# Numbers: cross-checks with scipy and statsmodels
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("alt", ALTS)
@pytest.mark.parametrize("level", [0.9, 0.95])
def test_one_sample_t_matches_scipy(rng_data, alt, level):
    x, _ = rng_data
    res = t_test().evaluate(x, 9.0, alternative=alt, level=level)
    ref = st.ttest_1samp(x, 9.0, alternative=alt)
    assert close(res.statistic, ref.statistic) and close(res.pvalue, ref.pvalue)
    assert res.df == ref.df == len(x) - 1
    assert ci_close(res.ci, ref.confidence_interval(level))


@pytest.mark.parametrize("alt", ALTS)
def test_welch_matches_scipy(rng_data, alt):
    x, y = rng_data
    res = welch_test().evaluate(x, y, alternative=alt, level=0.9)
    ref = st.ttest_ind(x, y, equal_var=False, alternative=alt)
    assert close(res.statistic, ref.statistic) and close(res.pvalue, ref.pvalue)
    assert close(res.df, ref.df)
    assert ci_close(res.ci, ref.confidence_interval(0.9))
    shifted = welch_test().evaluate(x, y, 0.7, alternative=alt)
    ref = st.ttest_ind(x - 0.7, y, equal_var=False, alternative=alt)
    assert close(shifted.statistic, ref.statistic) and close(shifted.pvalue, ref.pvalue)
    assert shifted.nobs == (23, 14) and close(shifted.estimate, x.mean() - y.mean())


@pytest.mark.parametrize("alt", ALTS)
def test_z_test_known_sigma_matches_scipy_norm(rng_data, alt):
    x, _ = rng_data
    res = z_test().evaluate(x, 9.0, sigma=3.0, alternative=alt, level=0.99)
    z = (x.mean() - 9.0) / (3.0 / math.sqrt(len(x)))
    p = {"two-sided": 2 * st.norm.sf(abs(z)), "less": st.norm.cdf(z), "greater": st.norm.sf(z)}
    assert close(res.statistic, z) and close(res.pvalue, p[alt])
    half = st.norm.ppf(0.995 if alt == "two-sided" else 0.99) * 3.0 / math.sqrt(len(x))
    expected = {
        "two-sided": (x.mean() - half, x.mean() + half),
        "less": (-math.inf, x.mean() + half),
        "greater": (x.mean() - half, math.inf),
    }[alt]
    assert ci_close(res.ci, expected)


@pytest.mark.parametrize("alt", ALTS)
def test_z_test_with_sample_sd_matches_statsmodels(rng_data, alt):
    x, _ = rng_data
    res = z_test().evaluate(x, 9.0, alternative=alt)
    stat, p = ztest(x, value=9.0, alternative=SM_ALT[alt])
    assert close(res.statistic, stat) and close(res.pvalue, p)
    if alt == "two-sided":
        assert ci_close(res.ci, zconfint(x, alpha=0.05))


@pytest.mark.parametrize("alt", ALTS)
@pytest.mark.parametrize(("count", "nobs_", "p0"), [(38, 100, 0.5), (7, 51, 0.2), (180, 200, 0.85)])
def test_proportion_tests_match_statsmodels(alt, count, nobs_, p0):
    wald = proportion_test("wald").evaluate(count, nobs_, p0, alternative=alt)
    stat, p = proportions_ztest(count, nobs_, p0, alternative=SM_ALT[alt], prop_var=False)
    assert close(wald.statistic, stat) and close(wald.pvalue, p)
    score = proportion_test("score").evaluate(count, nobs_, p0, alternative=alt)
    stat, p = proportions_ztest(count, nobs_, p0, alternative=SM_ALT[alt], prop_var=p0)
    assert close(score.statistic, stat) and close(score.pvalue, p)
    if alt == "two-sided":
        for method, res in (("normal", wald), ("wilson", score)):
            assert ci_close(res.ci, proportion_confint(count, nobs_, 0.05, method=method))
            assert ci_close(
                res.confidence_interval(0.8), proportion_confint(count, nobs_, 0.2, method=method)
            )


def test_proportion_from_outcomes_and_pandas():
    outcomes = pd.Series([True, False, True, True, False, True, False, True])
    res = proportion_test("score").evaluate(outcomes, value=0.4)
    assert res.nobs == 8 and res.estimate == 5 / 8
    assert close(res.statistic, proportions_ztest(5, 8, 0.4, prop_var=0.4)[0])


def test_one_sided_wilson_bound_inverts_the_one_sided_score_test():
    res = proportion_test("score").evaluate(12, 40, 0.5, alternative="less", level=0.95)
    assert res.ci.low == 0.0
    at_bound = proportion_test("score").evaluate(12, 40, res.ci.high, alternative="less")
    assert close(at_bound.pvalue, 0.05, 1e-9)


def test_result_object_behaves_like_scipy_and_pandas(rng_data):
    x, _ = rng_data
    res = t_test().evaluate(pd.Series(x), 9.0)
    stat, p = res
    assert (stat, p) == (res.statistic, res.pvalue)
    assert isinstance(res, TestResult) and isinstance(res.ci, ConfidenceInterval)
    assert res.confidence_interval() == res.ci
    assert ci_close(res.confidence_interval(0.8), st.ttest_1samp(x, 9.0).confidence_interval(0.8))
    row = pd.DataFrame([res.to_dict()])
    assert {"statistic", "pvalue", "df", "ci_low", "ci_high"} <= set(row.columns)


def test_numerically_sound_on_numacc_style_data():
    # NIST StRD NumAcc4 style: 1e7 + 0.2, then 0.1 and 0.3 alternating (1001 values):
    # certified mean 10000000.2 and standard deviation 0.1.
    x = np.array([1e7 + 0.2] + [1e7 + 0.1, 1e7 + 0.3] * 500)
    res = t_test().evaluate(x, 1e7)
    assert math.isclose(res.stderr * math.sqrt(1001), 0.1, rel_tol=1e-7)  # the sample SD
    assert math.isclose(res.statistic, 0.2 / (0.1 / math.sqrt(1001)), rel_tol=1e-7)
    naive_variance = (np.sum(x**2) / 1001 - np.mean(x) ** 2) * 1001 / 1000
    assert not math.isclose(naive_variance, 0.01, rel_tol=0.1)  # what the stable form avoids


# ---------------------------------------------------------------------------
# Likelihood-ratio test
# ---------------------------------------------------------------------------
lam = sp.Symbol("lambda", positive=True)
mu = sp.Symbol("mu", real=True)


@pytest.fixture(scope="module")
def poisson_lrt():
    return likelihood_ratio_test(ss.Poisson("X", lam))


@pytest.fixture(scope="module")
def normal_mean_lrt():
    return likelihood_ratio_test(ss.Normal("X", mu, sigma), mu)


def test_lrt_poisson_closed_form(poisson_lrt):
    i = sp.Symbol("i", integer=True, positive=True)
    total = sp.Sum(sp.IndexedBase("x", integer=True, nonnegative=True)[i], (i, 1, n))
    lam0 = sp.Symbol("lambda_0", positive=True)
    assert poisson_lrt.estimates == {lam: total / n}
    expected = 2 * (total * sp.log(total / (n * lam0)) - total + n * lam0)
    difference = sp.expand_log(poisson_lrt.result - expected, force=True)
    assert sp.simplify(difference) == 0
    assert poisson_lrt.null_distribution.pspace.distribution.args == (1,)


def test_lrt_poisson_numbers(poisson_lrt):
    x = np.random.default_rng(5).poisson(4.2, 60)
    res = poisson_lrt.evaluate(x, null=3.5)
    m = x.mean()
    lam_ = 2 * (x.sum() * math.log(m / 3.5) - len(x) * (m - 3.5))
    assert close(res.statistic, lam_) and close(res.pvalue, st.chi2.sf(lam_, 1))
    assert res.df == 1 and res.estimate == m

    def loglik(v):
        return np.sum(st.poisson.logpmf(x, v))

    crit = st.chi2.ppf(0.95, 1)
    for end in res.ci:
        assert math.isclose(2 * (loglik(m) - loglik(end)), crit, rel_tol=1e-9)
    assert res.ci.low < m < res.ci.high


def test_lrt_normal_mean_is_monotone_in_the_t_statistic(normal_mean_lrt, rng_data):
    x, _ = rng_data
    res = normal_mean_lrt.evaluate(x, 9.0)
    t = st.ttest_1samp(x, 9.0).statistic
    assert close(res.statistic, len(x) * math.log1p(t**2 / (len(x) - 1)))
    # Nuisance sigma profiled out: its MLE under H0 is sqrt(mean((x - mu_0)^2)).
    i = sp.Symbol("i", integer=True, positive=True)
    xi = sp.IndexedBase("x", real=True)[i]
    mu_0 = sp.Symbol("mu_0", real=True)
    tilde = normal_mean_lrt.null_estimates[sigma]
    expected = sp.sqrt(sp.Sum((xi - mu_0) ** 2, (i, 1, n)).doit() / n)
    point = {n: 5}
    got = (
        tilde.subs(point)
        .doit()
        .subs({sp.IndexedBase("x", real=True)[k]: k**2 for k in range(1, 6)})
        .subs(mu_0, 2)
    )
    want = (
        expected.subs(point)
        .doit()
        .subs({sp.IndexedBase("x", real=True)[k]: k**2 for k in range(1, 6)})
        .subs(mu_0, 2)
    )
    assert sp.simplify(got - want) == 0


def test_lrt_numerically_sound_far_from_zero(normal_mean_lrt):
    x = np.random.default_rng(0).normal(1e7 + 0.3, 0.1, 1001)
    res = normal_mean_lrt.evaluate(x, 1e7 + 0.3)
    # 50-digit reference value: n log(1 + n (xbar - mu0)^2 / S_xx)
    assert math.isclose(res.statistic, 2.2938135286125316, rel_tol=1e-9)


def test_lrt_bernoulli_with_known_constants_and_two_parameters():
    p = sp.Symbol("p", positive=True)
    d = likelihood_ratio_test(ss.Bernoulli("X", p))
    x = np.array([1, 0, 0, 1, 1, 1, 0, 1, 1, 1])
    res = d.evaluate(x, 0.5)
    ph = x.mean()
    expected = 2 * len(x) * (ph * math.log(ph / 0.5) + (1 - ph) * math.log((1 - ph) / 0.5))
    assert close(res.statistic, expected)
    both = likelihood_ratio_test(ss.Normal("X", mu, sigma))
    res = both.evaluate(x + 0.5, {"mu": 1.0, sigma: 0.4})
    assert res.df == 2 and math.isnan(res.ci.low)
    ll = lambda m, s_: np.sum(st.norm.logpdf(x + 0.5, m, s_))  # noqa: E731
    expected = 2 * (ll((x + 0.5).mean(), (x + 0.5).std()) - ll(1.0, 0.4))
    assert close(res.statistic, expected, 1e-9)


@pytest.mark.parametrize("which", ["poisson", "normal"])
def test_lrt_self_check(which, poisson_lrt, normal_mean_lrt):
    d = poisson_lrt if which == "poisson" else normal_mean_lrt
    verdict = d.verify()
    assert verdict, verdict


def test_lrt_density_typed_by_hand_with_known_constant():
    x = sp.Symbol("x", real=True)
    density = sp.exp(-((x - mu) ** 2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2)
    d = likelihood_ratio_test(density, params=[mu], var=x)
    data = np.array([0.3, 1.4, -0.2, 2.2, 0.9])
    res = d.evaluate(data, 0.0, sigma=2.0)
    z = data.mean() / (2.0 / math.sqrt(len(data)))
    assert close(res.statistic, z**2) and close(res.pvalue, 2 * st.norm.sf(abs(z)))
    with pytest.raises(ArgumentError, match=r"give values for \['sigma'\]"):
        d.evaluate(data, 0.0)


def test_lrt_errors(poisson_lrt):
    with pytest.raises(NoClosedFormError, match="no closed-form maximum-likelihood"):
        likelihood_ratio_test(ss.Gamma("X", sp.Symbol("k", positive=True), lam))
    with pytest.raises(ArgumentError, match=r"support: -3 at position 2; .* >= 0"):
        poisson_lrt.evaluate([1, 2, -3], 1.0)
    with pytest.raises(ArgumentError, match="alternative='less' is not valid: the likelihood"):
        poisson_lrt.evaluate([1, 2, 3], 1.0, alternative="less")
    with pytest.raises(ArgumentError, match=r"null=-1\.0 is not valid: lambda is positive"):
        poisson_lrt.evaluate([1, 2, 3], -1.0)
    with pytest.raises(ArgumentError, match="tested=sigma is not valid"):
        likelihood_ratio_test(ss.Poisson("X", lam), sigma)
    at_edge = poisson_lrt.evaluate([0, 0, 0], 1.0)  # the MLE 0 is on the boundary: still a test
    assert at_edge.estimate == 0.0 and at_edge.statistic == pytest.approx(6.0)


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------
def test_errors_name_the_argument_and_value():
    with pytest.raises(ArgumentError, match=r"x=\[3.0\] is not valid: needs at least 2 obs"):
        t_test().evaluate([3.0], 1.0)
    with pytest.raises(ArgumentError, match=r"nan at position 1"):
        t_test().evaluate([1.0, float("nan"), 2.0])
    with pytest.raises(ArgumentError, match="all values are equal"):
        t_test().evaluate([2.0, 2.0, 2.0])
    with pytest.raises(ArgumentError, match=r"y=.* needs at least 2"):
        welch_test().evaluate([1.0, 2.0], [1.0])
    for level in (0, 1, 1.5, -0.1, True):
        with pytest.raises(ArgumentError, match=f"level={level!r} is not valid"):
            t_test().evaluate([1.0, 2.0, 4.0], level=level)
    with pytest.raises(ArgumentError, match="alternative='bigger' is not valid"):
        z_test().evaluate([1.0, 2.0], alternative="bigger")
    with pytest.raises(ArgumentError, match="sigma=-2 is not valid"):
        z_test().evaluate([1.0, 2.0], sigma=-2)
    with pytest.raises(ArgumentError, match=r"value=1\.2 is not valid: a null proportion"):
        proportion_test().evaluate(3, 10, 1.2)
    with pytest.raises(ArgumentError, match="value=0 is not valid"):
        proportion_test().evaluate(3, 10, 0)
    with pytest.raises(ArgumentError, match="count=12 is not valid: pass an integer between 0"):
        proportion_test().evaluate(12, 10, 0.5)
    with pytest.raises(ArgumentError, match=r"outcomes must be 0 or 1 \(or bool\), found \[2.0\]"):
        proportion_test().evaluate([0, 1, 2], value=0.5)
    with pytest.raises(ArgumentError, match="nobs=None is not valid"):
        proportion_test().evaluate(3, value=0.5)
    with pytest.raises(ArgumentError, match="zero standard error in the Wald test"):
        proportion_test("wald").evaluate(0, 10, 0.5)
    with pytest.raises(ArgumentError, match="method='exact' is not valid"):
        proportion_test("exact")
    with pytest.raises(ShapeError, match=r"shape \(2, 3\)"):
        t_test().evaluate(np.ones((2, 3)))
    with pytest.raises(ArgumentError, match="not text"):
        t_test().evaluate("1 2 3")


def test_statsmodels_alternative_names_are_accepted(rng_data):
    x, _ = rng_data
    assert t_test().evaluate(x, alternative="larger").alternative == "greater"


def test_likelihood_ratio_budget_bounds_the_symbolic_solve():
    with pytest.raises(ArgumentError, match="budget=-1 is not valid"):
        likelihood_ratio_test(ss.Poisson("X", lam), budget=-1)
    with pytest.raises(NoClosedFormError, match=r"not solved within 1e-06 s"):
        likelihood_ratio_test(ss.Poisson("X", lam), budget=1e-6)


def test_likelihood_ratio_verify_rejects_unknown_options(poisson_lrt):
    with pytest.raises(ArgumentError, match=r"bogus=1 is not valid: .* accepts seed=, nobs="):
        poisson_lrt.verify(bogus=1)
