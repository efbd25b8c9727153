"""Conjugate posteriors, derived by multiplying the prior kernel by the likelihood kernel."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from ..._core import (
    DEFAULT_BUDGET,
    ArgumentError,
    Deadline,
    NoClosedFormError,
    as_sympy,
    bad_argument,
)
from ..density import (
    SampleForms,
    fresh_symbol,
    log_expand,
    solve_within,
    split_sum,
    stabilise,
)
from ..model import Model, as_model, is_random_variable
from ..signs import inadmissible, signed_placeholder
from .families import DIRICHLET, FAMILIES, NORMAL, Family, parts_by_factor
from .posterior import Posterior, _Spec
from .verify import posterior_verdict

_SIMPLIFY_CAP = 2.0  # seconds of the budget one simplification may take


def _solve(eqs: list[sp.Expr], unknowns: Sequence[sp.Symbol], deadline: Deadline) -> list[dict]:
    sols, finished = solve_within(deadline, eqs, unknowns)
    if not finished:
        raise NoClosedFormError(
            f"no conjugate posterior found within {deadline.seconds:g} s (the budget); "
            "pass a larger budget="
        )
    return sols


def _recognise(
    family: Family,
    order: Sequence[sp.Symbol],
    parts: Mapping[sp.Expr, sp.Expr],
    unknowns: Sequence[sp.Symbol],
    deadline: Deadline,
) -> dict[sp.Symbol, sp.Expr] | None:
    """The hyperparameters making ``family``'s log density match ``parts``, or None."""
    template = parts_by_factor(family.logpdf(order, unknowns), order)
    if not set(parts) - {sp.S.One} <= set(template) - {sp.S.One}:
        return None
    eqs = [template[k] - parts.get(k, sp.S.Zero) for k in template if k != 1]
    for sol in _solve(eqs, unknowns, deadline):
        if set(sol) != set(unknowns):
            continue
        if any(v.has(*order) for v in sol.values()):
            continue
        if any(inadmissible(sol[u], u) for u in unknowns):
            continue  # e.g. the negative root of a variance: sums of squares are >= 0
        return sol
    return None


def _simplify(expr: sp.Expr, deadline: Deadline) -> sp.Expr:
    out, finished = deadline.run(lambda: sp.simplify(expr), _SIMPLIFY_CAP)
    if not finished:
        return expr
    return out if sp.count_ops(out) <= sp.count_ops(expr) else expr


def _find_family(
    parts: Mapping[sp.Expr, sp.Expr], params: Sequence[sp.Symbol], deadline: Deadline
) -> tuple[Family, tuple[sp.Symbol, ...], dict[sp.Symbol, sp.Expr]] | None:
    for family in FAMILIES:
        if not family.dims(len(params)):
            continue
        orders = [tuple(params)] if family is DIRICHLET else itertools.permutations(params)
        for order in orders:
            unknowns = family.dummies(len(params))
            sol = _recognise(family, order, parts, unknowns, deadline)
            if sol is not None:
                return family, tuple(order), {u: sol[u] for u in unknowns}
    return None


def _stable_in(expr: sp.Expr, symbols: Sequence[sp.Symbol]) -> sp.Expr:
    """``expr`` with every quadratic in one of ``symbols`` in completed-square form."""
    for sym in symbols:
        if not sym.is_integer:
            expr = stabilise(expr, sym)
    return expr


def _mode(
    family: Family, order: Sequence[sp.Symbol], hyper: Sequence[sp.Symbol], deadline: Deadline
) -> dict[sp.Symbol, sp.Expr]:
    """The MAP: the gradient of the log posterior is zero (on the simplex for a Dirichlet)."""
    logp = family.logpdf(order, hyper)
    if family is DIRICHLET:
        lam = sp.Dummy("lambda")
        eqs = [sp.diff(logp, t) - lam for t in order] + [sp.Add(*order) - 1]
        sols = _solve(eqs, [*order, lam], deadline)
    else:
        sols = _solve([sp.diff(logp, t) for t in order], list(order), deadline)
    complete = [sol for sol in sols if all(t in sol for t in order)]
    # the same sign rule as the hyperparameters: a mode of a positive parameter is not <= 0
    admissible = [sol for sol in complete if not any(inadmissible(sol[t], t) for t in order)]
    for sol in admissible or complete:
        return {t: sp.factor(sol[t]) for t in order}
    raise NoClosedFormError(f"could not solve for the mode of {family.label(hyper)}")


