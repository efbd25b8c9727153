"""Solving the score equations: boundary and non-smooth estimators, closed-form roots."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import sympy as sp

from ..._core import Deadline
from ..model import Model, _hat, _sign_of
from ..numeric import SYMPY_FAILURES, synthetic
from ..signs import inadmissible
from .sample import SampleMax, SampleMedian, SampleMin, _Program, _Sample


class _Solution(NamedTuple):
    special: dict[sp.Symbol, tuple[sp.Expr, str]]  # boundary / non-smooth: estimate, reason
    hat_form: dict[sp.Symbol, sp.Expr]  # regular: root in terms of other estimates
    order: list[sp.Symbol]
    failures: dict[sp.Symbol, str]
    rejected: dict[sp.Symbol, list[str]]
    closed: dict[sp.Symbol, sp.Expr]  # every parameter, fully substituted (empty if any failed)
    relations: list[sp.Expr]


# -- solving -------------------------------------------------------------------
def _abs_location(m: Model, p: sp.Symbol) -> sp.Expr | None:
    """The coefficient c when log f contains c*|x - p| (a Laplace location)."""
    for term in sp.Add.make_args(m.logpdf):
        c, g = term.as_independent(m.xs, as_Add=False)
        if isinstance(g, sp.Abs):
            inner = g.args[0]
            if sp.expand(inner - (m.xs - p)) == 0 or sp.expand(inner + (m.xs - p)) == 0:
                return c
    return None


def _boundary(
    m: Model, sample: _Sample, p: sp.Symbol, side: str, eq: sp.Expr
) -> tuple[sp.Expr, str] | str:
    """The boundary estimate (``max`` or ``min`` x_i) of ``p`` and why; a failure text if none."""
    s = sample.expand_sums(eq, set(m.params))
    sign = _sign_of(sp.simplify(s)) if not s.has(sp.Sum) else _sign_of(s)
    if sign is None:
        sign = _numeric_sign(m, s, p)
    stat, word = (SampleMax, "max") if side == "upper" else (SampleMin, "min")
    if sign != (-1 if side == "upper" else 1):
        return (
            f"{p} sets the support but the likelihood is not monotone in it; no boundary estimate"
        )
    trend = "decreasing" if side == "upper" else "increasing"
    need = f"{p} >= max x_i" if side == "upper" else f"{p} <= min x_i"
    return (
        stat(sample.x),
        f"boundary estimate: the support depends on {p}, so the likelihood is 0 unless "
        f"{need}; there the log-likelihood is {trend} in {p} (score {sp.sstr(s)}), so "
        f"the maximum is at the boundary, {p} = {word} x_i: the score does not vanish "
        "there and the Fisher-information asymptotics do not apply",
    )


def _special(
    m: Model, sample: _Sample, eqs: dict[sp.Symbol, sp.Expr]
) -> tuple[dict[sp.Symbol, tuple[sp.Expr, str]], dict[sp.Symbol, str]]:
    """Estimates that are not score roots: boundary (support) and non-smooth (|x - p|) ones."""
    special: dict[sp.Symbol, tuple[sp.Expr, str]] = {}
    failures: dict[sp.Symbol, str] = {}
    for p, side in m.boundary.items():
        found = _boundary(m, sample, p, side, eqs[p])
        if isinstance(found, str):
            failures[p] = found
        else:
            special[p] = found
    for p in m.params:
        if p in special or p in failures:
            continue
        c = _abs_location(m, p)
        if c is not None and c.is_negative is not False:
            special[p] = (
                SampleMedian(sample.x),
                f"non-smooth: {p} enters through |x_i - {p}|, so the log-likelihood is "
                f"{sp.sstr(c)} times sum |x_i - {p}|, not differentiable at the data; its "
                f"subgradient sum sign(x_i - {p}) is zero when as many points lie above as "
                f"below: {p} = median x_i",
            )
    return special, failures


class _Elimination:
    """Score equations solved one parameter at a time, each root substituted into the rest."""

    def __init__(
        self,
        eqs: dict[sp.Symbol, sp.Expr],
        pending: list[sp.Symbol],
        hats: dict[sp.Symbol, sp.Symbol],
    ) -> None:
        self.eqs, self.pending, self.hats = eqs, pending, hats
        self.hat_form: dict[sp.Symbol, sp.Expr] = {}
        self.order: list[sp.Symbol] = []
        self.rejected: dict[sp.Symbol, list[str]] = {}
        self.why_not: dict[sp.Symbol, str] = {}

    def run(self, m: Model, sample: _Sample, clock: Deadline) -> None:
        cache: dict[sp.Sum, sp.Dummy] = {}
        tried: set[tuple[sp.Expr, sp.Symbol]] = set()
        while self.pending and self._step(m, sample, clock, cache, tried):
            pass

    def _step(
        self,
        m: Model,
        sample: _Sample,
        clock: Deadline,
        cache: dict[sp.Sum, sp.Dummy],
        tried: set[tuple[sp.Expr, sp.Symbol]],
    ) -> bool:
        """Solve one equation for one parameter (its own first); whether one was solved."""
        eqs, pending = self.eqs, self.pending
        pairs = [(q, q) for q in eqs if q in pending]
        pairs += [(q, p) for q in eqs for p in pending if p != q]
        for q, p in pairs:
            if not eqs[q].has(p) or (eqs[q], p) in tried:
                continue
            tried.add((eqs[q], p))
            root, reason, bad = _solve_one(eqs[q], p, pending, sample, cache, clock, m)
            if bad:
                self.rejected.setdefault(p, []).extend(bad)
            if root is None:
                if q == p:
                    self.why_not.setdefault(p, reason)
                continue
            pending.remove(p)
            self.order.append(p)
            del eqs[q]
            target = self.hats[p] if not (root.free_symbols & set(pending)) else root
            self.eqs = {r: sample.tidy(e.xreplace({p: target})) for r, e in eqs.items()}
            self.hat_form = {r: e.xreplace({p: target}) for r, e in self.hat_form.items()}
            self.hat_form[p] = root
            return True
        return False


def _solve(m: Model, sample: _Sample, ll: sp.Expr, score: sp.Matrix, clock: Deadline) -> _Solution:
    params = list(m.params)
    hats = {p: _hat(p) for p in params}
    eqs = {p: score[k] for k, p in enumerate(params)}
    special, failures = _special(m, sample, eqs)
    for p in special:
        del eqs[p]
        eqs = {q: e.xreplace({p: hats[p]}) for q, e in eqs.items()}
    for p in failures:
        eqs.pop(p, None)
    work = _Elimination(eqs, [p for p in params if p not in special and p not in failures], hats)
    work.run(m, sample, clock)
    for p in work.pending:
        failures[p] = work.why_not.get(p, "SymPy found no solution")
    # Estimates of parameters that were eliminated wait for the others: finish them.
    hat_form = work.hat_form
    for p in work.order:
        if hat_form[p].free_symbols & set(params):
            hat_form[p] = hat_form[p].xreplace({q: hats[q] for q in params})
    closed: dict[sp.Symbol, sp.Expr] = {}
    if not failures:
        closed = _resolve(params, hats, special, hat_form, sample, clock)
    relations = list(work.eqs.values())
    return _Solution(special, hat_form, work.order, failures, work.rejected, closed, relations)


def _resolve(
    params: Sequence[sp.Symbol],
    hats: dict[sp.Symbol, sp.Symbol],
    special: dict[sp.Symbol, tuple[sp.Expr, str]],
    hat_form: dict[sp.Symbol, sp.Expr],
    sample: _Sample,
    clock: Deadline,
) -> dict[sp.Symbol, sp.Expr]:
    """Estimates over the sample only: substitute the other estimates (sums re-indexed)."""
    done: dict[sp.Symbol, sp.Expr] = {p: special[p][0] for p in special}
    by_hat = {hats[p]: p for p in params}
    todo = dict(hat_form)
    for _ in range(len(todo) + 1):
        for p, e in list(todo.items()):
            deps = [by_hat[h] for h in e.free_symbols if h in by_hat]
            if all(q in done for q in deps):

                def into(z: sp.Expr, deps: list = deps) -> sp.Expr:
                    return z.xreplace({hats[q]: sample.reindex(done[q]) for q in deps})

                # Inside a sum over i, the substituted sums must use another index.
                new = e.replace(
                    lambda z: isinstance(z, sp.Sum),
                    lambda z: sp.Sum(into(z.function), *z.limits),
                )
                new = new.xreplace({hats[q]: done[q] for q in deps})
                done[p] = _simplify_estimate(new, sample, clock)
                del todo[p]
    return {p: done[p] for p in params if p in done}


def _simplify_estimate(e: sp.Expr, sample: _Sample, clock: Deadline) -> sp.Expr:
    cache: dict[sp.Sum, sp.Dummy] = {}
    op = sample.opaque(e, cache)
    back = {d: s for s, d in cache.items()}

    def simpler() -> sp.Expr:
        return sp.factor(sp.cancel(op))

    out, ok = clock.run(simpler, 2.0, failures=SYMPY_FAILURES)
    if ok and out is not None and sp.count_ops(out) < sp.count_ops(op):
        return out.xreplace(back)
    return e


def _solve_one(
    eq: sp.Expr,
    p: sp.Symbol,
    pending: Sequence[sp.Symbol],
    sample: _Sample,
    cache: dict[sp.Sum, sp.Dummy],
    clock: Deadline,
    m: Model,
) -> tuple[sp.Expr | None, str, list[str]]:
    expanded = sample.expand_sums(eq, {p})
    stuck = [s for s in expanded.atoms(sp.Sum) if s.has(p)]
    if stuck:
        origin = [
            z
            for z in sorted(eq.atoms(sp.Sum), key=sp.default_sort_key)
            if z.has(p) and sample.expand_sums(z, {p}).has(*stuck)
        ]
        s = origin[0] if origin else stuck[0]
        return (
            None,
            f"the sum {sp.sstr(s)} cannot be reduced to sufficient statistics (its terms "
            f"mix {p} and the data): no closed form",
            [],
        )
    op = sample.opaque(expanded, cache)
    back = {d: s for s, d in cache.items()}
    num = sp.together(op).as_numer_denom()[0]
    if not num.has(p):
        return None, f"the equation does not involve {p}", []
    t = sp.Dummy("t", real=True) if p.is_real else sp.Dummy("t")
    target = num.xreplace({p: t})

    def solve() -> list:
        return sp.solve(target, t)

    roots, finished = clock.run(solve, failures=SYMPY_FAILURES)
    if not finished:
        funcs = sorted({type(f).__name__ for f in num.atoms(sp.Function) if f.has(p)} - {"Dummy"})
        what = f" (it involves {', '.join(funcs)} of {p})" if funcs else ""
        return None, f"SymPy found no closed-form root for {p}{what}", []
    good, bad = [], []
    others = set(pending) - {p}
    for r in roots or []:
        r = r.xreplace({t: p})
        text = sp.sstr(r.xreplace(back))
        why = f"still contains {p}" if r.has(p) else inadmissible(r, p)
        if why is None and (r.has(sp.I) or r.is_real is False):
            why = "complex"
        if why is None:
            good.append(r)
        else:
            bad.append(f"{text} ({why})")
    if len(good) > 1:
        good = _numeric_pick(good, p, back, others, m, sample, bad)
    if not good:
        return None, f"no admissible root for {p}", bad
    if len(good) > 1:
        return None, f"several admissible roots for {p}", bad
    return good[0].xreplace(back), "", bad


def _numeric_pick(
    roots: list[sp.Expr],
    p: sp.Symbol,
    back: dict,
    others: set,
    m: Model,
    sample: _Sample,
    bad: list[str],
) -> list[sp.Expr]:
    """Among several roots, keep those admissible on a sampled data set."""
    data, values = synthetic(m, seed=0, size=50)
    if data is None:
        return roots
    keep = []
    for r in roots:
        expr = r.xreplace(back)
        if expr.free_symbols & others:
            keep.append(r)
            continue
        try:
            prog = _Program(expr, sample, list(m.known))
            v = complex(prog(data, [values[s] for s in m.known]))
        except Exception:
            keep.append(r)
            continue
        ok = math.isfinite(v.real) and abs(v.imag) < 1e-12 and (not p.is_positive or v.real > 0)
        if ok:
            keep.append(r)
        else:
            bad.append(f"{sp.sstr(expr)} (inadmissible on sampled data)")
    return keep


def _numeric_sign(m: Model, s: sp.Expr, p: sp.Symbol) -> int | None:
    data, values = synthetic(m, seed=0, size=50)
    if data is None:
        return None
    try:
        sample = _Sample(m)
        prog = _Program(s, sample, [*m.params, *m.known])
        v = float(prog(data, [values[q] for q in (*m.params, *m.known)]))
    except Exception:
        return None
    return 1 if v > 0 else -1 if v < 0 else None
