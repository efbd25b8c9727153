"""LaTeX, Markdown and plain-text renderings of symml results.

=======================  ============================================================
function                 result
=======================  ============================================================
``to_latex``             LaTeX for a Derivation, Verdict, StepsVerdict or SymPy object
``derivation_latex``     a Derivation as an ``align*`` (or ``aligned``) block, one
                         step per line with its justification, long lines broken
``derivation_markdown``  a Derivation as Markdown with a ``$$`` block
``display_latex``        any object as a display block (``equation*`` or ``align*``),
                         optionally numbered and labelled: formulas, equations,
                         mappings, fits (estimates with standard errors), ...
``tex_width``            a rough width of a LaTeX formula, in characters
``verdict_sentence``     a Verdict or StepsVerdict as a sentence with inline math
``escape_text``          text made safe for ``\\text{...}`` and paragraphs
``to_text``              plain text for terminals (the ``symml`` command)
=======================  ============================================================

All LaTeX goes through one printer (:class:`SymmlLatexPrinter`), so the
conventions hold everywhere: ``^{\\top}`` for transposes, ``\\operatorname{tr}``,
``\\det``, ``\\odot`` for element-wise products, ``\\sigma`` for the sigmoid
``expit``, sums with their index ranges and, with ``bold=True``, bold vectors
and matrices.

How long lines are broken
-------------------------
A displayed line that runs past the right margin is lost on paper. Widths are
estimated by :func:`tex_width` (glyphs, with fractions, scripts and matrices
measured by their layout; within about 10 % of TeX's) and fitted into
``width`` characters (:data:`DEFAULT_WIDTH` fits the Notes page), in order:

1. a left side wider than a fourth of the line gets a line of its own, and a
   derivative of a whole long ``f`` is written ``d/dx f``;
2. a matrix too wide for the line becomes a matrix of names, with one line per
   distinct long entry (a symmetric Hessian names each entry once);
3. long justifications wrap onto several lines (in documents; ``aligned``
   blocks for notebooks keep them whole);
4. a right side that still does not fit is broken before the top-level ``+``
   and ``-`` of a sum (or between the factors of a product) into several
   ``&\\quad + ...`` lines of even length.

A single long term is not broken.

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
>>> X = sp.MatrixSymbol("X", 3, 3)
>>> symml.to_latex(sp.Trace(X.T * X), bold=True)
'\\\\operatorname{tr}\\\\left(\\\\mathbf{X}^{\\\\top} \\\\mathbf{X}\\\\right)'
>>> symml.to_latex(sp.log(sp.Determinant(X)))
'\\\\log{\\\\left(\\\\det\\\\left(X\\\\right) \\\\right)}'
"""

from __future__ import annotations

import inspect
import itertools
import re
from collections.abc import Mapping
from typing import Any, ClassVar

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from .._core import ArgumentError, Derivation, Step, Verdict, bad_argument

__all__ = [
    "DEFAULT_WIDTH",
    "SymmlLatexPrinter",
    "derivation_latex",
    "derivation_markdown",
    "display_latex",
    "escape_text",
    "tex_width",
    "to_latex",
    "to_text",
    "verdict_sentence",
]

#: Characters (of :func:`tex_width`) per line of the Notes document: 11pt on A4
#: with 2 cm margins holds about 80; the rest is a margin for the estimate's error.
DEFAULT_WIDTH = 75

_LABEL = re.compile(r"[A-Za-z0-9:._\-]+")
_DISPLAY_ENV = re.compile(r"\\begin\{(equation|align|gather|multline|flalign)\*?\}")


# ---------------------------------------------------------------------------
# The printer
# ---------------------------------------------------------------------------
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
    >>> from symml._codegen.generate import expit
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


def _is_row(m: sp.MatrixExpr) -> bool:
    """A row vector (1 x n, n not 1): printed as a transposed column."""
    return bool(m.shape[0] == 1 and m.shape[1] != 1)


def _printer(settings: Mapping[str, Any]) -> SymmlLatexPrinter:
    return SymmlLatexPrinter(settings)


def _latex_expr(obj: Any, **settings: Any) -> str:
    if isinstance(obj, str):
        return obj
    return _printer(settings).doprint(obj)


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------
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
# Width of a formula
# ---------------------------------------------------------------------------
_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|\s+|.", re.DOTALL)
_ZERO_WIDTH = {
    r"\displaystyle",
    r"\limits",
    r"\nonumber",
    r"\notag",
    r"\!",
    r"\label",
    r"\begin",
    r"\end",
}
_SPACES = {r"\,": 0.3, r"\:": 0.4, r"\;": 0.5, r"\ ": 0.5, r"\quad": 1.8, r"\qquad": 3.6}
_WRAPPERS = {
    r"\mathbf",
    r"\boldsymbol",
    r"\mathrm",
    r"\mathit",
    r"\mathbb",
    r"\mathcal",
    r"\operatorname",
    r"\overline",
    r"\hat",
    r"\tilde",
    r"\bar",
    r"\vec",
}
_BINARY = set("+-=<>") | {
    r"\cdot",
    r"\times",
    r"\odot",
    r"\otimes",
    r"\circ",
    r"\leq",
    r"\geq",
    r"\neq",
    r"\approx",
    r"\mapsto",
    r"\to",
    r"\in",
}


