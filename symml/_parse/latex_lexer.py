"""LaTeX maths as tokens: commands, letters, digits and symbols, with TeX programming refused.

==================  ==================================================================
name                what it is
==================  ==================================================================
``_Token``          one token: its kind, its text and where it stands in the LaTeX
``_tokenize``       LaTeX text → tokens; spacing and size commands dropped, comments
                    (``% ...``) removed, braces matched, TeX programming refused
``_LatexFailure``   a problem found at a position, turned into a ParseError by the caller
==================  ==================================================================

Nothing here runs TeX: commands are looked up in an allowlist (the reader's
vocabulary) and any command outside it is refused. Commands that program TeX
(``\\input``, ``\\def``, ``\\write18``, ``\\csname``, ``\\catcode``, ...) get their
own message, and so do ``#``, ``^^`` (TeX's character codes) and unbalanced braces.
"""

from __future__ import annotations

from dataclasses import dataclass

from .limits import MAX_DEPTH

MAX_LATEX_LENGTH = 20_000
"""Longest LaTeX text accepted (a chain of several steps), in characters."""
MAX_TOKENS = 8_000
"""Most tokens in one LaTeX text."""

#: Commands that only set spacing or sizes: dropped, like blanks.
_SPACING = frozenset(
    """, ; : ! quad qquad big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr
    limits nolimits displaystyle textstyle scriptstyle nonumber notag middle
    medspace thinspace thickspace negthinspace enspace allowbreak""".split()
) | {" "}
#: Commands whose braced argument is read raw (a name, an environment, words).
_RAW_ARGUMENT = frozenset(
    "begin end text textrm textit mbox mathrm operatorname label tag hspace vspace "
    "intertext mathit mathsf".split()
)
#: TeX programming: refused with a message saying so.
_PROGRAMMING = frozenset(
    """input include includeonly def edef gdef xdef let futurelet newcommand renewcommand
    providecommand DeclareMathOperator newenvironment renewenvironment write immediate
    openout openin closeout closein read readline csname endcsname catcode lccode uccode
    mathcode sfcode delcode expandafter noexpand string detokenize scantokens begingroup
    endgroup usepackage RequirePackage documentclass special shipout output everypar
    everymath everydisplay jobname makeatletter makeatother directlua luaexec latelua
    loop repeat iftrue iffalse ifx ifnum else fi relax afterassignment aftergroup
    global long outer protected count dimen skip toks countdef dimendef toksdef chardef
    mathchardef char lowercase uppercase newcount newtoks newwrite newread input@path
    verb url href pdfprimitive primitive unexpanded number romannumeral the showthe
    show message errmessage typeout batchmode nonstopmode scrollmode errorstopmode
    end@ ExplSyntaxOn ExplSyntaxOff tex_ pgfmathparse foreach
    """.split()
)
_REPLACEMENTS = {"·": ("cmd", "cdot"), "×": ("cmd", "times"), "−": ("char", "-")}
_CHARS = frozenset("+-*/^_{}()[]|&=,'!<>.:;")


