"""LaTeX operators with arguments: fractions and derivatives, roots, sums, products, integrals.

A mix-in of the LaTeX reader (:class:`symml._parse.latex_reader._Reader`):

=======================  ===============================================================
LaTeX                    read as
=======================  ===============================================================
``\\frac{a}{b}``          ``a/b`` (also ``\\dfrac``, ``\\tfrac``, ``\\cfrac``, ``\\frac12``)
``\\frac{d}{dx} f``       ``Derivative(f, x)``; ``\\frac{df}{dx}``, ``\\frac{d^2}{dx^2}``,
                         ``\\frac{\\partial^2}{\\partial x \\partial y}``, ``\\mathrm{d}``
``\\sqrt[n]{x}``          ``x**(1/n)``
``\\sum_{i=1}^{n} f``     ``Sum(f, (i, 1, n))``; ``\\prod`` likewise
``\\int_a^b f \\,dx``      ``Integral(f, (x, a, b))``; without limits ``Integral(f, x)``
``\\binom{n}{k}``         ``binomial(n, k)``
=======================  ===============================================================
"""

from __future__ import annotations

import ast
from typing import Any

from .latex_lexer import _Token

_DIFFERENTIAL_WORDS = ("mathrm", "operatorname", "mathit", "text")


class _Operators:
    """Operators of the reader; ``self`` is a :class:`~symml._parse.latex_reader._Reader`."""

    toks: list[_Token]
    pos: int
    last: int
    match: dict[int, int]
    bound: list[str]

    # -- arguments --------------------------------------------------------------------
    def argument_range(self: Any, what: str) -> tuple[int, int]:
        """Tokens of a command's argument: a braced group, or one token (``\\frac12``)."""
        tok = self.peek()
        if tok.is_("char", "{"):
            close = self.match[self.pos]
            begin = self.pos + 1
            self.pos, self.last = close + 1, self.toks[close].stop
            return begin, close
        if tok.kind in ("digit", "letter") or (tok.kind == "cmd" and not tok.text.startswith("r")):
            begin = self.pos
            self.advance()
            return begin, self.pos
        return self.fail(f"{what} is missing", "write it in braces, e.g. \\frac{a}{b}")

    def differential(self: Any, i: int, end: int) -> int | None:
        """The index after a differential mark ``d``/``\\partial``/``\\mathrm{d}`` at ``i``."""
        if i >= end:
            return None
        tok = self.toks[i]
        mark = (
            tok.is_("letter", "d")
            or tok.is_("cmd", "partial")
            or (tok.kind == "raw" and tok.text in _DIFFERENTIAL_WORDS and tok.arg.strip() == "d")
        )
        return i + 1 if mark else None

    def starts_variable(self: Any, i: int, end: int) -> bool:
        if i >= end:
            return False
        tok = self.toks[i]
        return tok.kind == "letter" or (tok.kind == "cmd" and self.is_name_command(tok.text))

    # -- fractions and derivatives --------------------------------------------------
    def frac(self: Any) -> Any:
        opener = self.advance()
        num = self.argument_range("the numerator")
        den = self.argument_range("the denominator")
        mark = self.differential(num[0], num[1])
        if (
            mark is not None
            and not (mark < num[1] and self.toks[mark].is_("char", "_"))
            and self.differential(den[0], den[1]) is not None
            and self.starts_variable(den[0] + 1, den[1])
        ):
            return self.derivative(opener, num, den, mark)
        top = self.read_range(*num, "the numerator")
        bottom = self.read_range(*den, "the denominator")
        return self.binop(top, ast.Div(), bottom, opener.start)

    def order_after(self: Any, reader: Any) -> int | None:
        """An order ``^2`` or ``^{2}`` at the reader's position, if any."""
        if not reader.peek().is_("char", "^"):
            return None
        reader.advance()
        begin, end = reader.script_range()
        text = "".join(t.text for t in self.toks[begin:end])
        if not text.isdigit() or not all(t.kind == "digit" for t in self.toks[begin:end]):
            self.fail(
                "the order of a derivative is not a whole number", "write e.g. d^2", reader.peek()
            )
        return int(text)

    def derivative(
        self: Any, opener: _Token, num: tuple[int, int], den: tuple[int, int], mark: int
    ) -> Any:
        start = opener.start
        top = self.sub(mark, num[1])
        wanted = self.order_after(top)
        rest = (top.pos, num[1])
        bottom = self.sub(*den)
        pairs: list[tuple[ast.Name, int]] = []
        while bottom.pos < den[1]:
            at = self.differential(bottom.pos, den[1])
            if at is None or not self.starts_variable(at, den[1]):
                bottom.fail("expected d or \\partial and a variable", "write e.g. \\partial x")
            bottom.pos = at
            variable = bottom.variable()
            pairs.append((variable, self.order_after(bottom) or 1))
        total = sum(order for _, order in pairs)
        if wanted is not None and wanted != total:
            self.fail(
                f"the derivative's order {wanted} on top differs from {total} below",
                "write e.g. \\frac{d^2}{dx^2}",
                opener,
            )
        if rest[0] < rest[1]:
            operand = self.read_range(*rest, "the differentiated expression")
        else:
            if not self.starts_factor(self.peek()) and not self.peek().is_("char", "-"):
                self.fail(
                    "a derivative with nothing to differentiate",
                    "write the expression after it, e.g. \\frac{d}{dx} x^2",
                )
            operand = self.term()
        # \partial y \partial x is d/dy (d/dx f): x first, as SymPy writes Derivative(f, x, y)
        limits = [self.tup([v, self.const(k, start)], start) for v, k in reversed(pairs)]
        return self.call("Derivative", [operand, *limits], start)

    # -- roots and binomials -----------------------------------------------------------
    def sqrt(self: Any) -> Any:
        opener = self.advance()
        degree = None
        if self.peek().is_("char", "["):
            begin = self.pos + 1
            end = begin
            while end < self.end and not self.toks[end].is_("char", "]"):
                end += 1
            if end >= self.end:
                self.fail("'\\sqrt[' is never closed", "write \\sqrt[n]{x}", opener)
            degree = self.read_range(begin, end, "the degree of the root")
            self.pos, self.last = end + 1, self.toks[end].stop
        radicand = self.read_range(*self.argument_range("the radicand"), "the radicand")
        if degree is None:
            return self.call("sqrt", [radicand], opener.start)
        one = self.const(1, opener.start)
        exponent = self.binop(one, ast.Div(), degree, opener.start)
        return self.binop(radicand, ast.Pow(), exponent, opener.start)

    def binom(self: Any) -> Any:
        opener = self.advance()
        n = self.read_range(*self.argument_range("the top of the binomial"), "n")
        k = self.read_range(*self.argument_range("the bottom of the binomial"), "k")
        return self.call("binomial", [n, k], opener.start)

    # -- sums, products, integrals -------------------------------------------------------
    def bigop(self: Any) -> Any:
        opener = self.advance()
        kind = "Sum" if opener.text == "sum" else "Product"
        lower = upper = None
        for _ in range(2):
            tok = self.peek()
            if tok.is_("char", "_") and lower is None:
                self.advance()
                lower = self.script_range()
            elif tok.is_("char", "^") and upper is None:
                self.advance()
                upper = self.script_range()
        if lower is None or upper is None:
            self.fail(
                f"\\{opener.text} needs both limits",
                f"write \\{opener.text}_{{i=1}}^{{n}}",
                opener,
            )
        bounds = self.sub(*lower)
        index = bounds.variable()
        bounds.expect("char", "=", "'=' in the lower limit, e.g. i=1")
        low = self.read_range(bounds.pos, lower[1], "the lower limit")
        high = self.read_range(*upper, "the upper limit")
        if not self.starts_factor(self.peek()) and not self.peek().is_("char", "-"):
            self.fail(f"\\{opener.text} has nothing to add up", "write the terms after it")
        self.bound.append(index.id)
        body = self.term()
        self.bound.pop()
        limits = self.tup([index, low, high], opener.start)
        return self.call(kind, [body, limits], opener.start)

    def integral(self: Any) -> Any:
        opener = self.advance()
        lower = upper = None
        for _ in range(2):
            tok = self.peek()
            if tok.is_("char", "_") and lower is None:
                self.advance()
                lower = self.read_range(*self.script_range(), "the lower limit")
            elif tok.is_("char", "^") and upper is None:
                self.advance()
                upper = self.read_range(*self.script_range(), "the upper limit")
        if (lower is None) != (upper is None):
            self.fail("an integral with one limit", "write \\int_a^b or no limits", opener)
        mark = self.find_differential()
        body = self.read_range(self.pos, mark, "the integrand")
        self.pos = mark + 1
        variable = self.variable()
        if lower is None:
            return self.call("Integral", [body, variable], opener.start)
        limits = self.tup([variable, lower, upper], opener.start)
        return self.call("Integral", [body, limits], opener.start)

    def find_differential(self: Any) -> int:
        """Where this integral's ``dx`` is: the first at this level not taken by an inner one."""
        depth, inner = 0, 0
        for i in range(self.pos, self.end):
            tok = self.toks[i]
            if tok.kind == "char" and tok.text in "{([":
                depth += 1
            elif tok.kind == "char" and tok.text in "})]":
                depth -= 1
            elif tok.is_("cmd", "left"):
                depth += 1
            elif tok.is_("cmd", "right"):
                depth -= 1
            elif tok.is_("cmd", "int") and depth == 0:
                inner += 1
            elif (
                depth == 0
                and self.differential(i, self.end)
                and self.starts_variable(i + 1, self.end)
            ):
                if inner == 0:
                    return i
                inner -= 1
            if depth < 0:
                break
        return self.fail("an integral without its dx", "end the integrand with \\,dx", self.peek())
