"""The user's text before it is a syntax tree: positions, pre-checks and syntax-error messages.

========================  ============================================================
name                      what it does
========================  ============================================================
``_Source``               the text, the code handed to ``ast`` and a map between them
``_top_level_equals``     where ``a = b`` has its ``=``
``_check_characters``     refuses control and formatting characters
``_syntax_failure``       a one-line ParseError for text ``ast`` cannot read, with a hint
``_quote``, ``_message``  how an error quotes the text and says what to do
========================  ============================================================
"""

from __future__ import annotations

import ast
import keyword
import re
import unicodedata
from collections.abc import Callable
from typing import NoReturn

from .limits import MAX_BITS, MAX_DEPTH
from .vocabulary import FUNCTIONS

_LAMBDA = re.compile(r"(?<![\w.])lambda(?!\w)")
_LAMBDA_STANDIN = "_lmbda"  # same length as "lambda", so text positions do not move


def _quote(text: str, limit: int = 60) -> str:
    """``repr`` of ``text`` shortened to about ``limit`` characters (one line)."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text)


def _first_line(exc: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message, at most about ``limit`` characters."""
    try:
        lines = str(exc).strip().splitlines()
    except ValueError:  # a message with an integer too long to print
        lines = []
    line = lines[0] if lines else type(exc).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _message(name: str, text: str, problem: str, fix: str, verb: str = "valid") -> str:
    return f"{name}={_quote(text, 80)} is not {verb}: {problem}; {fix}"


class _Source:
    """The user's text, the code handed to ``ast`` and a map between their positions.

    The code is the text with surrounding blanks removed, each ``^`` written as
    ``**``, ``\\r`` as a blank and the name ``lambda`` as a same-length stand-in.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        begin = len(text) - len(text.lstrip())
        end = len(text.rstrip())
        chars: list[str] = []
        index: list[int] = []
        for i in range(begin, end):
            ch = text[i]
            if ch == "^":
                chars += "**"
                index += [i, i]
            else:
                chars.append(" " if ch == "\r" else ch)
                index.append(i)
        index.append(end)
        self.code = _LAMBDA.sub(_LAMBDA_STANDIN, "".join(chars))
        self.index = index
        self.lines = self.code.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def offset(self, lineno: int, col_bytes: int) -> int:
        """Position in ``code`` of an ``ast`` (line, UTF-8 byte column) pair."""
        lineno = min(max(lineno, 1), len(self.lines))
        line = self.lines[lineno - 1]
        col = len(line.encode("utf-8")[:col_bytes].decode("utf-8", "ignore"))
        return self.starts[lineno - 1] + col

    def original(self, start: int, stop: int) -> str:
        """The user's text behind ``code[start:stop]``."""
        start, stop = max(start, 0), min(stop, len(self.code))
        if stop <= start:
            return ""
        return self.text[self.index[start] : self.index[stop - 1] + 1]

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        stop = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, stop

    def fragment(self, node: ast.AST) -> str:
        if getattr(node, "end_col_offset", None) is None:
            return ""
        return self.original(*self.span(node))


def _implicit_product(text: str, name: str) -> str:
    """``"p(1 - p)"`` → ``"p*(1 - p)"``: the call written as a product."""
    head, _, rest = text.partition("(")
    return f"{head.strip() or name}*({rest}"


_IMPLICIT = [
    re.compile(r"(?<![\w.])(\d+(?:\.\d*)?)[ \t]*([A-Za-z]\w*|\()"),  # 2x, 2 x, 2.5 y
    re.compile(r"(\))[ \t]*([A-Za-z\d]\w*|\()"),  # )x, )2
    re.compile(r"(?<![\w.])([A-Za-z]\w*)[ \t]+([A-Za-z]\w*|\d[\w.]*|\()"),  # x y, sin x
]


def _syntax_hint(code: str) -> tuple[int, int, str] | None:
    """(start, stop, suggestion) for a likely missing ``*`` or missing brackets."""
    for pattern in _IMPLICIT:
        for match in pattern.finditer(code):
            first, second = match.group(1), match.group(2)
            if keyword.iskeyword(first) or keyword.iskeyword(second):
                continue
            if first in FUNCTIONS and second != "(":
                return match.start(), match.end(), f"{first}({second})"
            return match.start(), match.end(), f"{first}*{second}"
    return None


def _top_level_equals(code: str) -> list[int]:
    """Positions of ``=`` signs outside brackets that are not part of ``==``, ``<=``, ..."""
    found, depth = [], 0
    for i, ch in enumerate(code):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "=" and depth == 0:
            before = code[i - 1] if i else " "
            after = code[i + 1] if i + 1 < len(code) else " "
            if before not in "=<>!:" and after != "=":
                found.append(i)
    return found


def _check_characters(text: str, fail: Callable[[str, str], NoReturn]) -> None:
    for position, ch in enumerate(text):
        if ch in "\t\n\r":
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            fail(
                f"it contains the invisible or invalid character U+{ord(ch):04X} "
                f"at position {position}",
                "retype the text without control or formatting characters",
            )


def _syntax_failure(source: _Source, exc: BaseException, fail: Callable[..., NoReturn]) -> NoReturn:
    code = source.code
    if isinstance(exc, (RecursionError, MemoryError)):
        fail(f"the text is nested more than {MAX_DEPTH} levels deep", "remove redundant brackets")
    message = getattr(exc, "msg", None) or str(exc)
    if "too many nested" in message:
        fail(f"the text is nested more than {MAX_DEPTH} levels deep", "remove redundant brackets")
    if "Exceeds the limit" in message or "integer string conversion" in message:
        fail(
            f"a number in it is too large (limit {MAX_BITS} bits, about 3000 digits)",
            "use smaller numbers, or keep the formula symbolic",
        )
    words = set(re.findall(r"[A-Za-z_]\w*", code))
    if re.search(r"(?<![\w.])lambda(?!\w)[\w\s,*=]*:", source.text):
        fail("it uses a lambda function", "write the formula itself, e.g. x**2 + 1", "allowed")
    python_words = sorted(
        w for w in words if keyword.iskeyword(w) and w not in ("True", "False", "None")
    )
    if python_words:
        fail(
            f"it uses the Python keyword {python_words[0]!r}",
            "symml reads one formula, e.g. sin(x)**2 + 1",
            "allowed",
        )
    if ";" in code:
        fail("';' separates statements", "write a single formula", "allowed")
    hint = _syntax_hint(code)
    if hint is not None:
        start, stop, suggestion = hint
        fail(
            f"{_quote(source.original(start, stop), 30)} is missing an operator",
            f"did you mean {_quote(suggestion, 30)}? write products with '*', e.g. 2*x",
        )
    where = ""
    lineno, offset = getattr(exc, "lineno", None), getattr(exc, "offset", None)
    if isinstance(lineno, int) and isinstance(offset, int) and lineno >= 1:
        lineno = min(lineno, len(source.lines))
        at = source.starts[lineno - 1] + max(offset - 1, 0)
        near = source.original(at, at + 12) if at < len(code) else ""
        where = f" near {_quote(near, 20)}" if near.strip() else " at the end"
    newline = "; line breaks are only allowed inside brackets" if "\n" in code else ""
    fail(
        f"it is not a formula (syntax error{where}: {message})",
        "check brackets and operators: powers x**2 or x^2, products 2*x" + newline,
    )
