"""Numbers from a model: typical parameter values, synthetic data, quadrature, numeric verdicts.

==============================  ==========================================================
name                            what it gives
==============================  ==========================================================
:func:`typical_values`,         typical parameter values; a data set drawn from the model;
:func:`synthetic`,              the support on which a hand-typed density has mass one
:func:`effective_support`
:func:`quadrature`              a ``Sum`` or ``Integral`` over one variable, numerically
:func:`numeric_verdict`         the ``Verdict`` of a numeric check at one point
:data:`SYMPY_FAILURES`          what SymPy raises when it cannot do a step
==============================  ==========================================================

The model itself is :class:`~symml._stats.model.Model`; these are the numeric
services ``mle`` and the descriptive statistics use to check and sample it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from .._codegen import to_numpy
from .._core import Verdict
from .model import Model, Support, numeric_form

__all__ = [
    "SYMPY_FAILURES",
    "effective_support",
    "numeric_verdict",
    "quadrature",
    "synthetic",
    "typical_values",
]


def _log_space(e: sp.Expr) -> sp.Expr:
    """``e`` with its gamma functions, binomials and powers multiplied in log space.

    ``Γ(r + x) (1 - p)^x / Γ(x + 1)`` overflows term by term for large ``x``;
    ``exp(loggamma(r + x) + x log(1 - p) - loggamma(x + 1))`` does not.
    """
    logs: list[sp.Expr] = []
    rest: list[sp.Expr] = []
    for f in sp.Mul.make_args(e):
        base, ex = f.as_base_exp()
        if isinstance(f, sp.exp):
            logs.append(f.args[0])
        elif isinstance(base, sp.gamma):
            logs.append(ex * sp.loggamma(base.args[0], evaluate=False))
        elif isinstance(base, sp.factorial):
            logs.append(ex * sp.loggamma(base.args[0] + 1, evaluate=False))
        elif isinstance(base, sp.binomial):
            a, b = base.args
            logs.append(
                ex
                * (
                    sp.loggamma(a + 1, evaluate=False)
                    - sp.loggamma(b + 1, evaluate=False)
                    - sp.loggamma(a - b + 1, evaluate=False)
                )
            )
        elif ex.free_symbols and base.is_positive:
            logs.append(ex * sp.log(base))
        else:
            rest.append(f)
    if not logs:
        return e
    return sp.Mul(*rest) * sp.exp(sp.Add(*logs), evaluate=False)


def typical_values(m: Model, seed: int = 0) -> dict[sp.Symbol, float] | None:
    """Typical values for the model's symbols: the family's, else by assumptions."""
    out: dict[sp.Symbol, float] = {}
    fam = m.family
    if fam is not None and fam.typical:
        for a, v in zip(m.args, fam.typical, strict=False):
            if isinstance(a, sp.Symbol):
                out[a] = v
    rng = np.random.default_rng(seed)
    for s in (*m.params, *m.known):
        if s in out:
            continue
        if s.is_integer:
            out[s] = float(rng.integers(3, 9))
        elif s.is_positive:
            out[s] = float(np.round(rng.uniform(0.6, 2.0), 3))
        else:
            out[s] = float(np.round(rng.uniform(-1.0, 1.0), 3))
    if m.probs is not None:
        # categorical: probabilities must be valid; spread them evenly
        k = len(m.support.values or ())
        for s in m.params:
            out[s] = 1.0 / k + 0.02 * (m.params.index(s) - (len(m.params) - 1) / 2)
    return out


def synthetic(m: Model, seed: int, size: int) -> tuple[np.ndarray | None, dict]:
    """A data set drawn from the model at typical parameter values (None if unknown how)."""
    values = typical_values(m, seed)
    if values is None:
        return None, {}
    rng = np.random.default_rng(seed)
    fam = m.family
    if m.probs is not None and m.support.values is not None:
        probs = [float(a.xreplace(values)) for a in m.probs]
        if min(probs) <= 0:
            return None, values
        vals = np.array([float(v) for v in m.support.values])
        return rng.choice(vals, size=size, p=np.array(probs) / sum(probs)), values
    if fam is not None and fam.sampler is not None:
        try:
            argv = [float(a.xreplace(values)) for a in m.args]
            return np.asarray(fam.sampler(rng, argv, size), dtype=float), values
        except (TypeError, ValueError):
            return None, values
    return _grid_sample(m, values, rng, size), values


def effective_support(m: Model, point: Mapping[sp.Symbol, float]) -> Support | None:
    """The support with numbers for bounds, on which the density has mass one.

    A hand-typed density on ``x > 0`` may really live on ``(0, 1)`` (``θ x^(θ-1)``):
    the candidates are tried in turn by numeric integration.
    """
    from scipy import integrate

    sup = m.support
    fpoint = {q: sp.Float(v) for q, v in point.items()}
    lo, hi = (sp.sympify(b).xreplace(fpoint) for b in (sup.lo, sup.hi))
    if lo.free_symbols or hi.free_symbols:
        return None
    if sup.discrete or sup.values is not None:
        return Support(sup.discrete, lo, hi, sup.lo_open, sup.hi_open, sup.values)
    if m.family is not None:
        return Support(False, lo, hi, sup.lo_open, sup.hi_open)
    f = to_numpy(numeric_form(m.density.xreplace(fpoint)), [m.xs])
    candidates = [(lo, hi)]
    if lo == 0 and hi == sp.oo:
        candidates.append((sp.S.Zero, sp.S.One))
    for a, b in candidates:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mass, _ = integrate.quad(lambda t: _finite(f(t)), float(a), float(b), limit=200)
        if abs(mass - 1) < 1e-6:
            return Support(False, a, b, True, True)
    return None


def _grid_sample(m: Model, values: dict, rng: np.random.Generator, size: int) -> np.ndarray | None:
    """Draw from a hand-typed density by inverting its tabulated CDF (for checks only)."""
    sup = effective_support(m, values)
    if sup is None:
        return None
    f = to_numpy(numeric_form(m.density), [m.xs, *m.params, *m.known])
    argv = [values[s] for s in (*m.params, *m.known)]
    if sup.discrete:
        lo = int(sup.lo) if sup.lo.is_finite else -200
        hi = int(sup.hi) if sup.hi.is_finite else lo + 400
        grid = np.arange(lo, hi + 1, dtype=float)
    else:
        lo_f = (
            float(sup.lo)
            if sup.lo.is_finite
            else float(sup.hi) - 120
            if sup.hi.is_finite
            else -60.0
        )
        hi_f = float(sup.hi) if sup.hi.is_finite else lo_f + 120.0
        grid = np.linspace(lo_f, hi_f, 200001)[1:-1]
    with np.errstate(all="ignore"):
        w = np.nan_to_num(np.asarray(f(grid, *argv), dtype=float) * np.ones_like(grid))
        w = np.where(w > 0, w, 0.0)
        top = float(np.max(w))
        if not 0 < top < math.inf:
            return None
        w = w / top  # no overflow in the sum below (an unnormalised, huge density)
    if not w.sum() > 0:
        return None
    if sup.discrete:
        return rng.choice(grid, size=size, p=w / w.sum())
    cdf = np.cumsum(w)
    cdf /= cdf[-1]
    return np.interp(rng.uniform(0, 1, size), cdf, grid)


def quadrature(atom: sp.Basic, m: Model, point: dict[sp.Symbol, float]) -> float:
    from scipy import integrate

    ((var, lo, hi),) = atom.limits
    fpoint = {q: sp.Float(v) for q, v in point.items()}
    f = to_numpy(numeric_form(_log_space(atom.function.xreplace(fpoint))), [var])
    if isinstance(atom, sp.Sum):
        start = int(lo)
        total, k, tail = 0.0, start, 0
        with np.errstate(all="ignore"):
            while k < start + 10**6:
                ks = np.arange(k, k + 1000, dtype=float)
                if hi.is_finite:
                    ks = ks[ks <= float(hi)]
                vals = np.nan_to_num(np.asarray(f(ks), dtype=float) * np.ones_like(ks))
                total += float(vals.sum())
                k += 1000
                tail = abs(vals[-1]) if len(vals) else 0.0
                if not len(vals) or (tail < 1e-16 * max(abs(total), 1e-300) and k > start + 1000):
                    break
        return total
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, _ = integrate.quad(
            lambda t: _finite(f(t)), float(lo), float(hi), limit=200, epsabs=1e-13, epsrel=1e-11
        )
    return float(value)


def _finite(v: Any) -> float:
    """A float, with NaN / infinity (overflow far in a tail) counted as 0."""
    v = float(v)
    return v if math.isfinite(v) else 0.0


#: What SymPy raises when it cannot do a step (``solve``, ``integrate``): give up on that step.
SYMPY_FAILURES = (
    NotImplementedError,
    TypeError,
    ValueError,
    ZeroDivisionError,
    sp.PolynomialError,
)


def numeric_verdict(ok: bool, claimed: Any, *notes: str, **found: Any) -> Verdict:
    """A verdict from a numeric check at one point; ``found``: counterexample and values."""
    return Verdict(ok, "numeric", claimed=claimed, notes=notes, points=1, **found)
