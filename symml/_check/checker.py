"""Check hand derivations: is the claimed result equal to the expected one?

======================  =================================================================
function                returns
======================  =================================================================
:func:`check`           a :class:`~symml._verdict.Verdict`: truthy iff ``claimed`` equals
                        ``expected``, with a counterexample point when not
:func:`check_steps`     a :class:`StepsVerdict` for a chain ``e0 = e1 = ... = ek``: the
                        first step that does not follow from the one before
:class:`StepsVerdict`   per-step verdicts, ``first_bad``, a summary ``verdict``
======================  =================================================================

How it works
------------
1. Both sides become SymPy objects: Derivations give their result, lists and
   NumPy arrays become matrices, unevaluated ``Derivative`` objects are
   evaluated (``Integral``, ``Sum`` and ``Limit`` too, within the time budget;
   otherwise they are evaluated numerically), ``O(...)`` terms are dropped
   (with a note). ``MatrixSymbol`` entries are real numbers; symbolic
   dimensions such as ``n`` are set to small sizes (reported in the notes).
   A derivative of a scalar with respect to a ``MatrixSymbol`` is taken entry
   by entry -- SymPy's own matrix calculus is not trusted (SymPy 1.14 returns
   ``0`` for d/dv of ``(v.T*A*v)[0, 0]``). Undefined functions ``f(x)`` are
   replaced by a fixed, seeded random smooth function for the numeric part.
   Sums over an indexed sample ``x[i]`` are expanded at each point, with a
   sampled length and sampled values.
2. **Numeric sampling decides "different".** Both sides are evaluated at ``n``
   random points that respect each symbol's assumptions (see
   :func:`symml._sampling.sample_points`: integers for integer symbols,
   positive values on a log scale, reals of both signs up to ``|x| = 50``,
   complex values for symbols without assumptions), with SymPy/mpmath at 30
   digits and adaptive precision, so cancellation, complex values and branch
   cuts are handled faithfully. Points where either side is undefined
   (``nan``, ``zoo``, division by zero) are skipped and more points are
   drawn. A point where the sides differ is re-evaluated exactly (values
   substituted as rationals) at 60 digits before it is reported; among a few
   such points the one with values closest to 1 is reported.
3. **A symbolic proof upgrades "agree at every point" to "proved".** When all
   points agree, ``expand`` and then ``simplify`` of the difference are tried
   within the budget; ``method`` is ``"symbolic"`` if the difference
   simplifies to zero, otherwise ``"numeric"`` with a note saying why (no
   proof found, or the budget ran out). With too few points where both sides
   are defined and no proof, the verdict is falsy with ``method ==
   "inconclusive"``.

Two values ``a``, ``b`` agree when ``|a - b| <= atol + rtol * max(|a|, |b|)``:
relative tolerance with an absolute floor (for values near zero).

Time: a verdict takes about ``budget`` seconds at most. Evaluating integrals
and sums may use up to 40 % of it, numeric sampling up to 60 % (it stops early
once ``n`` points agree, usually within milliseconds), and the symbolic proof
gets whatever is left. Interruption uses ``SIGALRM`` and works in the main
thread (Jupyter, scripts, pytest); in other threads ``simplify`` is skipped,
as nothing could stop it.

Equations: ``check(Eq(a, b))`` asks whether ``a = b`` is an identity.
``check(Eq(a, b), Eq(c, d))`` compares ``a - b`` with ``c - d`` (or with
``d - c``: the side order does not matter) -- so ``Eq(2*x, 2)`` and ``Eq(x, 1)``
are *not* equivalent here, divide through first. ``check(Eq(w, s), t)``
compares the right-hand side ``s`` with ``t`` (with a note).

Examples
--------
>>> import sympy as sp
>>> from symml._check.checker import check
>>> x = sp.Symbol("x", real=True)
>>> bool(check(sp.Derivative(sp.sin(x**2), x), 2*x*sp.cos(x**2)))
True
>>> v = check(sp.sqrt(x**2), x)
>>> bool(v), v.counterexample[x] < 0
(False, True)
"""

from __future__ import annotations

import math
import operator
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from sympy.core.assumptions import _assume_defined
from sympy.core.function import AppliedUndef
from sympy.logic.boolalg import BooleanAtom
from sympy.matrices.expressions import (
    Adjoint,
    Determinant,
    HadamardPower,
    HadamardProduct,
    Inverse,
    MatAdd,
    MatMul,
    MatPow,
    Trace,
    Transpose,
)
from sympy.matrices.expressions.matexpr import MatrixElement, MatrixExpr

from .._core import (
    ArgumentError,
    BudgetExceededError,
    Derivation,
    ShapeError,
    Step,
    Verdict,
    as_sympy,
    bad_argument,
    can_interrupt,
    domain_of,
    sample_points,
    time_limit,
)
from .._core import fmt as _fmt

__all__ = ["StepsVerdict", "check", "check_steps"]

_DIGITS = 30
_CONFIRM_DIGITS = 60
_ROUNDS = 4  # batches of n points drawn while collecting n valid ones
_MIN_VALID = 8  # fewer valid points than min(n, this) -> inconclusive
_NICER_TRIES = 12  # later points tried for a counterexample with values closer to 1
_PREPARE_SHARE = 0.4  # of the budget, at most, for evaluating integrals and sums
_NUMERIC_SHARE = 0.6  # of the budget, at most, for numeric sampling
_MIN_EVIDENCE_SECONDS = 2.0  # sampling may use this long to reach min(n, _MIN_VALID) points
_BOUND = (sp.Integral, sp.Sum, sp.Product, sp.Lambda, sp.Subs)
_HEAVY = (sp.Integral, sp.Sum, sp.Product, sp.Limit)
_SAMPLE_SIZE_NAMES = ("n", "N", "m", "M")
_ASSUMPTION_NAMES = frozenset(_assume_defined)
_VECTOR_DERIVATIVE_FIX = (
    "check differentiates scalars with respect to a MatrixSymbol; for the derivative "
    "of a vector pass the explicit Jacobian, e.g. symml.jacobian(F, w)"
)


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------
class _Clock:
    """Seconds left of a budget."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.seconds = seconds

    def left(self) -> float:
        return self.end - time.monotonic()


def _budgeted(func: Callable[[], Any], clock: _Clock) -> tuple[Any, str]:
    """Run ``func`` within what is left of ``clock``: ``(value, status)``.

    ``status`` is ``"ok"``, ``"timeout"`` or ``"error"`` (SymPy raised).
    """
    try:
        with time_limit(clock.left()):
            return func(), "ok"
    except BudgetExceededError:
        return None, "timeout"
    except RecursionError:
        return None, "error"
    except Exception:
        return None, "error"


def _fmt_shape(shape: tuple[Any, ...]) -> str:
    return "scalar" if shape == () else "(" + ", ".join(str(d) for d in shape) + ")"


def _shape(obj: Any) -> tuple[Any, ...]:
    if isinstance(obj, sp.Derivative) and any(isinstance(v, MatrixExpr) for v in obj.variables):
        # A scalar differentiated with respect to a matrix has the matrix's shape.
        if not _is_scalar_like(_shape(obj.expr)):
            raise ArgumentError(bad_argument("claimed", obj, _VECTOR_DERIVATIVE_FIX))
        return tuple(obj.variables[0].shape)
    if isinstance(obj, (sp.MatrixBase, MatrixExpr)):
        return tuple(obj.shape)
    if isinstance(obj, sp.NDimArray):
        return tuple(obj.shape)
    return ()


def _is_scalar_like(shape: tuple[Any, ...]) -> bool:
    return shape == () or shape == (1, 1)


def _exact(value: Any) -> sp.Expr:
    """A sampled Python number as an exact SymPy number."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, (bool, np.bool_)):
        return sp.Integer(int(value))
    if isinstance(value, (int, np.integer)):
        return sp.Integer(int(value))
    if isinstance(value, complex):
        return _exact(value.real) + sp.I * _exact(value.imag)
    return sp.Rational(repr(float(value)))


