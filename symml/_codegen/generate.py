r"""SymPy to NumPy: the one place in symml that generates numeric code.

===============================  ======================================================
name                             what it is
===============================  ======================================================
:func:`to_numpy`                 a fast, vectorised NumPy function of a SymPy
                                 expression, matrix, array, matrix expression in
                                 ``MatrixSymbol`` arguments, or a Derivation
:func:`stable_form`              the expression with numerically stable forms
                                 (``logaddexp``, ``log1p``, ``expm1``, ``expit``)
:class:`expit`                   the logistic sigmoid as a SymPy function
:class:`RankDeficientWarning`    issued by generated least-squares solvers for
                                 rank-deficient problems (``.rank``, ``.columns``)
===============================  ======================================================

Every other module that needs numbers from a formula calls :func:`to_numpy`;
nothing else in symml calls ``lambdify`` or a code printer. Normal-equation
solutions ``(X.T*X)**-1*X.T*y`` (and their ridge, weighted and generalised
forms) become QR least-squares solves here; see :func:`to_numpy`.

Examples
--------
>>> import sympy as sp
>>> from symml._codegen.generate import to_numpy
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
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import sympy as sp
from sympy.printing.codeprinter import PrintMethodNotImplementedError
from sympy.printing.numpy import SciPyPrinter

from .._core import ArgumentError, ShapeError, as_sympy, bad_argument

if TYPE_CHECKING:
    import numpy as np

__all__ = ["RankDeficientWarning", "expit", "stable_form", "to_numpy"]


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


def _reshaped(target: _Target, shape: Any) -> _Target:
    """``target`` with the leading output shape ``shape`` (None: unchanged)."""
    if shape is None:
        return target
    size = len(target.entries) if target.shape is not None else None
    ok = isinstance(shape, tuple) and all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0 for d in shape
    )
    if not ok or size is None or int(np.prod(shape, dtype=np.int64)) != size:
        what = "a scalar" if size is None else f"{size} entries"
        raise ArgumentError(
            bad_argument("shape", shape, f"give a tuple of sizes holding {what}, e.g. (2, 2)")
        )
    return _Target(target.entries, tuple(int(d) for d in shape))


def _target(obj: sp.Basic, value: Any) -> _Target:
    if isinstance(obj, sp.MatrixExpr) and not isinstance(obj, sp.MatrixBase):
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
        # matrix expressions
        "_bind": _bind,
        "_iscomplex": _iscomplex,
        "_solve": _solve,
        "_solve_normal": _solve_normal,
        "_inv": np.linalg.inv,
        "_det": np.linalg.det,
        "_logdet": _logdet,
        "_trace": np.trace,
        "_einsum": np.einsum,
        "_eye": np.eye,
        "_ones": np.ones,
        "_diagflat": np.diagflat,
        "_diagonal": np.diagonal,
        "_matrix_power": np.linalg.matrix_power,
        "_kron": np.kron,
        "_block": np.block,
        "_explicit": _explicit,
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
    shape: tuple[int, ...] | None = None,
) -> Callable[..., np.ndarray]:
    r"""Turn a SymPy expression, matrix or Derivation into a fast vectorised NumPy function.

    Parameters
    ----------
    expr : sympy.Expr, Matrix, Array, number or Derivation
        What to evaluate (a Derivation gives its ``.result``). Relations
        such as ``x > 0`` give boolean arrays.
    args : Symbol, MatrixSymbol or sequence of them
        The parameters of the returned function, in order. Every free symbol
        of ``expr`` must be listed; listing more is fine (the result is
        broadcast against them too). A ``MatrixSymbol`` takes an array (see
        *Matrix expressions* below).
    cse : bool, default True
        Share common subexpressions across all entries (``sympy.cse``).
    stable : bool, default True
        Substitute numerically stable forms before printing (see
        :func:`stable_form`): ``numpy.logaddexp``, ``numpy.log1p``,
        ``numpy.expm1`` and ``scipy.special.expit``.
    name : str, optional
        The function's ``__name__`` (default ``"symml_func"``).
    shape : tuple of int, optional
        The leading shape of the output for a Matrix or Array result, in
        place of the default below; it must hold the same number of entries
        (``shape=(1, 1)`` keeps a 1 x 1 matrix two-dimensional). A
        ``Derivation`` passes the shape of what it derived: ``(n, n)`` for
        a Hessian, ``(m, n)`` for a Jacobian, ``(n,)`` for a gradient.

    Returns
    -------
    callable
        ``f(*arrays)``. Inputs go through ``numpy.asarray``; integer and bool
        inputs become float64 (so ``x**-1`` works). With ``S`` the broadcast
        shape of all inputs, a scalar expression gives shape ``S`` (a NumPy
        scalar when ``S == ()``) and an m x n matrix gives ``(m, n, *S)``,
        columns and 1 x 1 matrices included; an Array of shape ``A``
        gives ``(*A, *S)``. Constant entries, zeros included, are filled to
        shape ``S`` too. ``f.__doc__`` shows the expression and the code.
        With ``MatrixSymbol`` arguments, see *Matrix expressions*.

    Raises
    ------
    ArgumentError
        ``args`` misses a free symbol of ``expr``, repeats one, or holds
        something that is not a Symbol or MatrixSymbol; ``expr`` contains a
        function with no NumPy/SciPy equivalent, an undefined function, or
        an unevaluated Derivative or Integral.
    ShapeError
        (When the function is called.) An array does not fit its
        ``MatrixSymbol``: the message names the argument, both shapes and
        the dimension that disagrees.

    Matrix expressions
    ------------------
    With ``MatrixSymbol`` arguments (``X`` m x n, ``w`` n x 1, ...) the
    function takes arrays and evaluates the matrix expression as NumPy
    would by hand: ``X*w`` is ``X @ w``, ``A**-1*b`` is a solve, element-wise
    maps (``applyfunc``, ``HadamardProduct``, :class:`expit`) are
    vectorised, ``DiagMatrix(v)`` in a product is broadcasting
    (``X.T*DiagMatrix(s)*X`` is ``X.T @ (s * X)``; no m x m matrix is made),
    ``OneMatrix(1, m)*A`` is a column sum, ``Trace(A*B)`` an ``einsum``,
    ``log(Determinant(A))`` a ``slogdet``.

    * **Inputs**: an n x 1 (or 1 x n) symbol takes a 1-D array too; any
      array-like works (lists, pandas DataFrame / Series); integers become
      float64. Symbolic sizes (``m``, ``n``) are read from the arrays and
      must agree across arguments, else :class:`~symml.ShapeError`. Scalar
      ``Symbol`` arguments take a single number.
    * **Output**: a k x 1 result is 1-D ``(k,)`` -- as ``numpy.linalg.solve``
      gives for a 1-D right-hand side -- unless there are column (k x 1)
      arguments and all were passed as 2-D ``(k, 1)`` columns; then it is
      ``(k, 1)``. The same
      rule makes a 1 x k row 1-D. A 1 x 1 result, or a scalar expression
      (``Trace``, ``Determinant``), is a NumPy scalar; other results are 2-D.
    * **Solves**: every ``M**-1 * N`` becomes a solve, never ``inv``.
      When ``M = sum_k c_k B_k^T W_k B_k`` and ``N = sum_k B_k^T W_k t_k``
      -- the normal equations of least squares, e.g.
      ``(X.T*X + lam*I)**-1*X.T*y`` or ``(X.T*W*X)**-1*X.T*W*y`` -- it is a
      QR least-squares solve of the stacked, whitened system
      ``[sqrt(c_k) S_k B_k] w ~ [S_k t_k / sqrt(c_k)]`` with
      ``S_k^T S_k = W_k`` (``sqrt(v)`` row scaling for ``DiagMatrix(v)``, a
      Cholesky factor for ``W``, its inverse for ``Sigma**-1``): ``X.T*X``
      is never formed. Rank deficiency gives a
      :class:`RankDeficientWarning` and the minimum-norm solution. Other
      ``M**-1 * N`` are ``numpy.linalg.solve(M, N)``; a lone ``M**-1`` is
      ``numpy.linalg.inv``. An equation ``Eq(w, rhs)`` (a Derivation of
      :func:`symml.normal_equations`) evaluates ``rhs`` when ``w`` is not
      in ``args``.


    See Also
    --------
    stable_form : the rewrite applied with ``stable=True``.
    sympy.utilities.lambdify.lambdify : the general tool this specialises.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from symml._codegen.generate import to_numpy
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

    Matrix expressions: arrays in, the shapes checked, the code hand-written NumPy.

    >>> n, m = sp.symbols("n m", integer=True, positive=True)
    >>> X, w = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1)
    >>> yv = sp.MatrixSymbol("y", m, 1)
    >>> grad = to_numpy(X.T*((X*w).applyfunc(expit) - yv), [X, w, yv], name="grad")
    >>> print(grad.__doc__.strip().splitlines()[-2].strip())
    _r = X.T @ (scipy.special.expit(X @ w) - y)
    >>> X_data = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> grad(X_data, [0.0, 0.0], [1.0, 0.0, 1.0])
    array([-1.5, -2. ])
    >>> grad(X_data, [[0.0], [0.0]], [[1.0], [0.0], [1.0]])
    array([[-1.5],
           [-2. ]])
    >>> grad(X_data, [0.0, 0.0, 0.0], [1.0, 0.0, 1.0])
    Traceback (most recent call last):
    ...
    symml.ShapeError: w has shape (3,) but X has shape (3, 2): ... (2 != 3); ...
    >>> solve = to_numpy((X.T*X)**-1*X.T*yv, [X, yv])
    >>> w_hat = solve(X_data, [1.0, 2.0, 4.0])      # QR least squares, no (X^T X)^{-1}
    >>> np.allclose(w_hat, [2 / 3, 1 / 12])
    True

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

    Matrix expressions take another road from step (2): the tree becomes a
    graph of NumPy operations in which equal subexpressions are one node
    (``X @ w`` shared by the loss and the gradient is computed once; a
    transposed sum ``w.T*X.T - y.T`` reuses ``X @ w - y``); products are
    associated by the cheapest order for typical sizes (symbolic sizes
    count as large: ``X.T*X*w`` is ``X.T @ (X @ w)``); diagonal, ones and
    identity factors become broadcasting, sums and nothing; ``M**-1 * N``
    becomes a solve (above). Nodes used twice are named, the rest inlined,
    so the code reads like hand-written NumPy and takes as long.

    Pitfalls
    --------
    Arguments are positional, in the order of ``args``; every free symbol
    must be listed (symbols with the same name but other assumptions are
    different symbols):

    >>> to_numpy(x * y, [x])
    Traceback (most recent call last):
    ...
    symml.ArgumentError: args=[x] is not valid: expr also depends on [y]; ...

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
    symml.ArgumentError: expr=f(x) is not valid: it contains f(x), an undefined ...
    """
    value = expr
    obj = as_sympy(expr, "expr")
    symbols = _as_symbols(args)
    obj = _definition_rhs(obj, symbols)
    if cse not in (True, False):
        raise ArgumentError(bad_argument("cse", cse, "pass True or False"))
    if stable not in (True, False):
        raise ArgumentError(bad_argument("stable", stable, "pass True or False"))
    if any(isinstance(s, sp.MatrixSymbol) for s in symbols) or obj.atoms(sp.MatrixSymbol):
        if shape is not None:
            raise ArgumentError(
                bad_argument(
                    "shape", shape, "it applies to explicit matrices, not matrix expressions"
                )
            )
        return _matrix_to_numpy(obj, symbols, cse=cse, stable=stable, name=name, value=value)
    target = _reshaped(_target(obj, value), shape)
    _check_printable(target.entries, value)
    _check_coverage(symbols, target.entries, args)
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


# ---------------------------------------------------------------------------
# Matrix expressions: runtime helpers called by the generated code
# ---------------------------------------------------------------------------
class RankDeficientWarning(UserWarning):
    """A least-squares problem is rank deficient: its solution is not unique.

    Issued by the solvers that :func:`to_numpy` generates for normal
    equations (and by :meth:`symml.NormalEquations.fit`). The solver then
    returns the minimum-norm solution of the column-scaled problem. Turn the
    warning into an error with ``warnings.simplefilter("error", RankDeficientWarning)``.

    Attributes
    ----------
    rank : int
        The numerical rank found (singular values of the column-scaled
        matrix above ``max(rows, columns) * eps`` times the largest).
    columns : int
        The number of unknowns (columns); ``rank < columns``.
    """

    def __init__(self, message: str, rank: int = 0, columns: int = 0) -> None:
        super().__init__(message)
        self.rank = rank
        self.columns = columns


class _LstsqSolution(NamedTuple):
    """A least-squares solution with what standard errors need."""

    x: np.ndarray  # (n, q)
    rank: int
    method: str
    unscaled_cov: np.ndarray  # (A^T A)^{-1}, or its pseudo-inverse when rank deficient
    residuals: np.ndarray  # b - A x, all rows, (rows, q)


def _lstsq(A: np.ndarray, b: np.ndarray, *, full: bool = False) -> Any:
    """Least squares ``min ||A x - b||`` by Householder QR of the column-scaled ``A``.

    Columns are scaled to unit norm first (the rank decision is then
    independent of the units of the columns), then ``A D = Q R P^T`` with
    column pivoting. Full rank: ``x = D P R^{-1} Q^T b`` by a triangular
    solve. Rank deficient: a :class:`RankDeficientWarning` and the
    minimum-norm solution of the scaled problem by SVD. ``A^T A`` is never
    formed.
    """
    import numpy as np
    import scipy.linalg as sl

    rows, n = A.shape
    norms = np.sqrt(np.einsum("ij,ij->j", A.conj(), A).real)
    scale = np.where(norms > 0, norms, 1.0)
    As = A / scale
    eps = np.finfo(float).eps * max(rows, n, 1)
    rank = n
    method = "QR"
    if rows >= n and n > 0:
        Q, R, perm = sl.qr(As, mode="economic", pivoting=True)
        diag = np.abs(np.diagonal(R))
        rank = int(np.count_nonzero(diag > eps * diag[0])) if diag[0] > 0 else 0
    if rank == n and rows >= n:
        z = sl.solve_triangular(R, Q.conj().T @ b)
        xs = np.empty_like(z)
        xs[perm] = z
        cov_s = None
        if full:
            Rinv = sl.solve_triangular(R, np.eye(n, dtype=R.dtype))
            cz = Rinv @ Rinv.conj().T
            cov_s = np.empty_like(cz)
            cov_s[np.ix_(perm, perm)] = cz
    else:
        U, s, Vh = sl.svd(As, full_matrices=False)
        rank = int(np.count_nonzero(s > eps * s[0])) if s.size and s[0] > 0 else 0
        method = "SVD"
        if rank < n:
            warnings.warn(
                RankDeficientWarning(
                    f"the least-squares matrix ({rows} x {n}) has rank {rank} < {n} columns: "
                    "the solution is not unique; returning the minimum-norm solution of the "
                    "column-scaled problem. Fix: drop or combine collinear columns, or add a "
                    "ridge penalty",
                    rank,
                    n,
                ),
                stacklevel=3,
            )
        V, s_r = Vh[:rank].conj().T, s[:rank]
        xs = V @ ((U[:, :rank].conj().T @ b) / s_r[:, None])
        cov_s = (V / s_r**2) @ V.conj().T if full else None
    x = xs / scale[:, None]
    if not full:
        return x
    return _LstsqSolution(x, rank, method, cov_s / np.outer(scale, scale), b - A @ x)


class _Shown:
    """An array in a message: its shape, not its entries."""

    def __init__(self, value: Any) -> None:
        self.shape = getattr(value, "shape", None)

    def __repr__(self) -> str:
        return f"<array of shape {self.shape}>"


def _whitener(kind: str | None, W: Any, label: str) -> Callable[[np.ndarray], np.ndarray]:
    """``S`` with ``S^T S`` equal to the weight ``W`` (``kind='inv'``: to ``W^{-1}``)."""
    import numpy as np
    import scipy.linalg as sl

    if kind is None:
        return lambda B: B
    W = np.asarray(W)
    if kind == "diag":
        v = W.reshape(-1)
        if np.any(v < 0):
            raise ArgumentError(
                bad_argument(label, _Shown(W), "weights must be >= 0 (a PSD weight matrix)")
            )
        r = np.sqrt(v)[:, None]
        return lambda B: r * B
    if not np.allclose(W, W.T.conj(), rtol=1e-10, atol=0):
        raise ArgumentError(
            bad_argument(
                label, _Shown(W), "the derivation assumed it symmetric; pass a symmetric matrix"
            )
        )
    off = W - np.diag(np.diagonal(W))
    if not np.any(off):  # diagonal: row scaling, no factorisation
        v = np.diagonal(W).real
        if kind == "inv":
            if np.any(v <= 0):
                raise ArgumentError(bad_argument(label, _Shown(W), "it must be positive definite"))
            r = 1 / np.sqrt(v)[:, None]
        else:
            if np.any(v < 0):
                raise ArgumentError(
                    bad_argument(label, _Shown(W), "it must be positive semi-definite")
                )
            r = np.sqrt(v)[:, None]
        return lambda B: r * B
    try:
        L = sl.cholesky(W, lower=True)
    except sl.LinAlgError:
        if kind == "inv":
            raise ArgumentError(
                bad_argument(label, _Shown(W), "it must be positive definite (Cholesky failed)")
            ) from None
        lam, V = sl.eigh(W)
        if lam[0] < -1e-10 * max(abs(lam[-1]), 1e-300):
            raise ArgumentError(
                bad_argument(
                    label, _Shown(W), f"it must be positive semi-definite (eigenvalue {lam[0]:.3g})"
                )
            ) from None
        r = np.sqrt(np.clip(lam, 0, None))[:, None]
        Vh = V.conj().T
        return lambda B: r * (Vh @ B)
    if kind == "inv":
        return lambda B: sl.solve_triangular(L, B, lower=True)
    Lh = L.conj().T
    return lambda B: Lh @ B


def _solve_normal(blocks: Sequence[tuple[Any, ...]], *, full: bool = False) -> Any:
    """Solve normal equations ``(sum c_k B_k^T W_k B_k) x = sum B_k^T W_k d_k`` stably.

    Each block is ``(coefficient label, c, B, weight kind, weight label, W, d)``
    where ``B`` is an array or, for an identity, its size; ``d`` is the
    block's target already multiplied by its coefficients (or None: zero).
    The blocks are whitened and stacked into one least-squares problem
    ``[sqrt(c_k) S_k B_k] x ~ [S_k d_k / sqrt(c_k)]`` (``S_k^T S_k = W_k``),
    solved by :func:`_lstsq`.
    """
    import numpy as np

    parts: list[tuple[np.ndarray, np.ndarray | None, bool]] = []
    q = None
    for clabel, c, B, kind, wlabel, W, d in blocks:
        c = np.asarray(c)
        if np.iscomplexobj(c) and c.imag != 0:
            raise ArgumentError(bad_argument(clabel, complex(c), "it must be a real number >= 0"))
        c = float(c.real)
        if not c >= 0:
            raise ArgumentError(
                bad_argument(clabel, c, "it must be >= 0 (else the Hessian is not PSD)")
            )
        data = not isinstance(B, (int, np.integer))
        B = np.asarray(B) if data else np.eye(int(B))
        if c == 0:
            if d is not None and np.any(d):
                raise ArgumentError(
                    bad_argument(clabel, c, "with a zero coefficient the equations are singular")
                )
            continue
        S = _whitener(kind, W, wlabel)
        root = np.sqrt(c)
        A_k = S(B) if root == 1 else root * S(B)
        b_k = None if d is None else (S(np.asarray(d)) if root == 1 else S(np.asarray(d)) / root)
        if b_k is not None:
            q = b_k.shape[1]
        parts.append((A_k, b_k, data))
    if not parts:
        raise ArgumentError(
            bad_argument("coefficients", 0, "all are zero: the equations have no unique solution")
        )
    q = 1 if q is None else q
    A_parts = [p[0] for p in parts]
    b_parts = [p[1] if p[1] is not None else np.zeros((p[0].shape[0], q)) for p in parts]
    if len(parts) == 1:
        A, b = A_parts[0], b_parts[0]
    else:
        A, b = np.vstack(A_parts), np.vstack(b_parts)
    if not full:
        return _lstsq(A, b)
    solution = _lstsq(A, b, full=True)
    data_rows = np.concatenate([np.full(p[0].shape[0], p[2]) for p in parts])
    return solution, data_rows


def _bind(spec: tuple[tuple[Any, Any, Any], ...], dims: tuple[str, ...], *values: Any) -> list[Any]:
    """Convert the arguments of a matrix function, check their shapes, bind dimensions.

    ``spec`` holds ``(name, rows, cols)`` per argument: ``rows is None`` for a
    scalar; an int is a fixed size, a str a symbolic dimension. Returns the
    arrays (vectors as 2-D columns or rows), the sizes of ``dims`` and the
    layout flag (True: give k x 1 results 1-D).
    """
    import numpy as np

    sizes: dict[str, int] = {}
    owner: dict[str, tuple[str, tuple[int, ...], Any, Any]] = {}
    out: list[Any] = []
    flat_seen = column_seen = False
    for (name, rows, cols), value in zip(spec, values, strict=True):
        a = np.asarray(value)
        if a.dtype.kind in "biu":
            a = a.astype(np.float64)
        elif a.dtype.kind not in "fc":
            raise ArgumentError(
                bad_argument(name, _Shown(a), f"pass numbers (got an array of dtype {a.dtype})")
            )
        if rows is None:
            if a.ndim:
                raise ShapeError(
                    f"{name} is a scalar Symbol, so pass one number; got an array of shape "
                    f"{a.shape}"
                )
            out.append(a[()])
            continue
        given = a.shape
        vector_col = cols == 1 and rows != 1
        if a.ndim == 2:
            column_seen = column_seen or vector_col
        elif a.ndim == 1 and vector_col:
            a = a[:, None]
            flat_seen = True
        elif a.ndim == 1 and rows == 1:
            a = a[None, :]
        elif a.ndim == 0 and rows == 1 and cols == 1:
            a = a.reshape(1, 1)
        else:
            also = " or 1-D" if rows == 1 or cols == 1 else ""
            raise ShapeError(
                f"{name} is {rows} x {cols}, so pass a 2-D array{also}; got shape {given}"
            )
        for axis, d in enumerate((rows, cols)):
            size = a.shape[axis]
            if isinstance(d, int):
                if size != d:
                    raise ShapeError(f"{name} is {rows} x {cols} but has shape {given}")
            elif d in sizes:
                if sizes[d] != size:
                    other, oshape, orows, ocols = owner[d]
                    raise ShapeError(
                        f"{name} has shape {given} but {other} has shape {oshape}: {other} is "
                        f"{orows} x {ocols} and {name} is {rows} x {cols}, so {d} must be the "
                        f"same in both ({sizes[d]} != {size}); pass arrays whose shapes agree"
                    )
            else:
                sizes[d] = size
                owner[d] = (name, given, rows, cols)
        out.append(a)
    out.extend(sizes[d] for d in dims)
    out.append(flat_seen or not column_seen)
    return out


def _iscomplex(*arrays: Any) -> bool:
    return any(getattr(a, "dtype", None) is not None and a.dtype.kind == "c" for a in arrays)


def _solve(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``A^{-1} B`` by an LU solve (``numpy.linalg.solve``); never forms ``A^{-1}``."""
    import numpy as np

    return np.linalg.solve(A, B)


