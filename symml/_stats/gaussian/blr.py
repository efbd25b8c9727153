"""Bayesian linear regression in matrix form: posterior, predictive and evidence, with steps.

The steps complete the square, use the matrix inversion and determinant lemmas, and show that
the MAP estimate is ridge regression."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from ..._calculus import gradient, hessian
from ..._codegen import to_numpy
from ..._core import (
    CHECK_BUDGET,
    DEFAULT_BUDGET,
    Derivation,
    Step,
    Verdict,
    as_budget,
)
from ..._ml import normal_equations
from ._checks import first_failure, numeric_verdict
from ._forms import Scalar, Tex, quad
from .blr_fit import BLRFit, fit_blr

_CONST = Tex(r"\text{const}")


class BLRSymbols(NamedTuple):
    """The symbols of :func:`bayesian_linear_regression`."""

    Phi: sp.MatrixSymbol  # N x D design matrix
    y: sp.MatrixSymbol  # N x 1 targets
    m0: sp.MatrixSymbol  # D x 1 prior mean
    S0: sp.MatrixSymbol  # D x D prior covariance, symmetric positive definite
    phi: sp.MatrixSymbol  # D x 1 new input
    sigma: sp.Symbol  # noise standard deviation, positive
    N: sp.Symbol
    D: sp.Symbol
    w: sp.MatrixSymbol  # D x 1 weights


@cache
def blr_symbols() -> BLRSymbols:
    """``Phi, y, m0, S0, phi, sigma, N, D, w``."""
    N, D = sp.symbols("N D", integer=True, positive=True)
    return BLRSymbols(
        sp.MatrixSymbol("Phi", N, D),
        sp.MatrixSymbol("y", N, 1),
        sp.MatrixSymbol("m0", D, 1),
        sp.MatrixSymbol("S0", D, D),
        sp.MatrixSymbol("phi", D, 1),
        sp.Symbol("sigma", positive=True),
        N,
        D,
        sp.MatrixSymbol("w", D, 1),
    )


def _sym(expr: Any) -> Any:
    """Use that ``S0`` is symmetric: ``S0^T -> S0``, like terms then combined."""
    s = blr_symbols()
    return expr.xreplace({sp.Transpose(s.S0): s.S0}).doit()


def _forms() -> dict[str, Any]:
    """The closed forms, in the symbols."""
    s = blr_symbols()
    Phi, y, m0, S0, phi, sigma = s.Phi, s.y, s.m0, s.S0, s.phi, s.sigma
    prec = S0.I + Phi.T * Phi / sigma**2
    SN = prec.I
    mN = SN * (S0.I * m0 + Phi.T * y / sigma**2)
    C = sigma**2 * sp.Identity(s.N) + Phi * S0 * Phi.T
    r = y - Phi * m0
    log_ev = -s.N * sp.log(2 * sp.pi) / 2 - sp.log(sp.Determinant(C)) / 2 - quad(r, C.I) / 2
    return {
        "prec": prec,
        "S_N": SN,
        "m_N": mN,
        "C": C,
        "pred_mean": Scalar(phi.T * mN),
        "pred_var": Scalar(phi.T * SN * phi) + sigma**2,
        "log_evidence": log_ev,
    }


class BayesianLinearRegression(Derivation):
    """Bayesian linear regression, derived; see :func:`bayesian_linear_regression`.

    ``.result`` is ``(m_N, S_N)``, the posterior ``w | y ~ N(m_N, S_N)``.

    Attributes
    ----------
    posterior_mean, posterior_cov, predictive_mean, predictive_var, log_evidence : Derivation
    symbols : BLRSymbols
        ``Phi, y, m0, S0, phi, sigma, N, D, w``.
    """

    __slots__ = (
        "log_evidence",
        "posterior_cov",
        "posterior_mean",
        "predictive_mean",
        "predictive_var",
        "symbols",
    )

    posterior_mean: Derivation
    posterior_cov: Derivation
    predictive_mean: Derivation
    predictive_var: Derivation
    log_evidence: Derivation
    symbols: BLRSymbols

    def fit(
        self,
        Phi: Any,
        y: Any,
        *,
        noise_var: float = 0.25,
        prior_mean: Any = None,
        prior_cov: Any = None,
    ) -> BLRFit:
        """The posterior, evidence and predictive on data, by Cholesky (or QR) — never an inverse.

        Parameters
        ----------
        Phi : array_like, shape (N, D)
            The design matrix (features of the inputs).
        y : array_like, shape (N,)
            The targets.
        noise_var : float
            ``sigma^2``, the noise variance.
        prior_mean : array_like, shape (D,), optional
            ``m0`` (default 0).
        prior_cov : array_like, shape (D, D), optional
            ``S0``, symmetric positive definite (default the identity).

        Returns
        -------
        BLRFit
            ``.mean`` (m_N), ``.cov`` (S_N), ``.log_evidence`` and
            ``.predict(Phi_new) -> (mean, var)`` (``var`` includes ``noise_var``).

        Notes
        -----
        With ``S0 = L0 L0^T`` (Cholesky) the weights are ``w = m0 + L0 v``,
        ``v ~ N(0, I)``; the posterior precision of ``v`` is
        ``A = I + L0^T Phi^T Phi L0 / sigma^2`` (eigenvalues >= 1). It is
        factored ``A = R^T R`` from the Gram matrix when LAPACK's condition
        estimate is below ``1e5``; otherwise from the QR factorisation of
        the augmented matrix ``[Phi L0 / sigma; I]``, which never squares the
        condition number of ``Phi``. The evidence uses the matrix determinant
        lemma (``log det C = N log sigma^2 + log det A``) and the matrix
        inversion lemma, so no N x N matrix is formed.

        Examples
        --------
        >>> import numpy as np, symml
        >>> blr = symml.bayesian_linear_regression()
        >>> Phi = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
        >>> fit = blr.fit(Phi, np.array([1.0, 2.0, 3.0]), noise_var=0.25)
        >>> fit.mean.round(4).tolist()
        [0.9302, 0.9922]
        >>> mean, var = fit.predict(np.array([[1.0, 3.0]]))
        >>> bool(var[0] > 0.25)
        True
        """
        return fit_blr(Phi, y, noise_var=noise_var, prior_mean=prior_mean, prior_cov=prior_cov)

    def _make_steps(self) -> list[Step]:
        s = self.symbols
        return [
            Step(
                s.Phi * s.w + sp.MatrixSymbol("epsilon", s.N, 1),
                "the model, noise epsilon ~ N(0, sigma^2 I)",
                lhs=s.y,
            ),
            Step(
                Tex(r"\mathcal{N}(m_0, S_0)"), "the prior, S0 symmetric positive definite", lhs=s.w
            ),
            Step(self.posterior_mean.result, "posterior mean (see .posterior_mean)", lhs="m_N"),
            Step(self.posterior_cov.result, "posterior covariance (see .posterior_cov)", lhs="S_N"),
        ]


def bayesian_linear_regression(*, budget: float = DEFAULT_BUDGET) -> BayesianLinearRegression:
    """Bayesian linear regression ``y = Phi w + eps`` in matrix form, derived with steps.

    The prior is ``w ~ N(m0, S0)`` (``S0`` symmetric positive definite, a
    stated assumption: SymPy's ``MatrixSymbol`` carries none), the noise
    ``eps ~ N(0, sigma^2 I)``. Symbols: ``Phi`` (N x D), ``y`` (N x 1),
    ``m0`` (D x 1), ``S0`` (D x D), a new input ``phi`` (D x 1), ``sigma > 0``.

    Parameters
    ----------
    budget : float
        Seconds for the symbolic work (the matrix calculus of the steps).

    Returns
    -------
    BayesianLinearRegression
        Derivations ``.posterior_mean`` (``m_N``), ``.posterior_cov``
        (``S_N = (S0^-1 + Phi^T Phi / sigma^2)^-1``), ``.predictive_mean``
        (``phi^T m_N``), ``.predictive_var`` (``phi^T S_N phi + sigma^2``),
        ``.log_evidence`` (``log N(y | Phi m0, sigma^2 I + Phi S0 Phi^T)``);
        ``.fit(Phi, y, noise_var=...)`` for numbers. Each ``.verify()``
        compares the closed form with the posterior obtained by conditioning
        the joint Gaussian of ``(w, y)`` on random data.

    Examples
    --------
    >>> import symml
    >>> blr = symml.bayesian_linear_regression()
    >>> blr.posterior_cov.result
    (S0**(-1) + sigma**(-2)*Phi.T*Phi)**(-1)
    >>> bool(blr.posterior_mean.verify())
    True
    """
    seconds = as_budget(budget)
    s = blr_symbols()
    f = _forms()
    assumptions = ["S0 symmetric positive definite", "sigma > 0", "w, eps independent"]

    def piece(result: Any, steps: Callable[[], list[Step]], kind: str, which: str) -> Derivation:
        return Derivation(
            result, steps, assumptions=assumptions, kind=kind, verifier=_verifier(which)
        )

    pieces = {
        "posterior_mean": piece(f["m_N"], lambda: _mean_steps(seconds), "posterior mean", "m_N"),
        "posterior_cov": piece(
            f["S_N"], lambda: _cov_steps(seconds), "posterior covariance", "S_N"
        ),
        "predictive_mean": piece(f["pred_mean"], _pred_mean_steps, "predictive mean", "pred_mean"),
        "predictive_var": piece(f["pred_var"], _pred_var_steps, "predictive variance", "pred_var"),
        "log_evidence": piece(f["log_evidence"], _evidence_steps, "log evidence", "log_evidence"),
    }
    return BayesianLinearRegression(
        sp.Tuple(f["m_N"], f["S_N"]),
        None,
        assumptions=assumptions,
        kind="Bayesian linear regression",
        verifier=_verify_all,
        symbols=s,
        **pieces,
    )


# -- steps -------------------------------------------------------------------------------------
@cache
def _calculus(seconds: float) -> tuple[Any, Any, Any]:
    """The log posterior (a 1 x 1 matrix expression), its gradient and Hessian in ``w``
    (each derived within ``seconds``)."""
    s = blr_symbols()
    w, r = s.w, s.y - s.Phi * s.w
    lp = -r.T * r / (2 * s.sigma**2) - (w - s.m0).T * s.S0.I * (w - s.m0) / 2
    return (
        lp,
        _sym(gradient(lp, w, budget=seconds).result),
        _sym(hessian(lp, w, budget=seconds).result),
    )


def _log_posterior_steps() -> list[Step]:
    s = blr_symbols()
    f = _forms()
    w = s.w
    lin = s.S0.I * s.m0 + s.Phi.T * s.y / s.sigma**2
    return [
        Step(
            -quad(s.y - s.Phi * w, sp.Identity(s.N)) / (2 * s.sigma**2)
            - quad(w - s.m0, s.S0.I) / 2
            + _CONST,
            "Bayes: log likelihood + log prior (the normalisers are constant in w)",
            lhs=r"\log p(w \mid y)",
        ),
        Step(
            -quad(w, f["prec"]) / 2 + Scalar(w.T * lin) + _CONST,
            "expand; collect the quadratic and linear terms in w (S0 symmetric)",
        ),
        Step(
            -quad(w - sp.MatrixSymbol("m_N", s.D, 1), sp.MatrixSymbol("S_N", s.D, s.D).I) / 2
            + _CONST,
            "complete the square: S_N^-1 = S0^-1 + Phi^T Phi / sigma^2, m_N = S_N (S0^-1 m0 + "
            "Phi^T y / sigma^2)",
        ),
    ]


def _cov_steps(seconds: float) -> list[Step]:
    s = blr_symbols()
    f = _forms()
    _, _, H = _calculus(seconds)
    return [
        *_log_posterior_steps(),
        Step(
            H, "matrix calculus (symml.hessian): constant in w", lhs=r"\nabla^2_w \log p(w \mid y)"
        ),
        Step(
            f["S_N"], "a Gaussian's covariance is minus the inverse Hessian of its log", lhs="S_N"
        ),
        Step(
            s.S0 - s.S0 * s.Phi.T * f["C"].I * s.Phi * s.S0,
            "matrix inversion lemma (Woodbury): an N x N inverse instead of D x D",
        ),
    ]


def _mean_steps(seconds: float) -> list[Step]:
    s = blr_symbols()
    f = _forms()
    _, g, _ = _calculus(seconds)
    tau = sp.Symbol("tau", positive=True)
    lam = sp.Symbol("lambda", positive=True)
    eye = sp.Identity(s.D)
    lin = s.S0.I * s.m0 + s.Phi.T * s.y / s.sigma**2
    ridge = normal_equations(
        (s.y - s.Phi * s.w).T * (s.y - s.Phi * s.w) + lam * s.w.T * s.w, s.w, budget=seconds
    ).result.rhs
    return [
        Step(g, "matrix calculus (symml.gradient), S0 symmetric", lhs=r"\nabla_w \log p(w \mid y)"),
        Step(
            sp.Eq(f["prec"] * s.w, lin, evaluate=False),
            "set the gradient to zero: the mode of a Gaussian is its mean",
        ),
        Step(f["m_N"], "solve (the posterior precision is positive definite)", lhs="m_N"),
        Step(
            (s.Phi.T * s.Phi / s.sigma**2 + eye / tau**2).I * s.Phi.T * s.y / s.sigma**2,
            "a zero-mean isotropic prior: m0 = 0, S0 = tau^2 I",
            lhs=r"m_N \big|_{m_0 = 0,\ S_0 = \tau^2 I}",
        ),
        Step(
            (s.Phi.T * s.Phi + s.sigma**2 / tau**2 * eye).I * s.Phi.T * s.y,
            "multiply the system by sigma^2",
        ),
        Step(
            ridge,
            "the ridge solution (symml.normal_equations of ||y - Phi w||^2 + lambda ||w||^2) "
            "with lambda = sigma^2 / tau^2: the MAP estimate is ridge regression",
        ),
    ]


def _pred_mean_steps() -> list[Step]:
    s = blr_symbols()
    f = _forms()
    mN = sp.MatrixSymbol("m_N", s.D, 1)
    return [
        Step(Scalar(s.phi.T * s.w) + Tex(r"\varepsilon_*"), "a new observation at phi", lhs="y_*"),
        Step(
            Scalar(s.phi.T * mN), "E[eps_*] = 0 and E[w | y] = m_N", lhs=r"\mathbb{E}[y_* \mid y]"
        ),
        Step(f["pred_mean"], "the posterior mean"),
    ]


def _pred_var_steps() -> list[Step]:
    s = blr_symbols()
    f = _forms()
    SN = sp.MatrixSymbol("S_N", s.D, s.D)
    return [
        Step(
            Tex(r"\operatorname{Var}[\phi^{\top} w \mid y] + \operatorname{Var}[\varepsilon_*]"),
            "w and the new noise are independent",
            lhs=r"\operatorname{Var}[y_* \mid y]",
        ),
        Step(Scalar(s.phi.T * SN * s.phi) + s.sigma**2, "Var[a^T w] = a^T Cov[w] a"),
        Step(f["pred_var"], "the posterior covariance"),
    ]


def _evidence_steps() -> list[Step]:
    s = blr_symbols()
    f = _forms()
    C, SN = f["C"], f["S_N"]
    return [
        Step(
            Tex(r"\int \mathcal{N}(y \mid \Phi w, \sigma^2 I)\, \mathcal{N}(w \mid m_0, S_0)\, dw"),
            "the marginal likelihood: integrate the weights out",
            lhs="p(y)",
        ),
        Step(
            Tex(r"\mathcal{N}(y \mid \Phi m_0,\ \sigma^2 I + \Phi S_0 \Phi^{\top})"),
            "y = Phi w + eps is linear in Gaussians: E[y] = Phi m0, "
            "Cov[y] = Phi S0 Phi^T + sigma^2 I",
        ),
        Step(f["log_evidence"], "the log of that Gaussian density", lhs=r"\log p(y)"),
        Step(
            sp.Identity(s.N) / s.sigma**2 - s.Phi * SN * s.Phi.T / s.sigma**4,
            "matrix inversion lemma: the N x N inverse through the D x D S_N",
            lhs=C.I,
        ),
        Step(
            s.sigma ** (2 * s.N) * sp.Determinant(s.S0) * sp.Determinant(f["prec"]),
            "matrix determinant lemma: det C = sigma^(2N) det(S0) det(S_N^-1)",
            lhs=sp.Determinant(C),
        ),
    ]


# -- verification --------------------------------------------------------------------------------
def _reference(
    Phi: np.ndarray, y: np.ndarray, m0: np.ndarray, S0: np.ndarray, sigma: float, phi: np.ndarray
) -> dict[str, Any]:
    """Condition the joint Gaussian of (w, y) on y: no precision matrix, no S_N formula."""
    from scipy.stats import multivariate_normal

    C = sigma**2 * np.eye(len(y)) + Phi @ S0 @ Phi.T
    gain = np.linalg.solve(C, Phi @ S0).T  # S0 Phi^T C^-1
    mean = m0 + gain @ (y - Phi @ m0)
    cov = S0 - gain @ Phi @ S0
    return {
        "m_N": mean,
        "S_N": cov,
        "pred_mean": phi @ mean,
        "pred_var": phi @ cov @ phi + sigma**2,
        "log_evidence": multivariate_normal(Phi @ m0, C).logpdf(y),
    }


def _verifier(which: str) -> Callable[..., Verdict]:
    def verify(d: Derivation, *, seed: int = 0, budget: float = CHECK_BUDGET) -> Verdict:
        """The closed form on seeded random data against conditioning the joint Gaussian."""
        as_budget(budget)
        s = blr_symbols()
        args = [s.Phi, s.y, s.m0, s.S0, s.sigma, s.phi]
        f = to_numpy(d.result, args)
        rng = np.random.default_rng(seed)
        verdicts = []
        for n, k in ((7, 3), (4, 5), (1, 1)):
            Phi, y = rng.standard_normal((n, k)), rng.standard_normal(n)
            m0, phi = rng.standard_normal(k), rng.standard_normal(k)
            B = rng.standard_normal((k, k))
            S0 = B @ B.T + 0.5 * np.eye(k)
            sigma = float(rng.uniform(0.5, 1.5))
            ref = _reference(Phi, y, m0, S0, sigma, phi)[which]
            got = np.asarray(f(Phi, y, m0, S0, sigma, phi), dtype=float).reshape(np.shape(ref))
            verdicts.append(
                numeric_verdict(
                    got,
                    ref,
                    f"{d.kind} vs conditioning the joint Gaussian (N={n}, D={k})",
                    points=1,
                )
            )
        return first_failure(verdicts, d.result)

    return verify


def _verify_all(
    d: BayesianLinearRegression, *, seed: int = 0, budget: float = CHECK_BUDGET
) -> Verdict:
    """Every piece's check, combined."""
    parts = [d.posterior_mean, d.posterior_cov, d.predictive_mean, d.predictive_var, d.log_evidence]
    return first_failure([p.verify(seed=seed, budget=budget) for p in parts], d.result)
