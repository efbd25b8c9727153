"""Scalar calculus with steps: gradients, Jacobians, Hessians, Taylor polynomials
and critical points of functions of Symbols.

===================  ========================================================
function             result
===================  ========================================================
``diff_steps``       the textbook rule-by-rule steps of one partial derivative
``gradient``         column of first partial derivatives (n x 1)
``jacobian``         matrix of first partials of a vector function (m x n)
``hessian``          symmetric matrix of second partials (n x n)
``taylor``           multivariate Taylor polynomial of total degree ``order``
``critical_points``  stationary points classified by Hessian eigenvalues
===================  ========================================================

Conventions: gradients are columns; the Jacobian of ``F = (F_1..F_m)`` in
``(x_1..x_n)`` is ``m x n`` with ``J[i, j] = dF_i/dx_j`` (so the Jacobian of a
gradient is the Hessian). Results are computed by :mod:`symml._calculus.fastdiff`
(SymEngine with a shared-subexpression conversion back to SymPy for large
inputs, plain SymPy otherwise); steps are derived separately, rule by rule,
and only when first looked at, so large Hessians stay fast.

Examples
--------
>>> import sympy as sp, symml
>>> x, y = sp.symbols("x y", real=True)
>>> g = symml.gradient(x**2 * sp.sin(y), [x, y])
>>> g.result
Matrix([
[ 2*x*sin(y)],
[x**2*cos(y)]])
>>> [s.why for s in symml.diff_steps(sp.sin(x**2), x)]
['trigonometric rule, chain rule', 'power rule']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from .._core import (
    ArgumentError,
    Derivation,
    NoClosedFormError,
    NotDifferentiableError,
    ShapeError,
    Step,
    Verdict,
    as_sympy,
    bad_argument,
    run_with_budget,
)
from .fastdiff import derivative_atoms, derivatives, hessian_entries

__all__ = [
    "CriticalPoint",
    "CriticalPoints",
    "critical_points",
    "diff_steps",
    "gradient",
    "hessian",
    "jacobian",
    "taylor",
]

# --------------------------------------------------------------------------
# Argument handling
# --------------------------------------------------------------------------


def _is_matrix_wrt(wrt: Any, symmetric: Iterable[Any] = ()) -> bool:
    """Whether ``wrt`` asks for matrix calculus (a MatrixSymbol, see symml._calculus.matrix)."""
    if isinstance(wrt, sp.MatrixSymbol):
        return True
    if tuple(symmetric):
        raise ArgumentError(
            bad_argument(
                "symmetric", symmetric, "symmetric= applies to matrix calculus (wrt a MatrixSymbol)"
            )
        )
    return False


def _as_wrt(wrt: Any, name: str = "wrt") -> tuple[sp.Symbol, ...]:
    if isinstance(wrt, sp.Symbol):
        items: list[Any] = [wrt]
    elif isinstance(wrt, sp.MatrixBase):
        items = list(wrt)
    elif isinstance(wrt, str):
        raise ArgumentError(
            bad_argument(name, wrt, "pass Symbols, not text; e.g. x, y = sympy.symbols('x y')")
        )
    else:
        try:
            items = list(wrt)
        except TypeError:
            raise ArgumentError(
                bad_argument(name, wrt, "pass a Symbol or a list of Symbols, e.g. wrt=[x, y]")
            ) from None
    if not items:
        raise ArgumentError(bad_argument(name, wrt, "give at least one Symbol, e.g. wrt=[x]"))
    for item in items:
        if not isinstance(item, sp.Symbol):
            raise ArgumentError(
                bad_argument(
                    name, wrt, f"{item!r} is not a Symbol; differentiate with respect to Symbols"
                )
            )
    if len(set(items)) != len(items):
        dup = sorted({s.name for s in items if items.count(s) > 1})
        raise ArgumentError(bad_argument(name, wrt, f"{', '.join(dup)} appears twice; list once"))
    return tuple(items)


def _as_scalar(f: Any, name: str = "f", hint: str = "jacobian") -> sp.Expr:
    expr = as_sympy(f, name)
    if isinstance(expr, sp.MatrixBase) or getattr(expr, "is_Matrix", False):
        raise ShapeError(
            bad_argument(
                name,
                expr,
                f"expected a scalar expression, got a matrix of shape {expr.shape}; "
                f"for vector functions use symml.{hint}(F, wrt)",
            )
        )
    if not isinstance(expr, sp.Expr):
        raise ArgumentError(
            bad_argument(name, expr, "expected a scalar SymPy expression (not an equation)")
        )
    return expr.doit() if expr.has(sp.Derivative) else expr


def _as_vector(F: Any, name: str = "F") -> tuple[sp.Expr, ...]:
    if isinstance(F, (list, tuple)):
        items = [as_sympy(e, name) for e in F]
    else:
        obj = as_sympy(F, name)
        if isinstance(obj, sp.MatrixBase):
            if 1 not in obj.shape:
                raise ShapeError(
                    bad_argument(
                        name, obj, f"expected a row or column vector, got shape {obj.shape}"
                    )
                )
            items = list(obj)
        else:
            items = [obj]
    out = []
    for e in items:
        if not isinstance(e, sp.Expr):
            raise ArgumentError(bad_argument(name, e, "each entry must be a scalar expression"))
        out.append(e.doit() if e.has(sp.Derivative) else e)
    if not out:
        raise ArgumentError(bad_argument(name, F, "give at least one function"))
    return tuple(out)


def _assumptions(symbols: Iterable[sp.Symbol]) -> tuple[str, ...]:
    groups: dict[str, list[str]] = {}
    for s in sorted(set(symbols), key=lambda s: s.name):
        for key in ("integer", "positive", "nonnegative", "negative", "real"):
            if s.assumptions0.get(key):
                groups.setdefault(key, []).append(s.name)
                break
    return tuple(f"{', '.join(names)} {key}" for key, names in groups.items())


def _check_differentiable(result: sp.Basic, source: sp.Basic) -> None:
    for d in derivative_atoms(result):
        if not isinstance(d.expr, AppliedUndef):
            raise NotDifferentiableError(
                bad_argument(
                    "f",
                    source,
                    f"SymPy cannot differentiate {d.expr} (left as {d}); rewrite it with "
                    "differentiable functions (e.g. Piecewise instead of floor)",
                )
            )


# --------------------------------------------------------------------------
# Rule-by-rule derivative steps
# --------------------------------------------------------------------------

_TRIG = (sp.sin, sp.cos, sp.tan, sp.cot, sp.sec, sp.csc)
_INVERSE_TRIG = (sp.asin, sp.acos, sp.atan, sp.acot, sp.asec, sp.acsc)
_HYPERBOLIC = (sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.sech, sp.csch)


def _function_rule(g: sp.Function) -> str:
    if isinstance(g, sp.exp):
        return "exponential rule"
    if isinstance(g, sp.log):
        return "logarithm rule"
    if isinstance(g, _TRIG):
        return "trigonometric rule"
    if isinstance(g, _INVERSE_TRIG):
        return "inverse trigonometric rule"
    if isinstance(g, _HYPERBOLIC):
        return "hyperbolic rule"
    return f"derivative of {type(g).__name__}"


def _D(g: sp.Expr, x: sp.Symbol) -> sp.Expr:
    return sp.Derivative(g, x, evaluate=False)


def _expand_once(g: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, list[str], bool]:
    """Apply one differentiation rule to d/dx g.

    Returns (new expression with unevaluated derivatives of sub-parts,
    rule names, whether the result is final, i.e. contains no new work).
    """
    if not g.has(x):
        return sp.S.Zero, ["constant rule"], True
    if g == x:
        return sp.S.One, ["power rule"], True
    if g.is_Add:
        return sp.Add(*[_D(t, x) for t in g.args]), ["sum rule"], False
    if g.is_Mul:
        const, dep = g.as_independent(x, as_Add=False)
        if const != 1:
            return const * _D(dep, x), ["constant multiple rule"], False
        num, den = [], []
        for factor in dep.args:
            base, e = factor.as_base_exp()
            if e.is_number and e.is_negative and base.has(x):
                den.append(sp.Pow(base, -e))
            else:
                num.append(factor)
        if den and num:
            n, d = sp.Mul(*num), sp.Mul(*den)
            return (_D(n, x) * d - n * _D(d, x)) / d**2, ["quotient rule"], False
        factors = dep.args
        terms = [
            _D(fi, x) * sp.Mul(*(fj for j, fj in enumerate(factors) if j != i))
            for i, fi in enumerate(factors)
        ]
        return sp.Add(*terms), ["product rule"], False
    if g.is_Pow:
        base, e = g.as_base_exp()
        if not e.has(x):
            if base == x:
                return e * x ** (e - 1), ["power rule"], True
            return e * base ** (e - 1) * _D(base, x), ["power rule", "chain rule"], False
        if not base.has(x):
            if e == x:
                return g * sp.log(base), ["exponential rule"], True
            return g * sp.log(base) * _D(e, x), ["exponential rule", "chain rule"], False
        return g * _D(e * sp.log(base), x), ["logarithmic differentiation"], False
    if (
        isinstance(g, sp.Function)
        and not isinstance(g, AppliedUndef)
        and len(g.args) == 1
        and g.args[0].has(x)
    ):
        u = g.args[0]
        try:
            outer = g.fdiff(1)
        except Exception:
            outer = None
        if outer is not None and not outer.has(sp.Derivative, sp.Subs):
            rule = _function_rule(g)
            if u == x:
                return outer, [rule], True
            return outer * _D(u, x), [rule, "chain rule"], False
    # Anything else (undefined functions, Piecewise, functions of several
    # arguments): let SymPy differentiate the whole sub-expression.
    name = type(g).__name__ if not isinstance(g, AppliedUndef) else "an undefined function"
    return sp.diff(g, x), [f"derivative of {name}"], True


def diff_steps(f: Any, x: sp.Symbol, *, simplified: Any = None) -> list[Step]:
    """The rule-by-rule steps of the derivative of ``f`` in ``x``.

    Each pass applies one rule (sum, constant multiple, power, product,
    quotient, chain, exponential, logarithm, trigonometric, ...) to every
    derivative still pending, and records the resulting expression with the
    names of the rules used. The first step has ``lhs = d f / d x``.

    Parameters
    ----------
    f : sympy expression
    x : Symbol
    simplified : sympy expression, optional
        The final form to end on; when it differs from the last rule-based
        expression a ``"simplify"`` step is added.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml import diff_steps
    >>> x = sp.Symbol("x")
    >>> for s in diff_steps(3*x**2 + sp.exp(2*x), x):
    ...     print(s.expr, "  |", s.why)
    Derivative(3*x**2, x) + Derivative(exp(2*x), x)   | sum rule
    exp(2*x)*Derivative(2*x, x) + 3*Derivative(x**2, x)   | constant multiple rule, ...
    6*x + 2*exp(2*x)*Derivative(x, x)   | constant multiple rule, power rule
    6*x + 2*exp(2*x)   | power rule
    """
    expr = _as_scalar(f)
    lhs = sp.Derivative(expr, x, evaluate=False)
    current: sp.Expr = _D(expr, x)
    pending = {current}
    steps: list[Step] = []
    while True:
        todo = sorted(
            (d for d in current.atoms(sp.Derivative) if d in pending), key=sp.default_sort_key
        )
        if not todo:
            break
        mapping, rules, created = {}, [], set()
        for d in todo:
            new, used, final = _expand_once(d.expr, x)
            mapping[d] = new
            rules.extend(r for r in used if r not in rules)
            if not final:  # derivatives left by a final rule (SymPy's own) stay as they are
                created |= new.atoms(sp.Derivative)
        pending = (pending - set(todo)) | created
        current = current.xreplace(mapping)
        steps.append(Step(current, ", ".join(rules), lhs=lhs if not steps else None))
    if not steps:  # pragma: no cover - _D always creates one pending derivative
        steps.append(Step(sp.diff(expr, x), "differentiate", lhs=lhs))
    if simplified is not None and simplified != current:
        steps.append(Step(simplified, "simplify"))
    return steps


# --------------------------------------------------------------------------
# Numeric verification by finite differences
# --------------------------------------------------------------------------


def _sample(symbols: Sequence[sp.Symbol], n: int, seed: int) -> dict[sp.Symbol, np.ndarray]:
    from .._core import sample_arrays

    return sample_arrays(list(symbols), (n,), seed=seed)


def _fd_verdict(
    d: Derivation,
    *,
    order: int,
    functions: Sequence[sp.Expr],
    n: int = 20,
    seed: int = 0,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> Verdict:
    """Compare ``d.result`` with central differences of ``functions``.

    ``order=1``: result[i, j] ~ dF_i/dx_j; ``order=2``: result[i, j] ~
    d2f/dx_i dx_j of the single function in ``functions``.
    """
    from .._codegen import to_numpy

    wrt = list(d.wrt)
    others = sorted(
        set().union(*(F.free_symbols for F in functions), d.result.free_symbols) - set(wrt),
        key=lambda s: s.name,
    )
    args = wrt + others
    points = _sample(args, n, seed)
    values = [points[s] for s in args]
    # Entries in the order (function i, variable j): a gradient's column has
    # the same data order as the 1 x n Jacobian of its single function.
    rows = len(functions) if order == 1 else len(wrt)
    result = np.asarray(to_numpy(d.result, args)(*values), dtype=complex)
    result = result.reshape((rows, len(wrt), n))
    F = to_numpy(sp.ImmutableMatrix(list(functions)), args)

    def F_at(shifts: Mapping[int, float]) -> np.ndarray:
        shifted = list(values)
        for k, dx in shifts.items():
            shifted[k] = shifted[k] + dx
        return np.asarray(F(*shifted), dtype=complex).reshape((len(functions), n))

    scale = np.maximum(1.0, np.abs(np.asarray(values, dtype=float)))

    def differences(step: float) -> np.ndarray:
        """Central-difference estimate of every entry with steps ``step * scale``."""
        out = np.empty_like(result)
        h = step * scale
        if order == 1:
            for j in range(len(wrt)):
                out[:, j] = (F_at({j: h[j]}) - F_at({j: -h[j]})) / (2 * h[j])
            return out
        for i in range(len(wrt)):
            for j in range(i, len(wrt)):
                hi, hj = h[i], h[j]
                if i == j:
                    est = (F_at({i: hi}) - 2 * F_at({}) + F_at({i: -hi})) / hi**2
                else:
                    est = (
                        F_at({i: hi, j: hj})
                        - F_at({i: hi, j: -hj})
                        - F_at({i: -hi, j: hj})
                        + F_at({i: -hi, j: -hj})
                    ) / (4 * hi * hj)
                out[i, j] = out[j, i] = est[0]
        return out

    step = np.cbrt(np.finfo(float).eps) if order == 1 else np.finfo(float).eps ** 0.25
    with np.errstate(all="ignore"):
        # Richardson extrapolation of two O(h^2) estimates removes the h^2 error
        # term; their difference estimates the error that is left, so fast-varying
        # functions (sin(x**4) at x = 3) are judged with the accuracy actually had.
        coarse, fine = differences(2 * step), differences(step)
        estimate = (4 * fine - coarse) / 3
        fd_error = np.abs(fine - coarse)
        if order == 2:
            rtol, atol = max(rtol, 1e-4), max(atol, 1e-4)
        # Rounding: finite differences lose digits in proportion to |F| / h**order.
        size = np.max(np.abs(F_at({})), axis=0)
        tol = atol * (1 + size) + rtol * np.abs(estimate) + fd_error
        # Where the two estimates disagree by more than 10%, the differences are
        # not reliable at this point: it is skipped, not judged.
        reliable = fd_error <= 0.1 * np.abs(estimate) + atol * (1 + size)
        finite = np.isfinite(result) & np.isfinite(estimate) & reliable
        bad = finite & (np.abs(result - estimate) > tol)
    valid_points = int(np.all(finite.reshape(-1, n), axis=0).sum())
    notes = (
        f"central differences of order {order} with Richardson extrapolation at "
        f"{valid_points} seeded random points",
    )
    if bad.any():
        idx = np.argwhere(bad)[0]
        k = idx[-1]
        flat = int(idx[0]) * len(wrt) + int(idx[1])
        entry = tuple(int(i) for i in np.unravel_index(flat, d.result.shape))
        point = {s: float(points[s][k]) for s in args}
        return Verdict(
            False,
            "finite differences",
            claimed=d.result,
            expected=None,
            counterexample=point,
            claimed_value=complex(result[tuple(idx)]),
            expected_value=complex(estimate[tuple(idx)]),
            notes=(*notes, f"entry {entry} differs"),
            points=valid_points,
        )
    if valid_points == 0:
        return Verdict(
            False,
            "finite differences",
            claimed=d.result,
            notes=(*notes, "no sample point gave finite, reliable values: inconclusive"),
        )
    return Verdict(True, "finite differences", claimed=d.result, notes=notes, points=valid_points)


# --------------------------------------------------------------------------
# gradient, jacobian, hessian
# --------------------------------------------------------------------------


def _grad_label(f: sp.Expr, wrt: Sequence[sp.Symbol]) -> str:
    return r"\nabla_{" + ", ".join(sp.latex(s) for s in wrt) + "} f"


def gradient(f: Any, wrt: Any, *, symmetric: Iterable[Any] = ()) -> Derivation:
    """Gradient of a scalar ``f`` as a column (n x 1), with rule-by-rule steps.

    Parameters
    ----------
    f : sympy expression
        A scalar function of the symbols in ``wrt`` (and possibly others).
    wrt : Symbol, sequence of Symbols, or MatrixSymbol
        The variables, in the order of the gradient's entries; a
        ``MatrixSymbol`` (vector or matrix) gives matrix calculus (see
        :mod:`symml._calculus.matrix`): the result is a matrix expression of
        ``wrt``'s shape.
    symmetric : iterable of MatrixSymbol, optional
        Matrix calculus only: matrices known to be symmetric (their
        transposes are replaced by themselves in the result).

    Returns
    -------
    Derivation
        ``.result`` is an ``ImmutableMatrix`` column of partial derivatives;
        ``.steps`` derive each partial rule by rule; ``.verify()`` compares
        with central differences.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x, y = sp.symbols("x y", real=True)
    >>> g = symml.gradient((1 - x)**2 + 100*(y - x**2)**2, [x, y])
    >>> g.result
    Matrix([
    [-400*x*(-x**2 + y) + 2*x - 2],
    [             -200*x**2 + 200*y]])
    >>> grad = g.to_numpy()
    >>> grad(1.0, 1.0)
    array([0., 0.])
    """
    if _is_matrix_wrt(wrt, symmetric):
        from .matrix import matrix_gradient

        return matrix_gradient(f, wrt, symmetric=symmetric)
    expr = _as_scalar(f, "f")
    variables = _as_wrt(wrt)
    row = derivatives([expr], variables)[0]
    result = sp.ImmutableMatrix(len(variables), 1, row)
    _check_differentiable(result, expr)

    def steps() -> list[Step]:
        out: list[Step] = []
        for x, partial in zip(variables, row, strict=True):
            out.extend(diff_steps(expr, x, simplified=partial))
        out.append(
            Step(result, "collect the partial derivatives", lhs=_grad_label(expr, variables))
        )
        return out

    return Derivation(
        result,
        steps,
        assumptions=_assumptions(expr.free_symbols),
        kind="gradient",
        source=expr,
        wrt=variables,
        verifier=lambda d, **kw: _fd_verdict(d, order=1, functions=[d.source], **kw),
    )


def jacobian(F: Any, wrt: Any, *, symmetric: Iterable[Any] = ()) -> Derivation:
    """Jacobian (m x n) of a vector function ``F`` of length m in ``n`` variables.

    ``J[i, j] = dF_i / dx_j``; the Jacobian of a scalar is the gradient's
    transpose (a 1 x n row).

    Examples
    --------
    >>> import sympy as sp, symml
    >>> r, t = sp.symbols("r t", positive=True)
    >>> J = symml.jacobian([r*sp.cos(t), r*sp.sin(t)], [r, t])
    >>> J.result
    Matrix([
    [cos(t), -r*sin(t)],
    [sin(t),  r*cos(t)]])
    >>> sp.simplify(J.result.det())
    r
    """
    if _is_matrix_wrt(wrt, symmetric):
        from .matrix import matrix_jacobian

        return matrix_jacobian(F, wrt, symmetric=symmetric)
    functions = _as_vector(F)
    variables = _as_wrt(wrt)
    rows = derivatives(list(functions), variables)
    result = sp.ImmutableMatrix(rows)
    for fi in functions:
        _check_differentiable(result, fi)

    def steps() -> list[Step]:
        out: list[Step] = []
        for fi, row in zip(functions, rows, strict=True):
            for x, partial in zip(variables, row, strict=True):
                out.extend(diff_steps(fi, x, simplified=partial))
        out.append(Step(result, "collect: row i holds the partials of F_i", lhs="J"))
        return out

    return Derivation(
        result,
        steps,
        assumptions=_assumptions(set().union(*(fi.free_symbols for fi in functions))),
        kind="jacobian",
        source=sp.ImmutableMatrix(len(functions), 1, list(functions)),
        wrt=variables,
        verifier=lambda d, **kw: _fd_verdict(d, order=1, functions=list(d.source), **kw),
    )


def hessian(f: Any, wrt: Any, *, symmetric: Iterable[Any] = ()) -> Derivation:
    """Hessian (n x n, symmetric) of a scalar ``f``, with steps.

    The steps derive the gradient, then each second partial
    d2f/dx_i dx_j for i <= j rule by rule, and fill in the rest by symmetry
    (Schwarz's theorem, for twice continuously differentiable ``f``).
    Large inputs are differentiated with SymEngine and converted back to
    SymPy (see :mod:`symml._calculus.fastdiff`); steps are built only when looked at.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x, y = sp.symbols("x y", real=True)
    >>> H = symml.hessian((1 - x)**2 + 100*(y - x**2)**2, [x, y])
    >>> H.result
    Matrix([
    [1200*x**2 - 400*y + 2, -400*x],
    [               -400*x,    200]])
    >>> H.result.subs({x: 1, y: 1}).eigenvals()  # doctest: +SKIP
    {501 - sqrt(250601): 1, 501 + sqrt(250601): 1}
    >>> bool(H.verify())
    True
    """
    if _is_matrix_wrt(wrt, symmetric):
        from .matrix import matrix_hessian

        return matrix_hessian(f, wrt, symmetric=symmetric)
    expr = _as_scalar(f, "f")
    variables = _as_wrt(wrt)
    entries = hessian_entries(expr, variables)
    result = sp.ImmutableMatrix(entries)
    _check_differentiable(result, expr)

    def steps() -> list[Step]:
        grad = derivatives([expr], variables)[0]
        out: list[Step] = []
        for x, partial in zip(variables, grad, strict=True):
            out.extend(diff_steps(expr, x, simplified=partial))
        n = len(variables)
        for i in range(n):
            for j in range(i, n):
                for s in diff_steps(grad[i], variables[j], simplified=entries[i][j]):
                    if s.lhs is not None:
                        s = Step(s.expr, s.why, lhs=sp.Derivative(expr, variables[i], variables[j]))
                    out.append(s)
        why = "collect the second partials; symmetric by Schwarz's theorem" if n > 1 else "collect"
        out.append(Step(result, why, lhs=r"\nabla^2 f"))
        return out

    return Derivation(
        result,
        steps,
        assumptions=_assumptions(expr.free_symbols),
        kind="hessian",
        source=expr,
        wrt=variables,
        verifier=lambda d, **kw: _fd_verdict(d, order=2, functions=[d.source], **kw),
    )


# --------------------------------------------------------------------------
# Taylor polynomials
# --------------------------------------------------------------------------


def _as_point(at: Any, variables: Sequence[sp.Symbol], name: str = "at") -> dict[sp.Symbol, Any]:
    if isinstance(at, Mapping):
        point = {k: as_sympy(v, name) for k, v in at.items()}
        missing = [s.name for s in variables if s not in point]
        if missing:
            raise ArgumentError(
                bad_argument(
                    name, at, f"give a value for {', '.join(missing)} (a dict Symbol -> value)"
                )
            )
        extra = [str(k) for k in point if k not in variables]
        if extra:
            raise ArgumentError(
                bad_argument(name, at, f"{', '.join(extra)} is not in wrt; remove it or add it")
            )
        return {s: point[s] for s in variables}
    try:
        values = list(at)
    except TypeError:
        values = [at]
    if len(values) != len(variables):
        raise ShapeError(
            bad_argument(
                name,
                at,
                f"expected {len(variables)} values (one per variable in wrt) or a dict "
                "Symbol -> value",
            )
        )
    return {s: as_sympy(v, name) for s, v in zip(variables, values, strict=True)}


def _taylor_verdict(d: Derivation, *, seed: int = 0, n: int = 3, digits: int = 50) -> Verdict:
    """f - T must vanish like |h|**(order+1): check the error's scaling at high precision."""
    f, T = d.source, d.result
    point: dict[sp.Symbol, Any] = d.meta_at  # type: ignore[attr-defined]
    order: int = d.meta_order  # type: ignore[attr-defined]
    rng = np.random.default_rng(seed)
    free = sorted((f.free_symbols | T.free_symbols) - set(d.wrt), key=lambda s: s.name)
    from .._core import sample_points

    params = sample_points(free, 1, seed=seed, wide=False)[0] if free else {}
    checked = 0
    for _ in range(n):
        direction = rng.standard_normal(len(d.wrt))
        direction /= np.linalg.norm(direction)
        errors = []
        for s in (sp.Rational(1, 100), sp.Rational(1, 1000)):
            subs = {
                x: point[x] + s * sp.Float(float(c), digits)
                for x, c in zip(d.wrt, direction, strict=True)
            }
            subs.update(params)
            fv = f.subs(subs).evalf(digits)
            tv = T.subs(subs).evalf(digits)
            errors.append(abs(complex(fv - tv)))
        e1, e2 = errors
        if not (math.isfinite(e1) and math.isfinite(e2)):
            continue
        checked += 1
        # Error shrinks by 10**(order+1) when s shrinks tenfold; allow a factor 10.
        if e2 > 10.0 ** (-order) * max(e1, 1e-40) and e2 > 1e-30:
            return Verdict(
                False,
                "error scaling",
                claimed=T,
                expected=f,
                counterexample={**point, **params},
                claimed_value=e2,
                expected_value=e1 * 10.0 ** (-(order + 1)),
                notes=(
                    f"|f - T| at step 1e-3 is {e2:.3g}, at 1e-2 is {e1:.3g}: "
                    f"not of order {order + 1}",
                ),
                points=checked,
            )
    return Verdict(
        checked > 0,
        "error scaling",
        claimed=T,
        expected=f,
        notes=(f"|f - T| shrinks like |h|^{order + 1} along {checked} random directions",),
        points=checked,
    )


def taylor(f: Any, wrt: Any, at: Any, order: int = 2) -> Derivation:
    """Multivariate Taylor polynomial of ``f`` about ``at``, of total degree ``order``.

    ``T(x) = sum over k <= order of (1/k!) d^k/dt^k f(a + t (x - a)) at t = 0``;
    ``order=2`` keeps the quadratic terms ``f(a) + grad f(a)^T h + 1/2 h^T H(a) h``
    with ``h = x - a``. The result is written in powers of ``x_i - a_i``.

    Parameters
    ----------
    f : sympy expression
    wrt : Symbol or sequence of Symbols
    at : dict Symbol -> value, or a sequence of values in the order of ``wrt``
    order : int
        Total degree kept (0 gives the constant f(a)).

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x, y = sp.symbols("x y", real=True)
    >>> symml.taylor(sp.exp(x) * sp.cos(y), [x, y], {x: 0, y: 0}).result
    x**2/2 + x - y**2/2 + 1
    >>> symml.taylor(sp.log(x), x, {x: 1}, order=3).result
    x + (x - 1)**3/3 - (x - 1)**2/2 - 1
    """
    expr = _as_scalar(f, "f")
    variables = _as_wrt(wrt)
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0:
        raise ArgumentError(bad_argument("order", order, "use a non-negative integer, e.g. 2"))
    order = int(order)
    point = _as_point(at, variables)
    t = sp.Dummy("t")
    h = [sp.Dummy(f"h_{s.name}") for s in variables]
    g = expr.subs({s: point[s] + t * hi for s, hi in zip(variables, h, strict=True)})
    terms = []
    current = g
    for k in range(order + 1):
        if k:
            current = sp.diff(current, t)
        coeff = current.subs(t, 0)
        if coeff.has(sp.zoo, sp.nan) or (not coeff.is_finite and coeff.is_finite is not None):
            raise NotDifferentiableError(
                bad_argument("at", at, f"f or its derivatives are not finite there ({coeff})")
            )
        terms.append(sp.expand(coeff / math.factorial(k)))
    back = {hi: s - point[s] for s, hi in zip(variables, h, strict=True)}
    result = sp.Add(*terms).xreplace(back)

    def steps() -> list[Step]:
        a_label = ", ".join(f"{sp.latex(s)}={sp.latex(point[s])}" for s in variables)
        out = [Step(expr.subs(point), "value at the expansion point", lhs=f"f({a_label})")]
        if order >= 1:
            grad = sp.ImmutableMatrix([sp.diff(expr, s).subs(point) for s in variables])
            out.append(Step(grad, "gradient at the point", lhs=r"\nabla f(a)"))
        if order >= 2:
            hess = sp.ImmutableMatrix(
                [[sp.diff(expr, s, r).subs(point) for r in variables] for s in variables]
            )
            out.append(Step(hess, "Hessian at the point", lhs=r"\nabla^2 f(a)"))
        for k in range(3, order + 1):
            out.append(
                Step(
                    terms[k].xreplace(back),
                    f"order-{k} term: (1/{k}!) d^{k}/dt^{k} f(a + t h) at t = 0",
                    lhs=f"T_{k}",
                )
            )
        out.append(Step(result, f"sum of the terms of total degree <= {order}", lhs="T(x)"))
        return out

    d = _TaylorDerivation(
        result,
        steps,
        assumptions=_assumptions(expr.free_symbols),
        kind="taylor",
        source=expr,
        wrt=variables,
        verifier=_taylor_verdict,
    )
    object.__setattr__(d, "meta_at", point)
    object.__setattr__(d, "meta_order", order)
    return d


class _TaylorDerivation(Derivation):
    __slots__ = ("meta_at", "meta_order")


# --------------------------------------------------------------------------
# Critical points
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class CriticalPoint:
    """A stationary point of ``f`` and its kind.

    Attributes
    ----------
    point : dict Symbol -> value
    kind : str
        ``"minimum"``, ``"maximum"``, ``"saddle"`` (local; from the signs of
        the Hessian's eigenvalues) or ``"degenerate"`` (a zero eigenvalue:
        the second-order test does not decide).
    eigenvalues : tuple
        Eigenvalues of the Hessian at the point (with multiplicity).
    value : sympy expression
        ``f`` at the point.
    """

    point: dict
    kind: str
    eigenvalues: tuple
    value: Any


def _classify(eigs: Sequence[sp.Expr]) -> str:
    signs = []
    for ev in eigs:
        if ev.is_zero:
            signs.append(0)
        elif ev.is_positive:
            signs.append(1)
        elif ev.is_negative:
            signs.append(-1)
        else:
            try:
                val = complex(ev.evalf(30))
            except TypeError:  # symbolic: undecidable
                signs.append(None)
                continue
            signs.append(0 if abs(val.real) < 1e-12 else (1 if val.real > 0 else -1))
    if 1 in signs and -1 in signs:
        return "saddle"
    if None in signs or 0 in signs:
        return "degenerate"
    return "minimum" if signs[0] == 1 else "maximum"


class CriticalPoints(Derivation):
    """A Derivation whose result lists the stationary points; iterate for the details.

    ``len()``, indexing and iteration give :class:`CriticalPoint` objects.
    """

    __slots__ = ("points",)
    points: tuple[CriticalPoint, ...]

    def __iter__(self):
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, i: int) -> CriticalPoint:
        return self.points[i]

    def __repr__(self) -> str:
        inner = ", ".join(f"{dict(p.point)} {p.kind}" for p in self.points)
        return f"CriticalPoints([{inner}])"


