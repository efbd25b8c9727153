"""Bayesian linear regression: the derived posterior, predictive and evidence, MAP = ridge,
and the numeric fit (Cholesky / augmented QR) against NumPy and SciPy references."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.stats import multivariate_normal

import symml


@pytest.fixture(scope="module")
def blr():
    return symml.bayesian_linear_regression()


def _data(n=9, d=3, seed=0):
    rng = np.random.default_rng(seed)
    Phi, y = rng.standard_normal((n, d)), rng.standard_normal(n)
    m0, phi = rng.standard_normal(d), rng.standard_normal(d)
    B = rng.standard_normal((d, d))
    return Phi, y, m0, B @ B.T + np.eye(d), 0.7, phi


def _conditioned(Phi, y, m0, S0, sigma):
    """Posterior by conditioning the joint Gaussian of (w, y) on y (the Woodbury form)."""
    C = sigma**2 * np.eye(len(y)) + Phi @ S0 @ Phi.T
    gain = np.linalg.solve(C, Phi @ S0).T
    return m0 + gain @ (y - Phi @ m0), S0 - gain @ Phi @ S0, C


def test_symbols_are_the_contract(blr):
    s = blr.symbols
    N, D = s.N, s.D
    assert (s.Phi.name, s.Phi.shape) == ("Phi", (N, D))
    assert (s.y.name, s.y.shape) == ("y", (N, 1))
    assert (s.m0.name, s.m0.shape) == ("m0", (D, 1))
    assert (s.S0.name, s.S0.shape) == ("S0", (D, D))
    assert (s.phi.name, s.phi.shape) == ("phi", (D, 1))
    assert s.sigma.name == "sigma" and s.sigma.is_positive
    assert "S0 symmetric positive definite" in blr.posterior_cov.assumptions


def test_posterior_is_the_textbook_closed_form(blr):
    s = blr.symbols
    SN = (s.S0.I + s.Phi.T * s.Phi / s.sigma**2).I
    assert blr.posterior_cov.result == SN
    assert blr.posterior_mean.result == SN * (s.S0.I * s.m0 + s.Phi.T * s.y / s.sigma**2)
    for d in (
        blr.posterior_mean,
        blr.posterior_cov,
        blr.predictive_mean,
        blr.predictive_var,
        blr.log_evidence,
    ):
        assert isinstance(d, symml.Derivation) and d.steps and d.latex()
        assert d.verify()


def test_results_evaluate_to_the_conditioned_joint_gaussian(blr):
    s = blr.symbols
    args = [s.Phi, s.y, s.m0, s.S0, s.sigma, s.phi]
    Phi, y, m0, S0, sigma, phi = _data()
    mean, cov, C = _conditioned(Phi, y, m0, S0, sigma)
    num = {
        k: symml.to_numpy(getattr(blr, k).result, args)
        for k in (
            "posterior_mean",
            "posterior_cov",
            "predictive_mean",
            "predictive_var",
            "log_evidence",
        )
    }
    inputs = (Phi, y, m0, S0, sigma, phi)
    np.testing.assert_allclose(np.ravel(num["posterior_mean"](*inputs)), mean, rtol=1e-10)
    np.testing.assert_allclose(num["posterior_cov"](*inputs), cov, rtol=1e-10, atol=1e-12)
    assert float(num["predictive_mean"](*inputs)) == pytest.approx(phi @ mean, rel=1e-10)
    assert float(num["predictive_var"](*inputs)) == pytest.approx(phi @ cov @ phi + sigma**2)
    ref = multivariate_normal(Phi @ m0, C).logpdf(y)
    assert float(num["log_evidence"](*inputs)) == pytest.approx(ref, rel=1e-10)


def test_steps_complete_the_square_and_use_the_inversion_lemma(blr):
    cov_whys = " ".join(st.why for st in blr.posterior_cov.steps)
    assert "complete the square" in cov_whys and "matrix inversion lemma" in cov_whys
    ev_whys = " ".join(st.why for st in blr.log_evidence.steps)
    assert "matrix inversion lemma" in ev_whys and "determinant lemma" in ev_whys


def test_map_is_ridge_symbolically(blr):
    s = blr.symbols
    last = blr.posterior_mean.steps[-1]
    assert "ridge" in last.why and "lambda = sigma^2 / tau^2" in last.why
    lam = sp.Symbol("lambda", positive=True)
    ridge = (s.Phi.T * s.Phi + lam * sp.Identity(s.D)).I * s.Phi.T * s.y
    assert last.expr == ridge
    tau = sp.Symbol("tau", positive=True)
    before = blr.posterior_mean.steps[-2].expr
    assert before == ridge.subs(lam, s.sigma**2 / tau**2)


def test_map_is_ridge_numerically(blr):
    Phi, y, *_ = _data(n=20, d=4, seed=3)
    tau2, s2 = 2.0, 0.5
    fit = blr.fit(Phi, y, noise_var=s2, prior_cov=tau2 * np.eye(4))
    lam = s2 / tau2
    ridge = np.linalg.solve(Phi.T @ Phi + lam * np.eye(4), Phi.T @ y)
    np.testing.assert_allclose(fit.mean, ridge, rtol=1e-12)


def test_fit_matches_scipy_and_numpy(blr):
    Phi, y, m0, S0, sigma, _ = _data(n=30, d=4, seed=1)
    fit = blr.fit(Phi, y, noise_var=sigma**2, prior_mean=m0, prior_cov=S0)
    mean, cov, C = _conditioned(Phi, y, m0, S0, sigma)
    np.testing.assert_allclose(fit.mean, mean, rtol=1e-11)
    np.testing.assert_allclose(fit.cov, cov, rtol=1e-10, atol=1e-13)
    assert fit.log_evidence == pytest.approx(multivariate_normal(Phi @ m0, C).logpdf(y), rel=1e-12)
    P_new = np.random.default_rng(9).standard_normal((5, 4))
    pm, pv = fit.predict(P_new)
    np.testing.assert_allclose(pm, P_new @ mean, rtol=1e-11)
    np.testing.assert_allclose(
        pv, np.einsum("ij,jk,ik->i", P_new, cov, P_new) + sigma**2, rtol=1e-11
    )
    assert fit.method == "cholesky"


def test_fit_defaults_are_zero_mean_and_identity_prior(blr):
    Phi, y, *_ = _data(n=12, d=3, seed=2)
    fit = blr.fit(Phi, y)
    mean, cov, _ = _conditioned(Phi, y, np.zeros(3), np.eye(3), 0.5)
    np.testing.assert_allclose(fit.mean, mean, rtol=1e-11)
    np.testing.assert_allclose(fit.cov, cov, rtol=1e-10, atol=1e-13)
    assert fit.noise_var == 0.25


def test_one_dimensional_fit_is_the_scalar_formula(blr):
    x, t = np.array([[2.0]]), np.array([3.0])
    fit = blr.fit(x, t, noise_var=0.5, prior_mean=[1.0], prior_cov=[[4.0]])
    prec = 1 / 4 + 2.0**2 / 0.5
    assert fit.cov[0, 0] == pytest.approx(1 / prec)
    assert fit.mean[0] == pytest.approx((1 / 4 * 1.0 + 2.0 * 3.0 / 0.5) / prec)
    ev = multivariate_normal(2.0, 0.5 + 4 * 2.0**2).logpdf(3.0)
    assert fit.log_evidence == pytest.approx(ev)
    _, var = fit.predict([[1.0]])
    assert var[0] == pytest.approx(1 / prec + 0.5)


def test_ill_conditioned_design_matches_augmented_qr_ridge(blr):
    x = np.linspace(0, 1, 60)
    Phi = np.vander(x, 16, increasing=True)  # condition number ~1e11
    y = np.sin(6 * x) + 0.01 * np.random.default_rng(0).standard_normal(60)
    tau2, s2 = 1e4, 1e-6
    fit = blr.fit(Phi, y, noise_var=s2, prior_cov=tau2 * np.eye(16))
    assert fit.method == "qr"
    Z = np.vstack([Phi, np.sqrt(s2 / tau2) * np.eye(16)])
    Q, R = np.linalg.qr(Z)
    ref = np.linalg.solve(R, Q.T @ np.r_[y, np.zeros(16)])
    np.testing.assert_allclose(fit.mean, ref, rtol=1e-8, atol=1e-8 * np.abs(ref).max())
    # the evidence against the dense N x N formula at 40 digits (SciPy's is singular here)
    import mpmath

    with mpmath.workdps(40):
        P, t = mpmath.matrix(Phi.tolist()), mpmath.matrix(y.tolist())
        C = s2 * mpmath.eye(60) + tau2 * P * P.T
        quad_form = (t.T * mpmath.lu_solve(C, t))[0]
        ref = -(60 * mpmath.log(2 * mpmath.pi) + mpmath.log(mpmath.det(C)) + quad_form) / 2
    assert fit.log_evidence == pytest.approx(float(ref), rel=1e-9)


def test_posterior_samples_have_the_posterior_moments(blr):
    Phi, y, m0, S0, sigma, _ = _data(n=15, d=2, seed=4)
    fit = blr.fit(Phi, y, noise_var=sigma**2, prior_mean=m0, prior_cov=S0)
    w = fit.sample(200_000, seed=0)
    np.testing.assert_allclose(
        w.mean(axis=0), fit.mean, atol=5 * np.sqrt(fit.cov.diagonal().max() / 2e5)
    )
    np.testing.assert_allclose(np.cov(w.T), fit.cov, rtol=0.02, atol=1e-4)


# -- errors --------------------------------------------------------------------------------
def test_mismatched_shapes_name_both(blr):
    with pytest.raises(symml.ArgumentError, match=r"Phi has 5 rows .* but y has shape \(4,\)"):
        blr.fit(np.ones((5, 2)), np.ones(4))
    with pytest.raises(
        symml.ArgumentError, match=r"D = 2 columns but prior_cov has shape \(3, 3\)"
    ):
        blr.fit(np.ones((5, 2)), np.ones(5), prior_cov=np.eye(3))
    with pytest.raises(symml.ArgumentError, match=r"D = 2 columns but prior_mean has shape \(3,\)"):
        blr.fit(np.ones((5, 2)), np.ones(5), prior_mean=np.zeros(3))
    fit = blr.fit(np.eye(2), np.ones(2))
    with pytest.raises(symml.ArgumentError, match=r"rows of 2 features"):
        fit.predict(np.ones((3, 3)))


def test_prior_cov_not_positive_definite_names_the_eigenvalue(blr):
    with pytest.raises(symml.ArgumentError, match=r"smallest eigenvalue is lambda_0 = -1"):
        blr.fit(np.eye(2), np.ones(2), prior_cov=[[1.0, 2.0], [2.0, 1.0]])


def test_bad_noise_and_data_are_refused(blr):
    with pytest.raises(symml.ArgumentError, match="noise_var"):
        blr.fit(np.eye(2), np.ones(2), noise_var=0.0)
    with pytest.raises(symml.ArgumentError, match="finite"):
        blr.fit(np.array([[1.0, np.nan], [0.0, 1.0]]), np.ones(2))
    with pytest.raises(symml.ArgumentError, match="bogus"):
        blr.posterior_mean.verify(bogus=1)


# -- the explorer ------------------------------------------------------------------------------
def test_explorer_shows_the_posterior_band_samples_and_evidence():
    from symml.widgets import explore_bayesian_regression

    rng = np.random.default_rng(5)
    xs = np.sort(rng.uniform(0.0, 4.0, 20))
    ys = np.cos(xs) + 0.1 * rng.standard_normal(20)
    e = explore_bayesian_regression(xs, ys, degree=(0, 6))
    e.set(alpha=0.5, sigma=0.3, d=4)
    assert sorted(e.sliders) == ["alpha", "d", "sigma"]
    ax, ax_ev = e.figure.axes
    t = (xs - (xs.min() + xs.max()) / 2) / (np.ptp(xs) / 2)  # features on [-1, 1]
    A = np.vander(t, 5, increasing=True)
    S0 = np.eye(5) / 0.5
    mean, cov, _ = _conditioned(A, ys, np.zeros(5), S0, 0.3)
    grid = ax.lines[0].get_xdata()
    G = np.vander((grid - (xs.min() + xs.max()) / 2) / (np.ptp(xs) / 2), 5, increasing=True)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), G @ mean, atol=1e-9)
    sd = np.sqrt(np.einsum("ij,jk,ik->i", G, cov, G) + 0.09)
    upper = ax.collections[1].get_paths()[0].vertices[:, 1].max()
    assert upper == pytest.approx(float(np.max(G @ mean + 2 * sd)), rel=1e-9)
    assert len(ax.lines) == 6  # mean + 5 posterior samples
    for k in range(7):
        Ak = np.vander(t, k + 1, increasing=True)
        C = 0.09 * np.eye(20) + Ak @ Ak.T / 0.5
        ref = multivariate_normal(np.zeros(20), C).logpdf(ys)
        assert ax_ev.lines[0].get_ydata()[k] == pytest.approx(ref, rel=1e-9)
    assert "S_N" in e.formula.value and r"\log p(y)" in e.formula.value


def test_explorer_refuses_bad_data():
    from symml.widgets import explore_bayesian_regression

    with pytest.raises(symml.ArgumentError, match="equal length"):
        explore_bayesian_regression([1, 2, 3], [1, 2])
    with pytest.raises(symml.ArgumentError, match="two distinct values"):
        explore_bayesian_regression([1, 1, 1], [1, 2, 3])