def _logdet(A: np.ndarray) -> Any:
    """``log(det(A))`` by ``slogdet`` (no overflow); nan for det < 0, -inf for 0."""
    import numpy as np

    sign, logabs = np.linalg.slogdet(A)
    if np.iscomplexobj(sign):
        return np.log(sign) + logabs
    if sign > 0:
        return logabs
    return -np.inf if sign == 0 else np.nan


def _explicit(rows: Any) -> np.ndarray:
    import numpy as np

    out = np.array(rows)
    return out.astype(np.float64) if out.dtype.kind in "biu" else out


# ---------------------------------------------------------------------------
# Matrix expressions: code generation
# ---------------------------------------------------------------------------
from sympy.matrices.expressions.matexpr import MatrixElement  # noqa: E402


def _matrix_classes() -> dict[str, type]:
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalMatrix, DiagonalOf

    return {
        "applyfunc": ElementwiseApplyFunction,
        "DiagMatrix": DiagMatrix,
        "DiagonalMatrix": DiagonalMatrix,
        "DiagonalOf": DiagonalOf,
    }


def _is_matrix(e: Any) -> bool:
    return isinstance(e, sp.MatrixExpr) or isinstance(e, sp.MatrixBase)


def _inverse_of(f: sp.Basic) -> sp.MatrixExpr | None:
    """``M`` when ``f`` is ``M**-1`` (``Inverse``, ``MatPow(M, -1)``, or a transpose of one)."""
    if isinstance(f, sp.Transpose):
        inner = _inverse_of(f.arg)
        return None if inner is None else inner.T
    if isinstance(f, sp.Inverse):
        return f.arg
    if isinstance(f, sp.MatPow) and f.exp == -1:
        return f.base
    return None


