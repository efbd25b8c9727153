"""``parse_latex``: LaTeX maths as students write it, read safely into SymPy.

==================  ===================================================================
name                what it is
==================  ===================================================================
``parse_latex``     LaTeX text → a SymPy expression, matrix or ``Eq``
``_LatexBuilder``   the builder of ``parse_expr`` with the LaTeX-only calls (transpose,
                    indexed entries, trace, determinant)
``_Context``        token ranges → SymPy objects, shared with the chain reader
==================  ===================================================================

How it works
------------
A hand-written tokenizer (:mod:`.latex_lexer`) and recursive-descent reader
(:mod:`.latex_reader`, :mod:`.latex_operators`) turn the LaTeX into the same
``ast`` nodes Python's parser gives :func:`symml.parse_expr`; the builder of
``parse_expr`` (:mod:`.builder`) turns them into SymPy with the same allowlist
and the same size and effort limits (:mod:`.limits`). No TeX is run, nothing is
``eval``-ed, and SymPy's own ``parse_latex`` is not used. See
:mod:`symml._parse.latex_reader` for how each ambiguity is resolved.
"""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

import sympy
from sympy.core.function import FunctionClass
from sympy.matrices import MatrixBase

from .._core import (
    ArgumentError,
    BudgetExceededError,
    ParseError,
    bad_argument,
    can_interrupt,
    time_limit,
)
from .builder import _is_matrix, _Parser
from .latex_lexer import _depth_change, _LatexFailure, _Token, _tokenize
from .latex_reader import DETERMINANT, INDEXED, POLYGAMMA, TRACE, TRANSPOSE, _Reader
from .limits import MAX_DERIVATIVE_ORDER, PARSE_SECONDS
from .source import _message, _quote, _Source
from .vocabulary import FUNCTIONS

__all__ = ["parse_latex"]

_NAMED_FUNCTIONS = frozenset({"sigmoid", "softplus", "relu"}) | (FUNCTIONS - {"Matrix", "Eq"})
_DETERMINANT_SIDE = 4


