"""Size limits of parsed text, and estimates of a number's size before SymPy computes it.

==========================  ========================================================
name                        what it bounds
==========================  ========================================================
``MAX_LENGTH``              characters of text
``MAX_NODES``               syntax-tree nodes
``MAX_DEPTH``               nesting (a long sum is not nesting)
``MAX_BITS``                magnitude of every exact number in the result
``MAX_ROOT_BITS``           integers whose exact root is taken
``MAX_MATRIX_SIDE``         rows and columns of a matrix literal
``MAX_DERIVATIVE_ORDER``    total order of one ``Derivative``
``MAX_MINMAX_ARGS``         arguments of one ``Max``/``Min``
``PARSE_SECONDS``           time to build one formula, where it can be interrupted
``MAX_ATAN2_BITS``          numbers in ``atan2`` of complex numbers
``SAFE_BITS``               numbers SymPy may round, sign or compare itself
``DECIDE_BITS``             precision of the parser's own decisions (:mod:`.decide`)
:class:`Sizes`              ``(is a number, magnitude, size)`` of a built value
==========================  ========================================================

SymPy evaluates ``floor``, ``sin`` or a sign of a number to about as many bits as
the number has, and computes ``9**9**9`` or ``factorial(10**6)`` exactly when asked:
so the sizes of powers, roots, factorials, binomials and ``exp`` of numbers are
estimated here *before* SymPy is asked to build them.
"""

from __future__ import annotations

import math
from typing import Any

import sympy
from sympy.core.function import AppliedUndef
from sympy.core.numbers import ImaginaryUnit
from sympy.matrices.expressions import MatrixExpr

MAX_LENGTH = 2000
"""Longest text accepted, in characters."""
MAX_NODES = 1000
"""Most syntax-tree nodes (numbers, names, operators, calls) in one text."""
MAX_DEPTH = 60
"""Deepest nesting of brackets, calls and powers (long sums do not count)."""
MAX_BITS = 10_000
"""Largest exact number (about 3000 decimal digits) a text may produce."""
MAX_ROOT_BITS = 2_000
"""Largest integer whose exact root (``n**(1/3)``) is taken while parsing."""
MAX_MATRIX_SIDE = 100
"""Most rows, and most columns, of a matrix literal."""
MAX_DERIVATIVE_ORDER = 20
"""Highest total order of one ``Derivative``."""
MAX_MINMAX_ARGS = 8
"""Most arguments of one ``Max``/``Min`` (SymPy compares them pairwise)."""

PARSE_SECONDS = 2.0
"""A safety net behind the estimates: building one formula stops after this many seconds
(in the main thread, where :func:`symml._core.time_limit` can interrupt)."""
MAX_ATAN2_BITS = 256
"""Largest numbers in ``atan2`` of complex numbers (SymPy takes ``log(sqrt(x**2 + y**2))``)."""
SAFE_BITS = 64
"""Numbers up to this size are rounded, signed and compared by SymPy itself."""
DECIDE_BITS = 600
"""Most bits of working precision when the parser decides about a larger number."""

_MINMAX_TOTAL = 4 * MAX_MINMAX_ARGS
_BINOMIAL_FACTORS = 20  # most factors of binomial(n, k) expanded for an irrational n
_MATRIX_POWER_SIDE = 6
_MATRIX_POWER_MAX = 4
_MATRIX_INVERSE_SIDE = 3
_LN2 = math.log(2)

# functions whose values stay within a few units, whatever their arguments
_BOUNDED = (
    sympy.sin,
    sympy.cos,
    sympy.tanh,
    sympy.erf,
    sympy.erfc,
    sympy.asin,
    sympy.acos,
    sympy.atan,
    sympy.acot,
    sympy.atan2,
    sympy.sign,
    sympy.Heaviside,
)


def _pow2(x: float) -> float:
    return 2.0**x if x < 1000 else math.inf


def _log2_int(n: int) -> float:
    return math.log2(n) if n > 1 else 0.0


def _as_float(n: int) -> float:
    """``float(n)``, or infinity where ``n`` is too large for a float."""
    return float(n) if n.bit_length() < 1000 else math.inf


def _times(a: float, b: float) -> float:
    """``a * b`` for sizes, where zero times infinity is zero (not NaN)."""
    return 0.0 if a == 0 or b == 0 else a * b


def _rational_bits(r: sympy.Rational) -> float:
    return _log2_int(max(abs(int(r.p)), abs(int(r.q))))


def _float_bits(f: sympy.Float) -> float:
    """Bound on ``|log2|f||``: ``|f|`` lies in ``[2**(e - 1), 2**e)`` with ``e = exp + bc``."""
    _sign, man, exp, bc = f._mpf_
    return _as_float(max(abs(exp + bc), abs(exp + bc - 1))) if man else 0.0


def _abs_log2(value: sympy.Expr, size: float) -> float:
    """log2 of an upper bound on ``|value|`` (a number of size ``size``)."""
    if isinstance(value, sympy.Rational):
        if value == 0:
            return -math.inf
        return _log2_int(abs(int(value.p))) - _log2_int(int(value.q))
    return size


def _gamma_bits(value: sympy.Expr, size: float) -> float:
    """Bits of ``gamma(value)`` (or ``factorial``), an upper estimate."""
    if isinstance(value, sympy.Rational):
        x = abs(value)
        if x > 10**7:
            return math.inf
        return math.lgamma(float(x) + 2) / _LN2
    bound = _pow2(size)
    return bound * (size + 1) + 1