class _Measure:
    """A small recursive-descent reader of LaTeX math that adds up glyph widths."""

    def __init__(self, tex: str, level: int = 0) -> None:
        self.tokens = _TOKEN.findall(tex)
        self.pos = 0
        self.level = level  # > 0 inside fractions and matrices (text style: smaller)

    def _next(self) -> str | None:
        if self.pos >= len(self.tokens):
            return None
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def _raw_group(self) -> str:
        """The text of a ``{...}`` group (or one token), consumed."""
        while self.pos < len(self.tokens) and self.tokens[self.pos].isspace():
            self.pos += 1
        tok = self._next()
        if tok != "{":
            return tok or ""
        depth, out = 1, []
        while (tok := self._next()) is not None:
            depth += tok == "{"
            depth -= tok == "}"
            if depth == 0:
                break
            out.append(tok)
        return "".join(out)

    def _arg(self) -> float:
        """Width of the next argument: a ``{...}`` group or a single token."""
        while self.pos < len(self.tokens) and self.tokens[self.pos].isspace():
            self.pos += 1
        if self.pos < len(self.tokens) and self.tokens[self.pos] == "{":
            self.pos += 1
            return self.sequence(close="}")
        return self.atom()

    def sequence(self, close: str | None = None) -> float:
        width, last_script = 0.0, 0.0
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            if tok == close:
                self.pos += 1
                break
            if tok.isspace():
                self.pos += 1
                continue
            if tok in ("^", "_"):
                self.pos += 1
                script = 0.7 * self._arg()
                # a superscript and a subscript stack: the wider one counts
                width += max(script - last_script, 0.0)
                last_script = script if not last_script else 0.0
                continue
            last_script = 0.0
            width += self.atom()
        return width

    def atom(self) -> float:
        tok = self._next()
        if tok is None or tok in ("&", "}") or tok.isspace():
            return 0.0
        if tok == "{":
            return self.sequence(close="}")
        if tok == r"\frac":
            self.level += 1
            num, den = self._arg(), self._arg()
            self.level -= 1
            return (max(num, den) + 0.4) * (0.8 if self.level else 1.0)
        if tok in (r"\left", r"\right"):
            while self.pos < len(self.tokens) and self.tokens[self.pos].isspace():
                self.pos += 1
            delim = self._next()
            return 0.0 if delim == "." else 0.7
        if tok == r"\begin":
            env = self._raw_group()
            if env == "array":  # skip [t] and the column specification
                if self.pos < len(self.tokens) and self.tokens[self.pos] == "[":
                    while self._next() not in (None, "]"):
                        pass
                self._raw_group()
            if env.endswith("matrix") or env == "array":
                return self._matrix(env)
            return 0.0
        if tok in (r"\text", r"\textrm", r"\mbox"):
            return 0.9 * len(re.sub(r"\\[A-Za-z]+|[{}\\]", "", self._raw_group()))
        if tok in _WRAPPERS:
            if tok == r"\operatorname":
                return 1.1 * len(self._raw_group()) + 0.3
            return self._arg()
        if tok == r"\sqrt":
            return self._arg() + 1.2
        if tok in _ZERO_WIDTH:
            if tok in (r"\label", r"\end"):
                self._raw_group()
            return 0.0
        if tok in _SPACES:
            return _SPACES[tok]
        if tok in _BINARY:
            return 2.2
        if tok in (r"\sum", r"\prod", r"\int"):
            return 1.8
        if tok == r"\\":
            return 0.0
        if tok.startswith("\\") and len(tok) > 2:
            name = tok[1:]
            # \sin, \log, \exp, \det, \max: upright names plus a thin space
            if name in {"sin", "cos", "tan", "log", "exp", "det", "max", "min", "tanh", "ln"}:
                return 0.9 * len(name) + 0.3
            if name in {"nabla", "top", "Delta", "Sigma", "Omega", "Gamma", "Lambda", "Phi", "Psi"}:
                return 1.4
            return 1.1  # a Greek letter or a symbol
        if tok in "()[]|":
            return 0.7
        if tok in ",;":
            return 0.9
        if tok in ".":
            return 0.5
        if tok.isupper():
            return 1.4  # capitals are wide: X is half again as wide as x
        return 1.0

    def _matrix(self, env: str) -> float:
        # read up to the matching \end{...matrix}
        depth, start = 1, self.pos
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            if tok == r"\begin":
                depth += 1
            elif tok == r"\end":
                depth -= 1
                if depth == 0:
                    break
            self.pos += 1
        body = "".join(self.tokens[start : self.pos])
        self.pos += 1
        self._raw_group()
        cols: list[float] = []
        for row in _split_top(body, r"\\"):
            for j, cell in enumerate(_split_top(row, "&")):
                w = _Measure(cell, level=1).sequence()
                if j < len(cols):
                    cols[j] = max(cols[j], w)
                else:
                    cols.append(w)
        return sum(cols) + 1.8 * max(len(cols) - 1, 0) + 0.6


