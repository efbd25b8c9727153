"""Fisher information: symbolic (known moments, budgeted integrals) and numeric."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from ..._codegen import to_numpy
from ..._core import Deadline
from ..model import Model, numeric_form
from ..numeric import SYMPY_FAILURES, quadrature
from .solve import _Solution

if TYPE_CHECKING:
    from .estimate import MLE


def _canon(e: sp.Expr) -> sp.Expr:
    return sp.expand(sp.expand_log(sp.expand(e, power_base=True, force=True), force=True))


def _expectation(h: sp.Expr, m: Model, table: dict, clock: Deadline, used: set[str]) -> sp.Expr:
    """``E[h(X)]``: from the known moments, an exact finite sum, or a budgeted integral.

    Terms ``c(θ) g(x)`` whose ``g`` is in the family's moment table are
    looked up (no integration). Otherwise SymPy integrates (or sums) the whole
    of ``h f`` for at most 1.5 s; if it does not finish, the expectation stays
    an unevaluated ``Integral`` / ``Sum`` (evaluated by quadrature in ``fit``).
    """
    x = m.xs
    if not h.has(x):
        return h
    sup = m.support
    if sup.values is not None:
        return sp.Add(*[h.xreplace({x: v}) * m.density.xreplace({x: v}) for v in sup.values])
    pieces = [t.as_independent(x, as_Add=False) for t in sp.Add.make_args(_canon(h))]
    if all(g == 1 or g in table for _, g in pieces):
        out = []
        for c, g in pieces:
            if g != 1:
                used.add(f"E[{sp.sstr(g)}] = {sp.sstr(table[g])}")
            out.append(c * (1 if g == 1 else table[g]))
        return sp.Add(*out)
    limits = (x, sup.lo, sup.hi)

    def work() -> sp.Expr:
        if sup.discrete:
            return sp.summation(h * m.density, limits)
        return sp.integrate(h * m.density, limits, conds="none")

    out, ok = clock.run(work, 1.5, failures=SYMPY_FAILURES)
    if ok and out is not None and not out.has(sp.Integral, sp.Sum, sp.Piecewise):
        used.add("SymPy's integration")
        return out
    used.add("expectations SymPy could not evaluate left as sums / integrals")
    return (sp.Sum if sup.discrete else sp.Integral)(h * m.density, limits)


def _fisher(d: MLE) -> tuple[sp.Matrix | None, str]:
    m: Model = d._model
    sol: _Solution = d._solution
    if m.boundary and any(p in sol.special for p in m.boundary):
        names = ", ".join(str(p) for p in m.boundary)
        return None, (
            f"the support depends on {names}: the model is not regular, the Fisher "
            "information does not apply (standard errors come from the exact distribution "
            "of the boundary estimate)"
        )
    params = m.params
    fam = m.family
    distinct = len(set(m.args)) == len(m.args) and all(isinstance(a, sp.Symbol) for a in m.args)
    if fam is not None and fam.fisher is not None and distinct and set(params) <= set(m.args):
        idx = [list(m.args).index(p) for p in params]
        full = sp.ImmutableMatrix(fam.fisher(m.args))
        return sp.ImmutableMatrix(full.extract(idx, idx)), fam.note or "known result"
    clock = Deadline(min(d._budget, 6.0))
    table = {}
    if fam is not None:
        table = {_canon(k): v for k, v in fam.moments(m.args, m.xs).items()}
    k = len(params)
    entries = [[sp.S.Zero] * k for _ in range(k)]
    used: set[str] = set()
    for a in range(k):
        for b in range(a, k):
            h = -sp.diff(m.logpdf, params[a], params[b])
            value = _expectation(h, m, table, clock, used)
            if not value.has(sp.Integral, sp.Sum):
                simp, ok = clock.run(lambda v=value: sp.simplify(v), 1.0, failures=SYMPY_FAILURES)
                value = simp if ok and simp is not None else value
            entries[a][b] = entries[b][a] = value
    why = "minus the expected second derivative of log f"
    if used:
        why += ", with " + "; ".join(sorted(used))
    return sp.ImmutableMatrix(entries), why


def _eval_fisher(
    d: MLE, fisher: sp.Matrix, theta: dict[sp.Symbol, float], kv: dict[sp.Symbol, float]
) -> np.ndarray:
    """The Fisher information at a point; unevaluated expectations by quadrature."""
    m: Model = d._model
    point = {**theta, **kv}
    k = fisher.shape[0]
    symbols = [*m.params, *m.known]
    key = ("fisher_fn", id(fisher))
    entry = d._cache.get(key)
    if entry is None or entry[0] is not fisher:
        numeric = not fisher.has(sp.Integral, sp.Sum)
        entry = (fisher, to_numpy(numeric_form(fisher), symbols) if numeric else None)
        d._cache[key] = entry
    if entry[1] is not None:
        with np.errstate(all="ignore"):
            value = entry[1](*[point[q] for q in symbols])
        return np.asarray(value, dtype=float).reshape(k, k)
    out = np.zeros((k, k))
    for a in range(k):
        for b in range(k):
            e = fisher[a, b]
            for atom in e.atoms(sp.Integral, sp.Sum):
                e = e.xreplace({atom: sp.Float(quadrature(atom, m, point))})
            val = complex(sp.N(e.xreplace({s: sp.Float(v) for s, v in point.items()})))
            # a complex value (log of a negative density): no information, NaN noted later
            out[a, b] = val.real if abs(val.imag) <= 1e-12 * max(1.0, abs(val.real)) else np.nan
    return out