def _flat_factors(e: sp.Basic) -> tuple[sp.Expr, list[sp.MatrixExpr]]:
    """``(scalar coefficient, matrix factors)`` of a product, transposes distributed."""
    if isinstance(e, sp.MatMul):
        coeff: sp.Expr = sp.S.One
        factors: list[sp.MatrixExpr] = []
        for a in e.args:
            if isinstance(a, sp.MatrixExpr):
                c, fs = _flat_factors(a)
                coeff *= c
                factors.extend(fs)
            else:
                coeff *= a
        return coeff, factors
    if isinstance(e, sp.Transpose) and isinstance(e.arg, sp.MatMul):
        c, fs = _flat_factors(e.arg)
        return c, [f.T for f in reversed(fs)]
    return sp.S.One, [e]


def _terms(e: sp.Basic) -> list[tuple[sp.Expr, list[sp.MatrixExpr]]]:
    """The terms of a sum of products, each as ``(coefficient, factors)``."""
    if isinstance(e, sp.MatMul) and any(isinstance(a, sp.MatAdd) for a in e.args):
        e = e.expand()
    args = e.args if isinstance(e, sp.MatAdd) else (e,)
    out = []
    for t in args:
        if isinstance(t, sp.MatMul) and any(isinstance(a, sp.MatAdd) for a in t.args):
            out.extend(_terms(t.expand()))
        else:
            out.append(_flat_factors(t))
    return out


