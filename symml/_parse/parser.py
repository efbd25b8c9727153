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

Limits (:mod:`symml._parse.limits`)
----------------------------------
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

Decisions about numbers (:mod:`symml._parse.decide`): ``floor``, ``ceiling``,
``sign``, ``Abs``, ``Heaviside``, ``Max``, ``Min`` and ``relu`` of small numbers are
left to SymPy; of larger ones (``floor(sinh(100))``) they are decided with at
most :data:`DECIDE_BITS` bits of precision, or refused when the number is too
large or too close to an integer (to zero, to another value) to decide:
SymPy's own fallback (``equals``, ``simplify``) can run for minutes there.
Functions and powers of sums, products or integrals that are numbers stay
unevaluated. Behind these estimates, building one formula in the main thread
stops after :data:`PARSE_SECONDS` seconds with a :class:`ParseError`.

Examples
--------
>>> from symml import parse_expr, parse_symbols
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
import contextlib
import keyword
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import sympy
from sympy.core.function import FunctionClass

from .._core import (
    ArgumentError,
    BudgetExceededError,
    ParseError,
    bad_argument,
    can_interrupt,
    time_limit,
)
from .builder import _Parser
from .limits import MAX_LENGTH, PARSE_SECONDS
from .source import (
    _check_characters,
    _message,
    _quote,
    _Source,
    _syntax_failure,
    _top_level_equals,
)
from .vocabulary import _ALSO_SYMBOLS, _CONSTANTS, _PYTHON_NAMES, FUNCTIONS

__all__ = ["parse_expr", "parse_symbols"]


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
    >>> from symml import parse_expr
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
    owner = object()
    net = time_limit(PARSE_SECONDS, owner=owner) if can_interrupt() else contextlib.nullcontext()
    try:
        with net:
            parser.inspect(tree)
            return parser.top(tree.body, equation=bool(equals))
    except (RecursionError, MemoryError):
        fail(
            "it is too large or too deeply nested to build",
            "split it into smaller formulas",
        )
    except BudgetExceededError as exc:
        if getattr(exc, "owner", None) is not owner:
            raise  # an enclosing budget ran out: the caller's to handle
        fail(
            f"building it took more than {PARSE_SECONDS:g} s",
            "split it into smaller formulas, or keep the numbers symbolic",
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
    >>> from symml import parse_expr, parse_symbols
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