def _split_top(text: str, sep: str) -> list[str]:
    """Split ``text`` at ``sep`` outside braces and nested environments."""
    parts, depth, env, start, i = [], 0, 0, 0, 0
    while i < len(text):
        if text.startswith(r"\begin", i):
            env += 1
        elif text.startswith(r"\end", i):
            env -= 1
        ch = text[i]
        if ch == "\\" and not text.startswith(sep, i):
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and env == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def tex_width(tex: str) -> float:
    """A rough display width of a LaTeX formula, in characters of body text.

    A fraction counts its wider part, scripts count at 70 %, a matrix its
    widest entry per column, ``\\text{...}`` its characters, binary
    operators their glyph and the space around it. Good enough to decide
    where to break a line; see the module docstring.

    Examples
    --------
    >>> tex_width("x + y")
    4.2
    >>> tex_width(r"\\frac{a + b}{2}")
    4.6
    >>> tex_width(r"\\left[\\begin{matrix}1 & x\\\\y & 2\\end{matrix}\\right]")
    5.8
    """
    return round(_Measure(tex).sequence(), 6)


# ---------------------------------------------------------------------------
# Breaking long lines
# ---------------------------------------------------------------------------
class _Pieces:
    """A formula cut where a line may break: terms of a sum or factors of a product."""

    __slots__ = ("items", "joiner")

    def __init__(self, items: list[str], joiner: str) -> None:
        self.items = items
        self.joiner = joiner  # what starts a continuation line ("" or "\cdot ")


def _pieces(expr: Any, printed: str, settings: Mapping[str, Any]) -> _Pieces | None:
    """Where ``expr`` (printed as ``printed``) may break, or None.

    Sums break before their ``+`` and ``-``; products without a denominator
    between their factors. The pieces are only used when, joined, they give
    exactly what the printer printed.
    """
    printer = _printer(settings)
    items: list[str] = []
    joiner = ""
    if isinstance(expr, sp.Add):
        for i, term in enumerate(printer._as_ordered_terms(expr, order=None)):
            sign = ""
            if i and term.could_extract_minus_sign():
                sign, term = "- ", -term
            elif i:
                sign = "+ "
            tex = printer._print(term)
            if printer._needs_add_brackets(term):
                tex = rf"\left({tex}\right)"
            items.append(sign + tex)
    elif isinstance(expr, sp.Mul) and not any(f.is_Pow and f.exp.is_negative for f in expr.args):
        sign, body = "", expr
        if expr.could_extract_minus_sign():
            sign, body = "- ", -expr
        factors = body.as_ordered_factors() if isinstance(body, sp.Mul) else [body]
        items = [printer.parenthesize(f, PRECEDENCE["Mul"]) for f in factors]
        if items:
            items[0] = sign + items[0]
        joiner = r"\cdot "
    if len(items) < 2 or " ".join(items) != printed:
        return None
    return _Pieces(items, joiner)


def _greedy(widths: list[float], first: float, rest: float) -> list[int]:
    """Start indices of the lines when filling ``first``, then ``rest`` wide lines."""
    starts, used = [0], 0.0
    for i, w in enumerate(widths):
        limit = first if len(starts) == 1 else rest
        if i > starts[-1] and used + w > limit:
            starts.append(i)
            used = w
        else:
            used += w
    return starts


def _pack(pieces: list[str], first: float, rest: float) -> list[str]:
    """Join ``pieces`` into as few lines as fit, then even out their lengths.

    The number of lines is what filling each line greedily needs; the lines
    are then balanced (the narrowest limit that still needs no more lines),
    so a sum does not end on a lonely ``+ 1``.
    """
    widths = [tex_width(p) for p in pieces]
    count = len(_greedy(widths, first, rest))
    lo, hi = 0.0, 1.0
    for _ in range(20):  # bisect the fraction of the line that is used
        mid = (lo + hi) / 2
        if len(_greedy(widths, first * mid, rest * mid)) <= count:
            hi = mid
        else:
            lo = mid
    starts = [*_greedy(widths, first * hi, rest * hi), len(pieces)]
    return [" ".join(pieces[a:b]) for a, b in itertools.pairwise(starts)]


def _fill_words(words: list[str], limit: float) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and tex_width(rf"\text{{{escape_text(lines[-1] + ' ' + word)}}}") <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _wrap_words(text: str, limit: float) -> list[str]:
    """Words of ``text`` in as few lines of at most ``limit`` characters as fit, evened out."""
    words = text.split()
    count = len(_fill_words(words, limit))
    lo, hi = 0.0, limit
    for _ in range(16):  # the narrowest limit that needs no more lines: no lonely last word
        mid = (lo + hi) / 2
        if len(_fill_words(words, mid)) <= count:
            hi = mid
        else:
            lo = mid
    return _fill_words(words, hi)


def _why_tex(why: str, limit: float | None) -> str:
    if not why:
        return ""
    lines = [why] if limit is None else _wrap_words(why, limit)
    if len(lines) == 1:
        return rf"\text{{{escape_text(why)}}}"
    body = r" \\ ".join(rf"\text{{{escape_text(line)}}}" for line in lines)
    return rf"\begin{{array}}[t]{{@{{}}l@{{}}}}{body}\end{{array}}"


class _Row:
    """One equality of a display: ``lhs  rel  rhs`` with an optional justification."""

    __slots__ = ("expr", "lhs", "rel", "rhs", "why")

    def __init__(self, lhs: str | None, rhs: str, why: str = "", expr: Any = None) -> None:
        self.lhs, self.rhs, self.why, self.expr = lhs, rhs, why, expr
        self.rel = "="


_REL_WIDTH = 2.2  # "=" and the space around it
_GAP = 2.5  # between the formulas and the justifications
_NUMBER_WIDTH = 5.0  # an equation number at the right margin
_MIN_WHY = 23.0  # justifications are wrapped, but not narrower than this


