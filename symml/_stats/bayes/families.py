"""The conjugate families a posterior is recognised as, and recognition by matching terms.

A *conjugate family* is a density over the parameters ``θ`` in
hyperparameters (``Beta(α, β)`` over a probability, ``NormalInverseGamma``
over a mean and a variance), with the set ``θ`` lives in (``domain``) and
which hyperparameters are real. It is a different concept from the
*likelihood families* of :mod:`symml._stats.families` (data distributions,
with the numeric facts ``mle`` needs): the two tables share no entry and no
fact. Each family gives its log-density (``logpdf``, the form matched term by
term and evaluated numerically: squares kept whole, ``loggamma``) and its
density (``pdf``, the form shown); they agree:

>>> import math
>>> t, a, b = 0.3, 2.5, 1.5
>>> all(
...     math.isclose(float(sp.exp(f.logpdf(v, h))), float(f.pdf(v, h)), rel_tol=1e-12)
...     for f, v, h in [
...         (BETA, [t], [a, b]), (GAMMA, [t], [a, b]), (INVGAMMA, [t], [a, b]),
...         (NORMAL, [t], [a, b]), (NIG, [t, b], [a, b, a, t]),
...         (DIRICHLET, [t, 1 - t], [a, b]),
...     ]
... )
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import sympy as sp


class Family(NamedTuple):
    """A family of densities, as SymPy formulas plus the numeric odds and ends."""

    name: str
    hyper: Callable[[int], tuple[str, ...]]  # hyperparameter names for dimension k
    real: frozenset[str]  # real hyperparameters (the others are positive)
    dims: Callable[[int], bool]
    logpdf: Callable[[Sequence[sp.Symbol], Sequence[sp.Expr]], sp.Expr]
    pdf: Callable[[Sequence[sp.Symbol], Sequence[sp.Expr]], sp.Expr]
    domain: str  # "unit", "positive", "real", "real-positive", "simplex"
    scipy: Callable[[Sequence[Any]], Any]
    mode_exists: Callable[[Sequence[float]], bool]
    location: int | None = None  # index of the location hyperparameter

    def symbols(self, k: int, suffix: str = "") -> tuple[sp.Symbol, ...]:
        names = self.hyper(k)
        return tuple(
            sp.Symbol(f"{n}{suffix}", real=True)
            if n.rstrip("0123456789") in self.real
            else sp.Symbol(f"{n}{suffix}", positive=True)
            for n in names
        )

    def dummies(self, k: int) -> tuple[sp.Dummy, ...]:
        return tuple(sp.Dummy(s.name, **s.assumptions0) for s in self.symbols(k))

    def label(self, h: Sequence[Any]) -> str:
        return f"{self.name}({', '.join(map(str, h))})"


def _fixed(names: tuple[str, ...]) -> Callable[[int], tuple[str, ...]]:
    return lambda k: names


def _lg(z: sp.Expr) -> sp.Expr:
    return sp.loggamma(z)


BETA = Family(
    name="Beta",
    hyper=_fixed(("alpha", "beta")),
    real=frozenset(),
    dims=lambda k: k == 1,
    logpdf=lambda v, h: (
        (h[0] - 1) * sp.log(v[0])
        + (h[1] - 1) * sp.log(1 - v[0])
        + _lg(h[0] + h[1])
        - _lg(h[0])
        - _lg(h[1])
    ),
    pdf=lambda v, h: (
        sp.gamma(h[0] + h[1])
        / (sp.gamma(h[0]) * sp.gamma(h[1]))
        * v[0] ** (h[0] - 1)
        * (1 - v[0]) ** (h[1] - 1)
    ),
    domain="unit",
    scipy=lambda h: _stats().beta(h[0], h[1]),
    mode_exists=lambda h: h[0] >= 1 and h[1] >= 1 and (h[0] + h[1] > 2),
)
GAMMA = Family(
    name="Gamma",
    hyper=_fixed(("alpha", "beta")),
    real=frozenset(),
    dims=lambda k: k == 1,
    logpdf=lambda v, h: h[0] * sp.log(h[1]) - _lg(h[0]) + (h[0] - 1) * sp.log(v[0]) - h[1] * v[0],
    pdf=lambda v, h: h[1] ** h[0] * v[0] ** (h[0] - 1) * sp.exp(-h[1] * v[0]) / sp.gamma(h[0]),
    domain="positive",
    scipy=lambda h: _stats().gamma(h[0], scale=1 / h[1]),
    mode_exists=lambda h: h[0] >= 1,
)
INVGAMMA = Family(
    name="InverseGamma",
    hyper=_fixed(("alpha", "beta")),
    real=frozenset(),
    dims=lambda k: k == 1,
    logpdf=lambda v, h: h[0] * sp.log(h[1]) - _lg(h[0]) - (h[0] + 1) * sp.log(v[0]) - h[1] / v[0],
    pdf=lambda v, h: h[1] ** h[0] * v[0] ** (-h[0] - 1) * sp.exp(-h[1] / v[0]) / sp.gamma(h[0]),
    domain="positive",
    scipy=lambda h: _stats().invgamma(h[0], scale=h[1]),
    mode_exists=lambda h: True,
)
NORMAL = Family(
    name="Normal",
    hyper=_fixed(("m", "s")),
    real=frozenset({"m"}),
    dims=lambda k: k == 1,
    logpdf=lambda v, h: (
        -sp.log(h[1]) - sp.log(2 * sp.pi) / 2 - (v[0] - h[0]) ** 2 / (2 * h[1] ** 2)
    ),
    pdf=lambda v, h: sp.exp(-((v[0] - h[0]) ** 2) / (2 * h[1] ** 2)) / (sp.sqrt(2 * sp.pi) * h[1]),
    domain="real",
    scipy=lambda h: _stats().norm(h[0], h[1]),
    mode_exists=lambda h: True,
    location=0,
)
NIG = Family(
    name="NormalInverseGamma",
    hyper=_fixed(("m", "kappa", "alpha", "beta")),
    real=frozenset({"m"}),
    dims=lambda k: k == 2,
    logpdf=lambda v, h: (
        sp.log(h[1]) / 2
        - sp.log(2 * sp.pi) / 2
        - sp.log(v[1]) / 2
        - h[1] * (v[0] - h[0]) ** 2 / (2 * v[1])
        + h[2] * sp.log(h[3])
        - _lg(h[2])
        - (h[2] + 1) * sp.log(v[1])
        - h[3] / v[1]
    ),
    pdf=lambda v, h: (
        sp.sqrt(h[1] / (2 * sp.pi * v[1]))
        * sp.exp(-h[1] * (v[0] - h[0]) ** 2 / (2 * v[1]))
        * h[3] ** h[2]
        / sp.gamma(h[2])
        * v[1] ** (-h[2] - 1)
        * sp.exp(-h[3] / v[1])
    ),
    domain="real-positive",
    scipy=lambda h: _stats().normal_inverse_gamma(mu=h[0], lmbda=h[1], a=h[2], b=h[3]),
    mode_exists=lambda h: True,
    location=0,
)
DIRICHLET = Family(
    name="Dirichlet",
    hyper=lambda k: tuple(f"alpha{j}" for j in range(1, k + 1)),
    real=frozenset(),
    dims=lambda k: k >= 2,
    logpdf=lambda v, h: (
        _lg(sp.Add(*h))
        - sp.Add(*map(_lg, h))
        + sp.Add(*((a - 1) * sp.log(t) for a, t in zip(h, v, strict=True)))
    ),
    pdf=lambda v, h: (
        sp.gamma(sp.Add(*h))
        / sp.Mul(*map(sp.gamma, h))
        * sp.Mul(*(t ** (a - 1) for a, t in zip(h, v, strict=True)))
    ),
    domain="simplex",
    scipy=lambda h: _stats().dirichlet(np.asarray(h, dtype=float)),
    mode_exists=lambda h: min(h) >= 1 and sum(h) > len(h),
)
FAMILIES = (BETA, GAMMA, INVGAMMA, NORMAL, NIG, DIRICHLET)


def _stats() -> Any:
    from scipy import stats

    return stats


def parts_by_factor(expr: sp.Expr, params: Sequence[sp.Symbol]) -> dict[sp.Expr, sp.Expr]:
    """Group the terms of ``expr`` by their parameter-dependent factor.

    ``{factor: coefficient}`` with parameter-free coefficients; the factor
    ``1`` collects the parameter-free terms.
    """
    parts: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, factor = term.as_independent(*params, as_Add=False)
        parts[factor] = parts.get(factor, sp.S.Zero) + coeff
    return {k: v for k, v in parts.items() if v != 0 or k == 1}


def log_kernel(family: Family, order: Sequence[sp.Symbol], hyper: Sequence[sp.Expr]) -> sp.Expr:
    """The terms of ``family``'s log density that depend on the parameters ``order``."""
    parts = parts_by_factor(family.logpdf(order, hyper), order)
    return sp.Add(*(coef * fac for fac, coef in parts.items() if fac != 1))