def _transposes(e: sp.Basic) -> int:
    return sum(isinstance(a, sp.Transpose) for a in sp.preorder_traversal(e))


def _product(factors: Sequence[sp.MatrixExpr]) -> sp.MatrixExpr:
    return factors[0] if len(factors) == 1 else sp.MatMul(*factors)


class _Block(NamedTuple):
    """One term ``c * B^T W B`` of a Gram-shaped matrix, and its target ``d``."""

    coeff: sp.Expr
    B: sp.MatrixExpr  # an Identity for penalty terms
    kind: str | None  # weight W: None, "diag" (DiagMatrix(v)), "psd" (W), "inv" (Sigma**-1)
    W: sp.MatrixExpr | None
    left: tuple[sp.MatrixExpr, ...]  # the factors B^T W as they appear on the left


def _weight(f: sp.MatrixExpr) -> tuple[str | None, sp.MatrixExpr | None] | None:
    classes = _matrix_classes()
    if isinstance(f, sp.Identity):
        return None, None
    if isinstance(f, classes["DiagMatrix"]):
        v = f.args[0]
        return "diag", (v.T if v.shape[0] == 1 and v.shape[1] != 1 else v)
    inner = _inverse_of(f)
    if inner is not None:
        return "inv", inner
    if isinstance(f, sp.MatrixSymbol) and f.shape[0] == f.shape[1]:
        return "psd", f
    return None


def _gram_block(coeff: sp.Expr, factors: list[sp.MatrixExpr]) -> _Block | None:
    """``c * B^T W B`` (W a PSD weight: none, DiagMatrix(v), a symbol, Sigma**-1), else None."""
    if len(factors) == 1:
        (f,) = factors
        if isinstance(f, sp.Identity):
            return _Block(coeff, f, None, None, ())
        weight = _weight(f)
        if weight is None or weight[0] is None:
            return None
        n = f.shape[0]
        return _Block(coeff, sp.Identity(n), weight[0], weight[1], (f,))
    k = len(factors)
    h = k // 2
    left, right = factors[:h], factors[k - h :]
    if left != [g.T for g in reversed(right)]:
        return None
    kind: str | None = None
    W = None
    if k % 2:
        weight = _weight(factors[h])
        if weight is None:
            return None
        kind, W = weight
    return _Block(coeff, _product(right), kind, W, tuple(factors[: k - h]))


def _normal_blocks(
    M: sp.MatrixExpr, N: sp.MatrixExpr
) -> list[tuple[_Block, sp.MatrixExpr | None]] | None:
    """Match ``M**-1 N`` with the normal equations of a stacked least-squares problem.

    ``M = sum_k c_k B_k^T W_k B_k`` and ``N = sum_k B_k^T W_k t_k``; returns
    ``[(block, t_k or None)]`` or None when the product has another shape.
    """
    blocks = []
    for coeff, factors in _terms(M):
        b = _gram_block(coeff, factors)
        if b is None:
            return None
        blocks.append(b)
    # data blocks first: an identity block would match any target
    order = sorted(range(len(blocks)), key=lambda i: isinstance(blocks[i].B, sp.Identity))
    targets: dict[int, list[sp.MatrixExpr]] = {}
    for coeff, factors in _terms(N):
        for i in order:
            left = list(blocks[i].left)
            if factors[: len(left)] == left and len(factors) > len(left):
                targets.setdefault(i, []).append(coeff * _product(factors[len(left) :]))
                break
        else:
            return None
    return [
        (b, sp.MatAdd(*targets[i]) if len(targets.get(i, ())) > 1 else targets.get(i, [None])[0])
        for i, b in enumerate(blocks)
    ]