def _lap(tex: str) -> str:
    """``tex`` in a box of no width: it does not widen its column of the alignment."""
    return rf"\rlap{{$\displaystyle {tex}$}}"


def _layout(
    rows: list[_Row], width: float | None, settings: Mapping[str, Any], wrap: bool = True
) -> list[str]:
    """``align`` lines for ``rows``, fitted into ``width`` characters.

    In order: a left side wider than a fourth of the line gets a line of its
    own; when formulas and justifications together are too wide, the
    justifications are wrapped, then sums and products are broken. In
    documents (``wrap``; not in ``aligned`` blocks for notebooks), lines
    without a justification -- a left side on its own line, the entries of a
    wide matrix, continued sums -- are *lapped* (``\\rlap``): they may run
    into the empty justification column instead of pushing it to the right
    for every line.
    """
    if width is None:
        return [_line(row, row.rhs, _why_tex(row.why, None)) for row in rows]
    rows = _expand_wide_matrices(rows, width, settings)
    lhs_w = [tex_width(r.lhs) if r.lhs else 0.0 for r in rows]
    long_lhs = [w > width / 4 for w in lhs_w]
    lhs_col = max((w for w, long in zip(lhs_w, long_lhs, strict=True) if not long), default=0.0)
    rhs_w = [tex_width(r.rhs) for r in rows]
    why_w = [tex_width(_why_tex(r.why, None)) for r in rows]
    gap = _GAP if any(r.why for r in rows) else 0.0
    avail = width - lhs_col - _REL_WIDTH - gap  # for a right side and its justification
    lap = wrap and gap > 0  # lapping only helps next to a column of justifications
    shared = [not (lap and not r.why) for r in rows]  # rows whose right side sets the column
    pieces: list[_Pieces | None] = [None] * len(rows)
    for i, row in enumerate(rows):
        if rhs_w[i] + (why_w[i] if shared[i] else 0.0) > avail or rhs_w[i] > avail / 2:
            pieces[i] = _pieces(row.expr, row.rhs, settings)
    why_limit: float | None = None
    budget = avail
    widest = max((w for w, s in zip(rhs_w, shared, strict=True) if s), default=0.0)
    if widest + max(why_w, default=0.0) > avail:
        # what each shared right side needs at least: all of it, unless it can break
        need = []
        for i, cut in enumerate(pieces):
            if not shared[i]:
                continue
            if cut is None:
                need.append(rhs_w[i])
            else:
                piece = max(tex_width(p) for p in cut.items)
                need.append(min(rhs_w[i], max(piece, avail / 2)))
        if wrap:
            why_limit = min(max(avail - max(need, default=0.0), _MIN_WHY), max(why_w))
        budget = max(avail - max(tex_width(_why_tex(r.why, why_limit)) for r in rows), width / 4)
    # where a lapped line may end: the alignment spreads spare room evenly over
    # the left margin, the space between its column pairs and the right margin
    rhs_col = max((min(w, budget) for w, s in zip(rhs_w, shared, strict=True) if s), default=0.0)
    why_col = max((tex_width(_why_tex(r.why, why_limit)) for r in rows), default=0.0)
    spare = max(width - lhs_col - _REL_WIDTH - rhs_col - gap - why_col, 0.0) / 3
    lap_limit = width - spare - lhs_col - _REL_WIDTH
    out = []
    for i, row in enumerate(rows):
        why = _why_tex(row.why, why_limit)
        if long_lhs[i] and row.lhs:
            out.append(f"& {_lap(row.lhs) if lap else row.lhs}")
            row = _Row(None, row.rhs, row.why, row.expr)
            row.rel = rows[i].rel
        limit = budget if shared[i] else lap_limit
        cut = pieces[i]
        if cut is None or rhs_w[i] <= limit:
            rhs = row.rhs if shared[i] or rhs_w[i] <= budget else _lap(row.rhs)
            out.append(_line(row, rhs, why))
            continue
        lines = _pack(cut.items, limit, limit - 1.8)
        if not shared[i]:
            lines = [line if tex_width(line) <= budget else _lap(line) for line in lines]
        out.append(_line(row, lines[0], why))
        out.extend(rf"&\quad {cut.joiner}{line}" for line in lines[1:])
    return out


def _entry_name(lhs: str | None, index: tuple[int, ...]) -> str:
    sub = ",".join(str(i + 1) for i in index)
    if lhs is None or tex_width(lhs) > 12:
        return f"M_{{{sub}}}"
    if re.fullmatch(r"\\?[A-Za-z]+", lhs):
        return f"{lhs}_{{{sub}}}"
    return rf"\left({lhs}\right)_{{{sub}}}"


