"""Writing, compiling and documenting the source of a generated function.

Shared by the scalar front end (:mod:`.generate`) and the matrix-expression
compiler (:mod:`.matrix`): the printer, argument names, checks of what can be
printed, the namespace of the generated code, ``exec`` and the docstring.
"""

from __future__ import annotations

import builtins
import importlib
import itertools
import keyword
import linecache
import re
import unicodedata
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np
import sympy as sp
from sympy.printing.codeprinter import PrintMethodNotImplementedError
from sympy.printing.numpy import SciPyPrinter

from .._core import ArgumentError, Derivation, bad_argument
from . import runtime
from .lstsq import solve_normal
from .stable import expit
from .xp import _PLAIN_TYPES, ForeignRunner, foreign


# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------
class _Printer(SciPyPrinter):
    """SciPy's printer with fully qualified names, plus ``expit`` and big integers."""

    def __init__(self) -> None:
        super().__init__(
            {"fully_qualified_modules": True, "strict": True, "allow_unknown_functions": False}
        )

    def _print_expit(self, e: expit) -> str:
        return f"{self._module_format('scipy.special.expit')}({self._print(e.args[0])})"

    def _print_ITE(self, e: sp.ITE) -> str:
        # a boolean (SymPy's Piecewise form selects into a float array, with nan)
        cond, a, b = (self._print(arg) for arg in e.args)
        return f"{self._module_format('numpy.where')}({cond}, {a}, {b})"

    def _print_Integer(self, e: sp.Integer) -> str:
        # Beyond 2**53 an int would overflow int64 arithmetic; a float is what NumPy uses.
        return repr(float(e)) if abs(int(e)) > 2**53 else str(e)


# Names the generated code needs for itself or for printed calls; a Symbol with
# such a name is given a private parameter name instead.
_RESERVED = frozenset(dir(builtins)) | {"numpy", "scipy", "functools", "math", "builtins"}

_NOT_NUMERIC = (
    (sp.Derivative, "an unevaluated Derivative; call expr.doit() first"),
    (sp.Integral, "an unevaluated Integral; call expr.doit(), or integrate numerically"),
)


class _Arg(NamedTuple):
    """One parameter of the generated function: its symbol and its Python name."""

    symbol: sp.Symbol
    pyname: str


def _call_list(names: Sequence[str]) -> str:
    return ", ".join(names)


class _Body(NamedTuple):
    """The lines computing the result, and the modules their printed calls need."""

    lines: list[str]
    modules: set[str]
    xp_lines: list[str] | None = None  # the array code for other libraries (None: ``lines``)
    defs: list[str] | None = None  # functions ``lines`` call (NumPy code only; see .rows)

    def whole_array(self) -> list[str]:
        """The lines that compute the result on whole arrays (the array code's)."""
        return self.xp_lines if self.xp_lines is not None else self.lines


def _definition_rhs(obj: sp.Basic, symbols: list[Any]) -> sp.Basic:
    """``rhs`` of a definition ``Eq(w, rhs)`` whose ``w`` is not an argument, else ``obj``."""
    if not isinstance(obj, sp.Equality):
        return obj
    lhs = obj.lhs
    if not isinstance(lhs, (sp.Symbol, sp.MatrixSymbol)):
        return obj
    if lhs in symbols:
        rest = [s for s in symbols if s != lhs]
        raise ArgumentError(
            bad_argument(
                "args",
                symbols,
                f"expr is an equation defining {lhs}; leave {lhs} out of args to evaluate "
                f"its right side, e.g. args={rest}",
            )
        )
    return obj.rhs


def _not_numeric(value: Any, part: sp.Basic, why: str) -> None:
    raise ArgumentError(bad_argument("expr", value, f"it contains {part}, {why}"))