class _Ready(NamedTuple):
    """A factor already compiled to a node, with its shape."""

    node: int
    shape: tuple[Any, Any]


class _MNode(NamedTuple):
    """One value of the generated code: a template over child values."""

    template: str  # Python code with {0}, {1}, ... standing for the children
    children: tuple[int, ...]
    atom: bool  # usable without parentheses
    view: bool  # may alias an input array


def _ref(k: int) -> str:
    """The placeholder of child ``k`` in a node template."""
    return "{" + str(k) + "}"


_ATOM = re.compile(r"^[A-Za-z_][\w.]*$|^\d+(\.\d*)?$")
_SLOT = re.compile(r"\b_slot(\d+)\b")


def _is_call(code: str) -> bool:
    """``f(...)`` or ``a[...]`` whose last bracket closes its first one."""
    m = re.match(r"^[A-Za-z_][\w.]*(?=[(\[])", code)
    if not m or code[-1] not in ")]":
        return False
    depth = 0
    for i, ch in enumerate(code[m.end() :], start=m.end()):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth == 0:
            return i == len(code) - 1
    return False


class _MatrixCompiler:
    """Turns a matrix expression into a DAG of :class:`_MNode`, shared by value."""

    def __init__(
        self,
        names: dict[sp.Basic, str],
        dims: dict[sp.Symbol, str],
        *,
        stable: bool,
        cse: bool,
        value: Any,
        blocks_only: bool = False,
    ) -> None:
        self.names = names
        self.dims = dims
        self.rename = {
            s: sp.Symbol(n, **s.assumptions0)
            for s, n in [*names.items(), *dims.items()]
            if isinstance(s, sp.Symbol)
        }
        self.printer = _Printer()
        self.stabilizer = _Stabilizer() if stable else None
        self.cse = cse
        self.value = value
        self.nodes: list[_MNode] = []
        self.index: dict[tuple[str, tuple[int, ...]], int] = {}
        self.memo: dict[sp.Basic, int] = {}
        self.classes = _matrix_classes()
        # True: an M**-1 * N of normal-equation shape yields its blocks, not a solve
        self.blocks_only = blocks_only

    # -- nodes -----------------------------------------------------------------
    def add(
        self, template: str, children: Sequence[int] = (), *, atom: bool = False, view: bool = False
    ) -> int:
        children = tuple(children)
        if template == "{0}" and len(children) == 1:
            return children[0]
        key = (template, children)
        found = self.index.get(key)
        if found is not None:
            return found
        if not atom:
            plain = template.format(*("x" for _ in children))
            atom = bool(_ATOM.match(plain)) or _is_call(plain)
        self.nodes.append(_MNode(template, children, atom, view))
        self.index[key] = len(self.nodes) - 1
        return len(self.nodes) - 1

    def leaf(self, name: str) -> int:
        return self.add(name, atom=True, view=True)

    def dim(self, d: Any) -> str:
        d = sp.sympify(d)
        if d.is_Integer:
            return str(int(d))
        if d in self.dims:
            return self.dims[d]
        return "(" + self.printer.doprint(d.xreplace(self.rename)) + ")"

    def shape_code(self, shape: tuple[Any, Any]) -> str:
        return f"({self.dim(shape[0])}, {self.dim(shape[1])})"

    def unsupported(self, part: sp.Basic) -> ArgumentError:
        name = type(part).__name__
        return ArgumentError(
            bad_argument(
                "expr",
                self.value,
                f"to_numpy does not support {name} in matrix expressions yet "
                f"({_summary(part, 80)}); rewrite it, e.g. with .doit() or .as_explicit()",
            )
        )

    # -- scalars ---------------------------------------------------------------
    def print_scalar(self, expr: sp.Expr, local: dict[sp.Symbol, int]) -> int:
        slots = sorted((s for s in local if expr.has(s)), key=lambda s: s.name)
        try:
            code = self.printer.doprint(expr)
        except (PrintMethodNotImplementedError, NotImplementedError):
            raise _unsupported(_Printer(), [expr], self.value) from None
        code = code.replace("{", "{{").replace("}", "}}")
        names = {s.name: k for k, s in enumerate(slots)}
        code = re.sub(r"\b(_slot\d+|_cse\d+)\b", lambda m: _ref(names[m.group(1)]), code)
        return self.add(code, [local[s] for s in slots])

    def scalar_code(self, expr: sp.Expr, slots: dict[sp.Symbol, int]) -> int:
        """Node for a scalar (or element-wise) formula whose slot symbols are child nodes."""
        expr = expr.xreplace(self.rename)
        if self.stabilizer is not None:
            expr = self.stabilizer(expr)
        local = dict(slots)
        if self.cse:
            replacements, (reduced,) = sp.cse(
                [expr], symbols=sp.numbered_symbols("_cse"), optimizations=None
            )
        else:
            replacements, reduced = [], expr
        for sym, sub in replacements:
            local[sym] = self.print_scalar(sub, local)
        return self.print_scalar(reduced, local)

    def scalar(self, e: sp.Expr) -> int:
        if e in self.memo:
            return self.memo[e]
        slots: dict[sp.Symbol, int] = {}

        def lift(x: sp.Basic) -> sp.Basic:
            part = None
            if isinstance(x, sp.log) and isinstance(x.args[0], sp.Determinant):
                part = self.add("_logdet({0})", [self.mat(x.args[0].arg)])
            elif isinstance(x, sp.Determinant):
                part = self.add("_det({0})", [self.mat(x.arg)])
            elif isinstance(x, sp.Trace):
                part = self.trace(x.arg)
            elif isinstance(x, MatrixElement):
                i, j = (self.dim(k) for k in x.indices)
                part = self.add(f"{{0}}[{i}, {j}]", [self.mat(x.parent)], atom=True)
            elif isinstance(x, sp.MatrixExpr):
                raise self.unsupported(x)
            if part is not None:
                s = sp.Symbol(f"_slot{len(slots)}", real=True)
                slots[s] = part
                return s
            if not x.args or x.is_Atom:
                return x
            args = [lift(a) for a in x.args]
            changed = any(a is not b for a, b in zip(args, x.args, strict=True))
            return x.func(*args) if changed else x

        skeleton = lift(e)
        node = self.scalar_code(skeleton, slots)
        self.memo[e] = node
        return node

    def trace(self, A: sp.MatrixExpr) -> int:
        coeff, factors = _flat_factors(A)
        if len(factors) >= 2 and not any(_inverse_of(f) is not None for f in factors):
            node = self.add(
                '_einsum("ij,ji->", {0}, {1})',
                [self.chain(factors[:1]), self.chain(factors[1:])],
            )
        else:
            node = self.add("_trace({0})", [self.mat(_product(factors))])
        return self.scale(coeff, node)

    def scale(self, coeff: sp.Expr, node: int) -> int:
        if coeff == 1:
            return node
        if coeff == -1:
            return self.add("-{0}", [node])
        return self.add("{0} * {1}", [self.scalar(coeff), node])

    # -- matrices --------------------------------------------------------------
    def mat(self, e: sp.Basic) -> int:
        if e in self.memo:
            return self.memo[e]
        if isinstance(e, (sp.MatAdd, sp.MatMul)) and _transposes(e.T) < _transposes(e):
            # w.T*X.T - y.T is (X*w - y).T: compute the column once, share it
            child = self.mat(e.T)
            node = self.add("{0}.T", [child], atom=True, view=self.nodes[child].view)
        else:
            node = self._mat(e)
        self.memo[e] = node
        return node

    def _mat(self, e: sp.Basic) -> int:
        c = self.classes
        if isinstance(e, sp.MatrixSymbol):
            return self.leaf(self.names[e])
        if isinstance(e, sp.MatrixBase):
            rows = []
            kids: list[int] = []
            for i in range(e.rows):
                cells = []
                for j in range(e.cols):
                    cells.append(_ref(len(kids)))
                    kids.append(self.scalar(e[i, j]))
                rows.append("(" + ", ".join(cells) + ",)")
            return self.add("_explicit((" + ", ".join(rows) + ",))", kids)
        if isinstance(e, sp.Transpose):
            inner = _inverse_of(e.arg)
            if inner is not None:
                return self.chain([sp.Inverse(inner.T)])
            child = self.mat(e.arg)
            return self.add("{0}.T", [child], atom=True, view=self.nodes[child].view)
        if isinstance(e, sp.MatAdd):
            return self.matadd(e)
        if isinstance(e, sp.MatMul):
            coeff, factors = _flat_factors(e)
            return self.scale(coeff, self.chain(factors))
        if isinstance(e, sp.Inverse) or (isinstance(e, sp.MatPow) and e.exp == -1):
            return self.chain([e])
        if isinstance(e, sp.MatPow):
            if tuple(e.base.shape) == (1, 1) and not e.exp.is_Integer:
                # a 1 x 1 matrix to any power is its entry to that power:
                # (x.T*x)**(-1/2) in the gradient of the norm
                return self.add("{0} ** {1}", [self.mat(e.base), self.scalar(e.exp)])
            if not (e.exp.is_Integer):
                raise self.unsupported(e)
            k = int(e.exp)
            if k == 0:
                return self.add(f"_eye({self.dim(e.base.shape[0])})")
            base = self.chain([sp.Inverse(e.base)]) if k < 0 else self.mat(e.base)
            return self.add(f"_matrix_power({{0}}, {abs(k)})", [base])
        if isinstance(e, sp.Identity):
            return self.add(f"_eye({self.dim(e.shape[0])})")
        if isinstance(e, sp.ZeroMatrix):
            return self.add(f"_zeros({self.shape_code(e.shape)})")
        if isinstance(e, sp.OneMatrix):
            return self.add(f"_ones({self.shape_code(e.shape)})")
        if isinstance(e, c["DiagMatrix"]):
            return self.add("_diagflat({0})", [self.mat(e.args[0])])
        if isinstance(e, c["DiagonalOf"]):
            return self.add("_diagonal({0})[:, None]", [self.mat(e.arg)])
        if isinstance(e, c["DiagonalMatrix"]):
            return self.add("_diagflat(_diagonal({0}))", [self.mat(e.arg)])
        if isinstance(e, sp.HadamardProduct):
            kids = [self.mat(a) for a in e.args]
            return self.add(" * ".join(_ref(i) for i in range(len(kids))), kids)
        if isinstance(e, sp.HadamardPower):
            return self.add("{0} ** {1}", [self.mat(e.base), self.scalar(e.exp)])
        if isinstance(e, c["applyfunc"]):
            return self.applyfunc(e)
        if isinstance(e, sp.KroneckerProduct):
            kids = [self.mat(a) for a in e.args]
            code = "{0}"
            for i in range(1, len(kids)):
                code = f"_kron({code}, {{{i}}})"
            return self.add(code, kids)
        if isinstance(e, sp.BlockMatrix):
            rows = []
            kids = []
            for i in range(e.blocks.rows):
                cells = []
                for j in range(e.blocks.cols):
                    cells.append(_ref(len(kids)))
                    kids.append(self.mat(e.blocks[i, j]))
                rows.append("[" + ", ".join(cells) + "]")
            return self.add("_block([" + ", ".join(rows) + "])", kids)
        raise self.unsupported(e)

    def applyfunc(self, e: sp.MatrixExpr) -> int:
        f = e.function
        if isinstance(f, sp.Lambda):
            (var,) = f.variables
            body = f.expr
        else:
            var = sp.Dummy("t")
            body = f(var)
        slot = sp.Symbol("_slot0", real=True)
        body = body.xreplace({var: slot})
        arg = self.mat(e.expr)
        if not body.has(slot):
            return self.add(f"_full({self.shape_code(e.shape)}, {{0}})", [self.scalar(body)])
        return self.scalar_code(body, {slot: arg})

    def matadd(self, e: sp.MatAdd) -> int:
        arrays: list[tuple[str, int]] = []
        ones: list[sp.Expr] = []
        eyes: list[sp.Expr] = []
        for term in e.args:
            coeff, factors = _flat_factors(term)
            if len(factors) == 1 and isinstance(factors[0], sp.ZeroMatrix):
                continue
            if len(factors) == 1 and isinstance(factors[0], sp.OneMatrix):
                ones.append(coeff)
                continue
            if len(factors) == 1 and isinstance(factors[0], sp.Identity):
                eyes.append(coeff)
                continue
            if coeff.as_coeff_Mul()[0].is_negative:
                arrays.append(("-", self.mat(-term)))
            else:
                arrays.append(("+", self.mat(term)))
        # (sign, template, child): arrays first, so that a scalar broadcasts against them
        entries: list[tuple[str, str, int]] = [(sign, "{}", node) for sign, node in arrays]
        for coeffs, template in ((ones, "{}"), (eyes, "{} * _eye(" + self.dim(e.shape[0]) + ")")):
            if not coeffs:
                continue
            c = sp.Add(*coeffs)
            if not arrays and template == "{}":  # only constants: fill the shape
                template = "_full(" + self.shape_code(e.shape) + ", {})"
            sign = "-" if c.as_coeff_Mul()[0].is_negative else "+"
            entries.append((sign, template, self.scalar(-c if sign == "-" else c)))
        entries.sort(key=lambda item: item[0] == "-")  # a - b, not -b + a (one temporary less)
        parts: list[str] = []
        for k, (sign, template, _) in enumerate(entries):
            code = template.format(_ref(k))
            if parts:
                parts.append(f"{sign} {code}")
            else:
                parts.append(code if sign == "+" else f"-{code}")
        return self.add(" ".join(parts), [node for _, _, node in entries])

    # -- products --------------------------------------------------------------
    def chain(self, factors: Sequence[Any]) -> int:
        """A product of matrix factors (SymPy objects or ready node ids)."""
        for i, f in enumerate(factors):
            if isinstance(f, _Ready):
                continue
            inner = _inverse_of(f)
            if inner is None:
                continue
            left, right = list(factors[:i]), list(factors[i + 1 :])
            if right:
                node = self.solve(inner, right)
                if not left:
                    return node
                return self.chain([*left, _Ready(node, (inner.shape[0], right[-1].shape[1]))])
            if left:
                return self.add("_solve({0}.T, {1}.T).T", [self.mat(inner), self.chain(left)])
            return self.add("_inv({0})", [self.mat(inner)])
        return self.associate(list(factors))

    def solve(self, M: sp.MatrixExpr, right: list[Any]) -> int:
        """``M**-1 @ product(right)``: a stacked least-squares solve or an LU solve."""
        if all(not isinstance(f, _Ready) for f in right):
            matched = _normal_blocks(M, _product(right))
            if matched is not None:
                return self.normal_solve(matched)
        if self.blocks_only:
            raise ArgumentError(
                bad_argument(
                    "expr",
                    self.value,
                    "it is not a normal-equation solution (B^T W B + ...)**-1 * B^T W d",
                )
            )
        return self.add("_solve({0}, {1})", [self.mat(M), self.chain(right)])

    def normal_solve(self, matched: list[tuple[_Block, sp.MatrixExpr | None]]) -> int:
        items: list[str] = []
        kids: list[int] = []

        def ref(node: int) -> str:
            kids.append(node)
            return _ref(len(kids) - 1)

        for block, target in matched:
            clabel = sp.sstr(block.coeff)
            c = ref(self.scalar(block.coeff))
            if isinstance(block.B, sp.Identity):
                B = self.dim(block.B.shape[0])
            else:
                B = ref(self.mat(block.B))
            W = "None" if block.W is None else ref(self.mat(block.W))
            wlabel = "" if block.W is None else sp.sstr(block.W)
            d = "None" if target is None else ref(self.mat(target))
            items.append(f"({clabel!r}, {c}, {B}, {block.kind!r}, {wlabel!r}, {W}, {d})")
        tuple_code = "(" + ", ".join(items) + ",)"
        tuple_code = tuple_code.replace("{", "{{").replace("}", "}}")
        tuple_code = re.sub(r"\{\{(\d+)\}\}", r"{\1}", tuple_code)
        if self.blocks_only:
            return self.add(tuple_code, kids)
        return self.add(f"_solve_normal({tuple_code})", kids)

    def associate(self, factors: list[Any]) -> int:
        """Multiply a chain without inverses, in a cheap order; diagonals broadcast."""
        c = self.classes
        items: list[tuple[str, int | None, tuple[Any, Any]]] = []
        for f in factors:
            if isinstance(f, _Ready):
                items.append(("mat", f.node, f.shape))
                continue
            if isinstance(f, sp.Identity):
                continue
            if isinstance(f, c["DiagMatrix"]):
                v = f.args[0]
                vnode = self.mat(v)
                if v.shape[0] == 1 and v.shape[1] != 1:
                    vnode = self.add("{0}.T", [vnode], atom=True)
                items.append(("diag", vnode, f.shape))
            elif isinstance(f, sp.OneMatrix):
                items.append(("ones", None, f.shape))
            else:
                items.append(("mat", self.mat(f), f.shape))
        if not items:
            n = next(f for f in factors if isinstance(f, sp.Identity)).shape[0]
            return self.add(f"_eye({self.dim(n)})")
        # estimated sizes: symbolic dimensions count as large
        shapes = [item[2] for item in items]
        p = [_estimate(shapes[0][0])] + [_estimate(s[1]) for s in shapes]
        k = len(items)
        cost = [[0.0] * k for _ in range(k)]
        split = [[0] * k for _ in range(k)]
        kind = [[items[i][0] if i == j else "" for j in range(k)] for i in range(k)]
        for length in range(2, k + 1):
            for i in range(k - length + 1):
                j = i + length - 1
                best = None
                for s in range(i, j):
                    step, out = _combine_cost(kind[i][s], kind[s + 1][j], p[i], p[s + 1], p[j + 1])
                    total = cost[i][s] + cost[s + 1][j] + step
                    if best is None or total < best[0]:
                        best = (total, s, out)
                assert best is not None
                cost[i][j], split[i][j], kind[i][j] = best

        def emit(i: int, j: int) -> tuple[str, int | None]:
            if i == j:
                return items[i][0], items[i][1]
            s = split[i][j]
            kl, nl = emit(i, s)
            kr, nr = emit(s + 1, j)
            rows, cols = p[i], p[j + 1]
            if kl == "diag" and kr == "diag":
                return "diag", self.add("{0} * {1}", [nl, nr])
            if kl == "diag" and kr == "mat":
                return "mat", self.add("{0} * {1}", [nl, nr])
            if kl == "mat" and kr == "diag":
                return "mat", self.add("{0} * {1}.T", [nl, nr])
            if kl == "ones" and rows == 1 and kr == "mat":
                return "mat", self.add("{0}.sum(axis=0, keepdims=True)", [nr])
            if kr == "ones" and cols == 1 and kl == "mat":
                return "mat", self.add("{0}.sum(axis=1, keepdims=True)", [nl])
            if kl == "ones" and rows == 1 and kr == "diag":
                return "mat", self.add("{0}.T", [nr], atom=True)
            if kr == "ones" and cols == 1 and kl == "diag":
                return "mat", nl
            left = materialise(kl, nl, i, s)
            right = materialise(kr, nr, s + 1, j)
            return "mat", self.add("{0} @ {1}", [left, right])

        def materialise(kd: str, node: int | None, i: int, j: int) -> int:
            if kd == "mat":
                assert node is not None
                return node
            if kd == "diag":
                return self.add("_diagflat({0})", [node])
            shape = (shapes[i][0], shapes[j][1])
            return self.add(f"_ones({self.shape_code(shape)})")

        kd, node = emit(0, k - 1)
        return materialise(kd, node, 0, k - 1)


