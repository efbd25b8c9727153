"""Bayes' rule over hypotheses that partition the possibilities, and the diagnostic test."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..._core import (
    DEFAULT_BUDGET,
    ArgumentError,
    Derivation,
    Step,
    Verdict,
    as_budget,
    as_sympy,
    bad_argument,
)


class BayesRule(Derivation):
    """Posterior probabilities of hypotheses given evidence; see :func:`bayes_rule`.

    Attributes
    ----------
    result : sympy.ImmutableMatrix
        The posterior probabilities, one per hypothesis, in the order given.
    posterior : dict
        ``{hypothesis: P(hypothesis | evidence)}``.
    evidence_probability : sympy.Expr
        ``P(evidence)`` by the law of total probability.
    prior, likelihood : dict
        The inputs, as SymPy numbers or expressions.
    """

    __slots__ = ("evidence_probability", "likelihood", "posterior", "prior")

    posterior: dict[Hashable, sp.Expr]
    evidence_probability: sp.Expr
    prior: dict[Hashable, sp.Expr]
    likelihood: dict[Hashable, sp.Expr]


def _probability(value: Any, name: str) -> sp.Expr:
    if isinstance(value, bool):
        raise ArgumentError(bad_argument(name, value, "pass a probability between 0 and 1"))
    expr = as_sympy(value, name)
    if not isinstance(expr, sp.Expr):
        raise ArgumentError(bad_argument(name, value, "pass a probability between 0 and 1"))
    if expr.is_number:
        if not expr.is_real or not (0 <= expr <= 1):
            raise ArgumentError(bad_argument(name, value, "a probability lies between 0 and 1"))
    return expr


def _label(h: Hashable) -> str:
    return rf"\text{{{h}}}" if isinstance(h, str) else sp.latex(h)


def bayes_rule(
    prior: Mapping[Hashable, Any],
    likelihood: Mapping[Hashable, Any],
    *,
    evidence: str = "E",
    budget: float = DEFAULT_BUDGET,
) -> BayesRule:
    r"""Bayes' rule over a set of hypotheses that partition the possibilities.

    :math:`P(H_k \mid E) = P(E \mid H_k) P(H_k) / P(E)` with
    :math:`P(E) = \sum_j P(E \mid H_j) P(H_j)` (law of total probability).
    Exact inputs (integers, ``sympy.Rational``, ``fractions.Fraction``) give
    exact results; symbols give formulas.

    Parameters
    ----------
    prior : mapping
        ``{hypothesis: P(hypothesis)}``; numeric priors must sum to 1.
    likelihood : mapping
        ``{hypothesis: P(evidence | hypothesis)}`` with the same keys.
    evidence : str
        The evidence's name in the steps.
    budget : float
        Seconds of symbolic work allowed (validated; the arithmetic is quick).

    Returns
    -------
    BayesRule
        ``result`` is the column of posteriors; ``posterior`` maps each
        hypothesis to its posterior probability.

    Raises
    ------
    ArgumentError
        Keys differ, a probability is outside [0, 1], the prior does not sum
        to 1, or the evidence has probability 0.

    Examples
    --------
    Three machines make 50 %, 30 % and 20 % of the parts, with defect rates
    of 1 %, 2 % and 3 %. Which machine made a defective part?

    >>> import sympy as sp, symml
    >>> R = sp.Rational
    >>> d = symml.bayes_rule({"A": R(1, 2), "B": R(3, 10), "C": R(1, 5)},
    ...                      {"A": R(1, 100), "B": R(2, 100), "C": R(3, 100)},
    ...                      evidence="D")
    >>> d.evidence_probability
    17/1000
    >>> d.posterior
    {'A': 5/17, 'B': 6/17, 'C': 6/17}
    >>> bool(d.verify())
    True
    """
    as_budget(budget)
    if not isinstance(prior, Mapping) or not prior:
        raise ArgumentError(bad_argument("prior", prior, "pass a dict {hypothesis: probability}"))
    if not isinstance(likelihood, Mapping) or set(likelihood) != set(prior):
        raise ArgumentError(
            bad_argument(
                "likelihood",
                likelihood,
                f"pass a dict {{hypothesis: P(evidence | hypothesis)}} with the prior's keys "
                f"{list(prior)}",
            )
        )
    keys = list(prior)
    p = {h: _probability(prior[h], f"prior[{h!r}]") for h in keys}
    lik = {h: _probability(likelihood[h], f"likelihood[{h!r}]") for h in keys}
    total_prior = sp.Add(*p.values())
    if total_prior.is_number and not math.isclose(float(total_prior), 1.0, abs_tol=1e-9):
        raise ArgumentError(
            bad_argument(
                "prior",
                dict(prior),
                f"the probabilities sum to {float(total_prior):.10g}, not 1",
            )
        )
    evidence_prob = sp.Add(*(lik[h] * p[h] for h in keys))
    if evidence_prob.is_zero:
        raise ArgumentError(
            bad_argument("likelihood", dict(likelihood), "the evidence has probability 0")
        )
    posterior = {h: lik[h] * p[h] / evidence_prob for h in keys}

    sym_p = {h: sp.Symbol(rf"P({_label(h)})") for h in keys}
    sym_l = {h: sp.Symbol(rf"P({evidence} \mid {_label(h)})") for h in keys}
    sym_e = sp.Symbol(rf"P({evidence})")

    def steps() -> list[Step]:
        total = sp.Add(*(sym_l[h] * sym_p[h] for h in keys), evaluate=False)
        out = [Step(total, "law of total probability over the hypotheses", lhs=sym_e)]
        if evidence_prob != total:
            out.append(Step(evidence_prob, "substitute the prior and the likelihoods"))
        for h in keys:
            formula = sym_l[h] * sym_p[h] / sym_e
            out.append(Step(formula, "Bayes' rule", lhs=rf"P({_label(h)} \mid {evidence})"))
            if posterior[h] != formula:
                out.append(Step(posterior[h], "substitute"))
        return out

    return BayesRule(
        sp.ImmutableMatrix([posterior[h] for h in keys]),
        steps,
        posterior=posterior,
        evidence_probability=evidence_prob,
        prior=p,
        likelihood=lik,
        kind="Bayes' rule",
        assumptions=("the hypotheses are mutually exclusive and exhaustive",),
        verifier=_bayes_rule_verdict,
    )


def diagnostic_test(
    prevalence: Any,
    sensitivity: Any,
    specificity: Any,
    *,
    positive: bool = True,
    budget: float = DEFAULT_BUDGET,
) -> BayesRule:
    r"""The probability of disease after a test result (Bayes' rule).

    Parameters
    ----------
    prevalence : number or sympy expression
        :math:`P(D)`, the prior probability of disease.
    sensitivity : number or sympy expression
        :math:`P(+ \mid D)`.
    specificity : number or sympy expression
        :math:`P(- \mid \bar D)`.
    positive : bool
        Condition on a positive (default) or a negative result.
    budget : float
        Seconds of symbolic work allowed.

    Returns
    -------
    BayesRule
        Hypotheses ``"disease"`` and ``"no disease"``; evidence ``"+"`` or ``"-"``.

    Examples
    --------
    A test with 99 % sensitivity and 95 % specificity, for a disease with
    prevalence 1 %: a positive result means disease with probability 1/6.

    >>> import sympy as sp, symml
    >>> R = sp.Rational
    >>> d = symml.diagnostic_test(R(1, 100), R(99, 100), R(95, 100))
    >>> d.posterior["disease"], d.evidence_probability
    (1/6, 297/5000)
    >>> symml.diagnostic_test(0.01, 0.99, 0.95, positive=False).posterior["disease"]
    0.000106...
    """
    prev = _probability(prevalence, "prevalence")
    sens = _probability(sensitivity, "sensitivity")
    spec = _probability(specificity, "specificity")
    if positive:
        lik = {"disease": sens, "no disease": 1 - spec}
    else:
        lik = {"disease": 1 - sens, "no disease": spec}
    return bayes_rule(
        {"disease": prev, "no disease": 1 - prev},
        lik,
        evidence="+" if positive else "-",
        budget=budget,
    )


def _bayes_rule_verdict(d: BayesRule, *, seed: int = 0, cases: int = 200_000) -> Verdict:
    """Product rule and normalisation exactly; the posterior as a frequency by simulation."""
    rng = np.random.default_rng(seed)
    keys = list(d.prior)
    exprs = [*d.prior.values(), *d.likelihood.values()]
    free = sorted(set().union(*(e.free_symbols for e in exprs)), key=lambda s: s.name)
    point = {s: sp.Float(rng.uniform(0.05, 0.95)) for s in free}
    prior = np.array([float(d.prior[h].subs(point)) for h in keys])
    lik = np.array([float(d.likelihood[h].subs(point)) for h in keys])
    post = np.array([float(d.posterior[h].subs(point)) for h in keys])
    evidence = float(d.evidence_probability.subs(point))
    if not math.isclose(post.sum(), 1.0, rel_tol=1e-12):
        return Verdict(
            False,
            "normalisation",
            claimed=d.result,
            counterexample=point or None,
            claimed_value=post.sum(),
            expected_value=1,
        )
    if not np.allclose(post * evidence, lik * prior, rtol=1e-12, atol=1e-15):
        return Verdict(
            False,
            "product rule",
            claimed=d.result,
            counterexample=point or None,
            claimed_value=(post * evidence).tolist(),
            expected_value=(lik * prior).tolist(),
        )
    notes = ["posteriors sum to 1; P(H|E) P(E) = P(E|H) P(H)"]
    if not free and prior.sum() > 0:
        # Simulate: draw a hypothesis from the prior, the evidence from the likelihood.
        h = rng.choice(len(keys), size=cases, p=prior / prior.sum())
        e = rng.random(cases) < lik[h]
        if e.sum() >= 100:
            freq = np.bincount(h[e], minlength=len(keys)) / e.sum()
            se = np.sqrt(post * (1 - post) / e.sum())
            if np.any(np.abs(freq - post) > 5 * se + 1e-12):
                k = int(np.argmax(np.abs(freq - post) - 5 * se))
                return Verdict(
                    False,
                    "simulation",
                    claimed=d.result,
                    claimed_value=float(post[k]),
                    expected_value=float(freq[k]),
                    notes=(*notes, f"hypothesis {keys[k]!r}"),
                )
            notes.append(
                f"posterior frequencies in {int(e.sum())} simulated cases with "
                "the evidence agree within 5 standard errors"
            )
    return Verdict(
        True, "product rule and simulation", claimed=d.result, notes=tuple(notes), points=1
    )
