"""Specifications of the statistics code on hard cases: signs of roots, boundary maxima,
masked and non-finite data, precision loss, and generated custom densities."""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pytest
import scipy.stats as st
import sympy as sp
import sympy.stats as ss
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

import symml
from symml import ArgumentError, conjugate_posterior, mle, mle_catalog

# -- posterior variances are never negative (issue 11 item 5) -----------------------------
w = sp.Symbol("w", real=True)
m0 = sp.Symbol("m_0", real=True)
sigma, tau0 = sp.symbols("sigma tau_0", positive=True)
a, b = sp.symbols("a b", positive=True)
lam = sp.Symbol("lambda", positive=True)
v = sp.Symbol("v", positive=True)


def _normal_pdf(y, mean, sd):
    return sp.exp(-((y - mean) ** 2) / (2 * sd**2)) / sp.sqrt(2 * sp.pi * sd**2)


@pytest.mark.parametrize(
    "x",
    [sp.Symbol("x", real=True), sp.Symbol("x"), sp.Symbol("x", positive=True)],
    ids=["real", "no-assumptions", "positive"],
)
def test_bayesian_regression_in_one_weight_has_a_positive_posterior_scale(x):
    y = sp.Symbol("y", real=True)
    post = conjugate_posterior(_normal_pdf(y, w * x, sigma), ss.Normal("w", m0, tau0), var=[y, x])
    i, n = sp.Symbol("i", integer=True, positive=True), sp.Symbol("n", integer=True, positive=True)
    X, Y = sp.IndexedBase("x"), sp.IndexedBase("y")
    sxx = sp.Sum(X[i] ** 2, (i, 1, n))
    sxy = sp.Sum(X[i] * Y[i], (i, 1, n))
    m_n, s_n = post.hyperparameters.values()
    expected_s = sigma * tau0 / sp.sqrt(sigma**2 + tau0**2 * sxx)
    expected_m = (m0 * sigma**2 + tau0**2 * sxy) / (sigma**2 + tau0**2 * sxx)
    assert sp.sstr(s_n) == sp.sstr(expected_s)  # the positive root
    assert sp.sstr(m_n) == sp.sstr(expected_m)
    verdict = post.verify()
    assert verdict and verdict.method == "quadrature"
    # numbers: precision = 1/tau0^2 + sum x^2 / sigma^2 (the textbook closed form)
    xs = np.array([0.5, 1.5, 2.0, 3.5])
    ys = 0.8 * xs + np.array([0.1, -0.2, 0.05, 0.3])
    fit = post.update({"y": ys, "x": xs}, m_0=0.2, tau_0=2.0, sigma=0.5)
    prec = 1 / 2.0**2 + np.sum(xs**2) / 0.5**2
    mean = (0.2 / 2.0**2 + np.sum(xs * ys) / 0.5**2) / prec
    assert fit.params["s"] == pytest.approx(1 / math.sqrt(prec), rel=1e-12)
    assert fit.params["m"] == pytest.approx(mean, rel=1e-12)
    assert fit.map["w"] == pytest.approx(mean, rel=1e-12)


def test_bayesian_regression_accepts_an_n_by_2_array_in_the_variables_order():
    x, y = sp.symbols("x y", real=True)
    post = conjugate_posterior(_normal_pdf(y, w * x, sigma), ss.Normal("w", m0, tau0), var=[y, x])
    xs, ys = np.array([1.0, 2.0, 2.5]), np.array([1.0, 2.0, 3.0])
    by_name = post.update({"x": xs, "y": ys}, m_0=0.0, tau_0=1.0, sigma=1.0)
    by_array = post.update(np.column_stack([ys, xs]), m_0=0.0, tau_0=1.0, sigma=1.0)
    assert by_name.params == by_array.params
    assert by_name.params["s"] == pytest.approx(1 / math.sqrt(1 + 11.25))
    with pytest.raises(ArgumentError, match=r"one column per variable, named \['y', 'x'\]"):
        post.update({"x": xs, "z": ys}, m_0=0.0, tau_0=1.0, sigma=1.0)