def _estimate(d: Any) -> float:
    """A guess of a dimension's size for ordering products: symbols are large."""
    d = sp.sympify(d)
    return float(d) if d.is_Integer else 1000.0


def _combine_cost(kl: str, kr: str, rows: float, mid: float, cols: float) -> tuple[float, str]:
    """Flops to multiply a ``rows x mid`` by a ``mid x cols`` factor, and the kind made."""
    if kl == "diag" and kr == "diag":
        return mid, "diag"
    if kl == "diag" and kr == "mat":
        return mid * cols, "mat"
    if kl == "mat" and kr == "diag":
        return rows * mid, "mat"
    if kl == "ones" and rows == 1 and kr in ("mat", "diag"):
        return mid * cols, "mat"
    if kr == "ones" and cols == 1 and kl in ("mat", "diag"):
        return rows * mid, "mat"
    return rows * mid * cols, "mat"


def _is_argument(template: str, k: int) -> bool:
    """Whether child ``k`` only appears as a whole argument of a call (no parentheses needed)."""
    ref = re.escape(_ref(k))
    total = len(re.findall(ref, template))
    after = r"(?=[,)\]])"
    bare = len(re.findall(r"(?<=[(\[])" + ref + after + r"|(?<=, )" + ref + after, template))
    return total == bare


