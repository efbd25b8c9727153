r"""SymPy to NumPy: the one place in symml that generates numeric code.

=====================  ==============================================================
function               returns
=====================  ==============================================================
:func:`to_numpy`       a fast, vectorised NumPy function of a SymPy expression, matrix,
                       array or :class:`~symml.Derivation`
:func:`stable_form`    the expression with numerically stable forms substituted
                       (``logaddexp``, ``log1p``, ``expm1``, ``expit``), still SymPy
=====================  ==============================================================

Every other module that needs numbers from a formula calls :func:`to_numpy`;
nothing else in symml calls ``lambdify`` or a code printer.

Examples
--------
>>> import sympy as sp
>>> from symml._numeric import to_numpy
>>> x, y = sp.symbols("x y", real=True)
>>> grad = to_numpy(sp.Matrix([2*x*y, x**2]), [x, y])
>>> grad([1.0, 2.0, 3.0], 2.0)          # column of 2 entries, inputs of shape (3,)
array([[ 4.,  8., 12.],
       [ 1.,  4.,  9.]])
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
from typing import TYPE_CHECKING, Any, NamedTuple

import sympy as sp
from sympy.printing.codeprinter import PrintMethodNotImplementedError
from sympy.printing.numpy import SciPyPrinter

from ._derivation import as_sympy
from ._errors import ArgumentError, bad_argument

if TYPE_CHECKING:
    import numpy as np

__all__ = ["stable_form", "to_numpy"]


# ---------------------------------------------------------------------------
# The sigmoid as a SymPy function (printed as scipy.special.expit)
# ---------------------------------------------------------------------------
class expit(sp.Function):
    """The logistic sigmoid ``1/(1 + exp(-x))``; printed as ``scipy.special.expit``.

    Examples
    --------
    >>> import sympy as sp
    >>> t = sp.Symbol("t")
    >>> expit(t).rewrite(sp.exp)
    1/(1 + exp(-t))
    >>> expit(t).diff(t)
    expit(-t)*expit(t)
    """

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_zero:
            return sp.S.Half
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        t = self.args[0]
        return expit(t) * expit(-t)

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs: Any) -> sp.Expr:
        return 1 / (1 + sp.exp(-arg))

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.exp)._eval_evalf(prec)


# ---------------------------------------------------------------------------
# Stable forms
# ---------------------------------------------------------------------------
def _codegen_functions() -> tuple[type, type, type]:
    # sympy.codegen is not imported by ``import sympy``; load it on first use.
    from sympy.codegen.cfunctions import expm1, log1p
    from sympy.codegen.numpy_nodes import logaddexp

    return logaddexp, log1p, expm1


def _may_be_real(e: sp.Basic) -> bool:
    """False when ``e`` is visibly complex: the stable forms are real-only."""
    return e.is_extended_real is not False and not e.has(sp.I)


def _as_exp(term: sp.Expr) -> sp.Expr | None:
    """``a`` when ``term == exp(a)`` or ``c*exp(a')`` with ``c > 0`` (``a = a' + log c``)."""
    if isinstance(term, sp.exp):
        return term.args[0]
    if term.is_Mul:
        coeff, rest = term.as_coeff_Mul()
        if isinstance(rest, sp.exp) and coeff.is_positive:
            return rest.args[0] + sp.log(coeff)
    return None


def _exponents(total: sp.Expr) -> list[sp.Expr] | None:
    """``[a_1, ..., a_k]`` when ``total == exp(a_1) + ... + exp(a_k)`` with some real exp."""
    if not total.is_Add:
        return None
    out: list[sp.Expr] = []
    seen_exp = False
    for term in total.args:
        if term.is_Number:
            if not term.is_positive:
                return None
            out.append(sp.log(term))
            continue
        a = _as_exp(term)
        if a is None or not _may_be_real(a):
            return None
        seen_exp = True
        out.append(a)
    return out if seen_exp else None


def _sigmoid_arg(base: sp.Expr) -> sp.Expr | None:
    """``s`` when ``base == 1 + exp(s)`` (so ``1/base == expit(-s)``)."""
    if base.is_Add and len(base.args) == 2 and base.args[0] == 1:
        s = _as_exp(base.args[1])
        if s is not None and _may_be_real(s):
            return s
    return None


class _Stabilizer:
    """Top-down rewrite of one expression tree into stable forms (memoised)."""

    def __init__(self) -> None:
        self.logaddexp, self.log1p, self.expm1 = _codegen_functions()
        self.memo: dict[sp.Basic, sp.Basic] = {}

    def __call__(self, e: sp.Basic) -> sp.Basic:
        if e.is_Atom or not e.args:
            return e
        try:
            return self.memo[e]
        except KeyError:
            pass
        out = self._rule(e)
        if out is None:
            args = [self(a) for a in e.args]
            out = e.func(*args) if any(a is not b for a, b in zip(args, e.args, strict=True)) else e
        self.memo[e] = out
        return out

    def _lse(self, exponents: list[sp.Expr]) -> sp.Expr:
        acc = self(exponents[0])
        for a in exponents[1:]:
            acc = self.logaddexp(acc, self(a))
        return acc

    def _rule(self, e: sp.Basic) -> sp.Basic | None:
        if isinstance(e, sp.log):
            return self._log(e.args[0])
        if e.is_Pow:
            base, power = e.args
            s = _sigmoid_arg(base)
            if s is not None and power.is_Number and power.is_negative:
                # (1 + exp(s))**p == expit(-s)**(-p)
                return expit(-self(s)) ** (-power)
            return None
        if e.is_Mul:
            return self._mul(e)
        if e.is_Add:
            return self._add(e)
        return None

    def _log(self, arg: sp.Expr) -> sp.Expr:
        lse = _exponents(arg)
        if lse is not None:  # log(exp(a) + exp(b) + ...) -> logaddexp(a, b, ...)
            return self._lse(lse)
        if arg.is_Pow and arg.exp.is_Number and arg.exp.is_real:
            lse = _exponents(arg.base)
            if lse is not None:  # log((exp(a) + ...)**p) -> p*logaddexp(a, ...)
                return arg.exp * self._lse(lse)
        inner = self(arg)  # sigmoids inside become expit: 1 - 1/(1 + exp(-t)) -> expit(-t)
        out = self._log_of_expits(inner)
        if out is not None:
            return out
        if arg.is_Add:
            const, rest = arg.as_coeff_Add()
            if const == 1:  # log(1 + u) -> log1p(u)
                return self.log1p(self(rest))
        return sp.log(inner)

    def _log_of_expits(self, inner: sp.Expr) -> sp.Expr | None:
        """log of a product of expit powers: a sum of ``-p*logaddexp(0, -s)``, else None."""
        factors = inner.args if inner.is_Mul else (inner,)
        terms: list[sp.Expr] = []
        for f in factors:
            base, power = f.as_base_exp()
            if isinstance(base, expit) and power.is_Number and power.is_real:
                terms.append(-power * self.logaddexp(0, -base.args[0]))
            elif f.is_Number and f.is_positive:
                terms.append(sp.log(f))
            else:
                return None
        return sp.Add(*terms) if any(t.has(self.logaddexp) for t in terms) else None

    def _mul(self, e: sp.Mul) -> sp.Expr | None:
        """exp(s) * (1 + exp(s))**p  ->  expit(s) * expit(-s)**(-p - 1)."""
        factors: list[sp.Expr] = list(e.args)
        done: dict[int, sp.Expr] = {}  # index -> rewritten factor (1 when absorbed)
        for i, f in enumerate(factors):
            if not (f.is_Pow and f.exp.is_Number and f.exp.is_negative):
                continue
            s = _sigmoid_arg(f.base)
            if s is None:
                continue
            for j, g in enumerate(factors):
                if j not in done and isinstance(g, sp.exp) and g.args[0] == s:
                    ss = self(s)
                    done[i] = expit(ss) * expit(-ss) ** (-f.exp - 1)
                    done[j] = sp.S.One
                    break
        if not done:
            return None
        return sp.Mul(*[done[k] if k in done else self(f) for k, f in enumerate(factors)])

    def _add(self, e: sp.Add) -> sp.Expr | None:
        """``c*exp(u) - c -> c*expm1(u)``; ``c - c/(1 + exp(s)) -> c*expit(s)``."""
        const, rest = e.as_coeff_Add()
        if const == 0:
            return None
        terms = list(rest.args) if rest.is_Add else [rest]
        for i, term in enumerate(terms):
            coeff, f = term.as_coeff_Mul()
            if coeff != -const:
                continue
            new = None
            if isinstance(f, sp.exp) and _may_be_real(f.args[0]):
                new = -const * self.expm1(self(f.args[0]))
            elif f.is_Pow and f.exp == -1 and (s := _sigmoid_arg(f.base)) is not None:
                new = const * expit(self(s))
            if new is not None:
                others = [self(t) for k, t in enumerate(terms) if k != i]
                return sp.Add(new, *others)
        return None


def stable_form(expr: Any) -> sp.Basic:
    """Rewrite ``expr`` with numerically stable forms; the result is still SymPy.

    This is the rewrite :func:`to_numpy` applies with ``stable=True``. It
    assumes real arguments (the stable NumPy/SciPy functions are real-only;
    :func:`to_numpy` falls back to the plain formula for complex inputs).

    ===========================================  ==================================
    pattern                                      becomes
    ===========================================  ==================================
    ``log(1 + exp(t))``, ``log(exp(a) + exp(b))``  ``logaddexp(0, t)``, ``logaddexp(a, b)``
    ``log((1 + exp(t))**p)``                     ``p*logaddexp(0, t)``
    ``log(1 + u)``                               ``log1p(u)``
    ``c*exp(u) - c``                             ``c*expm1(u)``
    ``1/(1 + exp(-t))``, ``(1 + exp(-t))**p``    ``expit(t)``, ``expit(t)**(-p)``
    ``exp(t)/(1 + exp(t))``                      ``expit(t)``
    ``exp(-t)/(1 + exp(-t))**2``                 ``expit(-t)*expit(t)``
    ``log(1 - 1/(1 + exp(-t)))``                 ``-logaddexp(0, t)``
    ===========================================  ==================================

    Examples
    --------
    >>> import sympy as sp
    >>> t, u = sp.symbols("t u", real=True)
    >>> stable_form(sp.log(1 + sp.exp(t)))
    logaddexp(0, t)
    >>> stable_form(sp.log(1 + u**2) + sp.exp(u) - 1)
    expm1(u) + log1p(u**2)
    >>> stable_form(1 / (1 + sp.exp(-t)))
    expit(t)
    >>> stable_form(sp.diff(1 / (1 + sp.exp(-t)), t))     # the sigmoid's derivative
    expit(-t)*expit(t)
    >>> stable_form(sp.Matrix([sp.log(1 + sp.exp(t)), t]))
    Matrix([
    [logaddexp(0, t)],
    [              t]])
    """
    obj = as_sympy(expr, "expr")
    rewrite = _Stabilizer()
    if isinstance(obj, sp.MatrixBase):
        return obj.applyfunc(rewrite)
    if isinstance(obj, sp.NDimArray):
        return obj.applyfunc(rewrite)
    return rewrite(obj)


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

    def _print_Integer(self, e: sp.Integer) -> str:
        # Beyond 2**53 an int would overflow int64 arithmetic; a float is what NumPy uses.
        return repr(float(e)) if abs(int(e)) > 2**53 else str(e)


# Names the generated code needs for itself or for printed calls; a Symbol with
# such a name is given a private parameter name instead.
_RESERVED = frozenset(dir(builtins)) | {"numpy", "scipy", "functools", "math", "builtins"}

_NOT_NUMERIC = (
    (sp.Derivative, "an unevaluated Derivative; call expr.doit() first"),
    (sp.Integral, "an unevaluated Integral; call expr.doit(), or integrate numerically"),
    (
        sp.MatrixSymbol,
        "a MatrixSymbol; array arguments are not supported yet, "
        "use explicit entries, e.g. sympy.Matrix(sympy.symbols('w0:3'))",
    ),
)


class _Arg(NamedTuple):
    """One parameter of the generated function.

    ``kind`` is ``"scalar"`` for now; array arguments (an n x 1 ``MatrixSymbol``
    taking an array) will add kinds that unpack their input in the prologue.
    """

    symbol: sp.Symbol
    pyname: str
    kind: str = "scalar"


class _Target(NamedTuple):
    """What to evaluate: flat entries and the leading output shape (None: scalar)."""

    entries: list[sp.Basic]
    shape: tuple[int, ...] | None


def _target(obj: sp.Basic, value: Any) -> _Target:
    if isinstance(obj, sp.MatrixExpr) and not isinstance(obj, sp.MatrixBase):
        if obj.atoms(sp.MatrixSymbol):
            _not_numeric(value, obj.atoms(sp.MatrixSymbol).pop(), _NOT_NUMERIC[2][1])
        obj = sp.ImmutableMatrix(obj.as_explicit())
    if isinstance(obj, sp.MatrixBase):
        m, n = obj.shape
        return _Target(list(obj), (m,) if n == 1 else (m, n))
    if isinstance(obj, sp.NDimArray):
        shape = tuple(obj.shape)
        entries = [obj[idx] for idx in itertools.product(*map(range, shape))]
        return _Target(entries, shape)
    if isinstance(obj, sp.Eq):
        fix = "pass one side, e.g. expr.rhs (for a Derivation: d.result.rhs)"
        raise ArgumentError(bad_argument("expr", value, fix))
    if isinstance(obj, (sp.Expr, sp.logic.boolalg.Boolean)):
        return _Target([obj], None)
    raise ArgumentError(
        bad_argument("expr", value, "pass a SymPy expression, Matrix, Array, number or Derivation")
    )


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
            if any(b.free_symbols for lim in s.limits for b in lim[1:]):
                _not_numeric(
                    value,
                    s,
                    "a Sum/Product with symbolic limits; call expr.doit() or fix them",
                )


def _unsupported(printer: _Printer, entries: Sequence[sp.Basic], value: Any) -> ArgumentError:
    """The first function the printer cannot print, as a clear error."""
    for e in entries:
        for f in sorted(e.atoms(sp.Function), key=sp.default_sort_key):
            try:
                printer.doprint(f)
            except (PrintMethodNotImplementedError, NotImplementedError):
                name = getattr(f.func, "__name__", str(f.func))
                return ArgumentError(
                    bad_argument(
                        "expr",
                        value,
                        f"to_numpy does not support the function {name!r} (no NumPy/SciPy "
                        f"equivalent is known); rewrite it, e.g. expr.rewrite(...), or replace it",
                    )
                )
    return ArgumentError(bad_argument("expr", value, "it has a part with no NumPy equivalent"))


# ---------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------
def _as_symbols(args: Any) -> list[Any]:
    fix = "pass a Symbol or a list of Symbols, e.g. args=[x, y]"
    if isinstance(args, str):
        raise ArgumentError(bad_argument("args", args, fix + " (from sympy.symbols('x y'))"))
    if isinstance(args, sp.Symbol):
        return [args]
    if isinstance(args, sp.MatrixSymbol):
        items = [args]
    else:
        try:
            items = list(args)
        except TypeError:
            raise ArgumentError(bad_argument("args", args, fix)) from None
    for i, a in enumerate(items):
        if isinstance(a, sp.MatrixSymbol):
            raise ArgumentError(
                bad_argument(
                    "args",
                    args,
                    f"{a} is a MatrixSymbol; array arguments are not supported yet, pass "
                    f"scalar Symbols for its entries, e.g. args=sympy.symbols('{a.name}0:3')",
                )
            )
        if not isinstance(a, sp.Symbol):
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


def _check_coverage(symbols: list[sp.Symbol], entries: Sequence[sp.Basic], args: Any) -> None:
    free: set[sp.Basic] = set().union(*(e.free_symbols for e in entries))
    missing = sorted(free - set(symbols), key=sp.default_sort_key)
    if not missing:
        return
    suggestion = [*symbols, *missing]
    fix = f"expr also depends on {missing}; add them, e.g. args={suggestion}"
    by_name = {s.name: s for s in symbols}
    for m in missing:
        twin = by_name.get(getattr(m, "name", None))
        if twin is not None:
            fix += (
                f" (note: {m} in expr has assumptions {m.assumptions0} but the {twin} in args"
                f" has {twin.assumptions0}; SymPy treats them as different symbols, so use"
                " the same Symbol object)"
            )
            break
    raise ArgumentError(bad_argument("args", args, fix))


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


# ---------------------------------------------------------------------------
# Code generation
# ---------------------------------------------------------------------------
_counter = itertools.count()


def _expand(value: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast a value that ignores some inputs to the inputs' shape (a new array)."""
    import numpy as np

    value = np.asarray(value)
    if value.dtype.kind in "iu":
        value = value.astype(np.float64)
    if value.shape != shape:
        value = np.broadcast_to(value, shape).copy()
    return value[()]