class _LatexFailure(Exception):
    """A problem at ``start:stop`` of the LaTeX text, with what to do about it."""

    def __init__(self, problem: str, fix: str, start: int, stop: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix
        self.start = start
        self.stop = start + 1 if stop is None else stop


@dataclass(frozen=True)
class _Token:
    """One token. ``kind``: cmd, letter, digit, char, newline, begin, end, raw or eof.

    ``text`` is the command name without its backslash, the character, or the raw
    argument; ``space`` says whether blanks came before it (``2 3`` is not ``23``).
    """

    kind: str
    text: str
    start: int
    stop: int
    space: bool = False
    arg: str = ""

    def is_(self, kind: str, text: str | None = None) -> bool:
        return self.kind == kind and (text is None or self.text == text)


def _depth_change(tok: _Token) -> int:
    """+1 for a token that opens a bracket, brace, environment or ``\\left``; -1 for one
    that closes it; 0 otherwise."""
    if (tok.kind == "char" and tok.text in "{([") or tok.kind == "begin" or tok.is_("cmd", "left"):
        return 1
    if (tok.kind == "char" and tok.text in "})]") or tok.kind == "end" or tok.is_("cmd", "right"):
        return -1
    return 0


def _raw_argument(text: str, at: int, command_start: int) -> tuple[str, int]:
    """The braced argument at ``text[at]`` (blanks skipped), read raw: ``(content, end)``."""
    while at < len(text) and text[at] in " \t\n\r":
        at += 1
    if at < len(text) and text[at].isascii() and text[at].isalnum():
        return text[at], at + 1  # \mathrm d: one character, as TeX reads it
    if at >= len(text) or text[at] != "{":
        raise _LatexFailure(
            f"{text[command_start:at]!r} needs an argument in braces",
            "write e.g. \\begin{pmatrix} or \\text{words}",
            command_start,
            at,
        )
    depth, i = 0, at
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[at + 1 : i], i + 1
        i += 1
    raise _LatexFailure("the brace '{' is never closed", "add the matching '}'", at)


def _command(text: str, i: int) -> tuple[str, int]:
    """The command starting at the backslash ``text[i]``: ``(name, end)``."""
    j = i + 1
    if j >= len(text):
        raise _LatexFailure("a lone backslash ends the text", "remove it", i)
    if text[j].isascii() and text[j].isalpha():
        while j < len(text) and text[j].isascii() and (text[j].isalpha() or text[j] == "@"):
            j += 1
        return text[i + 1 : j], j
    return text[j], j + 1


def _refuse_programming(name: str, start: int, stop: int) -> None:
    if name in _PROGRAMMING or "@" in name or name.startswith("if"):
        raise _LatexFailure(
            f"'\\{name}' is TeX programming, not mathematics",
            "symml reads formulas only and never runs TeX; remove the command",
            start,
            stop,
        )


def _character(text: str, i: int, space: bool, opened: list[int]) -> _Token:
    """The token of the one character ``text[i]``; braces are matched in ``opened``."""
    ch = text[i]
    if ch == "#":
        raise _LatexFailure("'#' is a TeX macro parameter", "remove it", i)
    if ch == "^" and text.startswith("^^", i):
        raise _LatexFailure(
            "'^^' is TeX's character-code notation", "write x^{2}, not x^^..", i, i + 2
        )
    if ch == "$":
        raise _LatexFailure(
            "'$' switches TeX's maths mode", "pass the formula without '$' delimiters", i
        )
    if ch in _REPLACEMENTS:
        kind, name = _REPLACEMENTS[ch]
        return _Token(kind, name, i, i + 1, space)
    if ch.isascii() and ch.isalpha():
        return _Token("letter", ch, i, i + 1, space)
    if ch.isascii() and ch.isdigit():
        return _Token("digit", ch, i, i + 1, space)
    if ch not in _CHARS:
        raise _LatexFailure(
            f"the character {ch!r} (U+{ord(ch):04X}) is not read",
            "write it as a LaTeX command, e.g. \\alpha for α",
            i,
        )
    if ch == "{":
        opened.append(i)
        if len(opened) > MAX_DEPTH:
            raise _LatexFailure(
                f"the braces are nested more than {MAX_DEPTH} levels deep",
                "remove redundant braces or split the formula",
                i,
            )
    elif ch == "}":
        if not opened:
            raise _LatexFailure("the brace '}' closes nothing", "remove it or add '{'", i)
        opened.pop()
    return _Token("char", ch, i, i + 1, space)


def _tokenize(text: str) -> list[_Token]:
    """The tokens of ``text`` (see :class:`_Token`), ending with an ``eof`` token."""
    if len(text) > MAX_LATEX_LENGTH:
        raise _LatexFailure(
            f"the text has {len(text)} characters (limit {MAX_LATEX_LENGTH})",
            "split it into smaller formulas",
            MAX_LATEX_LENGTH,
        )
    tokens: list[_Token] = []
    opened: list[int] = []
    space = False
    i = 0
    while i < len(text):
        ch = text[i]
        if len(tokens) > MAX_TOKENS:
            raise _LatexFailure(
                f"the text has more than {MAX_TOKENS} tokens", "split it into smaller formulas", i
            )
        if ch in " \t\r\n~":
            space, i = True, i + 1
            continue
        if ch == "%":  # a TeX comment, to the end of the line
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if ch == "\\":
            name, end = _command(text, i)
            _refuse_programming(name, i, end)
            if name == "\\":
                tokens.append(_Token("newline", "\\\\", i, end, space))
            elif name in _SPACING:
                pass
            elif name in _RAW_ARGUMENT:
                arg, end = _raw_argument(text, end, i)
                kind = name if name in ("begin", "end") else "raw"
                tokens.append(_Token(kind, name if kind == "raw" else arg, i, end, space, arg))
            else:
                tokens.append(_Token("cmd", name, i, end, space))
            space, i = name in _SPACING, end
            continue
        tokens.append(_character(text, i, space, opened))
        space, i = False, i + 1
    if opened:
        raise _LatexFailure("the brace '{' is never closed", "add the matching '}'", opened[-1])
    tokens.append(_Token("eof", "", len(text), len(text), space))
    return tokens
