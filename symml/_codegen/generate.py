r"""``to_numpy``: the front end, and code generation for scalars, Matrices and Arrays.

:func:`to_numpy` checks its arguments, then hands expressions in
``MatrixSymbol`` arguments to the matrix compiler (:mod:`.matrix`) and
generates everything else here: stable forms, common subexpressions, one
preallocated output filled entry by entry, broadcasting over the inputs. The
output-shape convention is described once, in the package docstring
(:mod:`symml._codegen`) and in :func:`to_numpy`'s.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import sympy as sp
from sympy.printing.codeprinter import PrintMethodNotImplementedError

from .._core import ArgumentError, Derivation, as_sympy, bad_argument
from .lstsq import RankDeficientWarning
from .matrix import matrix_to_numpy
from .source import (
    _Arg,
    _as_symbols,
    _Body,
    _build,
    _call_list,
    _check_printable,
    _definition_rhs,
    _function_name,
    _Header,
    _label,
    _Printer,
    _pynames,
    _unsupported,
)
from .stable import _Stabilizer, expit, stable_form

__all__ = ["RankDeficientWarning", "expit", "normal_system", "stable_form", "to_numpy"]

# Above this many arguments a call such as numpy.broadcast(...) takes too many.
_MAX_CALL_ARGS = 32


class _Target(NamedTuple):
    """What to evaluate: flat entries and the leading output shape (None: scalar)."""

    entries: list[sp.Basic]
    shape: tuple[int, ...] | None


def _reshaped(target: _Target, shape: Any) -> _Target:
    """``target`` with the leading output shape ``shape`` (None: unchanged; ``()``: a scalar)."""
    if shape is None:
        return target
    size = len(target.entries)
    ok = isinstance(shape, tuple) and all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0 for d in shape
    )
    if not ok or int(np.prod(shape, dtype=np.int64)) != size:
        what = "1 entry, e.g. (1, 1)" if size == 1 else f"{size} entries, e.g. {(size,)}"
        fix = f"give a tuple of sizes holding {what}"
        raise ArgumentError(bad_argument("shape", shape, fix))
    return _Target(target.entries, tuple(int(d) for d in shape) or None)


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


def _shape_line(names: list[str]) -> str:
    """``_shape = <the inputs' broadcast shape>``."""
    if not names:
        return "_shape = ()"
    if len(names) == 1:
        return f"_shape = {names[0]}.shape"
    if len(names) <= _MAX_CALL_ARGS:
        return f"_shape = _broadcast({_call_list(names)}).shape"
    shapes = ", ".join(f"{n}.shape" for n in names)
    return f"_shape = _broadcast_shapes({shapes})"


def _result_type(items: list[str]) -> str:
    fn = "_result_type" if len(items) <= _MAX_CALL_ARGS else "_result_type_many"
    return f"{fn}({_call_list(items)})"


def _scalar_return(entry: sp.Basic, code: str, params: list[_Arg]) -> str:
    """The ``return`` of a scalar: the inputs' broadcast shape, constants filled to it."""
    if not entry.free_symbols:
        if isinstance(entry, sp.logic.boolalg.Boolean):
            return f"return _full(_shape, {code}, bool)[()]"
        dtype = _result_type([*(p.pyname for p in params), "0.0", code])
        return f"return _full(_shape, {code}, {dtype})[()]"
    if entry.free_symbols >= {p.symbol for p in params}:
        return f"return {code}"
    return f"return _expand({code}, _shape)"


def _fill(
    target: _Target, codes: list[str | None], params: list[_Arg], *, xp: bool = False
) -> list[str]:
    """Lines filling a preallocated ``(*target.shape, *batch)`` array (None: a zero entry).

    ``xp``: array code for other libraries, which stacks the entries (no writes in place).
    """
    lines: list[str] = []
    assign: list[tuple[tuple[int, ...], str]] = []
    dtype_items = [*(p.pyname for p in params), "0.0"]
    index_iter = itertools.product(*map(range, target.shape or ()))
    for k, (idx, entry, code) in enumerate(zip(index_iter, target.entries, codes, strict=True)):
        if code is None:
            continue
        const = not entry.free_symbols
        if not const and not code.isidentifier():
            lines.append(f"_e{k} = {code}")
            code = f"_e{k}"
        if (not const or entry.has(sp.I)) and code not in dtype_items:
            dtype_items.append(code)
        assign.append((idx, code))
    if xp:
        by_index = dict(assign)
        index_iter = itertools.product(*map(range, target.shape or ()))
        items = "".join(f"{by_index.get(idx, 'None')}, " for idx in index_iter)
        dtype = _result_type(dtype_items)
        return [*lines, f"return _assemble({target.shape!r}, _shape, {dtype}, ({items}))"]
    alloc = "_zeros" if None in codes else "_empty"
    lines.append(f"_out = {alloc}({target.shape!r} + _shape, {_result_type(dtype_items)})")
    lines += [f"_out[{', '.join(map(str, idx))}] = {code}" for idx, code in assign]
    lines.append("return _out")
    return lines


