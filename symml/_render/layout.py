"""Display lines: rows of equalities fitted into the width of a page.

A display is a list of :class:`Row` (``lhs  rel  rhs  && why``); :func:`layout`
turns it into ``align`` lines, and :func:`environment_lines` wraps them in an
environment, numbered and labelled if asked.

How long lines are broken
-------------------------
A displayed line that runs past the right margin is lost on paper. Widths are
estimated by :func:`~.measure.tex_width` and fitted into ``width`` characters
(:data:`DEFAULT_WIDTH` fits the Notes page), in order:

1. a left side wider than a fourth of the line gets a line of its own, and a
   derivative of a whole long ``f`` is written ``d/dx f`` (by the caller);
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
>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> long = sp.expand((x + 1)**9)
>>> rows = [Row("p", latex_expr(long), expr=long)]
>>> print(environment_lines(layout(rows, 30.0, {}), "align*"))
\\begin{align*}
p &= x^{9} + 9 x^{8} + 36 x^{7} + 84 x^{6} \\\\
&\\quad + 126 x^{5} + 126 x^{4} \\\\
&\\quad + 84 x^{3} + 36 x^{2} + 9 x + 1
\\end{align*}
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

import sympy as sp
from sympy.printing.precedence import PRECEDENCE

from .._core import ArgumentError, bad_argument
from .measure import tex_width
from .printer import SymmlLatexPrinter, escape_text, latex_expr

__all__ = [
    "DEFAULT_WIDTH",
    "NUMBER_WIDTH",
    "Row",
    "check_numbering",
    "check_width",
    "environment_lines",
    "layout",
]

#: Characters (of :func:`~.measure.tex_width`) per line of the Notes document: 11pt
#: on A4 with 2 cm margins holds about 80; the rest is a margin for the estimate's error.
DEFAULT_WIDTH = 75

_LABEL = re.compile(r"[A-Za-z0-9:._\-]+")
_REL_WIDTH = 2.2  # "=" and the space around it
_GAP = 2.5  # between the formulas and the justifications
NUMBER_WIDTH = 5.0  # an equation number at the right margin
_MIN_WHY = 23.0  # justifications are wrapped, but not narrower than this


class Row:
    """One equality of a display: ``lhs  rel  rhs`` with an optional justification.

    ``rel`` is ``"="`` for a step of a chain, ``""`` for a formula on its own
    (or the start of a chain), ``\\neq`` for a step that does not follow.
    ``expr`` is the SymPy object printed as ``rhs``, where a long line may break.
    """

    __slots__ = ("expr", "lhs", "rel", "rhs", "why")

    def __init__(
        self, lhs: str | None, rhs: str, why: str = "", expr: Any = None, rel: str = "="
    ) -> None:
        self.lhs, self.rhs, self.why, self.expr, self.rel = lhs, rhs, why, expr, rel


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
    printer = SymmlLatexPrinter(settings)
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


def _lap(tex: str) -> str:
    """``tex`` in a box of no width: it does not widen its column of the alignment."""
    return rf"\rlap{{$\displaystyle {tex}$}}"


def layout(
    rows: list[Row], width: float | None, settings: Mapping[str, Any], wrap: bool = True
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
            row = Row(None, row.rhs, row.why, row.expr, row.rel)
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


def _expand_wide_matrices(rows: list[Row], width: float, settings: Mapping[str, Any]) -> list[Row]:
    """Replace a matrix too wide for the line by a matrix of names, then one row per entry.

    Short entries stay in the matrix; equal entries (a symmetric Hessian)
    share a name, so each formula is written once.
    """
    out: list[Row] = []
    for row in rows:
        m = row.expr
        lhs_w = tex_width(row.lhs) if row.lhs and tex_width(row.lhs) <= width / 4 else 0.0
        room = width - lhs_w - _REL_WIDTH - (_GAP + _MIN_WHY if row.why else 0.0)
        if not isinstance(m, sp.MatrixBase) or tex_width(row.rhs) <= room:
            out.append(row)
            continue
        names: dict[sp.Basic, str] = {}
        entries: list[Row] = []
        cells = []
        for i in range(m.rows):
            line = []
            for j in range(m.cols):
                value = m[i, j]
                tex = latex_expr(value, **settings)
                if tex_width(tex) <= 6:
                    line.append(tex)
                    continue
                if value not in names:
                    index = (i,) if m.cols == 1 else (i, j)
                    names[value] = _entry_name(row.lhs, index)
                    entries.append(Row(names[value], tex, "", value))
                line.append(names[value])
            cells.append(" & ".join(line))
        body = r"\\".join(cells)
        matrix = rf"\left[\begin{{matrix}}{body}\end{{matrix}}\right]"
        out.append(Row(row.lhs, matrix, row.why, None, row.rel))
        out.extend(entries)
    return out


def _line(row: Row, rhs: str, why: str) -> str:
    tail = f" && {why}" if why else ""
    return _first_line(row, rhs) + tail


def _first_line(row: Row, rhs: str) -> str:
    if row.lhs is not None:
        return f"{row.lhs} &{row.rel} {rhs}"
    return f"&{row.rel} {rhs}" if row.rel else f"& {rhs}"


def environment_lines(
    lines: list[str], environment: str, number: bool = False, label: str | None = None
) -> str:
    """``lines`` in ``\\begin{environment}``; when numbered, the last line carries the number."""
    if number:
        last = len(lines) - 1
        lines = [
            line + (rf" \label{{{label}}}" if label else "") if i == last else line + r" \notag"
            for i, line in enumerate(lines)
        ]
    body = " \\\\\n".join(lines)
    return f"\\begin{{{environment}}}\n{body}\n\\end{{{environment}}}"


def check_numbering(environment: str, number: bool, label: str | None) -> bool:
    """Whether to number a block: a valid ``label`` implies it; ``aligned`` cannot be."""
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


def check_width(width: Any) -> float | None:
    """``width`` as a float (at least 20 characters), or None: never break lines."""
    if width is None:
        return None
    if isinstance(width, bool) or not isinstance(width, (int, float)) or width < 20:
        raise ArgumentError(
            bad_argument("width", width, "use a number of characters >= 20, or None")
        )
    return float(width)
