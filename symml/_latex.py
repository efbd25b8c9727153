"""LaTeX, Markdown and plain-text renderings of symml results.

=======================  ====================================================
function                 result
=======================  ====================================================
``to_latex``             LaTeX for a Derivation, Verdict or any SymPy object
``derivation_latex``     a Derivation as an ``align*`` (or ``aligned``) block
``derivation_markdown``  a Derivation as Markdown with a ``$$`` block
``to_text``              plain text for terminals (the ``symml`` command)
=======================  ====================================================

All LaTeX goes through one printer (:class:`SymmlLatexPrinter`), so
conventions such as ``^{\\top}`` for transposes hold everywhere.

Examples
--------
>>> import sympy as sp, symml
>>> x = sp.Symbol("x", real=True)
>>> print(symml.to_latex(symml.gradient(sp.sin(x**2), [x])))
\\begin{align*}
\\frac{d}{d x} \\sin{\\left(x^{2} \\right)} &= ... && \\text{trigonometric rule, chain rule} \\\\
&= 2 x \\cos{\\left(x^{2} \\right)} && \\text{power rule} \\\\
\\nabla_{x} f &= ... && \\text{collect the partial derivatives}
\\end{align*}
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ._derivation import Derivation, Step
from ._errors import ArgumentError, bad_argument
from ._verdict import Verdict

__all__ = [
    "SymmlLatexPrinter",
    "derivation_latex",
    "derivation_markdown",
    "escape_text",
    "to_latex",
    "to_text",
]


class SymmlLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with symml's conventions.

    * transposes as ``^{\\top}``;
    * setting ``partial=True`` writes every derivative with ``\\partial``
      (SymPy picks ``d`` or ``\\partial`` per sub-expression, which mixes the
      two inside one multivariable derivation).
    """

    _default_settings: ClassVar[dict[str, Any]] = {
        **LatexPrinter._default_settings,
        "partial": False,
    }

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

    def _print_Transpose(self, expr: sp.Transpose) -> str:
        arg = expr.arg
        inner = self._print(arg)
        if not isinstance(arg, (sp.MatrixSymbol, sp.Symbol)):
            inner = rf"\left({inner}\right)"
        return rf"{inner}^{{\top}}"


def _latex_expr(obj: Any, **settings: Any) -> str:
    if isinstance(obj, str):
        return obj
    return SymmlLatexPrinter(settings).doprint(obj)


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
    """Escape ``text`` for use inside ``\\text{...}``.

    Examples
    --------
    >>> escape_text("F_i & 100%")
    'F\\\\_i \\\\& 100\\\\%'
    """
    return re.sub(r"[\\&%$#_{}~^]", lambda m: _TEXT_ESCAPES[m.group()], text)


def _step_rows(steps: Iterable[Step], **settings: Any) -> list[str]:
    rows = []
    for step in steps:
        rhs = _latex_expr(step.expr, **settings)
        why = rf" && \text{{{escape_text(step.why)}}}" if step.why else ""
        if step.lhs is not None:
            rows.append(f"{_latex_expr(step.lhs, **settings)} &= {rhs}{why}")
        else:
            rows.append(f"&= {rhs}{why}" if rows else f"& {rhs}{why}")
    return rows


def derivation_latex(
    d: Derivation, *, environment: str = "align*", display: bool = False, **settings: Any
) -> str:
    """A Derivation as a LaTeX block, one step per line with its justification.

    Parameters
    ----------
    d : Derivation
    environment : {"align*", "aligned"}
        ``align*`` for documents; ``aligned`` to embed in ``$$ ... $$``.
    display : bool
        Wrap in ``$\\displaystyle ... $`` (what ``_repr_latex_`` uses).
    **settings
        Passed to SymPy's LaTeX printer (e.g. ``mul_symbol="dot"``).

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import Derivation, Step
    >>> x = sp.Symbol("x")
    >>> d = Derivation(2*x, [Step(2*x, "power rule", lhs=sp.Derivative(x**2, x))])
    >>> print(derivation_latex(d))
    \\begin{align*}
    \\frac{d}{d x} x^{2} &= 2 x && \\text{power rule}
    \\end{align*}
    """
    if environment not in ("align*", "aligned"):
        raise ArgumentError(bad_argument("environment", environment, 'use "align*" or "aligned"'))
    if "partial" not in settings and d.source is not None:
        # One notation for a whole derivation: partials when f has several variables.
        settings["partial"] = len(d.source.free_symbols) > 1
    steps = list(d.steps)
    if not steps or steps[-1].expr != d.result:
        steps.append(Step(d.result, "", lhs=rf"\text{{{escape_text(d.kind)}}}"))
    rows = _step_rows(steps, **settings)
    body = " \\\\\n".join(rows)
    block = f"\\begin{{{environment}}}\n{body}\n\\end{{{environment}}}"
    return f"$\\displaystyle {block}$" if display else block