def _python_value(value: Any) -> Any:
    """An mpmath number as a Python float/complex (SymPy Float when it overflows)."""
    if value is None:
        return None
    re, im = mpmath.mpf(value.real), mpmath.mpf(value.imag)
    if abs(re) > 1e300 or abs(im) > 1e300:
        return sp.Float(re, _DIGITS) + sp.I * sp.Float(im, _DIGITS) if im else sp.Float(re, _DIGITS)
    if im == 0:
        return float(re)
    return complex(float(re), float(im))


class _Inconclusive(Exception):
    """The problem cannot be prepared within the budget; the message says why."""


class _NotNumeric(Exception):
    """A side did not reduce to a number at a sample point."""


def _number(expr: sp.Basic, digits: int) -> mpmath.mpc | None:
    """``expr`` evaluated to ``digits``; None where it is undefined (nan, zoo, oo)."""
    value = expr.evalf(digits) if not isinstance(expr, sp.Number) else expr
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    if not getattr(value, "is_number", False) or value.free_symbols:
        raise _NotNumeric(f"it still contains {_short(value)} after substituting numbers")
    re, im = value.as_real_imag()
    try:
        return mpmath.mpc(mpmath.mpmathify(re.evalf(digits)), mpmath.mpmathify(im.evalf(digits)))
    except (TypeError, ValueError) as exc:
        raise _NotNumeric(f"{_short(value)} is not a number") from exc


