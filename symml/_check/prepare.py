"""Prepare two sides for comparison: SymPy objects of one shape, evaluated, with the
entries still to compare and numeric stand-ins for undefined functions.

=======================  ================================================================
name                     what it does
=======================  ================================================================
``_to_sympy``            an argument (expression, list, array, Derivation, Step) -> SymPy
``_pair``                equations reduced to the expressions to compare
``_prepare``             the :class:`_Problem`: both sides ready for sampling and proof
``_attempt``             symbolic work within a :class:`~symml._core.Deadline`, telling a
                         timeout from an error
=======================  ================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp
from mpmath.libmp import NoConvergence
from sympy.core.assumptions import _assume_defined
from sympy.core.function import AppliedUndef, FunctionClass, PoleError
from sympy.logic.boolalg import BooleanAtom
from sympy.matrices.exceptions import MatrixError
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.polys.polyerrors import BasePolynomialError

from .._core import (
    ArgumentError,
    BudgetExceededError,
    Deadline,
    ShapeError,
    Step,
    as_sympy,
    bad_argument,
    domain_of,
)
from .matrices import (
    _VECTOR_DERIVATIVE_FIX,
    _dimension_sizes,
    _explicit_table,
    _flat,
    _matrix_derivatives,
    _scalar_of,
)

_HEAVY = (sp.Integral, sp.Sum, sp.Product, sp.Limit)
_ASSUMPTION_NAMES = frozenset(_assume_defined)

#: What SymPy (and mpmath under it) raise for "cannot do this" from deep inside
#: ``doit``, ``expand``, ``simplify`` or ``evalf``: a failed attempt, not an error of
#: ``check``. Nothing broader is caught: a caller's own exception (raised from their
#: own ``SIGALRM`` handler, say) passes through, and so does symml's budget error.
SYMPY_FAILURES: tuple[type[Exception], ...] = (
    ArithmeticError,  # ZeroDivisionError, PrecisionExhausted
    AttributeError,
    LookupError,
    NotImplementedError,
    RecursionError,
    TypeError,
    ValueError,  # SympifyError, ShapeError
    BasePolynomialError,  # PolynomialError, CoercionFailed, ...
    MatrixError,
    NoConvergence,
    PoleError,
)


def _attempt(deadline: Deadline, func: Callable[[], Any]) -> tuple[Any, str]:
    """Run ``func`` in what is left of ``deadline``: ``(value, status)``.

    ``status`` is ``"ok"``, ``"timeout"`` or ``"error"`` (SymPy raised one of
    :data:`SYMPY_FAILURES`).
    """
    failed: list[Exception] = []

    def guarded() -> Any:
        try:
            return func()
        except BudgetExceededError:
            raise
        except SYMPY_FAILURES as exc:
            failed.append(exc)
            return None

    value, finished = deadline.run(guarded)
    if failed:
        return None, "error"
    return value, "ok" if finished else "timeout"


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


class _Inconclusive(Exception):
    """The problem cannot be prepared within the budget; the message says why."""


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


def _evaluate(expr: Any, deadline: Deadline, notes: list[str]) -> Any:
    if not isinstance(expr, sp.Basic):
        return expr
    if expr.has(*_HEAVY):
        value, status = _attempt(deadline, expr.doit)
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
    # stand-in -> user symbol; resized MatrixSymbol -> the user's (symbolic shape)
    renamed: dict[sp.Basic, sp.Basic] = field(default_factory=dict)
    sizes: dict[sp.Symbol, int] = field(default_factory=dict)  # dimension -> size checked
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


def _renamed(
    claimed: Any, expected: Any, renames: Mapping[sp.Basic, sp.Dummy], notes: list[str]
) -> tuple[Any, Any]:
    """Both sides with the symbols of ``symbols={x: "positive"}`` replaced by stand-ins."""
    if not renames:
        return claimed, expected
    notes.append(
        "sampled "
        + ", ".join(f"{s} from the {domain_of(d)}" for s, d in renames.items())
        + " as asked"
    )
    return claimed.xreplace(renames), expected.xreplace(renames)


@dataclass
class _Sized:
    """Both sides with symbolic matrix dimensions set to small sizes.

    ``sizes`` maps each dimension symbol to its size; ``users`` maps each resized
    ``MatrixSymbol`` back to the user's own (so a counterexample is keyed by it).
    """

    claimed: Any
    expected: Any
    sizes: dict[sp.Symbol, int] = field(default_factory=dict)
    users: dict[sp.MatrixSymbol, sp.MatrixSymbol] = field(default_factory=dict)


def _sized(claimed: Any, expected: Any, notes: list[str]) -> _Sized:
    """Both sides with symbolic matrix dimensions set to small sizes, shapes checked."""
    shape_a, shape_b = _shape(claimed), _shape(expected)
    if all(sp.sympify(d).is_Integer for d in shape_a + shape_b) or (len(shape_a) != len(shape_b)):
        _same_shape_or_raise(shape_a, shape_b)
    sizes = _dimension_sizes([claimed, expected])
    if not sizes:
        return _Sized(claimed, expected)
    users = {
        ms.xreplace(sizes): ms
        for side in (claimed, expected)
        for ms in side.atoms(sp.MatrixSymbol)
        if ms.xreplace(sizes) != ms
    }
    claimed, expected = claimed.xreplace(sizes), expected.xreplace(sizes)
    notes.append(
        "matrix dimensions set to "
        + ", ".join(f"{s} = {v}" for s, v in sizes.items())
        + " for the check"
    )
    _same_shape_or_raise(_shape(claimed), _shape(expected))
    return _Sized(claimed, expected, sizes, users)


def _differentiated(
    sides: tuple[Any, Any], table: Mapping[sp.MatrixSymbol, Any], deadline: Deadline
) -> tuple[Any, Any]:
    """Both sides with derivatives by a MatrixSymbol taken entry by entry, within the deadline."""
    if not table or not any(side.has(sp.Derivative) for side in sides):
        return sides
    value, finished = deadline.run(lambda: tuple(_matrix_derivatives(e, table) for e in sides))
    if not finished:
        raise _Inconclusive(
            "differentiating with respect to a matrix entry by entry ran out of the "
            "time budget; try smaller matrix shapes"
        )
    return value


def _to_compare(
    claimed: Any, expected: Any, table: Mapping[sp.MatrixSymbol, Any], notes: list[str]
) -> tuple[list[Any], list[Any], list[tuple[int, ...] | None]]:
    """The entries still to compare (``a``, ``b``) and their indices; equal ones are dropped."""
    shape_a, shape_b = _shape(claimed), _shape(expected)
    _same_shape_or_raise(shape_a, shape_b)
    if shape_a != shape_b:
        notes.append("compared a 1x1 matrix with a scalar")
    if _is_scalar_like(shape_a) and _is_scalar_like(shape_b):
        entries: list[tuple[int, ...] | None] = [None]
    else:
        entries = [(i, j) for i in range(shape_a[0]) for j in range(shape_a[1])]
    if table:
        # With matrix symbols the whole sides are compared, made explicit per point.
        return ([], [], entries) if claimed == expected else ([claimed], [expected], entries)
    a_list, b_list = _flat(_scalar_of(claimed)), _flat(_scalar_of(expected))
    keep = [k for k in range(len(entries)) if a_list[k] != b_list[k]]
    return [a_list[k] for k in keep], [b_list[k] for k in keep], [entries[k] for k in keep]


def _concrete(problem: _Problem, seed: int) -> None:
    """Fill ``a_num``/``b_num``: undefined functions replaced by fixed random smooth ones."""
    funcs = _concrete_functions(problem.a + problem.b, seed)
    if not funcs:
        problem.a_num, problem.b_num = list(problem.a), list(problem.b)
        return
    problem.notes.append(
        "undefined functions "
        + ", ".join(str(f) for f in funcs)
        + " were replaced by a fixed random smooth function for the numeric check"
    )
    problem.a_num = [_replace_functions(e, funcs).doit() for e in problem.a]
    problem.b_num = [_replace_functions(e, funcs).doit() for e in problem.b]


def _replace_functions(expr: Any, funcs: dict[Any, sp.Lambda]) -> Any:
    """``expr`` with every call ``f(...)`` of an undefined ``f`` replaced by ``funcs[f](...)``.

    ``replace`` with the function class, not ``subs``: SymPy's ``Integral`` and ``Sum``
    cannot substitute a function class (``ExprWithLimits._eval_subs`` reads ``old.args``).
    """
    for f, lam in funcs.items():
        expr = expr.replace(f, lam)
    return expr


def _name_clashes(*sides: Any) -> list[str]:
    """A note for each name held by two different symbols or functions on the two sides.

    ``Symbol("x")`` and ``Symbol("x", real=True)`` print alike but are different variables
    (``parse_expr`` makes real symbols): a claim mixing them is compared as a claim in two
    variables, which a reader of the counterexample cannot tell apart.
    """
    seen: dict[str, set[Any]] = {}
    for side in sides:
        if not isinstance(side, sp.Basic):
            continue
        for atom in side.atoms(sp.Symbol, AppliedUndef):
            key = atom.func if isinstance(atom, AppliedUndef) else atom
            seen.setdefault(str(key), set()).add(key)
    return [
        f"two different {'functions' if isinstance(next(iter(objs)), FunctionClass) else 'symbols'}"
        f" are named {name} (their assumptions differ: "
        + "; ".join(sorted(_assumptions_text(o) for o in objs))
        + "): they were compared as different variables; create them once and reuse them"
        for name, objs in seen.items()
        if len(objs) > 1
    ]


def _assumptions_text(obj: Any) -> str:
    """The assumptions a symbol or function was created with, or 'none'."""
    if isinstance(obj, FunctionClass):  # a function class stores its assumptions expanded
        kinds = ("integer", "positive", "negative", "nonnegative", "nonpositive", "real")
        applied = obj(sp.Dummy())
        given = {k: True for k in kinds if getattr(applied, f"is_{k}") is True}
        if "real" in given and len(given) > 1:
            del given["real"]
    else:
        given = dict(getattr(obj, "_assumptions_orig", None) or {})
    given = {k: v for k, v in given.items() if k != "commutative"}
    return ", ".join(f"{k}={v}" for k, v in sorted(given.items())) or "none"


def _prepare(
    claimed: Any, expected: Any, symbols: Any, seed: int, deadline: Deadline, notes: list[str]
) -> _Problem:
    """Both sides ready to compare; :class:`_Inconclusive` when that cannot be done in time."""
    order, renames = _symbol_options(symbols)
    notes.extend(_name_clashes(claimed, expected))
    claimed, expected = _renamed(claimed, expected, renames, notes)
    sized = _sized(claimed, expected, notes)
    claimed, expected = sized.claimed, sized.expected
    table = _explicit_table([claimed, expected])
    claimed, expected = _differentiated((claimed, expected), table, deadline)
    claimed = _evaluate(claimed, deadline, notes)
    expected = _evaluate(expected, deadline, notes)
    problem = _Problem(
        claimed,
        expected,
        *_to_compare(claimed, expected, table, notes),
        notes=notes,
        table=table,
        stand_ins={
            mat[i, j]: (ms, i, j)
            for ms, mat in table.items()
            for i in range(mat.rows)
            for j in range(mat.cols)
        },
        renamed={**{d: s for s, d in renames.items()}, **sized.users},
        order=order,
        sizes=sized.sizes,
    )
    _concrete(problem, seed)
    return problem
