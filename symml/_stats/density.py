"""Closed-form densities: their logs as simple terms, sums over a sample, stable forms.

=============================  ============================================================
name                           does
=============================  ============================================================
:func:`log_expand`             ``log(density)`` as simple terms (``loggamma`` for Gammas)
:func:`split_sum`              a sum over the sample split into sufficient statistics
:class:`SampleForms`           closed forms over a sample, evaluated stably on data
:func:`normal_sample_forms`    sums of x and x**2 rewritten in the mean and S_xx
:func:`compile_numeric`        cached :func:`symml.to_numpy` with ``gammaln``
:func:`solve_within`           ``sympy.solve`` within a :class:`~symml._core.Deadline`
=============================  ============================================================

Shared by the hypothesis tests (:mod:`.inference`) and the posteriors (:mod:`.bayes`);
the model itself (:class:`~symml._stats.model.Model`, :func:`~symml._stats.model.as_model`)
is the one of :mod:`.model`, shared with ``mle``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import sympy as sp

from .._codegen import to_numpy
from .._core import (
    Deadline,
)
from .model import log_density
from .sample import mean_and_ss


def log_expand(density: sp.Expr) -> sp.Expr:
    """``log(density)`` as a sum of simple terms, with ``loggamma`` for Gamma-type factors.

    Examples
    --------
    >>> import sympy as sp
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> x = sp.Symbol("x", integer=True, nonnegative=True)
    >>> log_expand(lam**x * sp.exp(-lam) / sp.factorial(x))
    -lambda + x*log(lambda) - log(gamma(x + 1))
    """
    return sp.expand(log_density(density))


def split_sum(summand: sp.Expr, data: Sequence[sp.Basic], i: sp.Symbol, n: sp.Symbol) -> sp.Expr:
    """``Sum(summand, (i, 1, n))`` split into parameter parts times sums of data terms.

    Each term ``c(theta) * g(x_i)`` becomes ``c(theta) * Sum(g(x_i), (i, 1, n))``
    (``n * c(theta)`` when ``g == 1``): the sums are the sufficient statistics.
    """
    out = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(summand)):
        ind, dep = term.as_independent(*data, as_Add=False)
        out += ind * n if dep == 1 else ind * sp.Sum(dep, (i, 1, n))
    return out


@functools.lru_cache(maxsize=512)
def _compile_numeric_cached(expr: sp.Basic, args: tuple[sp.Symbol, ...], name: str) -> Callable:
    plain = {a: sp.Dummy(a.name, real=True) for a in args}
    out = expr.xreplace(plain)
    out = out.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.gamma),
        lambda e: sp.loggamma(e.args[0].args[0]),
    )
    return to_numpy(out, [plain[a] for a in args], name=name)


def compile_numeric(expr: sp.Basic, args: Sequence[sp.Symbol], name: str = "f") -> Callable:
    """:func:`symml.to_numpy` of ``expr`` with ``log(gamma(z))`` evaluated as ``gammaln``.

    The arguments are replaced by plain real symbols first, so that SymPy does
    not turn ``loggamma(k + 1)`` of an integer ``k`` back into
    ``log(gamma(k + 1))`` (which overflows for ``k > 170``). Compiled once per
    expression and arguments: derivations are immutable and their builders
    cached, so the functions they evaluate are kept here, not on the objects.
    """
    return _compile_numeric_cached(expr, tuple(args), name)


def complete_square(expr: sp.Expr, xbar: sp.Symbol) -> sp.Expr:
    """A quadratic in ``xbar`` as ``a*(xbar - c)**2 + d``: no cancellation when evaluated."""
    num, den = sp.fraction(sp.together(expr))
    if den.has(xbar) or not num.has(xbar) or not num.is_polynomial(xbar):
        return expr
    poly = sp.Poly(sp.expand(num), xbar)
    if poly.degree() != 2:
        return expr
    a, b, c = poly.all_coeffs()
    center = sp.cancel(-b / (2 * a))
    rest = sp.expand(sp.cancel((c - b**2 / (4 * a)) / den))
    return sp.factor(a / den) * (xbar - center) ** 2 + rest


def fresh_symbol(name: str, taken: set[str], **assumptions: Any) -> sp.Symbol:
    for candidate in (name, name.upper(), f"{name}_obs", f"{name}_0"):
        if candidate not in taken:
            taken.add(candidate)
            return sp.Symbol(candidate, **assumptions)
    raise AssertionError  # pragma: no cover


def stabilise(expr: sp.Expr, xbar: sp.Symbol) -> sp.Expr:
    """Cancel every sum containing ``xbar``; complete the square where it is quadratic."""
    if not expr.has(xbar) or expr.is_Atom:
        return expr
    if expr.is_Add or expr.is_Mul:
        cancelled = sp.cancel(expr)
        done = complete_square(cancelled, xbar)
        if done is not cancelled or not sp.fraction(cancelled)[0].has(xbar):
            return done
        num, den = sp.fraction(cancelled)
        if (
            not den.has(xbar)
            and num.is_polynomial(xbar)
            and sp.Poly(sp.expand(num), xbar).degree() <= 1
        ):
            return cancelled
    return expr.func(*(stabilise(a, xbar) for a in expr.args))


def normal_sample_forms(
    exprs: Sequence[sp.Expr],
    sums: Mapping[sp.Symbol, sp.Sum],
    x: sp.Indexed,
    n: sp.Symbol,
    taken: set[str],
) -> tuple[tuple[sp.Expr, ...], tuple[sp.Symbol, sp.Symbol]] | None:
    r"""``exprs`` in the sample mean and the centred sum of squares, for stable evaluation.

    When the only sufficient statistics are :math:`\sum x_i` and
    :math:`\sum x_i^2` (placeholders in ``sums``), they are replaced by
    :math:`n\bar x` and :math:`S_{xx} + n\bar x^2` and every sum in
    :math:`\bar x` is cancelled, with the square completed where it is
    quadratic: :math:`\sum x_i^2/n - \bar x^2` becomes :math:`S_{xx}/n`.
    Returns None for other statistics.
    """
    i = x.indices[0]
    s1, s2 = sp.Sum(x, (i, 1, n)), sp.Sum(x**2, (i, 1, n))
    if not sums or not set(sums.values()) <= {s1, s2}:
        return None
    name = x.base.name
    xbar = fresh_symbol(f"{name}bar", taken, real=True)
    sxx = fresh_symbol(f"S_{name}{name}", taken, nonnegative=True)
    subs = {h: n * xbar if s == s1 else sxx + n * xbar**2 for h, s in sums.items()}
    return tuple(stabilise(e.xreplace(subs), xbar) for e in exprs), (xbar, sxx)


def solve_within(
    deadline: Deadline,
    eqs: Sequence[sp.Expr],
    unknowns: Sequence[sp.Symbol],
    cap: float | None = None,
) -> tuple[list[dict], bool]:
    """``sympy.solve(eqs, unknowns, dict=True)`` in what is left of ``deadline``.

    Returns ``(solutions, finished)``: ``finished`` is False when the time ran
    out; equations SymPy cannot solve give ``([], True)``.
    """

    def work() -> list[dict]:
        try:
            return sp.solve(list(eqs), list(unknowns), dict=True)
        except (NotImplementedError, sp.PolynomialError):  # e.g. transcendental equations
            return []

    sols, finished = deadline.run(work, cap)
    return sols or [], finished


class SampleForms(NamedTuple):
    """Closed forms over an i.i.d. sample, ready to evaluate on data.

    ``exprs`` are written in placeholders for the sums of data terms
    (``sums``: placeholder -> ``Sum(g(x_i), (i, 1, n))``); for normal data
    ``stable`` holds the same forms in the sample mean and the centred sum of
    squares (``stats``), which keep their digits far from zero.
    """

    exprs: tuple[sp.Expr, ...]
    sums: dict[sp.Symbol, sp.Sum]
    stable: tuple[sp.Expr, ...] | None
    stats: tuple[sp.Symbol, ...]
    n: sp.Symbol
    data: tuple[sp.Indexed, ...]
    var: tuple[sp.Symbol, ...]

    @classmethod
    def build(
        cls,
        exprs: Sequence[sp.Expr],
        sums: Mapping[sp.Symbol, sp.Sum],
        data: Sequence[sp.Indexed],
        var: Sequence[sp.Symbol],
        n: sp.Symbol,
        taken: set[str],
        *,
        stable: bool = True,
    ) -> SampleForms:
        """The forms, with the stable ones where the data are scalar and the sums normal."""
        forms = normal_sample_forms(exprs, sums, data[0], n, taken) if stable else None
        if len(data) != 1:
            forms = None
        return cls(
            exprs=tuple(exprs),
            sums=dict(sums),
            stable=None if forms is None else forms[0],
            stats=() if forms is None else forms[1],
            n=n,
            data=tuple(data),
            var=tuple(var),
        )

    def inputs(
        self, arr: np.ndarray, given: Mapping[sp.Symbol, float]
    ) -> tuple[tuple[sp.Expr, ...], list[sp.Symbol], list[float]]:
        """``(exprs, symbols, values)``: what to compile, in which statistics, at what values.

        ``arr`` is ``(n, K)``, one column per variable; the sample size ``n``
        is not among the symbols (callers add it with the known constants).
        """
        if self.stable is not None:
            return self.stable, list(self.stats), list(mean_and_ss(arr[:, 0]))
        columns = [arr[:, j] for j in range(arr.shape[1])]
        values = [self._sum_value(total, columns, given) for total in self.sums.values()]
        return self.exprs, list(self.sums), values

    def _sum_value(
        self, total: sp.Sum, columns: Sequence[np.ndarray], given: Mapping[sp.Symbol, float]
    ) -> float:
        """The value of one sufficient statistic ``Sum(g(x_i))`` on the data."""
        summand = total.function.xreplace(dict(zip(self.data, self.var, strict=True)))
        consts = sorted(summand.free_symbols - set(self.var), key=lambda s: s.name)
        f = compile_numeric(summand, [*self.var, *consts], name="statistic")
        values = f(*columns, *(given[c] for c in consts))
        return float(np.sum(np.broadcast_to(values, columns[0].shape)))
