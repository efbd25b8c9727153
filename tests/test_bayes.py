"""Bayes' rule and conjugate posteriors: exact maths, independent numeric checks, errors."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
import sympy as sp
import sympy.stats as ss
from scipy import integrate

from symml import (
    ArgumentError,
    BayesRule,
    NoClosedFormError,
    Posterior,
    PosteriorFit,
    ShapeError,
    bayes_rule,
    conjugate_posterior,
    diagnostic_test,
)

R = sp.Rational
theta = sp.Symbol("theta", positive=True)
lam = sp.Symbol("lambda", positive=True)
mu = sp.Symbol("mu", real=True)
v = sp.Symbol("v", positive=True)
a, b = sp.symbols("a b", positive=True)
m0 = sp.Symbol("m_0", real=True)
sigma, tau0, k0, a0, b0 = sp.symbols("sigma tau_0 kappa_0 a_0 b_0", positive=True)
N = sp.Symbol("N", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)
i = sp.Symbol("i", integer=True, positive=True)


def total(expr_of_x, base="x", **assumptions):
    """Sum(expr(x_i), (i, 1, n)) for the data base ``base``."""
    xi = sp.IndexedBase(base, **assumptions)[i]
    return sp.Sum(expr_of_x(xi), (i, 1, n))


def same(expr, expected) -> bool:
    return sp.simplify(expr - expected) == 0


def normalised_on_grid(log_unnorm, lo, hi, points):
    """Independent reference: normalise exp(log_unnorm) by scipy.integrate.quad."""
    peak = (
        max(
            log_unnorm(t)
            for t in np.linspace(lo + 1e-9, hi - 1e-9, 201)
            if np.isfinite(log_unnorm(t))
        )
        if np.isfinite(lo) and np.isfinite(hi)
        else (log_unnorm(points[0]))
    )
    z, _ = integrate.quad(
        lambda t: math.exp(log_unnorm(t) - peak), lo, hi, epsabs=0, epsrel=1e-11, limit=200
    )
    return np.array([math.exp(log_unnorm(t) - peak) / z for t in points])


# ===========================================================================
# Bayes' rule on events
# ===========================================================================
def test_diagnostic_test_exact_rationals():
    d = diagnostic_test(R(1, 100), R(99, 100), R(95, 100))
    assert isinstance(d, BayesRule)
    assert d.posterior == {"disease": R(1, 6), "no disease": R(5, 6)}
    assert d.evidence_probability == R(99, 100) * R(1, 100) + R(5, 100) * R(99, 100)
    assert d.result == sp.ImmutableMatrix([R(1, 6), R(5, 6)])
    negative = diagnostic_test(
        Fraction(1, 100), Fraction(99, 100), Fraction(95, 100), positive=False
    )
    assert negative.posterior["disease"] == R(1, 100) * R(1, 100) / (
        R(1, 100) * R(1, 100) + R(95, 100) * R(99, 100)
    )
    assert d.verify() and negative.verify()


def test_bayes_rule_steps_and_symbolic_form():
    p, se, sp_ = sp.symbols("p s_e s_p", positive=True)
    d = diagnostic_test(p, se, sp_)
    expected = se * p / (se * p + (1 - sp_) * (1 - p))
    assert same(d.posterior["disease"], expected)
    whys = [s.why for s in d.steps]
    assert whys[0] == "law of total probability over the hypotheses"
    assert "Bayes' rule" in whys
    assert d.verify()
    assert r"P(+ \mid \text{disease})" in d.latex()


def test_bayes_rule_many_hypotheses_and_floats():
    d = bayes_rule({"A": 0.5, "B": 0.3, "C": 0.2}, {"A": 0.01, "B": 0.02, "C": 0.03}, evidence="D")
    assert math.isclose(float(d.posterior["A"]), 0.005 / 0.017, rel_tol=1e-12)
    assert math.isclose(float(sum(d.posterior.values())), 1.0, rel_tol=1e-12)
    verdict = d.verify()
    assert verdict and "simulated" in " ".join(verdict.notes)


def test_bayes_rule_errors():
    with pytest.raises(ArgumentError, match=r"prevalence=1\.5 is not valid: a probability"):
        diagnostic_test(1.5, 0.9, 0.9)
    with pytest.raises(ArgumentError, match=r"sum to 0\.9, not 1"):
        bayes_rule({"A": 0.5, "B": 0.4}, {"A": 0.1, "B": 0.2})
    with pytest.raises(ArgumentError, match="with the prior's keys"):
        bayes_rule({"A": 0.5, "B": 0.5}, {"A": 0.1})
    with pytest.raises(ArgumentError, match="the evidence has probability 0"):
        bayes_rule({"A": 0.5, "B": 0.5}, {"A": 0, "B": 0})
    with pytest.raises(ArgumentError, match=r"likelihood\['B'\]=-0.2 is not valid"):
        bayes_rule({"A": 0.5, "B": 0.5}, {"A": 0.1, "B": -0.2})
    with pytest.raises(ArgumentError, match="parse_expr"):
        diagnostic_test("0.1", 0.9, 0.9)


# ===========================================================================
# Conjugate posteriors: fixtures (derived once per module)
# ===========================================================================
@pytest.fixture(scope="module")
def beta_bernoulli() -> Posterior:
    return conjugate_posterior(ss.Bernoulli("X", theta), ss.Beta("theta", a, b))


@pytest.fixture(scope="module")
def beta_binomial() -> Posterior:
    x = sp.Symbol("x", integer=True, nonnegative=True)
    pmf = sp.binomial(N, x) * theta**x * (1 - theta) ** (N - x)
    prior = theta ** (a - 1) * (1 - theta) ** (b - 1) / sp.beta(a, b)
    return conjugate_posterior(pmf, prior, var=x)


@pytest.fixture(scope="module")
def gamma_poisson() -> Posterior:
    return conjugate_posterior(ss.Poisson("X", lam), ss.Gamma("lambda", a, 1 / b))


@pytest.fixture(scope="module")
def normal_normal() -> Posterior:
    return conjugate_posterior(ss.Normal("X", mu, sigma), ss.Normal("mu", m0, tau0))


@pytest.fixture(scope="module")
def normal_inverse_gamma() -> Posterior:
    prior = (
        sp.sqrt(k0 / (2 * sp.pi * v))
        * sp.exp(-k0 * (mu - m0) ** 2 / (2 * v))
        * b0**a0
        / sp.gamma(a0)
        * v ** (-a0 - 1)
        * sp.exp(-b0 / v)
    )
    return conjugate_posterior(ss.Normal("X", mu, sp.sqrt(v)), prior)


THETAS = sp.symbols("theta1:4", positive=True)
XS = sp.symbols("x1:4", integer=True, nonnegative=True)
ALPHAS = sp.symbols("alpha1:4", positive=True)


@pytest.fixture(scope="module")
def dirichlet_categorical() -> Posterior:
    pmf = sp.Mul(*(t**x for t, x in zip(THETAS, XS, strict=True)))
    prior = (
        sp.gamma(sum(ALPHAS))
        / sp.Mul(*map(sp.gamma, ALPHAS))
        * sp.Mul(*(t ** (al - 1) for t, al in zip(THETAS, ALPHAS, strict=True)))
    )
    return conjugate_posterior(pmf, prior, var=list(XS))


ALL = [
    "beta_bernoulli",
    "beta_binomial",
    "gamma_poisson",
    "normal_normal",
    "normal_inverse_gamma",
    "dirichlet_categorical",
]


# ===========================================================================
# Exact maths
# ===========================================================================
def test_beta_bernoulli_exact(beta_bernoulli):
    post = beta_bernoulli
    assert post.family == "Beta" and post.params == (theta,)
    assert post.prior_hyperparameters == {"alpha": a, "beta": b}
    s = total(lambda x: x, integer=True, nonnegative=True)
    alpha_n, beta_n = sp.symbols("alpha_n beta_n", positive=True)
    assert post.hyperparameters == {alpha_n: a + s, beta_n: b + n - s}
    assert same(post.map_estimate[theta], (alpha_n - 1) / (alpha_n + beta_n - 2))
    xt = post.new_observation[0]
    assert same(sp.gammasimp(post.predictive.subs(xt, 1)), alpha_n / (alpha_n + beta_n))
    assert same(sp.gammasimp(post.predictive.subs(xt, 0)), beta_n / (alpha_n + beta_n))
    expected = theta ** (a + s - 1) * (1 - theta) ** (b + n - s - 1) / sp.beta(a + s, b + n - s)
    assert same(sp.expand_func(post.result - expected), 0)


def test_derivation_steps_multiply_kernels(beta_bernoulli):
    whys = [s.why for s in beta_bernoulli.steps]
    assert whys[0] == "prior: Beta(a, b)"
    assert any("sum of logs" in w for w in whys)
    assert any(
        w.startswith("Bayes' rule: log posterior = log prior + log-likelihood") for w in whys
    )
    assert any("log kernel of Beta(alpha_n, beta_n)" in w for w in whys)
    assert whys.count("match the coefficients") == 2
    assert any(w.startswith("MAP") for w in whys) and any("posterior predictive" in w for w in whys)
    assert r"\alpha_{n}" in beta_bernoulli.latex()


def test_beta_binomial_typed_by_hand_matches_sympy_stats(beta_binomial):
    s = total(lambda x: x, integer=True, nonnegative=True)
    alpha_n, beta_n = sp.symbols("alpha_n beta_n", positive=True)
    assert beta_binomial.hyperparameters == {alpha_n: a + s, beta_n: b + N * n - s}
    from_stats = conjugate_posterior(ss.Binomial("X", N, theta), ss.Beta("theta", a, b))
    assert from_stats.hyperparameters == beta_binomial.hyperparameters


def test_gamma_poisson_exact(gamma_poisson):
    s = total(lambda x: x, integer=True, nonnegative=True)
    alpha_n, beta_n = sp.symbols("alpha_n beta_n", positive=True)
    assert gamma_poisson.family == "Gamma"
    assert gamma_poisson.hyperparameters == {alpha_n: a + s, beta_n: b + n}
    assert same(gamma_poisson.map_estimate[lam], (alpha_n - 1) / beta_n)
    # Predictive: negative binomial with r = alpha_n and p = beta_n/(beta_n + 1).
    k = gamma_poisson.new_observation[0]
    nb = (
        sp.gamma(alpha_n + k)
        / (sp.gamma(alpha_n) * sp.factorial(k))
        * (beta_n / (beta_n + 1)) ** alpha_n
        * (1 / (beta_n + 1)) ** k
    )
    for value in (0, 3):
        assert same(
            sp.gammasimp(gamma_poisson.predictive.subs(k, value)), sp.gammasimp(nb.subs(k, value))
        )


def test_gamma_exponential_and_inverse_gamma_normal():
    post = conjugate_posterior(ss.Exponential("X", lam), ss.Gamma("lambda", a, 1 / b))
    alpha_n, beta_n = sp.symbols("alpha_n beta_n", positive=True)
    assert post.hyperparameters == {alpha_n: a + n, beta_n: b + total(lambda x: x, positive=True)}
    # Known mean 0, unknown variance: Inverse-Gamma.
    prior = b**a / sp.gamma(a) * v ** (-a - 1) * sp.exp(-b / v)
    post = conjugate_posterior(ss.Normal("X", 0, sp.sqrt(v)), prior)
    assert post.family == "InverseGamma"
    squares = total(lambda x: x**2, real=True)
    assert same(post.hyperparameters[alpha_n], a + n / 2)
    assert same(post.hyperparameters[beta_n], b + squares / 2)


def test_normal_normal_exact(normal_normal):
    s = total(lambda x: x, real=True)
    m_n, s_n = sp.Symbol("m_n", real=True), sp.Symbol("s_n", positive=True)
    precision = 1 / tau0**2 + n / sigma**2
    assert same(normal_normal.hyperparameters[s_n], 1 / sp.sqrt(precision))
    assert same(normal_normal.hyperparameters[m_n], (m0 / tau0**2 + s / sigma**2) / precision)
    assert normal_normal.map_estimate == {mu: m_n}
    xt = normal_normal.new_observation[0]
    scale = sp.sqrt(s_n**2 + sigma**2)
    expected = sp.exp(-((xt - m_n) ** 2) / (2 * scale**2)) / (sp.sqrt(2 * sp.pi) * scale)
    assert same(normal_normal.predictive, expected)


def test_normal_inverse_gamma_exact(normal_inverse_gamma):
    post = normal_inverse_gamma
    assert post.family == "NormalInverseGamma" and post.params == (mu, v)
    s1, s2 = total(lambda x: x, real=True), total(lambda x: x**2, real=True)
    h = {str(k): e for k, e in post.hyperparameters.items()}
    assert same(h["kappa_n"], k0 + n) and same(h["alpha_n"], a0 + n / 2)
    assert same(h["m_n"], (k0 * m0 + s1) / (k0 + n))
    xbar = s1 / n
    textbook = b0 + (s2 - n * xbar**2) / 2 + k0 * n * (xbar - m0) ** 2 / (2 * (k0 + n))
    assert same(h["beta_n"], textbook)
    alpha_n, beta_n = sp.symbols("alpha_n beta_n", positive=True)
    assert same(post.map_estimate[v], beta_n / (alpha_n + sp.Rational(3, 2)))
    stable = [st_.expr for st_ in post.steps if "numerically stable" in st_.why]
    x_bar, sxx = sp.Symbol("xbar", real=True), sp.Symbol("S_xx", nonnegative=True)
    assert any(same(e, b0 + sxx / 2 + k0 * n * (x_bar - m0) ** 2 / (2 * (k0 + n))) for e in stable)


def test_dirichlet_categorical_exact(dirichlet_categorical):
    post = dirichlet_categorical
    assert post.family == "Dirichlet"
    hyper = list(post.hyperparameters.values())
    for k in range(3):
        counts = total(lambda x: x, base=f"x{k + 1}", integer=True, nonnegative=True)
        assert hyper[k] == ALPHAS[k] + counts
    an = list(post.hyperparameters)
    assert same(post.map_estimate[THETAS[0]], (an[0] - 1) / (sum(an) - 3))
    one_hot = dict(zip(post.new_observation, (1, 0, 0), strict=True))
    assert same(sp.gammasimp(post.predictive.subs(one_hot)), an[0] / sum(an))


# ===========================================================================
# Numbers, against independent code
# ===========================================================================
def test_beta_bernoulli_update_against_quadrature(beta_bernoulli):
    x = np.random.default_rng(1).binomial(1, 0.3, 25)
    fit = beta_bernoulli.update(pd.Series(x), a=2.0, b=3.0)
    assert isinstance(fit, PosteriorFit)
    assert fit.params == {"alpha": 2.0 + x.sum(), "beta": 3.0 + 25 - x.sum()}

    def log_unnorm(t):
        return st.beta.logpdf(t, 2, 3) + np.sum(st.bernoulli.logpmf(x, t))

    grid = np.array([0.05, 0.2, 0.31, 0.5, 0.77])
    assert np.allclose(fit.pdf(grid), normalised_on_grid(log_unnorm, 0.0, 1.0, grid), rtol=1e-8)
    al, be = fit.params["alpha"], fit.params["beta"]
    assert math.isclose(fit.map["theta"], (al - 1) / (al + be - 2), rel_tol=1e-12)
    assert math.isclose(float(fit.predictive(1)), fit.dist.mean(), rel_tol=1e-12)
    assert math.isclose(float(fit.predictive(1) + fit.predictive(0)), 1.0, rel_tol=1e-12)


def test_beta_binomial_predictive_against_scipy_and_monte_carlo(beta_binomial):
    x = np.array([3, 5, 2, 6, 4])
    fit = beta_binomial.update(x, a=1.5, b=2.5, N=8)
    al, be = fit.params["alpha"], fit.params["beta"]
    assert (al, be) == (1.5 + 20, 2.5 + 40 - 20)
    ks = np.arange(9)
    assert np.allclose(fit.predictive(ks), st.betabinom.pmf(ks, 8, al, be), rtol=1e-10)
    draws = fit.dist.rvs(size=200_000, random_state=np.random.default_rng(2))
    mc = st.binom.pmf(4, 8, draws).mean()
    assert abs(float(fit.predictive(4)) - mc) < 4 * st.binom.pmf(4, 8, draws).std() / 447


def test_gamma_poisson_update_against_quadrature(gamma_poisson):
    x = np.random.default_rng(3).poisson(2.5, 12)
    fit = gamma_poisson.update(x, a=2.0, b=0.5)

    def log_unnorm(t):
        return st.gamma.logpdf(t, 2.0, scale=2.0) + np.sum(st.poisson.logpmf(x, t))

    grid = np.array([1.5, 2.2, 2.9, 3.6])
    z, _ = integrate.quad(
        lambda t: math.exp(log_unnorm(t) - log_unnorm(2.5)), 0, np.inf, epsrel=1e-11, epsabs=0
    )
    expected = np.array([math.exp(log_unnorm(t) - log_unnorm(2.5)) / z for t in grid])
    assert np.allclose(fit.pdf(grid), expected, rtol=1e-8)
    r, p = fit.params["alpha"], fit.params["beta"] / (fit.params["beta"] + 1)
    assert np.allclose(
        fit.predictive(np.arange(10)), st.nbinom.pmf(np.arange(10), r, p), rtol=1e-10
    )


def test_normal_normal_update_against_quadrature(normal_normal):
    x = np.random.default_rng(4).normal(1.2, 2.0, 9)
    fit = normal_normal.update(x, m_0=0.0, tau_0=1.5, sigma=2.0)

    def log_unnorm(t):
        return st.norm.logpdf(t, 0.0, 1.5) + np.sum(st.norm.logpdf(x, t, 2.0))

    z, _ = integrate.quad(
        lambda t: math.exp(log_unnorm(t) - log_unnorm(1.0)), -np.inf, np.inf, epsrel=1e-11, epsabs=0
    )
    grid = np.array([-0.5, 0.4, 1.0, 2.3])
    expected = np.array([math.exp(log_unnorm(t) - log_unnorm(1.0)) / z for t in grid])
    assert np.allclose(fit.pdf(grid), expected, rtol=1e-8)
    assert fit.map["mu"] == pytest.approx(fit.params["m"], rel=1e-14)
    pred_sd = math.hypot(fit.params["s"], 2.0)
    assert np.allclose(
        fit.predictive(grid), st.norm.pdf(grid, fit.params["m"], pred_sd), rtol=1e-12
    )


def test_normal_inverse_gamma_update_against_cubature(normal_inverse_gamma):
    x = np.random.default_rng(5).normal(-0.7, 1.3, 11)
    fit = normal_inverse_gamma.update(x, m_0=0.5, kappa_0=2.0, a_0=3.0, b_0=2.0)

    def unnorm(p):  # independent: scipy densities
        m, var = p[:, 0], p[:, 1]
        prior = st.norm.logpdf(m, 0.5, np.sqrt(var / 2.0)) + st.invgamma.logpdf(var, 3.0, scale=2.0)
        lik = np.sum(st.norm.logpdf(x[:, None], m, np.sqrt(var)), axis=0)
        return np.exp(prior + lik + 20.0)

    z = integrate.cubature(unnorm, [-np.inf, 0.0], [np.inf, np.inf], rtol=1e-10).estimate
    pts = np.array([[-0.6, 1.2], [-0.2, 2.0], [-1.0, 0.9]])
    assert np.allclose(fit.pdf(pts[:, 0], pts[:, 1]), unnorm(pts) / z, rtol=1e-7)
    m, k, al, be = (fit.params[q] for q in ("m", "kappa", "alpha", "beta"))
    scale = math.sqrt(be * (k + 1) / (al * k))
    grid = np.array([-2.0, -0.5, 1.0])
    assert np.allclose(fit.predictive(grid), st.t.pdf(grid, 2 * al, m, scale), rtol=1e-10)
    assert fit.map == pytest.approx({"mu": m, "v": be / (al + 1.5)}, rel=1e-13)


def test_normal_inverse_gamma_numerically_sound_far_from_zero(normal_inverse_gamma):
    x = np.array([1e7 + 0.2] + [1e7 + 0.1, 1e7 + 0.3] * 500)  # NumAcc4 style
    fit = normal_inverse_gamma.update(x, m_0=1e7, kappa_0=1.0, a_0=2.0, b_0=1.0)
    nobs, mean = len(x), 1e7 + 0.2
    expected = 1.0 + 0.5 * 1000 * 0.01 + nobs * (mean - 1e7) ** 2 / (2 * (1 + nobs))
    assert math.isclose(fit.params["beta"], expected, rel_tol=1e-7)
    assert math.isclose(fit.params["m"] - 1e7, nobs * 0.2 / (1 + nobs), rel_tol=1e-7)
    m, k, al, be = (fit.params[q] for q in ("m", "kappa", "alpha", "beta"))
    grid = 1e7 + np.array([0.1, 0.2, 0.35])
    ref = st.t.pdf(grid, 2 * al, m, math.sqrt(be * (k + 1) / (al * k)))
    assert np.allclose(fit.predictive(grid), ref, rtol=1e-9)


def test_dirichlet_update_from_labels_and_one_hot(dirichlet_categorical):
    labels = np.array([0, 2, 2, 1, 2, 0, 2])
    prior = {"alpha1": 1.0, "alpha2": 2.0, "alpha3": 1.5}
    fit = dirichlet_categorical.update(labels, **prior)
    one_hot = dirichlet_categorical.update(np.eye(3)[labels], prior)
    alpha = np.array([1.0 + 2, 2.0 + 1, 1.5 + 4])
    assert np.allclose(fit.params["alpha"], alpha) and np.allclose(one_hot.params["alpha"], alpha)
    pts = st.dirichlet(alpha).rvs(size=4, random_state=np.random.default_rng(6))
    assert np.allclose(fit.pdf(*pts.T), st.dirichlet(alpha).pdf(pts.T), rtol=1e-10)
    assert fit.map == pytest.approx(
        dict(zip(("theta1", "theta2", "theta3"), (alpha - 1) / (alpha.sum() - 3), strict=True))
    )
    assert math.isclose(float(fit.predictive(0, 0, 1)), alpha[2] / alpha.sum(), rel_tol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_every_posterior_checks_itself(name, request):
    post = request.getfixturevalue(name)
    verdict = post.verify()
    assert verdict, verdict
    assert "quadrature" in verdict.notes[0]


def test_map_is_nan_without_an_interior_mode(beta_bernoulli):
    fit = beta_bernoulli.update([0, 0, 0], a=0.5, b=1.0)
    assert math.isnan(fit.map["theta"])


# ===========================================================================
# Errors
# ===========================================================================
def test_errors(beta_bernoulli, beta_binomial, gamma_poisson, dirichlet_categorical):
    with pytest.raises(NoClosedFormError, match=r"the posterior kernel is not Beta.*not conjugate"):
        conjugate_posterior(ss.Poisson("X", lam), ss.Beta("lambda", a, b))
    with pytest.raises(NoClosedFormError, match="it is not a Beta, Gamma"):
        conjugate_posterior(ss.Poisson("X", lam), sp.exp(-(lam**4)))
    with pytest.raises(ArgumentError, match="its name 'mu' must be a parameter"):
        conjugate_posterior(ss.Poisson("X", lam), ss.Gamma("mu", a, b))
    with pytest.raises(ArgumentError, match=r"give values for \['a', 'b'\]"):
        beta_bernoulli.update([1, 0, 1])
    with pytest.raises(ArgumentError, match=r"support: 2 at position 1; .* one of 0, 1"):
        beta_bernoulli.update([1, 2, 0], a=1, b=1)
    with pytest.raises(ArgumentError, match=r"nan at position 2"):
        gamma_poisson.update([1, 2, np.nan], a=1, b=1)
    with pytest.raises(ArgumentError, match="c=3 is not valid: 'c' is not a prior hyperparameter"):
        gamma_poisson.update([1, 2], a=1, b=1, c=3)
    with pytest.raises(ArgumentError, match="a=-1 is not valid: pass a finite number > 0"):
        gamma_poisson.update([1, 2], a=-1, b=1)
    with pytest.raises(ArgumentError, match=r"labels must be integers 0, ..., 2"):
        dirichlet_categorical.update([0, 3], alpha1=1, alpha2=1, alpha3=1)
    with pytest.raises(ShapeError, match=r"shape \(n, 3\)"):
        dirichlet_categorical.update(np.ones((2, 4)), alpha1=1, alpha2=1, alpha3=1)
    with pytest.raises(
        ArgumentError, match=r"values \[7.0\] at positions \[1\] have probability 0"
    ):
        beta_binomial.update([2, 7], a=1, b=3, N=5)
    with pytest.raises(ArgumentError, match=r"N=2\.5 is not valid: pass an integer"):
        beta_binomial.update([2, 1], a=1, b=1, N=2.5)
    with pytest.raises(ArgumentError, match="pass 1 parameter value"):
        beta_bernoulli.update([1], a=1, b=1).pdf(0.1, 0.2)


def test_verify_rejects_unknown_options(beta_bernoulli):
    rule = diagnostic_test(R(1, 100), R(99, 100), R(95, 100))
    with pytest.raises(ArgumentError, match=r"bogus=1 is not valid: .* accepts seed=, cases="):
        rule.verify(bogus=1)
    with pytest.raises(ArgumentError, match=r"bogus=1 is not valid: .* accepts seed=, nobs="):
        beta_bernoulli.verify(bogus=1)


def test_params_is_positional_as_in_mle(beta_binomial):
    x = sp.Symbol("x", integer=True, nonnegative=True)
    pmf = sp.binomial(N, x) * theta**x * (1 - theta) ** (N - x)
    prior = theta ** (a - 1) * (1 - theta) ** (b - 1) / sp.beta(a, b)
    positional = conjugate_posterior(pmf, prior, theta, var=x)
    assert positional.hyperparameters == beta_binomial.hyperparameters
    assert conjugate_posterior(pmf, prior, params=[theta], var=x) == positional


def test_budget_is_validated_and_bounds_the_derivation():
    with pytest.raises(ArgumentError, match="budget=0 is not valid"):
        bayes_rule({"A": R(1, 2), "B": R(1, 2)}, {"A": R(1, 3), "B": R(2, 3)}, budget=0)
    with pytest.raises(ArgumentError, match="budget=0 is not valid"):
        diagnostic_test(R(1, 100), R(99, 100), R(95, 100), budget=0)
    with pytest.raises(ArgumentError, match="budget=-1 is not valid"):
        conjugate_posterior(ss.Poisson("X", lam), ss.Gamma("lambda", a, 1 / b), budget=-1)
    with pytest.raises(NoClosedFormError, match=r"within 1e-06 s \(the budget\)"):
        conjugate_posterior(ss.Poisson("X", lam), ss.Gamma("lambda", a, 1 / b), budget=1e-6)
