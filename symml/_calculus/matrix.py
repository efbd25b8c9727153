r"""Matrix calculus on ``MatrixSymbol``: gradients, Jacobians and Hessians as matrix
expressions, with differential-rule steps and a finite-difference self-check.

=====================  ===============================================================
function               result
=====================  ===============================================================
``matrix_gradient``    gradient of a scalar in a vector or matrix, with the shape of ``wrt``
``matrix_jacobian``    Jacobian (m x n) of a column F (m x 1) in a column ``wrt`` (n x 1)
``matrix_hessian``     Hessian (n x n) of a scalar in a column ``wrt`` (n x 1)
=====================  ===============================================================

:func:`symml.gradient`, :func:`symml.jacobian` and :func:`symml.hessian` call
these when ``wrt`` is a ``sympy.MatrixSymbol``.

Conventions
-----------
* **Layout** (Matrix Cookbook, denominator layout): the gradient of a scalar
  ``f`` in ``X`` (m x n) is the m x n matrix ``G`` with ``G[i, j] = df/dX[i, j]``,
  so ``df = tr(G^T dX)``; in a column ``w`` (n x 1) it is the column ``g`` with
  ``df = g^T dw``. The Jacobian of ``F`` (m x 1) in ``w`` (n x 1) is the m x n
  ``J`` with ``dF = J dw``; the Hessian is the Jacobian of the gradient.
* **Scalars**: ``f`` may be a 1 x 1 matrix expression (``(X*w - y).T*(X*w - y)``)
  or a scalar expression (``Trace(...)``, ``log(Determinant(X))``). SymPy refuses
  to add a scalar to a 1 x 1 matrix; write the 1 x 1 part as ``Trace(...)``
  (the trace of a 1 x 1 matrix is its entry). A scalar coefficient that is the
  value of a 1 x 1 matrix ``E`` is shown as ``tr(E)``, or as a 1 x 1 factor
  ``E**k`` where a product has room for it (``x*(x.T*x)**(-1/2)``).
* **Element-wise maps** are ``applyfunc`` (``ElementwiseApplyFunction``); their
  derivatives are element-wise maps again, ``⊙`` is ``HadamardProduct`` and the
  sigmoid is :class:`symml._numeric.expit` (printed as ``scipy.special.expit``),
  with ``expit'(t) = expit(t)*(1 - expit(t))``.
* **Symmetric matrices**: entries are independent variables, so the gradient
  is the plain (unconstrained) one, the Cookbook's. Declaring a matrix symmetric
  (``symmetric=[S]`` here, or ``sympy.Q.symmetric(S)`` in ``sympy.assuming``)
  only simplifies the result with ``S.T = S``: it is the unconstrained gradient
  evaluated at symmetric ``S`` (e.g. ``-S**-1/2 + S**-1*r*r.T*S**-1/2`` for the
  Gaussian log-likelihood), not the "symmetric gradient" ``2G - diag(G)``.

How it works
------------
1. **Differential.** ``df`` is built from the expression tree by the
   differential rules (each shown as a step): ``d(A X B) = A dX B``,
   ``d(X^T) = (dX)^T``, ``d(X^-1) = -X^-1 dX X^-1``, ``d det X = det X tr(X^-1 dX)``,
   ``d log det X = tr(X^-1 dX)``, ``d tr F = tr dF``, ``d(U ⊙ V) = dU ⊙ V + U ⊙ dV``,
   ``d f(U) = f'(U) ⊙ dU`` for element-wise maps, the product rule and the
   scalar chain rule.
2. **Read off.** Each term of ``df`` is linear in ``dX``; the trace trick
   (``tr(A B) = tr(B A)``, ``tr(A^T) = tr(A)``, ``tr(A^T (B ⊙ C)) = tr((A ⊙ B)^T C)``)
   moves ``dX`` to the right, ``df = sum_i tr(G_i^T dX)``, and ``G = sum_i G_i``.
   For Jacobians the terms become ``J_i dw`` (``u ⊙ dv = diag(u) dv``).
3. **Tidy.** Transposes are pushed onto symbols, like terms are collected and
   common left/right factors pulled out: ``2*X.T*(X*w - y)``, not four terms.

Every result checks itself: :meth:`Derivation.verify` evaluates the source and
the result at seeded random points and compares with central finite
differences of the source (second-order differences of ``f`` itself for
Hessians). Symbolic sizes become small distinct numbers (3, 5, 4, ...); square
matrices are sampled well conditioned, with positive determinant and not
symmetric (so ``X^-1`` and ``X^-T`` differ) unless declared symmetric. The
evaluation is a small NumPy interpreter of the expression tree in this module,
independent of :func:`symml.to_numpy`.

Not covered (each raises :class:`NotDifferentiableError` naming the part):
Kronecker products, non-integer powers of matrices larger than 1 x 1, matrix
functions such as ``exp(X)``, entries ``E[i, j]`` (SymPy expands ``E[0, 0]`` of
a product into an indexed ``Sum``; write ``Trace(E)`` instead). Jacobians and
Hessians in a matrix variable have four indices and raise :class:`ShapeError`.

Examples
--------
>>> import sympy as sp, symml
>>> n, m = sp.symbols("n m", integer=True, positive=True)
>>> X, w, y = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1), sp.MatrixSymbol("y", m, 1)
>>> ls = (X*w - y).T*(X*w - y)
>>> symml.gradient(ls, w).result
2*X.T*(X*w - y)
>>> symml.hessian(ls, w).result
2*X.T*X
>>> S = sp.MatrixSymbol("S", n, n)
>>> symml.gradient(sp.log(sp.det(S)), S).result
S.T**(-1)
>>> nll = sp.OneMatrix(1, m)*(X*w).applyfunc(lambda t: sp.log(1 + sp.exp(t))) - y.T*X*w
>>> print(symml.to_latex(symml.gradient(nll, w).result))
X^{\top} \left(\sigma\left(X w\right) - y\right)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalMatrix, DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement

from .._codegen import expit, stable_form
from .._core import (
    ArgumentError,
    Derivation,
    NotDifferentiableError,
    ShapeError,
    Step,
    Verdict,
    as_sympy,
    bad_argument,
)

__all__ = ["matrix_gradient", "matrix_hessian", "matrix_jacobian"]

#: The variable of every element-wise map symml builds (one Dummy, so that equal
#: maps compare equal and like terms collect).
_ARG = sp.Dummy("t", real=True)

_SUPPORTED = (
    "sums, products, scalar multiples, Transpose, Inverse, integer matrix powers, "
    "powers of 1 x 1 matrices, Trace, Determinant, log(Determinant), HadamardProduct, "
    "HadamardPower, DiagMatrix, applyfunc (ElementwiseApplyFunction), OneMatrix, Identity "
    "and scalar functions (exp, log, sqrt, ...) of scalars and of 1 x 1 matrices"
)


# ---------------------------------------------------------------------------
# Display-only nodes: the differential symbol dX and pending differentials d(U)
# ---------------------------------------------------------------------------
class _DifferentialSymbol(sp.MatrixSymbol):
    """The differential ``dX`` of a variable ``X`` (printed ``\\mathrm{d}X``)."""

    @property
    def variable(self) -> sp.MatrixSymbol:
        return sp.MatrixSymbol(self.name[1:], *self.shape)

    def _latex(self, printer: Any) -> str:
        return r"\mathrm{d}" + printer._print(self.variable)

    def _sympystr(self, printer: Any) -> str:
        return self.name


def _wrap_latex(printer: Any, arg: sp.Basic) -> str:
    inner = printer._print(arg)
    if isinstance(arg, (sp.MatrixSymbol, sp.Symbol)):
        return r"\mathrm{d}" + inner
    return r"\mathrm{d}\left(" + inner + r"\right)"


class _Differential(sp.MatrixExpr):
    """A pending differential ``d(U)`` of a matrix expression (steps only)."""

    def __new__(cls, arg: sp.Basic) -> _Differential:
        return sp.Basic.__new__(cls, arg)

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[0].shape

    def _latex(self, printer: Any) -> str:
        return _wrap_latex(printer, self.args[0])

    def _sympystr(self, printer: Any) -> str:
        return f"d({printer._print(self.args[0])})"


class _ScalarDifferential(sp.Expr):
    """A pending differential ``d(u)`` of a scalar expression (steps only)."""

    is_commutative = True

    def __new__(cls, arg: sp.Basic) -> _ScalarDifferential:
        return sp.Basic.__new__(cls, arg)

    def _latex(self, printer: Any) -> str:
        return _wrap_latex(printer, self.args[0])

    def _sympystr(self, printer: Any) -> str:
        return f"d({printer._print(self.args[0])})"


def _is_matrix(e: Any) -> bool:
    return bool(getattr(e, "is_Matrix", False))


def _is_1x1(e: Any) -> bool:
    return _is_matrix(e) and tuple(e.shape) == (1, 1)


def _zero_like(e: sp.Basic) -> sp.Basic:
    return sp.ZeroMatrix(*e.shape) if _is_matrix(e) else sp.S.Zero


# ---------------------------------------------------------------------------
# Constructors that keep expressions canonical and readable
# ---------------------------------------------------------------------------
def _lambda(fn: sp.Lambda) -> sp.Lambda:
    """``fn`` with the canonical variable ``_ARG`` (so equal maps compare equal)."""
    (var,) = fn.variables
    return sp.Lambda(_ARG, fn.expr.xreplace({var: _ARG}))


def _eaf(fn: sp.Lambda, arg: sp.Basic) -> sp.Basic:
    return ElementwiseApplyFunction(_lambda(fn), arg)


def _split(e: sp.Basic) -> tuple[sp.Expr, list[sp.Basic]]:
    """Scalar coefficient and matrix factors of ``e``."""
    if isinstance(e, sp.MatMul):
        coeff, mats = [], []
        for a in e.args:
            if _is_matrix(a):
                c, ms = _split(a)
                coeff.append(c)
                mats.extend(ms)
            else:
                coeff.append(a)
        return sp.Mul(*coeff), mats
    return sp.S.One, [e]


def _mul(*args: Any) -> sp.Basic:
    """The product of scalars and matrices, flattened, without identities."""
    coeff: list[sp.Basic] = []
    mats: list[sp.Basic] = []
    for a in args:
        if _is_matrix(a):
            c, ms = _split(a)
            coeff.append(c)
            mats.extend(ms)
        else:
            coeff.append(a)
    c = sp.Mul(*coeff)
    if not mats:
        return c
    shape = (mats[0].shape[0], mats[-1].shape[1])
    if c == 0 or any(isinstance(m, sp.ZeroMatrix) for m in mats):
        return sp.ZeroMatrix(*shape)
    mats = [m for m in mats if not isinstance(m, sp.Identity)]
    mats = _simplify_adjacent(mats)
    if not mats:
        base: sp.Basic = sp.Identity(shape[0])
    elif len(mats) == 1:
        base = mats[0]
    else:
        base = sp.MatMul(*mats)
    if c == 1:
        return base
    return sp.MatMul(c, *_split(base)[1])


def _power_of(m: sp.Basic) -> tuple[sp.Basic, sp.Expr]:
    if isinstance(m, sp.Inverse):
        return m.arg, sp.S.NegativeOne
    if isinstance(m, sp.MatPow):
        return m.base, m.exp
    return m, sp.S.One


def _simplify_adjacent(mats: list[sp.Basic]) -> list[sp.Basic]:
    """``1^T diag(v) -> v^T``, ``diag(v) 1 -> v``, ``diag(u) diag(v) -> diag(u o v)``,
    ``A^j A^k -> A^(j+k)`` (``A A^-1 -> I``; any powers of a 1 x 1 factor)."""
    out: list[sp.Basic] = []
    for m in mats:
        if out:
            prev = out[-1]
            if isinstance(prev, sp.OneMatrix) and prev.shape[0] == 1 and isinstance(m, DiagMatrix):
                out[-1] = _T(m.args[0])
                continue
            if isinstance(prev, DiagMatrix) and isinstance(m, sp.OneMatrix) and m.shape[1] == 1:
                out[-1] = prev.args[0]
                continue
            if isinstance(prev, DiagMatrix) and isinstance(m, DiagMatrix):
                out[-1] = DiagMatrix(_hadamard(prev.args[0], m.args[0]))
                continue
            (b1, k1), (b2, k2) = _power_of(prev), _power_of(m)
            if b1 == b2 and ((k1.is_Integer and k2.is_Integer) or _is_1x1(b1)):
                out.pop()
                if k1 + k2 != 0:
                    out.append(_as_factor(b1, k1 + k2))
                continue
        out.append(m)
    return out


def _scale(c: sp.Expr, m: sp.Basic) -> sp.Basic:
    return _mul(c, m)


def _add(*terms: Any) -> sp.Basic:
    """A sum of matrices with like terms collected and a canonical order."""
    flat: list[sp.Basic] = []
    for t in terms:
        flat.extend(t.args if isinstance(t, sp.MatAdd) else [t])
    if not flat:
        raise ValueError("_add needs at least one term")
    if not _is_matrix(flat[0]):
        return sp.Add(*flat)
    shape = flat[0].shape
    collected: dict[sp.Basic, sp.Expr] = {}
    for t in flat:
        if isinstance(t, sp.ZeroMatrix):
            continue
        c, mats = _split(t)
        if c == 0:
            continue
        key = mats[0] if len(mats) == 1 else sp.MatMul(*mats)
        collected[key] = collected.get(key, sp.S.Zero) + c
    out = [_scale(c, k) for k, c in collected.items() if c != 0]
    if not out:
        return sp.ZeroMatrix(*shape)
    if len(out) == 1:
        return out[0]
    return sp.MatAdd(*sorted(out, key=_term_order))


def _term_order(t: sp.Basic) -> tuple:
    """Canonical order of terms, ones first (``1 - s``) and otherwise SymPy's."""
    return (not isinstance(_split(t)[1][0], sp.OneMatrix), sp.default_sort_key(t))