def _check_printable(entries: Sequence[sp.Basic], value: Any) -> None:
    for e in entries:
        for cls, why in _NOT_NUMERIC:
            found = e.atoms(cls)
            if found:
                _not_numeric(value, next(iter(found)), why)
        if e.has(sp.zoo):
            _not_numeric(value, sp.zoo, "complex infinity (a division by zero?); simplify first")
        undefined = e.atoms(sp.core.function.AppliedUndef)
        if undefined:
            _not_numeric(
                value,
                next(iter(undefined)),
                "an undefined function; substitute a concrete formula, e.g. expr.subs(f(x), ...)",
            )
        for s in e.atoms(sp.Sum, sp.Product):
            bounds = [b for lim in s.limits for b in lim[1:]]
            if any(b.free_symbols for b in bounds):
                _not_numeric(
                    value,
                    s,
                    "a Sum/Product with symbolic limits; call expr.doit() or fix them",
                )
            if len(bounds) != 2 * len(s.limits) or not all(b.is_integer for b in bounds):
                _not_numeric(
                    value,
                    s,
                    "an infinite Sum/Product (or one without integer limits); call "
                    "expr.doit() for a closed form, or truncate it to finite integer limits",
                )


# Functions with no value as numbers, and what to do instead.
_NO_NUMBER = {
    "DiracDelta": (
        "it contains DiracDelta, the derivative of a step (Heaviside, Max, Abs) at its jump: "
        "0 at every other point and no number at the jump; to evaluate away from the jumps, "
        "use expr.replace(sympy.DiracDelta, lambda *args: 0)"
    ),
}


def _unsupported(entries: Sequence[sp.Basic], value: Any) -> ArgumentError:
    """The first function the printer cannot print, as a clear error."""
    printer = _Printer()
    for e in entries:
        for f in sorted(e.atoms(sp.Function), key=sp.default_sort_key):
            try:
                printer.doprint(f)
            except (PrintMethodNotImplementedError, NotImplementedError):
                name = getattr(f.func, "__name__", str(f.func))
                fix = _NO_NUMBER.get(
                    name,
                    f"to_numpy does not support the function {name!r} (no NumPy/SciPy "
                    f"equivalent is known); rewrite it, e.g. expr.rewrite(...), or replace it",
                )
                return ArgumentError(bad_argument("expr", value, fix))
    return ArgumentError(bad_argument("expr", value, "it has a part with no NumPy equivalent"))


def _as_symbols(args: Any) -> list[Any]:
    fix = "pass a Symbol or a list of Symbols, e.g. args=[x, y]"
    if isinstance(args, str):
        raise ArgumentError(bad_argument("args", args, fix + " (from sympy.symbols('x y'))"))
    if isinstance(args, (sp.Symbol, sp.MatrixSymbol)):
        return [args]
    if not isinstance(args, Iterable):
        raise ArgumentError(bad_argument("args", args, fix))
    items = list(args)
    for i, a in enumerate(items):
        if not isinstance(a, (sp.Symbol, sp.MatrixSymbol)):
            raise ArgumentError(
                bad_argument("args", args, f"args[{i}]={a!r} is not a Symbol; {fix}")
            )
    seen: set[sp.Symbol] = set()
    for a in items:
        if a in seen:
            unique = list(dict.fromkeys(items))
            raise ArgumentError(
                bad_argument("args", args, f"{a} appears twice; list each once, args={unique}")
            )
        seen.add(a)
    return items


def _pynames(symbols: list[sp.Symbol]) -> list[_Arg]:
    out: list[_Arg] = []
    used: set[str] = set()
    for i, s in enumerate(symbols):
        name = s.name
        safe = (
            name.isidentifier()
            and not keyword.iskeyword(name)
            and not name.startswith("_")
            and name not in _RESERVED
            and unicodedata.normalize("NFKC", name) == name
            and name not in used
            and not isinstance(s, sp.Dummy)
        )
        pyname = name if safe else f"_arg{i}"
        used.add(pyname)
        out.append(_Arg(s, pyname))
    return out


