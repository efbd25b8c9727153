"""The recursive-descent reader of LaTeX maths: tokens to the syntax tree ``parse_expr`` builds.

The reader writes the same ``ast`` nodes that Python's parser gives ``parse_expr``
(``BinOp``, ``Call('Derivative', ...)``, ``List`` for matrices, ...), positioned at
the LaTeX characters they come from, so one builder (:mod:`symml._parse.builder`)
with one set of limits turns both into SymPy. Three calls that Python text cannot
write are named with a leading ``⟨``: transposes, indexed entries ``x_i`` inside a
sum over ``i``, and traces/determinants (:data:`INTERNAL`).

How LaTeX is read (the documented resolutions of its ambiguities)
-----------------------------------------------------------------
* ``2x``, ``x y``, ``xy`` and ``x(1 + x)`` are products (``xy`` is ``x*y``); a name
  followed by ``(...)`` is a call only when it is a declared function (a note
  says "read x(...) as multiplication" otherwise).
* ``e`` and ``\\mathrm{e}`` are Euler's number, ``\\exp`` too; ``\\log``/``\\ln``
  are natural; ``\\log_b`` has base ``b``.
* A function without brackets takes the product of simple factors after it:
  ``\\sin 2x = \\sin(2x)``, ``\\sin x \\cos x = \\sin(x)\\cos(x)``;
  ``\\sin^2 x = (\\sin x)^2`` and ``\\sin^{-1} x = \\arcsin x`` (with a note).
* ``\\frac{d}{dx}``, ``\\frac{\\partial^2}{\\partial x \\partial y}``, ``\\sum``
  and ``\\prod`` apply to the rest of the product after them (up to ``+``/``-``),
  as SymPy prints them; ``\\int ... dx`` runs to its differential.
* ``x_i``, ``x_{ij}`` are the symbols ``x_i``, ``x_ij``; inside ``\\sum_{i=...}``
  a name subscripted by the index is an indexed entry ``x[i]``. The index of a
  sum or product is an integer symbol and a one-letter upper limit (``n``) a
  positive integer, wherever the text uses those names.
* ``\\hat{\\mu}``, ``\\bar{x}`` are the symbols ``muhat``, ``xbar`` (SymPy prints
  those names that way); ``\\mathbf{x}``, ``\\boldsymbol{\\beta}`` are ``x``, ``beta``.
* ``X^T``, ``X^\\top`` transpose a matrix; on a scalar ``x^\\top`` is ``x`` and
  ``x^T`` a power of ``T`` (with a note).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from .latex_lexer import _LatexFailure, _Token
from .latex_operators import _Operators
from .limits import MAX_DEPTH

TRANSPOSE, INDEXED, TRACE, DETERMINANT = "⟨transpose⟩", "⟨indexed⟩", "⟨trace⟩", "⟨det⟩"
POLYGAMMA = "⟨polygamma⟩"
INTERNAL = frozenset({TRANSPOSE, INDEXED, TRACE, DETERMINANT, POLYGAMMA})
"""Calls the reader writes that Python text cannot: the LaTeX builder handles them."""

_GREEK = {
    **{
        g: g
        for g in (
            "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
            "sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon "
            "Phi Psi Omega ell"
        ).split()
    },
    "varepsilon": "epsilon",
    "vartheta": "theta",
    "varphi": "phi",
    "varrho": "rho",
    "varsigma": "sigma",
}
_FONTS = frozenset("mathbf boldsymbol bm vec mathbb mathcal mathit mathsf mathrm".split())
_DECORATIONS = {"hat": "hat", "bar": "bar", "tilde": "tilde", "dot": "dot", "overline": "bar"}
_FUNCTIONS = {
    **{f: f for f in "sin cos tan sec csc cot sinh cosh tanh log ln exp".split()},
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "max": "Max",
    "min": "Min",
    "det": DETERMINANT,
}
_OPERATOR_NAMES = {
    **{f: f for f in "sigmoid softplus relu erf erfc atan asin acos acot asinh acosh".split()},
    "atanh": "atanh",
    "sign": "sign",
    "sgn": "sign",
    "ReLU": "relu",
    "tr": TRACE,
    "Tr": TRACE,
    "trace": TRACE,
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
    "polygamma": POLYGAMMA,
}
_INVERSE = {"sin": "asin", "cos": "acos", "tan": "atan", "sinh": "asinh", "cosh": "acosh"}
_TIMES = frozenset({"cdot", "times", "ast"})
_SCRIPT_WORDS = frozenset({"top", "intercal", "infty"})
_RELATIONS = frozenset("approx le leq ge geq neq ne lt gt sim propto equiv".split())
_CLOSE = {"(": ")", "[": "]", "|": "|", "{": "}", "lvert": "rvert", "lfloor": "rfloor"}
_CLOSE |= {"lceil": "rceil", ".": None}
_WRAP = {"|": "Abs", "lvert": "Abs", "lfloor": "floor", "lceil": "ceiling"}
_REFUSED = {
    "partial": ("'\\partial' outside a derivative", "write \\frac{\\partial}{\\partial x} f"),
    "nabla": ("'\\nabla' has no formula here", "write the partial derivatives out"),
    "cdots": ("'\\cdots' leaves terms out", "write the sum as \\sum_{i=1}^{n}"),
    "ldots": ("'\\ldots' leaves terms out", "write the sum as \\sum_{i=1}^{n}"),
    "dots": ("'\\dots' leaves terms out", "write the sum as \\sum_{i=1}^{n}"),
    "|": ("a norm '\\|...\\|'", "write it out, e.g. \\sqrt{x^\\top x}"),
    "lVert": ("a norm '\\lVert...\\rVert'", "write it out, e.g. \\sqrt{x^\\top x}"),
    "lim": ("a limit", "limits are not read; write the value"),
    "approx": ("'\\approx'", "only equalities are checked"),
}


def _at(node: ast.AST, start: int, stop: int) -> Any:
    node.lineno = node.end_lineno = 1  # type: ignore[attr-defined]
    node.col_offset, node.end_col_offset = start, stop  # type: ignore[attr-defined]
    return node


class _Reader(_Operators):
    """Reads tokens ``[begin, end)`` into ``ast`` nodes; positions are LaTeX characters."""

    def __init__(
        self,
        tokens: list[_Token],
        functions: Mapping[str, str],
        notes: list[str],
        begin: int = 0,
        end: int | None = None,
    ) -> None:
        self.toks = tokens
        self.pos = begin
        self.end = len(tokens) - 1 if end is None else end
        self.functions = functions
        self.notes = notes
        self.depth = 0
        self.abs_depth = 0
        self.bound: list[str] = []
        self.last = tokens[begin].start if tokens else 0
        self.match: dict[int, int] = {}
        stack: list[int] = []
        for i, tok in enumerate(tokens):
            if tok.is_("char", "{"):
                stack.append(i)
            elif tok.is_("char", "}") and stack:
                self.match[stack.pop()] = i

    # -- tokens -------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> _Token:
        i = self.pos + ahead
        if i >= self.end:
            t = self.toks[self.end] if self.end < len(self.toks) else self.toks[-1]
            return _Token("eof", "", t.start, t.start)
        return self.toks[i]

    def advance(self) -> _Token:
        tok = self.peek()
        if tok.kind != "eof":
            self.pos += 1
            self.last = tok.stop
        return tok

    def fail(self, problem: str, fix: str, tok: _Token | None = None) -> Any:
        tok = tok or self.peek()
        raise _LatexFailure(problem, fix, tok.start, max(tok.stop, tok.start + 1))

    def expect(self, kind: str, text: str, what: str) -> _Token:
        tok = self.peek()
        if not tok.is_(kind, text):
            shown = "the end" if tok.kind == "eof" else repr(_shown(tok))
            self.fail(f"expected {what} but found {shown}", f"add {what}")
        return self.advance()

    def sub(self, begin: int, end: int) -> _Reader:
        """A reader of tokens ``[begin, end)`` sharing this one's state."""
        reader = _Reader.__new__(_Reader)
        reader.__dict__.update(self.__dict__)
        reader.pos, reader.end = begin, end
        return reader

    def read_range(self, begin: int, end: int, what: str) -> ast.expr:
        """The expression held by tokens ``[begin, end)``."""
        if begin >= end:
            self.fail(f"{what} is empty", "write a formula there", self.toks[min(begin, end)])
        reader = self.sub(begin, end)
        value = reader.expr()
        if reader.pos < end:
            tok = reader.peek()
            reader.fail(f"{_shown(tok)!r} does not continue the formula", _fix_for(tok), tok)
        self.notes = reader.notes
        return value

    def whole(self) -> ast.expr:
        """The one expression that all the tokens hold."""
        value = self.expr()
        if self.pos < self.end:
            tok = self.peek()
            self.fail(f"{_shown(tok)!r} does not continue the formula", _fix_for(tok), tok)
        return value

    # -- nodes --------------------------------------------------------------------
    def call(self, name: str, args: list[Any], start: int) -> ast.Call:
        func = _at(ast.Name(id=name, ctx=ast.Load()), start, self.last)
        return _at(ast.Call(func=func, args=args, keywords=[]), start, self.last)

    def name(self, name: str, start: int) -> ast.Name:
        return _at(ast.Name(id=name, ctx=ast.Load()), start, self.last)

    def binop(self, left: Any, op: ast.operator, right: Any, start: int) -> ast.BinOp:
        return _at(ast.BinOp(left=left, op=op, right=right), start, self.last)

    def const(self, value: Any, start: int) -> ast.Constant:
        return _at(ast.Constant(value=value), start, self.last)

    def tup(self, items: list[Any], start: int) -> ast.Tuple:
        return _at(ast.Tuple(elts=items, ctx=ast.Load()), start, self.last)

    # -- grammar ------------------------------------------------------------------
    def expr(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(
                f"the formula is nested more than {MAX_DEPTH} levels deep",
                "remove redundant brackets or split the formula",
            )
        start = self.peek().start
        left = self.term()
        while (tok := self.peek()).is_("char", "+") or tok.is_("char", "-"):
            self.advance()
            right = self.term()
            left = self.binop(left, ast.Add() if tok.text == "+" else ast.Sub(), right, start)
        self.depth -= 1
        return left

    def term(self) -> Any:
        tok = self.peek()
        if tok.is_("char", "-") or tok.is_("char", "+"):
            self.advance()
            operand = self.term()
            if tok.text == "+":
                return operand
            return _at(ast.UnaryOp(op=ast.USub(), operand=operand), tok.start, self.last)
        start = tok.start
        left = self.factor()
        while True:
            tok = self.peek()
            if (tok.kind == "cmd" and tok.text in _TIMES) or tok.is_("char", "*"):
                self.advance()
                op: ast.operator = ast.Mult()
                right = self.signed_factor()
            elif tok.is_("char", "/"):
                self.advance()
                op, right = ast.Div(), self.signed_factor()
            elif self.starts_factor(tok):
                op, right = ast.Mult(), self.factor()
            else:
                return left
            left = self.binop(left, op, right, start)

    def signed_factor(self) -> Any:
        tok = self.peek()
        if tok.is_("char", "-"):
            self.advance()
            operand = self.factor()
            return _at(ast.UnaryOp(op=ast.USub(), operand=operand), tok.start, self.last)
        return self.factor()

    def starts_factor(self, tok: _Token) -> bool:
        if tok.kind in ("letter", "digit", "begin"):
            return True
        if tok.kind == "char":
            return tok.text in "([{" or (tok.text == "|" and self.abs_depth == 0)
        if tok.kind == "raw":
            return tok.text in ("mathrm", "operatorname", "mathit", "mathsf")
        return tok.kind == "cmd" and (tok.text in _ATOMS or tok.text in _GREEK)

    def factor(self) -> Any:
        start = self.peek().start
        base = self.atom()
        while True:
            tok = self.peek()
            if tok.is_("char", "^"):
                self.advance()
                base = self.superscript(base, start)
            elif tok.is_("char", "!"):
                self.advance()
                base = self.call("factorial", [base], start)
            elif tok.is_("char", "_") and isinstance(base, ast.Name) and "_" not in base.id:
                base = self.subscripted(base.id, start)  # {x}_{i}, as SymPy prints x[i]
            elif tok.is_("char", "_"):
                self.fail(
                    "a subscript on a bracket or a number",
                    "subscript names only, e.g. x_i or x_{ij}",
                )
            elif tok.is_("char", "'"):
                self.fail("a prime ' on something that is not a declared function", _PRIME_FIX)
            else:
                return base

    def script_range(self) -> tuple[int, int]:
        """Tokens of a sub- or superscript: a braced group or one token (``x^2``, ``x^\\top``)."""
        tok = self.peek()
        if tok.is_("char", "{"):
            close = self.match[self.pos]
            begin = self.pos + 1
            self.pos = close + 1
            self.last = self.toks[close].stop
            return begin, close
        if tok.kind in ("eof",) or (tok.kind == "char" and tok.text not in "("):
            self.fail(f"a script needs a value, found {_shown(tok)!r}", "write e.g. x^{2}")
        begin = self.pos
        if tok.kind == "cmd" and tok.text not in _GREEK and tok.text not in _SCRIPT_WORDS:
            # \frac12, \sqrt{x}: a whole atom
            self.atom()
            return begin, self.pos
        self.advance()
        return begin, self.pos

    def superscript(self, base: Any, start: int) -> Any:
        begin, end = self.script_range()
        toks = self.toks[begin:end]
        if len(toks) == 1 and (
            toks[0].is_("cmd", "top")
            or toks[0].is_("cmd", "intercal")
            or toks[0].is_("letter", "T")
        ):
            return self.call(TRANSPOSE, [base, self.const(toks[0].text, start)], start)
        if len(toks) == 1 and toks[0].kind == "raw" and toks[0].arg.strip() == "T":
            return self.call(TRANSPOSE, [base, self.const("T", start)], start)
        exponent = self.read_range(begin, end, "the exponent")
        return self.binop(base, ast.Pow(), exponent, start)

    def atom(self) -> Any:
        tok = self.peek()
        if tok.kind == "digit" or (tok.is_("char", ".") and self.peek(1).kind == "digit"):
            return self.number()
        if tok.kind == "letter" or (tok.kind == "cmd" and tok.text in _GREEK):
            return self.name_atom()
        if tok.kind == "char" and tok.text in "([{":
            self.advance()
            value = self.group(_CLOSE[tok.text], tok)
            return value
        if tok.is_("char", "|"):
            return self.absolute()
        if tok.kind == "begin":
            return self.matrix()
        if tok.kind == "raw":
            return self.raw_atom(tok)
        if tok.kind == "cmd":
            method = _ATOMS.get(tok.text)
            if method is not None:
                return getattr(self, method)()
            if tok.text in _REFUSED:
                problem, fix = _REFUSED[tok.text]
                self.fail(f"{problem} is not read", fix)
            if tok.text in _FONTS or tok.text in _DECORATIONS:
                return self.name_atom()
            self.fail(f"the command '\\{tok.text}' is not read", _COMMAND_FIX)
        if tok.kind == "eof":
            self.fail("the formula ends too early", "complete the formula")
        self.fail(f"{_shown(tok)!r} cannot start a formula here", _fix_for(tok))

    def number(self) -> ast.Constant:
        start = self.peek().start
        digits = ""
        while True:
            tok = self.peek()
            if tok.kind == "digit" and (not digits or not tok.space):
                digits += tok.text
            elif tok.is_("char", ".") and "." not in digits and self.peek(1).kind == "digit":
                digits += "."
            else:
                break
            self.advance()
            if len(digits) > 3000:
                self.fail("a number has more than 3000 digits", "use smaller numbers")
        return self.const(float(digits) if "." in digits else int(digits), start)

    def group(self, close: str | None, opener: _Token) -> Any:
        saved, self.abs_depth = self.abs_depth, 0
        if self.peek().is_("char", close or ""):
            self.fail("empty brackets", "write a formula inside them")
        value = self.expr()
        self.abs_depth = saved
        if close is not None:
            self.expect("char", close, f"{close!r} to close {_shown(opener)!r}")
        return value

    def absolute(self) -> Any:
        start = self.advance().start
        self.abs_depth += 1
        value = self.expr()
        self.abs_depth -= 1
        self.expect("char", "|", "'|' to close the absolute value")
        return self.call("Abs", [value], start)

    # -- names and calls ----------------------------------------------------------------
    def base_name(self) -> str:
        """A letter, a Greek letter, or one in a font or under a hat: its symbol's name."""
        tok = self.advance()
        if tok.kind == "letter":
            return tok.text
        if tok.kind == "cmd" and tok.text in _GREEK:
            return _GREEK[tok.text]
        if tok.kind == "raw":  # \mathrm{e}, \mathrm{KL}
            word = tok.arg.strip()
            if not word.isascii() or not word.isalnum() or not word[0].isalpha():
                self.fail(f"\\{tok.text}{{{tok.arg}}} is not a name", "write e.g. \\mathrm{x}", tok)
            return word
        if tok.kind == "cmd" and (tok.text in _FONTS or tok.text in _DECORATIONS):
            braced = self.peek().is_("char", "{")
            if braced:
                self.advance()
            inner = self.base_name()
            while braced and (self.peek().kind == "letter"):
                inner += self.advance().text
            if braced:
                self.expect("char", "}", "'}'")
            return inner + _DECORATIONS.get(tok.text, "")
        return self.fail(f"{_shown(tok)!r} is not a name", "write a name such as x or \\theta", tok)

    def subscript(self) -> list[str]:
        """The parts of a name's subscript: ``x_i`` → ``['i']``, ``x_{ij}`` → ``['i', 'j']``."""
        self.advance()  # '_'
        begin, end = self.script_range()
        parts: list[str] = []
        for tok in self.toks[begin:end]:
            if tok.kind in ("letter", "digit"):
                if tok.kind == "digit" and parts and parts[-1].isdigit() and not tok.space:
                    parts[-1] += tok.text
                else:
                    parts.append(tok.text)
            elif tok.kind == "cmd" and tok.text in _GREEK:
                parts.append(_GREEK[tok.text])
            elif not tok.is_("char", ","):
                self.fail(
                    "a subscript holds more than names and numbers",
                    "name the quantity, e.g. x_{i1} for x_{i+1}",
                    tok,
                )
        if not parts:
            self.fail("an empty subscript", "write e.g. x_{1}", self.toks[begin])
        return parts

    def variable(self) -> ast.Name:
        """A variable: a name with its subscript (of a derivative, sum or integral)."""
        start = self.peek().start
        name = self.base_name()
        if self.peek().is_("char", "_"):
            name += "_" + "".join(self.subscript())
        return self.name(name, start)

    def name_atom(self) -> Any:
        start = self.peek().start
        opener = self.peek()
        base = self.base_name()
        if base == "Gamma" and self.opens_call():
            return self.call("gamma", self.call_args(), start)
        node = self.subscripted(base, start)
        name = node.id if isinstance(node, ast.Name) else base
        after = self.peek()
        if name in self.functions and (
            self.opens_call() or after.is_("char", "{") or after.is_("char", "'")
        ):
            return self.apply(name, start)
        if self.opens_call() and not self.peek().kind == "cmd":
            self.notes.append(
                f"read {_shown(opener)}(...) as multiplication; declare "
                f"functions=[{name!r}] to read it as a function"
            )
        return node

    def subscripted(self, base: str, start: int) -> Any:
        """The name ``base`` with the subscript that follows, if any: ``x_i`` or ``x[i]``."""
        if not self.peek().is_("char", "_"):
            return self.name(base, start)
        parts = self.subscript()
        if all(p in self.bound for p in parts) and base not in self.functions:
            indices = [self.name(p, start) for p in parts]
            return self.call(INDEXED, [self.name(base, start), *indices], start)
        return self.name(base + "_" + "".join(parts), start)

    def opens_call(self) -> bool:
        tok = self.peek()
        return tok.is_("char", "(") or (tok.is_("cmd", "left") and self.peek(1).is_("char", "("))

    def apply(self, name: str, start: int) -> Any:
        """A declared function applied: ``f(x)``, ``f'(x)``, ``\\sigma(z)``, ``f{(x)}``."""
        target = self.functions[name]
        primes = 0
        while self.peek().is_("char", "'"):
            self.advance()
            primes += 1
        if self.peek().is_("char", "{"):
            self.advance()
            args = [self.group("}", self.toks[self.pos - 1])]
        elif self.opens_call():
            args = self.call_args()
        else:
            return self.fail(f"the function {name!r} is not applied", f"write {name}(x)")
        value = self.call(target, args, start)
        if primes:
            if len(args) != 1 or not isinstance(args[0], ast.Name):
                self.fail("a prime on a function of an expression", _PRIME_FIX)
            order = self.const(primes, start)
            value = self.call("Derivative", [value, self.tup([args[0], order], start)], start)
        return value

    def call_args(self) -> list[Any]:
        """``(a, b)`` or ``\\left(a, b\\right)``: the arguments of a call."""
        left = self.peek().is_("cmd", "left")
        if left:
            self.advance()
        opener = self.expect("char", "(", "'('")
        saved, self.abs_depth = self.abs_depth, 0
        args = [self.expr()]
        while self.peek().is_("char", ","):
            self.advance()
            args.append(self.expr())
        self.abs_depth = saved
        if left:
            self.expect("cmd", "right", f"\\right) to close {_shown(opener)!r}")
        self.expect("char", ")", f"')' to close {_shown(opener)!r}")
        return args

    def raw_atom(self, tok: _Token) -> Any:
        if tok.text == "operatorname":
            word = tok.arg.strip()
            if word in self.functions:
                self.advance()
                return self.apply(word, tok.start)
            if word in _OPERATOR_NAMES:
                return self.function(_OPERATOR_NAMES[word])
            self.fail(f"the operator \\operatorname{{{word}}} is not read", _COMMAND_FIX, tok)
        if tok.text in ("mathrm", "mathit", "mathsf"):
            return self.name_atom()
        self.fail(f"'\\{tok.text}{{...}}' holds words, not a formula", "remove the words", tok)

    def function(self, target: str | None = None) -> Any:
        """``\\sin x``, ``\\sin^2 x``, ``\\log_2 x``, ``\\max(a, b)``, ``\\exp(...)``."""
        tok = self.advance()
        start = tok.start
        target = target or _FUNCTIONS[tok.text]
        power, base = None, None
        while self.peek().kind == "char" and self.peek().text in "^_":
            script = self.advance().text
            begin, end = self.script_range()
            if script == "_" and target == "log":
                base = self.read_range(begin, end, "the base of the logarithm")
            elif script == "^":
                shown = "".join(t.text for t in self.toks[begin:end])
                if shown == "-1" and target in _INVERSE:
                    self.notes.append(f"read \\{tok.text}^{{-1}} as the inverse function")
                    target = _INVERSE[target]
                else:
                    power = self.read_range(begin, end, "the exponent")
            else:
                self.fail(f"a subscript on \\{tok.text}", "write it without the subscript", tok)
        if self.peek().is_("char", "{") and self.peek(1).is_("cmd", "left"):
            self.advance()  # SymPy's \\operatorname{f}{\\left(a, b \\right)}
            args = self.call_args()
            self.expect("char", "}", "'}'")
        elif target in ("Max", "Min", POLYGAMMA):
            args = self.call_args()
        elif self.opens_call():
            args = self.call_args()
            if len(args) != 1:
                self.fail(f"\\{tok.text} takes one argument", "write e.g. \\sin(x)", tok)
        elif self.peek().is_("char", "{"):
            opener = self.advance()
            args = [self.group("}", opener)]
        else:
            args = [self.bare_argument(tok)]
        value = self.call(target, args + ([base] if base is not None else []), start)
        return value if power is None else self.binop(value, ast.Pow(), power, start)

    def bare_argument(self, func: _Token) -> Any:
        """The argument of ``\\sin 2x``: a product of simple factors (names, numbers)."""
        start = self.peek().start
        if not self.starts_factor(self.peek()):
            self.fail(f"\\{func.text} has no argument", f"write e.g. \\{func.text}(x)")
        value = self.factor()
        count = 1
        while (tok := self.peek()).kind in ("letter", "digit") or (
            tok.kind == "cmd" and tok.text in _GREEK
        ):
            value = self.binop(value, ast.Mult(), self.factor(), start)
            count += 1
        if count > 1:
            self.notes.append(f"read \\{func.text} of the product after it (up to a bracket)")
        return value

    # -- structures -------------------------------------------------------------------
    def left(self) -> Any:
        opener = self.advance()
        delim = self.advance()
        key = delim.text
        if key not in _CLOSE or (delim.kind == "char" and key == "{"):
            if key == "|" and delim.kind == "cmd":
                self.fail("a norm '\\left\\|'", "write it out, e.g. \\sqrt{x^\\top x}", delim)
            self.fail(f"'\\left{_shown(delim)}' is not read", "use ( [ | \\{ \\lfloor", delim)
        saved, self.abs_depth = self.abs_depth, 0
        value = self.expr()
        self.abs_depth = saved
        self.expect("cmd", "right", f"\\right to close '\\left{_shown(delim)}'")
        closing = self.advance()
        wanted = _CLOSE[key]
        if wanted is not None and closing.text != wanted and closing.text != ".":
            self.fail(
                f"'\\left{_shown(delim)}' is closed by '\\right{_shown(closing)}'",
                f"close it with \\right{wanted if len(wanted) == 1 else chr(92) + wanted}",
                closing,
            )
        if key in _WRAP:
            return self.call(_WRAP[key], [value], opener.start)
        return value

    def plain_delimited(self) -> Any:
        """``\\{ ... \\}``, ``\\lvert x \\rvert``, ``\\lfloor x \\rfloor``, ``\\lceil x\\rceil``."""
        opener = self.advance()
        close = "}" if opener.text == "{" else _CLOSE[opener.text]
        saved, self.abs_depth = self.abs_depth, 0
        value = self.expr()
        self.abs_depth = saved
        self.expect("cmd", close or "", f"\\{close}")
        if opener.text in _WRAP:
            return self.call(_WRAP[opener.text], [value], opener.start)
        return value

    def matrix(self) -> Any:
        opener = self.advance()
        env = opener.text
        if env not in ("pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix"):
            self.fail(
                f"the environment {{{env}}} is not read inside a formula",
                "write matrices with pmatrix or bmatrix",
                opener,
            )
        rows: list[list[Any]] = [[]]
        while True:
            rows[-1].append(self.expr())
            tok = self.advance()
            if tok.is_("char", "&"):
                continue
            if tok.kind == "newline":
                if self.peek().is_("end", env):
                    self.advance()
                    break
                rows.append([])
                continue
            if tok.is_("end", env):
                break
            self.fail(f"expected & or \\\\ or \\end{{{env}}}", "check the matrix", tok)
        start = opener.start
        lists = [_at(ast.List(elts=r, ctx=ast.Load()), start, self.last) for r in rows]
        return _at(ast.List(elts=lists, ctx=ast.Load()), start, self.last)

    def infinity(self) -> Any:
        tok = self.advance()
        return self.name("oo", tok.start)

    def is_name_command(self, text: str) -> bool:
        return text in _GREEK or text in _FONTS or text in _DECORATIONS


_ATOMS = {
    **dict.fromkeys(_FUNCTIONS, "function"),
    **dict.fromkeys(("frac", "dfrac", "tfrac", "cfrac"), "frac"),
    **dict.fromkeys(("binom", "dbinom", "tbinom"), "binom"),
    **dict.fromkeys(("sum", "prod"), "bigop"),
    **dict.fromkeys(("{", "lvert", "lfloor", "lceil"), "plain_delimited"),
    **dict.fromkeys(_FONTS | frozenset(_DECORATIONS), "name_atom"),
    "sqrt": "sqrt",
    "int": "integral",
    "left": "left",
    "infty": "infinity",
}
_COMMAND_FIX = "see help(symml.parse_latex) for the LaTeX that is read"
_PRIME_FIX = "declare the function, e.g. functions=['f'], and write f'(x)"


def _shown(tok: _Token) -> str:
    if tok.kind in ("cmd",):
        return "\\" + tok.text
    if tok.kind in ("begin", "end"):
        return f"\\{tok.kind}{{{tok.text}}}"
    if tok.kind == "raw":
        return f"\\{tok.text}{{{tok.arg}}}"
    return tok.text


def _fix_for(tok: _Token) -> str:
    if tok.is_("char", "="):
        return "one formula has no '='; check a chain with symml.check_steps"
    if tok.kind == "char" and tok.text in ")]}|":
        return f"remove the {tok.text!r} or add its opening bracket"
    if (tok.kind == "char" and tok.text in "<>") or (tok.kind == "cmd" and tok.text in _RELATIONS):
        return "only equalities are checked"
    if tok.kind in ("newline",) or tok.is_("char", "&"):
        return "check a chain (align*) with symml.check_steps"
    return "check the operators and brackets"
