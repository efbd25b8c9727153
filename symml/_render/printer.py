"""The LaTeX printer and the plain-text printer: one formula at a time.

All of symml's LaTeX goes through one printer (:class:`SymmlLatexPrinter`), so
the conventions hold everywhere: ``^{\\top}`` for transposes,
``\\operatorname{tr}``, ``\\det``, ``\\odot`` for element-wise products,
``\\sigma`` for the sigmoid ``expit``, sums with their index ranges and, with
``bold=True``, bold vectors and matrices.

===================  ==============================================================
name                 what it gives
===================  ==============================================================
``latex_expr``       LaTeX of one SymPy object, with the printer's settings
``latex_number``     LaTeX of a number (floats to 10 digits, complex as ``a + b i``)
``escape_text``      text made safe for ``\\text{...}`` and paragraphs
``to_text``          plain text for terminals (the ``symml`` command)
===================  ==============================================================

Examples
--------
>>> import sympy as sp
>>> X = sp.MatrixSymbol("X", 3, 3)
>>> latex_expr(sp.Trace(X.T * X), bold=True)
'\\\\operatorname{tr}\\\\left(\\\\mathbf{X}^{\\\\top} \\\\mathbf{X}\\\\right)'
>>> latex_expr(sp.log(sp.Determinant(X)))
'\\\\log{\\\\left(\\\\det\\\\left(X\\\\right) \\\\right)}'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from .._core import Derivation, Verdict

__all__ = [
    "SymmlLatexPrinter",
    "escape_text",
    "latex_expr",
    "latex_number",
    "to_text",
]

_ELEMENTWISE_NAMES = {
    "exp": r"\exp",
    "log": r"\log",
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "tanh": r"\tanh",
    "expit": r"\sigma",
    "Abs": r"\operatorname{abs}",
}


class SymmlLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with symml's conventions.

    * transposes as ``^{\\top}``; ``\\operatorname{tr}``, ``\\det``,
      ``\\operatorname{diag}``; element-wise products and powers with ``\\odot``;
      a vector or matrix of ones as ``\\mathbf{1}`` (a row of ones as
      ``\\mathbf{1}^{\\top}``), of zeros as ``\\mathbf{0}``, the identity as ``I``;
    * the sigmoid (:func:`symml.expit`) as ``\\sigma``, element-wise
      maps of named functions as the function applied to the matrix
      (``\\sigma\\left(X w\\right)``);
    * sums over several indices as nested sums, each with its range;
    * setting ``bold=True`` prints vectors and matrices (``MatrixSymbol``) in
      bold: ``\\mathbf{X}``, ``\\boldsymbol{\\beta}``;
    * setting ``partial=True`` writes every derivative with ``\\partial``
      (SymPy picks ``d`` or ``\\partial`` per sub-expression, which mixes the
      two inside one multivariable derivation).

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import expit
    >>> X, Y = sp.MatrixSymbol("X", 2, 2), sp.MatrixSymbol("Y", 2, 2)
    >>> p = SymmlLatexPrinter()
    >>> p.doprint(sp.HadamardProduct(X, Y.T))
    'X \\\\odot Y^{\\\\top}'
    >>> p.doprint(expit(sp.Symbol("t"))**2)
    '\\\\sigma\\\\left(t\\\\right)^{2}'
    >>> SymmlLatexPrinter({"bold": True}).doprint(sp.MatrixSymbol("beta", 2, 1).T * X)
    '\\\\boldsymbol{\\\\beta}^{\\\\top} \\\\mathbf{X}'
    """

    _default_settings: ClassVar[dict[str, Any]] = {
        **LatexPrinter._default_settings,
        "partial": False,
        "bold": False,
    }

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        settings = dict(settings or {})
        if settings.get("bold"):
            settings.setdefault("mat_symbol_style", "bold")
        super().__init__(settings)

    def _print_int(self, expr: int) -> str:
        short = shortened_int(expr)
        if short is None:
            return str(expr)
        head, tail, digits = short
        return rf"{head}\ldots{{}}{tail}\,(\text{{{digits} digits}})"

    def _print_Rational(self, expr: sp.Rational) -> str:
        if expr.q == 1 or (shortened_int(expr.p) is None and shortened_int(expr.q) is None):
            return super()._print_Rational(expr)
        sign = "- " if expr.p < 0 else ""
        return rf"{sign}\frac{{{self._print_int(abs(expr.p))}}}{{{self._print_int(expr.q)}}}"

    # -- symbols ---------------------------------------------------------------
    def _deal_with_super_sub(self, string: str, style: str = "plain") -> str:
        if style != "bold":
            return super()._deal_with_super_sub(string, style)
        plain = super()._deal_with_super_sub(string, "plain")
        name, _, _ = self._split_super_sub(string)
        if name is None or not plain.startswith(name):
            return rf"\boldsymbol{{{plain}}}"
        # Greek letters are commands, which \mathbf does not embolden.
        command = r"\boldsymbol" if name.startswith("\\") else r"\mathbf"
        return rf"{command}{{{name}}}{plain[len(name) :]}"

    # -- derivatives -----------------------------------------------------------
    def _print_Derivative(self, expr: sp.Derivative) -> str:
        if not self._settings["partial"]:
            return super()._print_Derivative(expr)
        tex, dim = "", 0
        for x, num in reversed(expr.variable_count):
            dim += num
            tex += rf"\partial {self._print(x)}"
            if num != 1:
                tex += f"^{{{self._print(num)}}}"
        top = r"\partial" if dim == 1 else rf"\partial^{{{dim}}}"
        frac = rf"\frac{{{top}}}{{{tex}}}"
        is_neg = any(a.could_extract_minus_sign() for a in expr.args)
        arg = self.parenthesize(expr.expr, PRECEDENCE["Mul"], is_neg=is_neg, strict=True)
        return f"{frac} {arg}"

    # -- matrix expressions ----------------------------------------------------
    def _wrapped(self, arg: Any) -> str:
        return rf"\left({self._print(arg)}\right)"

    def _print_Transpose(self, expr: sp.Transpose) -> str:
        arg = expr.arg
        inner = self._print(arg)
        if not isinstance(arg, (sp.MatrixSymbol, sp.Symbol)):
            inner = rf"\left({inner}\right)"
        return rf"{inner}^{{\top}}"

    def _print_Trace(self, expr: sp.Trace) -> str:
        return rf"\operatorname{{tr}}{self._wrapped(expr.arg)}"

    def _print_Determinant(self, expr: sp.Determinant) -> str:
        if not getattr(expr.arg, "is_MatrixExpr", False) or isinstance(expr.arg, sp.MatrixBase):
            return super()._print_Determinant(expr)
        return rf"\det{self._wrapped(expr.arg)}"

    def _print_HadamardProduct(self, expr: sp.HadamardProduct) -> str:
        return r" \odot ".join(
            self.parenthesize(arg, PRECEDENCE["Pow"], strict=True) for arg in expr.args
        )

    def _print_HadamardPower(self, expr: sp.HadamardPower) -> str:
        base = self.parenthesize(expr.base, PRECEDENCE["Pow"], strict=True)
        return rf"{base}^{{\odot {self._print(expr.exp)}}}"

    def _print_DiagMatrix(self, expr: Any) -> str:
        return rf"\operatorname{{diag}}{self._wrapped(expr.args[0])}"

    _print_DiagonalizeVector = _print_DiagMatrix
    _print_DiagonalOf = _print_DiagMatrix

    def _print_DiagonalMatrix(self, expr: Any) -> str:
        return rf"\operatorname{{Diag}}{self._wrapped(expr.args[0])}"

    def _print_OneMatrix(self, expr: sp.OneMatrix) -> str:
        return r"\mathbf{1}" + (r"^{\top}" if _is_row(expr) else "")

    def _print_ZeroMatrix(self, expr: sp.ZeroMatrix) -> str:
        return r"\mathbf{0}" + (r"^{\top}" if _is_row(expr) else "")

    def _print_Identity(self, expr: sp.Identity) -> str:
        return r"\mathbf{I}" if self._settings["bold"] else "I"

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        fn = expr.function
        if isinstance(fn, sp.Lambda) and len(fn.variables) == 1:
            (var,) = fn.variables
            body = fn.expr
            sigmoid = _sigmoid_multiple(body, var)
            if sigmoid is not None:
                return rf"\sigma{self._wrapped(sigmoid * expr.expr)}"
            if isinstance(body, sp.Function) and body.args == (var,):
                name = _ELEMENTWISE_NAMES.get(
                    type(body).__name__, rf"\operatorname{{{type(body).__name__}}}"
                )
                return f"{name}{self._wrapped(expr.expr)}"
        return rf"{{{self._print(fn)}}}_{{\odot}}{self._wrapped(expr.expr)}"

    # -- functions -------------------------------------------------------------
    def _print_expit(self, expr: sp.Function, exp: str | None = None) -> str:
        tex = rf"\sigma{self._wrapped(expr.args[0])}"
        return tex if exp is None else f"{tex}^{{{exp}}}"

    # -- sums ------------------------------------------------------------------
    def _print_Sum(self, expr: sp.Sum) -> str:
        body = self._print(expr.function)
        if isinstance(expr.function, sp.Add):
            body = rf"\left({body}\right)"
        signs = [
            rf"\sum_{{{self._print(i)}={self._print(lo)}}}^{{{self._print(hi)}}}"
            for i, lo, hi in reversed(expr.limits)
        ]
        return " ".join([*signs, body])