def _function_name(name: str | None) -> tuple[str, str]:
    """(``__name__``, the identifier used in ``def``)."""
    if name is None:
        return "symml_func", "symml_func"
    if not isinstance(name, str) or not name:
        raise ArgumentError(bad_argument("name", name, "pass a non-empty str, e.g. name='grad'"))
    ident = re.sub(r"\W", "_", name)
    # Names starting with "_" are the generated code's own (_plain, _asarray, ...).
    if (
        not ident.isidentifier()
        or keyword.iskeyword(ident)
        or ident in _RESERVED
        or ident[0] == "_"
    ):
        ident = "f_" + ident.lstrip("_")
    return name, ident


def _label(expr: Any, name: str | None) -> str:
    """What error messages call the generated function: its name, or what was derived."""
    if name is not None:
        return name
    if isinstance(expr, Derivation):
        return f"the {expr.kind}"
    return "the function made by to_numpy"


def _indent(lines: Iterable[str], n: int = 4) -> list[str]:
    pad = " " * n
    return [pad + line for line in lines]


# Names the generated code calls, bound once into its namespace.
_RUNTIME: dict[str, Any] = {
    "builtins": builtins,  # e.g. builtins.sum for a Sum with numeric limits
    "numpy": np,
    "_asarray": np.asarray,
    "_float64": np.float64,
    "_broadcast": np.broadcast,
    "_broadcast_shapes": np.broadcast_shapes,
    "_result_type": np.result_type,
    "_result_type_many": runtime._result_type_many,
    "_empty": np.empty,
    "_zeros": np.zeros,
    "_full": np.full,
    "_expand": runtime._expand,
    # matrix expressions
    "_bind": runtime._bind,
    "_iscomplex": runtime._iscomplex,
    "_solve": runtime._solve,
    "_gram": runtime._gram,
    "_solve_normal": solve_normal,
    "_inv": np.linalg.inv,
    "_det": np.linalg.det,
    "_logdet": runtime._logdet,
    "_trace": np.trace,
    "_einsum": np.einsum,
    "_eye": np.eye,
    "_ones": np.ones,
    "_diagflat": np.diagflat,
    "_diagonal": np.diagonal,
    "_matrix_power": np.linalg.matrix_power,
    "_kron": np.kron,
    "_block": np.block,
    "_explicit": runtime._explicit,
    "_row_blocks": runtime._row_blocks,
    # arrays of other libraries (see .xp)
    "_plain_types": _PLAIN_TYPES,
    "_foreign": foreign,
}

_counter = itertools.count()


def _namespace(modules: Iterable[str]) -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": "symml._generated", **_RUNTIME}
    for module in sorted(modules):
        importlib.import_module(module)  # e.g. scipy.special, only when printed
        top = module.split(".")[0]
        ns[top] = importlib.import_module(top)
    return ns


def _summary(obj: sp.Basic, limit: int = 2000) -> str:
    text = sp.sstr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Header(NamedTuple):
    """What a generated function is called and how it starts."""

    name: str  # its __name__
    ident: str  # the identifier in ``def``
    params: list[_Arg]  # its parameters
    prologue: list[str]  # lines converting the inputs
    complex_test: str  # when ``_plain`` (the formula as written) is taken
    plain_args: str  # what ``_plain`` is called with
    label: str = "the function made by to_numpy"  # what messages call it
    broadcast: bool = True  # the inputs are broadcast together (scalar code)
    xp_prologue: list[str] | None = None  # the array code's prologue (None: ``prologue``)


def _dispatch(names: list[str]) -> list[str]:
    """Lines sending arrays of other libraries to the array code (a type test per argument)."""
    if not names:
        return []
    test = " or ".join(f"type({n}) not in _plain_types" for n in names)
    args = _call_list(names)
    return [f"if ({test}) and _foreign({args}):", f"    return _array_code({args})"]