def _magnitude(value: sympy.Basic, sizes: list[float]) -> float:
    """Upper bound on ``|log2|value||`` of a number from the magnitudes of its arguments."""
    if isinstance(value, sympy.Add):
        return max(sizes) + math.log2(len(sizes)) + 1
    if isinstance(value, sympy.Mul):
        return sum(sizes)
    if isinstance(value, sympy.Pow):
        return _times(_pow2(_abs_log2(value.exp, sizes[1])), sizes[0])
    if isinstance(value, (sympy.exp, sympy.sinh, sympy.cosh)):
        return _pow2(_abs_log2(value.args[0], sizes[0])) * 1.45 + 1
    if isinstance(value, (sympy.gamma, sympy.factorial, sympy.loggamma)):
        return _gamma_bits(value.args[0], sizes[0])
    if isinstance(value, sympy.binomial):
        return _pow2(sizes[1]) * (sizes[0] + 1)
    if isinstance(value, sympy.log):
        return math.log2(sizes[0] + 1) + 2
    if isinstance(value, _BOUNDED):
        return 2.0
    return max(sizes, default=0.0) + 2


def binomial_bits(n: sympy.Expr, k: sympy.Expr, n_mag: float, k_mag: float) -> float:
    """Bits of ``binomial(n, k)`` for numbers ``n``, ``k`` (of magnitudes ``n_mag``, ``k_mag``)."""
    if n.is_Integer and k.is_Integer and n >= 0:
        # log2 C(n, k) <= k * log2(e * n / k) with k the smaller side
        small = min(int(k), int(n - k))
        if small <= 0:
            return 0.0
        return _as_float(small) * (_log2_int(int(n)) - math.log2(small) + 1.45)
    if k.is_Integer:
        return _as_float(abs(int(k))) * (n_mag + 1)
    return _gamma_bits(n, n_mag) + _gamma_bits(k, k_mag)


class Sizes:
    """Measures built values, remembering each one (a formula repeats its parts)."""

    def __init__(self) -> None:
        self._memo: dict[Any, tuple[bool, float, float]] = {}

    def measure(self, value: Any) -> tuple[bool, float, float]:
        """``(is a number, magnitude, size)`` of a built value.

        The magnitude bounds ``|log2|value||`` when the value is a number; the
        size is the largest magnitude of any number inside it (itself included).
        Evaluating a number SymPy-style (``floor``, ``sin``, signs) costs about
        its size in bits of precision, so sizes are kept under ``MAX_BITS``.
        """
        if not isinstance(value, sympy.Basic):
            return False, 0.0, 0.0
        cached = self._memo.get(value)
        if cached is not None:
            return cached
        if isinstance(value, sympy.Rational):
            bits = _rational_bits(value)
            result = (True, bits, bits)
        elif isinstance(value, sympy.Float):
            bits = _float_bits(value)
            result = (True, bits, bits)
        elif isinstance(value, (sympy.Number, sympy.NumberSymbol, ImaginaryUnit)):
            result = (True, 2.0, 2.0)
        elif not value.args:
            result = (False, 0.0, 0.0)
        else:
            parts = [self.measure(arg) for arg in value.args]
            inner = max(size for _, _, size in parts)
            number = (
                isinstance(value, sympy.Expr)
                and not isinstance(value, (AppliedUndef, MatrixExpr))
                and all(is_num for is_num, _, _ in parts)
            )
            mag = _magnitude(value, [m for _, m, _ in parts]) if number else 0.0
            result = (number, mag, max(inner, mag))
        self._memo[value] = result
        return result

    def power_excess(self, base: Any, exponent: Any) -> tuple[str, int] | None:
        """``(what, limit in bits)`` when ``base**exponent`` would be too large, else None."""
        exp_num, exp_mag, _ = self.measure(exponent)
        if not exp_num:
            return None
        log2_exponent = _abs_log2(exponent, exp_mag)
        for factor in sympy.Mul.make_args(base):
            is_num, mag, _ = self.measure(factor)
            if not is_num or mag == 0:
                continue
            if log2_exponent + math.log2(mag) > math.log2(MAX_BITS):
                return "a power", MAX_BITS
            if isinstance(exponent, sympy.Rational) and not exponent.is_Integer:
                for atom in factor.atoms(sympy.Rational):
                    if _rational_bits(atom) * _as_float(abs(int(exponent.p))) > MAX_ROOT_BITS:
                        return "an exact root", MAX_ROOT_BITS
        return None

    def exp_too_large(self, arg: sympy.Expr) -> bool:
        """Whether ``exp(arg)`` would be a number over :data:`MAX_BITS` bits."""
        for term in sympy.Add.make_args(arg):
            is_num, mag, _ = self.measure(term)
            if is_num and _abs_log2(term, mag) > math.log2(MAX_BITS / 1.45):
                return True
        return False

    def gamma_too_large(self, arg: sympy.Expr) -> bool:
        """Whether ``gamma(arg)`` (or ``factorial``) would be over :data:`MAX_BITS` bits."""
        is_num, mag, _ = self.measure(arg)
        return is_num and _gamma_bits(arg, mag) > MAX_BITS

    def binomial_too_large(self, n: sympy.Expr, k: sympy.Expr) -> bool:
        """Whether ``binomial(n, k)`` would be over :data:`MAX_BITS` bits."""
        n_num, n_mag, _ = self.measure(n)
        k_num, k_mag, _ = self.measure(k)
        if n_num and not n.is_Rational and k.is_Integer and abs(int(k)) > _BINOMIAL_FACTORS:
            return True  # SymPy expands binomial(pi, k) into a polynomial of degree k
        return n_num and k_num and binomial_bits(n, k, n_mag, k_mag) > MAX_BITS