def test_precision_weighted_normal_mean_has_a_positive_posterior_scale():
    # y_i ~ Normal(w, sigma / sqrt(x_i)) with known positive weights x_i
    y, x = sp.Symbol("y", real=True), sp.Symbol("x", positive=True)
    post = conjugate_posterior(
        _normal_pdf(y, w, sigma / sp.sqrt(x)), ss.Normal("w", m0, tau0), var=[y, x]
    )
    s_n = post.hyperparameters[sp.Symbol("s_n", positive=True)]
    assert s_n.is_positive is not False and not sp.sstr(s_n).startswith("-")
    assert post.verify()
    xs, ys = np.array([1.0, 4.0, 0.5]), np.array([2.0, 2.5, 1.0])
    fit = post.update({"y": ys, "x": xs}, m_0=0.0, tau_0=3.0, sigma=1.5)
    prec = 1 / 9 + np.sum(xs) / 1.5**2
    assert fit.params["s"] == pytest.approx(1 / math.sqrt(prec), rel=1e-12)
    assert fit.params["m"] == pytest.approx(np.sum(xs * ys) / 1.5**2 / prec, rel=1e-12)


def test_poisson_rate_with_exposure_and_gamma_prior():
    y = sp.Symbol("y", integer=True, nonnegative=True)
    t = sp.Symbol("t", positive=True)
    pmf = (lam * t) ** y * sp.exp(-lam * t) / sp.factorial(y)
    post = conjugate_posterior(pmf, ss.Gamma("lambda", a, 1 / b), [lam], var=[y, t])
    assert post.family == "Gamma"
    assert post.verify()
    ts, ys = np.array([1.0, 2.5, 0.5]), np.array([2.0, 4.0, 1.0])
    fit = post.update({"y": ys, "t": ts}, a=2.0, b=1.0)
    assert fit.params == pytest.approx({"alpha": 2 + 7, "beta": 1 + 4})


def test_exponential_with_covariate_scaled_rate_and_gamma_prior():
    y, x = sp.Symbol("y", positive=True), sp.Symbol("x", positive=True)
    post = conjugate_posterior(
        lam * x * sp.exp(-lam * x * y), ss.Gamma("lambda", a, 1 / b), [lam], var=[y, x]
    )
    assert post.verify()
    xs, ys = np.array([1.0, 2.0]), np.array([0.5, 0.25])
    fit = post.update({"y": ys, "x": xs}, a=1.0, b=2.0)
    assert fit.params == pytest.approx({"alpha": 3.0, "beta": 3.0})


def test_inverse_gamma_variance_with_a_known_regression_line():
    y, x = sp.Symbol("y", real=True), sp.Symbol("x", real=True)
    w0 = sp.Symbol("w_0", real=True)
    post = conjugate_posterior(
        _normal_pdf(y, w0 * x, sp.sqrt(v)), ss.GammaInverse("v", a, b), [v], var=[y, x]
    )
    assert post.family == "InverseGamma"
    assert post.verify()
    xs, ys = np.array([1.0, 2.0, 3.0]), np.array([1.5, 1.0, 4.0])
    fit = post.update({"y": ys, "x": xs}, a=2.0, b=1.0, w_0=1.0)
    assert fit.params["alpha"] == pytest.approx(2 + 1.5)
    assert fit.params["beta"] == pytest.approx(1 + np.sum((ys - xs) ** 2) / 2)
    lo, hi = fit.dist.interval(0.9)
    assert (lo, hi) == pytest.approx(st.invgamma(3.5, scale=fit.params["beta"]).interval(0.9))


# -- maxima on the boundary of the parameter space (issue 11 item 6) ----------------------
Z95 = float(st.norm.ppf(0.975))


@pytest.mark.parametrize(
    ("name", "data", "known", "param", "edge"),
    [
        ("bernoulli", [0, 0, 0], None, "p", 0.0),
        ("bernoulli", [1, 1, 1, 1], None, "p", 1.0),
        ("binomial", [0, 0, 0], {"N": 5}, "p", 0.0),
        ("binomial", [5, 5], {"N": 5}, "p", 1.0),
        ("poisson", [0, 0, 0, 0, 0], None, "lambda", 0.0),
        ("geometric", [1, 1, 1], None, "p", 1.0),
    ],
)
def test_a_monotone_likelihood_has_its_maximum_at_the_endpoint(name, data, known, param, edge):
    fit = mle_catalog(name).fit(data, known=known)
    assert fit.params[param] == edge
    assert fit.stderr[param] == 0.0
    assert fit.loglike == pytest.approx(0.0, abs=1e-9)  # every observation has probability 1
    note = " ".join(fit.notes)
    assert "boundary of the parameter space" in note and "Wald interval degenerates" in note
    # the endpoint beats every interior value (an independent check with SciPy)
    grid = np.linspace(0.01, 0.99, 50) if param == "p" else np.linspace(0.01, 5, 50)
    dist = {
        "bernoulli": lambda t: st.bernoulli(t),
        "binomial": lambda t: st.binom(5, t),
        "poisson": lambda t: st.poisson(t),
        "geometric": lambda t: st.geom(t),
    }[name]
    assert all(np.sum(dist(t).logpmf(data)) < fit.loglike for t in grid)


