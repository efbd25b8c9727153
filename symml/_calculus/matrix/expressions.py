"""Matrix expressions kept canonical and readable: flattened products and sums with like
terms collected, transposes pushed onto symbols, element-wise maps in one variable, and
the display-only differential nodes ``dX`` and ``d(U)`` the steps show."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalMatrix

#: The variable of every element-wise map symml builds (one Dummy, so that equal
#: maps compare equal and like terms collect).
_ARG = sp.Dummy("t", real=True)


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
        coeff, mats = _factors(e.args)
        return sp.Mul(*coeff), mats
    return sp.S.One, [e]


def _factors(args: Any) -> tuple[list[sp.Basic], list[sp.Basic]]:
    """The scalar factors and the matrix factors of a product of ``args``, flattened."""
    coeff: list[sp.Basic] = []
    mats: list[sp.Basic] = []
    for a in args:
        if _is_matrix(a):
            c, ms = _split(a)
            coeff.append(c)
            mats.extend(ms)
        else:
            coeff.append(a)
    return coeff, mats


def _mul(*args: Any) -> sp.Basic:
    """The product of scalars and matrices, flattened, without identities."""
    coeff, mats = _factors(args)
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
    ``1 1^T -> 1``, ``A^j A^k -> A^(j+k)`` (``A A^-1 -> I``; any powers of a 1 x 1 factor)."""
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
            if isinstance(prev, sp.OneMatrix) and isinstance(m, sp.OneMatrix) and m.shape[0] == 1:
                out[-1] = sp.OneMatrix(prev.shape[0], m.shape[1])
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


def _as_factor(E: sp.Basic, k: sp.Expr) -> sp.Basic:
    if k == 1:
        return E
    if k == -1:
        return sp.Inverse(E)
    return sp.MatPow(E, k)
