"""Argument checks shared by the calculus functions: variables (``wrt``), scalar and
vector functions, expansion points, and the assumptions a result depends on."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from .._core import (
    ArgumentError,
    NotDifferentiableError,
    ShapeError,
    as_sympy,
    bad_argument,
)
from .fastdiff import derivative_atoms

# --------------------------------------------------------------------------
# Argument handling
# --------------------------------------------------------------------------


def is_matrix_wrt(wrt: Any, symmetric: Iterable[Any] = ()) -> bool:
    """Whether ``wrt`` asks for matrix calculus (a MatrixSymbol, see symml._calculus.matrix)."""
    if isinstance(wrt, sp.MatrixSymbol):
        return True
    if tuple(symmetric):
        raise ArgumentError(
            bad_argument(
                "symmetric", symmetric, "symmetric= applies to matrix calculus (wrt a MatrixSymbol)"
            )
        )
    return False


def as_wrt(wrt: Any, name: str = "wrt") -> tuple[sp.Symbol, ...]:
    """``wrt`` as a tuple of distinct Symbols, or an :class:`ArgumentError` naming ``name``.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> as_wrt(x), as_wrt([x, y]), as_wrt(sp.Matrix([y, x]))
    ((x,), (x, y), (y, x))
    >>> as_wrt([x, x])
    Traceback (most recent call last):
    ...
    symml.ArgumentError: wrt=[x, x] is not valid: x appears twice; list once
    """
    if isinstance(wrt, sp.Symbol):
        items: list[Any] = [wrt]
    elif isinstance(wrt, sp.MatrixBase):
        items = list(wrt)
    elif isinstance(wrt, str):
        raise ArgumentError(
            bad_argument(name, wrt, "pass Symbols, not text; e.g. x, y = sympy.symbols('x y')")
        )
    else:
        try:
            items = list(wrt)
        except TypeError:
            raise ArgumentError(
                bad_argument(name, wrt, "pass a Symbol or a list of Symbols, e.g. wrt=[x, y]")
            ) from None
    if not items:
        raise ArgumentError(bad_argument(name, wrt, "give at least one Symbol, e.g. wrt=[x]"))
    for item in items:
        if not isinstance(item, sp.Symbol):
            raise ArgumentError(
                bad_argument(
                    name, wrt, f"{item!r} is not a Symbol; differentiate with respect to Symbols"
                )
            )
    if len(set(items)) != len(items):
        dup = sorted({s.name for s in items if items.count(s) > 1})
        raise ArgumentError(bad_argument(name, wrt, f"{', '.join(dup)} appears twice; list once"))
    return tuple(items)


def matrix_operands(expr: Any, name: str = "f") -> Any:
    """``expr`` with integrals, sums, products and derivatives of matrices taken entry by entry.

    SymPy keeps ``Integral(Matrix([x, y]), x)`` as a scalar-looking node that
    fails later (``0 + Matrix``); entry by entry it is a matrix of integrals.
    Sums and scalar multiples of such nodes stay matrix arithmetic; a matrix
    inside scalar arithmetic (``Integral(M, x) + 1``, ``sin(Integral(M, x))``)
    is a :class:`ShapeError`.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> matrix_operands(2 * sp.Integral(sp.Matrix([x, y]), x))
    Matrix([
    [2*Integral(x, x)],
    [2*Integral(y, x)]])
    >>> matrix_operands(sp.Integral(sp.Matrix([x, y]), x) + 1)
    Traceback (most recent call last):
    ...
    symml.ShapeError: f=Integral(Matrix(...), x) + 1 is not valid: it combines a matrix ...
    """
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(lambda e: matrix_operands(e, name))
    if not isinstance(expr, sp.Basic) or not any(
        _matrix_valued(a) for a in sp.preorder_traversal(expr)
    ):
        return expr
    try:
        return _rebuild(expr)
    except (TypeError, ValueError, AttributeError, sp.ShapeError, sp.NonSquareMatrixError):
        pass
    shown = expr.replace(_matrix_valued, lambda e: e.func(sp.Symbol("Matrix(...)"), *e.args[1:]))
    raise ShapeError(
        bad_argument(
            name,
            shown,
            "it combines a matrix (inside an integral, sum or derivative) with scalars; "
            "write the matrix of integrals, or one entry (M[i, j]) at a time",
        )
    )


_OPERATORS = (sp.Integral, sp.Sum, sp.Product, sp.Derivative)


def _inner(e: sp.Basic) -> Any:
    """The operand of an integral, sum, product or derivative."""
    return e.expr if isinstance(e, sp.Derivative) else e.function


def _matrix_valued(e: Any) -> bool:
    return isinstance(e, _OPERATORS) and isinstance(_inner(e), sp.MatrixBase)


def _rebuild(e: Any) -> Any:
    """``e`` bottom-up, operators of matrices entry by entry; TypeError etc. when ill-formed."""
    if isinstance(e, sp.MatrixBase):
        return sp.ImmutableMatrix(e.applyfunc(_rebuild))
    if not isinstance(e, sp.Basic) or e.is_Atom:
        return e
    if isinstance(e, _OPERATORS):
        inner = _rebuild(_inner(e))
        if not isinstance(inner, sp.MatrixBase):
            return e.func(inner, *e.args[1:])
        if isinstance(e, sp.Derivative):
            return inner.applyfunc(lambda entry: sp.Derivative(entry, *e.variable_count))
        return inner.applyfunc(lambda entry: e.func(entry, *e.limits))
    args = [_rebuild(a) for a in e.args]
    if not any(isinstance(a, sp.MatrixBase) for a in args):
        return e.func(*args)
    if isinstance(e, sp.Add):
        return sp.ImmutableMatrix(functools.reduce(operator.add, args))
    if isinstance(e, sp.Mul):
        return sp.ImmutableMatrix(functools.reduce(operator.mul, args))
    raise TypeError(f"a matrix inside {e.func}")


def as_scalar(f: Any, name: str = "f", hint: str = "jacobian") -> sp.Expr:
    """``f`` as a scalar SymPy expression (derivatives in it evaluated); a matrix is a
    :class:`ShapeError` pointing to ``symml.<hint>``.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> as_scalar(sp.Derivative(x**3, x))
    3*x**2
    """
    expr = matrix_operands(as_sympy(f, name), name)
    if isinstance(expr, sp.MatrixBase) or getattr(expr, "is_Matrix", False):
        raise ShapeError(
            bad_argument(
                name,
                expr,
                f"expected a scalar expression, got a matrix of shape {expr.shape}; "
                f"for vector functions use symml.{hint}(F, wrt)",
            )
        )
    if not isinstance(expr, sp.Expr):
        raise ArgumentError(
            bad_argument(name, expr, "expected a scalar SymPy expression (not an equation)")
        )
    return expr.doit() if expr.has(sp.Derivative) else expr


def short_sums_written_out(expr: sp.Expr, max_terms: int = 100) -> sp.Expr:
    """``expr`` with every Sum/Product of at most ``max_terms`` terms written out.

    ``solve`` sees no algebra through ``Sum(sqrt(2)*k*x**k/x, (k, 1, 3))`` (and
    its NumPy code is 0/0 at x = 0); written out it is ``sqrt(2)*(1 + 2*x + 3*x**2)``.

    Examples
    --------
    >>> import sympy as sp
    >>> x, k = sp.Symbol("x"), sp.Symbol("k", integer=True)
    >>> short_sums_written_out(sp.Sum(x**k, (k, 1, 3)) + sp.Sum(x**k, (k, 1, 10**6)))
    x**3 + x**2 + x + Sum(x**k, (k, 1, 1000000))
    """

    def short(e: sp.Basic) -> bool:
        if not isinstance(e, (sp.Sum, sp.Product)):
            return False
        count = 1
        for lim in e.limits:
            if len(lim) != 3 or not (lim[1].is_Integer and lim[2].is_Integer):
                return False
            count *= max(int(lim[2]) - int(lim[1]) + 1, 0)
        return count <= max_terms

    if not expr.has(sp.Sum, sp.Product):
        return expr
    return expr.replace(short, lambda e: e.doit())


def refuse_antiderivatives(expr: sp.Expr, what: str, name: str = "f") -> None:
    """An :class:`ArgumentError` when ``expr`` holds an indefinite integral.

    ``Integral(x, x)`` is defined only up to a constant, so it has no value at
    a point: ``what`` (a Taylor polynomial, critical points) needs values.
    Derivatives of it are fine (``gradient`` takes them).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> refuse_antiderivatives(sp.Integral(x, x) + 1, "a Taylor polynomial")
    Traceback (most recent call last):
    ...
    symml.ArgumentError: f=Integral(x, x) + 1 is not valid: Integral(x, x) is an indefinite ...
    """
    for e in sp.preorder_traversal(expr):
        if isinstance(e, sp.Integral) and any(len(lim) == 1 for lim in e.limits):
            raise ArgumentError(
                bad_argument(
                    name,
                    expr,
                    f"{e} is an indefinite integral (defined up to a constant), so f has no "
                    f"value at a point and {what} needs values; give the integral limits, "
                    "e.g. Integral(g, (t, 0, x)), or evaluate it with .doit()",
                )
            )


def as_vector(F: Any, name: str = "F") -> tuple[sp.Expr, ...]:
    """The entries of a vector function (a list, a row or a column), each a scalar."""
    if isinstance(F, (list, tuple)):
        items = [matrix_operands(as_sympy(e, name), name) for e in F]
    else:
        obj = matrix_operands(as_sympy(F, name), name)
        if isinstance(obj, sp.MatrixBase):
            if 1 not in obj.shape:
                raise ShapeError(
                    bad_argument(
                        name, obj, f"expected a row or column vector, got shape {obj.shape}"
                    )
                )
            items = list(obj)
        else:
            items = [obj]
    out = []
    for e in items:
        if not isinstance(e, sp.Expr):
            raise ArgumentError(bad_argument(name, e, "each entry must be a scalar expression"))
        out.append(e.doit() if e.has(sp.Derivative) else e)
    if not out:
        raise ArgumentError(bad_argument(name, F, "give at least one function"))
    return tuple(out)


def assumptions(symbols: Iterable[sp.Symbol]) -> tuple[str, ...]:
    """The assumptions of ``symbols`` in words, one line per kind: ``("x, y real",)``.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y, n = sp.Symbol("x", real=True), sp.Symbol("y", real=True), sp.Symbol("n", integer=True)
    >>> assumptions([y, x, n])
    ('n integer', 'x, y real')
    """
    groups: dict[str, list[str]] = {}
    for s in sorted(set(symbols), key=lambda s: s.name):
        for key in ("integer", "positive", "nonnegative", "negative", "real"):
            if s.assumptions0.get(key):
                groups.setdefault(key, []).append(s.name)
                break
    return tuple(f"{', '.join(names)} {key}" for key, names in groups.items())


def check_differentiable(result: sp.Basic, source: sp.Basic) -> None:
    """A :class:`NotDifferentiableError` when ``result`` holds a derivative SymPy left
    unevaluated (other than of an undefined function ``f(x)``)."""
    for d in derivative_atoms(result):
        if not isinstance(d.expr, AppliedUndef):
            raise NotDifferentiableError(
                bad_argument(
                    "f",
                    source,
                    f"SymPy cannot differentiate {d.expr} (left as {d}); rewrite it with "
                    "differentiable functions (e.g. Piecewise instead of floor)",
                )
            )


def as_point(at: Any, variables: Sequence[sp.Symbol], name: str = "at") -> dict[sp.Symbol, Any]:
    """A point as a dict Symbol -> value, from a dict or from values in ``variables``' order.

    Examples
    --------
    >>> import sympy as sp
    >>> x, y = sp.symbols("x y")
    >>> as_point([1, 2], [x, y])
    {x: 1, y: 2}
    >>> as_point({y: 0, x: 1}, [x, y])
    {x: 1, y: 0}
    """
    if isinstance(at, Mapping):
        point = {k: as_sympy(v, name) for k, v in at.items()}
        missing = [s.name for s in variables if s not in point]
        if missing:
            raise ArgumentError(
                bad_argument(
                    name, at, f"give a value for {', '.join(missing)} (a dict Symbol -> value)"
                )
            )
        extra = [str(k) for k in point if k not in variables]
        if extra:
            raise ArgumentError(
                bad_argument(name, at, f"{', '.join(extra)} is not in wrt; remove it or add it")
            )
        return {s: point[s] for s in variables}
    try:
        values = list(at)
    except TypeError:
        values = [at]
    if len(values) != len(variables):
        raise ShapeError(
            bad_argument(
                name,
                at,
                f"expected {len(variables)} values (one per variable in wrt) or a dict "
                "Symbol -> value",
            )
        )
    return {s: as_sympy(v, name) for s, v in zip(variables, values, strict=True)}


def grad_label(wrt: Sequence[sp.Symbol]) -> str:
    """The LaTeX label of a gradient in ``wrt``: ``\nabla_{x, y} f``."""
    return r"\nabla_{" + ", ".join(sp.latex(s) for s in wrt) + "} f"
