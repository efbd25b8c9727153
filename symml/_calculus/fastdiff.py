"""Fast symbolic differentiation that returns plain SymPy expressions.

=================================  ===================================================
function                           returns
=================================  ===================================================
:func:`derivatives`                ``[i][j] = d exprs[i] / d wrt[j]`` (gradients, Jacobians)
:func:`hessian_entries`            ``[i][j] = d²f / d wrt[i] d wrt[j]``, exactly symmetric
:func:`derivative_atoms`           the unevaluated ``Derivative`` nodes in results, fast
=================================  ===================================================

These are the engines behind :func:`symml.gradient`, :func:`symml.jacobian` and
:func:`symml.hessian`; they return nested lists of ordinary, canonical SymPy
expressions built from the caller's own symbols (assumptions included).

How it works
------------
Small inputs go straight to :func:`sympy.diff`: below about
``_SIZE_THRESHOLD`` tree nodes the conversions cost more than they save.

Larger inputs are translated to SymEngine (a C++ computer algebra core),
differentiated there, and translated back:

1. Every free symbol is replaced by a fresh SymEngine symbol, remembered in a
   table, so symbols that share a name but differ in assumptions never merge,
   and the caller's original SymPy symbols (``real=True`` etc.) come back.
2. Only a whitelist of node types is translated: numbers, ``+``, ``*``, ``**``
   and analytic functions whose derivative SymEngine and SymPy agree on
   (``exp``, ``log``, trigonometric, hyperbolic, ``erf``, ``gamma``...).
3. The derivatives are converted back through a cache keyed by SymEngine
   subtree, so a subtree shared by many entries (``exp(-y*(w·x))`` in every
   entry of a logistic-loss Hessian) is built as a SymPy object once.
   ``Add`` and ``Mul`` nodes whose arguments are already canonical and cannot
   combine (one coefficient, distinct terms / bases) are assembled in SymPy's
   canonical order directly; every other node goes through SymPy's ordinary
   evaluating constructors, so results are always canonical SymPy.
4. Anything outside the whitelist, on either side (``Piecewise``, ``Abs`` and
   ``sign``, ``Heaviside``, undefined functions ``f(x)``, ``MatrixSymbol``,
   an unevaluated ``Derivative`` or ``Subs`` in SymEngine's answer,
   infinities, non-commutative symbols, ``wrt`` entries that are not plain
   Symbols), makes that expression fall back to :func:`sympy.diff`. A wrong
   answer is never returned silently: an expression either fully passes the
   whitelist or is differentiated by SymPy itself.

The SymEngine route lives in :mod:`symml._calculus.symengine_route`, loaded on first
use (large inputs only), so ``import symml`` does not load SymEngine.

Results are equal to :func:`sympy.diff` mathematically, not always
structurally (SymEngine writes ``exp(-2*t)`` where SymPy writes ``exp(-t)**2``).

Examples
--------
>>> import sympy
>>> from symml._calculus.fastdiff import derivatives, hessian_entries
>>> x, y = sympy.symbols("x y", real=True)
>>> derivatives([x**2 * y, sympy.sin(x * y)], [x, y])
[[2*x*y, x**2], [y*cos(x*y), x*cos(x*y)]]
>>> H = hessian_entries(x**3 + x * y**2, [x, y])
>>> H
[[6*x, 2*y], [2*y, 2*x]]
>>> H[0][1] is H[1][0]
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sympy
from sympy.core.add import _addsort
from sympy.core.mul import _mulsort

__all__ = ["derivative_atoms", "derivatives", "hessian_entries"]

#: Tree size (nodes, counted by :func:`_tree_size`, summed over all inputs)
#: from which expressions are differentiated through SymEngine; smaller ones
#: use :func:`sympy.diff` and so give exactly SymPy's output. Measured on an
#: AMD EPYC core with fresh symbols each run (the way a notebook meets a new
#: expression), the SymEngine route is faster at every size: x**2 gradient
#: 0.03 ms vs 0.7 ms, Rosenbrock (19 nodes) Hessian 0.13 ms vs 10 ms. With
#: SymPy's cache warm (the same expression again) it is still 1.3-8x faster
#: except a tie (0.9-1.0x) on some 25-85 node polynomial gradients. So speed
#: never calls for SymPy; the threshold only keeps tiny textbook expressions
#: (at most ~2 ms cold, ~0.1 ms warm either way) verbatim ``sympy.diff``.
_SIZE_THRESHOLD = 12

#: When True, every Add/Mul assembled by the fast path is compared with
#: SymPy's evaluating constructor and a mismatch raises AssertionError.
#: The tests switch it on; it costs a full re-canonicalisation.
_VERIFY_CANONICAL = False

_S = sympy.S


class _Unsupported(Exception):
    """An expression (or SymEngine's answer) is outside the safe whitelist."""


def _tree_size(expr: sympy.Basic, limit: int) -> int:
    """Count the nodes of ``expr`` (as a tree), stopping once ``limit`` is passed."""
    count = 0
    stack = [expr]
    while stack:
        node = stack.pop()
        count += 1
        if count > limit:
            return count
        stack.extend(getattr(node, "args", ()))
    return count


# ---------------------------------------------------------------------------
# SymEngine -> SymPy


def _odd_atom(a: sympy.Expr) -> bool:
    """Atoms other than symbols and pi/E (I, zoo, nan...): left to SymPy."""
    return a.is_Atom and not (a.is_Symbol or a.is_NumberSymbol)


def _canonical_mul(args: list[sympy.Expr]) -> sympy.Expr:
    """``Mul(*args)``, skipping SymPy's flatten when nothing can combine.

    The shortcut applies when there is at most one finite non-zero numeric
    coefficient, every other factor is commutative, not a Mul, not a number,
    not a Pow with a numeric base, and all bases (``exp(t)`` has base E) are
    distinct. Then ``Mul.flatten`` would only sort the factors, which
    ``_mulsort`` does here; anything else takes the evaluating constructor.

    Examples
    --------
    The result is SymPy's own, node for node, on the hard cases:

    >>> a, b, c = sympy.symbols("a b c")
    >>> E, I, F = sympy.E, sympy.I, sympy.Float
    >>> cases = [(2, a + b), (-1, a + b), (2, a, a + b), (sympy.exp(a), sympy.exp(2 * a)),
    ...          (sympy.exp(a), sympy.exp(b), c), (E, sympy.exp(a)),
    ...          (sympy.sqrt(2), sympy.sqrt(3), a),
    ...          (a, a**2, b), (I, I, a), (0, a, b), (F(1.0), a, b), (F(2.5), 1 / a, (a + b) ** 2),
    ...          (3, sympy.pi, a, sympy.exp(b)), (sympy.Rational(1, 2), a * b, c), (2**a, 3**a),
    ...          (a + b, (a + b) ** -2, c), (sympy.oo, a), (sympy.zoo, a)]
    >>> same = [_canonical_mul([sympy.sympify(f) for f in fs]) for fs in cases]
    >>> all(m == sympy.Mul(*fs) and m.args == sympy.Mul(*fs).args for m, fs in zip(same, cases))
    True
    """
    return _canonical(sympy.Mul, args, _mul_key, _mulsort)


def _canonical_add(args: list[sympy.Expr]) -> sympy.Expr:
    """``Add(*args)``, skipping SymPy's flatten when no terms can combine.

    The shortcut applies when there is at most one finite non-zero numeric
    constant, no term is an Add, a Pow with a numeric base or a 2-argument
    ``number*Add`` Mul, and the terms' non-coefficient parts are distinct.

    Examples
    --------
    >>> a, b, c = sympy.symbols("a b c")
    >>> cases = [(1, a), (a, 2 * a), (a * b, -a * b, c), (2, a * b, sympy.exp(a), b**2),
    ...          (sympy.Float(0.5), a, 3 * b * c), (a + b, c), (sympy.sqrt(2), a), (0, a, b),
    ...          (sympy.zoo, a), (sympy.nan, a), (sympy.I, a), (sympy.pi, a, b * c),
    ...          (2, sympy.Mul(3, a + b, evaluate=False))]
    >>> sums = [_canonical_add([sympy.sympify(t) for t in ts]) for ts in cases]
    >>> all(s == sympy.Add(*ts) and s.args == sympy.Add(*ts).args for s, ts in zip(sums, cases))
    True
    """
    return _canonical(sympy.Add, args, _add_key, _addsort)


def _mul_key(a: sympy.Expr) -> sympy.Expr | None:
    """The base of the factor ``a`` (None: let ``Mul`` decide)."""
    if a.is_Mul or a.is_Order or _odd_atom(a) or a.is_commutative is not True:
        return None
    if a.is_Pow:
        base, exp = a.args
        if base.is_Number or (exp.is_Mul and len(exp.args) == 2 and exp.args[1].is_Add):
            return None
        return base
    return _S.Exp1 if type(a) is sympy.exp else a


def _add_key(a: sympy.Expr) -> sympy.Expr | None:
    """The term ``a`` without its coefficient (None: let ``Add`` decide)."""
    if a.is_Add or a.is_Order or _odd_atom(a) or a.is_commutative is not True:
        return None
    if a.is_Mul:
        part = a.as_coeff_Mul()[1]
        return None if part.is_Add else part
    if a.is_Pow and a.base.is_Number:
        return None
    return a


def _canonical(
    op: type, args: list[sympy.Expr], key: Callable[[sympy.Expr], Any], sort: Callable
) -> sympy.Expr:
    """``op(*args)`` (``Mul`` or ``Add``) built directly when the arguments cannot combine:
    at most one finite non-zero number, and distinct non-None ``key`` for the others."""
    coeff = None
    items: list[sympy.Expr] = []
    keys = set()
    for a in args:
        if a.is_Number:
            if coeff is not None or not (a.is_Rational or a.is_Float) or a.is_zero:
                return op(*args)
            if a is not op.identity:
                coeff = a
            continue
        k = key(a)
        if k is None or k in keys:
            return op(*args)
        keys.add(k)
        items.append(a)
    if not items:
        return coeff if coeff is not None else op.identity
    if coeff is not None and len(items) == 1 and items[0].is_Add:
        return op(*args)  # 2*(x + y) distributes
    if coeff is None and len(items) == 1:
        return items[0]
    sort(items)
    if coeff is not None:
        items.insert(0, coeff)
    out = op._from_args(items, True)
    if _VERIFY_CANONICAL:
        _assert_canonical(out, op(*args))
    return out


class _CanonicalMismatch(AssertionError):
    """Raised (only with ``_VERIFY_CANONICAL``) when a fast-built node is not canonical."""


def _assert_canonical(fast: sympy.Expr, slow: sympy.Expr) -> None:
    if fast != slow or fast.args != slow.args:
        raise _CanonicalMismatch(f"fast path built {fast.args!r}, SymPy builds {slow.args!r}")


# ---------------------------------------------------------------------------
# Public functions


def _use_symengine(exprs: Sequence[Any], wrt: Sequence[Any]) -> bool:
    """Whether to try SymEngine: plain commutative Symbols in ``wrt`` and
    at least ``_SIZE_THRESHOLD`` nodes in all of ``exprs`` together."""
    if not all(isinstance(w, sympy.Symbol) and w.is_commutative is True for w in wrt):
        return False
    total = 0
    for e in exprs:
        total += _tree_size(e, _SIZE_THRESHOLD - total)
        if total >= _SIZE_THRESHOLD:
            return True
    return False


def derivatives(exprs: Sequence[sympy.Expr], wrt: Sequence[sympy.Symbol]) -> list[list[sympy.Expr]]:
    """First derivatives of several expressions: ``[i][j] = d exprs[i] / d wrt[j]``.

    Parameters
    ----------
    exprs : sequence of sympy.Expr
        The expressions to differentiate (one row of the result each).
    wrt : sequence of sympy.Symbol
        The variables (one column each). Entries that are not plain Symbols
        (``f(x)``, indexed objects) are handed to :func:`sympy.diff` as is.

    Returns
    -------
    list of list of sympy.Expr
        Plain SymPy expressions, mathematically equal to
        ``sympy.diff(exprs[i], wrt[j])`` and built from the same symbol objects.

    Notes
    -----
    Expressions of at least ``_SIZE_THRESHOLD`` nodes are differentiated with
    SymEngine and converted back with a shared-subexpression cache (see the
    module docstring); smaller ones, and anything SymEngine cannot represent
    faithfully, use :func:`sympy.diff`.

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y", positive=True)
    >>> rows = derivatives([x * sympy.exp(y), sympy.log(x + y)], [x, y])
    >>> rows
    [[exp(y), x*exp(y)], [1/(x + y), 1/(x + y)]]
    >>> rows[0][1].free_symbols == {x, y}
    True
    >>> f = sympy.Function("f")
    >>> derivatives([f(x) * y], [x])  # undefined function: SymPy's own answer
    [[y*Derivative(f(x), x)]]
    """
    exprs = [sympy.sympify(e) for e in exprs]
    wrt = list(wrt)
    rows: list[list[sympy.Expr] | None] = [None] * len(exprs)
    if _use_symengine(exprs, wrt):
        from .symengine_route import jacobian_rows  # loads SymEngine: large inputs only

        rows = jacobian_rows(exprs, wrt)
    return [
        row if row is not None else [sympy.diff(e, w) for w in wrt]
        for e, row in zip(exprs, rows, strict=True)
    ]


def hessian_entries(f: sympy.Expr, wrt: Sequence[sympy.Symbol]) -> list[list[sympy.Expr]]:
    """Second derivatives ``[i][j] = d²f / d wrt[i] d wrt[j]`` of a scalar.

    Each unordered pair is differentiated once; ``[i][j]`` and ``[j][i]`` are
    the same object, so the result is exactly symmetric.

    Parameters
    ----------
    f : sympy.Expr
        A scalar expression.
    wrt : sequence of sympy.Symbol
        The variables, in row/column order.

    Returns
    -------
    list of list of sympy.Expr
        ``len(wrt)`` rows of ``len(wrt)`` plain SymPy expressions, equal to
        ``sympy.diff(f, wrt[i], wrt[j])``.

    Examples
    --------
    >>> import sympy
    >>> a, b = sympy.symbols("a b", real=True)
    >>> rosenbrock = (1 - a) ** 2 + 100 * (b - a**2) ** 2
    >>> H = hessian_entries(rosenbrock, [a, b])
    >>> H
    [[1200*a**2 - 400*b + 2, -400*a], [-400*a, 200]]
    >>> H[0][1] is H[1][0]
    True

    Large expressions go through SymEngine and keep the caller's symbols:

    >>> w = sympy.symbols("w0:8", real=True)
    >>> x = sympy.symbols("x0:8", real=True)
    >>> loss = sympy.log(1 + sympy.exp(-sum(wi * xi for wi, xi in zip(w, x))))
    >>> H = hessian_entries(loss, w)
    >>> H[2][5].free_symbols <= set(w) | set(x)
    True
    >>> sympy.simplify(H[2][5] - sympy.diff(loss, w[2], w[5]))
    0
    """
    f = sympy.sympify(f)
    wrt = list(wrt)
    n = len(wrt)
    if _use_symengine([f], wrt):
        from .symengine_route import hessian_rows  # loads SymEngine: large inputs only

        try:
            return hessian_rows(f, wrt)
        except _CanonicalMismatch:
            raise
        except Exception:  # any failure on the SymEngine route: sympy.diff below
            pass
    grad = [sympy.diff(f, w) for w in wrt]
    rows: list[list[Any]] = [[None] * n for _ in range(n)]
    for i in range(n):
        for j in range(i, n):
            rows[i][j] = rows[j][i] = sympy.diff(grad[i], wrt[j])
    return rows


def derivative_atoms(exprs: Iterable[sympy.Basic]) -> set[sympy.Derivative]:
    """The unevaluated ``Derivative`` nodes anywhere in ``exprs``.

    Same answer as ``set().union(*(e.atoms(sympy.Derivative) for e in exprs))``
    but each distinct subtree object is visited once, so results that share
    subtrees (every entry of a large Hessian holds the same
    ``exp(-y*(w·x))``) are scanned in time proportional to their distinct
    nodes, not to their printed size: about 1000x less work for the
    40-feature logistic-loss Hessian.

    Parameters
    ----------
    exprs : iterable of sympy.Basic
        Expressions, or a SymPy matrix (iterated entry by entry).

    Returns
    -------
    set of sympy.Derivative

    Examples
    --------
    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> f = sympy.Function("f")
    >>> derivative_atoms([x**2, sympy.diff(f(x) * x, x)])
    {Derivative(f(x), x)}
    >>> derivative_atoms(sympy.Matrix([[x, 2 * x]]))
    set()
    """
    found: set[sympy.Derivative] = set()
    seen: set[int] = set()
    stack = list(exprs)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, sympy.Derivative):
            found.add(node)
        stack.extend(node.args)
    return found
