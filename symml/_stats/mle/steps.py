"""The steps of an :class:`MLE` derivation, with the second-order check."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy as sp

from ..._core import Deadline, Step
from ..model import Model, _hat
from ..numeric import SYMPY_FAILURES
from .sample import _Sample
from .solve import _Solution

if TYPE_CHECKING:
    from .estimate import MLE


def _steps(d: MLE) -> list[Step]:
    m: Model = d._model
    s: _Sample = d._sample
    sol: _Solution = d._solution
    i, n = s.i, s.n
    ell = sp.Function("ell")(*m.params)
    out = [
        Step(
            sp.Product(s.at(m.density), (i, 1, n)),
            "likelihood of the i.i.d. sample: the product of the densities "
            "(only shown; the derivation works with its log)",
            lhs=sp.Function("L")(*m.params),
        ),
        Step(
            sp.Sum(s.at(sp.log(m.density)), (i, 1, n)),
            "log-likelihood: the log of a product is the sum of the logs",
            lhs=ell,
        ),
        Step(
            sp.Sum(s.at(m.logpdf), (i, 1, n)),
            "expand the log of the density",
        ),
        Step(
            d.log_likelihood,
            "split the sum: terms free of the data give n times the term; factors free "
            "of the data move out of the sums",
        ),
    ]
    for k, p in enumerate(m.params):
        out.append(
            Step(
                d.score[k],
                "score: differentiate the log-likelihood",
                lhs=sp.Derivative(ell, p),
            )
        )
    for p, (est, why) in sol.special.items():
        out.append(Step(est, why, lhs=_hat(p)))
    for p in sol.order:
        e = sol.hat_form[p]
        why = f"set the score to zero and solve for {p}"
        if e.has(sp.Sum):
            why += " (the sums are the sufficient statistics)"
        if p in sol.rejected:
            why += "; rejected roots: " + "; ".join(sol.rejected[p])
        out.append(Step(e, why, lhs=_hat(p)))
    for p, why in sol.failures.items():
        out.append(
            Step(
                sp.Eq(d.score[m.params.index(p)], 0),
                f"no closed form for {p}: {why}; fit() finds the root numerically "
                "(L-BFGS-B from moment starting values, then scipy.optimize.root)",
            )
        )
    if sol.closed:
        for p in m.params:
            if sol.closed[p] != sol.hat_form.get(p, sol.closed[p]):
                out.append(Step(sol.closed[p], "substitute the other estimates", lhs=_hat(p)))
        if any(p not in sol.special for p in m.params):
            out.append(_second_order_step(d))
    fisher = d.fisher_information
    if fisher is not None:
        why_f = d._cache["fisher"][1]
        out.append(
            Step(
                fisher,
                "Fisher information per observation: " + why_f,
                lhs=sp.Function("I")(*m.params),
            )
        )
    out.append(Step(d.result, "the maximum-likelihood estimate", lhs=r"\text{MLE}"))
    return out


def _second_order_step(d: MLE) -> Step:
    m: Model = d._model
    s: _Sample = d._sample
    sol: _Solution = d._solution
    regular = [p for p in m.params if p not in sol.special]
    hats = {p: _hat(p) for p in m.params}
    label = sp.Function("H")(*[hats[p] for p in regular])
    H = sp.ImmutableMatrix(
        [[s.tidy(sp.diff(d.score[m.params.index(a)], b)) for b in regular] for a in regular]
    )
    clock = Deadline(min(d._budget, 5.0))
    at = H.xreplace(hats)
    hat_set = set(hats.values())
    expanded = at.applyfunc(lambda e: s.expand_sums(e, hat_set))
    rel = [
        s.expand_sums(d.score[m.params.index(p)].xreplace(hats), hat_set)
        for p in m.params
        if p not in sol.special
    ]
    cache: dict[sp.Sum, sp.Dummy] = {}
    rel_op = [s.opaque(e, cache) for e in rel]
    H_op = expanded.applyfunc(lambda e: s.opaque(e, cache))
    back = {dd: ss_ for ss_, dd in cache.items()}
    unknowns = list(cache.values())

    def work() -> sp.Matrix:
        subs = sp.solve(rel_op, unknowns, dict=True) if unknowns else [{}]
        if not subs:
            return H_op
        return H_op.xreplace(subs[0]).applyfunc(sp.simplify)

    simplified, ok = clock.run(work, failures=SYMPY_FAILURES)
    shown = at
    verdict = None
    if ok and simplified is not None and not simplified.free_symbols & set(unknowns):
        shown = simplified.xreplace(back)
        verdict = _negative_definite(simplified)
    if verdict is True:
        why = (
            "second-order check: the Hessian H of the log-likelihood at the estimate is "
            "negative definite, a maximum"
        )
    else:
        why = (
            "second-order check: the Hessian H of the log-likelihood at the estimate; "
            "negative definite (checked numerically at sampled data by .verify())"
        )
    return Step(shown, why, lhs=label)


def _negative_definite(H: sp.Matrix) -> bool | None:
    k = H.shape[0]
    for j in range(1, k + 1):
        minor = H[:j, :j].det() if j > 1 else H[0, 0]
        sign = (-1) ** j
        val = sp.simplify(sign * minor)
        if val.is_positive is not True:
            return None
    return True