def _short(obj: Any, limit: int = 60) -> str:
    text = str(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _close(a: mpmath.mpc, b: mpmath.mpc, rtol: float, atol: float) -> bool:
    return bool(abs(a - b) <= atol + rtol * max(abs(a), abs(b)))


# ---------------------------------------------------------------------------
# turning arguments into comparable SymPy objects
# ---------------------------------------------------------------------------
def _to_sympy(obj: Any, name: str) -> sp.Basic:
    if isinstance(obj, Step):
        obj = obj.expr
    if isinstance(obj, np.ndarray):
        obj = obj.tolist()
    if isinstance(obj, (list, tuple)):
        try:
            obj = sp.ImmutableMatrix(obj)
        except (ValueError, TypeError, sp.SympifyError) as exc:
            raise ArgumentError(
                bad_argument(name, obj, "a list must be a vector or a rectangular nested list")
            ) from exc
    value = as_sympy(obj, name)
    if isinstance(value, sp.NDimArray):
        if value.rank() > 2:
            raise ArgumentError(
                bad_argument(name, value, "compare arrays of rank at most 2 (vectors, matrices)")
            )
        value = sp.ImmutableMatrix(value.tomatrix() if value.rank() == 2 else list(value))
    if isinstance(value, sp.Equality):
        return value
    if isinstance(value, BooleanAtom):
        raise ArgumentError(
            bad_argument(
                name,
                value,
                "SymPy evaluated this equation to a truth value before check saw it; "
                "write it unevaluated, e.g. Eq(lhs, rhs, evaluate=False)",
            )
        )
    if isinstance(value, (sp.Rel, sp.logic.boolalg.Boolean)) and not isinstance(value, sp.Expr):
        raise ArgumentError(
            bad_argument(
                name,
                value,
                "pass an expression, a Matrix or an equation Eq(lhs, rhs); "
                "inequalities and logical statements cannot be checked",
            )
        )
    if not isinstance(value, (sp.Expr, sp.MatrixBase, MatrixExpr)):
        raise ArgumentError(bad_argument(name, value, "pass a SymPy expression, Matrix or number"))
    return value


def _residual(eq: sp.Equality) -> Any:
    lhs, rhs = eq.lhs, eq.rhs
    return lhs - rhs


def _pair(claimed: Any, expected: Any, notes: list[str]) -> tuple[Any, Any, bool]:
    """Reduce equations to expressions; third value: both sides were equations."""
    a_eq, b_eq = isinstance(claimed, sp.Equality), isinstance(expected, sp.Equality)
    if a_eq and b_eq:
        return _residual(claimed), _residual(expected), True
    if a_eq:
        notes.append("compared the right-hand side of the claimed equation")
        return claimed.rhs, expected, False
    if b_eq:
        notes.append("compared the right-hand side of the expected equation")
        return claimed, expected.rhs, False
    return claimed, expected, False


# -- matrix symbols -----------------------------------------------------------
def _dimension_sizes(objs: Iterable[Any]) -> dict[sp.Symbol, int]:
    """Small distinct sizes for symbolic matrix dimensions; sample counts get the largest."""
    dims: set[sp.Symbol] = set()
    for obj in objs:
        if isinstance(obj, sp.Basic):
            for ms in obj.atoms(sp.MatrixSymbol):
                for d in ms.shape:
                    dims |= sp.sympify(d).free_symbols
    ordered = sorted(dims, key=lambda s: (s.name in _SAMPLE_SIZE_NAMES, s.name))
    return {s: size for size, s in enumerate(range(len(ordered)), start=2) for s in [ordered[s]]}


def _explicit_table(objs: Iterable[Any]) -> dict[sp.MatrixSymbol, sp.ImmutableMatrix]:
    table: dict[sp.MatrixSymbol, sp.ImmutableMatrix] = {}
    for obj in objs:
        if not isinstance(obj, sp.Basic):
            continue
        for ms in sorted(obj.atoms(sp.MatrixSymbol), key=lambda m: m.name):
            if ms in table:
                continue
            rows, cols = ms.shape
            if not (sp.sympify(rows).is_Integer and sp.sympify(cols).is_Integer):
                raise ArgumentError(
                    bad_argument("claimed", ms, "give matrix symbols integer (or symbolic) shapes")
                )
            table[ms] = sp.ImmutableMatrix(
                int(rows),
                int(cols),
                lambda i, j, name=ms.name: sp.Dummy(f"{name}[{i}, {j}]", real=True),
            )
    return table


def _scalar_of(value: Any) -> sp.Expr:
    if isinstance(value, sp.MatrixBase) and value.shape == (1, 1):
        return value[0, 0]
    return value


def _inverse(m: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
    if not m.free_symbols:
        return sp.ImmutableMatrix(m.inv())
    if m.rows <= 4:
        # Adjugate over determinant: no simplification, fast for small symbolic matrices.
        return sp.ImmutableMatrix(m.adjugate(method="berkowitz") / m.det(method="berkowitz"))
    return sp.ImmutableMatrix(m.inv(method="LU"))


def _power(m: sp.ImmutableMatrix, exponent: Any) -> Any:
    if sp.sympify(exponent).is_Integer:
        k = int(exponent)
        return sp.ImmutableMatrix(_inverse(m) ** (-k) if k < 0 else m**k)
    return sp.ImmutableMatrix(m**exponent)


def _mat_eval(expr: Any, table: Mapping[sp.MatrixSymbol, sp.ImmutableMatrix]) -> Any:
    """``expr`` with MatrixSymbols replaced by the explicit matrices in ``table``.

    Matrix operations are carried out directly (inverses by adjugate and
    determinant), which is much faster than SymPy's ``doit`` on explicit
    symbolic matrices. Works for numeric tables too.
    """
    if isinstance(expr, sp.MatrixSymbol):
        return table[expr] if expr in table else expr
    if not isinstance(expr, sp.Basic) or not expr.has(*table):
        if isinstance(expr, MatrixExpr) and not isinstance(expr, sp.MatrixBase):
            return sp.ImmutableMatrix(expr.as_explicit())
        return expr
    if isinstance(expr, sp.MatrixBase):
        return sp.ImmutableMatrix(expr.applyfunc(lambda e: _mat_eval(e, table)))
    if isinstance(expr, MatrixElement):
        parent = _mat_eval(expr.parent, table)
        return parent[expr.i, expr.j]
    args = [_mat_eval(a, table) for a in expr.args]
    if isinstance(expr, MatAdd):
        return sp.ImmutableMatrix(reduce(operator.add, args))
    if isinstance(expr, MatMul):
        return sp.ImmutableMatrix(reduce(operator.mul, args))
    if isinstance(expr, Transpose):
        return args[0].T
    if isinstance(expr, Adjoint):
        return args[0].H
    if isinstance(expr, Inverse):
        return _inverse(args[0])
    if isinstance(expr, MatPow):
        return _power(args[0], args[1])
    if isinstance(expr, Trace):
        return args[0].trace()
    if isinstance(expr, Determinant):
        return args[0].det(method="berkowitz")
    if isinstance(expr, HadamardProduct):
        return sp.ImmutableMatrix(reduce(lambda p, q: p.multiply_elementwise(q), args))
    if isinstance(expr, HadamardPower):
        return args[0].applyfunc(lambda e: e ** args[1])
    out = expr.func(*args)
    if isinstance(out, MatrixExpr) and not isinstance(out, sp.MatrixBase):
        out = out.doit()
    return sp.ImmutableMatrix(out) if isinstance(out, sp.MatrixBase) else out


def _matrix_derivatives(expr: Any, table: Mapping[sp.MatrixSymbol, sp.ImmutableMatrix]) -> Any:
    """Replace ``Derivative(f, W)`` (``f`` scalar, ``W`` a MatrixSymbol) by the matrix of partials.

    SymPy's matrix calculus is not trusted here (in SymPy 1.14 it returns 0
    for d/dw of ``(w.T*A*w)[0, 0]``); the derivative is taken entry by entry of
    the explicit form instead, in the layout of ``W`` (Matrix Cookbook).
    """
    if not isinstance(expr, sp.Basic) or not expr.has(sp.Derivative):
        return expr

    def is_matrix_derivative(e: Any) -> bool:
        return isinstance(e, sp.Derivative) and any(isinstance(v, MatrixExpr) for v in e.variables)

    def matrix_derivative(d: sp.Derivative) -> sp.ImmutableMatrix:
        if len(d.variable_count) != 1 or d.variable_count[0][1] != 1:
            raise ArgumentError(
                bad_argument(
                    "claimed",
                    d,
                    "check differentiates a scalar once with respect to one MatrixSymbol; "
                    "for other matrix derivatives pass the result, e.g. symml.hessian(f, w)",
                )
            )
        var = d.variables[0]
        if var not in table:
            raise ArgumentError(
                bad_argument("claimed", d, "differentiate with respect to a MatrixSymbol")
            )
        f = _scalar_of(_mat_eval(_matrix_derivatives(d.expr, table), table))
        if isinstance(f, (sp.MatrixBase, MatrixExpr)):
            raise ArgumentError(bad_argument("claimed", d, _VECTOR_DERIVATIVE_FIX))
        entries = table[var]
        return sp.ImmutableMatrix(
            entries.rows, entries.cols, lambda i, j: sp.diff(f, entries[i, j])
        )

    return expr.replace(is_matrix_derivative, matrix_derivative)


def _flat(obj: Any) -> list[Any]:
    if isinstance(obj, sp.MatrixBase):
        return list(obj)
    return [obj]


# -- evaluation of unevaluated objects ------------------------------------------
def _evaluate(expr: Any, clock: _Clock, notes: list[str]) -> Any:
    if not isinstance(expr, sp.Basic):
        return expr
    if expr.has(*_HEAVY):
        value, status = _budgeted(expr.doit, clock)
        if status == "ok":
            expr = value
        else:
            why = "ran out of the time budget" if status == "timeout" else "failed"
            notes.append(
                f"evaluating integrals/sums symbolically {why}; they were evaluated numerically"
            )
            expr = expr.replace(
                lambda e: isinstance(e, sp.Derivative), lambda e: e.doit(deep=False)
            )
    elif expr.has(sp.Derivative):
        expr = expr.doit()
    if isinstance(expr, sp.Basic) and expr.has(sp.Order):
        expr = expr.removeO() if isinstance(expr, sp.Expr) else expr.applyfunc(sp.Expr.removeO)
        notes.append("dropped O(...) terms before comparing")
    if isinstance(expr, sp.MatrixBase):
        expr = sp.ImmutableMatrix(expr)
    return expr


def _random_function(nargs: int, rng: np.random.Generator) -> sp.Lambda:
    """A fixed smooth function of ``nargs`` arguments with random rational coefficients."""
    ts = sp.symbols(f"t0:{nargs}", cls=sp.Dummy)

    def coef() -> sp.Rational:
        return sp.Rational(int(rng.integers(-9, 10)) or 1, int(rng.integers(2, 8)))

    lin = sum(coef() * t for t in ts)
    body = coef() + lin + sum(coef() * t**2 for t in ts) + coef() * sp.sin(lin + coef())
    body += coef() * sp.exp(sum(coef() * t for t in ts) / 7)
    return sp.Lambda(ts, body)


def _concrete_functions(exprs: Sequence[Any], seed: int) -> dict[Any, sp.Lambda]:
    funcs: dict[Any, int] = {}
    for e in exprs:
        if isinstance(e, sp.Basic):
            for app in e.atoms(AppliedUndef):
                funcs.setdefault(app.func, len(app.args))
    rng = np.random.default_rng([seed, 7])
    return {f: _random_function(k, rng) for f, k in sorted(funcs.items(), key=lambda t: str(t[0]))}


# ---------------------------------------------------------------------------
# the prepared problem
# ---------------------------------------------------------------------------
@dataclass
class _Problem:
    """Two sides ready to compare.

    Without matrix symbols, ``a`` and ``b`` hold the entries still to compare
    (structurally equal entries are dropped). With matrix symbols (``table``
    not empty) they hold the two whole sides, made explicit per point.
    """

    claimed: Any
    expected: Any
    a: list[Any]
    b: list[Any]
    entries: list[tuple[int, ...] | None]
    notes: list[str] = field(default_factory=list)
    table: dict[sp.MatrixSymbol, sp.ImmutableMatrix] = field(default_factory=dict)
    stand_ins: dict[sp.Dummy, tuple[sp.MatrixSymbol, int, int]] = field(default_factory=dict)
    renamed: dict[sp.Basic, sp.Basic] = field(default_factory=dict)  # stand-in -> user symbol
    order: list[sp.Basic] = field(default_factory=list)  # symbols the user listed first
    a_num: list[Any] = field(default_factory=list)  # with concrete functions
    b_num: list[Any] = field(default_factory=list)


def _symbol_options(symbols: Any) -> tuple[list[sp.Basic], dict[sp.Basic, sp.Dummy]]:
    """``symbols=`` as (listed order, {symbol: stand-in with the given assumptions})."""
    if symbols is None:
        return [], {}
    if isinstance(symbols, (sp.Basic, str)):
        raise ArgumentError(
            bad_argument("symbols", symbols, "pass a list of Symbols, e.g. symbols=[x, y]")
        )
    order: list[sp.Basic] = []
    stand_ins: dict[sp.Basic, sp.Dummy] = {}
    items = symbols.items() if isinstance(symbols, Mapping) else ((s, None) for s in symbols)
    for sym, assumptions in items:
        if not isinstance(sym, sp.Symbol):
            raise ArgumentError(
                bad_argument(
                    "symbols", sym, "each entry must be a SymPy Symbol, e.g. sp.Symbol('x')"
                )
            )
        order.append(sym)
        if assumptions is None:
            continue
        if isinstance(assumptions, str):
            assumptions = {assumptions: True}
        try:
            assumptions = dict(assumptions)
            unknown = sorted(set(assumptions) - _ASSUMPTION_NAMES)
            if unknown:
                raise ValueError(f"unknown assumptions {unknown}")
            stand_ins[sym] = sp.Dummy(sym.name, **assumptions)
        except (TypeError, ValueError, AttributeError) as exc:
            raise ArgumentError(
                bad_argument(
                    f"symbols[{sym}]",
                    assumptions,
                    "give SymPy assumptions, e.g. symbols={x: 'positive'} "
                    "or symbols={x: {'integer': True}}",
                )
            ) from exc
    return order, stand_ins


def _same_shape_or_raise(shape_a: tuple[Any, ...], shape_b: tuple[Any, ...]) -> None:
    if shape_a != shape_b and not (_is_scalar_like(shape_a) and _is_scalar_like(shape_b)):
        raise ShapeError(
            f"claimed has shape {_fmt_shape(shape_a)} but expected has shape "
            f"{_fmt_shape(shape_b)}: compare objects of the same shape"
        )


def _prepare(
    claimed: Any, expected: Any, symbols: Any, seed: int, clock: _Clock, notes: list[str]
) -> _Problem:
    order, renames = _symbol_options(symbols)
    if renames:
        claimed = claimed.xreplace(renames)
        expected = expected.xreplace(renames)
        notes.append(
            "sampled "
            + ", ".join(f"{s} from the {domain_of(d)}" for s, d in renames.items())
            + " as asked"
        )
    shape_a, shape_b = _shape(claimed), _shape(expected)
    if all(sp.sympify(d).is_Integer for d in shape_a + shape_b) or (len(shape_a) != len(shape_b)):
        _same_shape_or_raise(shape_a, shape_b)
    sizes = _dimension_sizes([claimed, expected])
    if sizes:
        claimed, expected = claimed.xreplace(sizes), expected.xreplace(sizes)
        notes.append(
            "matrix dimensions set to "
            + ", ".join(f"{s} = {v}" for s, v in sizes.items())
            + " for the check"
        )
        _same_shape_or_raise(_shape(claimed), _shape(expected))
    table = _explicit_table([claimed, expected])
    if table and (claimed.has(sp.Derivative) or expected.has(sp.Derivative)):
        try:
            with time_limit(clock.left()):
                claimed = _matrix_derivatives(claimed, table)
                expected = _matrix_derivatives(expected, table)
        except BudgetExceededError:
            raise _Inconclusive(
                "differentiating with respect to a matrix entry by entry ran out of the "
                "time budget; try smaller matrix shapes"
            ) from None
    claimed = _evaluate(claimed, clock, notes)
    expected = _evaluate(expected, clock, notes)
    shape_a, shape_b = _shape(claimed), _shape(expected)
    _same_shape_or_raise(shape_a, shape_b)
    if shape_a != shape_b:
        notes.append("compared a 1x1 matrix with a scalar")
    if _is_scalar_like(shape_a) and _is_scalar_like(shape_b):
        entries: list[tuple[int, ...] | None] = [None]
    else:
        entries = [(i, j) for i in range(shape_a[0]) for j in range(shape_a[1])]
    if table:
        same = claimed == expected
        a_list, b_list = ([], []) if same else ([claimed], [expected])
    else:
        a_list = _flat(_scalar_of(claimed))
        b_list = _flat(_scalar_of(expected))
        keep = [k for k in range(len(entries)) if a_list[k] != b_list[k]]
        a_list = [a_list[k] for k in keep]
        b_list = [b_list[k] for k in keep]
        entries = [entries[k] for k in keep]
    problem = _Problem(
        claimed=claimed,
        expected=expected,
        a=a_list,
        b=b_list,
        entries=entries,
        notes=notes,
        table=table,
        order=order,
    )
    for ms, mat in table.items():
        for i in range(mat.rows):
            for j in range(mat.cols):
                problem.stand_ins[mat[i, j]] = (ms, i, j)
    problem.renamed = {d: s for s, d in renames.items()}
    funcs = _concrete_functions(problem.a + problem.b, seed)
    if funcs:
        notes.append(
            "undefined functions "
            + ", ".join(str(f) for f in funcs)
            + " were replaced by a fixed random smooth function for the numeric check"
        )

        def concrete(e: Any) -> Any:
            return e.subs(funcs).doit()

        problem.a_num = [concrete(e) for e in problem.a]
        problem.b_num = [concrete(e) for e in problem.b]
    else:
        problem.a_num, problem.b_num = list(problem.a), list(problem.b)
    return problem


# ---------------------------------------------------------------------------
# numeric sampling
# ---------------------------------------------------------------------------
@dataclass
class _Sampled:
    valid: int = 0
    tried: int = 0
    error: str | None = None
    stopped: bool = False  # time ran out
    point: dict[Any, Any] | None = None
    entry: tuple[int, ...] | None = None
    a_value: Any = None
    b_value: Any = None


def _coordinates(problem: _Problem) -> list[sp.Basic]:
    free: set[sp.Basic] = set()
    labels: set[sp.Basic] = set()
    for e in problem.a_num + problem.b_num:
        free |= e.free_symbols
        labels |= {ib.label for ib in e.atoms(sp.IndexedBase)}
    coords = {s for s in free if isinstance(s, sp.Symbol) and s not in labels}
    coords -= set(problem.stand_ins)
    first = [s for s in problem.order if s in coords]
    renamed_first = [d for d in problem.renamed if d in coords and d not in first]
    rest = sorted(coords - set(first) - set(renamed_first), key=sp.default_sort_key)
    # Every entry of every matrix symbol is a coordinate, in a fixed order.
    entries = [e for mat in problem.table.values() for e in mat]
    return first + renamed_first + rest + entries


def _substitute(expr: Any, point: Mapping[Any, Any]) -> Any:
    if isinstance(expr, sp.Basic) and expr.has(*_BOUND):
        return expr.subs(point, simultaneous=True)
    return expr.xreplace(point)


_SLOW = object()  # marker: the fast evaluation did not give a number


def _fast_number(expr: Any, exact: Mapping[Any, Any], digits: int) -> Any:
    if expr.has(*_BOUND, sp.Indexed, sp.Piecewise):
        return _SLOW
    value = expr.evalf(digits, subs=exact)
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    if not getattr(value, "is_number", False) or value.free_symbols:
        return _SLOW
    try:
        re, im = value.as_real_imag()
        return mpmath.mpc(mpmath.mpmathify(re), mpmath.mpmathify(im))
    except (TypeError, ValueError):
        return _SLOW


def _at_point(
    problem: _Problem,
    point: dict[Any, Any],
    digits: int,
    seed: int,
    index: int,
    *,
    fast: bool = False,
) -> tuple[list[Any], list[Any], dict[Any, Any]] | None:
    """Both sides' entries at ``point``; None where a side is undefined.

    With ``fast``, plain expressions are evaluated by ``evalf(subs=...)``
    (no intermediate expression is built); it can return garbage instead of
    ``zoo`` exactly at a pole, so a disagreement is always confirmed with
    ``fast=False``: exact substitution, then ``evalf``.
    """
    exact = {s: _exact(v) for s, v in point.items()}
    if fast and not problem.table:
        a_vals, b_vals = [], []
        for ea, eb in zip(problem.a_num, problem.b_num, strict=True):
            va, vb = _fast_number(ea, exact, digits), _fast_number(eb, exact, digits)
            if va is _SLOW or vb is _SLOW:
                break
            if va is None or vb is None:
                return None
            a_vals.append(va)
            b_vals.append(vb)
        else:
            return a_vals, b_vals, dict(point)
    a = [_substitute(e, exact) for e in problem.a_num]
    b = [_substitute(e, exact) for e in problem.b_num]
    if problem.table:
        numeric = {ms: mat.xreplace(exact) for ms, mat in problem.table.items()}
        a = _flat(_scalar_of(_mat_eval(a[0], numeric))) if a else []
        b = _flat(_scalar_of(_mat_eval(b[0], numeric))) if b else []
    full = dict(point)
    if any(e.has(sp.Indexed) for e in a + b):
        # Finite sums over an indexed sample: expand, then draw the sample values.
        a = [e.doit() if e.has(sp.Sum, sp.Product) else e for e in a]
        b = [e.doit() if e.has(sp.Sum, sp.Product) else e for e in b]
        atoms: set[sp.Indexed] = set()
        for e in a + b:
            atoms |= e.atoms(sp.Indexed)
        if atoms:
            ordered = sorted(atoms, key=sp.default_sort_key)
            values = sample_points(ordered, 1, seed=seed * 1_000_003 + index + 1)[0]
            full.update(values)
            exact_idx = {s: _exact(v) for s, v in values.items()}
            a = [e.xreplace(exact_idx) for e in a]
            b = [e.xreplace(exact_idx) for e in b]
    a_vals, b_vals = [], []
    for ea, eb in zip(a, b, strict=True):
        va = _number(ea, digits)
        vb = _number(eb, digits) if va is not None else None
        if va is None or vb is None:
            return None
        a_vals.append(va)
        b_vals.append(vb)
    return a_vals, b_vals, full


def _classify(
    problem: _Problem, point: dict[Any, Any], seed: int, index: int, rtol: float, atol: float
) -> tuple[Any, ...]:
    """``("agree",)``, ``("undefined",)``, ``("error", text)`` or ``("differ", k, a, b, point)``."""
    try:
        got = _at_point(problem, point, _DIGITS, seed, index, fast=True)
    except (_NotNumeric, ArithmeticError, TypeError, ValueError) as exc:
        return "error", str(exc) or type(exc).__name__
    except NotImplementedError as exc:
        return "error", f"SymPy cannot evaluate it ({exc})"
    if got is None:
        return ("undefined",)
    a_vals, b_vals, _ = got
    bad = [k for k in range(len(a_vals)) if not _close(a_vals[k], b_vals[k], rtol, atol)]
    if not bad:
        return ("agree",)
    confirmed = _confirm(problem, point, seed, index, rtol, atol)
    if confirmed is None:
        return ("undefined",)
    return ("differ", *confirmed) if confirmed else ("agree",)


def _sample(
    problem: _Problem,
    n: int,
    seed: int,
    rtol: float,
    atol: float,
    seconds: float,
    hard_seconds: float,
) -> _Sampled:
    """Sample until ``n`` points agree, one differs, or time is up.

    Sampling stops after ``seconds`` once ``min(n, 8)`` points are valid;
    otherwise it goes on up to ``hard_seconds``.
    """
    out = _Sampled()
    coords = _coordinates(problem)
    batches = 1 if not coords else _ROUNDS
    soft_end = time.monotonic() + seconds
    hard_end = time.monotonic() + max(hard_seconds, seconds)
    try:
        with time_limit(max(hard_seconds, seconds)), mpmath.workdps(_CONFIRM_DIGITS + 10):
            for batch in range(batches):
                points = sample_points(coords, n, seed=seed + 7919 * batch) if coords else [{}]
                start = out.tried
                for j, point in enumerate(points):
                    result = _classify(problem, point, seed, out.tried, rtol, atol)
                    out.tried += 1
                    if result[0] == "error":
                        out.error = out.error or result[1]
                    if result[0] not in ("agree", "differ"):
                        continue
                    out.valid += 1
                    if result[0] == "differ":
                        later = [(start + i, p) for i, p in enumerate(points) if i > j]
                        result = _nicer(problem, point, result, later, seed, rtol, atol)
                        k, va, vb, full = result[1:]
                        out.point, out.entry = full, problem.entries[k]
                        out.a_value, out.b_value = _python_value(va), _python_value(vb)
                        return out
                    if out.valid >= n:
                        return out
                    now = time.monotonic()
                    if now > hard_end or (out.valid >= min(n, _MIN_VALID) and now > soft_end):
                        out.stopped = True
                        return out
    except BudgetExceededError:
        out.stopped = True
    return out


def _roughness(point: Mapping[Any, Any]) -> float:
    """How far the coordinates are from magnitude 1 (in decades): nicer points first."""
    worst = 0.0
    for value in point.values():
        size = abs(value)
        if size:
            worst = max(worst, abs(math.log10(size)))
    return worst


def _nicer(
    problem: _Problem,
    point: Mapping[Any, Any],
    found: tuple[Any, ...],
    later: list[tuple[int, dict[Any, Any]]],
    seed: int,
    rtol: float,
    atol: float,
) -> tuple[Any, ...]:
    """A counterexample with values closer to 1 among a few later points, else ``found``."""
    rough = _roughness(point)
    candidates = sorted(
        ((_roughness(p), index, p) for index, p in later if _roughness(p) < rough),
        key=lambda c: (c[0], c[1]),
    )[:_NICER_TRIES]
    try:
        for _, index, candidate in candidates:
            result = _classify(problem, candidate, seed, index, rtol, atol)
            if result[0] == "differ":
                return result
    except BudgetExceededError:
        pass
    return found


def _confirm(
    problem: _Problem,
    point: dict[Any, Any],
    seed: int,
    index: int,
    rtol: float,
    atol: float,
) -> tuple[Any, ...] | None:
    """Re-evaluate a disagreeing point exactly, at higher precision.

    Returns ``(entry index, a, b, point)`` when the sides still differ, ``()``
    when they agree after all, None when a side is undefined there.
    """
    try:
        got = _at_point(problem, point, _CONFIRM_DIGITS, seed, index)
    except (_NotNumeric, ArithmeticError, TypeError, ValueError, NotImplementedError):
        return None
    if got is None:
        return None
    a_vals, b_vals, full = got
    for k in range(len(a_vals)):
        if not _close(a_vals[k], b_vals[k], rtol, atol):
            return k, a_vals[k], b_vals[k], full
    return ()


def _user_point(problem: _Problem, point: Mapping[Any, Any]) -> dict[Any, Any]:
    """The sampled point in the user's terms: matrix entries regrouped into matrices."""
    out: dict[Any, Any] = {}
    matrices: dict[sp.MatrixSymbol, list[list[Any]]] = {}
    for sym, value in point.items():
        if sym in problem.stand_ins:
            ms, i, j = problem.stand_ins[sym]
            rows, cols = ms.shape
            grid = matrices.setdefault(ms, [[None] * int(cols) for _ in range(int(rows))])
            grid[i][j] = value
        else:
            out[problem.renamed.get(sym, sym)] = value
    for ms, grid in sorted(matrices.items(), key=lambda t: t[0].name):
        out[ms] = sp.ImmutableMatrix(grid)
    return out


# ---------------------------------------------------------------------------
# symbolic proof
# ---------------------------------------------------------------------------
def _is_zero(e: sp.Expr) -> bool:
    return e == 0 or e.is_zero is True


def _prove(problem: _Problem, clock: _Clock) -> str:
    """``"proved"``, ``"timeout"`` or ``"unproved"``."""
    pairs = list(zip(problem.a, problem.b, strict=True))
    if problem.table and pairs:
        explicit, status = _budgeted(
            lambda: (
                _flat(_scalar_of(_mat_eval(problem.a[0], problem.table))),
                _flat(_scalar_of(_mat_eval(problem.b[0], problem.table))),
            ),
            clock,
        )
        if status != "ok":
            return "timeout" if status == "timeout" else "unproved"
        pairs = [(ea, eb) for ea, eb in zip(*explicit, strict=True) if ea != eb]
    attempts: tuple[Callable[[sp.Expr], sp.Expr], ...] = (sp.expand, sp.simplify)
    if not can_interrupt():
        # simplify() could run for minutes and nothing could stop it here.
        problem.notes.append("simplify() skipped: it cannot be interrupted outside the main thread")
        attempts = (sp.expand,)
    for a, b in pairs:
        proved = False
        timed_out = False
        for attempt in attempts:
            value, status = _budgeted(lambda a=a, b=b, f=attempt: _is_zero(f(a - b)), clock)
            if status == "timeout":
                timed_out = True
                break
            if status == "ok" and value:
                proved = True
                break
        if not proved:
            return "timeout" if timed_out else "unproved"
    return "proved"


# ---------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------
def _check_options(n: Any, rtol: Any, atol: Any, budget: Any) -> None:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ArgumentError(
            bad_argument("n", n, "use a positive number of sample points, e.g. n=40")
        )
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not isinstance(value, (int, float)) or not value >= 0 or math.isinf(value):
            raise ArgumentError(bad_argument(name, value, "use a small non-negative number"))
    if not isinstance(budget, (int, float)) or not budget > 0 or math.isinf(budget):
        raise ArgumentError(bad_argument("budget", budget, "give a positive number of seconds"))


def _infinite_constant(problem: _Problem) -> tuple[int, Any, Any] | None:
    """For constants: an entry where one side is infinite and the other is not."""
    if problem.table:
        return None
    infinities = (sp.oo, -sp.oo, sp.zoo)
    for k, (a, b) in enumerate(zip(problem.a_num, problem.b_num, strict=True)):
        if a.free_symbols or b.free_symbols:
            return None
        va, vb = a.evalf(_DIGITS), b.evalf(_DIGITS)
        if sp.nan in (va, vb):
            continue
        if (va in infinities or vb in infinities) and va != vb:
            return k, va, vb
    return None


def _decide(
    problem: _Problem,
    *,
    n: int,
    seed: int,
    rtol: float,
    atol: float,
    budget: float,
    deadline: float,
) -> Verdict:
    notes = problem.notes
    base = {"claimed": problem.claimed, "expected": problem.expected}
    if not problem.a:
        return Verdict(True, "symbolic", notes=tuple(notes), **base)
    left = max(deadline - time.monotonic(), 0.05 * budget)
    numeric_seconds = min(_NUMERIC_SHARE * budget, left)
    # The sampled points are the evidence: a tight or shared budget on a loaded
    # machine may stretch to _MIN_EVIDENCE_SECONDS to reach min(n, 8) points.
    sampled = _sample(
        problem, n, seed, rtol, atol, numeric_seconds, max(left, _MIN_EVIDENCE_SECONDS)
    )
    if sampled.point is not None:
        return Verdict(
            False,
            "numeric",
            counterexample=_user_point(problem, sampled.point),
            claimed_value=sampled.a_value,
            expected_value=sampled.b_value,
            notes=tuple(notes),
            points=sampled.valid,
            entry=sampled.entry,
            **base,
        )
    infinite = _infinite_constant(problem) if sampled.valid == 0 and sampled.tried == 1 else None
    if infinite is not None:
        k, va, vb = infinite
        return Verdict(
            False,
            "numeric",
            counterexample={},
            claimed_value=va,
            expected_value=vb,
            notes=tuple(notes),
            points=1,
            entry=problem.entries[k],
            **base,
        )
    if sampled.stopped:
        notes.append(
            f"numeric sampling ran out of time after {sampled.valid} valid points "
            f"({sampled.tried} tried)"
        )
    enough = sampled.valid >= min(n, _MIN_VALID) or (sampled.valid >= 1 and sampled.tried == 1)
    if sampled.valid < sampled.tried and enough:
        notes.append(
            f"{sampled.tried - sampled.valid} of {sampled.tried} sampled points were skipped "
            "(a side was undefined there)"
        )
    status = _prove(problem, _Clock(deadline - time.monotonic()))
    if status == "proved":
        return Verdict(True, "symbolic", notes=tuple(notes), points=sampled.valid, **base)
    if not enough:
        why = (
            f"only {sampled.valid} of {sampled.tried} sampled points gave finite values on "
            "both sides"
        )
        if sampled.error:
            why += f"; could not evaluate numerically: {sampled.error}"
        notes.insert(0, f"inconclusive: {why}, and no symbolic proof was found")
        return Verdict(False, "inconclusive", notes=tuple(notes), points=sampled.valid, **base)
    if status == "timeout":
        notes.append(
            f"simplification ran out of its {budget:.3g} s budget; numeric sampling "
            f"decided ({sampled.valid} points agree)"
        )
    else:
        notes.append(
            f"no symbolic proof found; numeric sampling decided ({sampled.valid} points agree)"
        )
    return Verdict(True, "numeric", notes=tuple(notes), points=sampled.valid, **base)


def _check(
    claimed: Any,
    expected: Any,
    *,
    symbols: Any,
    n: int,
    seed: int,
    rtol: float,
    atol: float,
    budget: float,
    names: tuple[str, str] = ("claimed", "expected"),
) -> Verdict:
    deadline = time.monotonic() + budget
    left = _to_sympy(claimed, names[0])
    notes: list[str] = []
    if expected is None:
        if not isinstance(left, sp.Equality):
            raise ArgumentError(
                bad_argument(
                    names[1], None, "give the expected result, or pass an equation Eq(lhs, rhs)"
                )
            )
        left, right, both_eqs = left.lhs, left.rhs, False
    else:
        right = _to_sympy(expected, names[1])
        left, right, both_eqs = _pair(left, right, notes)
    options = {"n": n, "seed": seed, "rtol": rtol, "atol": atol}
    try:
        problem = _prepare(left, right, symbols, seed, _Clock(_PREPARE_SHARE * budget), list(notes))
    except _Inconclusive as exc:
        return Verdict(
            False, "inconclusive", claimed=left, expected=right, notes=(f"inconclusive: {exc}",)
        )
    verdict = _decide(problem, budget=budget, deadline=deadline, **options)
    if both_eqs and not verdict and verdict.method != "inconclusive":
        # The same equation with its sides swapped is the same equation.
        retry = max(deadline - time.monotonic(), 0.25 * budget)
        try:
            flipped = _prepare(
                left, -right, symbols, seed, _Clock(_PREPARE_SHARE * retry), list(notes)
            )
        except _Inconclusive:
            return verdict
        other = _decide(flipped, budget=retry, deadline=time.monotonic() + retry, **options)
        if other:
            return Verdict(
                True,
                other.method,
                claimed=other.claimed,
                expected=-other.expected,
                notes=(*other.notes, "the equations agree with their sides swapped"),
                points=other.points,
            )
    return verdict


def check(
    claimed: Any,
    expected: Any = None,
    *,
    symbols: Sequence[sp.Symbol] | Mapping[sp.Symbol, Any] | None = None,
    n: int = 40,
    seed: int = 0,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    budget: float = 2.0,
) -> Verdict:
    """Whether ``claimed`` equals ``expected``, with a counterexample when not.

    Parameters
    ----------
    claimed, expected : expression, Matrix, Eq, Derivation or number
        The two sides. Unevaluated ``Derivative``, ``Integral`` and ``Sum``
        objects are evaluated; matrices (and lists, NumPy arrays) are compared
        entry by entry; ``MatrixSymbol`` expressions are made explicit. With
        ``expected`` omitted, ``claimed`` must be an equation ``Eq(lhs, rhs)``
        and the question is whether it is an identity. See the module
        documentation for how equations are compared.
    symbols : list of Symbol, or dict Symbol -> assumptions, optional
        A list puts these symbols first in the counterexample. A dict samples
        a symbol as if it had the given assumptions, e.g.
        ``{x: "positive"}`` or ``{x: {"integer": True}}``. By default every
        free symbol is sampled according to its own assumptions.
    n : int
        Number of sample points that must agree.
    seed : int
        Seed of the sample points (same seed, same verdict).
    rtol, atol : float
        Values ``a``, ``b`` agree when ``|a - b| <= atol + rtol * max(|a|, |b|)``.
    budget : float
        Seconds for symbolic work (evaluating integrals, the proof); numeric
        sampling gets at most as much again.

    Returns
    -------
    Verdict
        Truthy iff equivalent. ``method`` is ``"symbolic"`` (proved),
        ``"numeric"`` (all points agree, or a counterexample was found) or
        ``"inconclusive"`` (too few points where both sides are defined, and
        no proof; falsy). When not equivalent: ``counterexample`` (a point,
        with ``MatrixSymbol`` values as matrices), ``claimed_value``,
        ``expected_value`` and, for matrices, ``entry``. ``notes`` says what
        fallbacks happened.

    Raises
    ------
    ArgumentError
        A side is a string (use :func:`symml.parse_expr`), not a SymPy object,
        or an inequality; an option has a bad value.
    ShapeError
        The two sides have different shapes.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml._check.checker import check
    >>> x = sp.Symbol("x", real=True)
    >>> check(sp.sin(x)**2 + sp.cos(x)**2, 1)
    Verdict(equivalent=True, method='symbolic', ...)
    >>> v = check(sp.Derivative(sp.sin(x**2), x), -2*x*sp.cos(x**2))
    >>> bool(v), v.method
    (False, 'numeric')
    >>> pt = v.counterexample
    >>> abs(float(sp.diff(sp.sin(x**2), x).subs(pt)) - v.claimed_value) < 1e-9
    True

    Assumptions matter: the logarithm rule needs positive arguments.

    >>> p, q = sp.symbols("p q", positive=True)
    >>> bool(check(sp.log(p*q), sp.log(p) + sp.log(q)))
    True
    >>> a, b = sp.symbols("a b", real=True)
    >>> bool(check(sp.log(a*b), sp.log(a) + sp.log(b)))
    False

    Matrices are compared entry by entry:

    >>> check(sp.Matrix([[x, 1], [0, x]]), sp.Matrix([[x, 1], [1, x]])).entry
    (1, 0)
    """
    _check_options(n, rtol, atol, budget)
    return _check(
        claimed,
        expected,
        symbols=symbols,
        n=int(n),
        seed=int(seed),
        rtol=float(rtol),
        atol=float(atol),
        budget=float(budget),
    )


@dataclass(frozen=True)
class StepsVerdict:
    """Verdict on a chain of equalities ``chain[0] = chain[1] = ... = chain[-1]``.

    Attributes
    ----------
    verdicts : tuple of Verdict
        ``verdicts[k]`` compares ``chain[k + 1]`` (claimed) with ``chain[k]``
        (expected).
    chain : tuple
        The expressions as written (unevaluated derivatives kept), for display.
    first_bad : int or None
        Index ``i`` of the first expression that does not equal the one before
        it (``chain[i] != chain[i - 1]``); None when every step holds.

    ``bool(steps_verdict)`` is True iff every step holds; :attr:`message`
    names the first bad step and :attr:`verdict` summarises it all in one
    :class:`Verdict`.
    """

    verdicts: tuple[Verdict, ...]
    first_bad: int | None
    chain: tuple[Any, ...] = ()

    def __bool__(self) -> bool:
        return self.first_bad is None and all(self.verdicts)

    @property
    def verdict(self) -> Verdict:
        """One Verdict: equivalent iff every step holds, else the first bad step's."""
        if self.first_bad is None:
            methods = {v.method for v in self.verdicts}
            method = "symbolic" if methods == {"symbolic"} else "numeric"
            notes = tuple(
                f"step {k + 1}: {note}" for k, v in enumerate(self.verdicts) for note in v.notes
            )
            first, last = self.verdicts[0], self.verdicts[-1]
            return Verdict(
                True,
                method,
                claimed=last.claimed,
                expected=first.expected,
                notes=notes,
                points=max((v.points for v in self.verdicts), default=0),
            )
        bad = self.verdicts[self.first_bad - 1]
        return Verdict(
            False,
            bad.method,
            claimed=bad.claimed,
            expected=bad.expected,
            counterexample=bad.counterexample,
            claimed_value=bad.claimed_value,
            expected_value=bad.expected_value,
            notes=(self.message, *bad.notes),
            points=bad.points,
            entry=bad.entry,
        )

    @property
    def message(self) -> str:
        """One line: all steps hold, or which step fails and where."""
        if self.first_bad is None:
            return f"all {len(self.verdicts)} steps hold"
        i = self.first_bad
        bad = self.verdicts[i - 1]
        if bad.method == "inconclusive":
            detail = bad.message.removeprefix("inconclusive: ")
            return f"step {i} could not be checked against step {i - 1}: {detail}"
        head = f"step {i} does not follow from step {i - 1}"
        if bad.counterexample is None:
            return head
        where = ", ".join(f"{s} = {_fmt(v)}" for s, v in bad.counterexample.items())
        place = [f"at {where}"] if where else []
        if bad.entry is not None:
            place.append(f"in entry {bad.entry}")
        return (
            f"{head}: {' '.join([*place, f'step {i} is'])} {_fmt(bad.claimed_value)} "
            f"but step {i - 1} is {_fmt(bad.expected_value)}"
        )

    def __str__(self) -> str:
        return self.message


def check_steps(
    chain: Sequence[Any],
    *,
    symbols: Sequence[sp.Symbol] | Mapping[sp.Symbol, Any] | None = None,
    n: int = 40,
    seed: int = 0,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    budget: float = 2.0,
) -> StepsVerdict:
    """Check a hand derivation written as a chain ``chain[0] = chain[1] = ...``.

    Each expression is compared with the one before it using :func:`check`
    (same options). The chain may hold expressions, matrices, Derivations and
    :class:`~symml.Step` objects; a ``Step`` with an ``lhs`` starts a new
    chain, so it is compared with its own ``lhs`` instead of the step before.

    Parameters
    ----------
    chain : sequence of at least two expressions, or a Derivation
        The derivation, step 0 first. A Derivation stands for its steps
        followed by its result.
    symbols, n, seed, rtol, atol
        As in :func:`check`.
    budget : float
        Seconds of symbolic work for the *whole* chain, shared between the
        steps (each step gets what is left divided by the steps still to check).

    Returns
    -------
    StepsVerdict
        ``first_bad`` (index of the first wrong expression, or None),
        ``verdicts`` (one per step), ``message``, ``verdict``.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml._check.checker import check_steps
    >>> x = sp.Symbol("x", real=True)
    >>> chain = [(x + 1)**2 - 1, x**2 + 2*x + 1 - 1, x**2 + 2*x, x*(x + 3)]
    >>> sv = check_steps(chain)
    >>> bool(sv), sv.first_bad
    (False, 3)
    >>> print(sv.message)                               # doctest: +ELLIPSIS
    step 3 does not follow from step 2: at x = ... step 3 is ... but step 2 is ...
    >>> bool(check_steps(chain[:3]))
    True
    """
    _check_options(n, rtol, atol, budget)
    if isinstance(chain, Derivation):
        items: list[Any] = [*chain.steps, chain.result]
    elif isinstance(chain, (str, sp.Basic)) or not isinstance(chain, Iterable):
        raise ArgumentError(
            bad_argument("chain", chain, "pass a list of at least two expressions, e.g. [e0, e1]")
        )
    else:
        items = list(chain)
    if len(items) < 2:
        raise ArgumentError(
            bad_argument("chain", chain, "pass a list of at least two expressions, e.g. [e0, e1]")
        )
    verdicts: list[Verdict] = []
    first_bad: int | None = None
    end = time.monotonic() + float(budget)
    steps = len(items) - 1
    for k in range(1, len(items)):
        current = items[k]
        if isinstance(current, Step) and current.lhs is not None:
            previous: Any = current.lhs
        else:
            previous = items[k - 1]
        share = max((end - time.monotonic()) / (steps - k + 1), 0.05)
        verdict = _check(
            current,
            previous,
            symbols=symbols,
            n=int(n),
            seed=int(seed),
            rtol=float(rtol),
            atol=float(atol),
            budget=share,
            names=(f"chain[{k}]", f"chain[{k - 1}]"),
        )
        verdicts.append(verdict)
        if not verdict and first_bad is None:
            first_bad = k
    shown = tuple(_as_written(item) for item in items)
    return StepsVerdict(verdicts=tuple(verdicts), first_bad=first_bad, chain=shown)


def _as_written(item: Any) -> Any:
    """A chain entry as the user wrote it (derivatives unevaluated), for display."""
    if isinstance(item, Step):
        return item.expr
    if isinstance(item, Derivation):
        return item.result
    try:
        return as_sympy(item, "chain")
    except ArgumentError:
        return None