def _predictive(
    family: Family,
    order: Sequence[sp.Symbol],
    hyper: Sequence[sp.Symbol],
    log_f: sp.Expr,
    new: dict[sp.Symbol, sp.Symbol],
    deadline: Deadline,
) -> tuple[sp.Expr, str]:
    """log p(new | data) = (terms free of the parameters) - (those of the integrand's family)."""
    parts = parts_by_factor(log_f.xreplace(new) + family.logpdf(order, hyper), order)
    unknowns = family.dummies(len(order))
    sol = _recognise(family, order, parts, unknowns, deadline)
    if sol is None:  # pragma: no cover - the posterior's own family always fits
        raise NoClosedFormError("could not integrate the posterior predictive")
    integrand = [sol[u] for u in unknowns]
    template_free = parts_by_factor(family.logpdf(order, integrand), order).get(sp.S.One, 0)
    log_pred = sp.expand(parts.get(sp.S.One, sp.S.Zero) - template_free)
    return log_pred, family.label([sp.factor(v) for v in integrand])


def _display_predictive(log_pred: sp.Expr, new: Sequence[sp.Symbol], deadline: Deadline) -> sp.Expr:
    """The predictive density for display: a Normal density when it is one."""
    if len(new) == 1 and new[0].is_real and not new[0].is_integer:
        unknowns = NORMAL.dummies(1)
        sol = _recognise(NORMAL, new, parts_by_factor(log_pred, new), unknowns, deadline)
        if sol is not None:
            return NORMAL.pdf(new, [_simplify(sp.factor(sol[u]), deadline) for u in unknowns])
    # exp(log_pred) with the logs combined: a product of powers and Gamma functions.
    as_logs = log_pred.replace(
        lambda e: isinstance(e, sp.loggamma), lambda e: sp.log(sp.gamma(e.args[0]))
    )
    combined = sp.exp(sp.logcombine(as_logs, force=True))
    out, finished = deadline.run(lambda: sp.powsimp(sp.simplify(combined)), _SIMPLIFY_CAP)
    return out if finished else combined


def _prior_density(prior: Any, model: Model, params: Any) -> tuple[sp.Expr, tuple[sp.Symbol, ...]]:
    """The prior density and the parameters it is over."""
    free = model.density.free_symbols - set(model.var)
    if is_random_variable(prior):
        name = str(prior.symbol)
        matches = [s for s in free if s.name == str(name)]
        if not matches:
            raise ArgumentError(
                bad_argument(
                    "prior",
                    prior,
                    f"its name {str(name)!r} must be a parameter of the likelihood "
                    f"({sorted(s.name for s in free)})",
                )
            )
        param = matches[0]
        dist = prior.pspace.distribution
        density = dist.pdf(param)
        if isinstance(density, sp.Piecewise):
            density = density.args[0].expr
        return density, (param,)
    density = as_sympy(prior, "prior")
    if not isinstance(density, sp.Expr):
        raise ArgumentError(bad_argument("prior", prior, "pass a density or a sympy.stats RV"))
    if params is None:
        chosen = tuple(sorted(density.free_symbols & free, key=lambda s: s.name))
    else:
        chosen = tuple(params) if isinstance(params, (list, tuple)) else (params,)
    if not chosen:
        raise ArgumentError(
            bad_argument(
                "prior", prior, "it shares no parameter with the likelihood; pass params=[...]"
            )
        )
    for p in chosen:
        if p not in free or p not in density.free_symbols:
            raise ArgumentError(
                bad_argument("params", params, f"{p} must appear in the prior and the likelihood")
            )
    return density, chosen


def _prior_family(
    prior: Any, prior_density: sp.Expr, chosen: Sequence[sp.Symbol], deadline: Deadline
) -> tuple[Family, tuple[sp.Symbol, ...], dict[str, sp.Expr]]:
    """The prior's family, the parameters in the family's order and the prior's hyperparameters."""
    found = _find_family(parts_by_factor(log_expand(prior_density), chosen), chosen, deadline)
    if found is None:
        raise NoClosedFormError(
            bad_argument(
                "prior",
                prior,
                "it is not a Beta, Gamma, Inverse-Gamma, Normal, Normal-Inverse-Gamma or "
                "Dirichlet density in " + ", ".join(map(str, chosen)),
            )
        )
    family, order, sol = found
    names = family.hyper(len(order))
    return family, order, {n: _simplify(sol[u], deadline) for n, u in zip(names, sol, strict=True)}


