"""The ``ast`` walker: checks one syntax tree against the allowlist and builds SymPy objects.

Each node type has a ``_build_<Node>`` method and each special function a
``_call_<kind>`` method; anything without one is refused by :meth:`_Parser.reject`.
Sizes are checked with :class:`~symml._parse.limits.Sizes` before SymPy builds a number.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import sympy
from sympy.core.function import AppliedUndef, FunctionClass
from sympy.matrices import MatrixBase
from sympy.matrices.expressions import MatrixExpr

from .._core import BudgetExceededError, ParseError
from . import decide
from .limits import (
    _MATRIX_INVERSE_SIDE,
    _MATRIX_POWER_MAX,
    _MATRIX_POWER_SIDE,
    _MINMAX_TOTAL,
    MAX_ATAN2_BITS,
    MAX_BITS,
    MAX_DEPTH,
    MAX_DERIVATIVE_ORDER,
    MAX_MATRIX_SIDE,
    MAX_MINMAX_ARGS,
    MAX_NODES,
    Sizes,
)
from .source import _LAMBDA_STANDIN, _first_line, _implicit_product, _message, _quote, _Source
from .vocabulary import (
    _ALSO_SYMBOLS,
    _CONSTANTS,
    _DECIDING,
    _FUNCTION_LIST,
    _LIMITED,
    _ML,
    _PYTHON_NAMES,
    _SCALAR,
    _SIMPLE_ORDER,
    _SPECIAL,
    FUNCTION_LETTERS,
    FUNCTIONS,
    REFUSED,
)

_Value = Any  # a built SymPy object (Expr, matrix or Eq)
_ADDITIVE = (ast.Add, ast.Sub)
_MULTIPLICATIVE = (ast.Mult, ast.Div, ast.MatMult)


class _Parser:
    """Walks one syntax tree against the allowlist and builds SymPy objects."""

    def __init__(self, source: _Source, symbols: Mapping[str, Any], real: bool, name: str) -> None:
        self.src = source
        self.symbols = symbols
        self.real = real
        self.name = name
        self.bare_names: set[str] = set()
        self.minmax_total = 0
        self.sizes = Sizes()

    # -- errors -----------------------------------------------------------------
    def fail(self, problem: str, fix: str, verb: str = "valid") -> NoReturn:
        raise ParseError(_message(self.name, self.src.text, problem, fix, verb))

    def frag(self, node: ast.AST, limit: int = 50) -> str:
        return _quote(self.src.fragment(node), limit)

    def reject(self, node: ast.AST) -> NoReturn:
        what, fix = REFUSED.get(type(node), (f"Python syntax ({type(node).__name__})", ""))
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
        except (ParseError, BudgetExceededError, RecursionError, MemoryError):
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
        shapes = [v.shape if _is_matrix(v) else None for v in (lhs, rhs)]
        if shapes[0] != shapes[1]:
            shown = [f"{s[0]}x{s[1]} matrix" if s else "scalar" for s in shapes]
            self.fail(
                f"the sides of {self.frag(node)} are a {shown[0]} and a {shown[1]}",
                "give both sides the same shape, e.g. [[a, b]] = [[1, 2]]",
            )
        return self.call_sympy(node, lambda: sympy.Eq(lhs, rhs, evaluate=False))

    def build(self, node: ast.expr) -> _Value:
        method = getattr(self, "_build_" + type(node).__name__, None)
        if method is None:
            self.reject(node)
        value = method(node)
        if self.sizes.measure(value)[2] > MAX_BITS:
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
        what, fix = REFUSED[type(node.op)]
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
            what, fix = REFUSED[type(node.op)]
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
        excess = self.sizes.power_excess(base, exponent)
        if excess is not None:
            self.too_large(node, *excess)
        if decide.holds_opaque_number(base) or decide.holds_opaque_number(exponent):
            return self.call_sympy(node, lambda: sympy.Pow(base, exponent, evaluate=False))
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
        if self.sizes.exp_too_large(arg):
            self.too_large(node, "an exponential")
        return self.call_unevaluated_if_opaque(node, sympy.exp, arg)

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
            return self.call_unevaluated_if_opaque(node, function, *args)
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
        if self.sizes.gamma_too_large(arg):
            self.too_large(node, f"{name} of a number")
        function = {"factorial": sympy.factorial, "gamma": sympy.gamma}.get(name, sympy.loggamma)
        return self.call_unevaluated_if_opaque(node, function, arg)

    def _call_binomial(self, node: ast.Call, name: str) -> _Value:
        n = self.scalar(node.args[0], "the argument of binomial")
        k = self.scalar(node.args[1], "the argument of binomial")
        if self.sizes.binomial_too_large(n, k):
            self.too_large(node, "binomial of numbers")
        return self.call_unevaluated_if_opaque(node, sympy.binomial, n, k)

    def call_unevaluated_if_opaque(self, node: ast.AST, function: Any, *args: sympy.Expr) -> Any:
        """``function(*args)``, unevaluated where an argument holds a sum, product or integral.

        Their sizes are unknown here, and SymPy would evaluate them (``binomial(2**100,
        Integral(1, (x, 0, 1)))`` sieves primes up to ``2**100``).
        """
        if any(decide.holds_opaque_number(a) for a in args):
            return self.call_sympy(node, lambda: function(*args, evaluate=False))
        return self.call_sympy(node, function, *args)

    # -- decisions about numbers: rounding, signs, order (see ``decide``) -------------
    def kind(self, value: sympy.Expr) -> str:
        return decide.kind(value, self.sizes.measure(value)[2])

    def undecided(self, node: ast.AST, reason: object) -> NoReturn:
        self.fail(
            f"{self.frag(node)} cannot be decided while parsing: {reason}",
            "keep the formula symbolic, or write the value itself",
        )

    def _call_deciding(self, node: ast.Call, name: str) -> _Value:
        function = _DECIDING[name]
        args = [self.scalar(a, f"the argument of {name}") for a in node.args]
        arg = args[0]
        kind = self.kind(arg)
        if kind in ("plain", "symbolic"):
            return self.call_sympy(node, function, *args)
        if kind == "opaque":
            return self.call_sympy(node, lambda: function(*args, evaluate=False))
        try:
            if function in (sympy.floor, sympy.ceiling):
                return decide.integer_part(arg, up=function is sympy.ceiling)
            s = decide.sign(arg)
        except decide.Undecided as exc:
            self.undecided(node, exc)
        if s is None:  # complex, and far enough from zero for SymPy
            return self.call_sympy(node, function, *args)
        if function is sympy.sign:
            return sympy.Integer(s)
        if function is sympy.Abs:
            return self.call_sympy(node, operator.neg, arg) if s < 0 else arg
        # Heaviside(x) or Heaviside(x, value at 0): ``arg`` is not exactly zero here
        return sympy.Integer(int(s > 0))

    def _call_heaviside(self, node: ast.Call, name: str) -> _Value:
        return self._call_deciding(node, name)

    def build_order(self, node: ast.AST, function: Any, args: list[sympy.Expr]) -> _Value:
        """``Max``/``Min`` of ``args``: numbers SymPy must not compare are compared here."""
        kinds = [self.kind(a) for a in args]
        if "opaque" in kinds:
            return self.call_sympy(node, lambda: function(*args, evaluate=False))
        if "number" in kinds:
            numbers = [a for a, k in zip(args, kinds, strict=True) if k in ("plain", "number")]
            try:
                best = decide.largest(numbers, smallest=function is sympy.Min)
            except decide.Undecided as exc:
                self.undecided(node, exc)
            args = [a for a, k in zip(args, kinds, strict=True) if k == "symbolic"]
            args.append(numbers[best])
        return self.call_sympy(node, function, *args)

    def _call_atan2(self, node: ast.Call, name: str) -> _Value:
        args = [self.scalar(a, "the argument of atan2") for a in node.args]
        # of complex numbers, SymPy takes log(sqrt(x**2 + y**2)), slowly for large ones
        if any(a.has(sympy.I) for a in args):
            if max(self.sizes.measure(a)[2] for a in args) > MAX_ATAN2_BITS:
                self.too_large(node, "atan2 of complex numbers", MAX_ATAN2_BITS)
        return self.call_unevaluated_if_opaque(node, sympy.atan2, *args)

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
        return self.build_order(node, function, args)

    def _call_ml(self, node: ast.Call, name: str) -> _Value:
        arg = self.scalar(node.args[0], f"the argument of {name}")
        if name == "relu":
            return self.build_order(node, sympy.Max, [sympy.S.Zero, arg])
        power = self.exp(node, -arg if name == "sigmoid" else arg)
        if decide.holds_opaque_number(arg):  # as call_unevaluated_if_opaque does
            inner = sympy.Add(1, power, evaluate=False)
            if name == "sigmoid":
                return sympy.Pow(inner, -1, evaluate=False)
            return sympy.log(inner, evaluate=False)
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

    def not_an_equation(self, node: ast.expr, value: _Value) -> None:
        if not isinstance(value, sympy.Expr) and not _is_matrix(value):
            self.fail(
                f"{self.frag(node)} is an equation inside a formula",
                "write one equation at the top level, e.g. a = b",
            )

    def _call_derivative(self, node: ast.Call, name: str) -> _Value:
        expr = self.build(node.args[0])
        self.not_an_equation(node.args[0], expr)
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
        if _is_matrix(expr):
            self.fail(
                f"{self.frag(node)} takes the {name} of a matrix",
                f"write a matrix of {name}s, e.g. [[{name}(a, ...), {name}(b, ...)]]",
            )
        self.not_an_equation(node.args[0], expr)
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
