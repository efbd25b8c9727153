"""KL divergence and differential entropy of Gaussians and of ``sympy.stats`` variables.

Gaussians in any dimension; two variables of one family by the expectation of the log-ratio."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..._core import (
    CHECK_BUDGET,
    DEFAULT_BUDGET,
    ArgumentError,
    Deadline,
    Derivation,
    Step,
    Verdict,
    as_budget,
    bad_argument,
)
from ._checks import (
    _TRIES,
    draw_values,
    first_failure,
    is_spd,
    monte_carlo_verdict,
    numeric_verdict,
    to_float,
)
from ._forms import Tex, exact, generic, quad, simp
from .families import family_entropy, family_kl, family_of
from .normal import Gaussian


class KLDivergence(Derivation):
    """``KL(P || Q) = E_P[log p(X) - log q(X)]``, derived; see :func:`kl_divergence`.

    Attributes
    ----------
    result : sympy.Expr
    family : str
        ``"Gaussian"`` or the ``sympy.stats`` family (``"Normal"``, ``"Gamma"``, ...).
    p, q : Gaussian or sympy.stats random variable
    """

    __slots__ = ("family", "p", "q")

    family: str
    p: Any
    q: Any


class Entropy(Derivation):
    """``H(P) = -E_P[log p(X)]``, derived; see :func:`entropy`.

    Attributes
    ----------
    result : sympy.Expr
    family : str
    p : Gaussian or sympy.stats random variable
    """

    __slots__ = ("family", "p")

    family: str
    p: Any


def _kind(obj: Any, name: str) -> str:
    if isinstance(obj, Gaussian):
        return "Gaussian"
    return family_of(obj, name)


def kl_divergence(P: Any, Q: Any, *, budget: float = DEFAULT_BUDGET) -> KLDivergence:
    """The Kullback-Leibler divergence ``KL(P || Q)``, with its steps.

    Parameters
    ----------
    P, Q : Gaussian, or sympy.stats random variables of one family
        Two :func:`symml.gaussian` of the same dimension, or two variables of
        one of the families Normal, Bernoulli, Poisson, Exponential, Gamma,
        Beta, Categorical (``sympy.stats.FiniteRV``).
    budget : float
        Seconds for the symbolic work.

    Returns
    -------
    KLDivergence
        ``.verify()`` compares with a seeded Monte Carlo estimate (Gaussians)
        or quadrature / summation with SciPy's densities (families).

    Examples
    --------
    >>> import sympy as sp, symml
    >>> kl = symml.kl_divergence(symml.gaussian([0], [[1]]), symml.gaussian([1], [[1]]))
    >>> kl.result
    1/2
    >>> import sympy.stats as ss
    >>> m1, m2 = sp.symbols("m1 m2", real=True)
    >>> s = sp.Symbol("s", positive=True)
    >>> symml.kl_divergence(ss.Normal("X", m1, s), ss.Normal("Y", m2, s)).result
    (m1 - m2)**2/(2*s**2)
    """
    seconds = as_budget(budget)
    kp, kq = _kind(P, "P"), _kind(Q, "Q")
    if kp != kq:
        raise ArgumentError(
            bad_argument(
                "Q",
                Q,
                f"P is {kp} but Q is {kq}: the closed forms here are between two members of "
                "one family; give P and Q of the same family",
            )
        )
    deadline = Deadline(seconds)
    if kp != "Gaussian":
        result, steps, verifier = family_kl(P, Q, kp, deadline)
        return KLDivergence(
            result, steps, kind="KL divergence", verifier=verifier, family=kp, p=P, q=Q
        )
    if P.dimension != Q.dimension:
        raise ArgumentError(
            bad_argument(
                "Q",
                Q,
                f"P is over {P.dimension} variables but Q over {Q.dimension}: "
                "give Gaussians of the same dimension",
            )
        )
    k = P.dimension
    Qi = simp(exact(Q.cov.inv, deadline, "inverting Q.cov"), deadline)
    d = Q.mean - P.mean
    value = (
        (Qi * P.cov).trace() + (d.T * Qi * d)[0, 0] - k + sp.log(Q.cov.det() / P.cov.det())
    ) / 2
    result = simp(value, deadline)
    return KLDivergence(
        result,
        lambda: _kl_steps(P, Q, result),
        kind="KL divergence",
        verifier=_verify_gaussian_kl,
        family="Gaussian",
        p=P,
        q=Q,
    )


def _kl_steps(P: Gaussian, Q: Gaussian, result: sp.Expr) -> list[Step]:
    k = P.dimension
    x, mp, Sp = generic(k, ("x", "mu_p", "Sigma_p"))
    _, mq, Sq = generic(k, ("x", "mu_q", "Sigma_q"))
    logdet = sp.log(sp.Determinant(Sq) / sp.Determinant(Sp)) / 2
    return [
        Step(
            Tex(r"\mathbb{E}_{p}\left[\log p(x) - \log q(x)\right]"),
            "definition: the expectation under P of the log-ratio",
            lhs=r"\mathrm{KL}(P \,\|\, Q)",
        ),
        Step(
            logdet - quad(x - mp, Sp.I) / 2 + quad(x - mq, Sq.I) / 2,
            "the log-ratio of the densities (the 2 pi factors cancel), inside E_p",
        ),
        Step(
            logdet
            - sp.Rational(1, 2) * sp.Trace(Sp.I * Sp)
            + (sp.Trace(Sq.I * Sp) + quad(mp - mq, Sq.I)) / 2,
            "expectation of a quadratic form: E[(x-m)^T A (x-m)] = tr(A Sigma_p) + "
            "(mu_p-m)^T A (mu_p-m)",
        ),
        Step(
            (
                sp.Trace(Sq.I * Sp)
                + quad(mq - mp, Sq.I)
                - k
                + sp.log(sp.Determinant(Sq) / sp.Determinant(Sp))
            )
            / 2,
            f"tr(Sigma_p^-1 Sigma_p) = tr(I) = {k}",
        ),
        Step(result, "with the numbers"),
    ]


def entropy(P: Any, *, budget: float = DEFAULT_BUDGET) -> Entropy:
    """The (differential) entropy ``H(P) = -E[log p(X)]``, with its steps.

    Parameters
    ----------
    P : Gaussian or sympy.stats random variable
        A :func:`symml.gaussian`, or a variable of the families listed in
        :func:`kl_divergence`.
    budget : float
        Seconds for the symbolic work.

    Returns
    -------
    Entropy
        ``.verify()`` compares with SciPy's ``entropy()`` at seeded parameter values.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> symml.entropy(symml.gaussian([0, 0], sp.eye(2))).result
    1 + log(2*pi)
    """
    seconds = as_budget(budget)
    kind = _kind(P, "P")
    deadline = Deadline(seconds)
    if kind != "Gaussian":
        result, steps, verifier = family_entropy(P, kind, deadline)
        return Entropy(result, steps, kind="entropy", verifier=verifier, family=kind, p=P)
    k = P.dimension
    result = simp(sp.Rational(k, 2) * (1 + sp.log(2 * sp.pi)) + sp.log(P.cov.det()) / 2, deadline)
    _, _, S = generic(k)

    def steps() -> list[Step]:
        half = sp.Rational(k, 2) * sp.log(2 * sp.pi) + sp.log(sp.Determinant(S)) / 2
        return [
            Step(sp.Symbol(r"-\mathbb{E}\left[\log p(x)\right]"), "definition", lhs=r"H(P)"),
            Step(
                half + (Tex(r"\tfrac{1}{2}\mathbb{E}[(x-\mu)^{\top}\Sigma^{-1}(x-\mu)]")),
                "minus the log-density, inside the expectation",
            ),
            Step(half + sp.Trace(S.I * S) / 2, "E[(x-mu)^T A (x-mu)] = tr(A Sigma)"),
            Step(
                sp.Rational(k, 2) * (1 + sp.log(2 * sp.pi)) + sp.log(sp.Determinant(S)) / 2,
                f"tr(I) = {k}: H = 1/2 log det(2 pi e Sigma)",
            ),
            Step(result, "with the numbers"),
        ]

    return Entropy(
        result, steps, kind="entropy", verifier=_verify_gaussian_entropy, family="Gaussian", p=P
    )


# -- verification ----------------------------------------------------------------------------
def _gaussian_draws(gs: list[Gaussian], seed: int) -> list[dict[sp.Basic, float]]:
    """Up to three seeded parameter values for which every covariance is positive definite."""
    params = set().union(*((G.mean.free_symbols | G.cov.free_symbols) for G in gs))
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(_TRIES):
        values = draw_values(params, rng)
        if all(is_spd(to_float(G.cov, values)) for G in gs):
            out.append(values)
        if len(out) >= (3 if params else 1):
            break
    return out


def _verify_gaussian_kl(
    d: KLDivergence, *, seed: int = 0, samples: int = 200_000, budget: float = CHECK_BUDGET
) -> Verdict:
    """``KL`` against a seeded Monte Carlo mean of ``log p(x) - log q(x)`` with x ~ P (SciPy)."""
    from scipy.stats import multivariate_normal as mvn

    as_budget(budget)
    P, Q = d.p, d.q
    rng = np.random.default_rng(seed)
    verdicts = []
    for values in _gaussian_draws([P, Q], seed):
        p = mvn(to_float(P.mean, values).ravel(), to_float(P.cov, values))
        q = mvn(to_float(Q.mean, values).ravel(), to_float(Q.cov, values))
        xs = p.rvs(size=samples, random_state=rng).reshape(samples, -1)
        claimed = float(
            d.result.xreplace({k: sp.Float(v, 30) for k, v in values.items()}).evalf(30)
        )
        verdicts.append(monte_carlo_verdict(claimed, p.logpdf(xs) - q.logpdf(xs), "KL"))
    return (
        first_failure(verdicts, d.result)
        if verdicts
        else Verdict(False, "inconclusive", notes=("inconclusive: no valid parameter values",))
    )


def _verify_gaussian_entropy(d: Entropy, *, seed: int = 0, budget: float = CHECK_BUDGET) -> Verdict:
    """The entropy against ``scipy.stats.multivariate_normal(...).entropy()``."""
    from scipy.stats import multivariate_normal as mvn

    as_budget(budget)
    P = d.p
    verdicts = []
    for values in _gaussian_draws([P], seed):
        ref = mvn(to_float(P.mean, values).ravel(), to_float(P.cov, values)).entropy()
        claimed = float(
            d.result.xreplace({k: sp.Float(v, 30) for k, v in values.items()}).evalf(30)
        )
        verdicts.append(
            numeric_verdict(np.array([claimed]), np.array([ref]), "entropy vs SciPy", points=1)
        )
    return (
        first_failure(verdicts, d.result)
        if verdicts
        else Verdict(False, "inconclusive", notes=("inconclusive: no valid parameter values",))
    )