def _hadamard(*args: Any) -> sp.Basic:
    """An element-wise product, flattened, without ones, equal factors as powers,
    scalars pulled in front."""
    coeff: list[sp.Basic] = []
    powers: dict[sp.Basic, sp.Expr] = {}

    def add(m: sp.Basic) -> None:
        c, ms = _split(m)
        coeff.append(c)
        m = ms[0] if len(ms) == 1 else sp.MatMul(*ms)
        if isinstance(m, sp.HadamardProduct):
            for f in m.args:
                add(f)
            return
        base, k = (m.base, m.exp) if isinstance(m, sp.HadamardPower) else (m, sp.S.One)
        powers[base] = powers.get(base, sp.S.Zero) + k

    shape = None
    for a in args:
        if _is_matrix(a):
            shape = shape or a.shape
            add(a)
        else:
            coeff.append(a)
    c = sp.Mul(*coeff)
    if c == 0 or any(isinstance(m, sp.ZeroMatrix) for m in powers):
        return sp.ZeroMatrix(*shape)
    mats = [
        m if k == 1 else sp.HadamardPower(m, k)
        for m, k in powers.items()
        if k != 0 and not isinstance(m, sp.OneMatrix)
    ]
    if not mats:
        base: sp.Basic = sp.OneMatrix(*shape)
    elif len(mats) == 1:
        base = mats[0]
    else:
        key = lambda m: (isinstance(m, sp.MatAdd), sp.default_sort_key(m))  # noqa: E731
        base = sp.HadamardProduct(*sorted(mats, key=key))
    return _scale(c, base)