def _posterior_hyper(
    prior: Any,
    family: Family,
    order: Sequence[sp.Symbol],
    post_parts: Mapping[sp.Expr, sp.Expr],
    deadline: Deadline,
) -> tuple[sp.Expr, ...]:
    """The posterior hyperparameters (in the sum placeholders): match the family's terms."""
    unknowns = family.dummies(len(order))
    sol = _recognise(family, order, post_parts, unknowns, deadline)
    if sol is None:
        template = parts_by_factor(family.logpdf(order, unknowns), order)
        extra = sorted(set(post_parts) - set(template), key=sp.default_sort_key)
        raise NoClosedFormError(
            bad_argument(
                "prior",
                prior,
                f"the posterior kernel is not {family.name}: prior x likelihood has the terms "
                f"{extra} that a {family.name} density does not; the prior is not conjugate "
                "to this likelihood",
            )
        )
    return tuple(_simplify(sp.factor_terms(sol[u]), deadline) for u in unknowns)


def conjugate_posterior(
    likelihood: Any,
    prior: Any,
    params: Any = None,
    *,
    var: Any = None,
    budget: float = DEFAULT_BUDGET,
) -> Posterior:
    r"""Derive the posterior of a conjugate prior: prior kernel times likelihood kernel.

    Parameters
    ----------
    likelihood : sympy.stats random variable or sympy.Expr
        The model of one observation, e.g. ``sympy.stats.Poisson("X", lam)``,
        or its density/pmf as an expression in ``var``. Categorical data are
        a pmf in one-hot indicators, ``theta1**x1 * theta2**x2 * theta3**x3``
        with ``var=[x1, x2, x3]``.
    prior : sympy.stats random variable or sympy.Expr
        The prior, e.g. ``sympy.stats.Gamma("lam", a, 1/b)`` (its name must be
        the likelihood's parameter), or a density in the parameters.
    params : Symbol or list of Symbols, optional
        The parameters; default: the symbols shared by prior and likelihood.
        For a normal likelihood with unknown variance the parameter is the
        variance (``sympy.stats.Normal("X", mu, sympy.sqrt(v))``).
    var : Symbol or list of Symbols, optional
        The variable of a density expression.
    budget : float
        Seconds of symbolic work allowed (recognising the families, solving
        for the hyperparameters, the mode and the predictive).

    Returns
    -------
    Posterior
        ``result`` is the posterior density with hyperparameters over the
        sample; ``hyperparameters``, ``map_estimate``, ``predictive`` and
        ``update(data, ...)`` give the rest. ``verify()`` normalises
        prior x likelihood by quadrature on seeded data and compares it with
        the closed form, the MAP and the predictive.

    Raises
    ------
    NoClosedFormError
        The prior is not one of the recognised families, or the posterior
        kernel is not in the prior's family (the prior is not conjugate).
        Also when the symbolic work does not finish within ``budget`` seconds.

    Examples
    --------
    Gamma prior, Poisson counts:

    >>> import sympy as sp, sympy.stats as ss, symml
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> a, b = sp.symbols("a b", positive=True)
    >>> post = symml.conjugate_posterior(ss.Poisson("X", lam), ss.Gamma("lambda", a, 1 / b))
    >>> post.family, post.hyperparameters
    ('Gamma', {alpha_n: a + Sum(x[i], (i, 1, n)), beta_n: b + n})
    >>> post.map_estimate
    {lambda: (alpha_n - 1)/beta_n}
    >>> fit = post.update([2, 4, 3, 0, 1], a=2.0, b=1.0)
    >>> fit.params, fit.map
    ({'alpha': 12.0, 'beta': 6.0}, {'lambda': 1.8333333333333333})

    Normal mean with known variance:

    >>> mu, m0 = sp.Symbol("mu", real=True), sp.Symbol("m_0", real=True)
    >>> sigma, tau = sp.symbols("sigma tau_0", positive=True)
    >>> post = symml.conjugate_posterior(ss.Normal("X", mu, sigma), ss.Normal("mu", m0, tau))
    >>> post.family
    'Normal'
    >>> fit = post.update([4.8, 5.4, 5.1], m_0=0.0, tau_0=10.0, sigma=0.5)
    >>> round(fit.params["m"], 6), round(fit.params["s"], 6)
    (5.095754, 0.288555)

    Bayesian linear regression in one weight ``w`` (a response ``y``, a
    covariate ``x``): the posterior scale is the positive root, because a
    sum of squares is non-negative:

    >>> w, x, y = sp.Symbol("w", real=True), sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    >>> lik = sp.exp(-((y - w * x) ** 2) / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2)
    >>> post = symml.conjugate_posterior(lik, ss.Normal("w", m0, tau), var=[y, x])
    >>> post.hyperparameters[sp.Symbol("s_n", positive=True)]
    sigma*tau_0/sqrt(sigma**2 + tau_0**2*Sum(x[i]**2, (i, 1, n)))
    >>> data = {"y": [1.0, 2.0, 3.0], "x": [1.0, 2.0, 2.5]}
    >>> fit = post.update(data, m_0=0.0, tau_0=1.0, sigma=1.0)
    >>> round(fit.params["s"], 6), round(fit.map["w"], 6)
    (0.285714, 1.020408)
    """
    deadline = Deadline(budget)
    model = as_model(likelihood, params=None, var=var, name="likelihood")
    prior_density, chosen = _prior_density(prior, model, params)
    model = model.with_params(chosen)
    taken = {s.name for s in model.density.free_symbols | prior_density.free_symbols}
    taken |= {s.name for s in model.domain.free_symbols}
    n = fresh_symbol("n", taken, integer=True, positive=True)
    i = fresh_symbol("i", taken, integer=True, positive=True)
    data = tuple(sp.IndexedBase(v.name, **v.assumptions0)[i] for v in model.var)
    log_f = log_expand(model.density).xreplace(dict(zip(model.var, data, strict=True)))
    loglik = split_sum(log_f, data, i, n)
    sums = sorted(loglik.atoms(sp.Sum), key=sp.default_sort_key)
    holders = {s: signed_placeholder(s, f"S{k}") for k, s in enumerate(sums)}
    back = {h: s for s, h in holders.items()}

    family, order, prior_h = _prior_family(prior, prior_density, chosen, deadline)
    post_parts = parts_by_factor((log_expand(prior_density) + loglik).xreplace(holders), order)
    raw = _posterior_hyper(prior, family, order, post_parts, deadline)
    hyper = family.symbols(len(order), "_n")
    hyper_exprs = {h: r.xreplace(back) for h, r in zip(hyper, raw, strict=True)}
    # a new observation is a real number (its square is >= 0 when roots are chosen)
    new = {v: sp.Symbol(f"{v.name}tilde", **{**v.assumptions0, "real": True}) for v in model.var}
    log_pred, integrand_family = _predictive(
        family, order, hyper, log_expand(model.density), new, deadline
    )
    spec = _Spec(
        family=family,
        model=model,
        prior_density=prior_density,
        hyper=hyper,
        forms=SampleForms.build(
            raw, back, data, model.var, n, taken, stable=family.location is not None
        ),
        known=tuple(
            sorted((prior_density.free_symbols | set(model.constants)) - set(order), key=str)
        ),
        log_predictive=_stable_in(log_pred, list(new.values())),
        log_f=log_f,
        loglik=loglik,
        theta_part=sp.Add(*(c * f for f, c in post_parts.items() if f != 1)).xreplace(back),
        integrand_family=integrand_family,
    )
    return Posterior(
        family.pdf(order, [hyper_exprs[h] for h in hyper]),
        None,
        _spec=spec,
        family=family.name,
        params=order,
        prior_hyperparameters=prior_h,
        hyperparameters=hyper_exprs,
        density=family.pdf(order, hyper),
        map_estimate=_mode(family, order, hyper, deadline),
        predictive=_display_predictive(log_pred, tuple(new.values()), deadline),
        new_observation=tuple(new.values()),
        kind=f"{family.name} posterior",
        assumptions=(
            f"{', '.join(v.name for v in model.var)} i.i.d. given "
            f"{', '.join(p.name for p in order)}",
        ),
        wrt=order,
        source=prior_density * model.density,
        verifier=posterior_verdict,
    )
