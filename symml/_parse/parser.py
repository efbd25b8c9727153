"""Parse user text (CLI arguments, widget text boxes) without executing it.

=================  ===============================================================
function           what it does
=================  ===============================================================
``parse_expr``     text such as ``"x^2*exp(-x)"`` → a SymPy expression, matrix or ``Eq``
``parse_symbols``  ``"x y"``, ``"x, y"`` or ``["x", "y"]`` → a list of Symbols
=================  ===============================================================

How it works
------------
``sympy.sympify`` and ``sympy.parse_expr`` run ``eval`` on their input, so they
are never given user text. Instead the text is read by ``ast.parse(text,
mode="eval")`` — which only builds a syntax tree and runs nothing — and the tree
is walked against an allowlist; every SymPy object is built here by hand. Any
node outside the allowlist (attribute access, subscripts, strings, lambdas,
comprehensions, keyword arguments, ...) is a one-line :class:`ParseError` that
quotes the offending part of the text and says how to write it instead.

What the text may contain
-------------------------
=========================  ====================================================
numbers                    ``2``, ``0.5``, ``1e-3`` (Python floats → ``Float``)
names                      Symbols, ``real=True`` unless ``real=False``;
                           ``lambda`` is allowed as a name (a Poisson rate)
constants                  ``pi``; ``E`` and ``e`` (both Euler's number);
                           ``I`` (imaginary unit; ``i`` is a plain symbol);
                           ``oo`` and ``inf`` (∞); ``nan``
operators                  ``+ - * / **``, unary ``+ -``; ``^`` is a power,
                           as in SymPy's ``convert_xor`` (``x^2 == x**2``);
                           ``@`` multiplies matrices
functions                  see :data:`FUNCTIONS`, called by bare name
undefined functions        ``f(x)``, ``g(x, y)``: the letters in
                           :data:`FUNCTION_LETTERS` (real when ``real=True``)
matrices                   ``[[1, x], [x, 1]]`` or ``Matrix([[1, x], [x, 1]])``
                           → ``ImmutableMatrix``; ``[1, 2]`` is a column
equations                  ``a = b``, ``a == b`` and ``Eq(a, b)`` (top level),
                           all an unevaluated ``Eq``
calculus                   ``Derivative(f, x)``, ``diff(f, x, 2)``,
                           ``Integral(f, (x, 0, 1))``, ``Sum(f, (i, 1, n))``,
                           ``Product(f, (i, 1, n))`` — all left unevaluated
                           (``diff`` and ``integrate`` too: call ``.doit()``)
=========================  ====================================================

Decisions worth knowing:

* ``e`` is Euler's number, like ``E``; pass ``symbols={"e": Symbol("e")}`` for a
  symbol named ``e``. Any name in ``symbols`` wins over the built-in meaning.
* Products must be written with ``*``: ``2x``, ``x y`` and ``x(x + 1)`` are
  errors that suggest ``2*x``, ``x*y`` and ``x*(x + 1)`` — guessing would make
  ``p(1 - p)`` a function call and ``xy`` one symbol.
* Only the letters in :data:`FUNCTION_LETTERS` may be undefined functions, and
  a letter may not be both a function and a symbol in one text.
* Parsing never does calculus: ``diff(f, x)`` is ``Derivative(f, x)``.
* Names of Python builtins (``exec``, ``open``, ``eval``, ...) and names that
  start with ``_`` are rejected: such text was meant as code, not mathematics.

Limits
------
Text is at most :data:`MAX_LENGTH` characters, :data:`MAX_NODES` syntax nodes
and :data:`MAX_DEPTH` levels of nesting (a long sum is not nesting). Every
number in the result — ``2**100``, ``pi**50``, ``exp(700)`` — stays under
:data:`MAX_BITS` bits of magnitude, because SymPy evaluates ``floor``, ``sin``
or a sign of a number to about that many bits. Sizes of powers, roots,
factorials, binomials and ``exp`` of numbers are estimated *before* SymPy
computes them, so ``9**9**9``, ``exp(10**9)`` or ``factorial(10**6)`` fail at
once instead of hanging. Matrices are at most :data:`MAX_MATRIX_SIDE` wide and
tall; ``M**k`` is computed for ``0 <= k <= 4`` on matrices up to 6×6 and
``M**-1`` up to 3×3. ``Max``/``Min`` take at most :data:`MAX_MINMAX_ARGS`
arguments (four times that in one text). A ``#`` is refused rather than read
as a comment that would hide the rest of the text.

Examples
--------
>>> from symml._parse.parser import parse_expr, parse_symbols
>>> parse_expr("x^2*exp(-x)")
x**2*exp(-x)
>>> x, y = parse_symbols("x y")
>>> parse_expr("x**2*y").diff(x) == 2*x*y
True
>>> parse_expr('__import__("os").system("ls")')
Traceback (most recent call last):
    ...
symml.ParseError: expr='__import__("os").system("ls")' is not allowed: ...
"""

from __future__ import annotations

import ast
import builtins
import difflib
import keyword
import math
import operator
import re
import unicodedata
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

import sympy
from sympy.core.function import AppliedUndef, FunctionClass
from sympy.core.numbers import ImaginaryUnit
from sympy.matrices import MatrixBase
from sympy.matrices.expressions import MatrixExpr

from .._core import ArgumentError, ParseError, bad_argument

__all__ = [
    "FUNCTIONS",
    "FUNCTION_LETTERS",
    "MAX_BITS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_MATRIX_SIDE",
    "MAX_MINMAX_ARGS",
    "MAX_NODES",
    "parse_expr",
    "parse_symbols",
]

MAX_LENGTH = 2000
"""Longest text accepted, in characters."""
MAX_NODES = 1000
"""Most syntax-tree nodes (numbers, names, operators, calls) in one text."""
MAX_DEPTH = 60
"""Deepest nesting of brackets, calls and powers (long sums do not count)."""
MAX_BITS = 10_000
"""Largest exact number (about 3000 decimal digits) a text may produce."""
MAX_ROOT_BITS = 2_000
"""Largest integer whose exact root (``n**(1/3)``) is taken while parsing."""
MAX_MATRIX_SIDE = 100
"""Most rows, and most columns, of a matrix literal."""
MAX_DERIVATIVE_ORDER = 20
"""Highest total order of one ``Derivative``."""
MAX_MINMAX_ARGS = 8
"""Most arguments of one ``Max``/``Min`` (SymPy compares them pairwise)."""

