"""``matrix_gradient``, ``matrix_jacobian``, ``matrix_hessian``: the public functions of
matrix calculus, with their argument checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp

from ..._core import (
    ArgumentError,
    Derivation,
    NotDifferentiableError,
    ShapeError,
    Step,
    as_sympy,
    bad_argument,
)
from ..arguments import assumptions, grad_label
from .differential import _Context
from .entries import sums_as_matrices
from .expressions import _T, _add, _DifferentialSymbol, _is_1x1, _is_matrix
from .oracle import matrix_fd_verdict
from .readoff import _gradient_steps, _gradient_terms, _jacobian_core, _jacobian_steps
from .tidy import _has_array_objects, _tidy


# ---------------------------------------------------------------------------
# Argument handling
# ---------------------------------------------------------------------------
class MatrixCalculus(Derivation):
    """A gradient, Jacobian or Hessian in a MatrixSymbol (``kind`` says which).

    ``symmetric`` holds the square MatrixSymbols treated as symmetric (their
    transposes simplified away); the numeric check samples them symmetric.
    """

    __slots__ = ("symmetric",)
    symmetric: frozenset


def _derived(
    kind: str,
    result: sp.Basic,
    steps: Any,
    source: sp.Basic,
    V: sp.MatrixSymbol,
    symmetric: frozenset,
    assumptions: tuple[str, ...],
) -> MatrixCalculus:
    """The Derivation of a matrix-calculus ``result`` (checked by central differences)."""
    return MatrixCalculus(
        result,
        steps,
        assumptions=assumptions,
        kind=kind,
        source=source,
        wrt=(V,),
        verifier=matrix_fd_verdict,
        symmetric=symmetric,
    )


def _as_variable(wrt: Any) -> sp.MatrixSymbol:
    if not isinstance(wrt, sp.MatrixSymbol):
        raise ArgumentError(
            bad_argument(
                "wrt",
                wrt,
                "matrix calculus needs a sympy.MatrixSymbol, e.g. w = MatrixSymbol('w', n, 1)",
            )
        )
    return wrt


def _symmetric_set(symmetric: Any, exprs: Sequence[sp.Basic]) -> frozenset:
    if isinstance(symmetric, sp.Basic):
        given = [symmetric]
    else:
        try:
            given = list(symmetric)
        except TypeError:
            given = [symmetric]
    for S in given:
        if not isinstance(S, sp.MatrixSymbol) or S.shape[0] != S.shape[1]:
            raise ArgumentError(
                bad_argument("symmetric", symmetric, "list square MatrixSymbols, e.g. [Sigma]")
            )
    found = set(given)
    for e in exprs:
        for M in e.atoms(sp.MatrixSymbol):
            if M not in found and M.shape[0] == M.shape[1] and sp.ask(sp.Q.symmetric(M)):
                found.add(M)
    return frozenset(found)


def _as_scalar_source(f: Any) -> sp.Basic:
    expr = as_sympy(f, "f")
    if isinstance(expr, sp.MatrixBase) and expr.shape == (1, 1):
        return expr
    if _is_matrix(expr):
        if tuple(expr.shape) != (1, 1):
            raise ShapeError(
                bad_argument(
                    "f",
                    expr,
                    f"expected a scalar or a 1 x 1 matrix expression, got shape {expr.shape}; "
                    "for vector functions use symml.jacobian(F, wrt)",
                )
            )
        return expr
    if not isinstance(expr, sp.Expr):
        raise ArgumentError(
            bad_argument("f", expr, "expected a scalar SymPy expression (not an equation)")
        )
    return expr


def _check_appears(expr: sp.Basic, V: sp.MatrixSymbol, name: str = "f") -> None:
    if not expr.has(V):
        raise ArgumentError(
            bad_argument(
                "wrt",
                V,
                f"{V} does not appear in {name} = {expr}; differentiate with respect to a "
                f"MatrixSymbol that {name} depends on",
            )
        )


def _check_column(V: sp.MatrixSymbol, what: str) -> None:
    if V.shape[1] != 1:
        raise ShapeError(
            bad_argument(
                "wrt",
                V,
                f"the {what} in the {V.shape[0]} x {V.shape[1]} matrix {V} has four indices "
                "and is not a matrix; use a column vector (n x 1) MatrixSymbol",
            )
        )


def _matrix_assumptions(expr: sp.Basic, ctx: _Context) -> tuple[str, ...]:
    """What the result assumes: invertible matrices, positive determinants, symmetric
    matrices, then the scalar symbols' assumptions (as for any derivative)."""
    out: list[str] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Inverse):
            out.append(f"{node.arg} invertible")
        elif isinstance(node, sp.log) and isinstance(node.args[0], sp.Determinant):
            out.append(f"det({node.args[0].arg}) > 0")
    if ctx.symmetric:
        names = ", ".join(sorted(str(s) for s in ctx.symmetric))
        out.append(
            f"{names} symmetric (entries varied independently; result simplified with S.T = S)"
        )
    mats = expr.atoms(sp.MatrixSymbol)
    dims = set().union(*(sp.sympify(d).free_symbols for M in mats for d in M.shape))
    out.extend(assumptions(expr.free_symbols - mats - dims))
    return tuple(dict.fromkeys(out))