def _is_real_solution(sol: Mapping[sp.Symbol, sp.Expr]) -> bool:
    for v in sol.values():
        if v.is_real is False:
            return False
        if v.is_number:
            val = complex(v.evalf(30))
            if abs(val.imag) > 1e-12 * max(1.0, abs(val.real)):
                return False
    return True


def critical_points(f: Any, wrt: Any, *, budget: float = 10.0) -> CriticalPoints:
    """Stationary points of ``f`` (gradient zero), classified by the Hessian.

    Solves ``grad f = 0`` symbolically (within ``budget`` seconds), keeps the
    real solutions when the variables are real, and classifies each point by
    the signs of the Hessian's eigenvalues there: all positive -> local
    minimum, all negative -> local maximum, both signs -> saddle, otherwise
    degenerate (the second-order test does not decide).

    Raises
    ------
    NoClosedFormError
        When SymPy cannot solve the equations within the budget.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> x, y = sp.symbols("x y", real=True)
    >>> cps = symml.critical_points(x**3 - 3*x + y**2, [x, y])
    >>> [(p.point, p.kind) for p in cps]
    [({x: -1, y: 0}, 'saddle'), ({x: 1, y: 0}, 'minimum')]
    >>> cps[1].eigenvalues
    (2, 6)
    """
    expr = _as_scalar(f, "f")
    variables = _as_wrt(wrt)
    grad = gradient(expr, variables)
    hess = hessian(expr, variables)
    equations = list(grad.result)

    def solve() -> list[dict]:
        return sp.solve(equations, list(variables), dict=True)

    solutions, finished = run_with_budget(solve, budget)
    if not finished:
        raise NoClosedFormError(
            bad_argument(
                "f",
                expr,
                f"SymPy could not solve grad f = 0 within {budget} s; raise budget= or "
                "find the points numerically (e.g. scipy.optimize.root on "
                "gradient(f, wrt).to_numpy())",
            )
        )
    all_real = all(s.is_real for s in variables)
    sols = [s for s in solutions if not all_real or _is_real_solution(s)]
    points = []
    for sol in sols:
        point = {s: sp.simplify(sol.get(s, s)) for s in variables}
        H = hess.result.subs(point)
        eig_dict = H.eigenvals() if H.shape[0] <= 3 or H.is_symbolic() is False else {}
        eigs = tuple(
            sorted(
                (sp.simplify(ev) for ev, m in eig_dict.items() for _ in range(m)),
                key=sp.default_sort_key,
            )
        )
        if not eigs:
            vals = np.linalg.eigvalsh(np.array(H.evalf(), dtype=float))
            eigs = tuple(sp.Float(v) for v in vals)
        points.append(CriticalPoint(point, _classify(eigs), eigs, sp.simplify(expr.subs(point))))

    def key(p: CriticalPoint):
        return [sp.default_sort_key(p.point[s]) for s in variables]

    points.sort(key=key)
    result = sp.Tuple(*[sp.Tuple(*[p.point[s] for s in variables]) for p in points])
    removed = len(solutions) - len(sols)

    def steps() -> list[Step]:
        zero = sp.ImmutableMatrix.zeros(len(variables), 1)
        out = [
            Step(grad.result, "gradient", lhs=_grad_label(expr, variables)),
            Step(zero, "set the gradient to zero", lhs=grad.result),
            Step(
                result,
                "solve for "
                + ", ".join(s.name for s in variables)
                + (f" (dropped {removed} non-real solutions)" if removed else ""),
                lhs=sp.Tuple(*variables),
            ),
            Step(hess.result, "Hessian", lhs=r"\nabla^2 f"),
        ]
        for p in points:
            H = hess.result.subs(p.point)
            label = ", ".join(f"{sp.latex(s)}={sp.latex(v)}" for s, v in p.point.items())
            out.append(Step(H, "Hessian at the point", lhs=rf"\nabla^2 f({label})"))
            out.append(
                Step(
                    sp.Tuple(*p.eigenvalues),
                    f"eigenvalues: {p.kind}",
                    lhs=r"\lambda",
                )
            )
        return out

    cps = CriticalPoints(
        result,
        steps,
        assumptions=_assumptions(expr.free_symbols),
        kind="critical points",
        source=expr,
        wrt=variables,
        verifier=_critical_verdict,
    )
    object.__setattr__(cps, "points", tuple(points))
    return cps


def _critical_verdict(d: Derivation, **options: Any) -> Verdict:
    """The gradient must vanish at every reported point (checked numerically)."""
    grad = [sp.diff(d.source, s) for s in d.wrt]
    for p in d.points:  # type: ignore[attr-defined]
        for g, s in zip(grad, d.wrt, strict=True):
            value = g.subs(p.point)
            if value.free_symbols:
                continue
            val = complex(value.evalf(30))
            if abs(val) > 1e-9:
                return Verdict(
                    False,
                    "numeric",
                    claimed=d.result,
                    counterexample=dict(p.point),
                    claimed_value=val,
                    expected_value=0,
                    notes=(f"d f / d {s} is not zero there",),
                    points=1,
                )
    return Verdict(
        True,
        "numeric",
        claimed=d.result,
        notes=("the gradient vanishes at every point",),
        points=len(d.points),  # type: ignore[attr-defined]
    )