def _expand_wide_matrices(
    rows: list[_Row], width: float, settings: Mapping[str, Any]
) -> list[_Row]:
    """Replace a matrix too wide for the line by a matrix of names, then one row per entry.

    Short entries stay in the matrix; equal entries (a symmetric Hessian)
    share a name, so each formula is written once.
    """
    out: list[_Row] = []
    for row in rows:
        m = row.expr
        lhs_w = tex_width(row.lhs) if row.lhs and tex_width(row.lhs) <= width / 4 else 0.0
        room = width - lhs_w - _REL_WIDTH - (_GAP + _MIN_WHY if row.why else 0.0)
        if not isinstance(m, sp.MatrixBase) or tex_width(row.rhs) <= room:
            out.append(row)
            continue
        names: dict[sp.Basic, str] = {}
        entries: list[_Row] = []
        cells = []
        for i in range(m.rows):
            line = []
            for j in range(m.cols):
                value = m[i, j]
                tex = _latex_expr(value, **settings)
                if tex_width(tex) <= 6:
                    line.append(tex)
                    continue
                if value not in names:
                    index = (i,) if m.cols == 1 else (i, j)
                    names[value] = _entry_name(row.lhs, index)
                    entries.append(_Row(names[value], tex, "", value))
                line.append(names[value])
            cells.append(" & ".join(line))
        body = r"\\".join(cells)
        short = _Row(row.lhs, rf"\left[\begin{{matrix}}{body}\end{{matrix}}\right]", row.why, None)
        short.rel = row.rel
        out.append(short)
        out.extend(entries)
    return out


def _line(row: _Row, rhs: str, why: str) -> str:
    tail = f" && {why}" if why else ""
    return _first_line(row, rhs) + tail


def _first_line(row: _Row, rhs: str) -> str:
    if row.lhs is not None:
        return f"{row.lhs} &{row.rel} {rhs}"
    return f"&{row.rel} {rhs}" if row.rel else f"& {rhs}"


def _environment_lines(lines: list[str], environment: str, number: bool, label: str | None) -> str:
    if number:
        last = len(lines) - 1
        lines = [
            line + (rf" \label{{{label}}}" if label else "") if i == last else line + r" \notag"
            for i, line in enumerate(lines)
        ]
    body = " \\\\\n".join(lines)
    return f"\\begin{{{environment}}}\n{body}\n\\end{{{environment}}}"


def _check_numbering(environment: str, number: bool, label: str | None) -> bool:
    if label is not None:
        if not isinstance(label, str) or not _LABEL.fullmatch(label):
            raise ArgumentError(
                bad_argument("label", label, 'use letters, digits and ":._-", e.g. "eq:grad"')
            )
        number = True
    if number and environment == "aligned":
        raise ArgumentError(
            bad_argument("number", number, 'an "aligned" block cannot be numbered; use "align*"')
        )
    return bool(number)


def _check_width(width: Any) -> float | None:
    if width is None:
        return None
    if isinstance(width, bool) or not isinstance(width, (int, float)) or width < 20:
        raise ArgumentError(
            bad_argument("width", width, "use a number of characters >= 20, or None")
        )
    return float(width)


# ---------------------------------------------------------------------------
# Derivations
# ---------------------------------------------------------------------------
def _derivation_rows(
    d: Derivation, settings: Mapping[str, Any], width: float | None = None
) -> list[_Row]:
    steps = list(d.steps)
    if not steps or steps[-1].expr != d.result:
        steps.append(Step(d.result, "", lhs=rf"\text{{{escape_text(d.kind)}}}"))
    rows: list[_Row] = []
    for step in steps:
        rhs = _latex_expr(step.expr, **settings)
        lhs = None if step.lhs is None else _latex_expr(step.lhs, **settings)
        if lhs is not None and width is not None and tex_width(lhs) > width - 4:
            lhs = _short_lhs(step.lhs, d.source, settings) or lhs
        row = _Row(lhs, rhs, step.why, step.expr)
        if lhs is None and not rows:
            row.rel = ""  # a chain that starts without a left side
        rows.append(row)
    return rows


def _short_lhs(lhs: Any, source: Any, settings: Mapping[str, Any]) -> str | None:
    """``d/dx f`` for a derivative of the whole source too wide to print."""
    if isinstance(lhs, sp.Derivative) and source is not None and lhs.expr == source:
        f = sp.Symbol("f")
        return _latex_expr(sp.Derivative(f, *lhs.variable_count), **settings)
    return None


def _derivation_settings(d: Derivation, settings: dict[str, Any]) -> dict[str, Any]:
    if "partial" not in settings and d.source is not None:
        # One notation for a whole derivation: partials when f has several variables.
        settings["partial"] = len(d.source.free_symbols) > 1
    return settings


