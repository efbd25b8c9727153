r"""``to_numpy`` for expressions in ``MatrixSymbol`` arguments.

:func:`matrix_to_numpy` checks the arguments and their symbolic sizes, has the
compiler (:mod:`.compiler`) write the body, and wraps it in a function whose
first line converts the arrays and checks their shapes (``_bind``). The
result has the expression's shape, except that a column (k x 1) or row
(1 x k) is 1-D ``(k,)`` when the vector arguments were passed 1-D (as
NumPy's ``X @ w``) and a 1 x 1 expression is a NumPy scalar; there is no
batch shape. With ``blocks_only=True`` it compiles the blocks of the
stacked least-squares problem behind a normal-equation solution instead of
solving it (:func:`~.generate.normal_system`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import sympy as sp

from .._core import ArgumentError, bad_argument
from .compiler import _emit, _MatrixCompiler
from .products import _flat_factors, _inverse_of, _is_matrix
from .rows import RowSplit, split_rows
from .source import (
    _Arg,
    _Body,
    _build,
    _call_list,
    _check_printable,
    _function_name,
    _Header,
    _indent,
    _label,
    _pynames,
)

__all__ = ["matrix_to_numpy"]


def _blocks_body(comp: _MatrixCompiler, obj: sp.Basic) -> _Body:
    """Lines returning the blocks of ``M**-1 * N`` (see :func:`~.generate.normal_system`)."""
    M = _inverse_of(obj.args[0]) if isinstance(obj, sp.MatMul) else None
    if M is None or _flat_factors(obj)[0] != 1:
        fix = "it is not a normal-equation solution M**-1 * N; see normal_equations"
        raise ArgumentError(bad_argument("expr", comp.value, fix))
    root = comp.chain(_flat_factors(obj)[1])
    lines, code = _emit(comp.nodes, root, cse=comp.cse)
    return _Body([*lines, f"return {code}"], set(comp.printer.module_imports))


def _result_line(obj: sp.MatrixExpr) -> str:
    """The ``return`` that gives the result its documented shape (``_flat``: vectors 1-D)."""
    rows, cols = (sp.sympify(d) for d in obj.shape)
    if rows == 1 and cols == 1:
        return "return _r[0, 0]"
    if cols == 1:
        return "return _r[:, 0] if _flat else _r"
    if rows == 1:
        return "return _r[0] if _flat else _r"
    return "return _r"


def _is_column(obj: sp.MatrixExpr) -> bool:
    rows, cols = (sp.sympify(d) for d in obj.shape)
    return cols == 1 and rows != 1


def _matrix_body(comp: _MatrixCompiler, obj: sp.Basic) -> _Body:
    """Lines computing ``obj`` from the bound arrays."""
    if comp.blocks_only:
        return _blocks_body(comp, obj)
    if _is_matrix(obj):
        root = comp.mat(obj)
    elif isinstance(obj, sp.Expr):
        root = comp.scalar(obj)
    else:
        fix = "with matrix arguments pass a matrix expression or a scalar formula"
        raise ArgumentError(bad_argument("expr", comp.value, fix))
    vector = False
    if _is_matrix(obj) and _is_column(obj) and comp.nodes[root].template == "{0} @ {1}":
        # a flat result of A @ v: a matrix-vector product (gemv), as X.T @ r by hand
        root = comp.add("{0} @ ({1}[:, 0] if _flat else {1})", comp.nodes[root].children)
        vector = True
    lines, code = _emit(comp.nodes, root, cse=comp.cse)
    lines.append(f"_r = {code}")
    if vector:
        lines.append("return _r")
    elif _is_matrix(obj):
        if comp.nodes[root].view:
            lines.append("_r = _r.copy()")
        lines.append(_result_line(obj))
    else:
        lines.append("return _r")
    return _Body(lines, set(comp.printer.module_imports))


def _rows_body(
    make: Callable[[], _MatrixCompiler],
    obj: sp.MatrixExpr,
    split: RowSplit,
    part: str,
    names: dict[sp.Basic, str],
    dim_names: dict[sp.Basic, str],
) -> _Body:
    """Lines computing ``obj`` as a sum over blocks of rows (see :mod:`.rows`).

    ``part`` names the function computing ``split.sums`` on one block (returned in
    ``_Body.defs``); the main lines add its results over the blocks, then add
    ``split.rest``. ``xp_lines`` keep the whole-array code: JAX and Dask arrays
    are not cut into blocks (``jax.jit`` fuses the steps, Dask has its own chunks).
    """
    m = split.dim
    total = "_m"  # the number of rows of all blocks, where m is a number in the formula
    comp = make()
    comp.rename[m] = sp.Symbol(total, **m.assumptions0)
    lines, code = _emit(comp.nodes, comp.mat(split.sums), cse=comp.cse)
    part_lines = [*lines, f"return {code}"]
    code_text = "\n".join(part_lines)
    params = [  # what the block's code reads
        p
        for p in [*names.values(), *dim_names.values(), total]
        if re.search(rf"\b{re.escape(p)}\b", code_text)
    ]
    cut = {
        **{names[a]: f"{names[a]}[_a:_b]" for a in split.rows},
        dim_names[m]: "_b - _a",
        total: dim_names[m],  # every block gets the total number of rows
    }
    outer = make()
    whole = sp.MatrixSymbol("_S", *obj.shape)
    outer.memo[whole] = outer.add("_s", atom=True)  # a new array, never a view of an input
    width = sp.Add(*(a.shape[1] for a in split.rows))
    entries = sp.Mul(*obj.shape)
    body = _matrix_body(outer, whole if split.rest is None else sp.MatAdd(whole, split.rest))
    whole_call = f"{part}({_call_list([dim_names[m] if p == total else p for p in params])})"
    loop = [
        f"_blocks = _row_blocks({dim_names[m]}, {outer.dim(width)}, {outer.dim(entries)})",
        f"_s = 0 if _blocks else {whole_call}  # no blocks: the whole arrays at once",
        "for _a, _b in _blocks:",
        f"    _s = _s + {part}({_call_list([cut.get(p, p) for p in params])})",
    ]
    whole_array = _matrix_body(make(), obj)
    return _Body(
        [*loop, *body.lines],
        body.modules | whole_array.modules | set(comp.printer.module_imports),
        whole_array.lines,
        [f"def {part}({_call_list(params)}):", *_indent(part_lines)],
    )


def _dimension_symbols(symbols: Sequence[Any]) -> list[sp.Basic]:
    """The symbolic sizes of the matrix arguments, in order of appearance."""
    found: list[sp.Basic] = []
    for s in symbols:
        if not isinstance(s, sp.MatrixSymbol):
            continue
        for d in map(sp.sympify, s.shape):
            if not (d.is_Integer or d.is_Symbol):
                fix = (
                    f"{s} has shape {s.shape}; to_numpy reads dimensions from the shapes of "
                    f"the arrays, so give each a symbol or an integer, e.g. "
                    f"MatrixSymbol('{s.name}', k, n)"
                )
                raise ArgumentError(bad_argument("args", list(symbols), fix))
            if d.is_Symbol and d not in found:
                found.append(d)
    for s in symbols:
        if s in found:
            fix = f"{s} is a dimension of a matrix argument, read from the array shapes; "
            raise ArgumentError(bad_argument("args", symbols, fix + "leave it out of args"))
    return found


def _check_matrix_coverage(obj: sp.Basic, symbols: list[Any], dims: list[sp.Basic]) -> None:
    """Every free symbol and MatrixSymbol of ``obj`` is an argument or a size."""
    free = set(obj.free_symbols)
    for part in obj.atoms(sp.MatrixExpr):
        for d in getattr(part, "shape", ()):
            free |= sp.sympify(d).free_symbols
    shapes = {d for s in free if isinstance(s, sp.MatrixSymbol) for d in s.shape}
    loose = sorted(
        (s for s in free - set(symbols) - set(dims) - shapes if not isinstance(s, sp.MatrixSymbol)),
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
        fix = f"expr also depends on {what}; e.g. args={[*symbols, *missing]}"
        raise ArgumentError(bad_argument("args", symbols, fix))


def _bind_line(symbols: list[Any], dims: list[sp.Basic], targets: list[str]) -> str:
    """``[X, w, ..., n, m, _flat] = _bind(spec, dims, X, w, ...)``: see ``runtime._bind``."""
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
    args = "".join(f", {a}" for a in targets[: len(symbols)])
    dim_labels = tuple(labels[d] for d in dims)
    return f"[{_call_list(targets)}] = _bind({spec!r}, {dim_labels!r}{args})"


def matrix_to_numpy(
    obj: sp.Basic,
    symbols: list[Any],
    *,
    cse: bool,
    stable: bool,
    name: str | None,
    value: Any,
    blocks_only: bool = False,
) -> Callable[..., Any]:
    """:func:`symml.to_numpy` for expressions with ``MatrixSymbol`` arguments.

    ``blocks_only``: compile the blocks of a normal-equation solution
    (:func:`~.generate.normal_system`) rather than the solution.
    """
    _check_printable([obj], value)
    dims = _dimension_symbols(symbols)
    _check_matrix_coverage(obj, symbols, dims)
    params = _pynames([*symbols, *dims])
    arg_params: list[_Arg] = params[: len(symbols)]
    names = {p.symbol: p.pyname for p in arg_params}
    dim_names = {p.symbol: p.pyname for p in params[len(symbols) :]}

    split = None if blocks_only else split_rows(obj, symbols, dims)

    def body(stable: bool, part: str) -> _Body:
        def make() -> _MatrixCompiler:
            return _MatrixCompiler(
                names, dim_names, stable=stable, cse=cse, value=value, blocks_only=blocks_only
            )

        if split is not None:
            return _rows_body(make, obj, split, part, names, dim_names)
        return _matrix_body(make(), obj)

    main = body(stable, "_rows")
    plain = None
    if stable and not blocks_only:
        alt = body(False, "_plain_rows")
        plain = alt if alt.whole_array() != main.whole_array() else None
    arg_names = [p.pyname for p in arg_params]
    targets = [*arg_names, *dim_names.values(), "_flat"]
    func_name, ident = _function_name(name)
    head = _Header(
        name=func_name,
        ident=ident,
        params=arg_params,
        prologue=[_bind_line(symbols, dims, targets)],
        complex_test=f"_iscomplex({_call_list(arg_names)})",
        plain_args=_call_list(targets),
        label=_label(value, name),
        broadcast=False,
    )
    return _build(head, obj, main, plain)