_MINMAX_TOTAL = 4 * MAX_MINMAX_ARGS
_MATRIX_POWER_SIDE = 6
_MATRIX_POWER_MAX = 4
_MATRIX_INVERSE_SIDE = 3
_LN2 = math.log(2)

_CONSTANTS: dict[str, sympy.Basic] = {
    "pi": sympy.pi,
    "E": sympy.E,
    "e": sympy.E,
    "I": sympy.I,
    "oo": sympy.oo,
    "inf": sympy.oo,
    "nan": sympy.nan,
}

FUNCTION_LETTERS = frozenset("fghpquvFGHJLPQ")
"""Letters that may stand for undefined functions: ``f(x)``, ``L(theta)``."""

# Python's own names: in a formula they mean the text was written as code.
_PYTHON_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_")) | frozenset(
    {"os", "sys", "subprocess", "importlib", "shutil", "socket", "pickle", "ctypes", "sympy"}
)
# Function names that are also common parameter names, so stay symbols when not called.
_ALSO_SYMBOLS = frozenset({"gamma"})
_LAMBDA = re.compile(r"(?<![\w.])lambda(?!\w)")
_LAMBDA_STANDIN = "_lmbda"  # same length as "lambda", so text positions do not move
_Value = Any  # a built SymPy object (Expr, matrix or Eq)


def _sigmoid(t: sympy.Expr) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-t))


def _softplus(t: sympy.Expr) -> sympy.Expr:
    return sympy.log(1 + sympy.exp(t))


def _relu(t: sympy.Expr) -> sympy.Expr:
    return sympy.Max(0, t)


# name -> (SymPy callable or special handler name, fewest args, most args)
_SCALAR: dict[str, tuple[Callable[..., Any], int, int]] = {
    **{
        n: (getattr(sympy, n), 1, 1)
        for n in (
            "sin cos tan sec csc cot asin acos atan acot sinh cosh tanh asinh acosh atanh "
            "erf erfc Abs sign floor ceiling DiracDelta"
        ).split()
    },
    "abs": (sympy.Abs, 1, 1),
    "ceil": (sympy.ceiling, 1, 1),
    "ln": (sympy.log, 1, 1),
    "log": (sympy.log, 1, 2),
    "atan2": (sympy.atan2, 2, 2),
    "Heaviside": (sympy.Heaviside, 1, 2),
}
_SPECIAL: dict[str, tuple[str, int, int | None]] = {
    "exp": ("_call_exp", 1, 1),
    "sqrt": ("_call_sqrt", 1, 1),
    "factorial": ("_call_gamma", 1, 1),
    "gamma": ("_call_gamma", 1, 1),
    "loggamma": ("_call_gamma", 1, 1),
    "binomial": ("_call_binomial", 2, 2),
    "Max": ("_call_minmax", 1, MAX_MINMAX_ARGS),
    "max": ("_call_minmax", 1, MAX_MINMAX_ARGS),
    "Min": ("_call_minmax", 1, MAX_MINMAX_ARGS),
    "min": ("_call_minmax", 1, MAX_MINMAX_ARGS),
    "sigmoid": ("_call_ml", 1, 1),
    "softplus": ("_call_ml", 1, 1),
    "relu": ("_call_ml", 1, 1),
    "Eq": ("_call_eq", 2, 2),
    "Derivative": ("_call_derivative", 2, None),
    "diff": ("_call_derivative", 2, None),
    "Integral": ("_call_limits", 2, None),
    "integrate": ("_call_limits", 2, None),
    "Sum": ("_call_limits", 2, None),
    "Product": ("_call_limits", 2, None),
    "Matrix": ("_call_matrix", 1, 1),
}
FUNCTIONS = frozenset(_SCALAR) | frozenset(_SPECIAL)
"""Names that may be called: ``sin(x)``, ``log(x, 2)``, ``Sum(f, (i, 1, n))``, ..."""
_FUNCTION_LIST = ", ".join(sorted(FUNCTIONS, key=lambda s: (s.lower(), s)))
_SIMPLE_ORDER = {"Max": sympy.Max, "max": sympy.Max, "Min": sympy.Min, "min": sympy.Min}
_ML = {"sigmoid": _sigmoid, "softplus": _softplus, "relu": _relu}
_LIMITED = {
    "Integral": sympy.Integral,
    "integrate": sympy.Integral,
    "Sum": sympy.Sum,
    "Product": sympy.Product,
}

_NODE_WORDS: dict[type, tuple[str, str]] = {
    ast.Attribute: (
        "attribute access",
        "symml reads mathematics only: call functions by bare name, e.g. sin(x)",
    ),
    ast.Subscript: ("indexing with [...]", "name indexed quantities x_1 or x1"),
    ast.Lambda: ("a lambda function", "write the formula itself, e.g. x**2 + 1"),
    ast.ListComp: ("a comprehension", "write matrices out, e.g. [[1, 2], [3, 4]]"),
    ast.SetComp: ("a comprehension", "write matrices out, e.g. [[1, 2], [3, 4]]"),
    ast.DictComp: ("a comprehension", "write matrices out, e.g. [[1, 2], [3, 4]]"),
    ast.GeneratorExp: ("a generator expression", "use Sum(f, (i, 1, n)) for sums"),
    ast.JoinedStr: ("an f-string", "write the formula without quotes, e.g. x**2"),
    ast.FormattedValue: ("an f-string", "write the formula without quotes, e.g. x**2"),
    ast.Starred: ("unpacking with *", "write each argument out"),
    ast.NamedExpr: ("an assignment (:=)", "write an equation as a = b"),
    ast.IfExp: ("a conditional (if ... else)", "piecewise formulas are not parsed from text"),
    ast.BoolOp: ("'and'/'or'", "write a single formula"),
    ast.Dict: ("a dict", "matrices are written [[1, 2], [3, 4]]"),
    ast.Set: ("a set", "matrices are written [[1, 2], [3, 4]]"),
    ast.Tuple: ("a tuple", "tuples only appear as limits, e.g. Sum(f, (i, 1, n))"),
    ast.Compare: ("a comparison", "write one equation at the top level, e.g. a = b"),
    ast.Await: ("'await'", "symml reads mathematics only"),
    ast.Yield: ("'yield'", "symml reads mathematics only"),
    ast.YieldFrom: ("'yield'", "symml reads mathematics only"),
    ast.Slice: ("a slice", "name indexed quantities x_1 or x1"),
}
_OPERATOR_WORDS: dict[type, tuple[str, str]] = {
    ast.FloorDiv: ("'//'", "write floor(a/b)"),
    ast.Mod: ("'%'", "the remainder operator is not supported"),
    ast.BitOr: ("'|'", "conditional probabilities are not parsed; name a density, e.g. p(x, y)"),
    ast.BitAnd: ("'&'", "write a single formula"),
    ast.LShift: ("'<<'", "write powers as 2**n"),
    ast.RShift: ("'>>'", "write powers as 2**n"),
    ast.BitXor: ("'^'", "write powers as x**2"),
    ast.Invert: ("'~'", "write a single formula"),
    ast.Not: ("'not'", "write a single formula"),
}
# functions whose values stay within a few units, whatever their arguments
_BOUNDED = (
    sympy.sin,
    sympy.cos,
    sympy.tanh,
    sympy.erf,
    sympy.erfc,
    sympy.asin,
    sympy.acos,
    sympy.atan,
    sympy.acot,
    sympy.atan2,
    sympy.sign,
    sympy.Heaviside,
)
_ADDITIVE = (ast.Add, ast.Sub)
_MULTIPLICATIVE = (ast.Mult, ast.Div, ast.MatMult)