@pytest.mark.parametrize(
    ("name", "data", "known", "trials"),
    [
        ("bernoulli", [0, 0, 0], None, 3),
        ("bernoulli", [1, 1, 1, 1], None, 4),
        ("binomial", [0, 0, 0], {"N": 5}, 15),
        ("binomial", [5, 5], {"N": 5}, 10),
    ],
)
def test_a_proportion_on_the_boundary_gets_the_wilson_interval(name, data, known, trials):
    from statsmodels.stats.proportion import proportion_confint

    fit = mle_catalog(name).fit(data, known=known)
    assert "Wilson score interval" in " ".join(fit.notes) and "Beta prior" in " ".join(fit.notes)
    lo, hi = fit.conf_int(0.95)["p"]
    successes = int(np.sum(data))
    expected = proportion_confint(successes, trials, alpha=0.05, method="wilson")
    assert (lo, hi) == pytest.approx(expected, abs=1e-12)
    if fit.params["p"] == 0:  # closed form: [0, z^2 / (n + z^2)]
        assert hi == pytest.approx(Z95**2 / (trials + Z95**2), rel=1e-12)


def test_a_poisson_rate_of_zero_gets_the_exact_interval():
    fit = mle_catalog("poisson").fit([0, 0, 0, 0])
    assert fit.params["lambda"] == 0.0
    assert "Garwood" in " ".join(fit.notes) and "Gamma prior" in " ".join(fit.notes)
    lo, hi = fit.conf_int(0.9)["lambda"]
    assert lo == 0.0 and hi == pytest.approx(-math.log(0.05) / 4, rel=1e-12)


@pytest.mark.parametrize(
    ("model", "data", "null", "estimate", "ci"),
    [
        # closed forms: Lambda = 2 (l(hat) - l(null)), the LR interval ends where Lambda = chi2
        ("poisson", [0, 0, 0], 1.0, 0.0, (0.0, float(st.chi2.ppf(0.95, 1)) / 6)),
        ("bernoulli", [0, 0, 0, 0], 0.5, 0.0, (0.0, 1 - math.exp(-st.chi2.ppf(0.95, 1) / 8))),
        ("bernoulli", [1, 1, 1, 1], 0.5, 1.0, (math.exp(-st.chi2.ppf(0.95, 1) / 8), 1.0)),
    ],
)
def test_likelihood_ratio_test_with_the_mle_on_the_boundary(model, data, null, estimate, ci):
    rv = (
        ss.Poisson("X", lam)
        if model == "poisson"
        else ss.Bernoulli("X", sp.Symbol("p", positive=True))
    )
    res = symml.likelihood_ratio_test(rv).evaluate(data, null=null)
    n = len(data)
    expected = 2 * n * null if model == "poisson" else -2 * n * math.log(null)
    assert res.estimate == estimate
    assert res.statistic == pytest.approx(expected, rel=1e-12)
    assert res.pvalue == pytest.approx(st.chi2.sf(expected, 1), rel=1e-10)
    assert (res.ci.low, res.ci.high) == pytest.approx(ci, rel=1e-9, abs=1e-12)


def test_interior_estimates_are_unchanged():
    fit = mle_catalog("bernoulli").fit([0, 1, 1])
    assert fit.params["p"] == pytest.approx(2 / 3) and not fit.notes
    assert fit.stderr["p"] == pytest.approx(math.sqrt(2 / 3 * 1 / 3 / 3))
    # a tiny rate is an interior estimate, not the endpoint 0
    rate = mle_catalog("exponential").fit([1e12, 2e12, 3e12])
    assert rate.params["lambda"] == 5e-13 and not rate.notes
    assert rate.stderr["lambda"] == pytest.approx(5e-13 / math.sqrt(3))


