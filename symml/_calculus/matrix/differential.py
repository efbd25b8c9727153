"""The differential ``df`` of a matrix expression, one differential rule per node
(``d(A X B) = A dX B``, ``d(X^-1) = -X^-1 dX X^-1``, ...), and its rule-by-rule steps."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.matrices.expressions.matexpr import MatrixElement

from ..._codegen import expit, stable_form
from ..._core import (
    NotDifferentiableError,
    Step,
    bad_argument,
)
from .elementwise import lift
from .entries import WHAT
from .expressions import (
    _ARG,
    _add,
    _canon,
    _Differential,
    _DifferentialSymbol,
    _is_1x1,
    _is_matrix,
    _lambda,
    _mul,
    _ScalarDifferential,
    _zero_like,
)

_SUPPORTED = (
    "sums, products, scalar multiples, Transpose, Inverse, integer matrix powers, "
    "powers of 1 x 1 matrices, Trace, Determinant, log(Determinant), HadamardProduct, "
    "HadamardPower, DiagMatrix, applyfunc (ElementwiseApplyFunction), OneMatrix, Identity "
    "and scalar functions (exp, log, sqrt, ...) of scalars and of 1 x 1 matrices"
)


# ---------------------------------------------------------------------------
# Derivatives of element-wise maps and scalar functions
# ---------------------------------------------------------------------------
_UNSTABLE_NAMES = ("logaddexp", "log1p", "expm1")


def _nice_derivative(der: sp.Expr) -> sp.Expr:
    """Write sigmoids as ``expit`` (``exp(t)/(1 + exp(t)) -> expit(t)``) and
    ``expit(-u)`` as ``1 - expit(u)`` next to ``expit(u)``."""
    nicer = stable_form(der)
    names = {type(f).__name__ for f in nicer.atoms(sp.Function)}
    if names & set(_UNSTABLE_NAMES):
        nicer = der
    plain = {f.args[0] for f in nicer.atoms(expit)}
    swap = {
        f: 1 - expit(-f.args[0])
        for f in nicer.atoms(expit)
        if f.args[0].could_extract_minus_sign() and -f.args[0] in plain
    }
    return nicer.xreplace(swap)


def _lift(e: sp.Expr, U: sp.Basic) -> sp.Basic:
    """A scalar expression in ``_ARG`` as an element-wise matrix expression in ``U``."""
    return lift(e, {_ARG: U}, U.shape)


def _check_derivative(der: sp.Expr, node: sp.Basic, source: sp.Basic) -> None:
    if der.has(sp.Derivative, sp.Subs):
        raise NotDifferentiableError(
            bad_argument(
                "f",
                source,
                f"SymPy cannot differentiate the sub-expression {node} (left as {der}); "
                "rewrite it with differentiable functions",
            )
        )


# ---------------------------------------------------------------------------
# The differential: one rule per node
# ---------------------------------------------------------------------------
RULES = {
    "sum": "sum rule: d(U + V) = dU + dV",
    "linear": "d(A U B) = A dU B",
    "product": "product rule: d(U V) = dU V + U dV",
    "scalar product": "product rule: d(u v) = du v + u dv",
    "constant": "constant multiple: d(c u) = c du",
    "transpose": "d(U^T) = (dU)^T",
    "inverse": "d(X^-1) = -X^-1 dX X^-1",
    "power": "product rule for powers: d(X^k) = sum of X^i dX X^(k-1-i)",
    "power 1x1": "power rule (1 x 1): d(u^a) = a u^(a-1) du",
    "trace": "d tr(F) = tr(dF)",
    "det": "d det X = det X tr(X^-1 dX)",
    "logdet": "d log det X = tr(X^-1 dX)",
    "hadamard": "element-wise product rule: d(U o V) = dU o V + U o dV",
    "elementwise": "chain rule through element-wise maps: d f(U) = f'(U) o dU",
    "diag": "d diag(u) = diag(du)",
    "chain": "chain rule: d g(u) = g'(u) du",
    "chain 1x1": "chain rule: d g(u) = g'(u) du, a 1 x 1 matrix being its own trace",
}


@dataclass(frozen=True)
class _Context:
    V: sp.MatrixSymbol
    dV: _DifferentialSymbol
    symmetric: frozenset
    source: sp.Basic

    def d(self, u: sp.Basic) -> sp.Basic:
        """The differential of ``u`` left pending (zero when ``u`` is constant)."""
        if u == self.V:
            return self.dV
        if not u.has(self.V):
            return _zero_like(u)
        return _Differential(u) if _is_matrix(u) else _ScalarDifferential(u)

    def unsupported(self, node: sp.Basic, why: str = "") -> NotDifferentiableError:
        what = f"{type(node).__name__} {node}"
        return NotDifferentiableError(
            bad_argument(
                "f",
                self.source,
                f"cannot differentiate the sub-expression {what} in {self.V}"
                + (f" ({why})" if why else "")
                + f"; supported: {_SUPPORTED}",
            )
        )


def _expand(u: sp.Basic, ctx: _Context) -> tuple[sp.Basic, str]:
    """One differential rule applied to ``u``: (d u with pending parts, rule key)."""
    d = ctx.d
    if isinstance(u, (sp.MatAdd, sp.Add)):
        parts = [d(a) for a in u.args if a.has(ctx.V)]
        return (_add(*parts) if _is_matrix(u) else sp.Add(*parts)), "sum"
    if isinstance(u, (sp.MatMul, sp.Mul)):
        args = list(u.args)
        dep = [k for k, a in enumerate(args) if a.has(ctx.V)]
        build = (lambda *a: sp.MatMul(*a)) if _is_matrix(u) else sp.Mul
        terms = [build(*args[:k], d(args[k]), *args[k + 1 :]) for k in dep]
        if len(dep) > 1:
            return (_add(*terms) if _is_matrix(u) else sp.Add(*terms)), (
                "product" if _is_matrix(u) else "scalar product"
            )
        return terms[0], ("linear" if _is_matrix(u) else "constant")
    if isinstance(u, sp.Transpose):
        return sp.Transpose(d(u.arg)), "transpose"
    if isinstance(u, sp.Inverse):
        return sp.MatMul(-1, u, d(u.arg), u), "inverse"
    if isinstance(u, sp.MatPow):
        base, k = u.base, u.exp
        if _is_1x1(base):
            lower = base if k - 1 == 1 else sp.MatPow(base, k - 1)
            if k - 1 == 0:
                return d(base), "power 1x1"
            return sp.MatMul(k, lower, d(base)), "power 1x1"
        if not (k.is_Integer and k != 0):
            raise ctx.unsupported(u, "only integer powers of square matrices")
        if k < 0:
            base, k = sp.Inverse(base), -k
        pw = [
            sp.Identity(base.shape[0]) if i == 0 else base if i == 1 else sp.MatPow(base, i)
            for i in range(int(k))
        ]
        terms = [_mul(pw[i], d(base), pw[int(k) - 1 - i]) for i in range(int(k))]
        return _add(*terms), "power"
    if isinstance(u, sp.Trace):
        return sp.Trace(d(u.arg)), "trace"
    if isinstance(u, sp.Determinant):
        return sp.Mul(u, sp.Trace(sp.MatMul(sp.Inverse(u.arg), d(u.arg)))), "det"
    if isinstance(u, sp.log) and isinstance(u.args[0], sp.Determinant):
        A = u.args[0].arg
        return sp.Trace(sp.MatMul(sp.Inverse(A), d(A))), "logdet"
    if isinstance(u, sp.HadamardProduct):
        args = list(u.args)
        terms = [
            sp.HadamardProduct(*args[:k], d(args[k]), *args[k + 1 :])
            for k, a in enumerate(args)
            if a.has(ctx.V)
        ]
        return _add(*terms), "hadamard"
    if isinstance(u, sp.HadamardPower):
        if u.exp.has(ctx.V):
            raise ctx.unsupported(u, "the exponent depends on the variable")
        t = _ARG
        der = _lift(_nice_derivative(sp.diff(t**u.exp, t)), u.base)
        return sp.HadamardProduct(der, d(u.base)), "elementwise"
    if isinstance(u, ElementwiseApplyFunction):
        fn = _lambda(u.function)
        der = sp.diff(fn.expr, _ARG)
        _check_derivative(der, u, ctx.source)
        return sp.HadamardProduct(_lift(_nice_derivative(der), u.expr), d(u.expr)), "elementwise"
    if isinstance(u, DiagMatrix):
        return DiagMatrix(d(u.args[0])), "diag"
    if isinstance(u, sp.MatrixBase):
        raise ctx.unsupported(u, "explicit matrices containing the variable")
    if isinstance(u, (MatrixElement, sp.Sum, sp.Product, sp.Indexed)):
        raise ctx.unsupported(
            u,
            "single entries and partial sums cannot be written as matrix expressions, nor "
            "sums whose terms depend on the index other than through the entries; "
            f"supported are {WHAT}; for the value of a 1 x 1 matrix E write Trace(E)",
        )
    if not _is_matrix(u) and isinstance(u, (sp.Function, sp.Pow)) and u.args:
        return _chain(u, ctx)
    raise ctx.unsupported(u)


def _chain(u: sp.Expr, ctx: _Context) -> tuple[sp.Expr, str]:
    """``d g(a_1, ..) = sum_i dg/da_i da_i`` for a scalar function ``g``."""
    args = list(u.args)
    dummies = [sp.Dummy(f"a{i}", real=True) for i in range(len(args))]
    g = u.func(*dummies)
    back = {t: (sp.Trace(a) if _is_matrix(a) else a) for t, a in zip(dummies, args, strict=True)}
    terms = []
    matrix_arg = False
    for a, t in zip(args, dummies, strict=True):
        if not a.has(ctx.V):
            continue
        if _is_matrix(a) and not _is_1x1(a):
            raise ctx.unsupported(u, f"a scalar function of the {a.shape[0]} x {a.shape[1]} {a}")
        der = sp.diff(g, t)
        _check_derivative(der, u, ctx.source)
        der = _nice_derivative(der).xreplace(back)
        da = ctx.d(a)
        if _is_matrix(a):
            matrix_arg = True
            da = sp.Trace(da)
        terms.append(der * da)
    return sp.Add(*terms), ("chain 1x1" if matrix_arg else "chain")


def _differential(u: sp.Basic, ctx: _Context, memo: dict) -> sp.Basic:
    """The full differential of ``u`` (pending parts expanded recursively)."""
    if u in memo:
        return memo[u]
    if u == ctx.V:
        out: sp.Basic = ctx.dV
    elif not u.has(ctx.V):
        out = _zero_like(u)
    else:
        expr, _ = _expand(u, ctx)
        pending = expr.atoms(_Differential, _ScalarDifferential)
        out = expr.xreplace({p: _differential(p.args[0], ctx, memo) for p in pending})
    memo[u] = out
    return out


def _differential_steps(u: sp.Basic, ctx: _Context, label: str) -> list[Step]:
    r"""The differential of ``u`` one rule-pass at a time (like textbook steps).

    The chain starts ``label = d(u)`` (``label`` a short LaTeX name such as
    ``\mathrm{d}f``), then applies one rule to every pending differential per line.
    """
    current: sp.Basic = _canon(ctx.d(u), ctx.symmetric, push=False)
    steps = [Step(current, "take the differential", lhs=label)]
    while True:
        pending = sorted(current.atoms(_Differential, _ScalarDifferential), key=sp.default_sort_key)
        if not pending:
            break
        mapping, used = {}, []
        for p in pending:
            new, key = _expand(p.args[0], ctx)
            mapping[p] = new
            if RULES[key] not in used:
                used.append(RULES[key])
        current = _canon(current.xreplace(mapping), ctx.symmetric, push=False)
        steps.append(Step(current, "; ".join(used)))
    return steps
