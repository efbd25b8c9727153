"""Maximum likelihood of the multivariate normal, in matrix form."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from ..._core import (
    DEFAULT_BUDGET,
    ArgumentError,
    ShapeError,
    Step,
    Verdict,
    bad_argument,
)
from ..data import as_data, check_finite, short_data
from ..model import Model, Support
from ..numeric import numeric_verdict
from .estimate import MLE
from .fit import MLEFit

if TYPE_CHECKING:
    from sympy.stats.rv import RandomSymbol


class MultivariateNormalMLE(MLE):
    """The :class:`MLE` of ``MultivariateNormal(mu, Sigma)``, in matrix form.

    The sample is the ``n x d`` matrix ``X`` (one observation per row); the
    estimators are ``Xᵀ1/n`` and the centred scatter over ``n``; ``fit``
    takes a 2-D array and its Fisher information is the known block form.

    Examples
    --------
    >>> import numpy as np
    >>> from symml import mle_catalog
    >>> est = mle_catalog("mvnormal")
    >>> type(est).__name__, [str(p) for p in est.params]
    ('MultivariateNormalMLE', ['mu', 'Sigma'])
    >>> fit = est.fit(np.array([[0.0, 1.0], [2.0, 2.0], [1.0, 6.0]]))
    >>> fit.params["mu"].tolist(), fit.params["Sigma"].round(4).tolist()
    ([1.0, 3.0], [[0.6667, 0.3333], [0.3333, 4.6667]])
    """

    __slots__ = ()

    @property
    def variable(self) -> None:
        """None: an observation is a vector (a row of ``X``), not one Symbol."""
        return None

    @property
    def fisher_information(self) -> sp.Matrix:
        """Per observation, for ``(μ, vec Σ)``: ``Σ⁻¹`` and ``½ Σ⁻¹⊗Σ⁻¹`` (known result)."""
        Si = self.params[1].I
        return sp.BlockDiagMatrix(Si, sp.KroneckerProduct(Si, Si) / 2)

    def _make_steps(self) -> list[Step]:
        return _mvn_steps(self)

    def _fit_data(self, data: Any, known: Mapping[Any, float] | None, information: str) -> MLEFit:
        """Estimates and normal-theory standard errors for ``data`` (n rows, d columns)."""
        return _fit_mvnormal(self, data, information)


def _mle_mvnormal(rv: RandomSymbol, params: Any) -> MultivariateNormalMLE:
    mu, Sigma = rv.pspace.distribution.args
    if not (isinstance(mu, sp.MatrixSymbol) and isinstance(Sigma, sp.MatrixSymbol)):
        raise ArgumentError(
            bad_argument(
                "model",
                rv,
                "for MultivariateNormal pass MatrixSymbol parameters, e.g. "
                "mu = MatrixSymbol('mu', d, 1), Sigma = MatrixSymbol('Sigma', d, d)",
            )
        )
    if params is not None and set(params) != {mu, Sigma}:
        raise ArgumentError(
            bad_argument("params", params, f"MultivariateNormal estimates [{mu}, {Sigma}]")
        )
    d_ = mu.shape[0]
    n = sp.Symbol("n", integer=True, positive=True)
    X = sp.MatrixSymbol("X", n, d_)
    one = sp.OneMatrix(n, 1)
    Si = Sigma.I
    S = sp.MatrixSymbol("S", d_, d_)
    ll = (
        -n * d_ * sp.log(2 * sp.pi) / 2
        - n * sp.log(sp.Determinant(Sigma)) / 2
        - sp.Trace(Si * S) / 2
    )
    mu_hat = X.T * one / n
    Sigma_hat = X.T * (sp.Identity(n) - one * one.T / n) * X / n
    m = Model(
        label=f"MultivariateNormal({mu}, {Sigma})",
        xs=sp.Symbol("x", real=True),
        density=sp.S.One,
        logpdf=sp.S.Zero,
        params=(mu, Sigma),
        known=(),
        support=Support(False),
        family=None,
        args=(mu, Sigma),
    )
    return MultivariateNormalMLE(
        sp.Tuple(sp.Eq(mu, mu_hat), sp.Eq(Sigma, Sigma_hat)),
        None,
        assumptions=[
            f"x_1, ..., x_n i.i.d. from {m.label}, the rows of X ({n} x {d_})",
            f"{Sigma} symmetric positive definite",
        ],
        kind="maximum likelihood",
        source=ll,
        wrt=(mu, Sigma),
        verifier=_mvn_verdict,
        _budget=DEFAULT_BUDGET,
        _cache={},
        _model=m,
        _sample=None,
        _solution=None,
        estimators={mu: mu_hat, Sigma: Sigma_hat},
        i=sp.Symbol("i", integer=True, positive=True),
        log_likelihood=ll,
        n=n,
        params=(mu, Sigma),
        score=sp.Tuple(Si * (X.T * one - n * mu), -n * Si / 2 + Si * S * Si / 2),
        x=X,
    )


def _mvn_steps(d: MultivariateNormalMLE) -> list[Step]:
    """Log-likelihood in trace form, the two scores, their roots, the information."""
    mu, Sigma = d.params
    n, i, d_ = d.n, d.i, mu.shape[0]
    xi = sp.MatrixSymbol("x_i", d_, 1)
    mu_hat, Sigma_hat = d.estimators[mu], d.estimators[Sigma]
    score_mu, score_S = d.score
    ll = d.log_likelihood
    Si = Sigma.I
    return [
        Step(
            sp.Sum(
                -d_ * sp.log(2 * sp.pi) / 2
                - sp.log(sp.Determinant(Sigma)) / 2
                - sp.Trace((xi - mu).T * Si * (xi - mu)) / 2,
                (i, 1, n),
            ),
            "log-likelihood: the sum of the logs of the normal densities",
            lhs=rf"\ell({sp.latex(mu)}, {sp.latex(Sigma)})",
        ),
        Step(
            ll,
            "a scalar is its own trace and tr(AB) = tr(BA): the quadratic forms sum to "
            "tr(Σ⁻¹S) with the scatter matrix S = Σ_i (x_i - μ)(x_i - μ)ᵀ",
        ),
        Step(
            score_mu,
            "score in μ: d(aᵀΣ⁻¹a)/dμ = -2Σ⁻¹a, summed: Σ⁻¹ Σ_i (x_i - μ) = Σ⁻¹(Xᵀ1 - nμ)",
            lhs=r"\nabla_{\mu} \ell",
        ),
        Step(mu_hat, "set to zero: Σ_i x_i = nμ, the sample mean (Xᵀ1/n)", lhs=r"\hat{\mu}"),
        Step(
            score_S,
            "score in Σ: d log det Σ / dΣ = Σ⁻¹ and d tr(Σ⁻¹S)/dΣ = -Σ⁻¹SΣ⁻¹",
            lhs=r"\nabla_{\Sigma} \ell",
        ),
        Step(
            Sigma_hat,
            "set to zero: Σ = S/n at μ = x̄, the centred scatter over n (the rows of X "
            "are the observations; I - 11ᵀ/n centres them)",
            lhs=r"\hat{\Sigma}",
        ),
        Step(
            d.fisher_information,
            "Fisher information per observation for (μ, vec Σ): Σ⁻¹ and ½ Σ⁻¹⊗Σ⁻¹; "
            "standard errors of Σ̂ use Var(Σ̂_jk) = (Σ_jk² + Σ_jj Σ_kk)/n",
            lhs="I",
        ),
        Step(
            sp.Tuple(sp.Eq(mu, mu_hat), sp.Eq(Sigma, Sigma_hat)),
            "second-order check: ℓ is concave in (μ, Σ⁻¹), so the stationary point is the "
            "maximum (for n > d, Σ̂ positive definite)",
        ),
    ]


def _fit_mvnormal(d: MLE, data: Any, information: str) -> MLEFit:
    if information not in ("expected", "observed"):
        raise ArgumentError(
            bad_argument("information", information, 'pass "expected" or "observed"')
        )
    arr = as_data(data, ndim=2)
    check_finite(data, arr)
    mu, Sigma = d.params
    n, k = arr.shape
    dim = mu.shape[0]
    if dim.is_number and int(dim) != k:
        raise ShapeError(
            bad_argument(
                "data",
                short_data(data),
                f"expected {int(dim)} columns (one per coordinate), got {k}",
            )
        )
    m_hat = arr.mean(axis=0)
    centred = arr - m_hat
    m_hat = m_hat + centred.mean(axis=0)  # one refinement step (second pass)
    centred = arr - m_hat
    S_hat = centred.T @ centred / n
    if n <= k or np.linalg.matrix_rank(S_hat) < k:
        raise ArgumentError(
            bad_argument(
                "data",
                short_data(data),
                f"the covariance estimate is singular ({n} rows, {k} columns): the MLE needs "
                "more observations than dimensions and no exactly collinear columns",
            )
        )
    se_mu = np.sqrt(np.diag(S_hat) / n)
    diag = np.diag(S_hat)
    se_S = np.sqrt((S_hat**2 + np.outer(diag, diag)) / n)
    cov = np.diag(np.concatenate([se_mu**2, (se_S**2).ravel()]))

    def loglike() -> float:
        _sign, logdet = np.linalg.slogdet(S_hat)
        return float(-n / 2 * (k * math.log(2 * math.pi) + logdet + k))

    return MLEFit(
        {mu.name: m_hat, Sigma.name: S_hat},
        {mu.name: se_mu, Sigma.name: se_S},
        cov,
        (mu.name, Sigma.name),
        n,
        "closed form",
        "expected",
        notes=("Var(Σ̂_jk) ≈ (Σ_jk² + Σ_jj Σ_kk)/n (normal theory)",),
        loglike=loglike,
    )


def _mvn_verdict(d: MLE, *, seed: int = 0, n: int = 400) -> Verdict:
    rng = np.random.default_rng(seed)
    mu, Sigma = d.params
    k = int(mu.shape[0]) if mu.shape[0].is_number else 2
    A = rng.normal(size=(k, k))
    true_S = A @ A.T + k * np.eye(k)
    data = rng.multivariate_normal(rng.normal(size=k), true_S, size=n)
    fit = d.fit(data)
    m_hat, S_hat = fit.params[mu.name], fit.params[Sigma.name]

    def ll(m: np.ndarray, S: np.ndarray) -> float:
        sign, logdet = np.linalg.slogdet(S)
        if sign <= 0:
            return -math.inf
        c = data - m
        quad = np.einsum("ij,ij->", c @ np.linalg.inv(S), c)
        return float(-0.5 * (n * k * math.log(2 * math.pi) + n * logdet + quad))

    Si = np.linalg.inv(S_hat)
    g_mu = Si @ (data - m_hat).sum(axis=0)
    scatter = (data - m_hat).T @ (data - m_hat)
    g_S = -n * Si / 2 + Si @ scatter @ Si / 2
    worst = max(np.max(np.abs(g_mu)), np.max(np.abs(g_S))) / n
    if worst > 1e-8:
        return numeric_verdict(False, d.result, "the score does not vanish")
    base = ll(m_hat, S_hat)
    for _ in range(20):
        dm = rng.normal(size=k) * 1e-3
        B = rng.normal(size=(k, k)) * 1e-3
        if ll(m_hat + dm, S_hat + (B + B.T) / 2) >= base:
            return numeric_verdict(
                False,
                d.result,
                "a nearby point has a higher likelihood",
            )
    return numeric_verdict(
        True,
        d.result,
        "score vanishes at the estimate",
        "no nearby point is more likely",
    )