def _sigmoid_multiple(body: sp.Expr, var: sp.Symbol) -> sp.Expr | None:
    """``c`` when ``body`` is the sigmoid of ``c*var``, written ``expit(c t)``,
    ``1/(1 + exp(-c t))`` or ``exp(c t)/(1 + exp(c t))``: the sigmoid prints one way."""
    u = None
    if type(body).__name__ == "expit":
        u = body.args[0]
    else:
        num, den = body.as_numer_denom()
        if den.is_Add and len(den.args) == 2 and sp.S.One in den.args:
            (e,) = [a for a in den.args if a != 1]
            if isinstance(e, sp.exp) and num in (sp.S.One, e):
                u = -e.args[0] if num == 1 else e.args[0]
    if u is None or u.free_symbols != {var}:
        return None
    c = sp.diff(u, var)
    return c if not c.has(var) and u == c * var else None


def _is_row(m: sp.MatrixExpr) -> bool:
    """A row vector (1 x n, n not 1): printed as a transposed column."""
    return bool(m.shape[0] == 1 and m.shape[1] != 1)


PRINTED_DIGITS = 1000
"""Integers with more digits than this print as their ends and their size."""


def shortened_int(n: int) -> tuple[str, str, int] | None:
    """``(leading digits, last digits, number of digits)`` of an integer with more than
    :data:`PRINTED_DIGITS` digits; None for the others.

    Past 1,000 digits a number is a wall of text no reader checks digit by digit, and
    past 4,300 Python's ``str`` refuses it (a ``ValueError``): the printers show its ends
    and its size instead.

    Examples
    --------
    >>> shortened_int(12345) is None, shortened_int(10**999) is None
    (True, True)
    >>> shortened_int(10**1000)
    ('100000000000000', '00000', 1001)
    >>> shortened_int(-(10**5000) - 7)
    ('-100000000000000', '00007', 5001)

    Both printers use it, so huge numbers print instead of raising:

    >>> import sympy as sp
    >>> latex_expr(sp.Integer(10) ** 5000 / 3)
    '\\\\frac{100000000000000\\\\ldots{}00000\\\\,(\\\\text{5001 digits})}{3}'
    >>> to_text(-(sp.Integer(10) ** 5000) * sp.Symbol("x"))
    '-100000000000000...00000 (5001 digits)*x'
    """
    m = abs(int(n))
    if m.bit_length() <= 3300:  # under 994 digits
        return None
    digits = int(m.bit_length() * 0.30102999566398120)  # log10(2)
    while 10**digits <= m:
        digits += 1
    if digits <= PRINTED_DIGITS:
        return None
    head = str(m // 10 ** (digits - 15))
    tail = str(m % 10**5).rjust(5, "0")
    return ("-" if n < 0 else "") + head, tail, digits


def latex_expr(obj: Any, **settings: Any) -> str:
    """LaTeX of ``obj`` with the printer's ``settings``; text is taken as LaTeX already.

    Examples
    --------
    >>> import sympy as sp
    >>> latex_expr(sp.Symbol("x") ** 2)
    'x^{2}'
    >>> latex_expr(r"\\nabla f")
    '\\\\nabla f'
    """
    if isinstance(obj, str):
        return obj
    return SymmlLatexPrinter(settings).doprint(obj)


def latex_number(value: Any) -> str:
    """LaTeX of a number: floats to 10 digits, a complex number as ``a + b i``.

    Examples
    --------
    >>> latex_number(0.5), latex_number(complex(1, 2)), latex_number(3)
    ('0.5', '1.0 + 2.0 i', '3')
    """
    if isinstance(value, complex) and value.imag == 0:
        value = value.real
    if isinstance(value, float):
        return latex_expr(sp.Float(value, 10))
    if isinstance(value, complex):
        return latex_expr(sp.Float(value.real, 10) + sp.I * sp.Float(value.imag, 10))
    if isinstance(value, sp.Basic) and value.is_number and value.has(sp.Float):
        return latex_expr(value.evalf(10))
    try:
        return latex_expr(sp.sympify(value))
    except (sp.SympifyError, TypeError):
        return rf"\text{{{escape_text(str(value))}}}"


_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def escape_text(text: str) -> str:
    """Escape ``text`` for use inside ``\\text{...}`` or a paragraph.

    Examples
    --------
    >>> escape_text("F_i & 100%")
    'F\\\\_i \\\\& 100\\\\%'
    """
    return re.sub(r"[\\&%$#_{}~^]", lambda m: _TEXT_ESCAPES[m.group()], text)


# ---------------------------------------------------------------------------
# Plain text
# ---------------------------------------------------------------------------
class _StrPrinter(StrPrinter):
    """SymPy's str printer, with integers too long for ``str`` shortened (no ValueError)."""

    def _print_int(self, expr: int) -> str:
        short = shortened_int(expr)
        return str(expr) if short is None else f"{short[0]}...{short[1]} ({short[2]} digits)"

    def _print_Integer(self, expr: sp.Integer) -> str:
        return self._print_int(int(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        if expr.q == 1:
            return self._print_int(expr.p)
        return f"{self._print_int(expr.p)}/{self._print_int(expr.q)}"


class _TextPrinter(_StrPrinter):
    """SymPy's str printer with derivatives written compactly as ``d/dx[...]``."""

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        ops = "".join(
            f"d/d{self._print(x)}" if n == 1 else f"d^{n}/d{self._print(x)}^{n}"
            for x, n in reversed(expr.variable_count)
        )
        return f"{ops}[{self._print(expr.expr)}]"

    def _print_MatrixBase(self, expr: sp.MatrixBase) -> str:
        rows = (
            "[" + ", ".join(self._print(e) for e in expr.row(i)) + "]" for i in range(expr.rows)
        )
        return "[" + ", ".join(rows) + "]"


def _text_expr(obj: Any) -> str:
    if isinstance(obj, str):  # a LaTeX label: keep the words, drop the markup
        return re.sub(r"\\(?:text|mathrm|operatorname)\{([^{}]*)\}", r"\1", obj).replace("\\", "")
    return _TextPrinter().doprint(obj)


def to_text(obj: Any) -> str:
    """Plain text for terminals: the steps with their reasons, then the result.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x = sp.Symbol("x", real=True)
    >>> print(symml.to_text(symml.gradient(x**3, [x])))
    gradient with respect to x (assuming x real)
      d/dx[x**3] = 3*x**2    [power rule]
      nabla_{x} f = [[3*x**2]]    [collect the partial derivatives]
    result:
      [[3*x**2]]
    """
    if isinstance(obj, Verdict):
        return obj.message
    if not isinstance(obj, Derivation):
        return _StrPrinter().doprint(obj)
    head = obj.kind
    if obj.wrt:
        head += " with respect to " + ", ".join(str(s) for s in obj.wrt)
    if obj.assumptions:
        head += " (assuming " + "; ".join(obj.assumptions) + ")"
    lines = [head]
    indent = "  "
    for step in obj.steps:
        if step.lhs is not None:
            lhs = _text_expr(step.lhs)
            indent = "  " + " " * len(lhs)
            lines.append(f"  {lhs} = {_text_expr(step.expr)}    [{step.why}]")
        else:
            lines.append(f"{indent} = {_text_expr(step.expr)}    [{step.why}]")
    lines.append("result:")
    lines.append("  " + _text_expr(obj.result))
    return "\n".join(lines)
