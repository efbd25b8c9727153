"""Display blocks: a Derivation, a verdict, a fit or any formula as LaTeX or Markdown.

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
=======================  ============================================================

Formulas come from :mod:`.printer`, lines are fitted to the page by :mod:`.layout`.

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

import inspect
import re
from collections.abc import Mapping
from typing import Any

import sympy as sp

from .._core import ArgumentError, Derivation, Step, Verdict, bad_argument
from .layout import (
    DEFAULT_WIDTH,
    NUMBER_WIDTH,
    Row,
    check_numbering,
    check_width,
    environment_lines,
    layout,
)
from .measure import tex_width
from .printer import escape_text, latex_expr, latex_number
from .verdicts import is_steps_verdict, steps_latex, steps_rows, verdict_latex, verdict_rows

__all__ = ["derivation_latex", "derivation_markdown", "display_latex", "to_latex"]

_DISPLAY_ENV = re.compile(r"\\begin\{(equation|align|gather|multline|flalign)\*?\}")


def _derivation_rows(
    d: Derivation, settings: Mapping[str, Any], width: float | None = None
) -> list[Row]:
    steps = list(d.steps)
    if not steps or steps[-1].expr != d.result:
        steps.append(Step(d.result, "", lhs=rf"\text{{{escape_text(d.kind)}}}"))
    rows: list[Row] = []
    for step in steps:
        rhs = latex_expr(step.expr, **settings)
        lhs = None if step.lhs is None else latex_expr(step.lhs, **settings)
        if lhs is not None and width is not None and tex_width(lhs) > width - 4:
            lhs = _short_lhs(step.lhs, d.source, settings) or lhs
        # a chain that starts without a left side has no relation sign
        rows.append(Row(lhs, rhs, step.why, step.expr, "" if lhs is None and not rows else "="))
    return rows


def _short_lhs(lhs: Any, source: Any, settings: Mapping[str, Any]) -> str | None:
    """``d/dx f`` for a derivative of the whole source too wide to print."""
    if isinstance(lhs, sp.Derivative) and source is not None and lhs.expr == source:
        f = sp.Symbol("f")
        return latex_expr(sp.Derivative(f, *lhs.variable_count), **settings)
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
        Line width in characters (see :func:`~.measure.tex_width`); longer sums are
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
    number = check_numbering(environment, number, label)
    settings = _derivation_settings(d, dict(settings))
    width = check_width(width)
    rows = _derivation_rows(d, settings, width)
    if width is not None and number:
        width -= NUMBER_WIDTH
    lines = layout(rows, width, settings, wrap=environment != "aligned")
    env = "align" if number else environment
    block = environment_lines(lines, env, number, label)
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
        head += " with respect to " + ", ".join(f"${latex_expr(s, **printer)}$" for s in d.wrt)
    if d.assumptions:
        head += " (assuming " + "; ".join(d.assumptions) + ")"
    block = derivation_latex(d, environment="aligned", **settings)
    return f"{head}\n\n$$\n{block}\n$$"


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
        return rf"\hat{{{latex_expr(sp.Symbol(text), **settings)}}}"
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


def _fit_rows(obj: Any, settings: Mapping[str, Any]) -> list[Row] | None:
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
        rows.append(Row(_param_tex(name, k, settings), _short_number(value), why, None))
    return rows


def _short_number(value: Any, digits: int = 6) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return latex_number(value)
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


def _object_rows(obj: Any, settings: Mapping[str, Any]) -> list[Row] | None:
    """Rows for objects shown as a list of equalities (equations, mappings, fits)."""
    fit = _fit_rows(obj, settings)
    if fit is not None:
        return fit
    if isinstance(obj, Mapping) and obj:
        return [
            Row(
                latex_expr(k, **settings) if isinstance(k, (sp.Basic, str)) else str(k),
                latex_number(v),
                "",
                v if isinstance(v, sp.Basic) else None,
            )
            for k, v in obj.items()
        ]
    if isinstance(obj, sp.Eq):
        return [Row(latex_expr(obj.lhs, **settings), latex_expr(obj.rhs, **settings), "", obj.rhs)]
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
    number = check_numbering("aligned" if markdown else "align*", number, label)
    width = check_width(width)
    if width is not None and number and not isinstance(obj, Derivation):
        width -= NUMBER_WIDTH
    if isinstance(obj, Derivation):
        if markdown:
            return derivation_latex(obj, environment="aligned", width=width, **settings)
        return derivation_latex(obj, number=number, label=label, width=width, **settings)
    if is_steps_verdict(obj):
        rows = steps_rows(obj, settings)
    elif isinstance(obj, Verdict):
        rows = verdict_rows(obj, settings)
        if not rows:
            return ""
    else:
        body = _repr_latex_body(_not_text(obj))
        if body is not None and _DISPLAY_ENV.match(body) and not markdown:
            return body  # the object's own display environment
        rows = _formula_rows(obj, body, settings)
    lines = layout(rows, width, settings, wrap=not markdown)
    if len(rows) == 1 and len(lines) == 1:
        row = rows[0]
        tex = row.rhs if row.lhs is None else f"{row.lhs} {row.rel} {row.rhs}"
        if markdown:
            return tex
        env = "equation" if number else "equation*"
        tag = rf" \label{{{label}}}" if label else ""
        return f"\\begin{{{env}}}\n{tex}{tag}\n\\end{{{env}}}"
    if markdown:
        return environment_lines(lines, "aligned")
    return environment_lines(lines, "align" if number else "align*", number, label)


def _formula_rows(obj: Any, body: str | None, settings: Mapping[str, Any]) -> list[Row]:
    """Rows for anything but a Derivation or a verdict; a formula on its own has no ``=``."""
    if body is not None:  # the object's own LaTeX
        return [Row(None, body, "", None, rel="")]
    rows = _object_rows(obj, settings)
    if rows is not None:
        return rows
    value = _sympify(obj)
    return [Row(None, latex_expr(value, **settings), "", value, rel="")]


def _not_text(obj: Any) -> Any:
    if isinstance(obj, str):
        raise ArgumentError(
            bad_argument("obj", obj, "pass a SymPy object or a symml result, not text")
        )
    return obj


def _sympify(obj: Any) -> sp.Basic:
    _not_text(obj)
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
    :class:`~.printer.SymmlLatexPrinter`; ``bold=True`` for bold vectors and matrices).

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
    width = check_width(settings.pop("width", DEFAULT_WIDTH))
    if isinstance(obj, Verdict):
        return verdict_latex(obj)
    if is_steps_verdict(obj):
        return steps_latex(obj, width, settings)
    return latex_expr(_sympify(obj), **settings)
