"""Specifications of the derivatives behind symml.gradient and symml.hessian.

Large inputs are differentiated by SymEngine and converted back to SymPy; what
SymEngine cannot represent faithfully is left to ``sympy.diff``. Either way every
result must equal ``sympy.diff``'s: symbolically (``expand`` or ``simplify`` of the
difference is 0), numerically at seeded random points, and in SymPy's canonical form
(rebuilding it with SymPy's evaluating constructors changes nothing). The canonical
builders themselves are specified by the doctests of ``symml/_calculus/fastdiff.py``.
"""

from __future__ import annotations

import random

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import symml

a, b, c = sympy.symbols("a b c")
x, y, z = sympy.symbols("x y z", real=True)
p, q = sympy.symbols("p q", positive=True)


def derivatives(exprs: list, wrt: list) -> list[list[sympy.Expr]]:
    """Rows of first partials through the public API (a Jacobian; a gradient for one row)."""
    if len(exprs) == 1:
        return [list(symml.gradient(exprs[0], wrt).result)]
    return symml.jacobian(exprs, wrt).result.tolist()


def hessian_entries(expr: sympy.Expr, wrt: list) -> list[list[sympy.Expr]]:
    return symml.hessian(expr, wrt).result.tolist()


def _logistic(n: int, *, real: bool = True) -> tuple[sympy.Expr, list[sympy.Symbol]]:
    w = list(sympy.symbols(f"w0:{n}", real=real))
    xs = sympy.symbols(f"x0:{n}", real=real)
    label = sympy.Symbol("y", real=real)
    score = sum(wi * xi for wi, xi in zip(w, xs, strict=True))
    return sympy.log(1 + sympy.exp(-label * score)), w


def _points(
    symbols: set[sympy.Symbol], seed: int, count: int = 3
) -> list[dict[sympy.Symbol, float]]:
    rng = random.Random(seed)
    symbols = sorted(symbols, key=str)
    return [{s: rng.uniform(0.2, 0.9) for s in symbols} for _ in range(count)]


def assert_same_derivative(got: sympy.Expr, want: sympy.Expr, *, seed: int = 0) -> None:
    """``got`` equals ``want`` symbolically and at seeded random points."""
    diff = got - want
    assert sympy.expand(diff) == 0 or sympy.simplify(diff) == 0, (got, want)
    for point in _points(got.free_symbols | want.free_symbols, seed):
        g = complex(got.evalf(subs=point))
        w = complex(want.evalf(subs=point))
        assert abs(g - w) <= 1e-9 * (1 + abs(w)), (point, g, w)


def _rebuilt(expr: sympy.Basic) -> sympy.Basic:
    """Rebuild ``expr`` bottom-up with SymPy's evaluating constructors."""
    if not expr.args:
        return expr
    return expr.func(*[_rebuilt(arg) for arg in expr.args])


_loss5, _w5 = _logistic(5)

# (id, expression, wrt): all go through SymEngine.
FAST = [
    ("poly2", x**2 * y + 3 * x * y**3 - 7, [x, y]),
    ("poly3", (a + 2 * b - c) ** 4 + a * b * c, [a, b, c]),
    ("rosenbrock", (1 - x) ** 2 + 100 * (y - x**2) ** 2, [x, y]),
    ("rational", (x**2 + 1) / (y**3 - x + 2), [x, y]),
    ("exp_log", sympy.exp(x * y) * sympy.log(1 + x**2) + sympy.sqrt(y**2 + 1), [x, y]),
    ("trig", sympy.sin(x * y) * sympy.cos(x) + sympy.tan(y) / (1 + x**2), [x, y]),
    ("trig2", sympy.sec(x) * sympy.csc(y) + sympy.cot(x * y) + sympy.atan(x / y), [x, y]),
    ("hyperbolic", sympy.tanh(x * y) + sympy.sinh(x) * sympy.cosh(y) + sympy.asinh(x), [x, y]),
    ("inverse", sympy.asin(x / 2) * y + sympy.acos(y / 3) + sympy.atanh(x * y / 4), [x, y]),
    ("gauss_ll", -sympy.log(sympy.sqrt(2 * sympy.pi) * p) - (x - y) ** 2 / (2 * p**2), [y, p]),
    ("logistic5", _loss5, _w5),
    ("sigmoid", 1 / (1 + sympy.exp(-(a * x + b * y + c))), [a, b, c]),
    ("log_sum_exp", sympy.log(sympy.exp(x) + sympy.exp(2 * y) + sympy.exp(x * z)), [x, y, z]),
    ("erf_gamma", sympy.erf(x * y) + sympy.gamma(x + y) + sympy.loggamma(x * y + 1), [x, y]),
    ("erfc_polygamma", sympy.erfc(x**2) * y + sympy.polygamma(1, x + y) * x, [x, y]),
    ("asec_family", sympy.asec(x + 2) * y + sympy.acsch(x * y) + sympy.acoth(y + 2), [x, y]),
    ("float_coeff", 0.5 * x**2 * y + 1.25 * sympy.exp(-0.1 * x * y), [x, y]),
    ("complex", sympy.exp(sympy.I * x * y) + sympy.I * x**3 * y, [x, y]),
    ("power_tower", p**q * q**p + (p * q) ** sympy.Rational(3, 2), [p, q]),
    ("unused_var", x**3 * y**2 + x * y - sympy.exp(x * y), [x, y, z]),
]