def derivation_latex(
    d: Derivation,
    *,
    environment: str = "align*",
    display: bool = False,
    number: bool = False,
    label: str | None = None,
    width: float | None = DEFAULT_WIDTH,
    **settings: Any,
) -> str:
    """A Derivation as a LaTeX block, one step per line with its justification.

    Parameters
    ----------
    d : Derivation
    environment : {"align*", "aligned"}
        ``align*`` for documents; ``aligned`` to embed in ``$$ ... $$``.
    display : bool
        Wrap in ``$\\displaystyle ... $`` (what ``_repr_latex_`` uses).
    number : bool
        Number the block's last line (the result); the environment becomes
        ``align``.
    label : str, optional
        A ``\\label`` for that number (implies ``number=True``), e.g. ``"eq:grad"``.
    width : float or None
        Line width in characters (see :func:`tex_width`); longer sums are
        broken across lines. None never breaks.
    **settings
        Printer settings: ``bold=True``, ``partial=True``, or any of SymPy's
        (e.g. ``mul_symbol="dot"``).

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
    >>> print(derivation_latex(d, label="eq:square"))
    \\begin{align}
    \\frac{d}{d x} x^{2} &= 2 x && \\text{power rule} \\label{eq:square}
    \\end{align}

    A long sum is broken at its ``+`` and ``-`` signs:

    >>> long = sp.expand((x + 1)**9)
    >>> print(derivation_latex(Derivation(long, [Step(long, "", lhs="p")]), width=30))
    \\begin{align*}
    p &= x^{9} + 9 x^{8} + 36 x^{7} + 84 x^{6} \\\\
    &\\quad + 126 x^{5} + 126 x^{4} \\\\
    &\\quad + 84 x^{3} + 36 x^{2} + 9 x + 1
    \\end{align*}
    """
    if environment not in ("align*", "aligned"):
        raise ArgumentError(bad_argument("environment", environment, 'use "align*" or "aligned"'))
    number = _check_numbering(environment, number, label)
    settings = _derivation_settings(d, dict(settings))
    width = _check_width(width)
    rows = _derivation_rows(d, settings, width)
    if width is not None and number:
        width -= _NUMBER_WIDTH
    lines = _layout(rows, width, settings, wrap=environment != "aligned")
    env = "align" if number else environment
    block = _environment_lines(lines, env, number, label)
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
    printer = {k: v for k, v in settings.items() if k != "width"}
    if d.wrt:
        head += " with respect to " + ", ".join(f"${_latex_expr(s, **printer)}$" for s in d.wrt)
    if d.assumptions:
        head += " (assuming " + "; ".join(d.assumptions) + ")"
    block = derivation_latex(d, environment="aligned", **settings)
    return f"{head}\n\n$$\n{block}\n$$"


# ---------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------
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
    if isinstance(value, sp.Basic) and value.is_number and value.has(sp.Float):
        return _latex_expr(value.evalf(10))
    try:
        return _latex_expr(sp.sympify(value))
    except (sp.SympifyError, TypeError):
        return rf"\text{{{escape_text(str(value))}}}"


def _is_steps_verdict(obj: Any) -> bool:
    return hasattr(obj, "verdicts") and hasattr(obj, "first_bad")


def _steps_rows(sv: Any, settings: Mapping[str, Any]) -> list[_Row]:
    """A checked chain ``e0 = e1 \\neq e2 = ...``: ``\\neq`` marks a step that does not follow.

    The expressions are shown as written (unevaluated derivatives kept).
    """
    rows: list[_Row] = []
    verdicts = list(sv.verdicts)
    written = list(getattr(sv, "chain", ()) or ())
    if len(written) != len(verdicts) + 1 or any(e is None for e in written):
        written = []  # fall back on the sides as compared
    if written:
        first = written[0]
        rows.append(_Row(None, _latex_expr(first, **settings), "step 0", first))
        rows[-1].rel = ""
    elif verdicts and verdicts[0].expected is not None:
        first = verdicts[0].expected
        rows.append(_Row(None, _latex_expr(first, **settings), "step 0", first))
        rows[-1].rel = ""
    for k, v in enumerate(verdicts, start=1):
        if v.equivalent:
            rel, why = "=", f"step {k}: follows ({v.method})"
        elif v.method == "inconclusive":
            rel, why = r"\overset{?}{=}", f"step {k}: could not be checked"
        else:
            rel, why = r"\neq", f"step {k}: does not follow from step {k - 1}"
        if written:
            shown = written[k]
        else:
            shown = v.claimed if v.claimed is not None else sp.Symbol("?")
        row = _Row(None, _latex_expr(shown, **settings), why, shown)
        row.rel = rel
        rows.append(row)
    return rows


def _steps_latex(sv: Any, width: float | None, settings: Mapping[str, Any]) -> str:
    lines = _layout(_steps_rows(sv, settings), width, settings)
    return _environment_lines(lines, "align*", False, None)


def verdict_sentence(v: Any, math: str = "$") -> str:
    """The verdict as a LaTeX sentence with inline math (for paragraphs).

    ``v`` is a :class:`Verdict` or a ``StepsVerdict``; ``math`` is the inline
    math delimiter (``$`` for LaTeX and Markdown).

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> v = Verdict(False, "numeric", counterexample={x: 2.0},
    ...             claimed_value=2.0, expected_value=-2.0)
    >>> verdict_sentence(v)
    'Not equivalent (numeric): at $x = 2.0$ the claimed side is $2.0$ but the expected side ...'
    """
    if _is_steps_verdict(v):
        if v.first_bad is None:
            return escape_text(v.message[0].upper() + v.message[1:]) + "."
        i = v.first_bad
        bad = v.verdicts[i - 1]
        if bad.method == "inconclusive" or bad.counterexample is None:
            return escape_text(v.message[0].upper() + v.message[1:]) + "."
        return (
            f"Step {i} does not follow from step {i - 1}: "
            + _where(bad, math)
            + f"step {i} is {math}{_latex_number(bad.claimed_value)}{math} "
            f"but step {i - 1} is {math}{_latex_number(bad.expected_value)}{math}."
        )
    if v.equivalent or v.counterexample is None:
        text = v.message
        return escape_text(text[0].upper() + text[1:]) + "."
    return (
        f"Not equivalent ({escape_text(v.method)}): "
        + _where(v, math)
        + f"the claimed side is {math}{_latex_number(v.claimed_value)}{math} "
        f"but the expected side is {math}{_latex_number(v.expected_value)}{math}."
    )


