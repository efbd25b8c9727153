"""Hypothesis properties of the calculus functions over a generated corpus of expressions.

The corpus (issue 11's acceptance): symbols of mixed assumptions (``x`` real, ``y``
positive, ``z`` with none), integers, rationals and floats, ``+ - * / **``, ``exp``,
``log``, ``sin``, ``cos``, ``tan``, ``sqrt``, ``Abs``, ``Max``/``Min``, ``Piecewise``,
the sigmoid ``1/(1 + exp(-t))``, and ``Integral``/``Sum``/``Derivative`` nodes; matrices
of such expressions for the vector cases. On every input:

* ``gradient``, ``hessian``, ``jacobian``, ``critical_points`` (symbolic and
  ``numeric=True``) and ``taylor`` return or raise a ``SymmlError``: never another
  exception, never a hang (each call is given a small ``budget=`` and must return
  within it plus a generous margin);
* returned gradients and Hessians agree with central finite differences of ``f``
  itself at a seeded point, computed independently at 40 significant digits with
  mpmath (wherever ``f`` and the result are finite and real there).

``derandomize=True`` makes every run draw the same examples, so CI is reproducible.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import mpmath
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symml

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", positive=True)
z = sp.Symbol("z")
t = sp.Symbol("t", real=True)  # bound in integrals
k = sp.Symbol("k", integer=True, positive=True)  # bound in sums

#: The budget every call gets, and the margin over it a call may take (a loaded CI machine).
BUDGET = 0.5
MARGIN = 8.0
#: Where derivatives are compared: away from 0 and 1 and from simple kinks.
POINT = {x: sp.Rational(37, 100), y: sp.Rational(13, 10), z: sp.Rational(-61, 100)}

# -- the corpus -----------------------------------------------------------------------------

FLOATS = [sp.Float(0.5), sp.Float(2.5)]
LEAVES = st.sampled_from(
    [x, y, z, x, y, sp.Integer(0), sp.Integer(2), sp.Integer(-3), sp.Rational(1, 3), *FLOATS]
)


def _sigmoid(u: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-u))


UNARY: list[Callable[[sp.Expr], Any]] = [
    sp.exp,
    sp.log,
    sp.sin,
    sp.cos,
    sp.tan,
    sp.sqrt,
    sp.Abs,
    _sigmoid,
    lambda u: -u,
    lambda u: sp.Integral(u * t, (t, 0, 1)),  # a definite integral in a parameter
    lambda u: sp.Integral(sp.exp(-(t**2)) * u, (t, 0, x)),  # a variable limit (Leibniz)
    lambda u: sp.Integral(u, x),  # indefinite
    lambda u: sp.Sum(u / k, (k, 1, 3)),
    lambda u: sp.Sum(u**k / sp.factorial(k), (k, 0, sp.oo)),
    lambda u: sp.Derivative(u, x),
    lambda u: sp.Derivative(u, y, 2),
]
BINARY: list[Callable[[sp.Expr, sp.Expr], Any]] = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / b,
    lambda a, b: a**b,
    sp.Max,
    sp.Min,
    lambda a, b: sp.Piecewise((a, b > 0), (b, True)),
    lambda a, b: sp.Piecewise((a**2, a < b), (a * b, True)),
]


def _apply(op: Callable[..., Any], *args: sp.Expr) -> sp.Expr:
    """``op(*args)``, or their sum where SymPy refuses to build it (``z > 0`` for complex z)."""
    try:
        out = op(*args)
    except (TypeError, ValueError):
        return sp.Add(*args)
    return out if isinstance(out, sp.Expr) else sp.Add(*args)


def _combine(children: st.SearchStrategy) -> st.SearchStrategy:
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda p: _apply(p[0], p[1]))
    binary = st.tuples(st.sampled_from(BINARY), children, children).map(
        lambda p: _apply(p[0], p[1], p[2])
    )
    return unary | binary


EXPRESSIONS = st.recursive(LEAVES, _combine, max_leaves=5)
WRT = st.sampled_from([[x], [x, y], [x, y, z]])
#: Vector functions: a column of two expressions, a row of three, a 2 x 2 matrix.
MATRICES = st.one_of(
    st.lists(EXPRESSIONS, min_size=2, max_size=2).map(sp.Matrix),
    st.lists(EXPRESSIONS, min_size=3, max_size=3).map(lambda es: sp.Matrix([es])),
    st.lists(EXPRESSIONS, min_size=4, max_size=4).map(lambda es: sp.Matrix(2, 2, es)),
)

PROPERTY = settings(
    max_examples=30,
    deadline=timedelta(seconds=60),  # a hang, not a slow example: the per-call bound is tighter
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _returns_or_raises_a_symml_error(call: Callable[[], Any], what: str) -> Any:
    """``call()``'s result, or None when it raised a SymmlError; any other exception fails."""
    start = time.monotonic()
    try:
        out = call()
    except symml.SymmlError:
        out = None
    took = time.monotonic() - start
    assert took < BUDGET + MARGIN, f"{what} took {took:.1f} s with budget={BUDGET}"
    return out