def test_numeric_fits_reach_the_boundary_too():
    fit = mle_catalog("negative_binomial_known_r").fit([0, 0, 0], known={"r": 2})
    assert fit.params["p"] in (0.0, 1.0) and fit.stderr["p"] == 0.0
    assert fit.loglike == pytest.approx(0.0, abs=1e-9)
    with pytest.warns(symml.StandardErrorWarning):  # r is not determined by all-zero counts
        both = mle_catalog("negative_binomial").fit([0, 0, 0, 0])
    assert both.params["p"] == fit.params["p"] and "boundary" in " ".join(both.notes)


def test_an_unattained_supremum_stays_an_error():
    # sigma -> 0 on equal values: the likelihood grows without bound
    with pytest.raises(ArgumentError, match=r"grows without bound as sigma -> 0.*not attained"):
        mle_catalog("normal").fit([2.0, 2.0, 2.0])
    with pytest.raises(ArgumentError, match=r"estimate does not exist for these data"):
        mle_catalog("exponential").fit([0.0, 0.0])


def test_a_custom_density_on_the_boundary():
    # f(x) = theta * x**(theta - 1) on (0, 1) with x... and a Bernoulli written by hand
    p = sp.Symbol("p", positive=True)
    x = sp.Symbol("x", integer=True, nonnegative=True)
    est = mle(p**x * (1 - p) ** (1 - x), [p], var=x)
    fit = est.fit([0, 0, 0, 0])
    assert fit.params["p"] == 0.0 and fit.stderr["p"] == 0.0
    assert "boundary of the parameter space" in fit.notes[0]


# -- masked arrays: statistics drop masked values, fits on X and y refuse them -------------
MASKED = np.ma.masked_array([1.0, 2.0, 1000.0], mask=[False, False, True])


def test_a_masked_value_is_missing_in_every_mle_fit():
    fit = mle_catalog("normal").fit(MASKED)
    assert fit.n == 2 and fit.params["mu"] == 1.5 and fit.params["sigma"] == 0.5
    counts = np.ma.masked_array([3, 5, -7], mask=[0, 0, 1])  # the masked value is not even valid
    assert mle_catalog("poisson").fit(counts).params["lambda"] == 4.0
    assert (
        mle_catalog("gamma").fit(np.ma.masked_array([1.0, 2.0, 3.0, -1.0], mask=[0, 0, 0, 1])).n
        == 3
    )
    rows = np.ma.masked_array([[1.0, 2.0], [3.0, 5.0], [2.0, 2.5], [9e9, 1.0]])
    rows[3, 0] = np.ma.masked
    mv = mle_catalog("mvnormal").fit(rows)
    assert mv.n == 3 and np.allclose(mv.params["mu"].ravel(), [2.0, 9.5 / 3])


def test_a_masked_value_is_missing_in_tests_and_posteriors():
    x = np.ma.masked_array([9.1, 10.2, 8.7, 9.9, 500.0], mask=[0, 0, 0, 0, 1])
    res = symml.t_test().evaluate(x, 9.0)
    ref = st.ttest_1samp([9.1, 10.2, 8.7, 9.9], 9.0)
    assert res.statistic == pytest.approx(ref.statistic) and res.pvalue == pytest.approx(ref.pvalue)
    z = symml.z_test().evaluate(x, 9.0, sigma=1.0)
    assert z.statistic == pytest.approx((np.mean([9.1, 10.2, 8.7, 9.9]) - 9.0) / 0.5)
    y = np.ma.masked_array([7.0, 8.5, 7.7, -1e9], mask=[0, 0, 0, 1])
    welch = symml.welch_test().evaluate(x, y)
    ref = st.ttest_ind([9.1, 10.2, 8.7, 9.9], [7.0, 8.5, 7.7], equal_var=False)
    assert welch.statistic == pytest.approx(ref.statistic)
    outcomes = np.ma.masked_array([1, 0, 1, 1, 5], mask=[0, 0, 0, 0, 1])
    assert symml.proportion_test().evaluate(outcomes, value=0.5).estimate == 0.75
    lrt = symml.likelihood_ratio_test(ss.Poisson("X", lam))
    assert lrt.evaluate(np.ma.masked_array([2, 4, 99], mask=[0, 0, 1]), null=3.0).estimate == 3.0
    post = conjugate_posterior(ss.Poisson("X", lam), ss.Gamma("lambda", a, 1 / b))
    fit = post.update(np.ma.masked_array([2, 4, 99], mask=[0, 0, 1]), a=1.0, b=1.0)
    assert fit.params == {"alpha": 7.0, "beta": 3.0} and fit.nobs == 2
    assert symml.sample_mean().evaluate(MASKED) == 1.5