def _where(v: Verdict, math: str) -> str:
    parts = [
        f"{math}{_latex_expr(k)} = {_latex_number(val)}{math}"
        for k, val in (v.counterexample or {}).items()
    ]
    text = "at " + ", ".join(parts) + " " if parts else ""
    if v.entry is not None:
        text += f"in entry {escape_text(str(tuple(v.entry)))} "
    return text


def _verdict_rows(v: Verdict, settings: Mapping[str, Any]) -> list[_Row]:
    rows = []
    for name, side in (("claimed", v.claimed), ("expected", v.expected)):
        if side is None or isinstance(side, str):
            continue
        try:
            rows.append(_Row(rf"\text{{{name}}}", _latex_expr(side, **settings), "", side))
        except (TypeError, ValueError, sp.SympifyError):
            continue
    return rows


# ---------------------------------------------------------------------------
# Any object as a display block
# ---------------------------------------------------------------------------
def _repr_latex_body(obj: Any) -> str | None:
    method = getattr(obj, "_repr_latex_", None)
    if method is None or isinstance(obj, (sp.Basic, Derivation, Verdict)):
        return None
    tex = method()
    if not isinstance(tex, str) or not tex.strip():
        return None
    tex = tex.strip()
    for delim in ("$$", "$"):
        if tex.startswith(delim) and tex.endswith(delim) and len(tex) > 2 * len(delim):
            return tex[len(delim) : -len(delim)].strip().removeprefix(r"\displaystyle").strip()
    return tex


def _param_tex(name: Any, index: int, settings: Mapping[str, Any]) -> str:
    """``\\hat{\\lambda}`` for the name ``"lambda"``; ``\\hat{\\theta}_{k}`` when unnamed."""
    if name is None:
        return rf"\hat{{\theta}}_{{{index}}}"
    text = str(name)
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", text):
        return rf"\hat{{{_latex_expr(sp.Symbol(text), **settings)}}}"
    return rf"\hat{{\text{{{escape_text(text)}}}}}"


def _level_of(conf_int: Any) -> str:
    """``"95% "`` when ``conf_int()`` defaults to a 95 % level (``level=0.95``, ``alpha=0.05``)."""
    try:
        params = list(inspect.signature(conf_int).parameters.values())
    except (TypeError, ValueError):
        return ""
    default = params[0].default if params else None
    if isinstance(default, float) and 0 < default < 1:
        level = default if default > 0.5 else 1 - default
        return f"{100 * level:g}% "
    return ""


def _fit_rows(obj: Any, settings: Mapping[str, Any]) -> list[_Row] | None:
    """A fit (``params`` and ``stderr``, optionally ``conf_int()``): one row per estimate."""
    params, stderr = getattr(obj, "params", None), getattr(obj, "stderr", None)
    if params is None or stderr is None or isinstance(obj, sp.Basic):
        return None
    if isinstance(params, Mapping):
        names: list[Any] = list(params)
        values = [params[k] for k in names]
        errors = [stderr[k] for k in names] if isinstance(stderr, Mapping) else list(stderr)
    else:
        values = list(getattr(params, "ravel", lambda: params)())
        errors = list(getattr(stderr, "ravel", lambda: stderr)())
        given = getattr(obj, "names", None)
        names = list(given) if given is not None else [None] * len(values)
    if len(errors) != len(values):
        return None
    intervals: list[Any] = [None] * len(values)
    level = ""
    conf_int = getattr(obj, "conf_int", None)
    if callable(conf_int):
        ci = conf_int()
        level = _level_of(conf_int)
        if isinstance(ci, Mapping):
            intervals = [ci.get(k) for k in names]
        else:
            intervals = [tuple(row) for row in ci]
    rows = []
    for k, (name, value, err, interval) in enumerate(
        zip(names, values, errors, intervals, strict=True)
    ):
        why = f"standard error {_fmt_number(err)}"
        if interval is not None and len(interval) == 2:
            why += f", {level}interval [{_fmt_number(interval[0])}, {_fmt_number(interval[1])}]"
        rows.append(_Row(_param_tex(name, k, settings), _short_number(value), why, None))
    return rows


def _short_number(value: Any, digits: int = 6) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return _latex_number(value)
    text = f"{number:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
    return text


def _fmt_number(value: Any) -> str:
    try:
        return f"{float(value):.4g}"
    except (TypeError, ValueError):
        return str(value)


def _object_rows(obj: Any, settings: Mapping[str, Any]) -> list[_Row] | None:
    """Rows for objects shown as a list of equalities (equations, mappings, fits)."""
    fit = _fit_rows(obj, settings)
    if fit is not None:
        return fit
    if isinstance(obj, Mapping) and obj:
        return [
            _Row(
                _latex_expr(k, **settings) if isinstance(k, (sp.Basic, str)) else str(k),
                _latex_number(v),
                "",
                v if isinstance(v, sp.Basic) else None,
            )
            for k, v in obj.items()
        ]
    if isinstance(obj, sp.Eq):
        return [
            _Row(_latex_expr(obj.lhs, **settings), _latex_expr(obj.rhs, **settings), "", obj.rhs)
        ]
    return None


