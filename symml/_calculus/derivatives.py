"""Gradients, Jacobians and Hessians with rule-by-rule steps.

===================  ========================================================
function             result
===================  ========================================================
``gradient``         column of first partial derivatives (n x 1)
``jacobian``         matrix of first partials of a vector function (m x n)
``hessian``          symmetric matrix of second partials (n x n)
===================  ========================================================

Conventions: gradients are columns; the Jacobian of ``f = (f_1..f_m)`` in
``(x_1..x_n)`` is ``m x n`` with ``J[i, j] = df_i/dx_j`` (so the Jacobian of a
gradient is the Hessian). Results are computed by :mod:`symml._calculus.fastdiff`
(SymEngine with a shared-subexpression conversion back to SymPy for large
inputs, plain SymPy otherwise); steps are derived separately, rule by rule
(:mod:`symml._calculus.rules`),
and only when first looked at, so large Hessians stay fast. A ``MatrixSymbol``
``wrt`` hands the work to :mod:`symml._calculus.matrix`.

Output shapes: ``.to_numpy()`` of a gradient gives ``(n, *batch)``, of a Jacobian
``(m, n, *batch)``, of a Hessian ``(n, n, *batch)``, for every ``m, n`` (1 included).

Examples
--------
>>> import sympy as sp, symml
>>> x, y = sp.symbols("x y", real=True)
>>> g = symml.gradient(x**2 * sp.sin(y), [x, y])
>>> g.result
Matrix([
[ 2*x*sin(y)],
[x**2*cos(y)]])
>>> g.to_numpy()(1.0, 0.0).shape
(2,)
>>> symml.hessian(x**2 * sp.sin(y), [x, y]).to_numpy()([1.0, 2.0], 0.0).shape
(2, 2, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import sympy as sp

from .._core import (
    DEFAULT_BUDGET,
    BudgetExceededError,
    Deadline,
    Derivation,
    Step,
    bad_argument,
    renamed_keywords,
)
from .arguments import (
    as_scalar,
    as_vector,
    as_wrt,
    assumptions,
    check_differentiable,
    grad_label,
    is_matrix_wrt,
)
from .fastdiff import derivatives, hessian_entries
from .finite_differences import derivative_verdict
from .matrix import matrix_gradient, matrix_hessian, matrix_jacobian
from .rules import diff_steps

__all__ = ["Hessian", "Jacobian", "gradient", "hessian", "jacobian", "within_budget"]

T = TypeVar("T")


class Jacobian(Derivation):
    """A Jacobian (m x n) in Symbols: ``.to_numpy()`` gives ``(m, n, *batch)`` for every m, n."""

    __slots__ = ()

    def _array_shape(self) -> tuple[int, ...]:
        return tuple(int(k) for k in self.result.shape)


class Hessian(Derivation):
    """A Hessian (n x n) in Symbols: ``.to_numpy()`` gives ``(n, n, *batch)``, 1 x 1 included."""

    __slots__ = ()

    _array_shape = Jacobian._array_shape


def within_budget(budget: float, work: Callable[[], T], what: str) -> T:
    """``work()`` within ``budget`` seconds, or :class:`BudgetExceededError` naming ``what``."""
    value, finished = Deadline(budget).run(work)
    if not finished:
        raise BudgetExceededError(
            bad_argument("budget", budget, f"{what} took longer than {budget:g} s; raise budget=")
        )
    return value  # type: ignore[return-value]


def _partial_steps(f: sp.Expr, variables: Sequence[sp.Symbol], row: Sequence[sp.Expr]) -> list:
    """The rule-by-rule steps of each first partial of ``f`` (``row`` their final forms)."""
    out: list[Step] = []
    for x, partial in zip(variables, row, strict=True):
        out.extend(diff_steps(f, x, simplified=partial))
    return out


def gradient(
    f: Any, wrt: Any, *, symmetric: Iterable[Any] = (), budget: float = DEFAULT_BUDGET
) -> Derivation:
    """Gradient of a scalar ``f`` as a column (n x 1), with rule-by-rule steps.

    Parameters
    ----------
    f : sympy expression
        A scalar function of the symbols in ``wrt`` (and possibly others).
    wrt : Symbol, sequence of Symbols, or MatrixSymbol
        The variables, in the order of the gradient's entries; a
        ``MatrixSymbol`` (vector or matrix) gives matrix calculus (see
        :mod:`symml._calculus.matrix`): the result is a matrix expression of
        ``wrt``'s shape.
    symmetric : iterable of MatrixSymbol, optional
        Matrix calculus only: matrices known to be symmetric (their
        transposes are replaced by themselves in the result).
    budget : float
        Seconds the differentiation may take.

    Returns
    -------
    Derivation
        ``.result`` is an ``ImmutableMatrix`` column of partial derivatives;
        ``.steps`` derive each partial rule by rule; ``.verify()`` compares
        with central differences; ``.to_numpy()`` gives ``(n, *batch)``.

    Raises
    ------
    BudgetExceededError
        The differentiation took longer than ``budget`` seconds.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x, y = sp.symbols("x y", real=True)
    >>> g = symml.gradient((1 - x)**2 + 100*(y - x**2)**2, [x, y])
    >>> g.result
    Matrix([
    [-400*x*(-x**2 + y) + 2*x - 2],
    [             -200*x**2 + 200*y]])
    >>> grad = g.to_numpy()
    >>> grad(1.0, 1.0)
    array([0., 0.])
    """
    if is_matrix_wrt(wrt, symmetric):
        return within_budget(budget, lambda: matrix_gradient(f, wrt, symmetric=symmetric), "f")
    expr = as_scalar(f, "f")
    variables = as_wrt(wrt)
    row = within_budget(budget, lambda: derivatives([expr], variables)[0], "the gradient")
    result = sp.ImmutableMatrix(len(variables), 1, row)
    check_differentiable(result, expr)

    def steps() -> list[Step]:
        why = "collect the partial derivatives"
        return [*_partial_steps(expr, variables, row), Step(result, why, lhs=grad_label(variables))]

    return Derivation(
        result,
        steps,
        assumptions=assumptions(expr.free_symbols),
        kind="gradient",
        source=expr,
        wrt=variables,
        verifier=derivative_verdict,
    )


@renamed_keywords(F="f")
def jacobian(
    f: Any, wrt: Any, *, symmetric: Iterable[Any] = (), budget: float = DEFAULT_BUDGET
) -> Derivation:
    """Jacobian (m x n) of a vector function ``f`` of length m in ``n`` variables.

    ``J[i, j] = df_i / dx_j``; the Jacobian of a scalar is the gradient's
    transpose (a 1 x n row). ``.to_numpy()`` gives ``(m, n, *batch)`` for every
    m and n, 1 included. Parameters as in :func:`gradient`; ``f`` is a list,
    a column or a row of expressions (or, in matrix calculus, a column m x 1
    matrix expression).

    Examples
    --------
    >>> import sympy as sp, symml
    >>> r, t = sp.symbols("r t", positive=True)
    >>> J = symml.jacobian([r*sp.cos(t), r*sp.sin(t)], [r, t])
    >>> J.result
    Matrix([
    [cos(t), -r*sin(t)],
    [sin(t),  r*cos(t)]])
    >>> sp.simplify(J.result.det())
    r
    >>> J.to_numpy()(1.0, 0.0).shape
    (2, 2)
    """
    if is_matrix_wrt(wrt, symmetric):
        return within_budget(budget, lambda: matrix_jacobian(f, wrt, symmetric=symmetric), "f")
    functions = as_vector(f, "f")
    variables = as_wrt(wrt)
    rows = within_budget(budget, lambda: derivatives(list(functions), variables), "the Jacobian")
    result = sp.ImmutableMatrix(rows)
    for fi in functions:
        check_differentiable(result, fi)

    def steps() -> list[Step]:
        out: list[Step] = []
        for fi, row in zip(functions, rows, strict=True):
            out.extend(_partial_steps(fi, variables, row))
        out.append(Step(result, "collect: row i holds the partials of f_i", lhs="J"))
        return out

    return Jacobian(
        result,
        steps,
        assumptions=assumptions(set().union(*(fi.free_symbols for fi in functions))),
        kind="jacobian",
        source=sp.ImmutableMatrix(len(functions), 1, list(functions)),
        wrt=variables,
        verifier=derivative_verdict,
    )


def hessian(
    f: Any, wrt: Any, *, symmetric: Iterable[Any] = (), budget: float = DEFAULT_BUDGET
) -> Derivation:
    """Hessian (n x n, symmetric) of a scalar ``f``, with steps.

    The steps derive the gradient, then each second partial
    d2f/dx_i dx_j for i <= j rule by rule, and fill in the rest by symmetry
    (Schwarz's theorem, for twice continuously differentiable ``f``).
    Large inputs are differentiated with SymEngine and converted back to
    SymPy (see :mod:`symml._calculus.fastdiff`); steps are built only when looked at.
    ``.to_numpy()`` gives ``(n, n, *batch)`` for every n, 1 included.
    Parameters as in :func:`gradient`.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x, y = sp.symbols("x y", real=True)
    >>> H = symml.hessian((1 - x)**2 + 100*(y - x**2)**2, [x, y])
    >>> H.result
    Matrix([
    [1200*x**2 - 400*y + 2, -400*x],
    [               -400*x,    200]])
    >>> bool(H.verify())
    True
    >>> symml.hessian(x**3, [x]).to_numpy()(2.0)
    array([[12.]])
    """
    if is_matrix_wrt(wrt, symmetric):
        return within_budget(budget, lambda: matrix_hessian(f, wrt, symmetric=symmetric), "f")
    expr = as_scalar(f, "f")
    variables = as_wrt(wrt)
    entries = within_budget(budget, lambda: hessian_entries(expr, variables), "the Hessian")
    result = sp.ImmutableMatrix(entries)
    check_differentiable(result, expr)

    def steps() -> list[Step]:
        grad = derivatives([expr], variables)[0]
        out = _partial_steps(expr, variables, grad)
        n = len(variables)
        for i in range(n):
            for j in range(i, n):
                for s in diff_steps(grad[i], variables[j], simplified=entries[i][j]):
                    if s.lhs is not None:
                        s = Step(s.expr, s.why, lhs=sp.Derivative(expr, variables[i], variables[j]))
                    out.append(s)
        why = "collect the second partials; symmetric by Schwarz's theorem" if n > 1 else "collect"
        out.append(Step(result, why, lhs=r"\nabla^2 f"))
        return out

    return Hessian(
        result,
        steps,
        assumptions=assumptions(expr.free_symbols),
        kind="hessian",
        source=expr,
        wrt=variables,
        verifier=derivative_verdict,
    )