def _T(e: sp.Basic, symmetric: frozenset = frozenset()) -> sp.Basic:
    """The transpose, pushed down onto symbols; a 1 x 1 matrix is its own transpose."""
    if not _is_matrix(e) or _is_1x1(e):
        return e
    if e in symmetric or isinstance(e, (sp.Identity, DiagMatrix, DiagonalMatrix)):
        return e
    if isinstance(e, sp.ZeroMatrix):
        return sp.ZeroMatrix(e.shape[1], e.shape[0])
    if isinstance(e, sp.OneMatrix):
        return sp.OneMatrix(e.shape[1], e.shape[0])
    if isinstance(e, sp.Transpose):
        return e.arg
    if isinstance(e, sp.MatAdd):
        return _add(*[_T(t, symmetric) for t in e.args])
    if isinstance(e, sp.MatMul):
        c, mats = _split(e)
        return _mul(c, *[_T(m, symmetric) for m in reversed(mats)])
    if isinstance(e, sp.HadamardProduct):
        return _hadamard(*[_T(m, symmetric) for m in e.args])
    if isinstance(e, sp.HadamardPower):
        return sp.HadamardPower(_T(e.base, symmetric), e.exp)
    if isinstance(e, sp.Inverse):
        return sp.Inverse(_T(e.arg, symmetric))
    if isinstance(e, sp.MatPow):
        return sp.MatPow(_T(e.base, symmetric), e.exp)
    if isinstance(e, ElementwiseApplyFunction):
        return _eaf(e.function, _T(e.expr, symmetric))
    if isinstance(e, sp.MatrixBase):
        return e.T
    return sp.Transpose(e)


