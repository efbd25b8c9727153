r"""Principal component analysis: derived (``pca_derivation``) and computed (``pca``).

The direction of largest variance maximises ``w^T S w`` on ``w^T w = 1``; a
Lagrange multiplier turns that into ``S w = λ w``. Numerically the eigenpairs
of the covariance come from the SVD of the centred data.

Examples
--------
>>> import symml
>>> symml.pca_derivation().result
Eq(S*w, lambda*w)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .._calculus import gradient
from .._core import (
    DEFAULT_BUDGET,
    ArgumentError,
    Deadline,
    Derivation,
    ShapeError,
    Step,
    SymmlError,
    Verdict,
    bad_argument,
)
from .._optimize import lagrange
from ._matrices import SHOW_MAX, as_array, as_count, show, to_matrix
from ._verdicts import all_true, close

__all__ = ["PCA", "pca", "pca_derivation"]

#: At most this many seconds of the budget go to the matrix-calculus gradient step.
_GRADIENT_CAP = 5.0


def pca_derivation(*, budget: float = DEFAULT_BUDGET) -> Derivation:
    r"""PCA derived: the direction of largest variance solves ``S w = λ w``.

    For centred data ``X`` with covariance ``S = X^T X / (m - 1)``, the
    variance of the projections ``X w`` is ``w^T S w``. Maximise it subject to
    ``w^T w = 1`` with a Lagrange multiplier: ``L = w^T S w - λ (w^T w - 1)``,
    ``∇_w L = 2 S w - 2 λ w = 0``, so ``S w = λ w``: ``w`` is an eigenvector of
    ``S``, the variance there is ``w^T S w = λ``, and the maximum is the
    largest eigenvalue.

    ``.verify()`` redoes the calculus entry by entry in three dimensions
    (a symmetric ``S`` of symbols: the gradient of the Lagrangian is
    ``2 S w - 2 λ w``) and solves the Lagrange conditions for a numeric 2 x 2
    covariance with :func:`symml.lagrange`: its stationary points are the unit
    eigenvectors, with the multiplier equal to the eigenvalue.

    Parameters
    ----------
    budget : float
        Seconds for the matrix-calculus step (the gradient of the Lagrangian);
        when it runs out, the steps show the textbook gradient instead.

    Examples
    --------
    >>> import symml
    >>> d = symml.pca_derivation()
    >>> d.result
    Eq(S*w, lambda*w)
    >>> [s.why for s in d.steps][:2]
    ['variance of the projected data', 'maximise subject to w^T w = 1: the Lagrangian']
    >>> bool(d.verify())
    True
    """
    deadline = Deadline(budget)
    n = sp.Symbol("n", integer=True, positive=True)
    S, w = sp.MatrixSymbol("S", n, n), sp.MatrixSymbol("w", n, 1)
    lam = sp.Symbol("lambda", real=True)
    quad = w.T * S * w
    by_hand = (S + S.T) * w - 2 * lam * w
    grad, finished = deadline.run(
        lambda: gradient(quad - lam * (w.T * w), w).result,
        _GRADIENT_CAP,
        failures=(SymmlError, NotImplementedError),
    )
    steps = [
        Step(quad, "variance of the projected data", lhs=r"\frac{1}{m - 1} (X w)^{\top} X w"),
        Step(
            sp.Symbol(r"w^{\top} S w") - lam * (sp.Symbol(r"w^{\top} w") - 1),
            "maximise subject to w^T w = 1: the Lagrangian",
            lhs=r"L(w, \lambda)",
        ),
        Step(
            grad if finished and grad is not None else by_hand,
            "gradient in w: d(w^T S w)/dw = (S + S^T) w",
            lhs=r"\nabla_{w} L",
        ),
        Step(2 * S * w - 2 * lam * w, "S is symmetric (a covariance matrix)"),
        Step(lam * w, "set the gradient to zero: an eigenvector equation", lhs=S * w),
        Step(lam * w.T * w, "at such a w the variance is", lhs=quad),
        Step(lam, "w^T w = 1"),
        Step(
            sp.Symbol("lambda_1"),
            "so the maximum is the largest eigenvalue, at its unit eigenvector",
            lhs=r"\max_{w^{\top} w = 1} w^{\top} S w",
        ),
    ]
    return Derivation(
        sp.Eq(S * w, lam * w),
        steps,
        kind="PCA",
        assumptions=("S symmetric positive semi-definite (a covariance matrix)",),
        verifier=_pca_derivation_verdict,
    )


def _pca_derivation_verdict(d: Derivation) -> Verdict:
    """The gradient entry by entry for a symmetric 3 x 3 ``S``; the Lagrange points of a
    numeric 2 x 2 covariance are its eigenpairs."""
    s = sp.symbols("s_11 s_12 s_13 s_22 s_23 s_33", real=True)
    S = sp.Matrix([[s[0], s[1], s[2]], [s[1], s[3], s[4]], [s[2], s[4], s[5]]])
    w = sp.Matrix(sp.symbols("w_1:4", real=True))
    lam = sp.Symbol("lambda", real=True)
    L = (w.T * S * w)[0, 0] - lam * ((w.T * w)[0, 0] - 1)
    grad = gradient(L, list(w)).result
    ok_grad = sp.expand(grad - (2 * S * w - 2 * lam * w)) == sp.zeros(3, 1)
    C = sp.Matrix([[2, 1], [1, 2]])
    u = sp.Matrix(sp.symbols("u_1 u_2", real=True))
    found = lagrange((u.T * C * u)[0, 0], [(u.T * u)[0, 0] - 1], list(u))
    mult = found.multipliers[0]
    ok_eig = len(found.result) == 4 and all(
        sp.simplify(C * u.subs(p) - p[mult] * u.subs(p)) == sp.zeros(2, 1) for p in found.result
    )
    return all_true(
        [
            ("grad_w L = 2 S w - 2 lambda w for a symmetric 3 x 3 S", ok_grad),
            ("the Lagrange points of w^T S w on w^T w = 1 solve S w = lambda w", ok_eig),
            (
                "their multipliers are the eigenvalues 1 and 3",
                sorted({p[mult] for p in found.result}) == [1, 3],
            ),
        ],
        d.result,
        "symbolic",
    )


class PCA(Derivation):
    """Principal components of a data matrix; ``.result`` holds them as columns (d x k).

    Attributes
    ----------
    components : ndarray, shape (k, d)
        Unit principal directions as rows, largest variance first; each is
        signed so that its largest-magnitude entry is positive.
    explained_variance : ndarray, shape (k,)
        Eigenvalues of the covariance matrix ``S`` (variance along each direction).
    explained_variance_ratio : ndarray, shape (k,)
        ``explained_variance / total variance``.
    singular_values : ndarray, shape (k,)
        Of the centred data; ``explained_variance = singular_values**2 / (m - 1)``.
    mean : ndarray, shape (d,)
    covariance : ndarray, shape (d, d)
    n_samples : int
    """

    __slots__ = (
        "components",
        "covariance",
        "explained_variance",
        "explained_variance_ratio",
        "mean",
        "n_samples",
        "singular_values",
    )

    def transform(self, X: Any) -> np.ndarray:
        """Scores: the centred data projected on the components, shape (m, k)."""
        arr = as_array(X, "X")
        if arr.shape[1] != self.mean.shape[0]:
            raise ShapeError(
                bad_argument("X", X, f"expected {self.mean.shape[0]} columns (features)")
            )
        return (arr - self.mean) @ self.components.T

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Back from scores to data space: ``mean + Z components``."""
        return self.mean + np.asarray(Z, dtype=float) @ self.components

    def _make_steps(self) -> list[Step]:
        dim = self.mean.shape[0]
        S, w = sp.MatrixSymbol("S", dim, dim), sp.MatrixSymbol("w", dim, 1)
        steps = []
        if dim <= SHOW_MAX:
            steps += [
                Step(show(self.mean), f"the mean of each of the {dim} features", lhs=r"\bar{x}"),
                Step(
                    show(self.covariance), "covariance of the centred data X_c = X - mean", lhs="S"
                ),
            ]
        return [
            *steps,
            Step(
                sp.Symbol("lambda") * w,
                "principal directions maximise w^T S w on w^T w = 1 (symml.pca_derivation)",
                lhs=S * w,
            ),
            Step(
                show(self.explained_variance),
                "eigenvalues, largest first: sigma_i^2 / (m - 1) from the SVD of X_c",
                lhs=r"\lambda",
            ),
            Step(
                show(self.explained_variance_ratio),
                "explained variance ratio lambda_i / sum of the lambda_j",
                lhs=r"\frac{\lambda_i}{\sum_j \lambda_j}",
            ),
            Step(self.result, "the principal directions: unit eigenvectors as columns", lhs="W"),
        ]


