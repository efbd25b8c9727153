"""Multivariate Gaussians: density, marginals, conditionals, products, KL divergence, entropy.

Each result is checked symbolically (the textbook closed form) and numerically against
SciPy computed here, independently of symml's own ``verify()``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
import sympy as sp
import sympy.stats as ss
from scipy.integrate import quad

import symml

SIGMA = sp.Matrix([[2, 1, 0, 0], [1, 2, 1, 0], [0, 1, 2, 1], [0, 0, 1, 2]])
MEAN = [1, 2, 3, 0]


def _logpdf(G, values=None):
    """The derived log-density as a NumPy function of the points (rows)."""
    expr = G.log_pdf.subs(values or {})
    f = sp.lambdify(list(G.x), expr, "numpy")
    return lambda pts: np.broadcast_to(f(*pts.T), (pts.shape[0],))


def _points(k, n=12, seed=0):
    return np.random.default_rng(seed).normal(size=(n, k)) * 1.5


# -- gaussian -------------------------------------------------------------------------
def test_gaussian_fields_and_density_match_scipy():
    G = symml.gaussian(MEAN, SIGMA)
    assert isinstance(G, symml.Derivation)
    assert G.mean == sp.Matrix(MEAN) and G.cov == SIGMA
    assert G.x.shape == (4, 1) and all(isinstance(s, sp.Symbol) for s in G.x)
    pts = _points(4)
    ref = st.multivariate_normal(MEAN, np.array(SIGMA, dtype=float)).logpdf(pts)
    np.testing.assert_allclose(_logpdf(G)(pts), ref, rtol=1e-12)
    assert sp.simplify(G.result - sp.exp(G.log_pdf)) == 0
    assert G.verify()


def test_one_dimensional_gaussian_is_the_textbook_normal():
    mu, x = sp.Symbol("mu", real=True), sp.Symbol("x", real=True)
    s = sp.Symbol("s", positive=True)
    G = symml.gaussian([mu], [[s**2]], x=[x])
    expected = -((x - mu) ** 2) / (2 * s**2) - sp.log(s) - sp.log(2 * sp.pi) / 2
    assert sp.simplify(sp.expand_log(G.log_pdf - expected, force=True)) == 0
    assert G.verify()


def test_symbolic_covariance_verifies_and_matches_scipy_at_values():
    s, r = sp.Symbol("s", positive=True), sp.Symbol("rho", real=True)
    G = symml.gaussian([0, 1], sp.Matrix([[s**2, r], [r, 1]]))
    vals = {s: 1.3, r: 0.4}
    pts = _points(2)
    ref = st.multivariate_normal([0, 1], [[1.69, 0.4], [0.4, 1]]).logpdf(pts)
    np.testing.assert_allclose(_logpdf(G, vals)(pts), ref, rtol=1e-10)
    assert G.verify()


# -- marginal and condition -------------------------------------------------------------
def test_marginal_takes_the_sub_vector_and_sub_block():
    G = symml.gaussian(MEAN, SIGMA)
    M = G.marginal([0, 2])
    assert M.mean == sp.Matrix([1, 3]) and M.cov == sp.Matrix([[2, 0], [0, 2]])
    assert list(M.x) == [G.x[0], G.x[2]]
    pts = _points(2)
    ref = st.multivariate_normal([1, 3], [[2, 0], [0, 2]]).logpdf(pts)
    np.testing.assert_allclose(_logpdf(M)(pts), ref, rtol=1e-12)
    assert M.verify()


def test_condition_is_joint_over_marginal_and_shows_the_schur_complement():
    b = sp.Symbol("b", real=True)
    G = symml.gaussian(MEAN, SIGMA)
    C = G.condition({2: sp.Rational(3, 2), 3: b})
    # textbook formula with exact numbers
    S = SIGMA
    gain = S[:2, 2:] * S[2:, 2:].inv()
    assert C.mean == sp.Matrix([1, 2]) + gain * (
        sp.Matrix([sp.Rational(3, 2), b]) - sp.Matrix([3, 0])
    )
    assert C.cov == S[:2, :2] - gain * S[2:, :2]
    # numerically: log p(x_a | x_b) = log p(x_a, x_b) - log p(x_b), SciPy
    bv = 0.7
    pts = _points(2)
    joint = st.multivariate_normal(MEAN, np.array(S, dtype=float))
    full = np.column_stack([pts, np.full(len(pts), 1.5), np.full(len(pts), bv)])
    ref = joint.logpdf(full) - st.multivariate_normal([3, 0], [[2, 1], [1, 2]]).logpdf([1.5, bv])
    np.testing.assert_allclose(_logpdf(C, {b: bv})(pts), ref, rtol=1e-10)
    whys = " ".join(s.why for s in C.steps)
    assert "Schur complement" in whys and "complete the square" in whys
    assert "Sigma_{ab}" in C.latex() or r"\Sigma_{ab}" in C.latex()
    assert C.verify()


def test_one_dimensional_condition_of_a_bivariate_normal():
    rho = sp.Rational(1, 2)
    G = symml.gaussian([0, 0], sp.Matrix([[1, rho], [rho, 1]]))
    C = G.condition({1: 2})
    assert C.mean == sp.Matrix([1]) and C.cov == sp.Matrix([[sp.Rational(3, 4)]])


# -- product --------------------------------------------------------------------------------
def test_product_of_gaussians_completes_the_square():
    A, B = sp.Matrix([[2, 1], [1, 2]]), sp.Matrix([[1, 0], [0, 3]])
    a, b = [1, 0], [0, 2]
    P = symml.gaussian_product(symml.gaussian(a, A), symml.gaussian(b, B))
    An, Bn = np.array(A, dtype=float), np.array(B, dtype=float)
    Cn = np.linalg.solve(np.linalg.solve(An, np.eye(2)) + np.linalg.solve(Bn, np.eye(2)), np.eye(2))
    mn = Cn @ (np.linalg.solve(An, a) + np.linalg.solve(Bn, b))
    np.testing.assert_allclose(np.array(P.cov, dtype=float), Cn, rtol=1e-12)
    np.testing.assert_allclose(np.array(P.mean, dtype=float).ravel(), mn, rtol=1e-12)
    c = st.multivariate_normal(b, An + Bn).pdf(a)
    assert float(P.scale) == pytest.approx(c, rel=1e-12)
    pts = _points(2)
    lhs = st.multivariate_normal(a, An).logpdf(pts) + st.multivariate_normal(b, Bn).logpdf(pts)
    np.testing.assert_allclose(np.log(c) + _logpdf(P)(pts), lhs, rtol=1e-10)
    assert "matrix inversion lemma" in " ".join(s.why for s in P.steps)
    assert P.verify()


def test_product_in_one_dimension():
    P = symml.gaussian_product(symml.gaussian([0], [[1]]), symml.gaussian([2], [[1]]))
    assert P.mean == sp.Matrix([1]) and P.cov == sp.Matrix([[sp.Rational(1, 2)]])
    assert sp.simplify(P.scale - sp.exp(-1) / (2 * sp.sqrt(sp.pi))) == 0


# -- KL divergence and entropy of Gaussians ----------------------------------------------------
def test_kl_between_gaussians_matches_the_closed_form_and_monte_carlo():
    Sp_, Sq = np.array([[2.0, 0.5], [0.5, 1.0]]), np.array([[1.0, 0.0], [0.0, 3.0]])
    mp, mq = np.array([1.0, 0.0]), np.array([0.0, 2.0])
    kl = symml.kl_divergence(
        symml.gaussian([1, 0], sp.Matrix([[2, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]])),
        symml.gaussian([0, 2], sp.Matrix([[1, 0], [0, 3]])),
    )
    Sqi = np.linalg.inv(Sq)
    d = mq - mp
    closed = 0.5 * (
        np.trace(Sqi @ Sp_) + d @ Sqi @ d - 2 + np.log(np.linalg.det(Sq) / np.linalg.det(Sp_))
    )
    assert float(kl.result) == pytest.approx(closed, rel=1e-12)
    rng = np.random.default_rng(1)
    p, q = st.multivariate_normal(mp, Sp_), st.multivariate_normal(mq, Sq)
    xs = p.rvs(size=400_000, random_state=rng)
    assert float(kl.result) == pytest.approx(np.mean(p.logpdf(xs) - q.logpdf(xs)), abs=0.02)
    assert "expectation of a quadratic form" in " ".join(s.why for s in kl.steps)
    assert kl.verify()


def test_kl_of_one_dimensional_gaussians_symbolic():
    m1, m2 = sp.symbols("m1 m2", real=True)
    s1, s2 = sp.symbols("s1 s2", positive=True)
    kl = symml.kl_divergence(symml.gaussian([m1], [[s1**2]]), symml.gaussian([m2], [[s2**2]]))
    expected = sp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - sp.Rational(1, 2)
    assert sp.simplify(sp.expand_log(kl.result - expected, force=True)) == 0
    assert kl.verify()


def test_entropy_of_a_gaussian_matches_scipy():
    H = symml.entropy(symml.gaussian(MEAN, SIGMA))
    ref = st.multivariate_normal(MEAN, np.array(SIGMA, dtype=float)).entropy()
    assert float(H.result) == pytest.approx(ref, rel=1e-12)
    assert H.verify()
    s = sp.Symbol("s", positive=True)
    H1 = symml.entropy(symml.gaussian([0], [[s**2]]))
    assert (
        sp.simplify(sp.expand_log(H1.result - sp.log(2 * sp.pi * sp.E * s**2) / 2, force=True)) == 0
    )


# -- sympy.stats families -------------------------------------------------------------------------
a1, a2, b1, b2 = sp.symbols("a1 a2 b1 b2", positive=True)
l1, l2 = sp.symbols("l1 l2", positive=True)
m1, m2 = sp.symbols("m1 m2", real=True)
p_, q_ = sp.symbols("p q", positive=True)

FAMILY_CASES = {
    "Normal": (ss.Normal("X", m1, a1), ss.Normal("Y", m2, a2),
               {m1: 0.3, a1: 1.2, m2: -0.5, a2: 0.8},
               lambda v: (st.norm(0.3, 1.2), st.norm(-0.5, 0.8))),
    "Exponential": (ss.Exponential("X", l1), ss.Exponential("Y", l2), {l1: 1.5, l2: 0.7},
                    lambda v: (st.expon(scale=1 / 1.5), st.expon(scale=1 / 0.7))),
    "Gamma": (ss.Gamma("X", a1, b1), ss.Gamma("Y", a2, b2), {a1: 2.5, b1: 1.3, a2: 1.7, b2: 0.6},
              lambda v: (st.gamma(2.5, scale=1.3), st.gamma(1.7, scale=0.6))),
    "Beta": (ss.Beta("X", a1, b1), ss.Beta("Y", a2, b2), {a1: 2.5, b1: 1.3, a2: 1.7, b2: 3.0},
             lambda v: (st.beta(2.5, 1.3), st.beta(1.7, 3.0))),
}  # fmt: skip


@pytest.mark.parametrize("family", list(FAMILY_CASES))
def test_kl_and_entropy_of_continuous_families_match_scipy_quadrature(family):
    P, Q, vals, dists = FAMILY_CASES[family]
    p, q = dists(vals)
    kl = symml.kl_divergence(P, Q)
    assert kl.family == family
    lo, hi = p.support()
    ref, _ = quad(lambda t: p.pdf(t) * (p.logpdf(t) - q.logpdf(t)), lo, hi, limit=200)
    assert float(kl.result.subs(vals)) == pytest.approx(ref, rel=1e-7)
    assert "linearity of expectation" in " ".join(s.why for s in kl.steps)
    assert kl.verify()
    H = symml.entropy(P)
    assert float(H.result.subs(vals)) == pytest.approx(float(p.entropy()), rel=1e-9)
    assert H.verify()


def test_kl_of_normals_is_the_textbook_formula():
    kl = symml.kl_divergence(ss.Normal("X", m1, a1), ss.Normal("Y", m2, a2))
    expected = sp.log(a2 / a1) + (a1**2 + (m1 - m2) ** 2) / (2 * a2**2) - sp.Rational(1, 2)
    assert sp.simplify(sp.expand_log(kl.result - expected, force=True)) == 0


def test_kl_and_entropy_of_poisson():
    kl = symml.kl_divergence(ss.Poisson("X", l1), ss.Poisson("Y", l2))
    assert sp.simplify(sp.expand_log(kl.result - (l1 * sp.log(l1 / l2) - l1 + l2), force=True)) == 0
    ks = np.arange(0, 80)
    p, q = st.poisson(2.5), st.poisson(1.2)
    ref = float(np.sum(p.pmf(ks) * (p.logpmf(ks) - q.logpmf(ks))))
    assert float(kl.result.subs({l1: 2.5, l2: 1.2})) == pytest.approx(ref, rel=1e-10)
    H = symml.entropy(ss.Poisson("X", l1))
    assert H.result.has(sp.Sum)  # E[log X!] has no closed form
    assert H.verify()


def test_kl_and_entropy_of_bernoulli_and_categorical():
    kl = symml.kl_divergence(ss.Bernoulli("X", p_), ss.Bernoulli("Y", q_))
    v = {p_: 0.3, q_: 0.6}
    ref = 0.3 * np.log(0.3 / 0.6) + 0.7 * np.log(0.7 / 0.4)
    assert float(kl.result.subs(v)) == pytest.approx(ref, rel=1e-12)
    assert kl.verify()
    P = ss.FiniteRV("P", {0: sp.Rational(1, 2), 1: sp.Rational(1, 3), 2: sp.Rational(1, 6)})
    Q = ss.FiniteRV("Q", {0: sp.Rational(1, 3), 1: sp.Rational(1, 3), 2: sp.Rational(1, 3)})
    kl = symml.kl_divergence(P, Q)
    assert kl.family == "Categorical"
    assert float(kl.result) == pytest.approx(
        st.entropy([1 / 2, 1 / 3, 1 / 6], [1 / 3] * 3), rel=1e-12
    )
    H = symml.entropy(P)
    assert float(H.result) == pytest.approx(st.entropy([1 / 2, 1 / 3, 1 / 6]), rel=1e-12)


# -- errors ------------------------------------------------------------------------------
def test_covariance_not_positive_definite_names_the_eigenvalue():
    with pytest.raises(symml.ArgumentError, match=r"eigenvalue lambda_0 = -1 is not positive"):
        symml.gaussian([0, 0], sp.Matrix([[1, 2], [2, 1]]))


def test_covariance_not_symmetric():
    with pytest.raises(symml.ArgumentError, match=r"symmetric.*entry \(0, 1\)"):
        symml.gaussian([0, 0], sp.Matrix([[1, 0.5], [0, 1]]))


def test_mismatched_shapes_name_both():
    with pytest.raises(symml.ArgumentError, match=r"mean has 3 entries but cov has shape 2 x 2"):
        symml.gaussian([0, 0, 0], sp.eye(2))


def test_index_out_of_range():
    G = symml.gaussian(MEAN, SIGMA)
    with pytest.raises(symml.ArgumentError, match=r"index 4 is out of range .* 0 to 3"):
        G.marginal([0, 4])
    with pytest.raises(symml.ArgumentError, match=r"index 7 is out of range"):
        G.condition({7: 1.0})
    with pytest.raises(symml.ArgumentError, match="at least one variable free"):
        G.condition({0: 1, 1: 1, 2: 1, 3: 1})


def test_kl_between_different_families_is_refused():
    with pytest.raises(symml.ArgumentError, match=r"P is Normal but Q is Gamma"):
        symml.kl_divergence(ss.Normal("X", 0, 1), ss.Gamma("Y", 2, 1))
    with pytest.raises(symml.ArgumentError, match=r"P is Gaussian but Q is Normal"):
        symml.kl_divergence(symml.gaussian([0], [[1]]), ss.Normal("Y", 0, 1))
    with pytest.raises(symml.ArgumentError, match=r"P is over 1 variables but Q over 2"):
        symml.kl_divergence(symml.gaussian([0], [[1]]), symml.gaussian([0, 0], sp.eye(2)))


def test_text_is_refused_and_verify_refuses_unknown_options():
    with pytest.raises(symml.ArgumentError, match="not text"):
        symml.gaussian("0", [[1]])
    with pytest.raises(symml.ArgumentError, match="bogus"):
        symml.gaussian([0], [[1]]).verify(bogus=1)


def test_budget_is_keyword_only_everywhere():
    import inspect

    for f in (symml.gaussian, symml.gaussian_product, symml.kl_divergence, symml.entropy):
        p = inspect.signature(f).parameters["budget"]
        assert p.kind is inspect.Parameter.KEYWORD_ONLY and p.default == symml.DEFAULT_BUDGET


def test_symbolic_work_stays_within_the_budget():
    import time

    S = sp.Matrix(6, 6, lambda i, j: sp.Symbol(f"s{min(i, j)}{max(i, j)}"))
    start = time.monotonic()
    with pytest.raises(symml.BudgetExceededError, match="raise budget="):
        symml.gaussian([0] * 6, S, budget=2)
    assert time.monotonic() - start < 15


def test_every_result_renders_and_verifies_with_symbols_in_the_parent():
    a, s = sp.Symbol("a", real=True), sp.Symbol("s", positive=True)
    G1 = symml.gaussian([a, 0], sp.Matrix([[s**2, 0], [0, 1]]))
    G2 = symml.gaussian([0, 1], sp.eye(2))
    results = [
        G1,
        G1.marginal(1),  # no symbols left: the check still draws the parent's
        G1.condition({1: a}),
        symml.gaussian_product(G1, G2),
        symml.kl_divergence(G1, G2),
        symml.entropy(G1),
        symml.kl_divergence(ss.Beta("X", 2, 3), ss.Beta("Y", s, 2)),
    ]
    for d in results:
        assert r"\begin{align*}" in d.latex() and "$$" in d.markdown()
        assert d.verify(), d.kind