def _emit(nodes: list[_MNode], root: int, *, cse: bool) -> tuple[list[str], str]:
    """Lines naming the shared values, and the code of the root (inlining the rest)."""
    uses: dict[int, int] = {}
    seen: set[int] = set()
    stack = [root]
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        node = nodes[i]
        for k, child in enumerate(node.children):
            uses[child] = uses.get(child, 0) + node.template.count(_ref(k))
            stack.append(child)
    named = sorted(i for i in seen if cse and uses.get(i, 0) >= 2 and nodes[i].children)
    names = {i: f"_t{k}" for k, i in enumerate(named)}

    def inline(i: int) -> str:
        node = nodes[i]
        refs = []
        for k, child in enumerate(node.children):
            if child in names:
                refs.append(names[child])
            else:
                code = inline(child)
                bare = nodes[child].atom or _is_argument(node.template, k)
                refs.append(code if bare else f"({code})")
        return node.template.format(*refs)

    lines = [f"{names[i]} = {inline(i)}" for i in named]
    return lines, names.get(root) or inline(root)


def _matrix_body(
    obj: sp.Basic,
    names: dict[sp.Basic, str],
    dims: dict[sp.Symbol, str],
    *,
    stable: bool,
    cse: bool,
    value: Any,
    blocks_only: bool = False,
) -> _Body:
    comp = _MatrixCompiler(
        names, dims, stable=stable, cse=cse, value=value, blocks_only=blocks_only
    )
    if blocks_only:
        M = _inverse_of(obj.args[0]) if isinstance(obj, sp.MatMul) else None
        if M is None or _flat_factors(obj)[0] != 1:
            raise ArgumentError(
                bad_argument(
                    "expr",
                    value,
                    "it is not a normal-equation solution M**-1 * N; see normal_equations",
                )
            )
        root = comp.chain(_flat_factors(obj)[1])
        lines, code = _emit(comp.nodes, root, cse=cse)
        return _Body([*lines, f"return {code}"], set(comp.printer.module_imports))
    if _is_matrix(obj):
        root = comp.mat(obj)
    elif isinstance(obj, sp.Expr):
        root = comp.scalar(obj)
    else:
        raise ArgumentError(
            bad_argument(
                "expr", value, "with matrix arguments pass a matrix expression or a scalar formula"
            )
        )
    lines, code = _emit(comp.nodes, root, cse=cse)
    lines.append(f"_r = {code}")
    if _is_matrix(obj):
        if comp.nodes[root].view:
            lines.append("_r = _r.copy()")
        rows, cols = (sp.sympify(d) for d in obj.shape)
        if rows == 1 and cols == 1:
            lines.append("return _r[0, 0]")
        elif cols == 1:
            lines.append("return _r[:, 0] if _flat else _r")
        elif rows == 1:
            lines.append("return _r[0] if _flat else _r")
        else:
            lines.append("return _r")
    else:
        lines.append("return _r")
    return _Body(lines, set(comp.printer.module_imports))