# (id, expression, wrt): SymEngine cannot represent these faithfully -> sympy.diff.
FALLBACK = [
    ("abs_real", sympy.Abs(x) * y**2 + x * y**3 + y * x**2, [x, y]),
    ("sign_real", sympy.sign(x) * y**3 + x**2 * y**2 + x * y, [x, y]),
    ("piecewise", sympy.Piecewise((x**2 * y, x > 0), (y**3 - x, True)) + x * y**2, [x, y]),
    ("heaviside", sympy.Heaviside(x) * x**2 * y + y**2 * x**3, [x, y]),
    ("undefined_f", sympy.Function("f")(x * y) * y**2 + x**3 * y, [x, y]),
    ("besselj", sympy.besselj(1, x * y) + x**2 * y**3 + x * y, [x, y]),
    ("acosh", sympy.acosh(x + 2) * y**2 + x**3 * y, [x, y]),
    ("max", sympy.Max(x, y) * x**2 + y**3 * x, [x, y]),
    ("float_30_digits", sympy.Float("0.1", 30) * x**3 * y**2 + x * y, [x, y]),
    ("euler_gamma", sympy.EulerGamma * x**3 * y**2 + x * y + x**2, [x, y]),
]


@pytest.mark.parametrize(("expr", "wrt"), [case[1:] for case in FAST], ids=[c[0] for c in FAST])
def test_fast_route_matches_sympy_diff(expr: sympy.Expr, wrt: list[sympy.Symbol]) -> None:
    (row,) = derivatives([expr], wrt)
    for j, w in enumerate(wrt):
        assert_same_derivative(row[j], sympy.diff(expr, w), seed=j)
        assert _rebuilt(row[j]) == row[j]  # canonical SymPy


@pytest.mark.parametrize(("expr", "wrt"), [case[1:] for case in FAST], ids=[c[0] for c in FAST])
def test_fast_hessian_matches_sympy_diff(expr: sympy.Expr, wrt: list[sympy.Symbol]) -> None:
    H = hessian_entries(expr, wrt)
    n = len(wrt)
    assert len(H) == n and all(len(row) == n for row in H)
    for i in range(n):
        for j in range(i, n):
            assert H[i][j] is H[j][i]
    for i, j in [(0, 0), (0, n - 1), (n - 1, n - 1)]:
        assert_same_derivative(H[i][j], sympy.diff(expr, wrt[i], wrt[j]), seed=i + j)


@pytest.mark.parametrize(
    ("expr", "wrt"), [case[1:] for case in FALLBACK], ids=[c[0] for c in FALLBACK]
)
def test_fallback_is_exactly_sympy_diff(expr: sympy.Expr, wrt: list[sympy.Symbol]) -> None:
    (row,) = derivatives([expr], wrt)
    assert row == [sympy.diff(expr, w) for w in wrt]
    H = hessian_entries(expr, wrt)
    assert H[0][1] is H[1][0]
    assert H[0][1] == sympy.diff(sympy.diff(expr, wrt[0]), wrt[1])


def test_abs_of_real_symbol_gives_sympys_sign() -> None:
    expr = sympy.Abs(x) * y**2 + x**3 * y**2 + x * y
    (row,) = derivatives([expr], [x, y])
    assert row[0] == sympy.diff(expr, x)
    assert row[0].has(sympy.sign(x))


def test_small_inputs_use_sympy_diff_verbatim() -> None:
    expr = x**2 * y
    assert derivatives([expr], [x, y]) == [[2 * x * y, x**2]]
    assert hessian_entries(expr, [x, y]) == [[2 * y, 2 * x], [2 * x, 0]]


def test_symbols_keep_identity_and_assumptions() -> None:
    loss, w = _logistic(5, real=True)
    originals = {id(s) for s in loss.free_symbols}
    H = hessian_entries(loss, w)
    (grad,) = derivatives([loss], w)
    for entry in [*grad, *(e for row in H for e in row)]:
        assert {id(s) for s in entry.free_symbols} <= originals
        assert all(s.is_real for s in entry.free_symbols)


def test_same_name_different_assumptions_stay_apart() -> None:
    x_real = sympy.Symbol("q", real=True)
    x_plain = sympy.Symbol("q")
    expr = x_real**3 * x_plain + sympy.exp(x_real * x_plain**2) + x_plain**4 - x_real
    row = derivatives([expr], [x_real, x_plain])[0]
    for got, w in zip(row, [x_real, x_plain], strict=True):
        assert_same_derivative(got, sympy.diff(expr, w))
    assert row[0].free_symbols == {x_real, x_plain}