def _result_type_many(*items: Any) -> Any:
    import functools

    import numpy as np

    return functools.reduce(np.result_type, items)


def _call_list(names: Sequence[str]) -> str:
    return ", ".join(names)


class _Body(NamedTuple):
    lines: list[str]
    modules: set[str]


def _body(
    target: _Target, params: list[_Arg], *, cse: bool, printer: _Printer, value: Any
) -> _Body:
    """Lines computing the result from converted inputs (indented by 4)."""
    names = [p.pyname for p in params]
    entries = target.entries
    constant = [not e.free_symbols for e in entries]
    if cse:
        replacements, reduced = sp.cse(
            entries, symbols=sp.numbered_symbols("_cse"), optimizations=None
        )
    else:
        replacements, reduced = [], list(entries)

    def pr(e: sp.Basic) -> str:
        try:
            return printer.doprint(e)
        except (PrintMethodNotImplementedError, NotImplementedError):
            raise _unsupported(_Printer(), entries, value) from None

    lines: list[str] = []
    needs_shape = target.shape is not None or any(
        not (e.free_symbols >= {p.symbol for p in params}) or c
        for e, c in zip(entries, constant, strict=True)
    )
    if needs_shape:
        if not names:
            lines.append("_shape = ()")
        elif len(names) == 1:
            lines.append(f"_shape = {names[0]}.shape")
        elif len(names) <= 32:
            lines.append(f"_shape = _broadcast({_call_list(names)}).shape")
        else:
            shapes = ", ".join(f"{n}.shape" for n in names)
            lines.append(f"_shape = _broadcast_shapes({shapes})")
    for sym, sub in replacements:
        lines.append(f"{sym.name} = {pr(sub)}")
    float_base = [*names, "0.0"]

    def result_type(items: list[str]) -> str:
        fn = "_result_type" if len(items) <= 32 else "_result_type_many"
        return f"{fn}({_call_list(items)})"

    if target.shape is None:
        (entry,), (code,) = entries, [pr(reduced[0])]
        if constant[0]:
            if isinstance(entry, sp.logic.boolalg.Boolean):
                lines.append(f"return _full(_shape, {code}, bool)[()]")
            else:
                dtype = result_type([*float_base, code])
                lines.append(f"return _full(_shape, {code}, {dtype})[()]")
        elif entry.free_symbols >= {p.symbol for p in params}:
            lines.append(f"return {code}")
        else:
            lines.append(f"return _expand({code}, _shape)")
        return _Body(lines, set(printer.module_imports))

    # Arrays: fill a preallocated (*target.shape, *input shape) array.
    assign: list[tuple[tuple[int, ...], str]] = []
    dtype_items = list(float_base)
    any_zero = False
    index_iter = itertools.product(*map(range, target.shape))
    for k, (idx, entry, red, const) in enumerate(
        zip(index_iter, entries, reduced, constant, strict=True)
    ):
        if const and entry == 0:
            any_zero = True
            continue
        code = pr(red)
        if not const and not code.isidentifier():
            lines.append(f"_e{k} = {code}")
            code = f"_e{k}"
        if (not const or entry.has(sp.I)) and code not in dtype_items:
            dtype_items.append(code)
        assign.append((idx, code))
    alloc = "_zeros" if any_zero else "_empty"
    lines.append(f"_out = {alloc}({target.shape!r} + _shape, {result_type(dtype_items)})")
    for idx, code in assign:
        where = ", ".join(map(str, idx))
        lines.append(f"_out[{where}] = {code}")
    lines.append("return _out")
    return _Body(lines, set(printer.module_imports))


