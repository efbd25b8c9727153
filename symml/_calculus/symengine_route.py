"""The SymEngine route of :mod:`symml._calculus.fastdiff`: translation to SymEngine and
back, and the derivatives taken there.

Imported only when an input is large enough for the route (SymEngine takes a while to
load, and small textbook expressions never need it). Only whitelisted node types are
translated, either way; anything else raises ``_Unsupported`` and the caller falls back
to :func:`sympy.diff`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import symengine as se
import sympy

from .fastdiff import _S, _canonical_add, _canonical_mul, _CanonicalMismatch, _Unsupported

__all__ = ["hessian_rows", "jacobian_rows"]

# ---------------------------------------------------------------------------
# Whitelisted analytic functions: SymPy class <-> SymEngine class.
# Each pair differentiates to mathematically equal results on the whole
# complex plane (checked numerically in tests/test_fastdiff.py). Left out on
# purpose: acosh (SymEngine's 1/sqrt(x**2 - 1) differs from SymPy's
# 1/(sqrt(x - 1)*sqrt(x + 1)) for x < -1), Abs, sign, re/im/conjugate,
# floor/ceiling, Max/Min, atan2, LambertW, zeta, beta.
_ONE_ARG_PAIRS: tuple[tuple[Any, Callable[[Any], Any]], ...] = (
    (sympy.log, se.log),
    (sympy.sin, se.sin),
    (sympy.cos, se.cos),
    (sympy.tan, se.tan),
    (sympy.cot, se.cot),
    (sympy.sec, se.sec),
    (sympy.csc, se.csc),
    (sympy.asin, se.asin),
    (sympy.acos, se.acos),
    (sympy.atan, se.atan),
    (sympy.acot, se.acot),
    (sympy.asec, se.asec),
    (sympy.acsc, se.acsc),
    (sympy.sinh, se.sinh),
    (sympy.cosh, se.cosh),
    (sympy.tanh, se.tanh),
    (sympy.coth, se.coth),
    (sympy.sech, se.sech),
    (sympy.csch, se.csch),
    (sympy.asinh, se.asinh),
    (sympy.atanh, se.atanh),
    (sympy.acoth, se.acoth),
    (sympy.asech, se.asech),
    (sympy.acsch, se.acsch),
    (sympy.erf, se.erf),
    (sympy.erfc, se.erfc),
    (sympy.gamma, se.gamma),
    (sympy.loggamma, se.loggamma),
)

_PROBE = se.Symbol("_symml_probe")
_SP_TO_SE_FUNC: dict[type, Callable[[Any], Any]] = {sp: sef for sp, sef in _ONE_ARG_PAIRS}
_SE_TO_SP_FUNC: dict[type, Any] = {type(sef(_PROBE)): sp for sp, sef in _ONE_ARG_PAIRS}
_SE_POLYGAMMA = type(se.polygamma(2, _PROBE))
_SE_EXP1 = se.E


# ---------------------------------------------------------------------------
# SymPy -> SymEngine


def _merges_wrongly(expr: sympy.Pow) -> bool:
    """Whether SymEngine would rewrite ``expr`` where SymPy (rightly) does not.

    SymEngine merges powers, ``(1/u)**(1/2) -> u**(-1/2)``, and splits products,
    ``(u*v)**(1/2) -> u**(1/2)*v**(1/2)``, for any ``u``: wrong on the branch cut
    (``sqrt(1/(a - 1))`` at ``a < 1`` is ``i/sqrt(1 - a)``, the merged form
    ``-i/sqrt(1 - a)``), and in the derivatives of such powers. A non-integer power
    of a power or product that is not known positive goes to ``sympy.diff``.

    >>> a = sympy.Symbol("a")
    >>> _merges_wrongly(sympy.sqrt(1 / (a - 1))), _merges_wrongly(sympy.sqrt(a - 1))
    (True, False)
    """
    return (
        not expr.exp.is_Integer
        and (expr.base.is_Pow or expr.base.is_Mul)
        and expr.base.is_positive is not True
    )


class _ToSymEngine:
    """Translate whitelisted SymPy expressions, giving each symbol a fresh name."""

    def __init__(self) -> None:
        self.memo: dict[sympy.Basic, Any] = {}
        self.symbols: dict[Any, sympy.Symbol] = {}  # SymEngine symbol -> SymPy symbol

    def symbol(self, sym: sympy.Symbol) -> Any:
        out = self.memo.get(sym)
        if out is None:
            if not (isinstance(sym, sympy.Symbol) and sym.is_commutative is True):
                raise _Unsupported(sym)
            out = se.Symbol(f"_s{len(self.symbols)}")
            self.symbols[out] = sym
            self.memo[sym] = out
        return out

    def __call__(self, expr: sympy.Basic) -> Any:
        out = self.memo.get(expr)
        if out is not None:
            return out
        if expr.is_Symbol:
            return self.symbol(expr)
        if expr.is_Add:
            out = se.Add(*[self(a) for a in expr.args])
        elif expr.is_Mul:
            out = se.Mul(*[self(a) for a in expr.args])
        elif expr.is_Pow:
            if _merges_wrongly(expr):
                raise _Unsupported(expr)
            out = se.Pow(self(expr.base), self(expr.exp))
        elif expr.is_Integer:
            out = se.Integer(int(expr))
        elif expr.is_Rational:
            out = se.Rational(int(expr.p), int(expr.q))
        elif expr.is_Float:
            if expr._prec != 53:
                raise _Unsupported(expr)
            out = se.RealDouble(float(expr))
        elif expr is _S.Pi:
            out = se.pi
        elif expr is _S.Exp1:
            out = se.E
        elif expr is _S.ImaginaryUnit:
            out = se.I
        elif type(expr) is sympy.exp:
            out = se.exp(self(expr.args[0]))
        elif type(expr) in _SP_TO_SE_FUNC and len(expr.args) == 1:
            out = _SP_TO_SE_FUNC[type(expr)](self(expr.args[0]))
        elif type(expr) is sympy.polygamma and expr.args[0].is_Integer:
            out = se.polygamma(int(expr.args[0]), self(expr.args[1]))
        else:
            raise _Unsupported(expr)
        self.memo[expr] = out
        return out


class _ToSymPy:
    """Translate SymEngine results back, one SymPy object per distinct subtree.

    What SymPy has no faithful counterpart for is refused (the caller falls back
    to ``sympy.diff``):

    >>> t, x = se.Symbol("t"), sympy.Symbol("x", real=True)
    >>> _ToSymPy({t: x})(se.Abs(t).diff(t))
    Traceback (most recent call last):
    ...
    symml._calculus.fastdiff._Unsupported: ...
    """

    def __init__(self, symbols: dict[Any, sympy.Symbol]) -> None:
        self.cache: dict[Any, sympy.Expr] = dict(symbols)
        self.dispatch: dict[type, Callable[[Any], sympy.Expr]] = {
            se.Add: self._add,
            se.Mul: self._mul,
            se.Pow: self._pow,
            type(se.Integer(2)): self._integer,
            type(se.Rational(1, 3)): self._rational,
            type(se.RealDouble(0.5)): self._float,
            type(se.pi): lambda e: _S.Pi,
            type(se.E): lambda e: _S.Exp1,
            type(se.I): lambda e: _S.ImaginaryUnit,
            type(se.Integer(1) + 2 * se.I): self._complex,
            _SE_POLYGAMMA: self._polygamma,
        }

    def __call__(self, expr: Any) -> sympy.Expr:
        out = self.cache.get(expr)
        if out is not None:
            return out
        kind = type(expr)
        handler = self.dispatch.get(kind)
        if handler is not None:
            out = handler(expr)
        elif kind in _SE_TO_SP_FUNC:
            (arg,) = expr.args
            out = _SE_TO_SP_FUNC[kind](self(arg))
        elif isinstance(expr, se.Integer):
            out = self._integer(expr)
        elif isinstance(expr, se.Rational):
            out = self._rational(expr)
        else:
            # Derivative, Subs, FunctionSymbol, Abs, infinities, NaN, ...
            raise _Unsupported(expr)
        self.cache[expr] = out
        return out

    def _add(self, expr: Any) -> sympy.Expr:
        return _canonical_add([self(a) for a in expr.args])

    def _mul(self, expr: Any) -> sympy.Expr:
        return _canonical_mul([self(a) for a in expr.args])

    def _pow(self, expr: Any) -> sympy.Expr:
        base, exp = expr.args
        if base == _SE_EXP1:
            return sympy.exp(self(exp))
        return sympy.Pow(self(base), self(exp))

    @staticmethod
    def _integer(expr: Any) -> sympy.Expr:
        return sympy.Integer(int(expr))

    @staticmethod
    def _rational(expr: Any) -> sympy.Expr:
        p, q = expr.get_num_den()
        return sympy.Rational(int(p), int(q))

    @staticmethod
    def _float(expr: Any) -> sympy.Expr:
        return sympy.Float(float(expr))

    def _complex(self, expr: Any) -> sympy.Expr:
        return sympy.Add(
            self(expr.real_part()), sympy.Mul(self(expr.imaginary_part()), _S.ImaginaryUnit)
        )

    def _polygamma(self, expr: Any) -> sympy.Expr:
        order, arg = expr.args
        if not isinstance(order, se.Integer) or int(order) < 0:
            raise _Unsupported(expr)
        return sympy.polygamma(int(order), self(arg))


def jacobian_rows(
    exprs: Sequence[sympy.Expr], wrt: Sequence[sympy.Symbol]
) -> list[list[sympy.Expr] | None]:
    """First partials of each expression through SymEngine; None where it does not apply."""
    rows: list[list[sympy.Expr] | None] = [None] * len(exprs)
    to_se = _ToSymEngine()
    wrt_se = [to_se.symbol(w) for w in wrt]
    converted = {}
    for i, e in enumerate(exprs):
        try:
            converted[i] = to_se(e)
        except _CanonicalMismatch:
            raise
        except Exception:  # outside the whitelist: sympy.diff
            continue
    to_sp = _ToSymPy(to_se.symbols)
    for i, e_se in converted.items():
        try:
            rows[i] = [to_sp(e_se.diff(w)) for w in wrt_se]
        except _CanonicalMismatch:
            raise
        except Exception:  # SymEngine's answer is outside the whitelist
            rows[i] = None
    return rows


def hessian_rows(f: sympy.Expr, wrt: list[sympy.Symbol]) -> list[list[sympy.Expr]]:
    """The Hessian of ``f`` through SymEngine, ``[i][j]`` and ``[j][i]`` one object."""
    to_se = _ToSymEngine()
    wrt_se = [to_se.symbol(w) for w in wrt]
    f_se = to_se(f)
    grad = [f_se.diff(w) for w in wrt_se]
    to_sp = _ToSymPy(to_se.symbols)
    n = len(wrt)
    rows: list[list[Any]] = [[None] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            rows[i][j] = rows[j][i] = to_sp(grad[i].diff(wrt_se[j]))
    return rows