# -- an independent reference: mpmath central differences of f itself ----------------------

mpmath.mp.dps = 30
SYMBOLS = (x, y, z)


def _evaluator(expr: sp.Basic) -> Callable[[dict], Any]:
    """``point -> expr at point`` as a real mpf at 30 digits, or None (not finite, not real).

    mpmath code from ``lambdify`` where it can print ``expr`` (fast, and independent of
    symml's code generation), ``sympy.N`` otherwise. Derivative nodes in ``expr`` are
    evaluated first (they are part of the definition of ``f``, not what is checked).
    """
    expr = expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: e.doit())
    try:
        compiled = sp.lambdify(SYMBOLS, expr, modules="mpmath")
    except Exception:  # not printable for mpmath: evaluate with N
        compiled = None

    def value(point: dict) -> Any:
        try:
            if compiled is not None:
                v = mpmath.mpmathify(compiled(*(point[s] for s in SYMBOLS)))
            else:
                v = sp.N(expr.xreplace({s: sp.Float(point[s], 30) for s in SYMBOLS}), 30)
                v = mpmath.mpmathify(complex(v)) if v.is_number else None
        except Exception:  # the reference skips what it cannot evaluate
            return None
        if v is None or not mpmath.isfinite(v) or abs(mpmath.im(v)) > 1e-20 * max(1, abs(v)):
            return None
        return mpmath.re(v)

    return value


def _comparable(f: sp.Expr) -> bool:
    """Whether the reference can judge ``f``: no infinite sums (N evaluates them to ~15 digits,
    too few for differences) and no indefinite integrals (no value at a point)."""
    return not any(
        (isinstance(e, sp.Sum) and any(lim.has(sp.oo, -sp.oo) for lim in e.limits))
        or (isinstance(e, sp.Integral) and any(len(lim) == 1 for lim in e.limits))
        for e in sp.preorder_traversal(f)
    )


def _point() -> dict:
    return {s: mpmath.mpf(POINT[s].p) / POINT[s].q for s in SYMBOLS}


def _shifted(point: dict, steps: dict) -> dict:
    return {s: v + steps.get(s, 0) for s, v in point.items()}


def _fd_gradient(f: sp.Expr, wrt: list, point: dict) -> list | None:
    h = mpmath.mpf("1e-8")  # error ~h**2 = 1e-16 from truncation, 1e-22 from rounding
    value = _evaluator(f)
    out = []
    for v in wrt:
        plus, minus = value(_shifted(point, {v: h})), value(_shifted(point, {v: -h}))
        if plus is None or minus is None:
            return None
        out.append((plus - minus) / (2 * h))
    return out


def _fd_hessian(f: sp.Expr, wrt: list, point: dict) -> list | None:
    h = mpmath.mpf("1e-6")  # error ~h**2 = 1e-12 from truncation, 1e-18 from rounding
    value = _evaluator(f)
    n = len(wrt)
    out: list[list[Any]] = [[None] * n for _ in range(n)]
    for i, a in enumerate(wrt):
        for j in range(i, n):
            b = wrt[j]
            corners = [
                value(_shifted(point, _steps(a, sa * h, b, sb * h)))
                for sa, sb in ((1, 1), (1, -1), (-1, 1), (-1, -1))
            ]
            if any(c is None for c in corners):
                return None
            out[i][j] = out[j][i] = (corners[0] - corners[1] - corners[2] + corners[3]) / (
                4 * h * h
            )
    return [e for row in out for e in row]


def _steps(a: sp.Symbol, da: Any, b: sp.Symbol, db: Any) -> dict:
    steps = {a: da}
    steps[b] = steps.get(b, 0) + db
    return steps


def _agree(derived: sp.Basic, reference: list, point: dict, what: str) -> None:
    for i, expected in enumerate(reference):
        got = _evaluator(derived[i])(point)
        if got is None:  # not finite or not real at the point: nothing to compare
            continue
        scale = max(1, abs(expected))
        assert abs(got - expected) <= 1e-6 * scale, (what, i, got, expected)


# -- the properties -------------------------------------------------------------------------