def _quote(text: str, limit: int = 60) -> str:
    """``repr`` of ``text`` shortened to about ``limit`` characters (one line)."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _message(name: str, text: str, problem: str, fix: str, verb: str = "valid") -> str:
    return f"{name}={_quote(text, 80)} is not {verb}: {problem}; {fix}"


def _pow2(x: float) -> float:
    return 2.0**x if x < 1000 else math.inf


def _log2_int(n: int) -> float:
    return math.log2(n) if n > 1 else 0.0


def _rational_bits(r: sympy.Rational) -> float:
    return _log2_int(max(abs(int(r.p)), abs(int(r.q))))


def _float_bits(f: sympy.Float) -> float:
    _sign, man, exp, bc = f._mpf_
    return float(abs(exp + bc)) if man else 0.0


def _abs_log2(value: sympy.Expr, size: float) -> float:
    """log2 of an upper bound on ``|value|`` (a number of size ``size``)."""
    if isinstance(value, sympy.Rational):
        if value == 0:
            return -math.inf
        return _log2_int(abs(int(value.p))) - _log2_int(int(value.q))
    return size


def _gamma_bits(value: sympy.Expr, size: float) -> float:
    """Bits of ``gamma(value)`` (or ``factorial``), an upper estimate."""
    if isinstance(value, sympy.Rational):
        x = abs(value)
        if x > 10**7:
            return math.inf
        return math.lgamma(float(x) + 2) / _LN2
    bound = _pow2(size)
    return bound * (size + 1) + 1


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


class _Parser:
    """Walks one syntax tree against the allowlist and builds SymPy objects."""

    def __init__(self, source: _Source, symbols: Mapping[str, Any], real: bool, name: str) -> None:
        self.src = source
        self.symbols = symbols
        self.real = real
        self.name = name
        self.bare_names: set[str] = set()
        self.minmax_total = 0
        self._memo: dict[Any, tuple[bool, float]] = {}

    # -- errors -----------------------------------------------------------------
    def fail(self, problem: str, fix: str, verb: str = "valid") -> NoReturn:
        raise ParseError(_message(self.name, self.src.text, problem, fix, verb))

    def frag(self, node: ast.AST, limit: int = 50) -> str:
        return _quote(self.src.fragment(node), limit)

    def reject(self, node: ast.AST) -> NoReturn:
        what, fix = _NODE_WORDS.get(type(node), (f"Python syntax ({type(node).__name__})", ""))
        if isinstance(node, ast.Attribute):
            what = f"attribute access (.{node.attr})"
        fix = fix or "symml reads mathematics only"
        self.fail(f"{self.frag(node)} uses {what}", fix, verb="allowed")

    def too_large(self, node: ast.AST, what: str = "the number", bits: int = MAX_BITS) -> NoReturn:
        self.fail(
            f"{what} in {self.frag(node)} is too large "
            f"(limit {bits} bits, about {int(bits * 0.30103)} digits)",
            "use smaller numbers, or keep the formula symbolic (n instead of its value)",
        )

    def call_sympy(self, node: ast.AST, func: Callable[..., Any], *args: Any) -> Any:
        """Call a SymPy constructor, turning its errors into a ParseError."""
        try:
            return func(*args)
        except (ParseError, RecursionError, MemoryError):
            raise
        except Exception as exc:
            self.fail(
                f"SymPy cannot build {self.frag(node)}: {_first_line(exc)}",
                "check the arguments and the shapes",
            )

    # -- the tree ---------------------------------------------------------------
    def inspect(self, tree: ast.Expression) -> None:
        """Count nodes, measure nesting and collect names, all without recursion."""
        count = 0
        calls: dict[str, ast.Call] = {}
        stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
        while stack:
            node, depth = stack.pop()
            count += 1
            if count > MAX_NODES:
                self.fail(
                    f"the text has more than {MAX_NODES} parts", "split it into smaller formulas"
                )
            if depth > MAX_DEPTH:
                self.fail(
                    f"the text is nested more than {MAX_DEPTH} levels deep",
                    "remove redundant brackets or split the formula",
                )
            if isinstance(node, ast.Name):
                self.bare_names.add(node.id)
            elif isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name):
                    calls.setdefault(node.func.id, node)
                    children: list[ast.AST] = [*node.args, *node.keywords]
                else:
                    children = [node.func, *node.args, *node.keywords]
                stack.extend((child, depth + 1) for child in children)
                continue
            for child in ast.iter_child_nodes(node):
                if not isinstance(child, (ast.expr, ast.keyword)):
                    continue
                same_chain = (
                    isinstance(node, ast.BinOp)
                    and child is node.left
                    and isinstance(child, ast.BinOp)
                    and _family(child.op) is not None
                    and _family(child.op) == _family(node.op)
                )
                stack.append((child, depth if same_chain else depth + 1))
        for name, call in calls.items():
            if name in self.bare_names and name in FUNCTION_LETTERS and name not in self.symbols:
                text = self.src.fragment(call)
                self.fail(
                    f"{name!r} is used both as a function, in {_quote(text, 40)}, and as a symbol",
                    f"for a product write {_quote(_implicit_product(text, name), 40)}",
                )

    def top(self, body: ast.expr, equation: bool) -> _Value:
        if equation:
            if not isinstance(body, ast.Tuple) or len(body.elts) != 2:
                self.fail("'=' must have one formula on each side", "write an equation as a = b")
            return self.equation(body, body.elts[0], body.elts[1])
        if isinstance(body, ast.Compare) and len(body.ops) == 1 and isinstance(body.ops[0], ast.Eq):
            return self.equation(body, body.left, body.comparators[0])
        return self.build(body)

    def equation(self, node: ast.AST, left: ast.expr, right: ast.expr) -> _Value:
        lhs, rhs = self.arith_operand(left), self.arith_operand(right)
        return self.call_sympy(node, lambda: sympy.Eq(lhs, rhs, evaluate=False))

    def build(self, node: ast.expr) -> _Value:
        method = getattr(self, "_build_" + type(node).__name__, None)
        if method is None:
            self.reject(node)
        value = method(node)
        if self.measure(value)[2] > MAX_BITS:
            self.too_large(node)
        return value

    def scalar(self, node: ast.expr, what: str = "this argument") -> sympy.Expr:
        value = self.build(node)
        if _is_matrix(value):
            self.fail(f"{what} {self.frag(node)} is a matrix", "use a scalar expression here")
        if not isinstance(value, sympy.Expr):
            self.fail(
                f"{what} {self.frag(node)} is an equation, not an expression",
                "write the equation at the top level, e.g. a = b",
            )
        return value

    # -- leaves -----------------------------------------------------------------
    def _build_Constant(self, node: ast.Constant) -> _Value:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            self.fail(f"{self.frag(node)} is a Python constant", "write a number or a name")
        if isinstance(value, int):
            if value.bit_length() > MAX_BITS:
                self.too_large(node)
            return sympy.Integer(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                self.fail(
                    f"{self.frag(node)} overflows a float (largest about 1.8e308)",
                    "write large numbers exactly, e.g. 10**400",
                )
            mantissa = re.split("[eE]", self.src.fragment(node))[0]
            if value == 0 and re.search("[1-9]", mantissa):
                self.fail(
                    f"{self.frag(node)} underflows a float to 0",
                    "write small numbers exactly, e.g. 10**(-400)",
                )
            return sympy.Float(value)
        if isinstance(value, complex):
            self.fail(f"{self.frag(node)} is a Python complex literal", "write 2*I for 2j")
        self.fail(
            f"{self.frag(node)} is a string",
            "remove the quotes: write x, not 'x'",
            verb="allowed",
        )

    def checked_name(self, node: ast.Name) -> str:
        name = node.id
        if name == _LAMBDA_STANDIN and self.src.fragment(node) == "lambda":
            return "lambda"
        if name.startswith("_") or "__" in name:
            self.fail(
                f"the name {self.frag(node)} starts with '_' or contains '__'",
                "names start with a letter, e.g. x, x_1, theta",
                verb="allowed",
            )
        return name

    def _build_Name(self, node: ast.Name) -> _Value:
        name = self.checked_name(node)
        if name in self.symbols:
            value = self.symbols[name]
            if isinstance(value, FunctionClass):
                self.fail(f"{name!r} is a function", f"call it, e.g. {name}(x)")
            return value
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        if name in FUNCTIONS and name not in _ALSO_SYMBOLS:
            self.fail(f"{name!r} is a function", f"call it, e.g. {name}(x)")
        if name in _PYTHON_NAMES or (keyword.iskeyword(name) and name != "lambda"):
            self.fail(
                f"{name!r} is a Python name, not mathematics",
                "rename the symbol, e.g. x or theta",
                verb="allowed",
            )
        return self.symbol(name)

    def symbol(self, name: str) -> sympy.Symbol:
        return sympy.Symbol(name, real=True) if self.real else sympy.Symbol(name)

    # -- operators --------------------------------------------------------------
    def _build_UnaryOp(self, node: ast.UnaryOp) -> _Value:
        if isinstance(node.op, ast.USub):
            operand = self.arith_operand(node.operand)
            return self.call_sympy(node, operator.neg, operand)
        if isinstance(node.op, ast.UAdd):
            return self.arith_operand(node.operand)
        what, fix = _OPERATOR_WORDS[type(node.op)]
        self.fail(f"{self.frag(node)} uses {what}", fix, verb="allowed")

    def arith_operand(self, node: ast.expr) -> _Value:
        value = self.build(node)
        if not isinstance(value, sympy.Expr) and not _is_matrix(value):
            self.fail(
                f"{self.frag(node)} is an equation inside arithmetic",
                "write one equation at the top level, e.g. a = b",
            )
        return value

    def _build_BinOp(self, node: ast.BinOp) -> _Value:
        family = _family(node.op)
        if family is None:
            if isinstance(node.op, ast.Pow):
                base = self.arith_operand(node.left)
                exponent = self.arith_operand(node.right)
                return self.power(node, base, exponent)
            what, fix = _OPERATOR_WORDS[type(node.op)]
            self.fail(f"{self.frag(node)} uses {what}", fix, verb="allowed")
        items: list[tuple[type | None, ast.expr]] = []
        left: ast.expr = node
        while isinstance(left, ast.BinOp) and _family(left.op) == family:
            items.append((type(left.op), left.right))
            left = left.left
        items.append((None, left))
        items.reverse()
        values = [(op, self.arith_operand(item), item) for op, item in items]
        if family == "add":
            return self.add_chain(node, values)
        return self.mul_chain(node, values)

    def add_chain(self, node: ast.BinOp, values: list[tuple[Any, _Value, ast.expr]]) -> _Value:
        matrices = [_is_matrix(v) for _, v, _ in values]
        if not any(matrices):
            terms = [v if op is not ast.Sub else -v for op, v, _ in values]
            return self.call_sympy(node, sympy.Add, *terms)
        if not all(matrices):
            bad = next(item for (_, _, item), m in zip(values, matrices, strict=True) if not m)
            self.fail(
                f"{self.frag(node)} adds the scalar {self.frag(bad, 30)} to a matrix",
                "add matrices of the same shape, or multiply the scalar by a matrix",
            )
        acc = values[0][1]
        for op, value, _ in values[1:]:
            acc = self.call_sympy(node, operator.sub if op is ast.Sub else operator.add, acc, value)
        return acc

    def mul_chain(self, node: ast.BinOp, values: list[tuple[Any, _Value, ast.expr]]) -> _Value:
        any_matrix = any(_is_matrix(v) for _, v, _ in values)
        if not any_matrix and all(op is not ast.MatMult for op, _, _ in values):
            factors = [
                v if op is not ast.Div else self.power(item, v, sympy.S.NegativeOne)
                for op, v, item in values
            ]
            return self.call_sympy(node, sympy.Mul, *factors)
        acc = values[0][1]
        for op, value, item in values[1:]:
            if op is ast.Div:
                if _is_matrix(value):
                    self.fail(
                        f"{self.frag(node)} divides by the matrix {self.frag(item, 30)}",
                        "multiply by its inverse, M**-1 (up to 3x3)",
                    )
                acc = self.call_sympy(node, operator.truediv, acc, value)
            elif op is ast.MatMult:
                if not (_is_matrix(acc) and _is_matrix(value)):
                    self.fail(f"{self.frag(node)} uses '@' on a scalar", "use * for scalars")
                acc = self.call_sympy(node, operator.matmul, acc, value)
            else:
                acc = self.call_sympy(node, operator.mul, acc, value)
        return acc

    def power(self, node: ast.AST, base: _Value, exponent: _Value) -> _Value:
        if _is_matrix(exponent):
            self.fail(f"the exponent in {self.frag(node)} is a matrix", "use a scalar exponent")
        if isinstance(base, MatrixBase):
            return self.matrix_power(node, base, exponent)
        if _is_matrix(base):  # a symbolic MatrixSymbol from ``symbols``: stays unevaluated
            return self.call_sympy(node, operator.pow, base, exponent)
        if base == sympy.E:
            return self.exp(node, exponent)
        exp_num, exp_mag, _ = self.measure(exponent)
        if exp_num:
            log2_exponent = _abs_log2(exponent, exp_mag)
            for factor in sympy.Mul.make_args(base):
                is_num, mag, _ = self.measure(factor)
                if not is_num or mag == 0:
                    continue
                if log2_exponent + math.log2(mag) > math.log2(MAX_BITS):
                    self.too_large(node, "a power")
                if isinstance(exponent, sympy.Rational) and not exponent.is_Integer:
                    for atom in factor.atoms(sympy.Rational):
                        if _rational_bits(atom) * abs(int(exponent.p)) > MAX_ROOT_BITS:
                            self.too_large(node, "an exact root", MAX_ROOT_BITS)
        return self.call_sympy(node, sympy.Pow, base, exponent)

    def matrix_power(self, node: ast.AST, base: MatrixBase, exponent: _Value) -> _Value:
        rows, cols = base.shape
        if rows != cols:
            self.fail(
                f"{self.frag(node)} raises a {rows}x{cols} matrix to a power",
                "only square matrices have powers",
            )
        if not isinstance(exponent, sympy.Integer):
            self.fail(
                f"the exponent in {self.frag(node)} is not an integer",
                "matrix powers take integers, e.g. M**2",
            )
        k = int(exponent)
        if k == -1 and rows <= _MATRIX_INVERSE_SIDE:
            return self.call_sympy(node, base.inv)
        if 0 <= k <= _MATRIX_POWER_MAX and rows <= _MATRIX_POWER_SIDE:
            return self.call_sympy(node, operator.pow, base, k)
        self.fail(
            f"{self.frag(node)} is too costly to compute while parsing",
            f"text allows M**k for 0 <= k <= {_MATRIX_POWER_MAX} up to "
            f"{_MATRIX_POWER_SIDE}x{_MATRIX_POWER_SIDE} and M**-1 up to "
            f"{_MATRIX_INVERSE_SIDE}x{_MATRIX_INVERSE_SIDE}; use the Python API for more",
        )

    def exp(self, node: ast.AST, arg: sympy.Expr) -> sympy.Expr:
        for term in sympy.Add.make_args(arg):
            is_num, mag, _ = self.measure(term)
            if is_num and _abs_log2(term, mag) > math.log2(MAX_BITS / 1.45):
                self.too_large(node, "an exponential")
        return self.call_sympy(node, sympy.exp, arg)

    # -- sizes ------------------------------------------------------------------
    def measure(self, value: Any) -> tuple[bool, float, float]:
        """``(is a number, magnitude, size)`` of a built value.

        The magnitude bounds ``|log2|value||`` when the value is a number; the
        size is the largest magnitude of any number inside it (itself included).
        Evaluating a number SymPy-style (``floor``, ``sin``, signs) costs about
        its size in bits of precision, so sizes are kept under ``MAX_BITS``.
        """
        if not isinstance(value, sympy.Basic):
            return False, 0.0, 0.0
        cached = self._memo.get(value)
        if cached is not None:
            return cached
        if isinstance(value, sympy.Rational):
            bits = _rational_bits(value)
            result = (True, bits, bits)
        elif isinstance(value, sympy.Float):
            bits = _float_bits(value)
            result = (True, bits, bits)
        elif isinstance(value, (sympy.Number, sympy.NumberSymbol, ImaginaryUnit)):
            result = (True, 2.0, 2.0)
        elif not value.args:
            result = (False, 0.0, 0.0)
        else:
            parts = [self.measure(arg) for arg in value.args]
            inner = max(size for _, _, size in parts)
            number = (
                isinstance(value, sympy.Expr)
                and not isinstance(value, (AppliedUndef, MatrixExpr))
                and all(is_num for is_num, _, _ in parts)
            )
            mag = _magnitude(value, [m for _, m, _ in parts]) if number else 0.0
            result = (number, mag, max(inner, mag))
        self._memo[value] = result
        return result

    # -- calls ------------------------------------------------------------------
    def _build_Call(self, node: ast.Call) -> _Value:
        func = node.func
        if not isinstance(func, ast.Name):
            if isinstance(func, (ast.Attribute, ast.Subscript, ast.Lambda)):
                self.reject(func)
            start, stop = self.src.span(node)
            at = self.src.span(func)[1]
            while at < stop and self.src.code[at] in " \t\n)":
                at += 1
            product = self.src.original(start, at).rstrip() + "*" + self.src.original(at, stop)
            self.fail(
                f"{self.frag(node, 40)} is not a function call",
                f"for a product write {_quote(product, 40)}",
            )
        for keyword_arg in node.keywords:
            shown = f"{keyword_arg.arg}=" if keyword_arg.arg else "**"
            self.fail(
                f"{self.frag(node)} passes the keyword argument {shown}",
                "pass arguments by position, e.g. log(x, 2)",
                verb="allowed",
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.reject(arg)
        name = self.checked_name(func)
        if name in self.symbols:
            value = self.symbols[name]
            if isinstance(value, FunctionClass):
                args = [self.scalar(a) for a in node.args]
                return self.call_sympy(node, value, *args)
            self.not_a_function(node, name)
        if name in _SCALAR:
            function, low, high = _SCALAR[name]
            self.check_arity(node, name, low, high)
            args = [self.scalar(a, f"the argument of {name}") for a in node.args]
            return self.call_sympy(node, function, *args)
        if name in _SPECIAL:
            method, low, high = _SPECIAL[name]
            self.check_arity(node, name, low, high)
            return getattr(self, method)(node, name)
        if name in FUNCTION_LETTERS:
            if not node.args:
                self.fail(f"{self.frag(node)} has no arguments", f"write {name}(x)")
            args = [self.scalar(a) for a in node.args]
            function = sympy.Function(name, real=True) if self.real else sympy.Function(name)
            return self.call_sympy(node, function, *args)
        if name in _PYTHON_NAMES or keyword.iskeyword(name):
            self.fail(
                f"{self.frag(node)} calls {name!r}, which is Python, not mathematics",
                "symml reads formulas only, e.g. sin(x)**2 + 1",
                verb="allowed",
            )
        if len(name) == 1 or name in self.bare_names or name in _CONSTANTS:
            self.not_a_function(node, name)
        close = difflib.get_close_matches(name, FUNCTIONS, n=1)
        hint = f"did you mean {close[0]}(...)? " if close else ""
        self.fail(
            f"{name!r} in {self.frag(node)} is not a known function",
            f"{hint}known functions: {_FUNCTION_LIST}; undefined functions are the letters "
            f"{' '.join(sorted(FUNCTION_LETTERS))}",
        )

    def not_a_function(self, node: ast.Call, name: str) -> NoReturn:
        text = self.src.fragment(node)
        letters = " ".join(sorted(FUNCTION_LETTERS))
        self.fail(
            f"{name!r} in {_quote(text, 40)} is not a function",
            f"for a product write {_quote(_implicit_product(text, name), 40)}; "
            f"undefined functions are the letters {letters}",
        )

    def check_arity(self, node: ast.Call, name: str, low: int, high: int | None) -> None:
        n = len(node.args)
        if low <= n and (high is None or n <= high):
            return
        if high is None:
            wanted = f"at least {low}"
        elif low == high:
            wanted = str(low)
        else:
            wanted = f"{low} to {high}"
        self.fail(
            f"{self.frag(node)} gives {name} {n} argument{'s' * (n != 1)}, it takes {wanted}",
            f"see help(symml.parse_expr) for how to write {name}",
        )

    def _call_exp(self, node: ast.Call, name: str) -> _Value:
        return self.exp(node, self.scalar(node.args[0], "the argument of exp"))

    def _call_sqrt(self, node: ast.Call, name: str) -> _Value:
        return self.power(node, self.scalar(node.args[0], "the argument of sqrt"), sympy.S.Half)

    def _call_gamma(self, node: ast.Call, name: str) -> _Value:
        arg = self.scalar(node.args[0], f"the argument of {name}")
        is_num, mag, _ = self.measure(arg)
        if is_num and _gamma_bits(arg, mag) > MAX_BITS:
            self.too_large(node, f"{name} of a number")
        function = {"factorial": sympy.factorial, "gamma": sympy.gamma}.get(name, sympy.loggamma)
        return self.call_sympy(node, function, arg)

    def _call_binomial(self, node: ast.Call, name: str) -> _Value:
        n = self.scalar(node.args[0], "the argument of binomial")
        k = self.scalar(node.args[1], "the argument of binomial")
        n_num, n_mag, _ = self.measure(n)
        k_num, k_mag, _ = self.measure(k)
        if n_num and k_num:
            if n.is_Integer and k.is_Integer and n >= 0:
                # log2 C(n, k) <= k * log2(e * n / k) with k the smaller side
                small = min(int(k), int(n - k))
                bits = 0.0 if small <= 0 else small * (_log2_int(int(n)) - math.log2(small) + 1.45)
            elif k.is_Integer:
                bits = abs(int(k)) * (n_mag + 1)
            else:
                bits = _gamma_bits(n, n_mag) + _gamma_bits(k, k_mag)
            if bits > MAX_BITS:
                self.too_large(node, "binomial of numbers")
        return self.call_sympy(node, sympy.binomial, n, k)

    def _call_minmax(self, node: ast.Call, name: str) -> _Value:
        function = _SIMPLE_ORDER[name]
        args = [self.scalar(a, f"the argument of {name}") for a in node.args]
        total = sum(len(a.args) if isinstance(a, (sympy.Max, sympy.Min)) else 1 for a in args)
        self.minmax_total += total
        if self.minmax_total > _MINMAX_TOTAL:
            self.fail(
                f"it compares more than {_MINMAX_TOTAL} terms in Max/Min",
                "split the formula; SymPy compares Max/Min arguments pairwise",
            )
        if total > MAX_MINMAX_ARGS:
            self.fail(
                f"{self.frag(node)} compares {total} terms (limit {MAX_MINMAX_ARGS})",
                "split the comparison into smaller formulas",
            )
        return self.call_sympy(node, function, *args)

    def _call_ml(self, node: ast.Call, name: str) -> _Value:
        arg = self.scalar(node.args[0], f"the argument of {name}")
        if name != "relu":
            self.exp(node, -arg if name == "sigmoid" else arg)  # size check only
        return self.call_sympy(node, _ML[name], arg)

    def _call_eq(self, node: ast.Call, name: str) -> _Value:
        return self.equation(node, node.args[0], node.args[1])

    def variable(self, node: ast.expr) -> sympy.Basic:
        value = self.build(node)
        if not (
            isinstance(value, (sympy.Symbol, AppliedUndef))
            or (_is_matrix(value) and value.is_symbol)
        ):
            self.fail(
                f"{self.frag(node)} is not a variable",
                "differentiate, integrate or sum with respect to a name, e.g. x",
            )
        return value

    def _call_derivative(self, node: ast.Call, name: str) -> _Value:
        expr = self.build(node.args[0])
        pairs: list[list[Any]] = []
        counted = True  # whether the last variable already has its order
        for arg in node.args[1:]:
            if isinstance(arg, ast.Tuple):
                if len(arg.elts) != 2:
                    self.fail(f"{self.frag(arg)} is not (variable, order)", "write e.g. (x, 2)")
                pairs.append([self.variable(arg.elts[0]), self.order(arg.elts[1])])
                counted = True
                continue
            value = self.build(arg)
            if isinstance(value, sympy.Integer):
                if counted:
                    self.fail(
                        f"the order {self.frag(arg)} does not follow a variable",
                        f"write e.g. {name}(f, x, 2)",
                    )
                pairs[-1][1] = self.order(arg)
                counted = True
            else:
                pairs.append([self.variable(arg), 1])
                counted = False
        if sum(order for _, order in pairs) > MAX_DERIVATIVE_ORDER:
            self.fail(
                f"{self.frag(node)} asks for a derivative of order above {MAX_DERIVATIVE_ORDER}",
                "use a lower order",
            )
        return self.call_sympy(node, sympy.Derivative, expr, *[tuple(p) for p in pairs])

    def order(self, node: ast.expr) -> int:
        value = self.build(node)
        if not isinstance(value, sympy.Integer) or value < 0:
            self.fail(f"the order {self.frag(node)} is not a whole number", "write e.g. (x, 2)")
        if value > MAX_DERIVATIVE_ORDER:
            self.fail(
                f"the order {self.frag(node)} is above {MAX_DERIVATIVE_ORDER}",
                "use a lower order",
            )
        return int(value)

    def _call_limits(self, node: ast.Call, name: str) -> _Value:
        expr = self.build(node.args[0])
        triple = name in ("Sum", "Product")
        limits: list[Any] = []
        for arg in node.args[1:]:
            if isinstance(arg, ast.Tuple):
                if (triple and len(arg.elts) != 3) or not 1 <= len(arg.elts) <= 3:
                    shape = "(i, 1, n)" if triple else "(x, a, b)"
                    self.fail(
                        f"{self.frag(arg)} is not a limit {shape}", f"write e.g. {name}(f, {shape})"
                    )
                limits.append(
                    (self.variable(arg.elts[0]), *[self.scalar(e, "a limit") for e in arg.elts[1:]])
                )
            elif triple:
                self.fail(
                    f"{self.frag(arg)} is not a limit (i, 1, n)", f"write e.g. {name}(f, (i, 1, n))"
                )
            else:
                limits.append(self.variable(arg))
        return self.call_sympy(node, _LIMITED[name], expr, *limits)

    def _call_matrix(self, node: ast.Call, name: str) -> _Value:
        arg = node.args[0]
        if not isinstance(arg, ast.List):
            self.fail(f"{self.frag(node)} does not hold a list", "write Matrix([[1, 2], [3, 4]])")
        return self.build(arg)

    def _build_List(self, node: ast.List) -> _Value:
        elts = node.elts
        if not elts:
            self.fail("'[]' is an empty matrix", "write at least one entry, e.g. [[1, 2], [3, 4]]")
        nested = [isinstance(e, ast.List) for e in elts]
        if all(nested):
            widths = {len(row.elts) for row in elts}  # type: ignore[attr-defined]
            if len(widths) != 1 or 0 in widths:
                self.fail(
                    f"the rows of {self.frag(node)} differ in length",
                    "give every row the same number of entries",
                )
            row_nodes = [row.elts for row in elts]  # type: ignore[attr-defined]
        elif any(nested):
            self.fail(
                f"{self.frag(node)} mixes rows and single entries",
                "write a matrix as [[1, 2], [3, 4]] or a column as [1, 2]",
            )
        else:
            row_nodes = [[e] for e in elts]
        if len(row_nodes) > MAX_MATRIX_SIDE or len(row_nodes[0]) > MAX_MATRIX_SIDE:
            self.fail(
                f"{self.frag(node)} is larger than {MAX_MATRIX_SIDE}x{MAX_MATRIX_SIDE}",
                "build large matrices with the Python API",
            )
        rows = []
        for row in row_nodes:
            entries = []
            for entry in row:
                if isinstance(entry, ast.List):
                    self.fail(
                        f"{self.frag(node)} nests lists more than two deep",
                        "write a matrix as [[1, 2], [3, 4]]",
                    )
                entries.append(self.scalar(entry, "the entry"))
            rows.append(entries)
        return self.call_sympy(node, sympy.ImmutableMatrix, rows)


def _family(op: ast.operator) -> str | None:
    if isinstance(op, _ADDITIVE):
        return "add"
    if isinstance(op, _MULTIPLICATIVE):
        return "mul"
    return None


def _is_matrix(value: Any) -> bool:
    return isinstance(value, (MatrixBase, MatrixExpr))


def _magnitude(value: sympy.Basic, sizes: list[float]) -> float:
    """Upper bound on ``|log2|value||`` of a number from the magnitudes of its arguments."""
    if isinstance(value, sympy.Add):
        return max(sizes) + math.log2(len(sizes)) + 1
    if isinstance(value, sympy.Mul):
        return sum(sizes)
    if isinstance(value, sympy.Pow):
        return _pow2(_abs_log2(value.exp, sizes[1])) * sizes[0]
    if isinstance(value, (sympy.exp, sympy.sinh, sympy.cosh)):
        return _pow2(_abs_log2(value.args[0], sizes[0])) * 1.45 + 1
    if isinstance(value, (sympy.gamma, sympy.factorial, sympy.loggamma)):
        return _gamma_bits(value.args[0], sizes[0])
    if isinstance(value, sympy.binomial):
        return _pow2(sizes[1]) * (sizes[0] + 1)
    if isinstance(value, sympy.log):
        return math.log2(sizes[0] + 1) + 2
    if isinstance(value, _BOUNDED):
        return 2.0
    return max(sizes, default=0.0) + 2


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


def _check_symbols(symbols: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if symbols is None:
        return {}
    if not isinstance(symbols, Mapping):
        raise ArgumentError(
            bad_argument(
                "symbols", symbols, "pass a mapping of names to SymPy objects, e.g. {'x': x}"
            )
        )
    for key, value in symbols.items():
        if not isinstance(key, str) or not isinstance(value, (sympy.Basic, FunctionClass)):
            raise ArgumentError(
                bad_argument(
                    "symbols",
                    {key: value},
                    "map names (str) to SymPy objects or functions, e.g. {'x': Symbol('x')}",
                )
            )
    return symbols


def parse_expr(
    text: str,
    *,
    symbols: Mapping[str, sympy.Basic | FunctionClass] | None = None,
    real: bool = True,
    name: str = "expr",
) -> sympy.Basic:
    """Parse a formula written as text into a SymPy object, without executing it.

    Parameters
    ----------
    text : str
        One formula, e.g. ``"x^2*exp(-x)"``, ``"[[1, x], [x, 1]]"`` or
        ``"y = 2*x + 1"``. See the module docstring for what it may contain.
    symbols : mapping of str to SymPy object or function, optional
        Objects to use for these names (they win over constants and built-in
        meanings): ``{"x": x, "f": Function("f"), "X": MatrixSymbol("X", 3, 3)}``.
    real : bool, default True
        Create new symbols (and undefined functions) with ``real=True``.
    name : str, default "expr"
        The argument's name, used in error messages (``"--wrt"``, ``"EXPR"``).

    Returns
    -------
    sympy.Basic
        An expression, an ``ImmutableMatrix`` or an unevaluated ``Eq``.

    Raises
    ------
    ParseError
        The text is not a formula, uses anything outside the allowlist, or is
        too large; the one-line message quotes the offending part and the fix.
    ArgumentError
        ``symbols`` is not a mapping of names to SymPy objects.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml._parse.parser import parse_expr
    >>> parse_expr("2*x*cos(x^2)")
    2*x*cos(x**2)
    >>> parse_expr("x").is_real, parse_expr("x", real=False).is_real
    (True, None)
    >>> parse_expr("sigmoid(t)")
    1/(1 + exp(-t))
    >>> parse_expr("diff(sin(x**2), x)")
    Derivative(sin(x**2), x)
    >>> parse_expr("[[1, x], [x, 1]]")
    Matrix([
    [1, x],
    [x, 1]])
    >>> parse_expr("y = 2*x + 1")
    Eq(y, 2*x + 1)
    >>> w = sp.Symbol("w", positive=True)
    >>> parse_expr("sqrt(w**2)", symbols={"w": w})
    w

    Products need a ``*``, and code is refused, never run:

    >>> parse_expr("2x")
    Traceback (most recent call last):
        ...
    symml.ParseError: expr='2x' is not valid: '2x' is missing an operator; ...
    >>> parse_expr("9**9**9")
    Traceback (most recent call last):
        ...
    symml.ParseError: expr='9**9**9' is not valid: a power in '9**9**9' is too large ...
    """
    symbols = _check_symbols(symbols)

    def fail(problem: str, fix: str, verb: str = "valid") -> NoReturn:
        raise ParseError(_message(name, text, problem, fix, verb)) from None

    if not isinstance(text, str):
        raise ParseError(bad_argument(name, text, "pass the formula as text, e.g. 'x**2 + 1'"))
    if len(text) > MAX_LENGTH:
        fail(
            f"the text has {len(text)} characters (limit {MAX_LENGTH})",
            "shorten it, or build large formulas with the Python API",
        )
    if not text.strip():
        fail("the text is empty", "write a formula, e.g. x**2 + 1")
    _check_characters(text, fail)
    if "#" in text:
        fail(
            f"'#' starts a Python comment, which would hide {_quote(text[text.index('#') :], 30)}",
            "remove the '#' and what follows it",
            "allowed",
        )
    source = _Source(text)
    equals = _top_level_equals(source.code)
    if len(equals) > 1:
        fail("it has more than one '='", "write one equation, e.g. y = 2*x + 1")
    if equals:
        at = equals[0]
        if not source.code[:at].strip() or not source.code[at + 1 :].strip():
            fail("one side of '=' is empty", "write an equation as a = b")
        source.code = source.code[:at] + "," + source.code[at + 1 :]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source.code, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as exc:
        _syntax_failure(source, exc, fail)
    parser = _Parser(source, symbols, real, name)
    try:
        parser.inspect(tree)
        return parser.top(tree.body, equation=bool(equals))
    except (RecursionError, MemoryError):
        fail(
            "it is too large or too deeply nested to build",
            "split it into smaller formulas",
        )


def parse_symbols(
    names: str | Sequence[str], *, real: bool = True, name: str = "wrt"
) -> list[sympy.Symbol]:
    """Parse variable names into Symbols, the same ones :func:`parse_expr` creates.

    Parameters
    ----------
    names : str or sequence of str
        ``"x y"``, ``"x, y"`` or ``["x", "y"]`` (each item may itself hold
        several names, as argparse's ``nargs="+"`` gives them).
    real : bool, default True
        Create the symbols with ``real=True``, as :func:`parse_expr` does.
    name : str, default "wrt"
        The argument's name, used in error messages.

    Returns
    -------
    list of sympy.Symbol
        One Symbol per name, in order.

    Raises
    ------
    ParseError
        No names, a repeated name, or a name that is not a plain identifier,
        is a Python keyword or builtin, starts with ``_``, or is a constant or
        function of :func:`parse_expr` (``pi``, ``e``, ``sin``, ...).

    Examples
    --------
    >>> from symml._parse.parser import parse_expr, parse_symbols
    >>> parse_symbols("x y")
    [x, y]
    >>> parse_symbols(["mu", "sigma"])
    [mu, sigma]
    >>> x, y = parse_symbols("x, y")
    >>> parse_expr("x**2*y").diff(x)
    2*x*y
    >>> parse_symbols("x 2y")
    Traceback (most recent call last):
        ...
    symml.ParseError: wrt='x 2y' is not valid: '2y' is not a name; ...
    """
    shown = names if isinstance(names, str) else " ".join(map(str, names))

    def fail(problem: str, fix: str) -> NoReturn:
        raise ParseError(_message(name, shown, problem, fix))

    if isinstance(names, str):
        items: list[Any] = [names]
    elif isinstance(names, Sequence):
        items = list(names)
    else:
        raise ParseError(bad_argument(name, names, "pass names as text, e.g. 'x y'"))
    words: list[str] = []
    for item in items:
        if not isinstance(item, str):
            fail(f"{item!r} is not text", "pass names as text, e.g. 'x y' or ['x', 'y']")
        if len(item) > MAX_LENGTH:
            fail(f"the text has {len(item)} characters (limit {MAX_LENGTH})", "pass fewer names")
        words += [w for w in re.split(r"[\s,]+", item) if w]
    if not words:
        fail("no names were given", "pass names such as 'x y'")
    result: list[sympy.Symbol] = []
    seen: set[str] = set()
    for word in words:
        normal = unicodedata.normalize("NFKC", word)
        if not normal.isidentifier():
            fail(
                f"{_quote(word, 30)} is not a name", "names start with a letter, e.g. x, x_1, theta"
            )
        if normal.startswith("_") or "__" in normal:
            fail(f"{_quote(word, 30)} starts with '_' or contains '__'", "use a name such as x_1")
        if (keyword.iskeyword(normal) and normal != "lambda") or normal in _PYTHON_NAMES:
            fail(
                f"{_quote(word, 30)} is a Python name", "use a mathematical name such as x or theta"
            )
        if normal in _CONSTANTS or (normal in FUNCTIONS and normal not in _ALSO_SYMBOLS):
            fail(
                f"{_quote(word, 30)} is a constant or function in formulas",
                "use another name, e.g. x or theta",
            )
        if normal in seen:
            fail(f"{_quote(word, 30)} is given twice", "give each name once")
        seen.add(normal)
        result.append(sympy.Symbol(normal, real=True) if real else sympy.Symbol(normal))
    return result