def _canon(e: Any, symmetric: frozenset = frozenset(), *, push: bool = True) -> Any:
    """Rebuild ``e`` bottom-up with the constructors above.

    ``push=True`` also pushes transposes down onto symbols (the form the
    read-off works on); ``push=False`` keeps them where the user wrote them.
    """
    if not isinstance(e, sp.Basic) or e.is_Atom:
        return e
    if isinstance(
        e,
        (sp.MatrixSymbol, sp.Identity, sp.ZeroMatrix, sp.OneMatrix, sp.MatrixBase, sp.Lambda),
    ):
        return e
    if isinstance(e, ElementwiseApplyFunction):
        return _eaf(e.function, _canon(e.expr, symmetric, push=push))
    args = [_canon(a, symmetric, push=push) for a in e.args]
    if isinstance(e, sp.MatAdd):
        return _add(*args)
    if isinstance(e, sp.MatMul):
        return _mul(*args)
    if isinstance(e, sp.HadamardProduct):
        return _hadamard(*args)
    if isinstance(e, sp.Transpose):
        if push:
            return _T(args[0], symmetric)
        return args[0].arg if isinstance(args[0], sp.Transpose) else sp.Transpose(args[0])
    if isinstance(e, sp.MatPow) and args[1] == -1:
        return sp.Inverse(args[0])
    if isinstance(e, sp.Trace) and _is_1x1(args[0]) and not push:
        return sp.Trace(args[0])
    return e.func(*args)


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
    if e == _ARG:
        return U
    if not e.has(_ARG):
        return _scale(e, sp.OneMatrix(*U.shape))
    if e.is_Add:
        return _add(*[_lift(t, U) for t in e.args])
    if e.is_Mul:
        const, dep = e.as_independent(_ARG, as_Add=False)
        return _scale(const, _hadamard(*[_lift(f, U) for f in sp.Mul.make_args(dep)]))
    if e.is_Pow and not e.exp.has(_ARG):
        return sp.HadamardPower(_lift(e.base, U), e.exp)
    if isinstance(e, sp.Function) and len(e.args) == 1:
        inner = e.args[0]
        return _eaf(sp.Lambda(_ARG, e.func(_ARG)), U if inner == _ARG else _lift(inner, U))
    return _eaf(sp.Lambda(_ARG, e), U)


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
            "indexed entries and sums over them; for the value of a 1 x 1 matrix E write Trace(E)",
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


# ---------------------------------------------------------------------------
# Tidying results: factor, move 1 x 1 scalars into products, fold transposes
# ---------------------------------------------------------------------------
def _common_coeff(coeffs: Sequence[sp.Expr]) -> sp.Expr:
    if not all(c.is_Rational for c in coeffs):
        return sp.S.One
    num = math.gcd(*[int(c.p) for c in coeffs])
    den = math.lcm(*[int(c.q) for c in coeffs])
    common = sp.Rational(num, den)
    return -common if all(c < 0 for c in coeffs) else common


def _factor_once(terms: list[sp.Basic], side: int) -> list[sp.Basic] | None:
    """Pull the most common first (side=0) or last (side=-1) factor out of >= 2 terms."""
    split = [_split(t) for t in terms]
    counts: dict[sp.Basic, int] = {}
    for _, mats in split:
        if len(mats) >= 2:
            counts[mats[side]] = counts.get(mats[side], 0) + 1
    best = [f for f, k in counts.items() if k >= 2]
    if not best:
        return None
    factor = max(best, key=lambda f: counts[f])
    group, rest = [], []
    for t, (c, mats) in zip(terms, split, strict=True):
        if len(mats) >= 2 and mats[side] == factor:
            group.append((c, mats[1:] if side == 0 else mats[:-1]))
        else:
            rest.append(t)
    common = _common_coeff([c for c, _ in group])
    inner = _factor(_add(*[_mul(c / common, *m) for c, m in group]))
    pulled = _mul(common, factor, inner) if side == 0 else _mul(common, inner, factor)
    return [pulled, *rest]