def test_jacobian_rows_share_subexpressions_and_fall_back_per_row() -> None:
    shared = sympy.exp(-(a * x + b * y + c))
    F = [
        shared / (1 + shared),
        sympy.log(1 + shared) * a,
        sympy.Abs(x) * a * shared,  # falls back on its own (|x| is not converted)
        sympy.Integer(3),
    ]
    rows = derivatives(F, [a, b, c])
    assert rows[3] == [0, 0, 0]
    assert rows[2] == [sympy.diff(F[2], v) for v in (a, b, c)]
    for i in (0, 1):
        for j, v in enumerate((a, b, c)):
            assert_same_derivative(rows[i][j], sympy.diff(F[i], v), seed=i + j)


def test_noncommutative_symbols_use_sympy() -> None:
    A, B = sympy.symbols("A B", commutative=False)
    expr = A * B * x**2 + B * A * x**3 + x * y**2 * A + x**4 * y
    assert derivatives([expr], [x, y]) == [[sympy.diff(expr, x), sympy.diff(expr, y)]]


def test_logistic_40_features_spot_checks() -> None:
    loss, w = _logistic(40)
    H = hessian_entries(loss, w)
    assert all(H[i][j] is H[j][i] for i in range(40) for j in range(40))
    for i, j in [(0, 0), (3, 7), (39, 12)]:
        assert_same_derivative(H[i][j], sympy.diff(loss, w[i], w[j]), seed=i)
    # the shared subtrees exp(-y*w·x) and exp(-2*y*w·x) are single objects
    # reused by every entry, not rebuilt per entry
    exps = [
        node
        for entry in (H[3][7], H[20][30], H[5][5])
        for node in sympy.preorder_traversal(entry)
        if isinstance(node, sympy.exp)
    ]
    assert len(exps) >= 6
    assert len({id(node) for node in exps}) == 2


_atoms = st.sampled_from([a, b, c, sympy.Integer(2), sympy.Rational(1, 3), sympy.Integer(-1)])
_unary = [sympy.exp, sympy.log, sympy.sin, sympy.cos, sympy.tanh, sympy.atan, sympy.sqrt]


def _combine(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(children, children).map(lambda t: t[0] + t[1]),
        st.tuples(children, children).map(lambda t: t[0] * t[1]),
        st.tuples(children, st.integers(-2, 3)).map(lambda t: t[0] ** t[1]),
        st.tuples(st.sampled_from(_unary), children).map(lambda t: t[0](t[1])),
    )


@settings(max_examples=25, deadline=None)
@given(st.recursive(_atoms, _combine, max_leaves=10))
def test_random_expressions_match_sympy_diff(expr: sympy.Expr) -> None:
    padded = expr + a**3 * b**2 * c + sympy.exp(a * b)  # always over the size threshold
    row = derivatives([padded], [a, b])[0]
    for got, w in zip(row, [a, b], strict=True):
        want = sympy.diff(padded, w)
        for point in _points(padded.free_symbols, 7, count=2):
            g = complex(got.evalf(subs=point))
            v = complex(want.evalf(subs=point))
            if v != v or abs(v) > 1e12:  # nan or overflow at this point
                continue
            assert abs(g - v) <= 1e-8 * (1 + abs(v)), (padded, w, point)


def test_roots_of_powers_keep_their_branch() -> None:
    """sqrt(1/(a - 1)) is not (a - 1)**(-1/2) for a < 1 (SymEngine merges the powers)."""
    f = sympy.sqrt(1 / (a - 1)) + sympy.sqrt(a * b) + a**3 * b**2 * c + sympy.exp(a * b)
    row = derivatives([f], [a, b])[0]
    point = {a: 0.43, b: -0.31, c: 0.66}
    for got, w in zip(row, [a, b], strict=True):
        want = complex(sympy.diff(f, w).evalf(subs=point))
        assert abs(complex(got.evalf(subs=point)) - want) < 1e-12 * abs(want)
    # central differences of the function itself, in the complex plane
    h = 1e-6
    fa = [complex(f.evalf(subs={**point, a: point[a] + s * h})) for s in (1, -1)]
    assert abs(complex(row[0].evalf(subs=point)) - (fa[0] - fa[1]) / (2 * h)) < 1e-6


def test_derivatives_of_undefined_functions_stay_unevaluated() -> None:
    f = sympy.Function("f")
    g = symml.gradient(f(x * y) * y**2 + x**3 * y + sympy.exp(x * y) * x**2, [x, y]).result
    assert g[0].has(sympy.Subs) and g[0].has(sympy.Derivative)
    assert g[0] == sympy.diff(f(x * y) * y**2 + x**3 * y + sympy.exp(x * y) * x**2, x)
    loss, w = _logistic(12)
    assert symml.hessian(loss, w).result.atoms(sympy.Derivative) == set()


def test_functions_sympy_cannot_differentiate_are_a_clear_error() -> None:
    with pytest.raises(symml.NotDifferentiableError, match="SymPy cannot differentiate"):
        symml.gradient(sympy.floor(x) * y**2 + x**3 * y + sympy.exp(x * y), [x, y])