def pca(X: Any, n_components: int | None = None) -> PCA:
    r"""Principal component analysis of a data matrix (rows = samples), with steps.

    The steps follow :func:`pca_derivation`: centre the data, form the
    covariance ``S``, solve ``S w = λ w`` and keep the directions of the
    largest eigenvalues. Numerically the eigenpairs come from the SVD of
    the centred data ``X_c = U Σ V^T`` (``λ_i = σ_i^2 / (m - 1)``, ``w_i`` the
    columns of ``V``), which avoids squaring the condition number by forming
    ``X_c^T X_c``; ``.verify()`` then checks ``S w_i = λ_i w_i`` on the
    explicitly formed ``S`` and compares with ``numpy.linalg.eigh``. All the
    work is NumPy's, so there is no symbolic work to budget.

    Parameters
    ----------
    X : array of shape (m, d)
        ``m >= 2`` samples of ``d`` features.
    n_components : int, optional
        How many to keep (default all ``min(m, d)``).

    Examples
    --------
    >>> import numpy as np, symml
    >>> rng = np.random.default_rng(0)
    >>> t = rng.normal(size=200)
    >>> X = np.column_stack([t, 2 * t + 0.1 * rng.normal(size=200)])
    >>> p = symml.pca(X, 1)
    >>> p.components.round(2)
    array([[0.45, 0.89]])
    >>> p.explained_variance_ratio.round(4)
    array([0.9995])
    >>> bool(p.verify())
    True
    """
    arr = as_array(X, "X")
    if np.iscomplexobj(arr):
        raise ArgumentError(bad_argument("X", X, "pca takes real data"))
    m, dim = arr.shape
    if m < 2:
        raise ShapeError(bad_argument("X", X, "need at least 2 samples (rows)"))
    most = min(m, dim)
    k = (
        most
        if n_components is None
        else as_count(n_components, "n_components", 1, most, f"use an integer from 1 to {most}")
    )
    mean = arr.mean(axis=0)
    Xc = arr - mean
    _, s, vt = np.linalg.svd(Xc, full_matrices=False)
    signs = np.sign(vt[np.arange(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])
    signs[signs == 0] = 1.0
    vt = vt[:k] * signs[:k, None]
    variances = s[:k] ** 2 / (m - 1)
    total = float(np.sum(Xc**2) / (m - 1))
    return PCA(
        to_matrix(vt.T),
        None,
        kind="PCA",
        verifier=_pca_verdict,
        components=vt,
        explained_variance=variances,
        explained_variance_ratio=variances / total if total else np.zeros(k),
        singular_values=s[:k].copy(),
        mean=mean,
        covariance=Xc.T @ Xc / (m - 1),
        n_samples=m,
    )


def _pca_verdict(d: PCA) -> Verdict:
    """``S w_i = λ_i w_i`` on the explicit covariance; eigenvalues as ``numpy.linalg.eigh``."""
    S, W, lam = d.covariance, d.components, d.explained_variance
    scale = float(np.abs(S).max())
    ref = np.sort(np.linalg.eigvalsh(S))[::-1][: len(lam)]
    return all_true(
        [
            ("S w_i = lambda_i w_i", close(S @ W.T, W.T * lam, scale, 1e-8)),
            ("orthonormal directions", close(W @ W.T, np.eye(len(lam)), 1.0)),
            ("eigenvalues equal numpy.linalg.eigh of S", close(lam, ref, scale, 1e-8)),
        ],
        d.result,
        "numeric",
    )