@PROPERTY
@given(EXPRESSIONS, WRT)
def test_every_deriving_function_returns_or_raises_a_symml_error(f, wrt):
    at = [POINT[s] for s in wrt]
    calls = {
        "gradient": lambda: symml.gradient(f, wrt, budget=BUDGET),
        "hessian": lambda: symml.hessian(f, wrt, budget=BUDGET),
        "jacobian": lambda: symml.jacobian([f, f * x], wrt, budget=BUDGET),
        "critical_points": lambda: symml.critical_points(f, wrt, budget=BUDGET),
        "critical_points numeric": lambda: symml.critical_points(
            f, wrt, numeric=True, budget=BUDGET
        ),
        "taylor": lambda: symml.taylor(f, wrt, at, order=2, budget=BUDGET),
    }
    for what, call in calls.items():
        _returns_or_raises_a_symml_error(call, f"{what}({f}, {wrt})")


@PROPERTY
@given(EXPRESSIONS, WRT)
def test_gradients_and_hessians_agree_with_central_differences(f, wrt):
    g = _returns_or_raises_a_symml_error(
        lambda: symml.gradient(f, wrt, budget=BUDGET), f"gradient({f})"
    )
    H = _returns_or_raises_a_symml_error(
        lambda: symml.hessian(f, wrt, budget=BUDGET), f"hessian({f})"
    )
    point = _point()
    if not _comparable(f) or _evaluator(f)(point) is None:
        return
    if g is not None:
        assert g.result.shape == (len(wrt), 1)
        reference = _fd_gradient(f, wrt, point)
        if reference is not None:
            _agree(g.result, reference, point, f"gradient of {f}")
    if H is not None:
        assert H.result.shape == (len(wrt), len(wrt))
        reference = _fd_hessian(f, wrt, point)
        if reference is not None:
            _agree(list(H.result), reference, point, f"Hessian of {f}")


@PROPERTY
@given(MATRICES, WRT)
def test_matrices_give_jacobians_or_symml_errors(F, wrt):
    for what, call in {
        "gradient": lambda: symml.gradient(F, wrt, budget=BUDGET),
        "hessian": lambda: symml.hessian(F, wrt, budget=BUDGET),
        "critical_points": lambda: symml.critical_points(F, wrt, budget=BUDGET),
        "taylor": lambda: symml.taylor(F, wrt, [1] * len(wrt), budget=BUDGET),
    }.items():
        with_error = _returns_or_raises_a_symml_error(call, f"{what}({F})")
        assert with_error is None, f"{what} of a matrix returned {with_error}"
    J = _returns_or_raises_a_symml_error(
        lambda: symml.jacobian(F, wrt, budget=BUDGET), f"jacobian({F})"
    )
    if J is None:
        return
    assert 1 in F.shape and J.result.shape == (len(F), len(wrt))
    point = _point()
    for i, entry in enumerate(F):
        if _comparable(entry) and _evaluator(entry)(point) is not None:
            reference = _fd_gradient(entry, wrt, point)
            if reference is not None:
                _agree(J.result[i, :], reference, point, f"Jacobian row {i} of {F}")


# -- the original property: smooth expressions, steps and verify -----------------------------

xr, yr = sp.symbols("x y", real=True)
SMOOTH_LEAVES = st.sampled_from([xr, yr, sp.Integer(2), sp.Rational(1, 2), sp.Integer(-3)])
SMOOTH_UNARY = [
    sp.sin,
    sp.cos,
    sp.tanh,
    sp.atan,
    lambda u: sp.exp(sp.sin(u)),
    lambda u: sp.log(1 + u**2),
    lambda u: sp.sqrt(1 + u**2),
    lambda u: u**2,
    lambda u: u**3,
    lambda u: 1 / (1 + u**2),
]


def _smooth_combine(children):
    unary = st.tuples(st.sampled_from(SMOOTH_UNARY), children).map(lambda p: p[0](p[1]))
    binary = st.tuples(st.sampled_from(["+", "*", "-"]), children, children).map(
        lambda p: {"+": p[1] + p[2], "*": p[1] * p[2], "-": p[1] - p[2]}[p[0]]
    )
    return unary | binary


SMOOTH = st.recursive(SMOOTH_LEAVES, _smooth_combine, max_leaves=6).filter(
    lambda e: e.has(xr) or e.has(yr)
)


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(SMOOTH)
def test_gradient_and_hessian_of_random_expressions(f):
    g = symml.gradient(f, [xr, yr])
    H = symml.hessian(f, [xr, yr])
    for i, v in enumerate((xr, yr)):
        assert sp.expand(g.result[i] - sp.diff(f, v)) == 0
    assert H.result == H.result.T
    assert g.verify(), (f, g.verify().message)
    assert H.verify(), (f, H.verify().message)
    # The last step of each partial is the partial itself.
    partials = [s for s in g.steps if s.lhs is not None][:2]
    assert [s.lhs for s in partials] == [sp.Derivative(f, xr), sp.Derivative(f, yr)]