def _factor(e: sp.Basic) -> sp.Basic:
    if not isinstance(e, sp.Basic) or e.is_Atom or isinstance(e, (sp.MatrixSymbol, sp.Lambda)):
        return e
    if isinstance(e, sp.MatAdd):
        terms = [_factor(t) for t in e.args]
        for side in (0, -1):
            while len(terms) > 1:
                new = _factor_once(terms, side)
                if new is None:
                    break
                terms = new
        return _add(*terms)
    if isinstance(e, ElementwiseApplyFunction):
        return _eaf(e.function, _factor(e.expr))
    if isinstance(e, sp.MatMul):
        return _mul(*[_factor(a) for a in e.args])
    if isinstance(e, sp.HadamardProduct):
        return _hadamard(*[_factor(a) for a in e.args])
    if isinstance(e, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix, sp.MatrixBase)):
        return e
    return e.func(*[_factor(a) for a in e.args])


def _trace_powers(c: sp.Expr) -> tuple[sp.Expr, list[tuple[sp.Basic, sp.Expr]]]:
    """Split a coefficient into (rest, [(E, k)]) for factors tr(E)**k with E 1 x 1."""
    rest, found = [], []
    for f in sp.Mul.make_args(c):
        base, k = f.as_base_exp()
        if isinstance(base, sp.Trace) and _is_1x1(base.arg):
            found.append((base.arg, k))
        else:
            rest.append(f)
    return sp.Mul(*rest), found


def _as_factor(E: sp.Basic, k: sp.Expr) -> sp.Basic:
    if k == 1:
        return E
    if k == -1:
        return sp.Inverse(E)
    return sp.MatPow(E, k)


def _pretty(e: Any) -> Any:
    """Readable final form: tr(E)**k of a 1 x 1 E as a factor E**k where a product
    has room for it; sums of transposes folded, (x - mu)^T instead of x^T - mu^T."""
    if not isinstance(e, sp.Basic) or e.is_Atom or isinstance(e, (sp.MatrixSymbol, sp.Lambda)):
        return e
    if isinstance(e, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix, sp.MatrixBase)):
        return e
    if isinstance(e, ElementwiseApplyFunction):
        return _eaf(e.function, _pretty(e.expr))
    args = [_pretty(a) for a in e.args]
    if isinstance(e, sp.MatMul):
        c, mats = _split(_mul(*args))
        rest, found = _trace_powers(c)
        if found:
            slot = next((i + 1 for i, m in enumerate(mats) if m.shape[1] == 1), None)
            if slot is None and mats[0].shape[0] == 1:
                slot = 0
            if slot is not None:
                extra = [_as_factor(E, k) for E, k in found]
                return sp.MatMul(*([rest] if rest != 1 else []), *mats[:slot], *extra, *mats[slot:])
        return _mul(*args)
    if isinstance(e, sp.MatAdd):
        total = _add(*args)
        split = [_split(t) for t in getattr(total, "args", ())]
        if split and all(len(m) == 1 and isinstance(m[0], DiagMatrix) for _, m in split):
            return DiagMatrix(_add(*[_scale(c, m[0].args[0]) for c, m in split]))
        if isinstance(total, sp.MatAdd):
            flipped = _T(total)
            if total.has(sp.Transpose) and not flipped.has(sp.Transpose):
                return sp.Transpose(flipped)
        return total
    if isinstance(e, sp.HadamardProduct):
        return _hadamard(*args)
    if isinstance(e, sp.Trace) and isinstance(args[0], (sp.Inverse, sp.MatPow)):
        base = args[0].arg if isinstance(args[0], sp.Inverse) else args[0].base
        if _is_1x1(base):
            return sp.Trace(base) ** (-1 if isinstance(args[0], sp.Inverse) else args[0].exp)
    if isinstance(e, sp.Transpose):
        return sp.Transpose(args[0])
    return e.func(*args)


def _tidy(e: sp.Basic, ctx: _Context) -> sp.Basic:
    return _pretty(_factor(_canon(e, ctx.symmetric)))


def _has_array_objects(e: sp.Basic) -> bool:
    from sympy.tensor.array.expressions import array_expressions as ae

    kinds = tuple(
        getattr(ae, n)
        for n in ("ArrayContraction", "PermuteDims", "ArrayTensorProduct", "ArrayDiagonal")
    )
    return any(isinstance(a, kinds) for a in sp.preorder_traversal(e))


# ---------------------------------------------------------------------------
# Numeric evaluation (for verify) -- NumPy, independent of to_numpy
# ---------------------------------------------------------------------------
@functools.cache
def _numpy_functions() -> dict[type, Callable[..., Any]]:
    from scipy import special

    return {
        sp.exp: np.exp,
        sp.log: np.log,
        sp.sin: np.sin,
        sp.cos: np.cos,
        sp.tan: np.tan,
        sp.sinh: np.sinh,
        sp.cosh: np.cosh,
        sp.tanh: np.tanh,
        sp.atan: np.arctan,
        sp.Abs: np.abs,
        sp.sign: np.sign,
        sp.erf: special.erf,
        expit: special.expit,
    }


