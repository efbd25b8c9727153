"""Known signs of sufficient statistics, and choosing roots by them.

One mechanism for every place where ``mle`` or a conjugate posterior picks a
root of a quadratic or a square root: sums over the sample are replaced by
placeholders that carry the sign the data force on them (observations are
real numbers, so ``Σ x_i²`` is non-negative whatever the assumptions on
``x``; ``Σ log x_i`` of positive data is real; counts are positive), and a
root is admissible only if it does not contradict the sign of the unknown it
is a value of (a variance or scale ``> 0``, a rate ``>= 0``).

=========================  ===============================================================
name                       does
=========================  ===============================================================
:func:`statistic_facts`    the sign assumptions of ``Sum(g(x_i))`` over a real sample
:func:`signed_placeholder` a Dummy standing for a sum, with those assumptions
:func:`signed_sums`        every sum of an expression replaced by a signed placeholder
:func:`inadmissible`       why a candidate value contradicts a symbol's sign (or None)
=========================  ===============================================================

Examples
--------
>>> import sympy as sp
>>> i, n = sp.symbols("i n", integer=True, positive=True)
>>> x = sp.IndexedBase("x")
>>> statistic_facts(x[i] ** 2)
{'nonnegative': True}
>>> s = sp.Symbol("s", positive=True)
>>> expr, back = signed_sums(-1 / sp.sqrt(1 + sp.Sum(x[i] ** 2, (i, 1, n))))
>>> inadmissible(expr, s)
'not positive, but s > 0'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

__all__ = ["inadmissible", "signed_placeholder", "signed_sums", "statistic_facts"]

_FACTS = ("positive", "nonnegative", "negative", "nonpositive")


def _as_real_data(g: sp.Expr) -> sp.Expr:
    """``g`` with every observation ``x[i]`` a real Dummy keeping the base's sign facts."""
    subs: dict[sp.Basic, sp.Dummy] = {}
    for el in g.atoms(sp.Indexed):
        known = {f: True for f in (*_FACTS, "integer") if getattr(el, f"is_{f}")}
        subs[el] = sp.Dummy(str(el.base), real=True, **known)
    return g.xreplace(subs) if subs else g


def statistic_facts(summand: sp.Expr) -> dict[str, bool]:
    """The SymPy assumptions a sum ``Σ_{i=1..n} summand`` (``n >= 1``) satisfies on real data.

    Observations are real numbers: ``x[i]**2`` is non-negative even when the
    ``IndexedBase`` carries no assumption. Returns the strongest of
    positive / nonnegative / negative / nonpositive that holds, plus
    ``real`` when the summand is real but of unknown sign; ``{}`` if nothing
    is known.
    """
    g = _as_real_data(sp.sympify(summand))
    for fact in _FACTS:
        if getattr(g, f"is_{fact}"):
            return {fact: True}
    return {"real": True} if g.is_real else {}


def signed_placeholder(total: sp.Sum, name: str = "S") -> sp.Dummy:
    """A Dummy standing for the sum ``total``, with :func:`statistic_facts` of its summand."""
    return sp.Dummy(name, **statistic_facts(total.function))


def signed_sums(
    expr: Any, cache: dict[sp.Sum, sp.Dummy] | None = None
) -> tuple[Any, dict[sp.Dummy, sp.Sum]]:
    """``expr`` with every (outermost) sum replaced by a signed placeholder; and the way back.

    ``cache`` (sum -> placeholder) lets several expressions share placeholders.
    """
    cache = {} if cache is None else cache

    def holder(s: sp.Sum) -> sp.Dummy:
        if s not in cache:
            cache[s] = signed_placeholder(s, f"S{len(cache)}")
        return cache[s]

    out = sp.sympify(expr).replace(lambda z: isinstance(z, sp.Sum), holder)
    return out, {d: s for s, d in cache.items()}


def inadmissible(value: sp.Expr, symbol: sp.Symbol | Mapping[str, bool]) -> str | None:
    """Why ``value`` cannot be a value of ``symbol`` (by its sign assumptions); None if it can.

    ``symbol`` is a Symbol (its assumptions are read) or a mapping of them.
    Complex values are refused for real symbols. Sums in ``value`` should be
    signed placeholders (:func:`signed_sums`) for the data's signs to count.
    """
    if isinstance(symbol, sp.Basic):
        name = str(symbol)
        facts = {f: bool(getattr(symbol, f"is_{f}")) for f in ("positive", "nonnegative", "real")}
    else:
        name = "the unknown"
        facts = {f: bool(symbol.get(f)) for f in ("positive", "nonnegative", "real")}
    value = sp.sympify(value)
    if facts["positive"] and (value.is_positive is False or value.is_nonpositive):
        return f"not positive, but {name} > 0"
    if facts["nonnegative"] and value.is_negative:
        return f"negative, but {name} >= 0"
    real = facts["real"] or facts["positive"] or facts["nonnegative"]
    if real and (value.is_real is False or value.has(sp.I)):
        return "complex"
    return None