# ---------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------
def matrix_gradient(f: Any, wrt: Any, *, symmetric: Any = ()) -> Derivation:
    """Gradient of a scalar ``f`` in a MatrixSymbol, with the shape of ``wrt``.

    Parameters
    ----------
    f : sympy expression
        A scalar (``Trace(...)``, ``log(Determinant(X))``, ...) or a 1 x 1
        matrix expression (``(X*w - y).T*(X*w - y)``).
    wrt : MatrixSymbol
        A column (n x 1), row or matrix (m x n) variable.
    symmetric : iterable of MatrixSymbol, optional
        Square matrices to treat as symmetric when simplifying (``S.T = S``);
        see the module notes for the convention.

    Returns
    -------
    Derivation
        ``.result`` is a matrix expression of ``wrt``'s shape with
        ``df = tr(result^T dX)``; ``.steps`` are the differential rules, the
        trace trick and the read-off; ``.verify()`` compares with central
        differences at random points.

    Raises
    ------
    ShapeError
        ``f`` is not a scalar or 1 x 1.
    ArgumentError
        ``wrt`` is not a MatrixSymbol or does not appear in ``f``.
    NotDifferentiableError
        ``f`` contains a construct the rules do not cover (named in the message).

    Examples
    --------
    >>> import sympy as sp, symml
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> x, A = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("A", n, n)
    >>> g = symml.gradient(x.T*A*x, x)
    >>> g.result
    (A + A.T)*x
    >>> [s.why for s in g.steps][1:3]
    ['product rule: d(U V) = dU V + U dV', 'd(U^T) = (dU)^T']
    >>> bool(g.verify())
    True
    >>> X = sp.MatrixSymbol("X", n, n)
    >>> symml.gradient(sp.det(X), X).result
    Determinant(X)*X.T**(-1)
    """
    V = _as_variable(wrt)
    expr = _as_scalar_source(f)
    _check_appears(expr, V)
    sym = _symmetric_set(symmetric, [expr])
    ctx = _Context(V, _DifferentialSymbol("d" + V.name, *V.shape), sym, expr)
    work = sums_as_matrices(expr)
    terms = _gradient_terms(work, ctx)
    result = _tidy(_add(*terms) if terms else sp.ZeroMatrix(*V.shape), ctx)
    _check_result(result, V.shape, expr)

    def steps() -> list[Step]:
        first = [] if work == expr else [Step(work, _SUMS_WHY, lhs="f")]
        return [*first, *_gradient_steps(work, ctx, result)]

    return _derived("gradient", result, steps, expr, V, sym, _matrix_assumptions(work, ctx))


_SUMS_WHY = (
    "sums over entries as matrix products: sum_i f(x_i) = 1^T f(x), sum_i u_i v_i = u^T v; "
    "the value of a 1 x 1 matrix is its trace"
)


def _check_result(result: sp.Basic, shape: tuple, source: sp.Basic) -> None:
    if not _is_matrix(result) or tuple(result.shape) != tuple(shape) or _has_array_objects(result):
        raise NotDifferentiableError(  # pragma: no cover - an internal error
            bad_argument("f", source, f"internal error: derived {result!r}; please report it")
        )


