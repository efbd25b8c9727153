"""Decisions about numbers (integer parts, signs, order) made numerically, within a bound.

SymPy decides ``floor(sinh(1500))``, ``sign(a - b)`` or ``Max(a, b)`` of numbers
by evaluating them, and when the evaluation is not precise enough it falls back
on ``equals``/``simplify``/``minimal_polynomial``, which can run for minutes on
large numbers. The parser lets SymPy decide only for *plain* numbers (exact
rationals, floats, or numbers under :data:`SAFE_BITS` bits); other numbers are
decided here, by ``evalf`` with a working precision of at most
:data:`DECIDE_BITS` bits, or refused.

==========================  ==============================================================
name                        what it does
==========================  ==============================================================
``kind``                    ``"plain"``, ``"number"``, ``"opaque"`` (holds a Sum, ...)
                            or ``"symbolic"``: who may decide about a value
``integer_part``            ``floor``/``ceiling`` of a number, or an ``Undecided`` reason
``sign``                    ``-1``, ``0`` or ``1`` of a real number, ``None`` if complex
``largest``                 the index of the largest (or smallest) of some real numbers
==========================  ==============================================================
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import sympy
from sympy.core.evalf import PrecisionExhausted

from .limits import DECIDE_BITS, SAFE_BITS

_GUARD = 64  # bits of precision beyond the number's magnitude
OPAQUE: tuple[type, ...] = (sympy.Sum, sympy.Product, sympy.Integral, sympy.Derivative)

__all__ = ["OPAQUE", "Undecided", "holds_opaque_number", "integer_part", "kind", "largest", "sign"]


class Undecided(Exception):
    """A number could not be decided within :data:`DECIDE_BITS` bits (the reason is the text)."""


def holds_opaque_number(value: sympy.Basic) -> bool:
    """Whether ``value`` holds a sum, product, integral or derivative that is a number.

    SymPy evaluates such numbers (``Sum(1, (x, 1e308, 0))`` term by term) whenever it
    asks for a sign; the parser leaves what holds them unevaluated.
    """
    return any(part.is_number for part in value.atoms(*OPAQUE))


def kind(value: sympy.Expr, size: float) -> str:
    """Who may decide about ``value`` (of size ``size``, see :class:`~.limits.Sizes`).

    ``"plain"``: SymPy, cheaply; ``"number"``: :mod:`decide`; ``"opaque"``: nobody
    while parsing (it holds an unevaluated sum, product, integral or
    derivative); ``"symbolic"``: SymPy, which only evaluates number parts that are
    plain here.
    """
    if isinstance(value, (sympy.Rational, sympy.Float)):
        return "plain"
    if not value.is_number:
        parts = [
            factor
            for term in sympy.Add.make_args(value)
            for factor in sympy.Mul.make_args(term)
            if factor.is_number and not isinstance(factor, (sympy.Rational, sympy.Float))
        ]
        risky = any(holds_opaque_number(p) or size > SAFE_BITS for p in parts)
        return "opaque" if risky else "symbolic"
    if holds_opaque_number(value):
        return "opaque"
    return "plain" if size <= SAFE_BITS else "number"


def _approximate(value: sympy.Expr, bits: int) -> tuple[sympy.Rational, sympy.Rational]:
    """``(re, im)`` of ``value`` with ``bits`` correct bits, as exact rationals."""
    digits = max(int(bits * math.log10(2)) + 1, 15)
    max_digits = int(DECIDE_BITS * math.log10(2)) + 1
    try:
        approx = value.evalf(digits, maxn=max(max_digits, digits), strict=True)
    except PrecisionExhausted:
        raise Undecided("it is too close to zero to decide numerically") from None
    except (ValueError, TypeError, ArithmeticError, NotImplementedError) as exc:
        raise Undecided(f"it cannot be evaluated ({type(exc).__name__})") from None
    re, im = approx.as_real_imag()
    if not all(isinstance(p, (sympy.Float, sympy.Integer)) for p in (re, im)):
        raise Undecided("it does not evaluate to a number")
    return sympy.Rational(re), sympy.Rational(im)


def _magnitude(r: sympy.Rational) -> int:
    """An upper bound on ``log2 |r|`` (0 for ``|r| < 1``)."""
    return max(int(abs(r.p)).bit_length() - int(r.q).bit_length() + 1, 0)


def integer_part(value: sympy.Expr, *, up: bool) -> sympy.Expr:
    """``floor(value)`` (``ceiling`` when ``up``) of a number, real and imaginary parts apart.

    Raises :class:`Undecided` when the number is larger than about
    ``2**(DECIDE_BITS - 64)`` or within ``2**-60`` of an integer.

    Examples
    --------
    >>> import sympy as sp
    >>> integer_part(sp.sinh(100), up=False) == sp.floor(sp.sinh(100))
    True
    >>> integer_part(sp.exp(3) + 2 * sp.I * sp.pi, up=True)
    21 + 7*I
    """
    re, im = _approximate(value, _GUARD)
    magnitude = max(_magnitude(re), _magnitude(im))
    bits = magnitude + _GUARD
    if bits > DECIDE_BITS:
        raise Undecided(f"it is about 2**{magnitude}, too large to round while parsing")
    re, im = _approximate(value, bits)
    error = sympy.Rational(1, 2 ** (_GUARD - 4))
    parts = []
    for part in (re, im):
        if part == 0:  # evalf leaves out a part only when it is exactly zero
            parts.append(0)
            continue
        low = part.p // part.q
        fraction = part - low
        if fraction < error or 1 - fraction < error:
            raise Undecided("it is too close to an integer to round numerically")
        parts.append(low + 1 if up else low)
    return sympy.Integer(parts[0]) + sympy.Integer(parts[1]) * sympy.I


def sign(value: sympy.Expr) -> int | None:
    """``-1`` or ``1`` for a real number (``0`` when exactly zero); ``None`` if it is complex.

    Examples
    --------
    >>> import sympy as sp
    >>> sign(sp.sinh(100) - sp.cosh(100))
    -1
    """
    if value == 0:
        return 0
    re, im = _approximate(value, _GUARD)
    if im != 0:
        return None
    return 1 if re > 0 else -1


def largest(values: Sequence[sympy.Expr], *, smallest: bool = False) -> int:
    """Index of the largest (``smallest``: the smallest) of real numbers, pairwise by :func:`sign`.

    Examples
    --------
    >>> import sympy as sp
    >>> largest([sp.sinh(100), sp.cosh(100), sp.exp(99)])
    1
    """
    best = 0
    for k in range(1, len(values)):
        try:
            s = sign(sympy.Add(values[k], -values[best]))
        except Undecided:
            raise Undecided("two of its values are too close to compare numerically") from None
        if s is None:
            raise Undecided("it compares complex numbers")
        if (s < 0) if smallest else (s > 0):
            best = k
    return best
