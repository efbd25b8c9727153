"""Bayesian linear regression on data: Cholesky or augmented QR, never an explicit inverse.

The posterior precision is factored by Cholesky (by QR of the augmented design when it is
ill-conditioned); the evidence uses the determinant and inversion lemmas."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..._core import ArgumentError, bad_argument

#: Above this condition estimate of the posterior precision the Gram route would lose more
#: than ~1e-11 relative accuracy; the augmented QR route is used instead.
_COND_LIMIT = 1e5


@dataclass(frozen=True)
class BLRFit:
    """The posterior of Bayesian linear regression on data; see ``BayesianLinearRegression.fit``.

    Attributes
    ----------
    mean : ndarray (D,)
        ``m_N``, the posterior mean (the MAP estimate).
    cov : ndarray (D, D)
        ``S_N``, the posterior covariance.
    log_evidence : float
        ``log N(y | Phi m0, sigma^2 I + Phi S0 Phi^T)``.
    noise_var : float
    method : str
        ``"cholesky"`` (the Gram matrix) or ``"qr"`` (the augmented design).
    """

    mean: np.ndarray
    cov: np.ndarray
    log_evidence: float
    noise_var: float
    method: str
    _root: np.ndarray = field(repr=False)  # M with S_N = M^T M

    def predict(self, Phi_new: Any) -> tuple[np.ndarray, np.ndarray]:
        """Predictive mean ``phi^T m_N`` and variance ``phi^T S_N phi + sigma^2`` per row.

        Examples
        --------
        >>> import numpy as np, symml
        >>> fit = symml.bayesian_linear_regression().fit(np.eye(2), np.array([1.0, -1.0]))
        >>> mean, var = fit.predict(np.eye(2))
        >>> mean.round(3).tolist(), var.round(3).tolist()
        ([0.8, -0.8], [0.45, 0.45])
        """
        P = np.asarray(Phi_new, dtype=float)
        if P.ndim == 1:
            P = P[None, :]
        if P.ndim != 2 or P.shape[1] != self.mean.shape[0]:
            raise ArgumentError(
                bad_argument(
                    "Phi_new",
                    np.shape(Phi_new),
                    f"give rows of {self.mean.shape[0]} features (the fit's D); "
                    f"this has shape {np.shape(Phi_new)}",
                )
            )
        B = P @ self._root.T
        return P @ self.mean, np.einsum("ij,ij->i", B, B) + self.noise_var

    def sample(self, size: int, *, seed: Any = None) -> np.ndarray:
        """``size`` draws of the weights from the posterior, shape (size, D).

        Examples
        --------
        >>> import numpy as np, symml
        >>> fit = symml.bayesian_linear_regression().fit(np.eye(2), np.array([1.0, -1.0]))
        >>> fit.sample(3, seed=0).shape
        (3, 2)
        """
        rng = np.random.default_rng(seed)
        return self.mean + rng.standard_normal((size, self.mean.shape[0])) @ self._root


def _arrays(Phi: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    P = np.asarray(Phi, dtype=float)
    t = np.asarray(y, dtype=float)
    if P.ndim != 2:
        raise ArgumentError(bad_argument("Phi", np.shape(Phi), "give a 2-D design matrix (N x D)"))
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1 or t.shape[0] != P.shape[0]:
        raise ArgumentError(
            bad_argument(
                "y",
                np.shape(y),
                f"Phi has {P.shape[0]} rows (shape {P.shape}) but y has shape {np.shape(y)}: "
                "give one target per row of Phi",
            )
        )
    if not np.all(np.isfinite(t)):
        raise ArgumentError(bad_argument("y", y, "the targets must be finite"))
    return P, t


def _prior(prior_mean: Any, prior_cov: Any, D: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    m0 = None
    if prior_mean is not None:
        m0 = np.asarray(prior_mean, dtype=float).ravel()
        if m0.shape != (D,) or not np.all(np.isfinite(m0)):
            raise ArgumentError(
                bad_argument(
                    "prior_mean",
                    prior_mean,
                    f"Phi has D = {D} columns but prior_mean has shape {np.shape(prior_mean)}: "
                    f"give {D} finite numbers",
                )
            )
    L0 = None
    if prior_cov is not None:
        S0 = np.asarray(prior_cov, dtype=float)
        if S0.shape != (D, D) or not np.all(np.isfinite(S0)):
            raise ArgumentError(
                bad_argument(
                    "prior_cov",
                    np.shape(prior_cov),
                    f"Phi has D = {D} columns but prior_cov has shape {np.shape(prior_cov)}: "
                    f"give a finite {D} x {D} matrix",
                )
            )
        if not np.allclose(S0, S0.T, rtol=1e-12, atol=0):
            raise ArgumentError(bad_argument("prior_cov", prior_cov, "a covariance is symmetric"))
        eig = np.linalg.eigvalsh(S0)
        if eig[0] <= 1e-14 * max(1.0, abs(eig[-1])):
            raise ArgumentError(
                bad_argument(
                    "prior_cov",
                    prior_cov,
                    f"a covariance must be positive definite, but its smallest eigenvalue is "
                    f"lambda_0 = {eig[0]:.6g}; add a multiple of the identity",
                )
            )
        L0 = np.linalg.cholesky(S0)
    return m0, L0


def fit_blr(
    Phi: Any, y: Any, *, noise_var: float = 0.25, prior_mean: Any = None, prior_cov: Any = None
) -> BLRFit:
    """See :meth:`BayesianLinearRegression.fit`."""
    from scipy.linalg import cholesky, solve_triangular
    from scipy.linalg.lapack import dpocon

    P, t = _arrays(Phi, y)
    N, D = P.shape
    if not (
        isinstance(noise_var, (int, float, np.floating))
        and math.isfinite(noise_var)
        and noise_var > 0
    ):
        raise ArgumentError(bad_argument("noise_var", noise_var, "give a positive variance"))
    s2 = float(noise_var)
    m0, L0 = _prior(prior_mean, prior_cov, D)
    Pv = P if L0 is None else P @ L0  # the design in whitened weights v, w = m0 + L0 v
    r = t if m0 is None else t - P @ m0
    G = Pv.T @ Pv
    b = Pv.T @ r
    if not (np.all(np.isfinite(np.diagonal(G))) and np.all(np.isfinite(b))):
        bad = np.argwhere(~np.isfinite(P))[:1].tolist()
        raise ArgumentError(bad_argument("Phi", f"entry {bad}", "the design must be finite"))
    A = G / s2
    A[np.diag_indices(D)] += 1.0
    R = cholesky(A, lower=False, check_finite=False)
    rcond, _ = dpocon(R, float(np.abs(A).sum(axis=0).max()))
    if rcond * _COND_LIMIT >= 1.0:
        v = solve_triangular(R, solve_triangular(R, b / s2, trans="T"))
        quad_form = float(r @ r) / s2 - float(b @ v) / s2
        method = "cholesky"
    else:
        R, v, quad_form = _augmented_qr(Pv, r, s2)
        method = "qr"
    logdet_A = 2.0 * float(np.sum(np.log(np.abs(np.diagonal(R)))))
    log_ev = -0.5 * (N * math.log(2 * math.pi) + N * math.log(s2) + logdet_A + quad_form)
    root = solve_triangular(R, np.eye(D) if L0 is None else L0.T, trans="T")  # R^-T L0^T
    mean = v if L0 is None else L0 @ v
    if m0 is not None:
        mean = mean + m0
    return BLRFit(mean, root.T @ root, log_ev, s2, method, root)


def _augmented_qr(Pv: np.ndarray, r: np.ndarray, s2: float) -> tuple[np.ndarray, np.ndarray, float]:
    """``min ||Pv v - r||^2 / s2 + ||v||^2`` by QR of ``[Pv / sigma; I]``: R, v and the minimum."""
    from scipy.linalg import qr, solve_triangular

    N, D = Pv.shape
    sigma = math.sqrt(s2)
    Z = np.vstack([Pv / sigma, np.eye(D)])
    Q, R = qr(Z, mode="economic", check_finite=False)
    rhs = Q[:N].T @ (r / sigma)
    v = solve_triangular(R, rhs)
    resid = r - Pv @ v
    return R, v, float(resid @ resid) / s2 + float(v @ v)
