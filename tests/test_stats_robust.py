"""Specifications of the statistics code on hard cases: signs of roots, boundary maxima,
masked and non-finite data, precision loss, and generated custom densities."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
import sympy as sp
import sympy.stats as ss

import symml
from symml import ArgumentError, SymmlError, conjugate_posterior, mle, mle_catalog

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


def test_interior_estimates_are_unchanged():
    fit = mle_catalog("bernoulli").fit([0, 1, 1])
    assert fit.params["p"] == pytest.approx(2 / 3) and not fit.notes
    assert fit.stderr["p"] == pytest.approx(math.sqrt(2 / 3 * 1 / 3 / 3))


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