def _body(target: _Target, params: list[_Arg], *, cse: bool, value: Any) -> _Body:
    """Lines computing the result from the converted inputs."""
    printer = _Printer()
    entries = target.entries

    def pr(e: sp.Basic) -> str:
        try:
            return printer.doprint(e)
        except (PrintMethodNotImplementedError, NotImplementedError):
            raise _unsupported(entries, value) from None

    if cse:
        # a subexpression in a Sum's index (1/k) exists only inside the sum's loop
        bound = {v for e in entries for s in e.atoms(sp.Sum, sp.Product) for v in s.variables}
        replacements, reduced = sp.cse(
            entries, symbols=sp.numbered_symbols("_cse"), optimizations=None, ignore=bound
        )
    else:
        replacements, reduced = [], list(entries)
    every = {p.symbol for p in params}
    lines: list[str] = []
    if target.shape is not None or any(
        not e.free_symbols or not e.free_symbols >= every for e in entries
    ):
        lines.append(_shape_line([p.pyname for p in params]))
    lines += [f"{sym.name} = {pr(sub)}" for sym, sub in replacements]
    if target.shape is None:
        lines.append(_scalar_return(entries[0], pr(reduced[0]), params))
        return _Body(lines, set(printer.module_imports))
    zero = [not e.free_symbols and e == 0 for e in entries]
    codes = [None if z else pr(r) for z, r in zip(zero, reduced, strict=True)]
    xp_lines = lines + _fill(target, codes, params, xp=True)
    lines += _fill(target, codes, params)
    return _Body(lines, set(printer.module_imports), xp_lines)


def _prologue(params: list[_Arg]) -> list[str]:
    lines: list[str] = []
    for p in params:
        n = p.pyname
        lines.append(f"{n} = _asarray({n})")
        lines.append(f'if {n}.dtype.kind in "biu":')
        lines.append(f"    {n} = {n}.astype(_float64)")
    return lines


