""":func:`mle`: analyse the model, build the log-likelihood and score, solve."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from ..._core import (
    DEFAULT_BUDGET,
    Deadline,
    as_budget,
)
from ..model import Model, _UseMultivariate, analyse
from .estimate import MLE
from .mvnormal import _mle_mvnormal
from .sample import _Sample
from .solve import _solve
from .verify import _mle_verdict


def mle(
    model: Any,
    params: Sequence[sp.Symbol] | sp.Symbol | None = None,
    *,
    var: sp.Symbol | None = None,
    budget: float = DEFAULT_BUDGET,
) -> MLE:
    r"""Maximum-likelihood estimation, derived: log-likelihood, score, estimators, information.

    Parameters
    ----------
    model : sympy.stats random variable or sympy expression
        A random variable (``Normal``, ``Poisson``, ``Gamma``, ``FiniteRV``,
        ``MultivariateNormal``, ...) or a density / pmf typed by hand as an
        expression in ``var``.
    params : Symbol or list of Symbols, optional
        The parameters to estimate. Default: every free symbol of the model
        except integer ones (a Binomial's ``N`` is known) and ``var``.
        The others are treated as known.
    var : Symbol
        The variable of a hand-typed density (its assumptions give the
        support: ``positive=True`` for ``x > 0``, ``integer=True,
        nonnegative=True`` for counts).
    budget : float, default 10
        Seconds of symbolic work (solving, expectations) before giving up
        on a closed form.

    Returns
    -------
    MLE
        A :class:`~symml.Derivation` with ``.estimators``,
        ``.log_likelihood``, ``.score``, ``.fisher_information`` and
        ``.fit(data)``.

    Raises
    ------
    ArgumentError
        ``model`` is not a random variable or expression, ``var`` is
        missing, or ``params`` names a symbol the model does not have.

    Examples
    --------
    >>> import sympy as sp, sympy.stats as ss
    >>> from symml import mle
    >>> mu = sp.Symbol("mu", real=True)
    >>> sigma = sp.Symbol("sigma", positive=True)
    >>> est = mle(ss.Normal("X", mu, sigma))
    >>> est.estimators[mu]
    Sum(x[i], (i, 1, n))/n
    >>> est.estimators[sigma]
    sqrt(Sum((x[i] - Sum(x[j], (j, 1, n))/n)**2, (i, 1, n)))/sqrt(n)
    >>> est.fisher_information
    Matrix([
    [sigma**(-2),           0],
    [          0, 2/sigma**2]])
    >>> fit = est.fit([1.0, 2.0, 4.0])
    >>> {name: round(value, 6) for name, value in fit.params.items()}
    {'mu': 2.333333, 'sigma': 1.247219}
    >>> [s.why.split(":")[0] for s in est.steps][1:4]
    ['log-likelihood', 'expand the log of the density', 'split the sum']

    A density typed by hand:

    >>> theta, x = sp.Symbol("theta", positive=True), sp.Symbol("x", positive=True)
    >>> est = mle(theta * x**(theta - 1), [theta], var=x)
    >>> est.estimators
    {theta: -n/Sum(log(x[i]), (i, 1, n))}
    >>> round(est.fit([0.2, 0.5, 0.9]).params["theta"], 4)
    1.2459

    How it works
    ------------
    (1) The density ``f(x; θ)`` is taken from the random variable (on its
    support, without the ``Piecewise``), and ``log f`` is expanded: logs of
    products and powers split, ``log Γ`` becomes ``loggamma``. (2) The
    log-likelihood is the sum of ``log f(x_i)`` over ``i = 1..n``; terms
    free of the data give ``n`` times the term, and factors free of the data
    move out of the sums. (3) The score ``∂ℓ/∂θ`` is differentiated through
    the sums. (4) Each score equation is solved for its parameter: sums that
    involve that parameter are expanded into sufficient statistics
    (``Σ(x_i - μ) = Σx_i - nμ``), the other sums are treated as unknown
    constants of known sign, and ``solve`` runs within the budget. Roots that
    still contain the parameter, are complex, or have the wrong sign
    (negative for a positive parameter) are rejected. Solved parameters are
    substituted into the remaining equations. (5) Parameters that set the
    support (``θ`` in ``Uniform(0, θ)``) have no score root: the likelihood
    is monotone on the feasible set, so the estimate is the sample's
    ``max`` or ``min``. A parameter inside ``|x - μ|`` (Laplace) is the
    sample median. (6) The second-order check substitutes the estimates
    into the Hessian, using the score equations to eliminate the sums.
    (7) The Fisher information ``-E[∂² log f]`` uses the known moments of
    the catalog distributions (``E[X]``, ``E[log X]``, ...), never an
    unbudgeted ``sympy.stats.E``; for other models SymPy integrates for at
    most 1.5 s per entry, and an expectation it cannot do stays an
    unevaluated ``Integral`` (or ``Sum``) that ``fit`` evaluates by
    quadrature. (8) ``fit`` compiles the estimators with
    :func:`symml.to_numpy` and evaluates their sums block by block, inner
    sums first (so a variance is the centred two-pass sum).

    Pitfalls
    --------
    SymPy's own route, the log of a ``Product``, does not split and
    ``solve`` finds nothing:

    >>> i, n = sp.symbols("i n", integer=True, positive=True)
    >>> xi = sp.IndexedBase("x", positive=True)[i]
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> loglik = sp.log(sp.Product(lam * sp.exp(-lam * xi), (i, 1, n)))
    >>> sp.solve(sp.diff(loglik, lam), lam)
    []
    >>> mle(ss.Exponential("X", lam)).estimators
    {lambda: n/Sum(x[i], (i, 1, n))}

    The Gamma distribution with both parameters has no closed form (its
    shape solves ``log k - ψ(k) = log x̄ - mean(log x)``): ``estimators``
    is empty and ``fit`` finds the root numerically:

    >>> k, th = sp.symbols("k theta", positive=True)
    >>> est = mle(ss.Gamma("X", k, th))
    >>> est.estimators
    {}
    >>> fit = est.fit([1.2, 0.7, 3.1, 2.2, 1.9, 0.4])
    >>> fit.method, round(fit.params["k"], 3)
    ('numeric root of the score', 2.487)

    Boundary estimators are not roots of the score:

    >>> t = sp.Symbol("theta", positive=True)
    >>> mle(ss.Uniform("U", 0, t)).estimators
    {theta: max(x)}

    The values a symbol may take are part of the model: a data set outside
    the support is an error that names the values:

    >>> mle(ss.Poisson("N", lam)).fit([2, -1, 3])
    Traceback (most recent call last):
    ...
    symml.ArgumentError: data=[2, -1, 3] is not valid: 1 value is outside the ...
    """
    budget = as_budget(budget)
    try:
        m = analyse(model, params, var)
    except _UseMultivariate:
        return _mle_mvnormal(model, params)
    return _build(m, budget)


def _build(m: Model, budget: float) -> MLE:
    clock = Deadline(budget)
    sample = _Sample(m)
    ll = sample.split(m.logpdf)
    score = sp.ImmutableMatrix([sample.tidy(sp.diff(ll, p)) for p in m.params])
    solution = _solve(m, sample, ll, score, clock)
    params = m.params
    if solution.closed:
        pairs = [(p, solution.closed[p]) for p in params]
        if len(pairs) == 1:
            result: sp.Basic = sp.Eq(pairs[0][0], pairs[0][1])
        else:
            result = sp.Eq(
                sp.ImmutableMatrix([p for p, _ in pairs]), sp.ImmutableMatrix([e for _, e in pairs])
            )
    else:
        result = sp.Eq(score, sp.ImmutableMatrix.zeros(len(params), 1))
    assumptions = [f"{sample.x}_1, ..., {sample.x}_n i.i.d. from {m.label}"]
    assumptions += [f"{p} {_domain_text(p)}" for p in params if _domain_text(p)]
    if m.known:
        assumptions.append(", ".join(map(str, m.known)) + " known")
    assumptions += m.notes
    return MLE(
        result,
        None,
        assumptions=assumptions,
        kind="maximum likelihood",
        source=ll,
        wrt=params,
        verifier=_mle_verdict,
        _budget=budget,
        _cache={},
        _model=m,
        _sample=sample,
        _solution=solution,
        estimators=dict(solution.closed),
        i=sample.i,
        log_likelihood=ll,
        n=sample.n,
        params=params,
        score=score,
        x=sample.x,
    )


def _domain_text(p: sp.Symbol) -> str:
    if p.is_positive:
        return "> 0"
    if p.is_nonnegative:
        return ">= 0"
    if p.is_real:
        return "real"
    return ""