def _prologue(params: list[_Arg]) -> list[str]:
    lines: list[str] = []
    for p in params:
        n = p.pyname
        lines.append(f"{n} = _asarray({n})")
        lines.append(f'if {n}.dtype.kind in "biu":')
        lines.append(f"    {n} = {n}.astype(_float64)")
    return lines


def _indent(lines: Iterable[str], n: int = 4) -> list[str]:
    pad = " " * n
    return [pad + line for line in lines]


def _namespace(modules: Iterable[str]) -> dict[str, Any]:
    import numpy as np

    ns: dict[str, Any] = {
        "__name__": "symml._generated",
        "builtins": builtins,  # e.g. builtins.sum for a Sum with numeric limits
        "numpy": np,
        "_asarray": np.asarray,
        "_float64": np.float64,
        "_broadcast": np.broadcast,
        "_broadcast_shapes": np.broadcast_shapes,
        "_result_type": np.result_type,
        "_result_type_many": _result_type_many,
        "_empty": np.empty,
        "_zeros": np.zeros,
        "_full": np.full,
        "_expand": _expand,
    }
    for module in sorted(modules):
        importlib.import_module(module)  # e.g. scipy.special, only when printed
        top = module.split(".")[0]
        ns[top] = importlib.import_module(top)
    return ns