def _evaluate(e: Any, env: dict[sp.Basic, Any]) -> Any:
    """NumPy value of a scalar or matrix expression; ``env`` maps symbols (and
    MatrixSymbols, as 2-D arrays) to values."""
    if e in env:
        return env[e]
    if _is_matrix(e):
        return _evaluate_matrix(e, env)
    if e.is_Number or e.is_NumberSymbol:
        return complex(e) if e.has(sp.I) else float(e)
    if isinstance(e, sp.Add):
        return sum(_evaluate(a, env) for a in e.args)
    if isinstance(e, sp.Mul):
        out: Any = 1.0
        for a in e.args:
            out = out * _evaluate(a, env)
        return out
    if isinstance(e, sp.Pow):
        return np.power(_scalar(_evaluate(e.base, env)), _scalar(_evaluate(e.exp, env)))
    if isinstance(e, sp.Trace):
        return float(np.trace(_evaluate(e.arg, env)))
    if isinstance(e, sp.Determinant):
        return float(np.linalg.det(_evaluate(e.arg, env)))
    if isinstance(e, MatrixElement):
        return float(_evaluate(e.parent, env)[int(e.i), int(e.j)])
    if isinstance(e, sp.Function):
        vals = [_scalar(_evaluate(a, env)) for a in e.args]
        fn = _numpy_functions().get(type(e))
        if fn is not None:
            return fn(*vals)
        func = e.func

        def one(*xs: float) -> float:
            value = func(*[sp.Float(x) for x in xs]).evalf()
            if not value.is_number:
                raise ArgumentError(bad_argument("expr", e, "cannot evaluate it numerically"))
            return complex(value).real

        return np.vectorize(one, otypes=[float])(*vals)
    raise ArgumentError(bad_argument("expr", e, "cannot evaluate this numerically"))


def _scalar(v: Any) -> Any:
    if isinstance(v, np.ndarray) and v.shape == (1, 1):
        return v[0, 0]
    return v


def _dim(d: Any, env: dict) -> int:
    return int(sp.sympify(d).xreplace(env))


def _evaluate_matrix(e: sp.Basic, env: dict) -> np.ndarray:
    shape = tuple(_dim(s, env) for s in e.shape)
    if isinstance(e, sp.Identity):
        return np.eye(shape[0])
    if isinstance(e, sp.ZeroMatrix):
        return np.zeros(shape)
    if isinstance(e, sp.OneMatrix):
        return np.ones(shape)
    if isinstance(e, sp.MatAdd):
        return sum(_evaluate(a, env) for a in e.args)
    if isinstance(e, sp.MatMul):
        out: Any = 1.0
        for a in e.args:
            v = _evaluate(a, env)
            out = out @ v if isinstance(out, np.ndarray) and isinstance(v, np.ndarray) else out * v
        return out
    if isinstance(e, sp.Transpose):
        return _evaluate(e.arg, env).T
    if isinstance(e, sp.Inverse):
        return np.linalg.inv(_evaluate(e.arg, env))
    if isinstance(e, sp.MatPow):
        base, k = _evaluate(e.base, env), float(e.exp)
        if base.shape == (1, 1):
            return np.power(base, k)
        return np.linalg.matrix_power(base, int(e.exp))
    if isinstance(e, sp.HadamardProduct):
        out = np.ones(shape)
        for a in e.args:
            out = out * _evaluate(a, env)
        return out
    if isinstance(e, sp.HadamardPower):
        return np.power(_evaluate(e.base, env), float(e.exp))
    if isinstance(e, ElementwiseApplyFunction):
        fn = e.function
        return np.asarray(_evaluate(fn.expr, {**env, fn.variables[0]: _evaluate(e.expr, env)}))
    if isinstance(e, DiagMatrix):
        return np.diagflat(_evaluate(e.args[0], env))
    if isinstance(e, DiagonalOf):
        return np.diag(_evaluate(e.arg, env)).reshape(-1, 1)
    if isinstance(e, DiagonalMatrix):
        return np.diag(np.diag(_evaluate(e.arg, env)))
    if isinstance(e, sp.KroneckerProduct):
        out = np.ones((1, 1))
        for a in e.args:
            out = np.kron(out, _evaluate(a, env))
        return out
    if isinstance(e, sp.MatrixBase):
        return np.array([[_scalar(_evaluate(v, env)) for v in row] for row in e.tolist()], float)
    raise ArgumentError(bad_argument("expr", e, "cannot evaluate this matrix numerically"))


# ---------------------------------------------------------------------------
# Verification by central differences
# ---------------------------------------------------------------------------
_SIZES = (3, 5, 4, 6, 2, 7, 8)


def _sample_env(
    exprs: Sequence[sp.Basic], symmetric: frozenset, rng: np.random.Generator, positive: bool
) -> dict[sp.Basic, Any]:
    mats = sorted(
        {a for e in exprs for a in e.atoms(sp.MatrixSymbol)} - {None},
        key=lambda s: s.name,
    )
    dims = sorted(
        set().union(*(sp.sympify(s).free_symbols for m in mats for s in m.shape)),
        key=lambda s: s.name,
    )
    env: dict[sp.Basic, Any] = {d: _SIZES[i % len(_SIZES)] for i, d in enumerate(dims)}
    scalars = sorted(
        set().union(*(e.free_symbols for e in exprs)) - set(mats) - set(dims),
        key=lambda s: s.name,
    )
    for s in scalars:
        if s.is_integer:
            env[s] = int(rng.integers(1, 4)) * (-1 if s.is_negative else 1)
        elif s.is_positive or s.is_nonnegative or positive:
            env[s] = float(rng.uniform(0.5, 2.0))
        elif s.is_negative:
            env[s] = -float(rng.uniform(0.5, 2.0))
        else:
            env[s] = float(rng.uniform(-2.0, 2.0))
    for M in mats:
        r, c = (_dim(s, env) for s in M.shape)
        if r == c:
            B = rng.standard_normal((r, r))
            value = B @ B.T / r + np.eye(r)
            if M not in symmetric:
                C = rng.standard_normal((r, r))
                value = value + 0.3 * (C - C.T) / np.sqrt(r)
        else:
            value = rng.standard_normal((r, c))
            if positive:
                value = np.abs(value) + 0.1
        env[M] = value
    return env


