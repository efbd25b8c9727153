r"""Numerically stable forms: the rewrite :func:`to_numpy` applies before printing.

=========================  ===============================================================
name                       what it is
=========================  ===============================================================
:class:`expit`             the logistic sigmoid as a SymPy function (``scipy.special.expit``)
:func:`stable_form`        an expression with ``logaddexp``, ``log1p``, ``expm1``, ``expit``
=========================  ===============================================================
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from .._core import as_sympy

__all__ = ["expit", "stable_form"]


class expit(sp.Function):
    """The logistic sigmoid ``1/(1 + exp(-x))``; printed as ``scipy.special.expit``.

    Examples
    --------
    >>> import sympy as sp
    >>> t = sp.Symbol("t")
    >>> expit(t).rewrite(sp.exp)
    1/(1 + exp(-t))
    >>> expit(t).diff(t)
    expit(-t)*expit(t)
    """

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_zero:
            return sp.S.Half
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        t = self.args[0]
        return expit(t) * expit(-t)

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs: Any) -> sp.Expr:
        return 1 / (1 + sp.exp(-arg))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.exp)._eval_evalf(prec)


# ---------------------------------------------------------------------------
# Stable forms
# ---------------------------------------------------------------------------
def _codegen_functions() -> tuple[type, type, type]:
    # sympy.codegen is not imported by ``import sympy``; load it on first use.
    from sympy.codegen.cfunctions import expm1, log1p
    from sympy.codegen.numpy_nodes import logaddexp

    return logaddexp, log1p, expm1


def _may_be_real(e: sp.Basic) -> bool:
    """False when ``e`` is visibly complex: the stable forms are real-only."""
    return e.is_extended_real is not False and not e.has(sp.I)


def _as_exp(term: sp.Expr) -> sp.Expr | None:
    """``a`` when ``term == exp(a)`` or ``c*exp(a')`` with ``c > 0`` (``a = a' + log c``)."""
    if isinstance(term, sp.exp):
        return term.args[0]
    if term.is_Mul:
        coeff, rest = term.as_coeff_Mul()
        if isinstance(rest, sp.exp) and coeff.is_positive:
            return rest.args[0] + sp.log(coeff)
    return None


def _exponents(total: sp.Expr) -> list[sp.Expr] | None:
    """``[a_1, ..., a_k]`` when ``total == exp(a_1) + ... + exp(a_k)`` with some real exp."""
    if not total.is_Add:
        return None
    out: list[sp.Expr] = []
    seen_exp = False
    for term in total.args:
        if term.is_Number:
            if not term.is_positive:
                return None
            out.append(sp.log(term))
            continue
        a = _as_exp(term)
        if a is None or not _may_be_real(a):
            return None
        seen_exp = True
        out.append(a)
    return out if seen_exp else None


def _sigmoid_arg(base: sp.Expr) -> sp.Expr | None:
    """``s`` when ``base == 1 + exp(s)`` (so ``1/base == expit(-s)``)."""
    if base.is_Add and len(base.args) == 2 and base.args[0] == 1:
        s = _as_exp(base.args[1])
        if s is not None and _may_be_real(s):
            return s
    return None


class _Stabilizer:
    """Top-down rewrite of one expression tree into stable forms (memoised)."""

    def __init__(self) -> None:
        self.logaddexp, self.log1p, self.expm1 = _codegen_functions()
        self.memo: dict[sp.Basic, sp.Basic] = {}

    def __call__(self, e: sp.Basic) -> sp.Basic:
        if e.is_Atom or not e.args:
            return e
        try:
            return self.memo[e]
        except KeyError:
            pass
        out = self._rule(e)
        if out is None:
            args = [self(a) for a in e.args]
            out = e.func(*args) if any(a is not b for a, b in zip(args, e.args, strict=True)) else e
        self.memo[e] = out
        return out

    def _lse(self, exponents: list[sp.Expr]) -> sp.Expr:
        acc = self(exponents[0])
        for a in exponents[1:]:
            acc = self.logaddexp(acc, self(a))
        return acc

    def _rule(self, e: sp.Basic) -> sp.Basic | None:
        if isinstance(e, sp.log):
            return self._log(e.args[0])
        if e.is_Pow:
            base, power = e.args
            s = _sigmoid_arg(base)
            if s is not None and power.is_Number and power.is_negative:
                # (1 + exp(s))**p == expit(-s)**(-p)
                return expit(-self(s)) ** (-power)
            return None
        if e.is_Mul:
            return self._mul(e)
        if e.is_Add:
            return self._add(e)
        return None

    def _log(self, arg: sp.Expr) -> sp.Expr:
        lse = _exponents(arg)
        if lse is not None:  # log(exp(a) + exp(b) + ...) -> logaddexp(a, b, ...)
            return self._lse(lse)
        if arg.is_Pow and arg.exp.is_Number and arg.exp.is_real:
            lse = _exponents(arg.base)
            if lse is not None:  # log((exp(a) + ...)**p) -> p*logaddexp(a, ...)
                return arg.exp * self._lse(lse)
        inner = self(arg)  # sigmoids inside become expit: 1 - 1/(1 + exp(-t)) -> expit(-t)
        out = self._log_of_expits(inner)
        if out is not None:
            return out
        if arg.is_Add:
            const, rest = arg.as_coeff_Add()
            if const == 1:  # log(1 + u) -> log1p(u)
                return self.log1p(self(rest))
        return sp.log(inner)

    def _log_of_expits(self, inner: sp.Expr) -> sp.Expr | None:
        """log of a product of expit powers: a sum of ``-p*logaddexp(0, -s)``, else None."""
        factors = inner.args if inner.is_Mul else (inner,)
        terms: list[sp.Expr] = []
        for f in factors:
            base, power = f.as_base_exp()
            if isinstance(base, expit) and power.is_Number and power.is_real:
                terms.append(-power * self.logaddexp(0, -base.args[0]))
            elif f.is_Number and f.is_positive:
                terms.append(sp.log(f))
            else:
                return None
        return sp.Add(*terms) if any(t.has(self.logaddexp) for t in terms) else None

    def _mul(self, e: sp.Mul) -> sp.Expr | None:
        """exp(s) * (1 + exp(s))**p  ->  expit(s) * expit(-s)**(-p - 1)."""
        factors: list[sp.Expr] = list(e.args)
        done: dict[int, sp.Expr] = {}  # index -> rewritten factor (1 when absorbed)
        for i, f in enumerate(factors):
            if not (f.is_Pow and f.exp.is_Number and f.exp.is_negative):
                continue
            s = _sigmoid_arg(f.base)
            if s is None:
                continue
            for j, g in enumerate(factors):
                if j not in done and isinstance(g, sp.exp) and g.args[0] == s:
                    ss = self(s)
                    done[i] = expit(ss) * expit(-ss) ** (-f.exp - 1)
                    done[j] = sp.S.One
                    break
        if not done:
            return None
        return sp.Mul(*[done[k] if k in done else self(f) for k, f in enumerate(factors)])

    def _add(self, e: sp.Add) -> sp.Expr | None:
        """``c*exp(u) - c -> c*expm1(u)``; ``c - c/(1 + exp(s)) -> c*expit(s)``."""
        const, rest = e.as_coeff_Add()
        if const == 0:
            return None
        terms = list(rest.args) if rest.is_Add else [rest]
        for i, term in enumerate(terms):
            coeff, f = term.as_coeff_Mul()
            if coeff != -const:
                continue
            new = None
            if isinstance(f, sp.exp) and _may_be_real(f.args[0]):
                new = -const * self.expm1(self(f.args[0]))
            elif f.is_Pow and f.exp == -1 and (s := _sigmoid_arg(f.base)) is not None:
                new = const * expit(self(s))
            if new is not None:
                others = [self(t) for k, t in enumerate(terms) if k != i]
                return sp.Add(new, *others)
        return None


def stable_form(expr: Any) -> sp.Basic:
    """Rewrite ``expr`` with numerically stable forms; the result is still SymPy.

    This is the rewrite :func:`to_numpy` applies with ``stable=True``. It
    assumes real arguments (the stable NumPy/SciPy functions are real-only;
    :func:`to_numpy` falls back to the plain formula for complex inputs).

    ===========================================  ==================================
    pattern                                      becomes
    ===========================================  ==================================
    ``log(1 + exp(t))``, ``log(exp(a) + exp(b))``  ``logaddexp(0, t)``, ``logaddexp(a, b)``
    ``log((1 + exp(t))**p)``                     ``p*logaddexp(0, t)``
    ``log(1 + u)``                               ``log1p(u)``
    ``c*exp(u) - c``                             ``c*expm1(u)``
    ``1/(1 + exp(-t))``, ``(1 + exp(-t))**p``    ``expit(t)``, ``expit(t)**(-p)``
    ``exp(t)/(1 + exp(t))``                      ``expit(t)``
    ``exp(-t)/(1 + exp(-t))**2``                 ``expit(-t)*expit(t)``
    ``log(1 - 1/(1 + exp(-t)))``                 ``-logaddexp(0, t)``
    ===========================================  ==================================

    Examples
    --------
    >>> import sympy as sp
    >>> t, u = sp.symbols("t u", real=True)
    >>> stable_form(sp.log(1 + sp.exp(t)))
    logaddexp(0, t)
    >>> stable_form(sp.log(1 + u**2) + sp.exp(u) - 1)
    expm1(u) + log1p(u**2)
    >>> stable_form(1 / (1 + sp.exp(-t)))
    expit(t)
    >>> stable_form(sp.diff(1 / (1 + sp.exp(-t)), t))     # the sigmoid's derivative
    expit(-t)*expit(t)
    >>> stable_form(sp.Matrix([sp.log(1 + sp.exp(t)), t]))
    Matrix([
    [logaddexp(0, t)],
    [              t]])
    """
    obj = as_sympy(expr, "expr")
    rewrite = _Stabilizer()
    if isinstance(obj, sp.MatrixBase):
        return obj.applyfunc(rewrite)
    if isinstance(obj, sp.NDimArray):
        return obj.applyfunc(rewrite)
    return rewrite(obj)