class _LatexSource(_Source):
    """The LaTeX text as the builder's source: node positions are LaTeX characters."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.code = text
        self.index = list(range(len(text) + 1))
        self.lines = [text]
        self.starts = [0]

    def offset(self, lineno: int, col_bytes: int) -> int:
        return col_bytes


class _LatexBuilder(_Parser):
    """The ``parse_expr`` builder, plus the calls only LaTeX writes."""

    def __init__(self, source: _Source, symbols: Mapping[str, Any], real: bool, name: str) -> None:
        super().__init__(source, symbols, real, name)
        self.notes: list[str] = []

    def _build_Call(self, node: ast.Call) -> Any:
        func = node.func
        if isinstance(func, ast.Name) and func.id in _INTERNAL_METHODS:
            return getattr(self, _INTERNAL_METHODS[func.id])(node)
        return super()._build_Call(node)

    def transpose(self, node: ast.Call) -> Any:
        value = self.arith_operand(node.args[0])
        mark = node.args[1].value  # type: ignore[attr-defined]
        if _is_matrix(value):
            return self.call_sympy(node, lambda: value.T)
        shown = self.frag(node.args[0], 30)
        if mark == "T":
            self.notes.append(f"read {shown}^T as a power of T: {shown} is not a declared matrix")
            return self.power(node, value, self.symbols.get("T") or self.symbol("T"))
        self.notes.append(f"read {shown}^\\top as {shown}: the transpose of a scalar")
        return value

    def indexed(self, node: ast.Call) -> Any:
        base = node.args[0].id  # type: ignore[attr-defined]
        indices = [self.scalar(a, "the index") for a in node.args[1:]]
        declared = self.symbols.get(base)
        if isinstance(declared, sympy.IndexedBase):
            return self.call_sympy(node, lambda: declared[tuple(indices)])
        if _is_matrix(declared) and len(indices) in (1, 2):
            self.fail(
                f"{self.frag(node)} indexes the matrix {base}", "write the sum in matrix form"
            )
        stem = sympy.IndexedBase(base, real=True) if self.real else sympy.IndexedBase(base)
        return self.call_sympy(node, lambda: stem[tuple(indices)])

    def square(self, node: ast.Call, what: str) -> Any:
        value = self.arith_operand(node.args[0])
        if not _is_matrix(value) or value.shape[0] != value.shape[1]:
            self.fail(
                f"{self.frag(node)} takes the {what} of a non-square value", "pass a square matrix"
            )
        return value

    def trace(self, node: ast.Call) -> Any:
        value = self.square(node, "trace")
        return self.call_sympy(
            node,
            lambda: (
                sympy.Trace(value).doit() if isinstance(value, MatrixBase) else sympy.Trace(value)
            ),
        )

    def determinant(self, node: ast.Call) -> Any:
        value = self.square(node, "determinant")
        if isinstance(value, MatrixBase):
            if value.shape[0] > _DETERMINANT_SIDE:
                self.fail(
                    f"{self.frag(node)} is too costly to expand while parsing", "use the Python API"
                )
            return self.call_sympy(node, value.det)
        return self.call_sympy(node, lambda: sympy.Determinant(value))

    def polygamma(self, node: ast.Call) -> Any:
        if len(node.args) != 2:
            self.fail(f"{self.frag(node)} takes two arguments", "write polygamma(m, x)")
        order = self.scalar(node.args[0], "the order of polygamma")
        if not isinstance(order, sympy.Integer) or not 0 <= order <= MAX_DERIVATIVE_ORDER:
            self.fail(f"the order in {self.frag(node)} is not a small whole number", "e.g. 1")
        arg = self.scalar(node.args[1], "the argument of polygamma")
        # of a number SymPy would sum a harmonic series: keep it unevaluated
        evaluate = not arg.is_number
        return self.call_sympy(node, lambda: sympy.polygamma(order, arg, evaluate=evaluate))


_INTERNAL_METHODS = {
    TRANSPOSE: "transpose",
    INDEXED: "indexed",
    TRACE: "trace",
    DETERMINANT: "determinant",
    POLYGAMMA: "polygamma",
}


# ---------------------------------------------------------------------------- arguments
def _declared_symbols(symbols: Any, name: str = "symbols") -> dict[str, Any]:
    """``symbols=``: a mapping of names to SymPy objects, or SymPy objects named by themselves."""
    if symbols is None:
        return {}
    if isinstance(symbols, Mapping):
        items = list(symbols.items())
        if all(isinstance(k, sympy.Basic) for k, _ in items):  # check()'s {x: "positive"}
            items = [(getattr(k, "name", None), k) for k, _ in items]
    elif isinstance(symbols, Iterable) and not isinstance(symbols, (str, sympy.Basic)):
        items = [(getattr(s, "name", None), s) for s in symbols]
    else:
        raise ArgumentError(
            bad_argument(name, symbols, "pass a mapping {'x': x} or a list of SymPy symbols")
        )
    result: dict[str, Any] = {}
    for key, value in items:
        if not isinstance(key, str) or not isinstance(value, (sympy.Basic, FunctionClass)):
            raise ArgumentError(
                bad_argument(name, {key: value}, "map names to SymPy objects, e.g. {'X': X}")
            )
        result[key] = value
    return result


def _declared_functions(functions: Any, real: bool) -> tuple[dict[str, str], dict[str, Any]]:
    """``functions=``: ``(name → call target, name → FunctionClass for the builder)``."""
    targets: dict[str, str] = {}
    classes: dict[str, Any] = {}
    if functions is None:
        return targets, classes
    if isinstance(functions, str):
        functions = functions.replace(",", " ").split()
    if isinstance(functions, Mapping):
        items = list(functions.items())
    elif isinstance(functions, Iterable):
        items = [(f, "sigmoid" if f == "sigma" else None) for f in functions]
    else:
        items = [(functions, None)]
    for key, value in items:
        if not isinstance(key, str) or not key.replace("_", "").isalnum():
            raise ArgumentError(bad_argument("functions", key, "name functions, e.g. ['f', 'g']"))
        if value is None:
            classes[key] = sympy.Function(key, real=True) if real else sympy.Function(key)
            targets[key] = key
        elif isinstance(value, FunctionClass):
            classes[key] = value
            targets[key] = key
        elif isinstance(value, str) and value in _NAMED_FUNCTIONS:
            targets[key] = value
        else:
            raise ArgumentError(
                bad_argument(
                    "functions",
                    {key: value},
                    "map a name to a SymPy Function or to a known function, e.g. "
                    "{'sigma': 'sigmoid'}",
                )
            )
    return targets, classes


def _failure(name: str, text: str, failure: _LatexFailure) -> ParseError:
    """A ParseError quoting the LaTeX, the position and a caret under it."""
    start = min(failure.start, len(text))
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    column = start - line_start
    if len(line) > 72:
        cut = max(0, min(column - 36, len(line) - 72))
        line, column = line[cut : cut + 72], column - cut
    near = text[start : max(failure.stop, start + 1)]
    verb = "allowed" if "TeX" in failure.problem else "valid"
    where = f"{failure.problem} at position {start} ({_quote(near, 30)})"
    return ParseError(
        _message(name, text, where, failure.fix, verb) + f"\n    {line}\n    {' ' * column}^"
    )


# ---------------------------------------------------------------------------- reading
class _Context:
    """What every piece of one LaTeX text shares: tokens, declarations, notes."""

    def __init__(self, text: str, symbols: Any, functions: Any, real: bool, name: str) -> None:
        if not isinstance(text, str):
            raise ParseError(bad_argument(name, text, "pass the LaTeX as text, e.g. r'x^2'"))
        self.text, self.real, self.name = text, real, name
        declared = _declared_symbols(symbols)
        self.targets, classes = _declared_functions(functions, real)
        plain = {k: sympy.Symbol(k, real=True) if real else sympy.Symbol(k) for k in ("E", "I")}
        self.notes: list[str] = []
        self.tokens: list[_Token] = self.guard(lambda: _tokenize(text))
        counting = _counting_symbols(self.tokens)
        aliases = {  # SymPy prints the symbol p1 as p_{1}
            f"{m.group(1)}_{m.group(2)}": value
            for key, value in declared.items()
            if (m := re.fullmatch(r"([A-Za-z]+)(\d+)", key))
        }
        self.symbols: dict[str, Any] = {**plain, **counting, **classes, **aliases, **declared}

    def guard(self, read: Any) -> Any:
        try:
            return read()
        except _LatexFailure as failure:
            raise _failure(self.name, self.text, failure) from None

    def read(self, tokens: list[_Token], what: str = "the formula") -> Any:
        """The SymPy object of ``tokens`` (a piece of the text; an ``eof`` token is added)."""
        stop = tokens[-1].stop if tokens else 0
        tokens = [*tokens, _Token("eof", "", stop, stop)]
        notes: list[str] = []
        reader = _Reader(tokens, self.targets, notes)
        if len(tokens) == 1:
            self.guard(lambda: reader.fail(f"{what} is empty", "write a formula"))
        tree = self.guard(reader.whole)
        value = self.build(tree)
        self.notes.extend(n for n in notes if n not in self.notes)
        return value

    def build(self, body: Any) -> Any:
        builder = _LatexBuilder(_LatexSource(self.text), self.symbols, self.real, self.name)
        owner = object()
        net = (
            time_limit(PARSE_SECONDS, owner=owner) if can_interrupt() else contextlib.nullcontext()
        )
        try:
            with net:
                builder.inspect(ast.Expression(body=body))
                value = builder.top(body, equation=False)
        except (RecursionError, MemoryError):
            self.fail_all("it is too large or too deeply nested to build")
        except BudgetExceededError as exc:
            if getattr(exc, "owner", None) is not owner:
                raise
            self.fail_all(f"building it took more than {PARSE_SECONDS:g} s")
        self.notes.extend(n for n in builder.notes if n not in self.notes)
        return value

    def fail_all(self, problem: str) -> NoReturn:
        raise ParseError(_message(self.name, self.text, problem, "split it into smaller formulas"))


def _counting_symbols(tokens: list[_Token]) -> dict[str, sympy.Symbol]:
    """The index of every ``\\sum``/``\\prod`` as an integer symbol, a one-letter upper limit
    (``n``) as a positive integer: the same symbol wherever the text uses the name."""
    found: dict[str, sympy.Symbol] = {}
    for i, tok in enumerate(tokens):
        if not (tok.is_("cmd", "sum") or tok.is_("cmd", "prod")):
            continue
        j = i + 1
        for _ in range(2):
            if j + 1 >= len(tokens) or tokens[j].kind != "char" or tokens[j].text not in "_^":
                break
            script, j = tokens[j].text, j + 1
            braced = tokens[j].is_("char", "{")
            first = tokens[j + 1] if braced and j + 1 < len(tokens) else tokens[j]
            if first.kind == "letter":
                after = tokens[j + 2] if braced and j + 2 < len(tokens) else None
                if script == "_" and first.text not in found:
                    found[first.text] = sympy.Symbol(first.text, integer=True)
                elif script == "^" and (
                    not braced or (after is not None and after.is_("char", "}"))
                ):
                    found[first.text] = sympy.Symbol(first.text, integer=True, positive=True)
            while braced and j < len(tokens) and not tokens[j].is_("char", "}"):
                j += 1
            j += 1
    return found


def _top_level(tokens: list[_Token], begin: int, end: int, char: str) -> list[int]:
    """Indices of ``char`` tokens outside brackets, braces and environments."""
    found, depth = [], 0
    for i in range(begin, end):
        tok = tokens[i]
        depth += _depth_change(tok)
        if depth == 0 and tok.is_("char", char):
            found.append(i)
    return found


def parse_latex(
    text: str,
    *,
    symbols: Mapping[str, Any] | Iterable[Any] | None = None,
    functions: Mapping[str, Any] | Iterable[str] | None = None,
    real: bool = True,
    name: str = "latex",
    notes: list[str] | None = None,
) -> sympy.Basic:
    r"""Read one LaTeX formula into a SymPy object, safely (no TeX is run, nothing is eval-ed).

    Parameters
    ----------
    text : str
        LaTeX maths without ``$`` delimiters, e.g. ``r"\frac{d}{dx} x^2 \sin x"``.
        ``a = b`` gives an ``Eq``; a chain ``a = b = c`` is for :func:`symml.check_steps`.
    symbols : mapping of str to SymPy object, or list of SymPy symbols, optional
        Objects for names as LaTeX writes them: ``{"X": MatrixSymbol("X", n, p),
        "beta": MatrixSymbol("beta", p, 1)}`` or ``[X, beta, Symbol("p", positive=True)]``.
        Undeclared names are real symbols (``real=True``).
    functions : list of str, or mapping of str to Function or function name, optional
        Names read as functions when followed by brackets: ``["f", "g"]``,
        ``{"h": Function("h")}``, ``{"sigma": "sigmoid"}``. In a list ``"sigma"``
        means the sigmoid ``1/(1 + e^{-z})``; other names undefined real functions.
    real : bool, default True
        Create new symbols with ``real=True``.
    name : str, default "latex"
        The argument's name, used in error messages.
    notes : list, optional
        When given, each ambiguous reading made is appended to it as one line
        (e.g. ``"read x(...) as multiplication; ..."``).

    Returns
    -------
    sympy.Basic
        An expression, an ``ImmutableMatrix``, a matrix expression or an ``Eq``.
        Derivatives, integrals, sums and products stay unevaluated.

    Raises
    ------
    ParseError
        The LaTeX is not a formula symml reads, is TeX programming (``\input``,
        ``\def``, ``\write18``, ``\csname``, ...), has unbalanced braces, or is
        too large or too deeply nested; the message quotes the LaTeX, gives the
        position and marks it with a caret.

    Notes
    -----
    What is read (ambiguities are resolved as listed, and reported in ``notes``):

    ==============================  ================================================
    ``\frac \dfrac \tfrac \sqrt[n]``  fractions and roots
    ``x^2 x_i x_{ij} \theta_0``     powers; subscripted names are symbols ``x_i``
    ``\left( \right) \bigl( [ ] \{``  brackets; ``|x|``, ``\lfloor``, ``\lceil``
    ``2x  x y  xy  x(1 - x)``        products (``x(...)`` unless ``x`` is declared)
    ``\cdot \times * /``            products and quotients
    ``e \mathrm{e} \exp \log \ln``  Euler's number; natural logarithms, ``\log_b``
    ``\sin x  \sin^2 x  \sin^{-1}``  trig/hyperbolic without brackets; ``\arcsin``
    ``\frac{d}{dx} \frac{d^2}{dx^2}``  derivatives (also ``\partial``, ``\mathrm{d}``)
    ``\sum_{i=1}^{n} \prod``        sums and products; ``x_i`` inside is ``x[i]``
    ``\int_a^b f \,dx``             integrals (indefinite without limits)
    ``\max \min \binom \Gamma n!``  and ``\operatorname{sign, relu, tr, ...}``
    ``pmatrix bmatrix matrix``       matrices; ``\det``; ``^\top ^T`` transposes
    ``\sigma(z)``                   the sigmoid, when ``sigma`` is a declared function
    ==============================  ================================================

    Limits: at most 20 000 characters and 8 000 tokens of LaTeX, braces nested
    at most 60 deep; then the same limits as :func:`symml.parse_expr` (syntax
    nodes, nesting, size of numbers, time to build).

    Examples
    --------
    >>> from symml import parse_latex
    >>> parse_latex(r"\frac{e^{-z}}{\left(1+e^{-z}\right)^2}")
    exp(-z)/(1 + exp(-z))**2
    >>> parse_latex(r"\frac{d}{dx}\left(x^2 \sin x\right)")
    Derivative(x**2*sin(x), x)
    >>> parse_latex(r"\sum_{i=1}^{n} (x_i - \mu)^2")
    Sum((-mu + x[i])**2, (i, 1, n))
    >>> parse_latex(r"\sigma(z)", functions=["sigma"])
    1/(1 + exp(-z))
    >>> notes = []
    >>> parse_latex(r"x(1 - x)", notes=notes), notes[0]
    (x*(1 - x), "read x(...) as multiplication; declare functions=['x'] to read it as a function")
    >>> parse_latex(r"\input{/etc/passwd}")
    Traceback (most recent call last):
        ...
    symml.ParseError: latex='\\input{/etc/passwd}' is not allowed: '\input' is TeX programming, ...
    """
    context = _Context(text, symbols, functions, real, name)
    tokens = context.tokens
    end = len(tokens) - 1
    equals = _top_level(tokens, 0, end, "=")
    if len(equals) > 1:
        context.guard(
            lambda: _Reader(tokens, {}, []).fail(
                "it has more than one '='",
                "check a chain a = b = c with symml.check_steps",
                tokens[equals[1]],
            )
        )
    if not equals:
        value = context.read(tokens[:end])
    else:
        at = equals[0]
        lhs = context.read(tokens[:at], "the left-hand side")
        rhs = context.read(tokens[at + 1 : end], "the right-hand side")
        value = _equation(context, lhs, rhs)
    if notes is not None:
        notes.extend(context.notes)
    return value


def _equation(context: _Context, lhs: Any, rhs: Any) -> Any:
    if _is_matrix(lhs) != _is_matrix(rhs) or (_is_matrix(lhs) and lhs.shape != rhs.shape):
        context.fail_all("the two sides of '=' have different shapes")
    try:
        return sympy.Eq(lhs, rhs, evaluate=False)
    except Exception as exc:
        context.fail_all(f"SymPy cannot build the equation: {exc}")