def matrix_jacobian(f: Any, wrt: Any, *, symmetric: Any = ()) -> Derivation:
    """Jacobian (m x n) of a column ``F`` (m x 1) in a column ``wrt`` (n x 1).

    ``dF = J dw``; the Jacobian of a scalar (or 1 x 1) ``F`` is the
    gradient's transpose (1 x n).

    Examples
    --------
    >>> import sympy as sp, symml
    >>> n, m = sp.symbols("n m", integer=True, positive=True)
    >>> A, w = sp.MatrixSymbol("A", m, n), sp.MatrixSymbol("w", n, 1)
    >>> symml.jacobian(A*w, w).result
    A
    >>> J = symml.jacobian(w.applyfunc(sp.exp), w)
    >>> J.result
    DiagMatrix(Lambda(_t, exp(_t)).(w))
    >>> bool(J.verify())
    True
    """
    V = _as_variable(wrt)
    _check_column(V, "Jacobian")
    obj = as_sympy(f, "f")
    if not _is_matrix(obj) or _is_1x1(obj):
        return _scalar_jacobian(obj, V, symmetric)
    if obj.shape[1] != 1:
        fix = "pass F.T" if obj.shape[0] == 1 else "a matrix function has no matrix Jacobian"
        raise ShapeError(
            bad_argument(
                "f", obj, f"expected a column vector (m x 1), got shape {obj.shape}; {fix}"
            )
        )
    _check_appears(obj, V, "f")
    sym = _symmetric_set(symmetric, [obj])
    ctx = _Context(V, _DifferentialSymbol("d" + V.name, *V.shape), sym, obj)
    work = sums_as_matrices(obj)
    result, _ = _jacobian_core(work, ctx)
    _check_result(result, (obj.shape[0], V.shape[0]), obj)

    def steps() -> list[Step]:
        first = [] if work == obj else [Step(work, _SUMS_WHY, lhs="F")]
        return [*first, *_jacobian_steps(work, ctx, result, r"\mathrm{d}F", "J")]

    return _derived("jacobian", result, steps, obj, V, sym, _matrix_assumptions(work, ctx))


def _scalar_jacobian(f: sp.Basic, V: sp.MatrixSymbol, symmetric: Any) -> Derivation:
    """The 1 x n Jacobian of a scalar: the gradient transposed."""
    g = matrix_gradient(f, V, symmetric=symmetric)
    result = _T(g.result)
    sym = g.symmetric

    def steps() -> list[Step]:
        why = "the Jacobian of a scalar is the gradient transposed"
        return [*g.steps, Step(result, why, lhs="J")]

    return _derived("jacobian", result, steps, g.source, V, sym, g.assumptions)


def matrix_hessian(f: Any, wrt: Any, *, symmetric: Any = ()) -> Derivation:
    """Hessian (n x n) of a scalar ``f`` in a column ``wrt`` (n x 1).

    The Jacobian of the gradient: ``d(grad f) = H dw``. Element-wise maps
    give ``diag`` products (``X.T*diag(s o (1 - s))*X`` for the logistic loss).

    Examples
    --------
    >>> import sympy as sp, symml
    >>> n, m = sp.symbols("n m", integer=True, positive=True)
    >>> X, w, y = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1), sp.MatrixSymbol("y", m, 1)
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> H = symml.hessian((X*w - y).T*(X*w - y) + lam*w.T*w, w)
    >>> H.result
    (2*lambda)*I + 2*X.T*X
    >>> H.result == 2*X.T*X + 2*lam*sp.Identity(n)
    True
    >>> bool(H.verify())
    True
    """
    V = _as_variable(wrt)
    _check_column(V, "Hessian")
    g = matrix_gradient(f, V, symmetric=symmetric)
    expr = g.source
    sym = g.symmetric
    ctx = _Context(V, _DifferentialSymbol("d" + V.name, *V.shape), sym, expr)
    grad = g.result
    result, _ = _jacobian_core(grad, ctx)
    _check_result(result, (V.shape[0], V.shape[0]), expr)

    label, hess = grad_label([V]), r"\nabla^2_{" + sp.latex(V) + "} f"

    def steps() -> list[Step]:
        return [
            *g.steps,
            *_jacobian_steps(grad, ctx, result, rf"\mathrm{{d}}\left({label}\right)", hess, "H"),
        ]

    return _derived("hessian", result, steps, expr, V, sym, g.assumptions)