def _f_value(source: sp.Basic, env: dict) -> Any:
    v = _evaluate(source, env)
    return _scalar(v) if isinstance(v, np.ndarray) and v.shape == (1, 1) else v


def _counterexample(env: dict) -> dict:
    out = {}
    for k, v in env.items():
        if isinstance(v, np.ndarray):
            out[k] = sp.ImmutableMatrix(np.round(v, 6).tolist())
        else:
            out[k] = v
    return out


def _fd_check(
    d: Derivation,
    symmetric: frozenset,
    estimate: Callable[[dict], np.ndarray],
    *,
    order: int,
    n: int = 3,
    seed: int = 0,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> Verdict:
    """Compare d.result with ``estimate(env)`` (finite differences) at ``n`` points."""
    rng = np.random.default_rng(seed)
    exprs = [d.source, d.result]
    if order == 2:
        rtol, atol = max(rtol, 1e-4), max(atol, 1e-4)
    valid = 0
    for _ in range(n):
        for positive in (False, True):
            env = _sample_env(exprs, symmetric, rng, positive)
            with np.errstate(all="ignore"):
                try:
                    claimed = np.asarray(_evaluate(d.result, env), dtype=float)
                    expected, size = estimate(env)
                except ArgumentError as exc:  # a node the evaluator does not know
                    return Verdict(
                        False,
                        "inconclusive",
                        claimed=d.result,
                        notes=(f"inconclusive: {exc}",),
                    )
                except (np.linalg.LinAlgError, ValueError, TypeError, ZeroDivisionError):
                    continue
            if np.all(np.isfinite(claimed)) and np.all(np.isfinite(expected)):
                break
        else:
            continue
        valid += 1
        claimed = claimed.reshape(expected.shape)
        tol = atol * (1 + size) + rtol * np.abs(expected)
        bad = np.abs(claimed - expected) > tol
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            return Verdict(
                False,
                "finite differences",
                claimed=d.result,
                expected=None,
                counterexample=_counterexample(env),
                claimed_value=float(claimed[idx]),
                expected_value=float(expected[idx]),
                notes=(f"central differences of order {order}", f"entry {idx} differs"),
                points=valid,
                entry=idx,
            )
    notes = (f"central differences of order {order} at {valid} seeded random points",)
    if not valid:
        return Verdict(
            False,
            "inconclusive",
            claimed=d.result,
            notes=("inconclusive: no sample point gave finite values",),
        )
    return Verdict(True, "finite differences", claimed=d.result, notes=notes, points=valid)


def _shifted(env: dict, V: sp.MatrixSymbol, shifts: Iterable[tuple[tuple[int, int], float]]):
    value = np.array(env[V], dtype=float)
    for idx, h in shifts:
        value[idx] += h
    return {**env, V: value}


def _gradient_estimate(source: sp.Basic, V: sp.MatrixSymbol) -> Callable:
    def estimate(env: dict) -> tuple[np.ndarray, float]:
        base = env[V]
        out = np.empty(base.shape)
        for idx in np.ndindex(base.shape):
            h = np.cbrt(np.finfo(float).eps) * max(1.0, abs(base[idx]))
            up = _f_value(source, _shifted(env, V, [(idx, h)]))
            down = _f_value(source, _shifted(env, V, [(idx, -h)]))
            out[idx] = (up - down) / (2 * h)
        return out, abs(float(_f_value(source, env)))

    return estimate


def _jacobian_estimate(source: sp.Basic, V: sp.MatrixSymbol) -> Callable:
    def estimate(env: dict) -> tuple[np.ndarray, float]:
        base = env[V]
        F0 = np.asarray(_evaluate(source, env), dtype=float).reshape(-1)
        out = np.empty((F0.size, base.shape[0]))
        for i in range(base.shape[0]):
            h = np.cbrt(np.finfo(float).eps) * max(1.0, abs(base[i, 0]))
            up = np.asarray(_evaluate(source, _shifted(env, V, [((i, 0), h)])), dtype=float)
            down = np.asarray(_evaluate(source, _shifted(env, V, [((i, 0), -h)])), dtype=float)
            out[:, i] = (up - down).reshape(-1) / (2 * h)
        return out, float(np.max(np.abs(F0)))

    return estimate


def _hessian_estimate(source: sp.Basic, V: sp.MatrixSymbol) -> Callable:
    def estimate(env: dict) -> tuple[np.ndarray, float]:
        base = env[V]
        k = base.shape[0]
        hs = [np.finfo(float).eps ** 0.25 * max(1.0, abs(base[i, 0])) for i in range(k)]
        out = np.empty((k, k))

        def f(*shifts: tuple[int, float]) -> float:
            return _f_value(source, _shifted(env, V, [((i, 0), h) for i, h in shifts]))

        f0 = f()
        for i in range(k):
            hi = hs[i]
            out[i, i] = (f((i, hi)) - 2 * f0 + f((i, -hi))) / hi**2
            for j in range(i + 1, k):
                hj = hs[j]
                out[i, j] = out[j, i] = (
                    f((i, hi), (j, hj))
                    - f((i, hi), (j, -hj))
                    - f((i, -hi), (j, hj))
                    + f((i, -hi), (j, -hj))
                ) / (4 * hi * hj)
        return out, abs(float(f0))

    return estimate


# ---------------------------------------------------------------------------
# Argument handling
# ---------------------------------------------------------------------------
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


def _assumptions(expr: sp.Basic, ctx: _Context) -> tuple[str, ...]:
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
    return tuple(dict.fromkeys(out))


def _grad_label(V: sp.MatrixSymbol) -> str:
    return r"\nabla_{" + sp.latex(V) + "} f"


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
    steps.append(
        Step(_sum_forms([_readoff_form(t, ctx) for t in terms]), _trace_trick_why(df, ctx))
    )
    raw = _canon(_add(*terms), ctx.symmetric)
    if len(terms) > 1:
        steps.append(Step(_readoff_form(_pretty(raw), ctx), "collect the terms"))
    steps.append(Step(result, _readoff_why(ctx), lhs=_grad_label(ctx.V)))
    return steps


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
    terms = _gradient_terms(expr, ctx)
    result = _tidy(_add(*terms) if terms else sp.ZeroMatrix(*V.shape), ctx)
    _check_result(result, V.shape, expr)

    return Derivation(
        result,
        lambda: _gradient_steps(expr, ctx, result),
        assumptions=_assumptions(expr, ctx),
        kind="gradient",
        source=expr,
        wrt=(V,),
        verifier=lambda d, **kw: _fd_check(d, sym, _gradient_estimate(d.source, V), order=1, **kw),
    )


def _check_result(result: sp.Basic, shape: tuple, source: sp.Basic) -> None:
    if not _is_matrix(result) or tuple(result.shape) != tuple(shape) or _has_array_objects(result):
        raise NotDifferentiableError(  # pragma: no cover - an internal error
            bad_argument("f", source, f"internal error: derived {result!r}; please report it")
        )


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


def matrix_jacobian(F: Any, wrt: Any, *, symmetric: Any = ()) -> Derivation:
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
    obj = as_sympy(F, "F")
    if not _is_matrix(obj) or _is_1x1(obj):
        return _scalar_jacobian(obj, V, symmetric)
    if obj.shape[1] != 1:
        fix = "pass F.T" if obj.shape[0] == 1 else "a matrix function has no matrix Jacobian"
        raise ShapeError(
            bad_argument(
                "F", obj, f"expected a column vector (m x 1), got shape {obj.shape}; {fix}"
            )
        )
    _check_appears(obj, V, "F")
    sym = _symmetric_set(symmetric, [obj])
    ctx = _Context(V, _DifferentialSymbol("d" + V.name, *V.shape), sym, obj)
    result, _ = _jacobian_core(obj, ctx)
    _check_result(result, (obj.shape[0], V.shape[0]), obj)
    return Derivation(
        result,
        lambda: _jacobian_steps(obj, ctx, result, r"\mathrm{d}F", "J"),
        assumptions=_assumptions(obj, ctx),
        kind="jacobian",
        source=obj,
        wrt=(V,),
        verifier=lambda d, **kw: _fd_check(d, sym, _jacobian_estimate(d.source, V), order=1, **kw),
    )


def _scalar_jacobian(f: sp.Basic, V: sp.MatrixSymbol, symmetric: Any) -> Derivation:
    """The 1 x n Jacobian of a scalar: the gradient transposed."""
    g = matrix_gradient(f, V, symmetric=symmetric)
    result = _T(g.result)
    sym = _symmetric_set(symmetric, [g.source])

    def steps() -> list[Step]:
        why = "the Jacobian of a scalar is the gradient transposed"
        return [*g.steps, Step(result, why, lhs="J")]

    return Derivation(
        result,
        steps,
        assumptions=g.assumptions,
        kind="jacobian",
        source=g.source,
        wrt=(V,),
        verifier=lambda d, **kw: _fd_check(d, sym, _jacobian_estimate(d.source, V), order=1, **kw),
    )


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
    sym = _symmetric_set(symmetric, [expr])
    ctx = _Context(V, _DifferentialSymbol("d" + V.name, *V.shape), sym, expr)
    grad = g.result
    result, _ = _jacobian_core(grad, ctx)
    _check_result(result, (V.shape[0], V.shape[0]), expr)

    label, hess = _grad_label(V), r"\nabla^2_{" + sp.latex(V) + "} f"

    def steps() -> list[Step]:
        return [
            *g.steps,
            *_jacobian_steps(grad, ctx, result, rf"\mathrm{{d}}\left({label}\right)", hess, "H"),
        ]

    return Derivation(
        result,
        steps,
        assumptions=g.assumptions,
        kind="hessian",
        source=expr,
        wrt=(V,),
        verifier=lambda d, **kw: _fd_check(d, sym, _hessian_estimate(d.source, V), order=2, **kw),
    )