def to_numpy(
    expr: Any,
    args: Any,
    *,
    cse: bool = True,
    stable: bool = True,
    name: str | None = None,
    shape: tuple[int, ...] | None = None,
) -> Callable[..., np.ndarray]:
    r"""Turn a SymPy expression, matrix or Derivation into fast vectorised array code.

    The name says NumPy; the code is *array code*: NumPy in, NumPy out, and
    with JAX, Dask, CuPy or PyTorch arrays the same formula runs in that
    library (see *Array libraries*).

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
        The leading shape of the output, in place of the default (see
        *Output shapes*); it must hold as many entries as ``expr``:
        ``shape=(1, 1)`` keeps a 1 x 1 matrix two-dimensional, ``shape=()``
        makes it a scalar. When ``expr`` is a ``Derivation`` whose kind
        fixes a shape (a gradient ``(n,)``, a Jacobian ``(m, n)``, a Hessian
        ``(n, n)``), that shape is the default. Not for matrix expressions.

    Returns
    -------
    callable
        ``f(*arrays)``. NumPy inputs (and lists, numbers, pandas objects) go
        through ``numpy.asarray``; integer and bool inputs become float64
        (so ``x**-1`` works). Arrays of another library give an array of
        that library (*Array libraries*). Its output shape is below.
        ``f.__doc__`` shows the expression and the code.

    Output shapes
    -------------
    The shape of the mathematical object, then the inputs' broadcast
    (batch) shape ``S``:

    ===============================  =====================  ==================
    ``expr``                         output shape           ``S == ()``
    ===============================  =====================  ==================
    scalar expression                ``S``                  a NumPy scalar
    column Matrix k x 1 (a vector;   ``(k, *S)``            ``(k,)``
    1 x 1 included)
    any other Matrix r x c (rows     ``(r, c, *S)``         ``(r, c)``
    included)
    Array of shape ``A``             ``(*A, *S)``           ``A``
    with ``shape=L``                 ``(*L, *S)``           ``L``
    matrix expression                see *Matrix expressions* (no batch)
    ===============================  =====================  ==================

    Constant entries, zeros included, are filled to shape ``S`` too (a fresh
    writable array, never a broadcast view).

    Raises
    ------
    ArgumentError
        ``args`` misses a free symbol of ``expr``, repeats one, or holds
        something that is not a Symbol or MatrixSymbol; ``expr`` contains a
        function with no NumPy/SciPy equivalent, an undefined function, or
        an unevaluated Derivative or Integral.
        (When the function is called.) A missing or extra argument, or an
        unknown keyword: the message lists the parameters by the symbols'
        names, e.g. ``the gradient takes (x, y), ...; got 1 argument:
        missing y``.
    ShapeError
        (When the function is called.) An array does not fit its
        ``MatrixSymbol``: the message names the argument, both shapes and
        the dimension that disagrees. Inputs whose shapes do not broadcast:
        the message gives each argument's shape and the axis that disagrees.
        These checks run only when a call fails (no cost otherwise).

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
    * **Output**: the expression's shape, with two exceptions. A column
      (k x 1) or row (1 x k) result is 1-D ``(k,)`` -- as NumPy's ``X @ w``
      and ``numpy.linalg.solve`` give for 1-D vectors -- unless there are
      column arguments and all were passed as 2-D ``(k, 1)`` columns; then it
      is ``(k, 1)`` (or ``(1, k)``). A 1 x 1 result (a scalar loss such as
      ``w.T*w``) or a scalar expression (``Trace``, ``Determinant``) is a
      NumPy scalar. Other results are 2-D.
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
    >>> from symml import to_numpy
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

    A 1 x 1 matrix is a column too; ``shape=(1, 1)`` keeps it a matrix (as the
    Hessian of a function of one variable must be):

    >>> to_numpy(sp.Matrix([[6*x]]), [x])(2.0).shape
    (1,)
    >>> to_numpy(sp.Matrix([[6*x]]), [x], shape=(1, 1))(np.array([1.0, 2.0]))
    array([[[ 6., 12.]]])

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
    >>> print("\n".join(grad.__doc__.strip().splitlines()[-3:-1]))
        _t0 = scipy.special.expit(X @ w) - y
        _r = X.T @ (_t0[:, 0] if _flat else _t0)
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

    Array libraries
    ---------------
    The function follows its inputs: when one of them is an array of another
    library -- JAX, Dask, CuPy, PyTorch, or any array with
    ``__array_namespace__`` -- that library is found with
    ``array_api_compat.array_namespace`` (imported only then, so NumPy calls
    and ``import symml`` pay nothing) and the same formula runs with
    ``numpy`` meaning that library. NumPy arrays and numbers may join the
    arrays of one other library; two other libraries are an ArgumentError.
    Nothing is converted behind your back: JAX in, JAX out, and
    ``jax.jit(f)`` works (the array code writes nothing in place and has no
    branch on a value); Dask in, a lazy Dask array out, computed by
    ``.compute()``. The stable forms exist in each library: ``logaddexp`` and
    ``log1p`` are the library's own, the sigmoid is ``where(z >= 0, 1/(1 + e),
    e/(1 + e))`` with ``e = exp(-|z|)`` (no SciPy needed). A part with no
    equivalent in the library -- the QR least-squares runtime of ``M**-1 * N``
    normal equations -- raises an ArgumentError naming the library rather
    than converting; plain solves (``numpy.linalg.solve``) run in it. The
    array-code source is at the end of ``f.__doc__`` when it differs from the
    NumPy source.

    >>> import jax.numpy as jnp
    >>> softplus_jax = softplus(jnp.asarray([-800.0, 0.0, 800.0]))
    >>> type(softplus_jax).__module__.split(".")[0], softplus_jax.tolist()[::2]
    ('jaxlib', [0.0, 800.0])

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
    ``scipy.special`` only when used). Its first line sends arrays of other
    libraries to the array code (one type test per argument; see *Array
    libraries*). ``f.__doc__`` shows that source and ``inspect.getsource(f)``
    works:

    >>> import inspect
    >>> g = to_numpy(sp.Matrix([sp.exp(x*y)*y, sp.exp(x*y)*x, 0]), [x, y])
    >>> print(inspect.getsource(g))
    def symml_func(x, y):
        if (type(x) not in _plain_types or type(y) not in _plain_types) and _foreign(x, y):
            return _array_code(x, y)
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

    A wrong call names the parameters by their symbols, and inputs whose
    shapes do not broadcast name each shape (checked only when a call fails,
    so correct calls pay nothing but one wrapper call):

    >>> f = to_numpy(x * y, [x, y], name="area")
    >>> f(1.0)
    Traceback (most recent call last):
    ...
    symml.ArgumentError: area takes (x, y), one array per symbol in this order; got 1 ...
    >>> f(np.ones(3), np.ones(4))
    Traceback (most recent call last):
    ...
    symml.ShapeError: the inputs of area do not broadcast together: x has shape (3,), y ...

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
    for option, flag in (("cse", cse), ("stable", stable)):
        if flag not in (True, False):
            raise ArgumentError(bad_argument(option, flag, "pass True or False"))
    if any(isinstance(s, sp.MatrixSymbol) for s in symbols) or obj.atoms(sp.MatrixSymbol):
        if shape is not None:
            fix = "it applies to explicit matrices, not matrix expressions (see Matrix expressions)"
            raise ArgumentError(bad_argument("shape", shape, fix))
        return matrix_to_numpy(obj, symbols, cse=cse, stable=stable, name=name, value=value)
    if shape is None and isinstance(expr, Derivation):
        shape = expr._array_shape()  # the shape of what was derived, as d.to_numpy() gives
    target = _reshaped(_target(obj, value), shape)
    _check_printable(target.entries, value)
    _check_coverage(symbols, target.entries, args)
    func_name, ident = _function_name(name)

    params = _pynames(symbols)
    rename = {p.symbol: sp.Symbol(p.pyname, **p.symbol.assumptions0) for p in params}
    plain = _Target([e.xreplace(rename) for e in target.entries], target.shape)
    renamed = [p._replace(symbol=rename[p.symbol]) for p in params]
    main = _body(plain, renamed, cse=cse, value=value)
    fallback: _Body | None = None
    if stable:
        stable_entries = [_Stabilizer()(e) for e in plain.entries]
        if stable_entries != plain.entries:
            if params:  # complex inputs need the plain formula: NumPy has no complex logaddexp
                fallback = main
            main = _body(plain._replace(entries=stable_entries), renamed, cse=cse, value=value)
    names = _call_list([p.pyname for p in params])
    head = _Header(
        name=func_name,
        ident=ident,
        params=params,
        prologue=_prologue(params),
        xp_prologue=[f"{p.pyname} = _asfloat({p.pyname})" for p in params],
        complex_test=" or ".join(f'{p.pyname}.dtype.kind == "c"' for p in params),
        plain_args=names,
        label=_label(expr, name),
    )
    return _build(head, obj, main, fallback)


def normal_system(
    expr: Any, args: Any, *, name: str = "normal_system"
) -> Callable[..., tuple[tuple[Any, ...], ...]]:
    """The blocks of the stacked least-squares problem behind ``Eq(w, M**-1 * N)``.

    A compiled ``system(*arrays)`` returning the blocks that
    :func:`~.lstsq.solve_normal` takes; ``NormalEquations.fit`` solves them
    with ``full=True`` for standard errors. Raises ArgumentError when the
    expression is not a normal-equation solution. ``name`` is what messages
    about a wrong call call it (``NormalEquations.fit``).

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> n, m = sp.symbols("n m", integer=True, positive=True)
    >>> X, w = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1)
    >>> y = sp.MatrixSymbol("y", m, 1)
    >>> system = normal_system(sp.Eq(w, (X.T * X) ** -1 * X.T * y), [X, y])
    >>> ((label, c, B, kind, wlabel, W, d),) = system(np.eye(2), [1.0, 2.0])
    >>> label, c, kind, W, d.ravel().tolist()
    ('1', 1, None, None, [1.0, 2.0])
    >>> normal_system(sp.Eq(w, 2 * (X.T * X) ** -1 * X.T * y), [X, y])
    Traceback (most recent call last):
    ...
    symml.ArgumentError: expr=Eq(w, 2*(X.T*X)**(-1)*X.T*y) is not valid: it is not a ...
    """
    obj = as_sympy(expr, "expr")
    symbols = _as_symbols(args)
    obj = _definition_rhs(obj, symbols)
    return matrix_to_numpy(
        obj, symbols, cse=True, stable=True, name=name, value=expr, blocks_only=True
    )