def test_covariate_posterior_drops_rows_masked_in_any_column():
    x, y = sp.symbols("x y", real=True)
    post = conjugate_posterior(_normal_pdf(y, w * x, sigma), ss.Normal("w", m0, tau0), var=[y, x])
    xs = np.ma.masked_array([1.0, 2.0, 2.5, 7.0], mask=[0, 0, 0, 1])
    ys = np.ma.masked_array([1.0, 2.0, 3.0, np.nan], mask=[0, 0, 0, 1])
    fit = post.update({"y": ys, "x": xs}, m_0=0.0, tau_0=1.0, sigma=1.0)
    assert fit.nobs == 3 and fit.params["s"] == pytest.approx(1 / math.sqrt(12.25))


def _ols():
    n, m = sp.symbols("n m", integer=True, positive=True)
    X, wv = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1)
    y = sp.MatrixSymbol("y", m, 1)
    return symml.normal_equations((X * wv - y).T * (X * wv - y), wv)


XD = np.c_[np.ones(4), [0.0, 1, 2, 3]]
YD = np.array([1.0, 3.1, 4.9, 7.0])
LABELS = np.array([0.0, 1.0, 0.0, 1.0])


def test_regression_and_logistic_fits_refuse_masked_entries_by_name():
    Xm = np.ma.masked_array(XD, mask=[[0, 0], [0, 1], [0, 0], [0, 0]])
    with pytest.raises(ArgumentError, match=r"X is a masked array with 1 masked value at \(1, 1\)"):
        _ols().fit(Xm, YD)
    with pytest.raises(ArgumentError, match=r"y is a masked array .* at index 2.*keep = "):
        symml.fit_logistic(XD, np.ma.masked_array(LABELS, mask=[0, 0, 1, 0]))
    # nothing masked: accepted, same numbers as the plain arrays
    same = _ols().fit(np.ma.masked_array(XD), np.ma.masked_array(YD))
    assert np.allclose(same.params, _ols().fit(XD, YD).params)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_data_name_the_array_and_position(bad):
    Xb = XD.copy()
    Xb[2, 1] = bad
    yb = YD.copy()
    yb[1] = bad
    for fitter, labels in ((lambda X, y: _ols().fit(X, y), YD), (symml.fit_logistic, LABELS)):
        with pytest.raises(ArgumentError, match=r"^X has 1 non-finite value .* at \(2, 1\)"):
            fitter(Xb, labels)
    with pytest.raises(ArgumentError, match=r"^y has 1 non-finite value .* at index 1"):
        _ols().fit(XD, yb)
    lb = LABELS.copy()
    lb[1] = bad
    with pytest.raises(ArgumentError, match=r"^y has 1 non-finite value .* at index 1"):
        symml.fit_logistic(XD, lb)


# -- NaN / inf / runaway standard errors come with a note and a StandardErrorWarning --------
def test_ols_with_as_many_rows_as_columns():
    with pytest.warns(symml.StandardErrorWarning, match="no residual degrees of freedom"):
        fit = _ols().fit(XD[:2], YD[:2])
    assert np.all(np.isnan(fit.stderr)) and "no residual degrees of freedom" in fit.notes[0]


def test_ols_on_a_design_scaled_by_1e_minus_200():
    with pytest.warns(symml.StandardErrorWarning, match="cov overflows"):
        fit = _ols().fit(XD * 1e-200, YD)
    plain = _ols().fit(XD, YD)
    assert np.allclose(fit.params * 1e-200, plain.params) and np.all(np.isfinite(fit.stderr))
    assert np.allclose(fit.stderr * 1e-200, plain.stderr)