def display_latex(
    obj: Any,
    *,
    number: bool = False,
    label: str | None = None,
    width: float | None = DEFAULT_WIDTH,
    environment: str = "document",
    **settings: Any,
) -> str:
    """Any symml result or SymPy object as a display block for a document.

    A Derivation gives its ``align*`` block (:func:`derivation_latex`); a
    StepsVerdict one line per step; a Verdict the two sides it compared; an
    equation or a mapping ``{name: value}`` aligned equalities; a fit (an
    object with ``params`` and ``stderr``, and maybe ``conf_int()``) one line
    per estimate; an object with ``_repr_latex_`` its own LaTeX; anything else the
    formula, in ``equation*`` -- or in ``align*`` when a long sum has to be
    broken. A Verdict that compared nothing gives ``""``.

    Parameters
    ----------
    obj : Derivation, Verdict, StepsVerdict, SymPy object, mapping, ...
    number, label, width, **settings
        As in :func:`derivation_latex`.
    environment : {"document", "markdown"}
        ``"document"`` gives ``equation*``/``align*`` environments;
        ``"markdown"`` the body of a ``$$`` block (``aligned`` when there are
        several lines), never numbered.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> print(display_latex(x**2 + 1))
    \\begin{equation*}
    x^{2} + 1
    \\end{equation*}
    >>> print(display_latex(sp.Eq(x, 2), label="eq:x"))
    \\begin{equation}
    x = 2 \\label{eq:x}
    \\end{equation}
    """
    if environment not in ("document", "markdown"):
        raise ArgumentError(
            bad_argument("environment", environment, 'use "document" or "markdown"')
        )
    markdown = environment == "markdown"
    number = _check_numbering("aligned" if markdown else "align*", number, label)
    width = _check_width(width)
    if width is not None and number and not isinstance(obj, Derivation):
        width -= _NUMBER_WIDTH
    if isinstance(obj, Derivation):
        if markdown:
            return derivation_latex(obj, environment="aligned", width=width, **settings)
        return derivation_latex(obj, number=number, label=label, width=width, **settings)
    if _is_steps_verdict(obj):
        rows = _steps_rows(obj, settings)
    elif isinstance(obj, Verdict):
        rows = _verdict_rows(obj, settings)
        if not rows:
            return ""
    else:
        if isinstance(obj, str):
            raise ArgumentError(
                bad_argument("obj", obj, "pass a SymPy object or a symml result, not text")
            )
        body = _repr_latex_body(obj)
        if body is not None:
            if _DISPLAY_ENV.match(body) and not markdown:
                return body
            rows = [_Row(None, body, "", None)]
        else:
            rows = _object_rows(obj, settings)
            if rows is None:
                value = _sympify(obj)
                rows = [_Row(None, _latex_expr(value, **settings), "", value)]
        for row in rows:
            if row.lhs is None:
                row.rel = ""  # a formula on its own, not a step in a chain
    lines = _layout(rows, width, settings, wrap=not markdown)
    if len(rows) == 1 and len(lines) == 1:
        row = rows[0]
        tex = row.rhs if row.lhs is None else f"{row.lhs} {row.rel} {row.rhs}"
        if markdown:
            return tex
        env = "equation" if number else "equation*"
        tag = rf" \label{{{label}}}" if label else ""
        return f"\\begin{{{env}}}\n{tex}{tag}\n\\end{{{env}}}"
    if markdown:
        return _environment_lines(lines, "aligned", False, None)
    return _environment_lines(lines, "align" if number else "align*", number, label)


def _sympify(obj: Any) -> sp.Basic:
    if isinstance(obj, str):
        raise ArgumentError(
            bad_argument("obj", obj, "pass a SymPy object or a symml result, not text")
        )
    try:
        return sp.sympify(obj)
    except (sp.SympifyError, TypeError, ValueError):
        raise ArgumentError(
            bad_argument("obj", obj, "pass a Derivation, Verdict or SymPy object")
        ) from None


def to_latex(obj: Any, **settings: Any) -> str:
    """LaTeX for any symml result or SymPy object.

    Derivations give an ``align*`` block (see :func:`derivation_latex`, whose
    options ``number``, ``label`` and ``width`` apply); Verdicts a sentence
    with the counterexample; StepsVerdicts an ``align*`` block, one line per
    step; anything else SymPy's LaTeX with symml's conventions (see
    :class:`SymmlLatexPrinter`; ``bold=True`` for bold vectors and matrices).

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x = sp.Symbol("x")
    >>> symml.to_latex(sp.Derivative(sp.sin(x**2), x))
    '\\\\frac{d}{d x} \\\\sin{\\\\left(x^{2} \\\\right)}'
    >>> X = sp.MatrixSymbol("X", 3, 2)
    >>> symml.to_latex(X.T * X)
    'X^{\\\\top} X'
    >>> i, n = sp.symbols("i n", integer=True)
    >>> symml.to_latex(sp.Sum(sp.IndexedBase("x")[i], (i, 1, n)))
    '\\\\sum_{i=1}^{n} {x}_{i}'
    """
    if isinstance(obj, Derivation):
        return derivation_latex(obj, **settings)
    width = _check_width(settings.pop("width", DEFAULT_WIDTH))
    if isinstance(obj, Verdict):
        return _verdict_latex(obj)
    if _is_steps_verdict(obj):
        return _steps_latex(obj, width, settings)
    return _latex_expr(_sympify(obj), **settings)


# ---------------------------------------------------------------------------
# Plain text
# ---------------------------------------------------------------------------
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
