"""Seeded random points that respect SymPy assumptions.

=====================  ==========================================================
function               returns
=====================  ==========================================================
:func:`sample_points`  ``n`` points ``{symbol: number}`` (for :func:`symml.check`)
:func:`sample_arrays`  one float array per symbol (for finite-difference checks)
:func:`domain_of`      the domain a symbol is sampled from, in words
=====================  ==========================================================

How each symbol is sampled follows its assumptions:

==========================  =============================================================
assumptions                 values
==========================  =============================================================
``integer``                 ints, moderate (``|k| <= 6``) and, when wide, up to ``|k| = 25``;
                            sign, ``nonzero``, ``even``, ``odd``, ``prime`` respected
``positive``                log-uniform in ``[0.1, 3]``; when wide also ``[1e-3, 1e3]``
``nonnegative``             as positive, plus an occasional ``0``
``negative``, ...           the mirror images of the two above
``real``                    both signs: ``|v| <= 3`` and, when wide, ``3 <= |v| <= 50`` or tiny
``imaginary``               ``i`` times a real value
none (complex)              a third real values of both signs, two thirds complex values
==========================  =============================================================

"Wide" values are what catch a truncated series posing as a function (``exp(x)``
versus its degree-10 Taylor polynomial agree to 1e-8 only near 0). Real values
are rounded to six significant digits so that counterexamples read well and
convert exactly to rationals.

Examples
--------
>>> import sympy as sp
>>> from symml._core.sampling import sample_points
>>> x = sp.Symbol("x", positive=True)
>>> k = sp.Symbol("k", integer=True, negative=True)
>>> points = sample_points([x, k], 20, seed=1)
>>> len(points), all(p[x] > 0 and p[k] < 0 for p in points)
(20, True)
>>> points == sample_points([x, k], 20, seed=1)     # reproducible
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import sympy as sp

from .errors import ArgumentError, bad_argument

__all__ = ["domain_of", "sample_arrays", "sample_points"]

Number = int | float | complex

# Probability that one coordinate of a point is drawn from the wide ranges.
_WIDE_SHARE = 0.35
# Integer ranges.
_INT_MODERATE = 6
_INT_WIDE = 25
# Facts checked by rejection after the sign-aware draw (integers only).
_INTEGER_FACTS = ("nonzero", "even", "odd", "prime", "composite")


def _is(sym: Any, fact: str) -> bool:
    """``True`` only when the assumption holds for sure."""
    return getattr(sym, "is_" + fact, None) is True


def _sign(sym: Any) -> str:
    """The sign constraint of a symbol: one of ``+``, ``+0``, ``-``, ``-0``, ``0``, ``any``."""
    if _is(sym, "zero"):
        return "0"
    if _is(sym, "positive"):
        return "+"
    if _is(sym, "negative"):
        return "-"
    if _is(sym, "nonnegative"):
        return "+0"
    if _is(sym, "nonpositive"):
        return "-0"
    return "any"


def domain_of(sym: Any) -> str:
    """The domain ``sym`` is sampled from, in words.

    Examples
    --------
    >>> import sympy as sp
    >>> domain_of(sp.Symbol("n", integer=True, positive=True))
    'positive integers'
    >>> domain_of(sp.Symbol("x", real=True)), domain_of(sp.Symbol("z"))
    ('reals', 'complex numbers')
    """
    sign = {
        "+": "positive ",
        "+0": "nonnegative ",
        "-": "negative ",
        "-0": "nonpositive ",
        "0": "zero ",
        "any": "",
    }[_sign(sym)]
    if _is(sym, "integer"):
        return f"{sign}integers"
    if _is(sym, "real") or sign:
        return f"{sign}reals"
    if _is(sym, "imaginary"):
        return "imaginary numbers"
    return "complex numbers"


def _loguniform(rng: np.random.Generator, lo: float, hi: float, size: int) -> np.ndarray:
    return np.exp(rng.uniform(math.log(lo), math.log(hi), size))


def _magnitudes(rng: np.random.Generator, size: int, wide: bool, kind: str) -> np.ndarray:
    """Positive magnitudes; ``kind`` is ``"positive"`` (log scale) or ``"real"``."""
    if kind == "positive":
        moderate = _loguniform(rng, 0.1, 3.0, size)
        far = _loguniform(rng, 1e-3, 1e3, size)
    else:
        moderate = rng.uniform(0.0, 3.0, size)
        # Mostly large values; a few tiny ones.
        far = np.where(
            rng.random(size) < 0.8,
            _loguniform(rng, 3.0, 50.0, size),
            _loguniform(rng, 1e-3, 0.1, size),
        )
    if not wide:
        return moderate
    return np.where(rng.random(size) < _WIDE_SHARE, far, moderate)


def _signs(rng: np.random.Generator, size: int) -> np.ndarray:
    return np.where(rng.random(size) < 0.5, -1.0, 1.0)


def _draw_real(sym: Any, rng: np.random.Generator, size: int, wide: bool) -> np.ndarray:
    sign = _sign(sym)
    if sign == "0":
        return np.zeros(size)
    if sign == "any":
        return _signs(rng, size) * _magnitudes(rng, size, wide, "real")
    values = _magnitudes(rng, size, wide, "positive")
    if sign in ("+0", "-0"):
        values = np.where(rng.random(size) < 0.1, 0.0, values)
    return -values if sign.startswith("-") else values


def _int_ok(sym: Any, value: int) -> bool:
    num = sp.Integer(value)
    for fact in _INTEGER_FACTS:
        if _is(sym, fact) and getattr(num, "is_" + fact) is not True:
            return False
    return True


def _draw_integer(sym: Any, rng: np.random.Generator, size: int, wide: bool) -> np.ndarray:
    sign = _sign(sym)
    lo = {"+": 1, "+0": 0, "0": 0}.get(sign, -_INT_WIDE)
    hi = {"-": -1, "-0": 0, "0": 0}.get(sign, _INT_WIDE)
    out = np.empty(size, dtype=np.int64)
    for i in range(size):
        limit = _INT_WIDE if (wide and rng.random() < _WIDE_SHARE) else _INT_MODERATE
        a, b = max(lo, -limit), min(hi, limit)
        for _ in range(200):
            value = int(rng.integers(a, b + 1))
            if _int_ok(sym, value):
                break
        else:  # pragma: no cover - only for contradictory custom assumptions
            raise ArgumentError(
                bad_argument("symbols", sym, "no integer in range fits this symbol's assumptions")
            )
        out[i] = value
    return out


def _draw(sym: Any, rng: np.random.Generator, size: int, wide: bool) -> np.ndarray:
    """``size`` values for ``sym``: int64, float64 or complex128 array."""
    if _is(sym, "integer"):
        return _draw_integer(sym, rng, size, wide)
    if _is(sym, "real") or _sign(sym) != "any":
        return _draw_real(sym, rng, size, wide)
    if _is(sym, "imaginary"):
        return 1j * _draw_real(sp.Dummy(real=True, nonzero=True), rng, size, wide)
    # Complex (no assumptions): one third real of both signs, the rest complex.
    real = _draw_real(sp.Dummy(real=True), rng, size, wide)
    modulus = _magnitudes(rng, size, wide, "real")
    angle = rng.uniform(-math.pi, math.pi, size)
    cplx = modulus * np.exp(1j * angle)
    return np.where(rng.random(size) < 1 / 3, real + 0j, cplx)


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _to_python(value: Any) -> Number:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.complexfloating):
        if value.imag == 0:
            return _round(float(value.real))
        return complex(_round(float(value.real)), _round(float(value.imag)))
    return _round(float(value))


def _check_symbols(symbols: Iterable[Any], name: str = "symbols") -> list[Any]:
    if isinstance(symbols, (sp.Basic, str)):
        raise ArgumentError(
            bad_argument(name, symbols, "pass a list of Symbols, e.g. symbols=[x, y]")
        )
    if isinstance(symbols, (set, frozenset)):
        symbols = sorted(symbols, key=sp.default_sort_key)
    out: list[Any] = []
    for sym in symbols:
        if not isinstance(sym, (sp.Symbol, sp.Indexed)):
            raise ArgumentError(
                bad_argument(name, sym, "each entry must be a SymPy Symbol, e.g. sp.Symbol('x')")
            )
        if sym not in out:
            out.append(sym)
    return out


def sample_points(
    symbols: Iterable[Any], n: int, *, seed: int = 0, wide: bool = True
) -> list[dict[Any, Number]]:
    """``n`` seeded random points, each a dict ``{symbol: value}``, following assumptions.

    Parameters
    ----------
    symbols : iterable of Symbol (or Indexed)
        The coordinates. A set is put in a fixed order first.
    n : int
        Number of points.
    seed : int
        Seed of the random generator; the same seed gives the same points.
    wide : bool
        Mix in values far from 1 (``|x|`` up to 50, positive values from 1e-3
        to 1e3) besides moderate ones (``|x| <= 3``).

    Returns
    -------
    list of dict
        Values are Python ``int`` (integer symbols), ``float`` (real symbols)
        or ``float``/``complex`` (symbols without assumptions).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> z = sp.Symbol("z")
    >>> pts = sample_points([x, z], 40)
    >>> all(isinstance(p[x], float) for p in pts)
    True
    >>> any(isinstance(p[z], complex) for p in pts)   # z is complex
    True
    >>> max(abs(p[x]) for p in pts) > 10             # wide values are mixed in
    True
    >>> max(abs(p[x]) for p in sample_points([x], 40, wide=False)) <= 3
    True
    """
    syms = _check_symbols(symbols)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ArgumentError(bad_argument("n", n, "use a non-negative integer number of points"))
    rng = np.random.default_rng(seed)
    columns = [_draw(sym, rng, int(n), wide) for sym in syms]
    return [
        {sym: _to_python(col[i]) for sym, col in zip(syms, columns, strict=True)}
        for i in range(int(n))
    ]


def sample_arrays(
    symbols: Iterable[Any], shape: int | Sequence[int], *, seed: int = 0, wide: bool = False
) -> dict[Any, np.ndarray]:
    """One seeded float array of ``shape`` per real symbol, following its assumptions.

    Meant for finite-difference checks, so values are moderate by default
    (``|x| <= 3``; positive values log-uniform in ``[0.1, 3]``). Integer
    symbols get integer-valued floats. Symbols without assumptions are
    treated as real here; symbols known not to be real are refused.

    Examples
    --------
    >>> import sympy as sp
    >>> x, s = sp.Symbol("x", real=True), sp.Symbol("s", positive=True)
    >>> k = sp.Symbol("k", integer=True, nonnegative=True)
    >>> arrays = sample_arrays([x, s, k], (2, 3), seed=0)
    >>> arrays[x].shape, arrays[x].dtype
    ((2, 3), dtype('float64'))
    >>> bool((arrays[s] > 0).all()), bool((arrays[k] == arrays[k].round()).all())
    (True, True)
    """
    syms = _check_symbols(symbols)
    shape_t = (
        (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)
    )
    size = math.prod(shape_t)
    rng = np.random.default_rng(seed)
    out: dict[Any, np.ndarray] = {}
    for sym in syms:
        if getattr(sym, "is_real", None) is False:
            raise ArgumentError(
                bad_argument(
                    "symbols", sym, "sample_arrays draws real values; declare the symbol real=True"
                )
            )
        if _is(sym, "integer"):
            values = _draw_integer(sym, rng, size, wide).astype(np.float64)
        else:
            values = _draw_real(sym, rng, size, wide)
        out[sym] = values.reshape(shape_t)
    return out
