r"""Chains of equalities in LaTeX (``align*``, ``aligned``, ``$$``) and where documents hold them.

======================  ================================================================
name                    what it is
======================  ================================================================
``read_latex_chain``    one chain ``a &= b \\ &= c`` → :class:`LatexChain`: each
                        expression as SymPy, with its LaTeX and its line
``find_latex_chains``   the display-maths blocks of a ``.tex`` or Markdown text
                        (``align*``, ``aligned``, ``equation*``, ``$$``, ``\[ \]``)
:class:`LatexChain`     the expressions in order (lhs, then each right-hand side),
                        as :func:`symml.check_steps` checks them
======================  ================================================================

How a chain is read
-------------------
Rows are separated by ``\\`` and ``&`` only aligns; each row is split at its
top-level ``=`` signs. A row without ``=`` continues the expression above it (a
long right-hand side broken over lines). A row with its own left side (``y &= ...``
after the first row) starts a new chain of equalities, compared with that left
side. ``\text{...}``, ``\label``, ``\tag``, ``\quad`` and a final ``.`` or ``,``
are ignored. ``\\implies``, ``\\Rightarrow`` and ``\\iff`` start a new statement (a
row with its own left side); one without ``=`` (``\\implies p > 0``) is skipped.

A left side that is only a name, or a name with arguments (``L(\mu)``,
``\ell``, ``f(x, y)``), *defines* that name: it is not checked against its
right-hand side, and later expressions of the chain that use the name
(``\frac{dL}{d\mu}``, ``L'(\mu)``, ``L(\mu)``) use its definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy
from sympy.core.function import AppliedUndef

from .._core import ArgumentError, ParseError, bad_argument
from .latex import _Context
from .latex_lexer import _depth_change, _LatexFailure, _Token
from .latex_reader import _Reader

__all__ = ["LatexChain", "LatexStep", "find_latex_chains", "read_latex_chain"]

CHAIN_ENVIRONMENTS = (
    "align*",
    "align",
    "aligned",
    "equation*",
    "equation",
    "gather*",
    "gather",
    "gathered",
    "split",
    "multline*",
    "multline",
    "eqnarray*",
    "eqnarray",
    "flalign*",
    "flalign",
)
_IMPLICATIONS = frozenset(
    "implies Rightarrow Longrightarrow iff Leftrightarrow Longleftrightarrow therefore".split()
)
_IGNORED_RAW = frozenset(
    {"text", "textrm", "textit", "mbox", "label", "tag", "hspace", "vspace", "intertext"}
)


@dataclass(frozen=True)
class LatexStep:
    """One expression of a chain: its SymPy object, its LaTeX, its line.

    ``lhs`` is None when the expression continues the chain (``&= expr``); for a
    row with its own left side it is that side (the expression is compared with it).
    ``equation`` is True for a ``0`` ending its row: ``... = 0`` may set an
    expression to zero (an equation to solve) rather than claim an identity.
    """

    expr: Any
    source: str
    line: int
    lhs: Any = None
    equation: bool = False


@dataclass(frozen=True)
class LatexChain:
    """A LaTeX chain read: ``steps`` in order (lhs, then each right-hand side), and notes.

    ``definitions`` names what left sides such as ``L(\\mu)`` defined.
    """

    steps: tuple[LatexStep, ...]
    notes: tuple[str, ...] = ()
    definitions: tuple[str, ...] = ()

    @property
    def checkable(self) -> bool:
        """Whether a step is left to check once definitions (true by fiat) are set aside."""
        return len(self.steps) - 1 > len(self.definitions)


def _mask_delimiters(text: str) -> str:
    """``$$``, ``$``, ``\\[`` and ``\\]`` as blanks (positions kept)."""
    out = text.replace("$", " ")
    for opener in ("\\[", "\\]"):
        at = out.find(opener)
        while at >= 0:
            if at == 0 or out[at - 1] != "\\":
                out = out[:at] + "  " + out[at + 2 :]
            at = out.find(opener, at + 2)
    return out


def _rows(tokens: list[_Token]) -> list[list[_Token]]:
    """The rows of a chain: environments, alignment, words and spacing removed."""
    rows: list[list[_Token]] = [[]]
    depth, skip_spacing = 0, False
    for tok in tokens[:-1]:
        if tok.kind in ("begin", "end") and tok.text in CHAIN_ENVIRONMENTS:
            continue
        if tok.kind == "raw" and tok.text in _IGNORED_RAW:
            continue
        if skip_spacing:  # \\[4pt]
            if tok.is_("char", "]"):
                skip_spacing = False
            continue
        depth += _depth_change(tok)
        if depth == 0 and tok.kind == "newline":
            rows.append([])
            continue
        if depth == 0 and tok.kind == "cmd" and tok.text in _IMPLICATIONS:
            rows.append([tok])  # a new statement: marked by its arrow, never a continuation
            continue
        if depth == 0 and tok.is_("char", "&"):
            continue
        if depth == 0 and tok.is_("char", "[") and not rows[-1] and len(rows) > 1:
            depth -= 1
            skip_spacing = True
            continue
        rows[-1].append(tok)
    result = []
    for row in rows:
        while row and row[-1].kind == "char" and row[-1].text in ".,;":
            row.pop()
        if row:
            result.append(row)
    return result


def _pieces(row: list[_Token]) -> list[list[_Token]]:
    """A row split at its top-level ``=`` signs."""
    pieces: list[list[_Token]] = [[]]
    depth = 0
    for tok in row:
        depth += _depth_change(tok)
        if depth == 0 and tok.is_("char", "="):
            if pieces[-1] and pieces[-1][-1].is_("char", ":"):
                pieces[-1].pop()  # f(x) := ..., a definition
            pieces.append([])
        else:
            pieces[-1].append(tok)
    return pieces


def _definition_head(tokens: list[_Token]) -> tuple[str, list[str]] | None:
    """``(name, argument names)`` when the tokens are ``L``, ``L(\\mu)``, ``f(x, y)``, ``\\ell``."""
    stop = tokens[-1].stop
    reader = _Reader([*tokens, _Token("eof", "", stop, stop)], {}, [])
    try:
        name = reader.variable().id
        args: list[str] = []
        if reader.opens_call():
            left = reader.peek().is_("cmd", "left")
            if left:
                reader.advance()
            reader.advance()
            args.append(reader.variable().id)
            while reader.peek().is_("char", ","):
                reader.advance()
                args.append(reader.variable().id)
            if left:
                reader.expect("cmd", "right", "\\right")
            reader.expect("char", ")", "')'")
        if reader.peek().kind != "eof":
            return None
    except _LatexFailure:
        return None
    return name, args


class _ChainReader:
    """Reads the pieces of one chain, remembering the names it defines."""

    def __init__(self, context: _Context, first_line: int) -> None:
        self.context = context
        self.first_line = first_line
        self.definitions: dict[str, tuple[Any, list[Any], Any]] = {}
        self.defined: list[str] = []

    def where(self, tokens: list[_Token]) -> tuple[str, int]:
        text = self.context.text
        source = " ".join(text[tokens[0].start : tokens[-1].stop].split())
        return source, self.first_line + text.count("\n", 0, tokens[0].start)

    def read(self, tokens: list[_Token], what: str) -> Any:
        value = self.context.read(tokens, what)
        for function, args, body in self.definitions.values():
            if isinstance(function, sympy.FunctionClass):
                value = value.replace(
                    lambda e, f=function: isinstance(e, AppliedUndef) and e.func == f,
                    lambda e, a=args, b=body: b.xreplace(dict(zip(a, e.args, strict=False))),
                )
        plain = {
            sym: body for sym, _, body in self.definitions.values() if isinstance(sym, sympy.Symbol)
        }
        return value.xreplace(plain) if plain else value

    def define(self, head: tuple[str, list[str]], body: Any, source: str) -> None:
        name, args = head
        context = self.context
        symbol = context.symbols.get(name)
        if not isinstance(symbol, sympy.Symbol):
            symbol = sympy.Symbol(name, real=True) if context.real else sympy.Symbol(name)
        arg_symbols = [
            context.symbols.get(a) or sympy.Symbol(a, real=context.real or None) for a in args
        ]
        self.defined.append(name)
        self.definitions[name + "#symbol"] = (symbol, [], body)
        if args:
            function = sympy.Function(name, real=True) if context.real else sympy.Function(name)
            context.targets[name] = name + "⟨defined⟩"
            context.symbols[name + "⟨defined⟩"] = function
            self.definitions[name] = (function, arg_symbols, body)
        context.notes.append(f"{source} defines {name} as its right-hand side (not checked)")


def read_latex_chain(
    text: str,
    *,
    symbols: Mapping[str, Any] | Iterable[Any] | None = None,
    functions: Mapping[str, Any] | Iterable[str] | None = None,
    real: bool = True,
    first_line: int = 1,
    name: str = "chain",
) -> LatexChain:
    r"""Read a LaTeX chain ``a &= b \\ &= c`` into its expressions (see the module docstring).

    ``symbols``, ``functions`` and ``real`` are as in :func:`symml.parse_latex`;
    ``first_line`` is the line number of the text's first line (in a file).

    Examples
    --------
    >>> from symml._parse import read_latex_chain
    >>> chain = read_latex_chain(r"(x+1)^2 &= x^2 + 2x + 1 \\ &= x(x + 2) + 1")
    >>> [s.expr for s in chain.steps]
    [(x + 1)**2, x**2 + 2*x + 1, x*(x + 2) + 1]
    >>> chain.steps[2].line, chain.steps[2].source
    (1, 'x(x + 2) + 1')
    """
    if not isinstance(text, str):
        raise ParseError(bad_argument(name, text, "pass the chain as LaTeX text"))
    context = _Context(_mask_delimiters(text), symbols, functions, real, name)
    reader = _ChainReader(context, first_line)
    steps: list[LatexStep] = []
    rows = _rows(context.tokens)
    grouped: list[list[list[_Token]]] = []
    for row in rows:
        arrow = row[0].kind == "cmd" and row[0].text in _IMPLICATIONS
        pieces = _pieces(row[1:] if arrow else row)
        if len(pieces) == 1 and arrow:
            continue  # "=> p > 0" and the like: not an equality
        if len(pieces) == 1 and grouped:  # no '=': continues the expression above
            grouped[-1][-1].extend(pieces[0])
        else:
            grouped.append(pieces)
    for number, pieces in enumerate(grouped):
        lhs_tokens, rights = pieces[0], pieces[1:]
        if number > 0 and not lhs_tokens and not rights:
            continue
        if not lhs_tokens and number == 0:
            raise ParseError(
                f"{name}={text.strip()[:80]!r} is not valid: the chain starts with '='; "
                "write its left side first, e.g. f &= ..."
            )
        exprs = []
        for piece in rights:
            if not piece:
                raise ParseError(
                    f"{name}={text.strip()[:80]!r} is not valid: a side of '=' is empty; "
                    "write a formula on each side"
                )
            source, line = reader.where(piece)
            exprs.append((reader.read(piece, "a side of '='"), source, line))
        head = _definition_head(lhs_tokens) if lhs_tokens and rights else None
        lhs_value = None
        if lhs_tokens:
            lhs_source, lhs_line = reader.where(lhs_tokens)
            if head is not None:
                lhs_value = exprs[0][0]
                reader.define(head, lhs_value, lhs_source)
            else:
                lhs_value = reader.read(lhs_tokens, "the left-hand side")
            if number == 0:
                steps.append(LatexStep(lhs_value, lhs_source, lhs_line))
        for k, (value, source, line) in enumerate(exprs):
            new_lhs = lhs_value if (k == 0 and number > 0 and lhs_tokens) else None
            zero = source == "0" and k == len(exprs) - 1 and bool(steps)
            steps.append(LatexStep(value, source, line, new_lhs, zero))
    if len(steps) < 2:
        raise ArgumentError(
            bad_argument(name, text, r"write a chain of at least two expressions: a &= b \\ &= c")
        )
    return LatexChain(tuple(steps), tuple(context.notes), tuple(reader.defined))


_ENV_PAIRS = [(f"\\begin{{{env}}}", f"\\end{{{env}}}") for env in CHAIN_ENVIRONMENTS]
_DELIMITERS = [("$$", "$$"), ("\\[", "\\]"), *_ENV_PAIRS]


def find_latex_chains(document: str) -> list[tuple[int, str]]:
    r"""The display-maths blocks of a document: ``(line of the block's start, block)``.

    Blocks are ``$$...$$``, ``\[...\]`` and the environments ``align*``,
    ``aligned``, ``equation*``, ``gather*``, ... (starred or not); a block inside
    another is part of it. An opened block that is never closed is a ParseError.

    Examples
    --------
    >>> from symml._parse import find_latex_chains
    >>> find_latex_chains("Text\n$$x = 1$$\n\\begin{align*} a &= b \\end{align*}")
    [(2, '$$x = 1$$'), (3, '\\begin{align*} a &= b \\end{align*}')]
    """
    blocks: list[tuple[int, str]] = []
    nearest: dict[str, int] = {}
    pos = 0
    while True:
        best: tuple[int, str, str] | None = None
        for opener, closer in _DELIMITERS:
            at = nearest.get(opener, -2)
            if at != -1 and at < pos:
                at = document.find(opener, pos)
                while at > 0 and opener == "\\[" and document[at - 1] == "\\":
                    at = document.find(opener, at + 2)
                nearest[opener] = at
            if at >= 0 and (best is None or at < best[0]):
                best = (at, opener, closer)
        if best is None:
            return blocks
        at, opener, closer = best
        end = document.find(closer, at + len(opener))
        if end < 0:
            line = document.count("\n", 0, at) + 1
            raise ParseError(f"line {line}: {opener!r} is never closed by {closer!r}")
        end += len(closer)
        blocks.append((document.count("\n", 0, at) + 1, document[at:end]))
        pos = end