def _dimension_symbols(obj: sp.Basic, symbols: Sequence[Any]) -> list[sp.Basic]:
    """Dimensions of the matrix arguments (in order of appearance), then any others."""
    found: list[sp.Basic] = []
    for s in symbols:
        if isinstance(s, sp.MatrixSymbol):
            for d in s.shape:
                d = sp.sympify(d)
                if not (d.is_Integer or d.is_Symbol):
                    raise ArgumentError(
                        bad_argument(
                            "args",
                            list(symbols),
                            f"{s} has shape {s.shape}; to_numpy reads dimensions from the shapes "
                            "of the arrays, so give each a symbol or an integer, e.g. "
                            f"MatrixSymbol('{s.name}', k, n)",
                        )
                    )
                if d.is_Symbol and d not in found:
                    found.append(d)
    return found


def _matrix_to_numpy(
    obj: sp.Basic,
    symbols: list[Any],
    *,
    cse: bool,
    stable: bool,
    name: str | None,
    value: Any,
    blocks_only: bool = False,
) -> Callable[..., Any]:
    """:func:`to_numpy` for expressions with ``MatrixSymbol`` arguments."""
    _check_printable([obj], value)
    dims = _dimension_symbols(obj, symbols)
    dim_set = set(dims)
    for s in symbols:
        if s in dim_set:
            raise ArgumentError(
                bad_argument(
                    "args",
                    symbols,
                    f"{s} is a dimension of a matrix argument, read from the array shapes; "
                    "leave it out of args",
                )
            )
    free = set(obj.free_symbols)
    for part in obj.atoms(sp.MatrixExpr):
        for d in getattr(part, "shape", ()):
            free |= sp.sympify(d).free_symbols
    shapes = {d for s in free if isinstance(s, sp.MatrixSymbol) for d in s.shape}
    loose = sorted(
        (s for s in free - set(symbols) - dim_set - shapes if not isinstance(s, sp.MatrixSymbol)),
        key=sp.default_sort_key,
    )
    matrices = sorted(
        (s for s in free - set(symbols) if isinstance(s, sp.MatrixSymbol)), key=lambda s: s.name
    )
    if matrices or loose:
        missing = [*matrices, *loose]
        what = f"{missing}" + (
            " (a MatrixSymbol is passed as an array: list it in args)" if matrices else ""
        )
        raise ArgumentError(
            bad_argument(
                "args", symbols, f"expr also depends on {what}; e.g. args={[*symbols, *missing]}"
            )
        )
    params = _pynames([*symbols, *dims])
    arg_params, dim_params = params[: len(symbols)], params[len(symbols) :]
    names = {p.symbol: p.pyname for p in arg_params}
    dim_names = {p.symbol: p.pyname for p in dim_params}
    labels: dict[sp.Basic, str] = {}
    for d in dims:
        label = str(d)
        labels[d] = label if label not in labels.values() else f"{label}#{len(labels)}"

    def size(d: Any) -> Any:
        d = sp.sympify(d)
        return int(d) if d.is_Integer else labels[d]

    spec = tuple(
        (s.name, size(s.shape[0]), size(s.shape[1]))
        if isinstance(s, sp.MatrixSymbol)
        else (s.name, None, None)
        for s in symbols
    )
    func_name, ident = _function_name(name)
    main = _matrix_body(
        obj, names, dim_names, stable=stable, cse=cse, value=value, blocks_only=blocks_only
    )
    plain = None
    if stable and not blocks_only:
        alt = _matrix_body(obj, names, dim_names, stable=False, cse=cse, value=value)
        if alt.lines != main.lines:
            plain = alt
    arg_names = [p.pyname for p in arg_params]
    targets = [*arg_names, *(p.pyname for p in dim_params), "_flat"]
    sig = f"{ident}({_call_list(arg_names)})"
    bind = (
        f"[{_call_list(targets)}] = _bind({spec!r}, {tuple(labels[d] for d in dims)!r}"
        + "".join(f", {a}" for a in arg_names)
        + ")"
    )
    lines = [f"def {sig}:", *_indent([bind])]
    modules = set(main.modules)
    if plain is not None:
        test = f"_iscomplex({_call_list(arg_names)})"
        lines += _indent([f"if {test}:", f"    return _plain({_call_list(targets)})"])
    lines += _indent(main.lines)
    if plain is not None:
        modules |= plain.modules
        lines += ["", f"def _plain({_call_list(targets)}):", *_indent(plain.lines)]
    source = "\n".join(lines) + "\n"
    func = _compile(source, ident, modules)
    func.__name__ = func_name
    func.__qualname__ = func_name
    func.__doc__ = _docstring(sig, obj, arg_params, source, plain=plain is not None)
    return func


def _normal_system(expr: Any, args: Any) -> Callable[..., tuple[tuple[Any, ...], ...]]:
    """The blocks of the stacked least-squares problem behind ``Eq(w, M**-1 * N)``.

    A compiled ``system(*arrays)`` returning the blocks that
    :func:`_solve_normal` takes; :meth:`symml.NormalEquations.fit` solves
    them with ``full=True`` for standard errors. Raises ArgumentError when
    the expression is not a normal-equation solution.
    """
    obj = as_sympy(expr, "expr")
    symbols = _as_symbols(args)
    obj = _definition_rhs(obj, symbols)
    return _matrix_to_numpy(
        obj, symbols, cse=True, stable=True, name="normal_system", value=expr, blocks_only=True
    )
