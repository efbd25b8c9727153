"""How wide a LaTeX formula is, in characters of body text (:func:`tex_width`).

A small recursive-descent reader of LaTeX math adds up glyph widths: a
fraction counts its wider part, scripts count at 70 %, a matrix its widest
entry per column, ``\\text{...}`` its characters, binary operators their glyph
and the space around it. Within about 10 % of TeX's widths: good enough to
decide where a displayed line must break (:mod:`.layout`).
"""

from __future__ import annotations

import re

__all__ = ["tex_width"]

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
        for row in _split_cells(body, r"\\"):
            for j, cell in enumerate(_split_cells(row, "&")):
                w = _Measure(cell, level=1).sequence()
                if j < len(cols):
                    cols[j] = max(cols[j], w)
                else:
                    cols.append(w)
        return sum(cols) + 1.8 * max(len(cols) - 1, 0) + 0.6


def _split_cells(text: str, sep: str) -> list[str]:
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
    >>> tex_width("x"), tex_width("x + y"), tex_width("x^{2}")
    (1.0, 4.2, 1.7)
    >>> tex_width("x_{i}^{2}")  # a sub- and a superscript stack
    1.7
    >>> tex_width(r"\\frac{a + b}{2}"), tex_width(r"\\text{chain rule}")
    (4.6, 9.0)
    >>> tex_width(r"\\left(x\\right)"), tex_width(r"\\sin{\\left(x \\right)}")
    (2.4, 5.4)
    >>> tex_width(r"\\left[\\begin{matrix}1 & x\\\\y & 2\\end{matrix}\\right]")
    5.8
    """
    return round(_Measure(tex).sequence(), 6)