def test_student_t_whose_nu_runs_to_infinity():
    with pytest.warns(symml.StandardErrorWarning, match=r"nu = .* is where the optimiser stopped"):
        fit = mle_catalog("student_t").fit([-1.0, 0.0, 1.0, 0.5, -0.5, 0.2])
    assert any("supremum is at nu = infinity" in note for note in fit.notes)


def test_mle_standard_errors_that_are_nan_come_with_a_note():
    # negative binomial on all zeros: p on the boundary, r not determined
    with pytest.warns(symml.StandardErrorWarning):
        fit = mle_catalog("negative_binomial").fit([0, 0, 0, 0])
    assert fit.params["p"] in (0.0, 1.0)
    assert any("NaN" in note or "not meaningful" in note for note in fit.notes)


# -- precision loss: the MLE exists, and is found ------------------------------------------
def test_quartic_location_far_from_zero():
    x = sp.Symbol("x", real=True)
    mu = sp.Symbol("mu", real=True)
    fit = mle(sp.exp(-((x - mu) ** 4)), [mu], var=x).fit([1e8, 1e8 + 1, 1e8 + 2])
    assert fit.params["mu"] == 1e8 + 1  # the data are symmetric about 1e8 + 1
    near = mle(sp.exp(-((x - mu) ** 4)), [mu], var=x).fit([0.0, 1.0, 2.0])
    assert fit.stderr["mu"] == pytest.approx(near.stderr["mu"], rel=1e-12)


def test_normal_fit_near_the_largest_float():
    data = np.array([1e308, 1.5e308, 1.2e308])
    fit = mle_catalog("normal").fit(data)
    scaled = data / 1e308  # the reference, computed where nothing overflows
    assert fit.params["mu"] == pytest.approx(np.mean(scaled) * 1e308, rel=1e-14)
    assert fit.params["sigma"] == pytest.approx(np.std(scaled) * 1e308, rel=1e-14)
    assert math.isfinite(fit.stderr["mu"]) and math.isfinite(fit.loglike)
    ref_ll = np.sum(st.norm.logpdf(scaled, np.mean(scaled), np.std(scaled))) - 3 * math.log(1e308)
    assert fit.loglike == pytest.approx(ref_ll, rel=1e-12)


def test_normal_fit_on_subnormal_values():
    data = np.array([1e-320, 2e-320, 3e-320])
    fit = mle_catalog("normal").fit(data)
    scaled = np.ldexp(data, 1070)  # exact: multiplying by a power of two

    def back(v):
        return float(np.ldexp(v, -1070))

    # subnormal inputs hold only a few digits: compare to their precision
    assert fit.params["mu"] == pytest.approx(back(np.mean(scaled)), rel=1e-3)
    assert fit.params["sigma"] == pytest.approx(back(np.std(scaled)), rel=1e-3)
    # a rate of 1 / 2e-320 = 5e319 is past float64's largest value: said, not inf
    with pytest.raises(ArgumentError, match=r"estimate of lambda is about 10\^319\.7, beyond"):
        mle_catalog("exponential").fit(data)
    rate = mle_catalog("exponential").fit(data * 1e12)  # 5e307: representable
    assert rate.params["lambda"] * back(np.mean(scaled)) * 1e12 == pytest.approx(1.0, rel=1e-3)


def test_ordinary_data_are_not_standardised():
    fit = mle_catalog("normal").fit([170.0, 180.0, 175.0])
    assert not fit.notes and fit.params["mu"] == 175.0


