"""Reading the gradient or Jacobian off a differential: ``df = sum_i tr(G_i^T dX)`` by the
trace trick, ``dF = sum_i J_i dw``; and the steps that show it."""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

from ..._core import (
    Step,
)
from ..arguments import grad_label
from .differential import _Context, _differential, _differential_steps
from .expressions import _T, _add, _canon, _hadamard, _is_1x1, _is_matrix, _mul, _scale, _split
from .tidy import _pretty, _tidy


# ---------------------------------------------------------------------------
# Reading off: df = sum tr(G_i^T dX)  and  dF = sum J_i dw
# ---------------------------------------------------------------------------
def _inner(G: sp.Basic, C: sp.Basic, ctx: _Context) -> sp.Expr:
    """The scalar <G, C> = tr(G^T C)."""
    if not _is_matrix(G):
        return G * (sp.Trace(C) if _is_matrix(C) else C)
    return sp.Trace(_mul(_T(G, ctx.symmetric), C))


def _pullback(E: sp.Basic, G: sp.Basic, ctx: _Context, out: list[sp.Basic]) -> None:
    """Append the gradient terms G_i of <G, E> = sum_i <G_i, dX> (E linear in dX)."""
    dV, sym = ctx.dV, ctx.symmetric
    if not E.has(dV):
        return
    if E == dV:
        out.append(G if _is_matrix(G) else _scale(G, sp.Identity(1)))
        return
    if not _is_matrix(E):
        if isinstance(E, sp.Add):
            for a in E.args:
                _pullback(a, G, ctx, out)
            return
        if isinstance(E, sp.Mul):
            const, dep = E.as_independent(dV, as_Add=False)
            if isinstance(dep, sp.Mul):
                raise ctx.unsupported(E, "not linear in the differential")
            _pullback(dep, G * const, ctx, out)
            return
        if isinstance(E, sp.Trace):
            _pullback(E.arg, _scale(G, sp.Identity(E.arg.shape[0])), ctx, out)
            return
        raise ctx.unsupported(E, "cannot read off the gradient from this term")
    if isinstance(E, sp.Transpose):
        _pullback(E.arg, _T(G, sym) if _is_matrix(G) else G, ctx, out)
        return
    if isinstance(E, sp.MatAdd):
        for a in E.args:
            _pullback(a, G, ctx, out)
        return
    if isinstance(E, sp.MatMul):
        c, mats = _split(E)
        if c.has(dV):
            const, dep = c.as_independent(dV, as_Add=False)
            _pullback(dep, _inner(G, _mul(const, *mats), ctx), ctx, out)
            return
        k = next(i for i, m in enumerate(mats) if m.has(dV))
        left = [_T(a, sym) for a in reversed(mats[:k])]
        right = [_T(b, sym) for b in reversed(mats[k + 1 :])]
        if not left and not right and not _is_matrix(G):
            cot = _scale(c * G, sp.Identity(mats[k].shape[0]))
        else:
            cot = _mul(c, *left, G, *right)
        _pullback(mats[k], cot, ctx, out)
        return
    if isinstance(E, sp.HadamardProduct):
        k = next(i for i, m in enumerate(E.args) if m.has(dV))
        others = [m for i, m in enumerate(E.args) if i != k]
        _pullback(E.args[k], _hadamard(G, *others), ctx, out)
        return
    if isinstance(E, DiagMatrix):
        _pullback(E.args[0], DiagonalOf(G) if _is_matrix(G) else G, ctx, out)
        return
    raise ctx.unsupported(E, "cannot read off the gradient from this term")


def _jac(E: sp.Basic, ctx: _Context) -> sp.Basic:
    """J with E = J dw, for a column E linear in the column dw."""
    dV, sym = ctx.dV, ctx.symmetric
    n = ctx.V.shape[0]
    if not E.has(dV):
        return sp.ZeroMatrix(E.shape[0], n)
    if E == dV:
        return sp.Identity(n)
    if isinstance(E, sp.MatAdd):
        return _add(*[_jac(a, ctx) for a in E.args])
    if isinstance(E, sp.MatMul):
        c, mats = _split(E)
        if c.has(dV):
            const, dep = c.as_independent(dV, as_Add=False)
            grad: list[sp.Basic] = []
            _pullback(dep, sp.S.One, ctx, grad)
            return _mul(const, *mats, _T(_add(*grad), sym))
        k = next(i for i, m in enumerate(mats) if m.has(dV))
        A, M, B = mats[:k], mats[k], mats[k + 1 :]
        if M.shape[1] == 1:
            scalar = sp.Trace(_mul(*B)) if B else sp.S.One
            return _mul(c * scalar, *A, _jac(M, ctx))
        if M.shape[0] == 1:
            grad = []
            _pullback(_mul(M, *B), sp.S.One, ctx, grad)
            return _mul(c, *A, _T(_add(*grad), sym))
        if isinstance(M, DiagMatrix) and B:
            return _mul(c, *A, DiagMatrix(_mul(*B)), _jac(M.args[0], ctx))
        raise ctx.unsupported(E, "cannot write this term as J dw")
    if isinstance(E, sp.HadamardProduct):
        k = next(i for i, m in enumerate(E.args) if m.has(dV))
        others = _hadamard(*[m for i, m in enumerate(E.args) if i != k])
        return _mul(DiagMatrix(others), _jac(E.args[k], ctx))
    raise ctx.unsupported(E, "cannot write this term as J dw")


