"""Specifications of normal equations and logistic regression: maths, NIST data, statsmodels."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import scipy.special as sc
import statsmodels.api as sm
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from symml import (
    ArgumentError,
    ConvergenceWarning,
    LeastSquaresFit,
    LogisticFit,
    NoClosedFormError,
    NormalEquations,
    RankDeficientWarning,
    expit,
    fit_logistic,
    logistic_regression,
    normal_equations,
    to_numpy,
)

m, n = sp.symbols("m n", integer=True, positive=True)
X = sp.MatrixSymbol("X", m, n)
w = sp.MatrixSymbol("w", n, 1)
y = sp.MatrixSymbol("y", m, 1)
W = sp.MatrixSymbol("W", m, m)
Sigma = sp.MatrixSymbol("Sigma", m, m)
P = sp.MatrixSymbol("P", n, n)
w0 = sp.MatrixSymbol("w0", n, 1)
v = sp.MatrixSymbol("v", m, 1)
Q = sp.MatrixSymbol("Q", n, n)
t = sp.Symbol("t", real=True)
lam = sp.Symbol("lambda", positive=True)
mu = sp.Symbol("mu")  # no sign known: becomes an assumption
r = X * w - y
OLS = r.T * r


# -- the derivation: exact results ---------------------------------------------------
FAMILIES = [
    # (loss, solution, hessian, default args)
    (OLS, (X.T * X) ** -1 * X.T * y, 2 * X.T * X, [X, y]),
    (
        OLS + lam * w.T * w,
        (X.T * X + lam * sp.Identity(n)) ** -1 * X.T * y,
        2 * X.T * X + 2 * lam * sp.Identity(n),
        [X, y, lam],
    ),
    (r.T * W * r, (X.T * W * X) ** -1 * X.T * W * y, 2 * X.T * W * X, [X, y, W]),
    (
        r.T * Sigma**-1 * r,
        (X.T * Sigma**-1 * X) ** -1 * X.T * Sigma**-1 * y,
        2 * X.T * Sigma**-1 * X,
        [X, y, Sigma],
    ),
    (
        r.T * DiagMatrix(v) * r,
        (X.T * DiagMatrix(v) * X) ** -1 * X.T * DiagMatrix(v) * y,
        2 * X.T * DiagMatrix(v) * X,
        [X, v, y],
    ),
    (
        OLS + mu * (w - w0).T * P * (w - w0),
        (X.T * X + mu * P) ** -1 * (X.T * y + mu * P * w0),
        2 * X.T * X + 2 * mu * P,
        [X, w0, y, P, mu],
    ),
    (
        OLS / 2,
        (X.T * X) ** -1 * X.T * y,
        X.T * X,
        [X, y],
    ),
]


@pytest.mark.parametrize(("loss", "solution", "hessian", "args"), FAMILIES)
def test_normal_equations_of_each_family(loss, solution, hessian, args):
    ne = normal_equations(loss, w)
    assert isinstance(ne, NormalEquations)
    assert ne.result == sp.Eq(w, solution)
    assert sp.simplify((ne.hessian - hessian).doit()) == sp.ZeroMatrix(n, n)
    assert ne.default_args() == args
    assert ne.kind == "normal equations" and ne.wrt == (w,) and ne.source == loss


def test_a_trace_loss_and_a_scaled_loss():
    assert normal_equations(sp.Trace(OLS), w).result == sp.Eq(w, (X.T * X) ** -1 * X.T * y)
    mse = normal_equations(OLS / m, w)  # the mean: the size m cancels
    assert mse.result == sp.Eq(w, (X.T * X) ** -1 * X.T * y)


def test_the_issue_example():
    ne = normal_equations((X * w - y).T * (X * w - y), w)
    assert ne.result == sp.Eq(w, (X.T * X) ** -1 * X.T * y)
    assert ne.gradient.result == 2 * X.T * (X * w - y)


@pytest.mark.parametrize(("loss", "solution", "hessian", "args"), FAMILIES)
def test_each_family_verifies_numerically(loss, solution, hessian, args):
    assert normal_equations(loss, w).verify()


def test_steps_are_gradient_zero_rearrange_solve():
    ne = normal_equations(OLS + lam * w.T * w, w)
    *grad_steps, zero, rearrange, solve = ne.steps
    assert grad_steps[-1].expr == ne.gradient.result
    assert zero.lhs == ne.gradient.result and zero.expr == sp.ZeroMatrix(n, 1)
    assert zero.why.startswith("set the gradient to zero")
    H = X.T * X + lam * sp.Identity(n)
    assert rearrange.lhs == H * w and rearrange.expr == X.T * y
    assert rearrange.why.startswith("rearrange") and "divide by 2" in rearrange.why
    assert solve.lhs == w and solve.expr == H**-1 * X.T * y and solve.why.startswith("solve")
    latex = ne.latex()
    assert r"\left(\lambda I + X^{\top} X\right) w &= X^{\top} y" in latex


def test_assumptions_name_what_the_solution_needs():
    assert "mu >= 0" in normal_equations(OLS + mu * w.T * P * w, w).assumptions
    assert "W symmetric positive semi-definite" in normal_equations(r.T * W * r, w).assumptions
    assert (
        "Sigma symmetric positive definite" in normal_equations(r.T * Sigma**-1 * r, w).assumptions
    )
    assert "v >= 0 element-wise" in normal_equations(r.T * DiagMatrix(v) * r, w).assumptions
    assert normal_equations(OLS, w).assumptions == ("X.T*X invertible",)


@pytest.mark.parametrize(
    ("loss", "error", "match"),
    [
        (
            sp.OneMatrix(1, m) * (X * w).applyfunc(sp.Lambda(t, sp.exp(t))),
            NoClosedFormError,
            r"not quadratic in w.*not linear in w",
        ),
        (
            sp.OneMatrix(1, m) * (X * w).applyfunc(expit),
            NoClosedFormError,
            r"not quadratic in w.*no closed form.*fit_logistic",
        ),
        (y.T * X * w, NoClosedFormError, r"it is linear in w, so it has no minimum"),
        (-OLS, ArgumentError, r"Hessian -2\*X.T\*X is not positive semi-definite"),
        (OLS - 3 * w.T * w, ArgumentError, r"the term -3\*I has a negative coefficient"),
        (
            OLS + w.T * P * Q * w,  # quadratic, but P*Q + Q*P is not c*B.T*W*B
            ArgumentError,
            r"not of the form c\*B.T\*W\*B",
        ),
        (X * w, ArgumentError, r"f=X\*w is not valid: it is m x 1; pass a scalar"),
        (y.T * y, ArgumentError, r"it does not depend on w"),
        ("(X*w - y).T*(X*w - y)", ArgumentError, r"parse_expr"),
    ],
)
def test_losses_that_are_not_least_squares_are_refused(loss, error, match):
    with pytest.raises(error, match=match):
        normal_equations(loss, w)


@pytest.mark.parametrize("wrt", [X, sp.Symbol("w"), [w]])
def test_wrt_must_be_a_column(wrt):
    with pytest.raises(ArgumentError, match=r"wrt=.*column MatrixSymbol"):
        normal_equations(OLS, wrt)


# -- numbers: NIST StRD ------------------------------------------------------------
# Certified values from NIST StRD, Longley.dat (https://www.itl.nist.gov/div898/strd/),
# "Certified Regression Statistics"; the same figures are in statsmodels' own
# regression tests. (Unemployed and Armed.Forces are -2.02022980381683 and
# -1.03322686717359: the data are in thousands, 2356 not 235.6.)
LONGLEY_PARAMS = np.array(
    [
        -3482258.63459582,  # intercept
        15.0618722713733,  # GNP.deflator
        -0.358191792925910e-01,  # GNP
        -2.02022980381683,  # Unemployed
        -1.03322686717359,  # Armed.Forces
        -0.511041056535807e-01,  # Population
        1829.15146461355,  # Year
    ]
)
LONGLEY_STDERR = np.array(
    [
        890420.383607373,
        84.9149257747669,
        0.334910077722432e-01,
        0.488399681651699,
        0.214274163161675,
        0.226073200069370,
        455.478499142212,
    ]
)
LONGLEY_RESIDUAL_SD = 304.854073561965


def significant_digits(value: np.ndarray, certified: np.ndarray) -> np.ndarray:
    """The log relative error (LRE) NIST uses: correct significant digits."""
    return -np.log10(np.abs(value - certified) / np.abs(certified))


@pytest.fixture(scope="module")
def longley():
    data = sm.datasets.longley.load_pandas()
    return sm.add_constant(data.exog, prepend=True), data.endog


@pytest.fixture(scope="module")
def ols():
    return normal_equations(OLS, w)


def test_longley_to_at_least_seven_significant_digits(ols, longley):
    Xd, yd = longley
    fit = ols.fit(Xd, yd)
    assert np.all(significant_digits(fit.params, LONGLEY_PARAMS) >= 7)
    assert np.all(significant_digits(fit.stderr, LONGLEY_STDERR) >= 7)
    assert significant_digits(np.sqrt(fit.sigma2), LONGLEY_RESIDUAL_SD) >= 7
    solve = ols.to_numpy(args=[X, y])  # the same stable solver, as a plain function
    assert np.all(significant_digits(solve(Xd, yd), LONGLEY_PARAMS) >= 7)
    assert fit.rank == 7 and fit.df_resid == 9 and fit.method == "QR"


def test_wampler1_to_1e_minus_6(ols):
    x = np.arange(21.0)
    Xd = np.vander(x, 6, increasing=True)
    yd = 1 + x + x**2 + x**3 + x**4 + x**5
    fit = ols.fit(Xd, yd)
    np.testing.assert_allclose(fit.params, np.ones(6), rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.stderr, 0.0, atol=1e-6)  # certified: exact fit


# -- numbers: statsmodels ----------------------------------------------------------
def test_ols_matches_statsmodels(ols, longley):
    Xd, yd = longley
    fit = ols.fit(Xd, yd)
    res = sm.OLS(yd, Xd).fit()
    np.testing.assert_allclose(fit.params, res.params, rtol=1e-9)
    np.testing.assert_allclose(fit.stderr, res.bse, rtol=1e-9)
    np.testing.assert_allclose(fit.conf_int(0.1), res.conf_int(0.1), rtol=1e-9)
    np.testing.assert_allclose(fit.tvalues, res.tvalues, rtol=1e-9)
    assert fit.sigma2 == pytest.approx(res.scale, rel=1e-9)
    assert fit.names == ("const", "GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR")


def test_weighted_least_squares_matches_statsmodels_wls(longley):
    Xd, yd = longley
    weights = np.linspace(0.5, 2.0, len(yd))
    res = sm.WLS(yd, Xd, weights=weights).fit()
    vector = normal_equations(r.T * DiagMatrix(v) * r, w).fit(Xd, weights, yd)
    matrix = normal_equations(r.T * W * r, w).fit(Xd, yd, np.diag(weights))
    for fit in (vector, matrix):
        np.testing.assert_allclose(fit.params, res.params, rtol=1e-8)
        np.testing.assert_allclose(fit.stderr, res.bse, rtol=1e-8)


def test_generalised_least_squares_matches_statsmodels_gls():
    rng = np.random.default_rng(4)
    Xd = np.c_[np.ones(30), rng.standard_normal((30, 2))]
    idx = np.arange(30)
    cov = 0.6 ** np.abs(idx[:, None] - idx[None, :])  # AR(1) correlation
    yd = Xd @ [1.0, 2.0, -1.0] + np.linalg.cholesky(cov) @ rng.standard_normal(30)
    res = sm.GLS(yd, Xd, sigma=cov).fit()
    fit = normal_equations(r.T * Sigma**-1 * r, w).fit(Xd, yd, cov)
    np.testing.assert_allclose(fit.params, res.params, rtol=1e-9)
    np.testing.assert_allclose(fit.stderr, res.bse, rtol=1e-9)


def test_ridge_is_the_augmented_least_squares_problem(longley):
    Xd, yd = longley
    Xs = (Xd - Xd.mean()) / Xd.std()
    Xs["const"] = 1.0
    ridge = normal_equations(OLS + lam * w.T * w, w)
    got = ridge.to_numpy()(Xs, yd, 2.5)
    aug = np.linalg.lstsq(np.vstack([Xs, np.sqrt(2.5) * np.eye(7)]), np.r_[yd, np.zeros(7)])[0]
    np.testing.assert_allclose(got, aug, rtol=1e-10)
    np.testing.assert_allclose(ridge.fit(Xs, yd, 2.5).params, aug, rtol=1e-10)
    with pytest.raises(ArgumentError, match=r"lambda=-1.0 is not valid: it must be >= 0"):
        ridge.to_numpy()(Xs, yd, -1.0)


def test_fit_of_a_rank_deficient_design_warns_and_reports_the_rank(ols):
    Xd = np.c_[np.ones(6), np.arange(6.0), 2 * np.arange(6.0)]
    with pytest.warns(RankDeficientWarning, match="rank 2 < 3"):
        fit = ols.fit(Xd, 1 + np.arange(6.0))
    assert isinstance(fit, LeastSquaresFit) and fit.rank == 2 and fit.method == "SVD"
    np.testing.assert_allclose(Xd @ fit.params, 1 + np.arange(6.0), atol=1e-12)


def test_conf_int_rejects_a_bad_level(ols):
    fit = ols.fit(np.c_[np.ones(4), np.arange(4.0)], np.array([1.0, 3.0, 5.0, 8.0]))
    with pytest.raises(ArgumentError, match=r"alpha=1.5 is not valid"):
        fit.conf_int(1.5)


# -- logistic regression -----------------------------------------------------------
@pytest.fixture(scope="module")
def lr():
    return logistic_regression()


@pytest.fixture(scope="module")
def spector():
    data = sm.datasets.spector.load_pandas()
    return sm.add_constant(data.exog, prepend=True), data.endog


def test_logistic_gradient_and_hessian_in_matrix_form(lr):
    Xs, ys, ws = lr.symbols
    assert (Xs.shape, ys.shape, ws.shape) == ((m, n), (m, 1), (n, 1))
    rng = np.random.default_rng(6)
    Xd, wd, yd = rng.standard_normal((40, 3)), rng.standard_normal(3), rng.random(40) < 0.5
    s = sc.expit(Xd @ wd)
    args = [Xs, ys, ws]
    np.testing.assert_allclose(to_numpy(lr.gradient.result, args)(Xd, yd, wd), Xd.T @ (s - yd))
    np.testing.assert_allclose(
        to_numpy(lr.hessian.result, args)(Xd, yd, wd), Xd.T @ (Xd * (s * (1 - s))[:, None])
    )
    loss = to_numpy(lr.loss, args)(Xd, yd, wd)
    assert loss == pytest.approx(-np.sum(yd * np.log(s) + (1 - yd) * np.log(1 - s)))
    assert lr.gradient.verify() and lr.hessian.verify()
    assert not lr.gradient.result.atoms(sp.MatrixSymbol) - {Xs, ws, ys}


def test_newton_step_code_shares_the_sigmoid_and_broadcasts_the_diagonal(lr):
    code = lr.to_numpy().__doc__.split("Source code")[1]
    assert code.count("expit(") == 1 and code.count("X @ w") == 1
    assert "_solve(" in code and "_inv(" not in code and "_diagflat" not in code
    assert lr.result.lhs.name == "w_new" and lr.default_args() == list(lr.symbols)


def test_logistic_fit_matches_statsmodels_logit_on_spector(spector):
    Xd, yd = spector
    fit = fit_logistic(Xd, yd)
    res = sm.Logit(yd, Xd).fit(disp=0, tol=1e-12, maxiter=100)
    assert isinstance(fit, LogisticFit) and fit.converged
    np.testing.assert_allclose(fit.params, res.params, rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.stderr, res.bse, rtol=0, atol=1e-6)
    np.testing.assert_allclose(fit.params, res.params, rtol=1e-9)
    np.testing.assert_allclose(fit.stderr, res.bse, rtol=1e-9)
    assert fit.loglike == pytest.approx(res.llf, rel=1e-12)
    assert fit.names == ("const", "GPA", "TUCE", "PSI")
    np.testing.assert_allclose(fit.predict(Xd), res.predict(Xd), rtol=1e-9)


def test_logistic_fit_from_a_start_and_with_proportions(lr, spector):
    Xd, yd = spector
    fit = lr.fit(Xd.to_numpy(), yd.to_numpy(), start=np.ones(4) * 0.1)
    assert fit.converged and fit.n_iter < 20
    half = lr.fit(np.ones((4, 1)), np.array([0.25, 0.5, 0.75, 0.5]))
    assert half.params[0] == pytest.approx(0.0, abs=1e-12)


def test_separable_classes_do_not_converge():
    Xd = np.c_[np.ones(4), [-2.0, -1.0, 1.0, 2.0]]
    with pytest.warns(ConvergenceWarning, match="did not converge in 5 iterations.*separable"):
        fit = fit_logistic(Xd, np.array([0.0, 0.0, 1.0, 1.0]), max_iter=5)
    assert not fit.converged and fit.n_iter == 5


@pytest.mark.parametrize(
    ("Xd", "yd", "match"),
    [
        (np.ones((3, 2)), np.array([0.0, 1.0, 2.0]), r"y=.*labels must lie in \[0, 1\]"),
        (np.ones((3, 2)), np.array([0.0, 1.0]), r"y=.*pass 3 labels"),
        (np.ones(3), np.array([0.0, 1.0, 1.0]), r"X=.*2-D design matrix"),
        (np.ones((3, 2)), np.array([0.0, 1.0, 1.0]), r"Hessian .* is singular.*collinear"),
    ],
)
def test_logistic_fit_errors(Xd, yd, match):
    with pytest.raises(ArgumentError, match=match):
        fit_logistic(Xd, yd)


def test_logistic_regression_symbols_are_checked():
    with pytest.raises(ArgumentError, match=r"w=.*MatrixSymbol"):
        logistic_regression(w=sp.Symbol("w"))
    with pytest.raises(ArgumentError, match=re.escape("shapes must be X: m x n")):
        logistic_regression(X=sp.MatrixSymbol("X", n, n), w=w, y=y)


def test_logistic_regression_takes_X_y_w_like_fit_logistic():
    Xs, ys, ws = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("y", m, 1), sp.MatrixSymbol("w", n, 1)
    new = logistic_regression(Xs, ys, ws)
    assert new.default_args() == [Xs, ys, ws]
    with pytest.warns(DeprecationWarning, match=r"logistic_regression\(X, w, y\) is deprecated"):
        old = logistic_regression(Xs, ws, ys)
    assert old.result == new.result and old.default_args() == [Xs, ys, ws]
    assert logistic_regression(X=Xs, w=ws, y=ys).result == new.result


def test_normal_equations_takes_f_and_a_budget():
    assert normal_equations(OLS, w, budget=5).result == sp.Eq(w, (X.T * X) ** -1 * X.T * y)
    with pytest.warns(DeprecationWarning, match=r"loss=\.\.\.\) is deprecated.*f="):
        assert normal_equations(loss=OLS, wrt=w).result == normal_equations(OLS, w).result
    with pytest.raises(ArgumentError, match=r"budget=0 is not valid"):
        normal_equations(OLS, w, budget=0)


def test_verify_rejects_unknown_options():
    with pytest.raises(ArgumentError, match=r"bogus=1 is not valid.*accepts"):
        normal_equations(OLS, w).verify(bogus=1)
    assert normal_equations(OLS, w).verify(points=1, seed=3)


# -- bad data and degenerate standard errors ----------------------------------------
ROWS_FIX = (
    r"the fit needs finite numbers; drop the rows that hold them from every data array alike "
    r"\(keep = np\.isfinite\(X\)\.all\(axis=1\) & np\.isfinite\(y\); fit\(X\[keep\], y\[keep\]\)\) "
    r"or impute them$"
)
LINE_X = np.c_[np.ones(4), [0.0, 1, 2, 3]]
LINE_Y = np.array([1.0, 3.1, 4.9, 7.0])


def with_value(a, index, value):
    out = np.array(a, dtype=float)
    out[index] = value
    return out


@pytest.mark.parametrize(
    ("Xd", "yd", "match"),
    [
        (
            with_value(LINE_X, (2, 1), np.nan),
            LINE_Y,
            r"^X has 1 non-finite value \(1 NaN\) at \(2, 1\): ",
        ),
        (
            LINE_X,
            with_value(LINE_Y, 1, np.inf),
            r"^y has 1 non-finite value \(1 inf\) at index 1: ",
        ),
        (
            with_value(with_value(LINE_X, (0, 0), -np.inf), (3, 1), np.nan),
            LINE_Y,
            r"^X has 2 non-finite values \(1 NaN, 1 inf\) at \(0, 0\), \(3, 1\): ",
        ),
    ],
)
def test_nan_and_inf_in_least_squares_data_name_the_argument_and_positions(ols, Xd, yd, match):
    with pytest.raises(ArgumentError, match=match + ROWS_FIX):
        ols.fit(Xd, yd)
    with pytest.raises(ArgumentError, match=match):
        ols.fit(pd.DataFrame(Xd), pd.Series(yd))


def test_nan_in_a_ridge_penalty_names_the_penalty():
    ridge = normal_equations(OLS + lam * w.T * w, w)
    with pytest.raises(ArgumentError, match=r"^lambda has 1 non-finite value \(1 NaN\) at index "):
        ridge.fit(LINE_X, LINE_Y, np.array([np.nan]))
    with pytest.raises(
        ArgumentError, match=r"lambda .*: the fit needs finite numbers; pass finite"
    ):
        ridge.fit(LINE_X, LINE_Y, np.nan)


LOGIT_X = np.c_[np.ones(6), [0.0, 1, 2, 3, 4, 5]]
LOGIT_Y = np.array([0.0, 0, 1, 0, 1, 1])


@pytest.mark.parametrize(
    ("Xd", "yd", "match"),
    [
        (
            with_value(LOGIT_X, (3, 1), np.nan),
            LOGIT_Y,
            r"^X has 1 non-finite value \(1 NaN\) at \(3, 1\): ",
        ),
        (
            with_value(LOGIT_X, (3, 1), np.inf),
            LOGIT_Y,
            r"^X has 1 non-finite value \(1 inf\) at \(3, 1\): ",
        ),
        (
            LOGIT_X,
            with_value(LOGIT_Y, 2, np.nan),
            r"^y has 1 non-finite value \(1 NaN\) at index 2: ",
        ),
    ],
)
def test_nan_and_inf_in_logistic_data_name_the_argument_and_positions(Xd, yd, match):
    with pytest.raises(ArgumentError, match=match + ROWS_FIX):
        fit_logistic(Xd, yd)


def test_as_many_rows_as_columns_gives_nan_standard_errors_with_a_note(ols):
    with pytest.warns(UserWarning, match=r"no residual degrees of freedom \(2 data rows, rank 2\)"):
        fit = ols.fit(LINE_X[:2], LINE_Y[:2])
    np.testing.assert_allclose(fit.params, [1.0, 2.1])
    assert fit.df_resid == 0 and np.isnan(fit.stderr).all() and np.isnan(fit.sigma2)
    assert len(fit.notes) == 1 and "add rows or remove columns" in fit.notes[0]


def test_tiny_columns_give_finite_standard_errors_and_a_note_on_cov(ols):
    plain = ols.fit(LINE_X, LINE_Y)
    assert plain.notes == ()
    with pytest.warns(UserWarning, match=r"cov overflows float64 \(inf entries\).*rescale X"):
        tiny = ols.fit(LINE_X * 1e-200, LINE_Y)
    np.testing.assert_allclose(tiny.params, plain.params * 1e200, rtol=1e-12)
    np.testing.assert_allclose(tiny.stderr, plain.stderr * 1e200, rtol=1e-12)
    assert np.isinf(tiny.cov).all() and tiny.sigma2 == pytest.approx(plain.sigma2, rel=1e-12)
    assert tiny.rank == 2 and len(tiny.notes) == 1


# -- one feature, one weight --------------------------------------------------------
def test_least_squares_with_one_feature_is_the_closed_form(ols):
    xd, yd = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 4.1, 5.9, 8.2])
    fit = ols.fit(xd[:, None], yd)
    slope = xd @ yd / (xd @ xd)
    sigma2 = np.sum((yd - slope * xd) ** 2) / 3
    np.testing.assert_allclose(fit.params, [slope], rtol=1e-14)
    np.testing.assert_allclose(fit.stderr, [np.sqrt(sigma2 / (xd @ xd))], rtol=1e-12)
    assert fit.cov.shape == (1, 1) and fit.rank == 1 and fit.df_resid == 3
    assert ols.to_numpy()(xd[:, None], yd) == pytest.approx([slope])
    res = sm.OLS(yd, xd[:, None]).fit()
    np.testing.assert_allclose(fit.stderr, res.bse, rtol=1e-12)


def test_logistic_regression_with_one_weight_matches_statsmodels():
    xd = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 0.0, 1.5])
    yd = np.array([0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0])
    fit = fit_logistic(xd[:, None], yd)
    res = sm.Logit(yd, xd[:, None]).fit(disp=0, tol=1e-12)
    assert fit.converged and fit.params.shape == (1,) and fit.cov.shape == (1, 1)
    np.testing.assert_allclose(fit.params, res.params, rtol=1e-9)
    np.testing.assert_allclose(fit.stderr, res.bse, rtol=1e-9)
    assert fit.loglike == pytest.approx(res.llf, rel=1e-12) and fit.notes == ()
    # the score is zero at the estimate: sum x (y - sigma(w x)) = 0
    assert xd @ (yd - sc.expit(fit.params[0] * xd)) == pytest.approx(0.0, abs=1e-10)


def test_fit_with_missing_or_extra_data_names_the_symbols(ols):
    head = r"^NormalEquations\.fit takes \(X, y\), one array per symbol in this order; "
    with pytest.raises(ArgumentError, match=head + r"got 1 argument: missing y$"):
        ols.fit(LINE_X)
    with pytest.raises(ArgumentError, match=head + r"got 3 arguments: 1 argument too many$"):
        ols.fit(LINE_X, LINE_Y, LINE_Y)


def test_logistic_fit_with_tiny_columns_scales_them_and_notes_the_covariance():
    plain = fit_logistic(LOGIT_X, LOGIT_Y)
    assert plain.notes == ()
    with pytest.warns(UserWarning, match=r"cov overflows float64 \(inf entries\).*rescale X"):
        tiny = fit_logistic(LOGIT_X * 1e-200, LOGIT_Y)
    assert tiny.converged and len(tiny.notes) == 1 and np.isinf(tiny.cov).all()
    np.testing.assert_allclose(tiny.params, plain.params * 1e200, rtol=1e-9)
    np.testing.assert_allclose(tiny.stderr, plain.stderr * 1e200, rtol=1e-9)
    assert tiny.loglike == pytest.approx(plain.loglike, rel=1e-12)
    huge = fit_logistic(LOGIT_X * np.array([1.0, 1e150]), LOGIT_Y)  # cov 1e-300: finite
    np.testing.assert_allclose(huge.params, plain.params / [1.0, 1e150], rtol=1e-9)
    assert huge.notes == ()


def test_ridge_and_weighted_least_squares_with_one_feature():
    xd, yd = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 4.1, 5.9, 8.2])
    ridge = normal_equations(OLS + lam * w.T * w, w).fit(xd[:, None], yd, 2.0)
    np.testing.assert_allclose(ridge.params, [xd @ yd / (xd @ xd + 2.0)], rtol=1e-14)
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    wls = normal_equations(r.T * DiagMatrix(v) * r, w).fit(xd[:, None], weights, yd)  # [X, v, y]
    expected = (weights * xd) @ yd / ((weights * xd) @ xd)
    np.testing.assert_allclose(wls.params, [expected], rtol=1e-14)
    assert ridge.cov.shape == wls.cov.shape == (1, 1)
