"""Matrix symbols made explicit: ``MatrixSymbol`` entries as real stand-ins.

=========================  ==============================================================
function                   what it does
=========================  ==============================================================
``_dimension_sizes``       small sizes for symbolic dimensions such as ``n``
``_explicit_table``        each ``MatrixSymbol`` -> a matrix of real stand-in symbols
``_mat_eval``              a matrix expression evaluated on explicit matrices
``_matrix_derivatives``    ``Derivative(f, W)`` -> the matrix of partials (layout of ``W``)
``_flat``, ``_scalar_of``  entries of a result; a 1x1 matrix as its entry
=========================  ==============================================================
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from functools import reduce
from typing import Any

import sympy as sp
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

from .._core import ArgumentError, bad_argument

_SAMPLE_SIZE_NAMES = ("n", "N", "m", "M")
_VECTOR_DERIVATIVE_FIX = (
    "check differentiates scalars with respect to a MatrixSymbol; for the derivative "
    "of a vector pass the explicit Jacobian, e.g. symml.jacobian(F, w)"
)


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