def derivation_markdown(d: Derivation, **settings: Any) -> str:
    """A Derivation as Markdown: a heading line, assumptions and a ``$$`` block.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x = sp.Symbol("x", real=True)
    >>> print(symml.gradient(x**2, [x]).markdown())
    **gradient** with respect to $x$ (assuming x real)
    <BLANKLINE>
    $$
    \\begin{aligned}
    \\frac{d}{d x} x^{2} &= 2 x && \\text{power rule} \\\\
    \\nabla_{x} f &= \\left[\\begin{matrix}2 x\\end{matrix}\\right] && ...
    \\end{aligned}
    $$
    """
    head = f"**{d.kind}**"
    if d.wrt:
        head += " with respect to " + ", ".join(f"${_latex_expr(s)}$" for s in d.wrt)
    if d.assumptions:
        head += " (assuming " + "; ".join(d.assumptions) + ")"
    block = derivation_latex(d, environment="aligned", **settings)
    return f"{head}\n\n$$\n{block}\n$$"


def _verdict_latex(v: Verdict) -> str:
    if v.equivalent or v.counterexample is None:
        return rf"\text{{{escape_text(v.message)}}}"
    where = ",\\ ".join(
        f"{_latex_expr(k)} = {_latex_number(val)}" for k, val in v.counterexample.items()
    )
    return (
        rf"\text{{not equivalent ({escape_text(v.method)}): at }} {where}"
        rf"\text{{, claimed }} {_latex_number(v.claimed_value)}"
        rf"\text{{ but expected }} {_latex_number(v.expected_value)}"
    )


def _latex_number(value: Any) -> str:
    if isinstance(value, complex) and value.imag == 0:
        value = value.real
    if isinstance(value, float):
        return _latex_expr(sp.Float(value, 10))
    if isinstance(value, complex):
        return _latex_expr(sp.Float(value.real, 10) + sp.I * sp.Float(value.imag, 10))
    try:
        return _latex_expr(sp.sympify(value))
    except (sp.SympifyError, TypeError):
        return rf"\text{{{escape_text(str(value))}}}"


def to_latex(obj: Any, **settings: Any) -> str:
    """LaTeX for any symml result or SymPy object.

    Derivations give an ``align*`` block (see :func:`derivation_latex`);
    Verdicts a sentence with the counterexample; anything else SymPy's LaTeX
    with symml's conventions.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x = sp.Symbol("x")
    >>> symml.to_latex(sp.Derivative(sp.sin(x**2), x))
    '\\\\frac{d}{d x} \\\\sin{\\\\left(x^{2} \\\\right)}'
    >>> X = sp.MatrixSymbol("X", 3, 2)
    >>> symml.to_latex(X.T * X)
    'X^{\\\\top} X'
    """
    if isinstance(obj, Derivation):
        return derivation_latex(obj, **settings)
    if isinstance(obj, Verdict):
        return _verdict_latex(obj)
    if hasattr(obj, "verdicts") and hasattr(obj, "first_bad"):
        rows = [rf"\text{{step {i + 1}: }} {_verdict_latex(v)}" for i, v in enumerate(obj.verdicts)]
        return "\\begin{gather*}\n" + " \\\\\n".join(rows) + "\n\\end{gather*}"
    if isinstance(obj, str):
        raise ArgumentError(
            bad_argument("obj", obj, "pass a SymPy object or a symml result, not text")
        )
    try:
        value = sp.sympify(obj)
    except (sp.SympifyError, TypeError):
        raise ArgumentError(
            bad_argument("obj", obj, "pass a Derivation, Verdict or SymPy object")
        ) from None
    return _latex_expr(value, **settings)


class _TextPrinter(StrPrinter):
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
    if isinstance(obj, str):
        return obj.replace("\\", "")
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
        return sp.sstr(obj)
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