def _source(
    head: _Header, main: _Body, plain: _Body | None, *, xp: bool, dispatch: bool = True
) -> str:
    """The source of the function: NumPy code, or (``xp``) array code for other libraries."""

    def body(b: _Body) -> list[str]:
        return b.xp_lines if xp and b.xp_lines is not None else b.lines

    names = [p.pyname for p in head.params]
    if xp:
        prologue = head.xp_prologue if head.xp_prologue is not None else head.prologue
    else:
        prologue = [*(_dispatch(names) if dispatch else []), *head.prologue]
    sig = f"{head.ident}({_call_list(names)})"
    lines = [f"def {sig}:", *_indent(prologue)]
    if plain is not None:
        # array code: dtypes by the array API (a PyTorch dtype has no NumPy ``.kind``)
        test = f"_iscomplex({_call_list(names)})" if xp else head.complex_test
        lines += _indent([f"if {test}:", f"    return _plain({head.plain_args})"])
    lines += _indent(body(main))
    if plain is not None:
        lines += ["", f"def _plain({head.plain_args}):", *_indent(body(plain))]
    for b in (main, plain):
        if not xp and b is not None and b.defs:
            lines += ["", *b.defs]
    return "\n".join(lines) + "\n"


def _build(head: _Header, obj: sp.Basic, main: _Body, plain: _Body | None) -> Callable[..., Any]:
    """Compile ``def <ident>(...)`` (and ``def _plain`` for complex inputs); name and document it.

    ``plain`` is the body without stable forms, or None when it would be the same.
    The array code for other libraries (:mod:`.xp`) is compiled on its first call.
    """
    sig = f"{head.ident}({_call_list([p.pyname for p in head.params])})"
    modules = set(main.modules) | (plain.modules if plain is not None else set())
    source = _source(head, main, plain, xp=False)
    xp_source = _source(head, main, plain, xp=True)
    func = _compile(source, head.ident, modules)
    func.__name__ = head.name
    func.__qualname__ = head.name
    doc = _docstring(sig, obj, head.params, source, plain=plain is not None)
    if xp_source != _source(head, main, plain, xp=False, dispatch=False):
        doc += (
            "\nArray code (JAX, Dask, ... inputs)\n----------------------------------\n" + xp_source
        )
    func.__doc__ = doc
    params = [(p.symbol.name, p.pyname) for p in head.params]
    runner = ForeignRunner(xp_source, head.ident)
    func.__globals__["_array_code"] = runner
    return runtime.guarded(func, params, head.label, broadcast=head.broadcast)


def _compile(source: str, ident: str, modules: set[str]) -> Callable[..., Any]:
    """Run ``source`` once in a fresh namespace; register it so ``inspect`` finds it."""
    return _compile_in(source, ident, _namespace(modules))


def _compile_in(source: str, ident: str, names: dict[str, Any]) -> Callable[..., Any]:
    """Run ``source`` once in a namespace holding ``names``; register it for ``inspect``."""
    namespace = {"__name__": "symml._generated", "builtins": builtins, **names}
    filename = f"<symml-generated-{next(_counter)}>"
    exec(compile(source, filename, "exec"), namespace)  # our own printed code
    func = namespace[ident]
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    weakref.finalize(func, linecache.cache.pop, filename, None)
    return func


def _docstring(sig: str, obj: sp.Basic, params: list[_Arg], source: str, *, plain: bool) -> str:
    parts = [
        "Created with symml.to_numpy from:",
        "",
        "Signature",
        "---------",
        sig,
        "",
        "Expression",
        "----------",
        _summary(obj),
        "",
    ]
    renamed = [p for p in params if p.pyname != p.symbol.name]
    if renamed:
        parts += ["Arguments", "---------"]
        parts += [f"{p.pyname}: the symbol {p.symbol.name!r}" for p in renamed]
        parts.append("")
    if plain:
        parts += [
            "Stable forms were used for real inputs; complex inputs take _plain,",
            "the formula as written.",
            "",
        ]
    parts += ["Source code", "-----------", source]
    return "\n".join(parts)