def _summary(obj: sp.Basic, limit: int = 2000) -> str:
    text = sp.sstr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def to_numpy(
    expr: Any,
    args: Any,
    *,
    cse: bool = True,
    stable: bool = True,
    name: str | None = None,
) -> Callable[..., np.ndarray]:
    r"""Turn a SymPy expression, matrix or Derivation into a fast vectorised NumPy function.

    Parameters
    ----------
    expr : sympy.Expr, Matrix, Array, number or Derivation
        What to evaluate (a Derivation gives its ``.result``). Relations
        such as ``x > 0`` give boolean arrays.
    args : Symbol or sequence of Symbols
        The parameters of the returned function, in order. Every free symbol
        of ``expr`` must be listed; listing more is fine (the result is
        broadcast against them too).
    cse : bool, default True
        Share common subexpressions across all entries (``sympy.cse``).
    stable : bool, default True
        Substitute numerically stable forms before printing (see
        :func:`stable_form`): ``numpy.logaddexp``, ``numpy.log1p``,
        ``numpy.expm1`` and ``scipy.special.expit``.
    name : str, optional
        The function's ``__name__`` (default ``"symml_func"``).

    Returns
    -------
    callable
        ``f(*arrays)``. Inputs go through ``numpy.asarray``; integer and bool
        inputs become float64 (so ``x**-1`` works). With ``S`` the broadcast
        shape of all inputs, a scalar expression gives shape ``S`` (a NumPy
        scalar when ``S == ()``), a column (k x 1) gives ``(k, *S)`` and any
        other m x n matrix gives ``(m, n, *S)``; an Array of shape ``A``
        gives ``(*A, *S)``. Constant entries, zeros included, are filled to
        shape ``S`` too. ``f.__doc__`` shows the expression and the code.

    Raises
    ------
    ArgumentError
        ``args`` misses a free symbol of ``expr``, repeats one, or holds
        something that is not a Symbol (MatrixSymbol arguments are not
        supported yet); ``expr`` contains a function with no NumPy/SciPy
        equivalent, an undefined function, or an unevaluated Derivative
        or Integral.

    See Also
    --------
    stable_form : the rewrite applied with ``stable=True``.
    sympy.utilities.lambdify.lambdify : the general tool this specialises.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from symml._numeric import to_numpy
    >>> x, y = sp.symbols("x y", real=True)
    >>> f = to_numpy(x**2 * y, [x, y])
    >>> f(np.array([1.0, 2.0, 3.0]), 2.0)
    array([ 2.,  8., 18.])
    >>> f(np.arange(3)[:, None], np.arange(2))          # broadcasting; ints become floats
    array([[0., 0.],
           [0., 1.],
           [0., 4.]])

    Gradients: a column gives ``(k, *S)``, and a constant entry is an array too:

    >>> grad = to_numpy(sp.Matrix([2*x, 3]), [x], name="grad")
    >>> grad(np.array([1.0, 2.0]))
    array([[2., 4.],
           [3., 3.]])
    >>> grad.__name__, grad(1.0).shape
    ('grad', (2,))

    Stable forms: the naive ``log(1 + exp(t))`` overflows at ``t = 800``.

    >>> t = sp.Symbol("t", real=True)
    >>> softplus = to_numpy(sp.log(1 + sp.exp(t)), [t])
    >>> softplus(np.array([-800.0, 0.0, 800.0])).tolist()
    [0.0, 0.6931471805599453, 800.0]

    How it works
    ------------
    ``to_numpy`` (1) takes ``expr`` (a Derivation's ``.result``) and checks
    ``args``; (2) with ``stable=True`` rewrites the tree with
    :func:`stable_form`; (3) with ``cse=True`` pulls out common
    subexpressions of all entries with ``sympy.cse``; (4) prints each piece
    with a subclass of SymPy's ``SciPyPrinter`` (fully qualified names such
    as ``numpy.exp``; a function it cannot print is an error now, not a
    ``NameError`` later); (5) writes the source of one Python function that
    converts its inputs, computes the pieces and fills the output, and
    compiles it once with ``exec`` in a namespace holding ``numpy`` (and
    ``scipy.special`` only when used). ``f.__doc__`` shows that source and
    ``inspect.getsource(f)`` works:

    >>> import inspect
    >>> g = to_numpy(sp.Matrix([sp.exp(x*y)*y, sp.exp(x*y)*x, 0]), [x, y])
    >>> print(inspect.getsource(g))
    def symml_func(x, y):
        x = _asarray(x)
        if x.dtype.kind in "biu":
            x = x.astype(_float64)
        y = _asarray(y)
        if y.dtype.kind in "biu":
            y = y.astype(_float64)
        _shape = _broadcast(x, y).shape
        _cse0 = numpy.exp(x*y)
        _e0 = _cse0*y
        _e1 = _cse0*x
        _out = _zeros((3,) + _shape, _result_type(x, y, 0.0, _e0, _e1))
        _out[0] = _e0
        _out[1] = _e1
        return _out
    <BLANKLINE>

    When a stable form was used, complex inputs (for which NumPy has no
    ``logaddexp``) take a second, plain-formula function, ``_plain``.

    Pitfalls
    --------
    Arguments are positional, in the order of ``args``; every free symbol
    must be listed (symbols with the same name but other assumptions are
    different symbols):

    >>> to_numpy(x * y, [x])
    Traceback (most recent call last):
    ...
    symml._errors.ArgumentError: args=[x] is not valid: expr also depends on [y]; ...

    A symbol whose name is not a usable Python identifier (or shadows a
    builtin, or starts with ``_``) becomes ``_arg<i>``; call positionally:

    >>> lam = sp.Symbol("lambda")
    >>> h = to_numpy(2 * lam, [lam])
    >>> print(h(3.0), "def symml_func(_arg0)" in h.__doc__)
    6.0 True

    Inputs of shape ``()`` give NumPy scalars for scalar expressions, as
    NumPy's own functions do; use ``numpy.asarray`` for a 0-d array.

    Real formulas on real inputs stay real: a square root of a negative
    number is ``nan`` with NumPy's ``RuntimeWarning`` (an error under
    ``-W error``), not a complex number. Pass complex inputs for complex
    results:

    >>> r = to_numpy(sp.sqrt(x), [x])
    >>> with np.errstate(invalid="ignore"):
    ...     print(r(-4.0))
    nan
    >>> print(r(-4.0 + 0j))
    2j

    ``Piecewise`` evaluates every branch everywhere (``numpy.select``), so a
    branch that is not chosen can still warn:

    >>> p = to_numpy(sp.Piecewise((sp.log(x), x > 0), (0, True)), [x])
    >>> with np.errstate(invalid="ignore", divide="ignore"):
    ...     p(np.array([-1.0, 0.0, np.e]))
    array([0., 0., 1.])

    ``stable=False`` keeps the formula as written, with its overflow:

    >>> naive = to_numpy(sp.log(1 + sp.exp(t)), [t], stable=False)
    >>> with np.errstate(over="ignore"):
    ...     print(naive(800.0))
    inf

    Functions NumPy and SciPy do not have are refused when ``f`` is built:

    >>> to_numpy(sp.Function("f")(x), [x])
    Traceback (most recent call last):
    ...
    symml._errors.ArgumentError: expr=f(x) is not valid: it contains f(x), an undefined ...
    """
    value = expr
    obj = as_sympy(expr, "expr")
    target = _target(obj, value)
    symbols = _as_symbols(args)
    _check_printable(target.entries, value)
    _check_coverage(symbols, target.entries, args)
    if cse not in (True, False):
        raise ArgumentError(bad_argument("cse", cse, "pass True or False"))
    if stable not in (True, False):
        raise ArgumentError(bad_argument("stable", stable, "pass True or False"))
    func_name, ident = _function_name(name)

    params = _pynames(symbols)
    rename = {p.symbol: sp.Symbol(p.pyname, **p.symbol.assumptions0) for p in params}
    plain = _Target([e.xreplace(rename) for e in target.entries], target.shape)
    renamed = [p._replace(symbol=rename[p.symbol]) for p in params]

    printer = _Printer()
    entries = plain.entries
    fallback: _Body | None = None
    if stable:
        rewrite = _Stabilizer()
        stable_entries = [rewrite(e) for e in entries]
        if stable_entries != entries:
            if params:  # complex inputs need the plain formula: NumPy has no complex logaddexp
                fallback = _body(plain, renamed, cse=cse, printer=_Printer(), value=value)
            entries = stable_entries
    main = _body(_Target(entries, plain.shape), renamed, cse=cse, printer=printer, value=value)

    sig = f"{ident}({_call_list([p.pyname for p in params])})"
    full, modules = _assemble(sig, params, main, fallback)
    func = _compile(full, ident, modules)

    func.__name__ = func_name
    func.__qualname__ = func_name
    func.__doc__ = _docstring(sig, obj, params, full, plain=fallback is not None)
    return func


def _assemble(
    sig: str, params: list[_Arg], main: _Body, plain: _Body | None
) -> tuple[str, set[str]]:
    """The module source: ``def <sig>`` and, with stable forms, ``def _plain`` for complex."""
    names = _call_list([p.pyname for p in params])
    lines = [f"def {sig}:", *_indent(_prologue(params))]
    modules = set(main.modules)
    if plain is not None:
        test = " or ".join(f'{p.pyname}.dtype.kind == "c"' for p in params)
        lines += _indent([f"if {test}:", f"    return _plain({names})"])
    lines += _indent(main.lines)
    if plain is not None:
        modules |= plain.modules
        lines += ["", f"def _plain({names}):", *_indent(plain.lines)]
    return "\n".join(lines) + "\n", modules


def _compile(source: str, ident: str, modules: set[str]) -> Callable[..., Any]:
    """Run ``source`` once in a fresh namespace; register it so ``inspect`` finds it."""
    namespace = _namespace(modules)
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
