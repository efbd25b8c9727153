"""``MLE.verify()``: the score vanishes, the Hessian is negative definite, I = Var(score)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from ..._codegen import to_numpy
from ..._core import Verdict
from ..model import Model, numeric_form
from ..numeric import effective_support, numeric_verdict, quadrature, synthetic
from .fisher import _eval_fisher
from .sample import SampleMedian, _Program, _Sample
from .solve import _Solution

if TYPE_CHECKING:
    from .estimate import MLE


def _mle_verdict(d: MLE, *, seed: int = 0, n: int = 400, rtol: float = 1e-6) -> Verdict:
    m: Model = d._model
    data, values = synthetic(m, seed, n)
    if data is None:
        return Verdict(
            False,
            "inconclusive",
            notes=("inconclusive: symml cannot draw data from this model to check it",),
        )
    kv = {s: values[s] for s in m.known}
    fit = d.fit(data, known={s.name: v for s, v in kv.items()})
    theta = {p: fit.params[p.name] for p in m.params}
    s: _Sample = d._sample
    sol: _Solution = d._solution
    notes: list[str] = []
    args = [*m.params, *m.known]
    argv = [theta[p] for p in m.params] + [kv[q] for q in m.known]
    regular = [p for p in m.params if p not in sol.special]
    point = {p.name: theta[p] for p in m.params}
    if regular:
        idx = [m.params.index(p) for p in regular]
        score = np.asarray(_Program(d.score, s, args)(data, argv), dtype=float).reshape(-1)[idx]
        scale = _score_scale(d, data, argv, idx)
        worst = float(np.max(np.abs(score) / scale))
        if worst > 1e-6:
            return numeric_verdict(
                False,
                d.result,
                "the score does not vanish at the estimate",
                counterexample=point,
                claimed_value=score.tolist(),
                expected_value=[0.0] * len(idx),
            )
        notes.append(f"score vanishes at the estimate (relative {worst:.1e})")
        H = sp.ImmutableMatrix([[s.tidy(sp.diff(d.score[j], q)) for q in regular] for j in idx])
        h = np.asarray(_Program(H, s, args)(data, argv), dtype=float).reshape(len(idx), len(idx))
        eig = np.linalg.eigvalsh((h + h.T) / 2)
        if not np.all(eig < 0):
            return numeric_verdict(
                False,
                d.result,
                "the Hessian at the estimate is not negative definite",
                counterexample=point,
                claimed_value=eig.tolist(),
                expected_value="negative eigenvalues",
            )
        notes.append("Hessian negative definite at the estimate")
    for p, (est, _) in sol.special.items():
        ok, text = _check_special(d, p, est, data, theta, kv)
        notes.append(text)
        if not ok:
            return Verdict(False, "numeric", claimed=d.result, counterexample=point, notes=(text,))
    fisher = d.fisher_information
    if fisher is not None:
        truth = {p: values[p] for p in m.params}
        got = _eval_fisher(d, fisher, truth, kv)
        want = _score_variance(d, truth, kv)
        if want is not None:
            with np.errstate(all="ignore"):
                err = float(np.max(np.abs(got - want)) / max(1e-300, np.max(np.abs(want))))
            if not err < max(rtol, 1e-6) * 100:
                return numeric_verdict(
                    False,
                    fisher,
                    "Fisher information differs from the variance of the score",
                    counterexample={p.name: v for p, v in truth.items()},
                    claimed_value=got.tolist(),
                    expected_value=want.tolist(),
                )
            notes.append(f"Fisher information equals the variance of the score (rel. {err:.1e})")
        else:
            notes.append("Fisher information not checked (no numeric expectation available)")
    return numeric_verdict(True, d.result, *notes)


def _score_scale(d: MLE, data: np.ndarray, argv: list[float], idx: list[int]) -> np.ndarray:
    """Σ|s_i|: the size of the score's terms (so that 'zero' is relative to them)."""
    m: Model = d._model
    per = sp.ImmutableMatrix([sp.diff(m.logpdf, m.params[j]) for j in idx])
    f = to_numpy(numeric_form(per), [m.xs, *m.params, *m.known])
    with np.errstate(all="ignore"):
        vals = np.asarray(f(data, *argv), dtype=float).reshape(len(idx), -1)
    return np.maximum(np.sum(np.abs(vals), axis=1), 1e-300)


def _score_variance(d: MLE, truth: dict, kv: dict) -> np.ndarray | None:
    """E[s sᵀ] at the true parameters, by quadrature or summation over the support."""
    m: Model = d._model
    k = len(m.params)
    s = [sp.diff(m.logpdf, p) for p in m.params]
    point = {**truth, **kv}
    fpoint = {q: sp.Float(v) for q, v in point.items()}
    sup = effective_support(m, point)
    if sup is None:
        return None
    dens = m.density
    out = np.zeros((k, k))
    for a in range(k):
        for b in range(a, k):
            g = s[a] * s[b] * dens
            if sup.values is not None:
                val = sum(float(sp.N(g.xreplace({m.xs: v, **point}))) for v in sup.values)
            elif sup.discrete:
                atom = sp.Sum(g, (m.xs, sup.lo, sup.hi))
                val = quadrature(atom.xreplace(point), m, {})
            else:
                lo, hi = (sp.sympify(b_).xreplace(fpoint) for b_ in (sup.lo, sup.hi))
                if lo.free_symbols or hi.free_symbols:
                    return None
                val = quadrature(sp.Integral(g, (m.xs, lo, hi)).xreplace(point), m, {})
            out[a, b] = out[b, a] = val
    return out


def _check_special(
    d: MLE, p: sp.Symbol, est: sp.Expr, data: np.ndarray, theta: dict, kv: dict
) -> tuple[bool, str]:
    """Boundary: ℓ falls as p moves into the feasible side; median: subgradient has 0."""
    m: Model = d._model
    s: _Sample = d._sample
    v = theta[p]
    if isinstance(est, SampleMedian):
        below, above = int(np.sum(data < v)), int(np.sum(data > v))
        ok = below <= len(data) / 2 and above <= len(data) / 2
        return ok, f"{p}: the median balances the signs ({below} below, {above} above)"
    prog = _Program(d.log_likelihood, s, [*m.params, *m.known])

    def ll(val: float) -> float:
        argv = [val if q == p else theta[q] for q in m.params] + [kv[q] for q in m.known]
        return float(prog(data, argv))

    step = 1e-3 * max(abs(v), 1.0)
    inward = v + step if m.boundary.get(p) == "upper" else v - step
    ok = ll(inward) < ll(v)
    return ok, f"{p}: the log-likelihood falls as {p} moves away from the boundary estimate"