def _gradient_terms(expr: sp.Basic, ctx: _Context) -> list[sp.Basic]:
    df = _canon(_differential(expr, ctx, {}), ctx.symmetric)
    terms: list[sp.Basic] = []
    _pullback(df, sp.S.One, ctx, terms)
    return terms


def _readoff_form(G: sp.Basic, ctx: _Context) -> sp.Basic:
    """``tr(G^T dX)`` (matrices), ``G^T dx`` (columns) or ``dx G^T`` (rows), as displayed."""
    Gt = sp.Transpose(G) if not _is_1x1(G) else G
    if ctx.V.shape[1] == 1:
        return sp.MatMul(Gt, ctx.dV)
    if ctx.V.shape[0] == 1:
        return sp.MatMul(ctx.dV, Gt)
    return sp.Trace(sp.MatMul(Gt, ctx.dV))


def _sum_forms(forms: list[sp.Basic]) -> sp.Basic:
    if all(_is_matrix(f) for f in forms):
        return sp.MatAdd(*forms) if len(forms) > 1 else forms[0]
    return sp.Add(*[sp.Trace(f) if _is_matrix(f) else f for f in forms])


def _trace_trick_why(df: sp.Basic, ctx: _Context) -> str:
    had = "; a^T (u o v) = (a o u)^T v" if df.has(sp.HadamardProduct) else ""
    if ctx.V.shape[1] == 1 or ctx.V.shape[0] == 1:
        return f"write each term as g^T d{ctx.V} (a^T b = b^T a){had}"
    had = "; tr(A^T (B o C)) = tr((A o B)^T C)" if had else ""
    return f"trace trick: tr(A B) = tr(B A), tr(A^T) = tr(A){had}"


def _readoff_why(ctx: _Context) -> str:
    V, (r, c) = ctx.V, ctx.V.shape
    if c == 1:
        return f"read off the gradient: df = g^T d{V}"
    if r == 1:
        return f"read off the gradient: df = d{V} g^T"
    return f"read off the gradient: df = tr(G^T d{V})"


def _gradient_steps(expr: sp.Basic, ctx: _Context, result: sp.Basic) -> list[Step]:
    steps = _differential_steps(expr, ctx, r"\mathrm{d}f")
    df = _canon(_differential(expr, ctx, {}), ctx.symmetric)
    terms = [_pretty(_canon(t, ctx.symmetric)) for t in _gradient_terms(expr, ctx)]
    if not terms:  # the terms of df cancel
        steps.append(Step(result, f"df = 0 for every d{ctx.V}", lhs=grad_label([ctx.V])))
        return steps
    steps.append(
        Step(_sum_forms([_readoff_form(t, ctx) for t in terms]), _trace_trick_why(df, ctx))
    )
    raw = _canon(_add(*terms), ctx.symmetric)
    if len(terms) > 1:
        steps.append(Step(_readoff_form(_pretty(raw), ctx), "collect the terms"))
    steps.append(Step(result, _readoff_why(ctx), lhs=grad_label([ctx.V])))
    return steps


def _jacobian_core(F: sp.Basic, ctx: _Context) -> tuple[sp.Basic, list[sp.Basic]]:
    dF = _canon(_differential(F, ctx, {}), ctx.symmetric)
    parts = list(dF.args) if isinstance(dF, sp.MatAdd) else [dF]
    terms = [_jac(p, ctx) for p in parts]
    return _tidy(_add(*terms), ctx), terms


def _jacobian_steps(
    F: sp.Basic, ctx: _Context, result: sp.Basic, label: str, lhs_done: str, what: str = "J"
) -> list[Step]:
    steps = _differential_steps(F, ctx, label)
    _, terms = _jacobian_core(F, ctx)
    forms = [sp.MatMul(_pretty(_canon(t, ctx.symmetric)), ctx.dV) for t in terms]
    diag = any(t.has(DiagMatrix) for t in terms)
    steps.append(
        Step(
            sp.MatAdd(*forms) if len(forms) > 1 else forms[0],
            f"write each term as J_i d{ctx.V}" + ("; u o dv = diag(u) dv" if diag else ""),
        )
    )
    why = f"read off: d{'F' if what == 'J' else '(grad f)'} = {what} d{ctx.V}"
    steps.append(Step(result, why, lhs=lhs_done))
    return steps
