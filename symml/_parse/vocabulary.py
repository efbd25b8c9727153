"""What parsed text may name: constants, functions, undefined-function letters,
and the words used to refuse Python syntax.

================================  ====================================================
name                              what it holds
================================  ====================================================
``FUNCTIONS``                     names that may be called, ``sin(x)``, ``Sum(...)``
``FUNCTION_LETTERS``              letters that may be undefined functions, ``f(x)``
``_CONSTANTS``                    ``pi``, ``E``/``e``, ``I``, ``oo``/``inf``, ``nan``
``_SCALAR``, ``_SPECIAL``         callables and their arities; special handlers by name
``REFUSED``                       how a refused syntax node or operator is named
================================  ====================================================
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from typing import Any

import sympy

from .limits import MAX_MINMAX_ARGS

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
            "erf erfc DiracDelta"
        ).split()
    },
    "ln": (sympy.log, 1, 1),
    "log": (sympy.log, 1, 2),
}
# functions that decide about a number (rounding, sign, order): see ``decide``
_DECIDING: dict[str, Callable[..., Any]] = {
    "floor": sympy.floor,
    "ceiling": sympy.ceiling,
    "ceil": sympy.ceiling,
    "sign": sympy.sign,
    "Abs": sympy.Abs,
    "abs": sympy.Abs,
    "Heaviside": sympy.Heaviside,
}
# handler method of the builder -> (names it handles, fewest args, most args)
_HANDLERS: dict[str, tuple[str, int, int | None]] = {
    "_call_exp": ("exp", 1, 1),
    "_call_sqrt": ("sqrt", 1, 1),
    "_call_gamma": ("factorial gamma loggamma", 1, 1),
    "_call_binomial": ("binomial", 2, 2),
    "_call_deciding": ("floor ceiling ceil sign Abs abs", 1, 1),
    "_call_heaviside": ("Heaviside", 1, 2),
    "_call_atan2": ("atan2", 2, 2),
    "_call_minmax": ("Max max Min min", 1, MAX_MINMAX_ARGS),
    "_call_ml": ("sigmoid softplus relu", 1, 1),
    "_call_eq": ("Eq", 2, 2),
    "_call_derivative": ("Derivative diff", 2, None),
    "_call_limits": ("Integral integrate Sum Product", 2, None),
    "_call_matrix": ("Matrix", 1, 1),
}
# name -> (handler method of the builder, fewest args, most args)
_SPECIAL: dict[str, tuple[str, int, int | None]] = {
    name: (method, low, high)
    for method, (names, low, high) in _HANDLERS.items()
    for name in names.split()
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

_COMPREHENSION = ("a comprehension", "write matrices out, e.g. [[1, 2], [3, 4]]")
_F_STRING = ("an f-string", "write the formula without quotes, e.g. x**2")
_MATHS_ONLY = "symml reads mathematics only"
_INDEXED = "name indexed quantities x_1 or x1"
_ONE_FORMULA = "write a single formula"
_MATRIX_LITERAL = "matrices are written [[1, 2], [3, 4]]"
_POWERS = "write powers as 2**n"

REFUSED: dict[type, tuple[str, str]] = {
    # syntax nodes
    ast.Attribute: ("attribute access", _MATHS_ONLY + ": call functions by bare name, e.g. sin(x)"),
    ast.Subscript: ("indexing with [...]", _INDEXED),
    ast.Slice: ("a slice", _INDEXED),
    ast.Lambda: ("a lambda function", "write the formula itself, e.g. x**2 + 1"),
    **dict.fromkeys((ast.ListComp, ast.SetComp, ast.DictComp), _COMPREHENSION),
    ast.GeneratorExp: ("a generator expression", "use Sum(f, (i, 1, n)) for sums"),
    **dict.fromkeys((ast.JoinedStr, ast.FormattedValue), _F_STRING),
    ast.Starred: ("unpacking with *", "write each argument out"),
    ast.NamedExpr: ("an assignment (:=)", "write an equation as a = b"),
    ast.IfExp: ("a conditional (if ... else)", "piecewise formulas are not parsed from text"),
    ast.BoolOp: ("'and'/'or'", _ONE_FORMULA),
    ast.Dict: ("a dict", _MATRIX_LITERAL),
    ast.Set: ("a set", _MATRIX_LITERAL),
    ast.Tuple: ("a tuple", "tuples only appear as limits, e.g. Sum(f, (i, 1, n))"),
    ast.Compare: ("a comparison", "write one equation at the top level, e.g. a = b"),
    ast.Await: ("'await'", _MATHS_ONLY),
    ast.Yield: ("'yield'", _MATHS_ONLY),
    ast.YieldFrom: ("'yield'", _MATHS_ONLY),
    # operators
    ast.FloorDiv: ("'//'", "write floor(a/b)"),
    ast.Mod: ("'%'", "the remainder operator is not supported"),
    ast.BitOr: ("'|'", "conditional probabilities are not parsed; name a density, e.g. p(x, y)"),
    ast.BitAnd: ("'&'", _ONE_FORMULA),
    ast.LShift: ("'<<'", _POWERS),
    ast.RShift: ("'>>'", _POWERS),
    ast.BitXor: ("'^'", "write powers as x**2"),
    ast.Invert: ("'~'", _ONE_FORMULA),
    ast.Not: ("'not'", _ONE_FORMULA),
}
"""How a refused syntax node or operator is named in an error, and what to write instead."""