# -- property: mle on generated custom densities returns or raises a SymmlError (issue 11) --
THETA = sp.Symbol("theta", positive=True)
K = sp.Symbol("k", positive=True)
MU = sp.Symbol("mu", real=True)
X = {
    "real": sp.Symbol("x", real=True),
    "positive": sp.Symbol("x", positive=True),
    "count": sp.Symbol("x", integer=True, nonnegative=True),
}
# how a parameter enters the density
REPARAM = [
    lambda p: p,
    lambda p: p**2,
    lambda p: 1 / p,
    lambda p: sp.sqrt(p),
    lambda p: sp.exp(p),
    lambda p: p**3 + 1,
]
# data terms per kind of observation
TERMS = {
    "real": lambda x: [x, x**2, x**3, x**4, sp.log(1 + x**2), sp.exp(x / 4)],
    "positive": lambda x: [x, x**2, sp.log(x), 1 / x, sp.sqrt(x), sp.log(1 + x)],
    "count": lambda x: [x, x**2, sp.log(sp.factorial(x)), sp.log(1 + x)],
}
# textbook densities (normalised), reparametrised below
PROPER = {
    "real": [
        lambda x, p, q: sp.sqrt(p / (2 * sp.pi)) * sp.exp(-p * (x - q) ** 2 / 2),
        lambda x, p, q: sp.exp(-sp.Abs(x - q) / p) / (2 * p),
        lambda x, p, q: sp.exp(-((x - q) ** 4) / p),
    ],
    "positive": [
        lambda x, p, q: p * sp.exp(-p * x),
        lambda x, p, q: p * x ** (p - 1),
        lambda x, p, q: x ** (q - 1) * sp.exp(-x / p) / (sp.gamma(q) * p**q),
    ],
    "count": [
        lambda x, p, q: p**x * sp.exp(-p) / sp.factorial(x),
        lambda x, p, q: p / (1 + p) ** (x + 1),
    ],
}
POLY = [
    lambda x, p, q: p * x**2 + q,
    lambda x, p, q: (x - q) ** 2 * p + 1,
    lambda x, p, q: (1 + x**2) ** (-p) * q,
    lambda x, p, q: (p * x + q) ** 2,
    lambda x, p, q: x**4 + p * x**2 + q,
]
DATA = {
    "real": hst.floats(-4, 4, allow_nan=False).map(lambda v: round(v, 3)),
    "positive": hst.floats(0.01, 6).map(lambda v: round(v, 3)),
    "count": hst.integers(0, 7),
}


@hst.composite
def densities(draw: hst.DrawFn) -> tuple[sp.Expr, list[sp.Symbol], sp.Symbol, list]:
    """A density (or unnormalised kernel) in ``x`` and one or two parameters, and data."""
    kind = draw(hst.sampled_from(sorted(X)))
    x = X[kind]
    second = MU if kind == "real" else K
    params = [THETA] + ([second] if draw(hst.booleans()) else [])
    p = draw(hst.sampled_from(REPARAM))(THETA)
    q = draw(hst.sampled_from(REPARAM))(second) if second in params else sp.Integer(1)
    if second is MU and second in params:
        q = MU if draw(hst.booleans()) else q
    branch = draw(hst.integers(0, 4))
    if branch == 0:
        f = draw(hst.sampled_from(PROPER[kind]))(x, p, q)
    elif branch == 1:  # polynomials and powers, not normalised
        f = draw(hst.sampled_from(POLY))(x, p, q)
    else:
        terms = TERMS[kind](x)
        log_f = sp.Integer(0)
        for _ in range(draw(hst.integers(1, 3))):
            coef = draw(hst.sampled_from([p, q, p * q, -p, -q, p - q, p + 1]))
            log_f += coef * draw(hst.sampled_from(terms))
        if draw(hst.booleans()):  # a normaliser in the parameters only
            log_f += draw(hst.sampled_from([sp.log(p), -p, sp.log(p) / 2, -q, sp.log(p + q)]))
        f = sp.exp(-log_f) if draw(hst.booleans()) else sp.exp(log_f)
        if draw(hst.booleans()):
            f = sp.powsimp(sp.expand(f))
    data = draw(hst.lists(DATA[kind], min_size=2, max_size=6))
    return f, params, x, data


BUDGET = 0.5


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(densities())
def test_mle_on_generated_densities_returns_or_raises_a_symml_error(case):
    f, params, x, data = case
    start = time.monotonic()
    try:
        est = symml.mle(f, params, var=x, budget=BUDGET)
    except symml.SymmlError:
        est = None
    if est is not None:
        assert set(est.estimators) <= set(params)
        with warnings.catch_warnings():
            # symml's own warnings about a fit are part of its answer, not leaks
            warnings.simplefilter("ignore", symml.StandardErrorWarning)
            warnings.simplefilter("ignore", symml.ConvergenceWarning)
            try:
                fit = est.fit(data)
            except symml.SymmlError:
                fit = None
        if fit is not None:
            assert set(fit.params) == {p.name for p in params}
    assert time.monotonic() - start < 15 * BUDGET + 15  # generous: no hang
