"""Specifications of ``to_numpy``: SymPy in, fast vectorised NumPy function out."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
import scipy.special as sc
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf

import symml
from symml import (
    ArgumentError,
    Derivation,
    RankDeficientWarning,
    ShapeError,
    expit,
    to_numpy,
)

x, y, z = sp.symbols("x y z", real=True)
t, u, a, b = sp.symbols("t u a b", real=True)
EXTREME = np.array([-800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0])


def source(f) -> str:
    return inspect.getsource(f)


def whole_arrays(f) -> str:
    """The code on whole arrays: a sum over rows runs in row blocks on NumPy arrays, and
    its docstring then shows the whole-array code (what JAX and Dask arrays get)."""
    doc = f.__doc__
    return doc.split("Array code")[1] if "Array code" in doc else source(f)


def row_block(f) -> str:
    """The NumPy code one block of rows runs (``def _rows``)."""
    return "def _rows(" + f.__doc__.split("def _rows(")[1].split("\n\n")[0]


# -- output shapes: the object's shape, then the inputs' broadcast shape S ----------
ONE, TWO, THREE = [x], [x, y], [x, y, z]
SHAPES = [
    # (expr, args, input shapes, expected output shape)
    # scalars: S
    (x**2, ONE, [()], ()),
    (x**2, ONE, [(4,)], (4,)),
    (x * y, TWO, [(), ()], ()),
    (x * y, TWO, [(3,), ()], (3,)),
    (x * y, TWO, [(3, 1), (4,)], (3, 4)),
    (x**2, TWO, [(), (4,)], (4,)),  # y unused: still broadcast against it
    (x * y * z, THREE, [(2,), (2,), ()], (2,)),
    (sp.Integer(7), ONE, [(2, 3)], (2, 3)),  # constant expression
    # columns (vectors, 1 x 1 included): (k, *S)
    (sp.Matrix([x**2]), ONE, [()], (1,)),
    (sp.Matrix([x**2]), ONE, [(4,)], (1, 4)),
    (sp.Matrix([x, y]), TWO, [(), ()], (2,)),
    (sp.Matrix([x, y]), TWO, [(5,), (5,)], (2, 5)),
    (sp.Matrix([x, y, z]), THREE, [(), (), ()], (3,)),
    (sp.Matrix([x, y, z]), THREE, [(4,), (), (4,)], (3, 4)),
    (sp.Matrix([x, 0, 1]), ONE, [(2, 3)], (3, 2, 3)),
    (sp.Matrix(0, 1, []), ONE, [(3,)], (0, 3)),
    # rows and other matrices: (r, c, *S)
    (sp.Matrix([[x, y]]), TWO, [(5,), ()], (1, 2, 5)),
    (sp.Matrix([[x, y, z]]), THREE, [(), (), ()], (1, 3)),
    (sp.Matrix([[x, 1], [0, x]]), ONE, [(4,)], (2, 2, 4)),
    (sp.Matrix([[x, y, 1], [0, x * y, 2]]), TWO, [(4,), (4,)], (2, 3, 4)),
    (sp.Matrix([[x, y, 1], [0, x * y, 2]]), TWO, [(), ()], (2, 3)),
    (sp.hessian(x * y * z, THREE), THREE, [(6,), (6,), (6,)], (3, 3, 6)),
    # arrays: (*A, *S)
    (sp.Array([[[x, 1], [y, 2]], [[0, x], [y, x * y]]]), TWO, [(3,), (3,)], (2, 2, 2, 3)),
]


@pytest.mark.parametrize(("expr", "args", "shapes", "expected"), SHAPES)
def test_output_shape_is_the_objects_shape_then_the_batch_shape(expr, args, shapes, expected):
    rng = np.random.default_rng(0)
    inputs = [rng.uniform(0.5, 2.0, size=s) for s in shapes]
    out = to_numpy(expr, args)(*inputs)
    assert np.shape(out) == expected


RESHAPED = [
    # (expr, args, shape=, input shapes, expected output shape)
    (sp.Matrix([x**2]), ONE, (1, 1), [()], (1, 1)),  # a 1 x 1 Hessian stays 2-D
    (sp.Matrix([x**2]), ONE, (1, 1), [(4,)], (1, 1, 4)),
    (sp.Matrix([x**2]), ONE, (), [(4,)], (4,)),  # or becomes a scalar
    (x * y, TWO, (1, 1), [(4,), ()], (1, 1, 4)),
    (sp.Matrix([x, y]), TWO, (1, 2), [(), ()], (1, 2)),
    (sp.Matrix([[x, y, z]]), THREE, (3,), [(5,), (5,), ()], (3, 5)),  # a row as a vector
    (sp.Matrix([[x, y], [z, 1]]), THREE, (4,), [(), (), ()], (4,)),
    (sp.Matrix([[x, y], [z, 1]]), THREE, (2, 2), [(), (), (2,)], (2, 2, 2)),
]


@pytest.mark.parametrize(("expr", "args", "shape", "shapes", "expected"), RESHAPED)
def test_shape_option_replaces_the_leading_shape(expr, args, shape, shapes, expected):
    inputs = [np.full(s, 2.0) for s in shapes]
    out = to_numpy(expr, args, shape=shape)(*inputs)
    assert np.shape(out) == expected
    default = to_numpy(expr, args)(*inputs)
    np.testing.assert_array_equal(np.ravel(out), np.ravel(default))  # same entries, same order


def test_shape_keeps_row_major_order():
    f = to_numpy(sp.Matrix([x, 2 * x, 3 * x, 4 * x]), ONE, shape=(2, 2))
    np.testing.assert_array_equal(f(1.0), [[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize(
    ("expr", "shape", "match"),
    [
        (sp.Matrix([x, y]), (3,), r"shape=\(3,\) is not valid: .*holding 2 entries"),
        (sp.Matrix([x, y]), (1, 1), r"holding 2 entries, e.g. \(2,\)"),
        (sp.Matrix([x, y]), [2], r"shape=\[2\] is not valid"),
        (sp.Matrix([x, y]), (2, -1), r"shape=\(2, -1\)"),
        (sp.Matrix([x, y]), (True, 2), r"shape=\(True, 2\)"),
        (sp.Matrix([x, y]), (2.0,), r"shape=\(2.0,\)"),
        (x * y, (2,), r"holding 1 entry, e.g. \(1, 1\)"),
        (sp.MatrixSymbol("w", 2, 1).T * sp.MatrixSymbol("w", 2, 1), (1, 1), r"not matrix"),
    ],
)
def test_shape_errors(expr, shape, match):
    args = [sp.MatrixSymbol("w", 2, 1)] if expr.atoms(sp.MatrixSymbol) else TWO
    with pytest.raises(ArgumentError, match=match):
        to_numpy(expr, args, shape=shape)


@pytest.mark.parametrize("wrt", [ONE, TWO, THREE], ids=len)
def test_derivation_hessians_are_square_for_every_number_of_variables(wrt):
    n = len(wrt)
    f = sum(v**3 for v in wrt) + sp.prod(wrt)
    d = symml.hessian(f, wrt)
    for func in (d.to_numpy(), to_numpy(d, wrt)):
        assert func(*([1.0] * n)).shape == (n, n)
        assert func(*([np.ones(4)] * n)).shape == (n, n, 4)


def test_scalar_inputs_give_numpy_scalars_and_matrices_give_arrays():
    assert isinstance(to_numpy(x**2, [x])(3.0), np.floating)
    assert isinstance(to_numpy(sp.Matrix([x, 1]), [x])(3.0), np.ndarray)


def test_no_args_gives_a_float():
    value = to_numpy(sp.pi, [])()
    assert np.shape(value) == ()
    assert float(value) == pytest.approx(np.pi)


# -- broadcasting of constants ------------------------------------------------
def test_zero_and_constant_entries_of_a_gradient_are_full_arrays():
    f = x**2 + 3 * y
    grad = to_numpy(sp.Matrix([f.diff(v) for v in (x, y, z)]), [x, y, z])
    xs = np.array([1.0, 2.0, 3.0])
    out = grad(xs, 0.0, 0.0)
    np.testing.assert_array_equal(out, [[2.0, 4.0, 6.0], [3.0, 3.0, 3.0], [0.0, 0.0, 0.0]])
    assert out.flags.writeable


def test_constant_scalar_is_a_fresh_writable_array_of_the_input_shape():
    one = to_numpy(sp.Integer(1), [x])
    out = one(np.zeros((2, 2)))
    np.testing.assert_array_equal(out, np.ones((2, 2)))
    out[0, 0] = 5.0  # not a broadcast view
    np.testing.assert_array_equal(one(np.zeros((2, 2))), np.ones((2, 2)))


def test_unused_argument_broadcasts_and_gives_a_writable_array():
    out = to_numpy(2 * x, [x, y])(1.5, np.zeros(3))
    np.testing.assert_array_equal(out, [3.0, 3.0, 3.0])
    out[0] = 0.0


# -- inputs -------------------------------------------------------------------
def test_integer_and_bool_inputs_become_float():
    f = to_numpy(x**-1, [x])
    np.testing.assert_allclose(f(np.array([1, 2, 4])), [1.0, 0.5, 0.25])
    assert f(True) == 1.0
    np.testing.assert_allclose(f([2, 4]), [0.5, 0.25])  # lists go through asarray


def test_float32_inputs_stay_float32():
    assert to_numpy(x**2 + 1, [x])(np.ones(3, np.float32)).dtype == np.float32
    assert to_numpy(sp.Matrix([x, 0]), [x])(np.ones(3, np.float32)).dtype == np.float32


def test_keyword_calls_use_symbol_names():
    f = to_numpy(x - y, [x, y])
    assert f(y=1.0, x=3.0) == 2.0


# -- common subexpressions ----------------------------------------------------
def test_cse_assigns_a_shared_subexpression_once():
    M = sp.Matrix([sp.exp(x * y) * x, sp.exp(x * y) * y, sp.exp(x * y)])
    shared = to_numpy(M, [x, y])
    assert source(shared).count("numpy.exp(x*y)") == 1
    assert re.search(r"_cse0 = numpy\.exp\(x\*y\)", source(shared))
    separate = to_numpy(M, [x, y], cse=False)
    assert source(separate).count("numpy.exp(x*y)") == 3
    xs, ys = np.linspace(-1, 1, 5), np.linspace(0, 2, 5)
    np.testing.assert_allclose(shared(xs, ys), separate(xs, ys))


# -- stable forms at extreme values ---------------------------------------------
def softplus_by_hand(v):
    return np.maximum(v, 0.0) + np.log1p(np.exp(-np.abs(v)))


def sigmoid_by_hand(v):
    e = np.exp(-np.abs(v))  # never overflows
    return np.where(v >= 0, 1 / (1 + e), e / (1 + e))


STABLE = [
    # (expr in t, function the generated code must call, reference)
    (sp.log(1 + sp.exp(t)), "numpy.logaddexp", softplus_by_hand),
    (sp.log(sp.exp(t) + 1), "numpy.logaddexp", softplus_by_hand),
    (sp.log(1 + sp.exp(-t)), "numpy.logaddexp", lambda v: softplus_by_hand(-v)),
    (1 / (1 + sp.exp(-t)), "scipy.special.expit", sigmoid_by_hand),
    (sp.exp(t) / (1 + sp.exp(t)), "scipy.special.expit", sigmoid_by_hand),
    (1 / (sp.exp(t) + 1), "scipy.special.expit", lambda v: sigmoid_by_hand(-v)),
    (
        sp.diff(1 / (1 + sp.exp(-t)), t),
        "scipy.special.expit",
        lambda v: sigmoid_by_hand(v) * sigmoid_by_hand(-v),
    ),
    (sp.log(1 / (1 + sp.exp(-t))), "numpy.logaddexp", lambda v: -softplus_by_hand(-v)),
    (sp.log(1 - 1 / (1 + sp.exp(-t))), "numpy.logaddexp", lambda v: -softplus_by_hand(v)),
]


@pytest.mark.parametrize(("expr", "call", "reference"), STABLE)
def test_stable_forms_are_finite_and_right_where_the_naive_formula_overflows(expr, call, reference):
    f = to_numpy(expr, [t])
    assert call in source(f)
    with np.errstate(all="raise", under="ignore"):  # no overflow, 0/0 or inf - inf
        values = f(EXTREME)
    np.testing.assert_allclose(values, reference(EXTREME), rtol=1e-12, atol=1e-300)
    naive = to_numpy(expr, [t], stable=False)
    with pytest.raises(FloatingPointError), np.errstate(all="raise", under="ignore"):
        naive(EXTREME)


@pytest.mark.parametrize(("expr", "call", "reference"), STABLE)
def test_stable_false_keeps_the_naive_code(expr, call, reference):
    f = to_numpy(expr, [t], stable=False)
    assert call not in source(f)
    assert "numpy.exp(" in source(f)


def test_naive_softplus_overflows_with_numpys_warning():
    naive = to_numpy(sp.log(1 + sp.exp(t)), [t], stable=False)
    with pytest.warns(RuntimeWarning, match="overflow"):
        assert naive(800.0) == np.inf


def test_logaddexp_of_two_and_three_exponentials():
    f = to_numpy(sp.log(sp.exp(a) + sp.exp(b)), [a, b])
    assert "numpy.logaddexp(a, b)" in source(f)
    np.testing.assert_allclose(f(800.0, 799.0), np.logaddexp(800.0, 799.0))
    g = to_numpy(sp.log(sp.exp(a) + sp.exp(b) + sp.exp(t)), [a, b, t])
    np.testing.assert_allclose(
        g(-800.0, -801.0, -802.0), -800.0 + np.log1p(np.exp(-1) + np.exp(-2))
    )


def test_log1p_and_expm1_keep_tiny_arguments():
    small = np.array([1e-18, -1e-17, 1e-10])
    f = to_numpy(sp.log(1 + u), [u])
    assert "numpy.log1p(u)" in source(f)
    np.testing.assert_array_equal(f(small), np.log1p(small))
    assert to_numpy(sp.log(1 + u), [u], stable=False)(1e-18) == 0.0  # what log1p avoids
    g = to_numpy(sp.exp(u) - 1, [u])
    assert "numpy.expm1(u)" in source(g)
    np.testing.assert_array_equal(g(small), np.expm1(small))
    h = to_numpy(2 * sp.exp(u) - 2, [u])  # SymPy's distributed form of 2*(exp(u) - 1)
    np.testing.assert_array_equal(h(small), 2 * np.expm1(small))


def test_logistic_loss_and_its_derivative_are_stable():
    loss = -y * sp.log(1 / (1 + sp.exp(-z))) - (1 - y) * sp.log(1 - 1 / (1 + sp.exp(-z)))
    zs = np.array([-800.0, -3.0, 0.0, 3.0, 800.0])
    labels = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    expected = labels * np.logaddexp(0, -zs) + (1 - labels) * np.logaddexp(0, zs)
    np.testing.assert_allclose(to_numpy(loss, [z, y])(zs, labels), expected, rtol=1e-12)
    grad = to_numpy(loss.diff(z), [z, y])
    np.testing.assert_allclose(grad(zs, labels), sc.expit(zs) - labels, rtol=1e-12, atol=1e-300)


REWRITTEN = [
    sp.log(1 + sp.exp(t)),
    sp.log(sp.exp(a) + sp.exp(b)),
    sp.log(2 + sp.exp(t)),
    sp.log(1 + u**2),
    sp.exp(u) - 1,
    1 - sp.exp(u),
    1 / (1 + sp.exp(-t)),
    sp.exp(t) / (1 + sp.exp(t)) ** 2,
    sp.log(1 - 1 / (1 + sp.exp(-t))),
    (1 + sp.exp(-t)) ** -3,
]


STABLE_CALLS = ("numpy.logaddexp", "numpy.log1p", "numpy.expm1", "scipy.special.expit")


@pytest.mark.parametrize("expr", REWRITTEN)
def test_stable_forms_are_the_same_function(expr):
    args = sorted(expr.free_symbols, key=str)
    stable, naive = to_numpy(expr, args), to_numpy(expr, args, stable=False)
    assert any(call in source(stable) for call in STABLE_CALLS)
    assert not any(call in source(naive) for call in STABLE_CALLS)
    points = np.random.default_rng(4).uniform(-3.0, 3.0, size=(len(args), 20))
    np.testing.assert_allclose(stable(*points), naive(*points), rtol=1e-12)


def test_visibly_complex_arguments_are_not_rewritten():
    assert "logaddexp" not in source(to_numpy(sp.log(1 + sp.exp(sp.I * t)), [t]))


def test_complex_inputs_take_the_plain_formula():
    w = sp.Symbol("w")
    f = to_numpy(sp.log(1 + sp.exp(w)), [w])
    v = np.array([1 + 1j, -2 + 0.5j])
    np.testing.assert_allclose(f(v), np.log(1 + np.exp(v)))
    np.testing.assert_allclose(f(np.array([800.0])), [800.0])


# -- values against independent NumPy code --------------------------------------
VALUES = [
    ((1 - x) ** 2 + 100 * (y - x**2) ** 2, lambda p, q: (1 - p) ** 2 + 100 * (q - p**2) ** 2),
    (
        sp.sin(x) * sp.cosh(y) + sp.atan(x * y),
        lambda p, q: np.sin(p) * np.cosh(q) + np.arctan(p * q),
    ),
    (sp.sqrt(x**2 + y**2), np.hypot),
    (sp.Abs(x - y) + sp.sign(x), lambda p, q: np.abs(p - q) + np.sign(p)),
    (sp.Max(x, y) - sp.Min(x, 0), lambda p, q: np.maximum(p, q) - np.minimum(p, 0)),
    (sp.Heaviside(x) * y, lambda p, q: np.heaviside(p, 0.5) * q),
    (sp.Piecewise((x**2, x > 0), (-y, True)), lambda p, q: np.where(p > 0, p**2, -q)),
    (sp.erf(x) + sp.erfc(y), lambda p, q: sc.erf(p) + sc.erfc(q)),
    (sp.gamma(y) + sp.loggamma(y), lambda p, q: sc.gamma(q) + sc.gammaln(q)),
    (sp.digamma(y) * sp.beta(y, 2), lambda p, q: sc.digamma(q) * sc.beta(q, 2)),
    (sp.tanh(x) / (1 + y**2), lambda p, q: np.tanh(p) / (1 + q**2)),
    (
        sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi),
        lambda p, q: np.exp(-(p**2) / 2) / np.sqrt(2 * np.pi),
    ),
    (x > y, lambda p, q: p > q),
]


@pytest.mark.parametrize(("expr", "reference"), VALUES)
def test_values_match_independent_numpy_code(expr, reference):
    rng = np.random.default_rng(12345)
    p = rng.uniform(-3.0, 3.0, size=50)
    q = rng.uniform(0.1, 4.0, size=50)
    np.testing.assert_allclose(to_numpy(expr, [x, y])(p, q), reference(p, q), rtol=1e-12)


def test_gradient_and_hessian_values():
    f = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    grad = to_numpy(sp.Matrix([f.diff(x), f.diff(y)]), [x, y])
    hess = to_numpy(sp.hessian(f, [x, y]), [x, y])
    rng = np.random.default_rng(7)
    p, q = rng.normal(size=(2, 30))
    expected_grad = np.stack([-2 * (1 - p) - 400 * p * (q - p**2), 200 * (q - p**2)])
    np.testing.assert_allclose(grad(p, q), expected_grad, rtol=1e-12)
    expected_hess = np.array(
        [[1200 * p**2 - 400 * q + 2, -400 * p], [-400 * p, np.full_like(p, 200)]]
    )
    np.testing.assert_allclose(hess(p, q), expected_hess, rtol=1e-12)


def test_complex_constants_give_complex_results():
    f = to_numpy(sp.Matrix([sp.I * x, 1, sp.I]), [x])
    np.testing.assert_allclose(f(np.array([1.0, 2.0])), [[1j, 2j], [1, 1], [1j, 1j]])


def test_sqrt_of_negative_is_nan_with_numpys_warning():
    f = to_numpy(sp.sqrt(x), [x])
    with pytest.warns(RuntimeWarning, match="invalid value"):
        assert np.isnan(f(-1.0))
    assert f(-1.0 + 0j) == 1j


def test_many_arguments():
    xs = sp.symbols("x0:40", real=True)
    total = to_numpy(sum(xs), xs)
    assert total(*range(40)) == sum(range(40))
    column = to_numpy(sp.Matrix(xs), xs)
    np.testing.assert_array_equal(column(*range(40)), np.arange(40.0))
    assert column(*([np.zeros(3)] * 40)).shape == (40, 3)


def test_sum_with_numeric_limits():
    k = sp.Symbol("k", integer=True)
    f = to_numpy(sp.Sum(x**k, (k, 1, 3)), [x])
    np.testing.assert_allclose(f(np.array([1.0, 2.0])), [3.0, 14.0])


def test_nested_sums_keep_their_index_inside_the_loop():
    k = sp.Symbol("k", integer=True, positive=True)
    f = sp.Sum(sp.Sum(2 * x / k, (k, 1, 3)) / k, (k, 1, 3)) + sp.Sum(x / k, (k, 1, 2))
    assert f.doit() == 2 * x * sp.Rational(11, 6) ** 2 + sp.Rational(3, 2) * x
    np.testing.assert_allclose(to_numpy(f, [x])(np.array([1.0, 2.0])), [74 / 9, 148 / 9])


def test_piecewise_with_an_if_then_else_condition():
    # ITE(c, a, b) is a boolean; SymPy's Piecewise form of it was a float select (TypeError)
    f = sp.Piecewise((y * z, sp.ITE(x > 0, y * z > 0, x > 0)), (x, True))
    code = to_numpy(f, [x, y, z])
    xs, ys, zs = np.array([0.5, 0.5, -1.0, 2.0]), np.array([1.0, 1.0, 2.0, 1.0]), [2.0, -3, 1, 1]
    expected = [float(f.subs({x: a, y: b, z: c})) for a, b, c in zip(xs, ys, zs, strict=True)]
    np.testing.assert_allclose(code(xs, ys, np.array(zs)), expected)
    assert expected == [2.0, 0.5, -1.0, 1.0]


# -- Derivation input ---------------------------------------------------------
def test_derivation_input_uses_its_result():
    d = Derivation(sp.Matrix([2 * x * y, x**2]), kind="gradient", wrt=[x, y])
    direct = to_numpy(d, [x, y])
    np.testing.assert_allclose(direct(3.0, 2.0), [12.0, 9.0])
    np.testing.assert_allclose(d.to_numpy()(3.0, 2.0), [12.0, 9.0])
    assert sp.sstr(d.result) in direct.__doc__


# -- names and documentation --------------------------------------------------
def test_generated_docstring_shows_expression_signature_and_code():
    f = to_numpy(sp.log(1 + sp.exp(x * y)), [x, y])
    assert f.__name__ == "symml_func"
    doc = f.__doc__
    assert "symml_func(x, y)" in doc
    assert "log(exp(x*y) + 1)" in doc
    assert "Source code" in doc
    assert source(f) in doc
    assert "numpy.logaddexp(0, x*y)" in doc


def test_name_sets_dunder_name_and_is_made_an_identifier_in_the_code():
    assert to_numpy(x, [x], name="grad").__name__ == "grad"
    g = to_numpy(x, [x], name="critical points")
    assert g.__name__ == "critical points"
    assert source(g).startswith("def critical_points(x):")
    for clash in ("_plain", "_asarray", "sum", "numpy", "lambda"):  # names the code relies on
        h = to_numpy(sp.log(1 + sp.exp(x)), [x], name=clash)
        assert h.__name__ == clash
        assert h(0.0) == pytest.approx(np.log(2.0))


def test_symbols_that_are_not_identifiers_are_renamed():
    lam, dotted, private = sp.Symbol("lambda"), sp.Symbol("x.1"), sp.Symbol("_cse0")
    f = to_numpy(lam + 2 * dotted + 3 * private, [lam, dotted, private])
    assert source(f).startswith("def symml_func(_arg0, _arg1, _arg2):")
    assert f(1.0, 1.0, 1.0) == 6.0
    assert "_arg0: the symbol 'lambda'" in f.__doc__


def test_same_name_different_assumptions_are_two_parameters():
    plain, real = sp.Symbol("x"), sp.Symbol("x", real=True)
    f = to_numpy(plain - real, [plain, real])
    assert f(5.0, 2.0) == 3.0


def test_to_numpy_docstring_has_how_it_works_and_pitfalls():
    doc = to_numpy.__doc__
    for section in ("Parameters", "Returns", "Raises", "Examples", "How it works", "Pitfalls"):
        assert section in doc


def test_scipy_is_in_the_namespace_only_when_used():
    assert "scipy" not in inspect.unwrap(to_numpy(sp.exp(x), [x])).__globals__
    assert "scipy" in inspect.unwrap(to_numpy(sp.erf(x), [x])).__globals__


# -- errors -------------------------------------------------------------------
def test_missing_symbols_are_listed_with_a_fix():
    with pytest.raises(ArgumentError, match=r"args=\[x\].*depends on \[y, z\].*args=\[x, y, z\]"):
        to_numpy(x * y + z, [x])


def test_same_name_other_assumptions_is_explained():
    with pytest.raises(ArgumentError, match="different symbols"):
        to_numpy(x, [sp.Symbol("x")])


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ([x, x], r"x appears twice.*args=\[x\]"),
        ([x, 2], r"args\[1\]=2 is not a Symbol"),
        ("x", r"args='x'.*Symbol"),
        (3, r"args=3.*list of Symbols"),
        ([x, sp.Matrix([y])], r"args\[1\]=Matrix\(\[\[y\]\]\) is not a Symbol"),
    ],
)
def test_bad_args(args, match):
    with pytest.raises(ArgumentError, match=match):
        to_numpy(x, args)


@pytest.mark.parametrize(
    ("expr", "match"),
    [
        (sp.zeta(x), r"does not support the function 'zeta'"),
        (sp.erfinv(x) + 1, r"'erfinv'"),
        (x * sp.DiracDelta(x) + 2, r"DiracDelta.*replace\(sympy.DiracDelta, lambda \*args: 0\)"),
        (sp.Function("f")(x), r"undefined function"),
        (sp.Derivative(sp.sin(x) * x, x), r"Derivative.*doit"),
        (sp.Integral(sp.exp(x**3), x), r"Integral"),
        (sp.Sum(x, (y, 1, x)), r"symbolic limits"),
        (sp.Sum(x**y / sp.factorial(y), (y, 0, sp.oo)), r"infinite Sum/Product.*doit"),
        (sp.Product(1 + x / y**2, (y, 1, sp.oo)), r"infinite Sum/Product"),
        (sp.zoo * x, r"complex infinity"),
        (sp.Eq(x, 2), r"equation defining x; leave x out of args"),
        (sp.Eq(x + y, 2), r"one side"),
        ("x + 1", r"parse_expr"),
        (sp.MatrixSymbol("w", 3, 1).T * sp.MatrixSymbol("w", 3, 1), r"\[w\] \(a MatrixSymbol"),
        (sp.Matrix([sp.MatrixSymbol("w", 2, 1)[0, 0]]), r"MatrixSymbol.*args=\[x, w\]"),
    ],
)
def test_bad_expr(expr, match):
    with pytest.raises(ArgumentError, match=match):
        to_numpy(expr, [x])


def test_the_dirac_delta_hint_works():
    """A Hessian through a kink holds DiracDelta; the hint's replacement evaluates it."""
    h = symml.hessian(sp.Max(x, 0) * x, [x])
    with pytest.raises(ArgumentError, match="DiracDelta"):
        h.to_numpy()
    f = to_numpy(h.result.replace(sp.DiracDelta, lambda *args: 0), [x])
    np.testing.assert_allclose(f(np.array([-1.0, 2.0])).ravel(), [0.0, 2.0])


@pytest.mark.parametrize(("option", "value"), [("cse", "yes"), ("stable", None), ("name", 3)])
def test_bad_options(option, value):
    with pytest.raises(ArgumentError, match=option):
        to_numpy(x, [x], **{option: value})


# ============================================================================
# Matrix expressions: MatrixSymbol arguments take arrays
# ============================================================================
m, n = sp.symbols("m n", integer=True, positive=True)
X = sp.MatrixSymbol("X", m, n)
w = sp.MatrixSymbol("w", n, 1)
yv = sp.MatrixSymbol("y", m, 1)
v = sp.MatrixSymbol("v", m, 1)
A = sp.MatrixSymbol("A", n, n)
bv = sp.MatrixSymbol("b", n, 1)
W = sp.MatrixSymbol("W", m, m)
lam = sp.Symbol("lam", positive=True)
SIGMA = (X * w).applyfunc(expit)
SOFTPLUS = sp.Lambda(t, sp.log(1 + sp.exp(t)))
LOGISTIC_GRAD = X.T * (SIGMA - yv)
LOGISTIC_HESS = X.T * DiagMatrix(sp.HadamardProduct(SIGMA, sp.OneMatrix(m, 1) - SIGMA)) * X
LOGISTIC_NLL = sp.OneMatrix(1, m) * (X * w).applyfunc(SOFTPLUS) - yv.T * X * w


def data(seed: int = 0, rows: int = 7, cols: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((cols, cols))
    C = rng.standard_normal((rows, rows))
    return {
        "X": rng.standard_normal((rows, cols)),
        "w": rng.standard_normal(cols),
        "y": (rng.random(rows) < 0.5).astype(float),
        "v": rng.uniform(0.5, 2.0, rows),
        "A": B @ B.T + cols * np.eye(cols),  # symmetric positive definite
        "b": rng.standard_normal(cols),
        "W": C @ C.T / rows + np.eye(rows),
        "lam": 0.7,
    }


def call(expr, args, d):
    return to_numpy(expr, args)(*(d[str(a)] for a in args))


MATRIX_VALUES = [
    # (expr, args, independent NumPy reference on the data of ``data()``)
    (X * w, [X, w], lambda d: d["X"] @ d["w"]),
    (2 * X.T * (X * w - yv), [X, w, yv], lambda d: 2 * d["X"].T @ (d["X"] @ d["w"] - d["y"])),
    (X.T * X * w, [X, w], lambda d: d["X"].T @ d["X"] @ d["w"]),
    ((X * w - yv).T * (X * w - yv), [X, w, yv], lambda d: np.sum((d["X"] @ d["w"] - d["y"]) ** 2)),
    (LOGISTIC_GRAD, [X, w, yv], lambda d: d["X"].T @ (sc.expit(d["X"] @ d["w"]) - d["y"])),
    (
        LOGISTIC_HESS,
        [X, w, yv],
        lambda d: (
            d["X"].T @ (d["X"] * (sc.expit(d["X"] @ d["w"]) * sc.expit(-d["X"] @ d["w"]))[:, None])
        ),
    ),
    (
        LOGISTIC_NLL,
        [X, w, yv],
        lambda d: np.sum(np.log1p(np.exp(d["X"] @ d["w"]))) - d["y"] @ d["X"] @ d["w"],
    ),
    (
        lam * w.T * w + w.T * A * w,
        [w, A, lam],
        lambda d: d["lam"] * d["w"] @ d["w"] + d["w"] @ d["A"] @ d["w"],
    ),
    ((1 / m) * X.T * yv, [X, yv], lambda d: d["X"].T @ d["y"] / len(d["y"])),
    (sp.Trace(X.T * X), [X], lambda d: np.sum(d["X"] ** 2)),
    (sp.Trace(A), [A], lambda d: np.trace(d["A"])),
    (sp.Determinant(A), [A], lambda d: np.linalg.det(d["A"])),
    (sp.log(sp.Determinant(A)), [A], lambda d: np.log(np.linalg.det(d["A"]))),
    (A**-1 * bv, [A, bv], lambda d: np.linalg.solve(d["A"], d["b"])),
    (bv.T * A**-1, [A, bv], lambda d: np.linalg.solve(d["A"].T, d["b"])),
    (bv.T * A**-1 * bv, [A, bv], lambda d: d["b"] @ np.linalg.solve(d["A"], d["b"])),
    (A**-1, [A], lambda d: np.linalg.inv(d["A"])),
    (A**2 * bv, [A, bv], lambda d: d["A"] @ d["A"] @ d["b"]),
    (A**-2, [A], lambda d: np.linalg.inv(d["A"] @ d["A"])),
    (A + lam * sp.Identity(n), [A, lam], lambda d: d["A"] + d["lam"] * np.eye(3)),
    (sp.OneMatrix(m, 1) - yv, [yv], lambda d: 1 - d["y"]),
    (yv - 2 * sp.OneMatrix(m, 1), [yv], lambda d: d["y"] - 2),
    (sp.OneMatrix(1, m) * X, [X], lambda d: d["X"].sum(axis=0)),
    (X * sp.OneMatrix(n, 1), [X], lambda d: d["X"].sum(axis=1)),
    (sp.OneMatrix(2, m) * yv, [yv], lambda d: np.full(2, d["y"].sum())),
    (DiagMatrix(v) * X * w, [X, w, v], lambda d: d["v"] * (d["X"] @ d["w"])),
    (X.T * DiagMatrix(v), [X, v], lambda d: d["X"].T * d["v"]),
    (DiagMatrix(v), [v], lambda d: np.diag(d["v"])),
    (DiagonalOf(A), [A], lambda d: np.diagonal(d["A"])),
    (sp.HadamardProduct(X * w, yv), [X, w, yv], lambda d: (d["X"] @ d["w"]) * d["y"]),
    (sp.HadamardPower(yv - X * w, 2), [X, w, yv], lambda d: (d["y"] - d["X"] @ d["w"]) ** 2),
    ((X * w).applyfunc(sp.exp), [X, w], lambda d: np.exp(d["X"] @ d["w"])),
    ((X * w).applyfunc(SOFTPLUS), [X, w], lambda d: np.log1p(np.exp(d["X"] @ d["w"]))),
    (sp.KroneckerProduct(A, bv), [A, bv], lambda d: np.kron(d["A"], d["b"][:, None])),
    (
        sp.BlockMatrix([[A, bv]]),
        [A, bv],
        lambda d: np.hstack([d["A"], d["b"][:, None]]),
    ),
    (sp.Matrix([[1, 2, 3]]) * w, [w], lambda d: np.array([1, 2, 3]) @ d["w"]),
    (
        sp.Matrix([w[0, 0] * lam, w[2, 0]]),
        [w, lam],
        lambda d: np.array([d["w"][0] * 0.7, d["w"][2]]),
    ),
    (A * sp.ZeroMatrix(n, 1) + bv, [A, bv], lambda d: d["b"]),
    (sp.ZeroMatrix(2, 3), [], lambda d: np.zeros((2, 3))),
    (lam * sp.Identity(3), [lam], lambda d: 0.7 * np.eye(3)),
    (2 * lam, [w, lam], lambda d: 1.4),  # a scalar formula beside matrix arguments
]


@pytest.mark.parametrize(("expr", "args", "reference"), MATRIX_VALUES, ids=lambda e: None)
def test_matrix_values_match_independent_numpy_code(expr, args, reference):
    d = data()
    expected = reference(d)
    got = call(expr, args, d)
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


MATRIX_SHAPES = [
    # (expr, args, input shapes, output shape): 1-D vectors in -> 1-D out; columns in -> columns out
    (X * w, [X, w], [(5, 3), (3,)], (5,)),
    (X * w, [X, w], [(5, 3), (3, 1)], (5, 1)),
    (X.T * (X * w - yv), [X, w, yv], [(5, 3), (3,), (5, 1)], (3,)),  # mixed: 1-D
    (X.T * (X * w - yv), [X, w, yv], [(5, 3), (3, 1), (5, 1)], (3, 1)),
    (X.T * sp.OneMatrix(m, 1), [X], [(5, 3)], (3,)),  # no vector argument: 1-D
    (w.T * X.T, [X, w], [(5, 3), (3,)], (5,)),  # a row, 1-D like NumPy's w @ X.T
    (w.T * X.T, [X, w], [(5, 3), (3, 1)], (1, 5)),
    (w.T * w, [w], [(3,)], ()),  # 1 x 1: a scalar
    (w.T * w, [w], [(3, 1)], ()),  # 1 x 1: a scalar, columns in or not
    (w.T * A * w, [w, A], [(3,), (3, 3)], ()),
    (A * bv, [A, bv], [(3, 3), (3,)], (3,)),
    (A * bv, [A, bv], [(3, 3), (3, 1)], (3, 1)),
    (bv.T * A, [A, bv], [(3, 3), (3,)], (3,)),  # a row, 1-D
    (bv.T * A, [A, bv], [(3, 3), (3, 1)], (1, 3)),
    (A, [A], [(3, 3)], (3, 3)),
    (X.T * X, [X], [(5, 3)], (3, 3)),
    (sp.Trace(X.T * X), [X], [(5, 3)], ()),
    (X * w, [X, w], [(0, 3), (3,)], (0,)),  # empty data
]


@pytest.mark.parametrize(("expr", "args", "shapes", "expected"), MATRIX_SHAPES)
def test_matrix_output_shapes(expr, args, shapes, expected):
    rng = np.random.default_rng(1)
    out = to_numpy(expr, args)(*(rng.standard_normal(s) for s in shapes))
    assert np.shape(out) == expected
    if expected == ():
        assert isinstance(out, np.floating)


def test_matrix_inputs_accept_lists_integers_and_pandas():
    import pandas as pd

    f = to_numpy(X.T * (X * w - yv), [X, w, yv])
    frame = pd.DataFrame({"a": [1, 2, 3], "b": [0, 1, 0]})
    out = f(frame, pd.Series([1.0, -1.0]), [1, 0, 2])
    expected = frame.to_numpy().T @ (frame.to_numpy() @ [1.0, -1.0] - [1, 0, 2])
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float64
    assert f([[1, 2]], [1, 1], [0]).dtype == np.float64  # integers become floats


def test_results_never_alias_the_inputs():
    Xd = np.ones((2, 3))
    for expr in (X, X.T):
        out = to_numpy(expr, [X])(Xd)
        out[...] = 5.0
    assert np.all(Xd == 1.0)


# -- generated code: CSE, broadcasting, solves -------------------------------------
def test_logistic_gradient_code_is_the_hand_written_expression():
    code = whole_arrays(to_numpy(LOGISTIC_GRAD, [X, w, yv]))
    assert "_t0 = scipy.special.expit(X @ w) - y" in code
    # 1-D vectors in: a matrix-vector product, as X.T @ r by hand; columns in: columns out
    assert "_r = X.T @ (_t0[:, 0] if _flat else _t0)" in code
    d = data()
    grad = to_numpy(LOGISTIC_GRAD, [X, w, yv])
    flat = grad(d["X"], d["w"], d["y"])
    column = grad(d["X"], d["w"][:, None], d["y"][:, None])
    assert flat.shape == (3,) and column.shape == (3, 1)
    np.testing.assert_allclose(column[:, 0], flat, rtol=1e-15)


def test_logistic_hessian_broadcasts_the_diagonal_and_computes_the_sigmoid_once():
    code = whole_arrays(to_numpy(LOGISTIC_HESS, [X, w, yv]))
    assert code.count("expit(") == 1
    assert code.count("X @ w") == 1
    assert "_diagflat" not in code and "_eye" not in code and "diag" not in code
    # B.T * DiagMatrix(v) * B is a weighted Gram matrix: V.T @ V with V = sqrt(v) * B (syrk)
    assert "_r = _gram(X, _t0 * (1 - _t0))" in code


GRAM = X.T * DiagMatrix(sp.HadamardProduct(X * w, X * w)) * X  # nonnegative weights
SIGNED = X.T * DiagMatrix(X * w) * X  # weights of both signs


@pytest.mark.parametrize(
    "expr", [GRAM, SIGNED, LOGISTIC_HESS], ids=["squares", "signed", "logistic"]
)
def test_weighted_gram_matrix_equals_the_plain_product_and_is_symmetric(expr):
    d = data(rows=50, cols=4)
    H = to_numpy(expr, [X, w, yv])(d["X"], d["w"], d["y"])
    v = call(expr.args[1].args[0], [X, w, yv], d).ravel()  # the diagonal
    np.testing.assert_allclose(H, d["X"].T @ (v[:, None] * d["X"]), rtol=1e-12, atol=1e-12)
    if expr is SIGNED:  # the plain product: symmetric to rounding
        np.testing.assert_allclose(H, H.T, rtol=1e-13)
    else:  # V.T @ V: exactly symmetric
        np.testing.assert_array_equal(H, H.T)


def test_weighted_gram_matrix_of_complex_data_is_the_plain_product():
    d = data(rows=6, cols=2)
    Xc = d["X"] + 1j * d["X"][::-1]
    H = to_numpy(SIGNED, [X, w])(Xc, d["w"])
    np.testing.assert_allclose(H, Xc.T @ ((Xc @ d["w"])[:, None] * Xc), rtol=1e-12)


def test_diagonal_products_never_materialise_an_m_by_m_matrix():
    rows = 200_000  # an m x m float64 matrix would need 320 GB
    rng = np.random.default_rng(2)
    Xd, wd = rng.standard_normal((rows, 3)), rng.standard_normal(3)
    H = to_numpy(LOGISTIC_HESS, [X, w, yv])(Xd, wd, np.zeros(rows))
    s = sc.expit(Xd @ wd)
    np.testing.assert_allclose(H, Xd.T @ (Xd * (s * (1 - s))[:, None]), rtol=1e-10)


def test_shared_subexpressions_are_computed_once():
    code = whole_arrays(to_numpy((X * w - yv).T * (X * w - yv), [X, w, yv]))
    assert code.count("X @ w") == 1  # (X*w - y).T is the transpose of the shared residual
    nll = row_block(to_numpy(LOGISTIC_NLL, [X, w, yv]))
    assert nll.count("X @ w") == 1 and "numpy.logaddexp(0, _t0)" in nll


def test_cse_false_recomputes_but_agrees():
    expr = (X * w - yv).T * (X * w - yv)
    f = to_numpy(expr, [X, w, yv], cse=False)
    assert whole_arrays(f).count("X @ w") == 2
    d = data()
    assert np.isclose(f(d["X"], d["w"], d["y"]), call(expr, [X, w, yv], d))


def test_products_multiply_into_the_vector_first():
    assert "_t0 = X @ w\n    _r = X.T @ (_t0[:, 0]" in whole_arrays(to_numpy(X.T * X * w, [X, w]))
    assert "(y.T @ X) @ X" in source(to_numpy(yv.T * X * X.T * X, [X, yv]))


def test_every_inverse_product_is_a_solve_never_inv():
    for expr, args in [
        (A**-1 * bv, [A, bv]),
        (bv.T * A**-1 * bv, [A, bv]),
        ((X.T * X) ** -1 * X.T * yv, [X, yv]),
        ((X.T * W * X) ** -1 * X.T * W * yv, [X, W, yv]),
    ]:
        code = source(to_numpy(expr, args))
        assert "_inv(" not in code and ("_solve(" in code or "_solve_normal(" in code)


def test_stable_sigmoid_and_softplus_at_extreme_scores():
    f = to_numpy(LOGISTIC_NLL, [X, w, yv])
    g = to_numpy(LOGISTIC_GRAD, [X, w, yv])
    Xd = EXTREME[:, None]
    assert np.isfinite(f(Xd, [1.0], np.zeros(7)))
    assert f(Xd, [1.0], np.zeros(7)) == pytest.approx(
        800 + 40 + np.sum(np.log1p(np.exp([-800, -40, -1, 0, 1])))
    )
    np.testing.assert_allclose(g(Xd, [1.0], np.zeros(7)), Xd.T @ sc.expit(EXTREME))


def test_complex_matrix_inputs_take_the_plain_formula():
    f = to_numpy((X * w).applyfunc(SOFTPLUS), [X, w])
    assert "def _plain(" in f.__doc__
    Xd = np.array([[1.0 + 1j], [0.5j]])
    np.testing.assert_allclose(f(Xd, [1.0]), np.log(1 + np.exp(Xd[:, 0])))


def test_definition_equations_evaluate_their_right_side():
    solve = to_numpy(sp.Eq(w, (X.T * X) ** -1 * X.T * yv), [X, yv])
    d = data()
    np.testing.assert_allclose(solve(d["X"], d["y"]), np.linalg.lstsq(d["X"], d["y"])[0])
    with pytest.raises(ArgumentError, match=r"equation defining w; leave w out.*args=\[X, y\]"):
        to_numpy(sp.Eq(w, (X.T * X) ** -1 * X.T * yv), [w, X, yv])


def test_derivation_with_matrix_result():
    d = Derivation(2 * X.T * (X * w - yv), wrt=[w])
    f = d.to_numpy(args=[X, w, yv])
    np.testing.assert_allclose(f(np.eye(2), [1.0, 2.0], [1.0, 1.0]), [0.0, 2.0])


# -- the stable solver for normal equations ----------------------------------------
def lstsq(A_, b_):
    return np.linalg.lstsq(A_, b_, rcond=None)[0]


def test_ordinary_least_squares_solves_like_lstsq_and_takes_columns():
    d = data(rows=20)
    solve = to_numpy((X.T * X) ** -1 * X.T * yv, [X, yv])
    np.testing.assert_allclose(solve(d["X"], d["y"]), lstsq(d["X"], d["y"]), rtol=1e-12)
    assert solve(d["X"], d["y"][:, None]).shape == (3, 1)


def test_multiple_targets():
    Y = sp.MatrixSymbol("Y", m, 2)
    rng = np.random.default_rng(3)
    Xd, Yd = rng.standard_normal((9, 3)), rng.standard_normal((9, 2))
    out = to_numpy((X.T * X) ** -1 * X.T * Y, [X, Y])(Xd, Yd)
    np.testing.assert_allclose(out, lstsq(Xd, Yd), rtol=1e-12)


SOLVERS = [
    # (solution formula, args, reference solution by an independent route)
    (
        (X.T * X + lam * sp.Identity(n)) ** -1 * X.T * yv,
        [X, yv, lam],
        lambda d: lstsq(np.vstack([d["X"], np.sqrt(0.7) * np.eye(3)]), np.r_[d["y"], np.zeros(3)]),
    ),
    (
        (X.T * W * X) ** -1 * X.T * W * yv,
        [X, W, yv],
        lambda d: np.linalg.solve(d["X"].T @ d["W"] @ d["X"], d["X"].T @ d["W"] @ d["y"]),
    ),
    (
        (X.T * W**-1 * X) ** -1 * X.T * W**-1 * yv,
        [X, W, yv],
        lambda d: np.linalg.solve(
            d["X"].T @ np.linalg.solve(d["W"], d["X"]), d["X"].T @ np.linalg.solve(d["W"], d["y"])
        ),
    ),
    (
        (X.T * DiagMatrix(v) * X) ** -1 * X.T * DiagMatrix(v) * yv,
        [X, v, yv],
        lambda d: lstsq(np.sqrt(d["v"])[:, None] * d["X"], np.sqrt(d["v"]) * d["y"]),
    ),
    (
        (2 * X.T * X + 2 * lam * A) ** -1 * (2 * X.T * yv + 2 * lam * A * bv),  # prior mean b
        [X, yv, A, bv, lam],
        lambda d: np.linalg.solve(
            d["X"].T @ d["X"] + 0.7 * d["A"], d["X"].T @ d["y"] + 0.7 * d["A"] @ d["b"]
        ),
    ),
    (
        (X.T * X + lam * sp.Identity(n)) ** -1 * (X.T * yv + lam * bv),
        [X, yv, bv, lam],
        lambda d: np.linalg.solve(
            d["X"].T @ d["X"] + 0.7 * np.eye(3), d["X"].T @ d["y"] + 0.7 * d["b"]
        ),
    ),
]


@pytest.mark.parametrize(("expr", "args", "reference"), SOLVERS)
def test_normal_equation_forms_are_stacked_least_squares(expr, args, reference):
    d = data(rows=12)
    f = to_numpy(expr, args)
    assert "_solve_normal(" in source(f)
    np.testing.assert_allclose(f(*(d[str(a)] for a in args)), reference(d), rtol=1e-9)


def test_diagonal_weight_matrix_is_row_scaling():
    d = data(rows=12)
    f = to_numpy((X.T * W * X) ** -1 * X.T * W * yv, [X, W, yv])
    expected = lstsq(np.sqrt(d["v"])[:, None] * d["X"], np.sqrt(d["v"]) * d["y"])
    np.testing.assert_allclose(f(d["X"], np.diag(d["v"]), d["y"]), expected, rtol=1e-12)


def test_other_inverse_products_are_lu_solves():
    code = source(to_numpy(A**-1 * bv, [A, bv]))
    assert "_solve(A, b)" in code


def test_least_squares_keeps_digits_that_the_normal_equations_lose():
    # cond(X) ~ 1e7: X^T X has cond ~ 1e14 and solving it loses about 14 digits
    x_ = np.linspace(0, 1, 30)
    Xd = np.vander(x_, 7, increasing=True)
    true = np.arange(1.0, 8.0)
    yd = Xd @ true
    ours = to_numpy((X.T * X) ** -1 * X.T * yv, [X, yv])(Xd, yd)
    naive = np.linalg.solve(Xd.T @ Xd, Xd.T @ yd)
    assert np.max(np.abs(ours - true)) < 1e-6
    assert np.max(np.abs(ours - true)) < np.max(np.abs(naive - true)) / 100


def test_rank_deficiency_warns_with_the_rank_and_gives_the_minimum_norm_solution():
    f = to_numpy((X.T * X) ** -1 * X.T * yv, [X, yv])
    Xd = np.c_[np.arange(5.0), np.arange(5.0), np.ones(5)]  # two equal columns
    yd = 2 * np.arange(5.0) + 1
    with pytest.warns(RankDeficientWarning, match=r"\(5 x 3\) has rank 2 < 3 columns") as caught:
        out = f(Xd, yd)
    assert caught[0].message.rank == 2 and caught[0].message.columns == 3
    np.testing.assert_allclose(out, [1.0, 1.0, 1.0], atol=1e-12)  # the 2 split evenly


def test_solver_argument_errors():
    ridge = to_numpy((X.T * X + lam * sp.Identity(n)) ** -1 * X.T * yv, [X, yv, lam])
    d = data()
    with pytest.raises(ArgumentError, match=r"lam=-1.0 is not valid: it must be >= 0"):
        ridge(d["X"], d["y"], -1.0)
    with pytest.raises(ArgumentError, match=r"lam=1j is not valid: it must be a real number"):
        ridge(d["X"], d["y"], 1j)
    unevaluated = sp.MatMul(sp.Inverse(lam * sp.Identity(n)), lam * bv, evaluate=False)
    penalty = to_numpy(unevaluated, [bv, lam])
    np.testing.assert_allclose(penalty(d["b"], 2.0), d["b"])
    with pytest.raises(
        ArgumentError, match=r"lam=0.0 .* zero coefficient the equations are singular"
    ):
        penalty(d["b"], 0.0)
    with pytest.raises(ArgumentError, match=r"coefficients=0 is not valid: all are zero"):
        penalty(np.zeros(3), 0.0)
    weighted = to_numpy((X.T * W * X) ** -1 * X.T * W * yv, [X, W, yv])
    with pytest.raises(
        ArgumentError,
        match=r"W=<array of shape \(7, 7\)> is not valid: the derivation assumed it symmetric",
    ):
        weighted(d["X"], d["W"] + np.triu(np.ones((7, 7)), 1), d["y"])
    with pytest.raises(ArgumentError, match=r"W=.*positive semi-definite"):
        weighted(d["X"], -d["W"], d["y"])
    gls = to_numpy((X.T * W**-1 * X) ** -1 * X.T * W**-1 * yv, [X, W, yv])
    with pytest.raises(ArgumentError, match=r"W=.*positive definite"):
        gls(d["X"], -d["W"], d["y"])
    diag = to_numpy((X.T * DiagMatrix(v) * X) ** -1 * X.T * DiagMatrix(v) * yv, [X, v, yv])
    with pytest.raises(ArgumentError, match=r"weights must be >= 0"):
        diag(d["X"], -d["v"], d["y"])


# -- shape and argument errors -------------------------------------------------
@pytest.mark.parametrize(
    ("inputs", "match"),
    [
        (
            [(5, 3), (4,), (5,)],
            r"w has shape \(4,\) but X has shape \(5, 3\): X is m x n and w is n x 1, "
            r"so n must be the same in both \(3 != 4\)",
        ),
        ([(5, 3), (3,), (6, 1)], r"y has shape \(6, 1\) but X has shape \(5, 3\).*m .*\(5 != 6\)"),
        ([(5,), (3,), (5,)], r"X is m x n, so pass a 2-D array; got shape \(5,\)"),
        ([(5, 3), (3, 2), (5,)], r"w is n x 1 but has shape \(3, 2\)"),
        (
            [(5, 3), (3, 1, 1), (5,)],
            r"w is n x 1, so pass a 2-D array or 1-D; got shape \(3, 1, 1\)",
        ),
    ],
)
def test_shape_errors_name_the_arguments_and_both_shapes(inputs, match):
    f = to_numpy(LOGISTIC_GRAD, [X, w, yv])
    with pytest.raises(ShapeError, match=match):
        f(*(np.ones(s) for s in inputs))


def test_fixed_sizes_and_scalar_arguments_are_checked():
    B3 = sp.MatrixSymbol("B", 3, 3)
    with pytest.raises(ShapeError, match=r"B is 3 x 3 but has shape \(2, 2\)"):
        to_numpy(B3 * lam, [B3, lam])(np.eye(2), 1.0)
    with pytest.raises(ShapeError, match=r"lam is a scalar Symbol, so pass one number"):
        to_numpy(B3 * lam, [B3, lam])(np.eye(3), np.ones(3))
    with pytest.raises(
        ArgumentError,
        match=r"X=<array of shape \(1, 1\)> .*pass numbers \(got an array of dtype <U1\)",
    ):
        to_numpy(X * w, [X, w])([["a"]], [1.0])


@pytest.mark.parametrize(
    ("expr", "args", "match"),
    [
        (X * w, [X], r"depends on \[w\] \(a MatrixSymbol is passed as an array"),
        (X * w * lam, [X, w], r"depends on \[lam\]"),
        (X * w, [X, w, n], r"n is a dimension of a matrix argument.*leave it out of args"),
        (X[:2, :] * w, [X, w], r"does not support MatrixSlice"),
        (
            sp.MatrixSymbol("Z", n + 1, 1).T * sp.MatrixSymbol("Z", n + 1, 1),
            [sp.MatrixSymbol("Z", n + 1, 1)],
            r"Z has shape \(n \+ 1, 1\).*give each a symbol or an integer",
        ),
        (sp.Derivative(sp.Trace(X), x), [X, x], r"Derivative"),
        ((X * w).applyfunc(sp.Lambda(t, sp.zeta(t))), [X, w], r"'zeta'"),
    ],
)
def test_matrix_argument_errors(expr, args, match):
    with pytest.raises(ArgumentError, match=match):
        to_numpy(expr, args)


def test_normal_equations_fit_uses_the_same_least_squares_solver():
    ne = symml.normal_equations((X * w - yv).T * (X * w - yv), w)
    d = data(rows=20)
    fit = ne.fit(d["X"], d["y"])
    np.testing.assert_allclose(fit.params, lstsq(d["X"], d["y"]), rtol=1e-12)
    assert fit.rank == 3
    Xd = np.c_[np.arange(5.0), np.arange(5.0), np.ones(5)]
    with pytest.warns(RankDeficientWarning, match=r"rank 2 < 3"):
        assert ne.fit(Xd, 2 * np.arange(5.0) + 1).rank == 2


# -- calling a generated function wrongly -----------------------------------------
def test_a_missing_argument_names_the_parameters_as_the_user_knows_them():
    grad = to_numpy(symml.gradient(x**2 * y, [x, y]), [x, y])
    with pytest.raises(
        ArgumentError,
        match=r"^the gradient takes \(x, y\), one array per symbol in this order; "
        r"got 1 argument: missing y$",
    ) as info:
        grad(1.0)
    assert "symml_func" not in str(info.value)
    with pytest.raises(ArgumentError, match=r"^the function made by to_numpy takes \(x, y\)"):
        to_numpy(x * y, [x, y])(x=1.0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda f: f(), r"got 0 arguments: missing lambda, y"),
        (lambda f: f(1.0, 2.0, 3.0), r"got 3 arguments: 1 argument too many"),
        (lambda f: f(1.0, z=2.0), r"got an unexpected keyword argument 'z': pass the arrays"),
        (lambda f: f(1.0, 2.0, y=2.0), r"y was given twice \(by position and by keyword\)"),
    ],
)
def test_wrong_argument_counts_and_keywords_are_argument_errors(call, match):
    f = to_numpy(sp.Symbol("lambda") * y, [sp.Symbol("lambda"), y], name="score")
    head = r"^score takes \(lambda, y\), one array per symbol in this order; "
    with pytest.raises(ArgumentError, match=head + match):
        call(f)


def test_matrix_functions_name_their_array_parameters():
    f = to_numpy(LOGISTIC_GRAD, [X, w, yv])
    with pytest.raises(ArgumentError, match=r"takes \(X, w, y\).*got 2 arguments: missing y$"):
        f(np.ones((3, 2)), np.ones(2))


@pytest.mark.parametrize(
    ("shapes", "match"),
    [
        (
            [(3,), (4,)],
            r"x has shape \(3,\), y has shape \(4,\); axis -1 \(counted from the right\) "
            r"has sizes 3 \(x\), 4 \(y\)\. .*e\.g\. x\[:, None\] and y for a grid",
        ),
        (
            [(2, 3), (3, 2)],
            r"x has shape \(2, 3\), y has shape \(3, 2\); axis -1 .* 3 \(x\), 2 \(y\)",
        ),
    ],
)
def test_inputs_that_do_not_broadcast_are_shape_errors_naming_each_argument(shapes, match):
    for expr in (x * y, sp.Matrix([x * y, x + 1]), x + 0 * y + 1):
        f = to_numpy(expr, [x, y])
        with pytest.raises(
            ShapeError,
            match=r"^the inputs of the function made by to_numpy do "
            r"not broadcast together: " + match,
        ):
            f(*(np.ones(s) for s in shapes))


def test_one_variable_functions_check_their_calls_too():
    hess = to_numpy(symml.hessian((x - 3) ** 2, [x]), [x])
    assert hess(np.array([0.0, 1.0])).shape == (1, 1, 2)
    with pytest.raises(ArgumentError, match=r"^the hessian takes \(x\), .*got 2 arguments"):
        hess(1.0, 2.0)


@pytest.mark.parametrize(
    ("inputs", "match"),
    [
        (
            (np.array(["a"]), 1.0),
            r"^x=<array of shape \(1,\)> is not valid: pass numbers \(got an array of dtype <U1\)$",
        ),
        (
            (1.0, [[1.0, 2.0], [3.0]]),
            r"^y is not a rectangular array of numbers \(.*\); pass rows of equal length",
        ),
    ],
)
def test_inputs_that_are_not_arrays_of_numbers_are_argument_errors(inputs, match):
    for expr in (x * y, sp.Matrix([x * y, 2 * x])):
        with pytest.raises(ArgumentError, match=match):
            to_numpy(expr, [x, y])(*inputs)


def test_errors_that_are_not_about_the_call_pass_through_unchanged():
    f = to_numpy(sp.sqrt(x), [x])
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        f(-1.0)


def test_wrapped_functions_keep_name_signature_and_source():
    f = to_numpy(x * y, [x, y], name="prod")
    assert f.__name__ == "prod"
    assert str(inspect.signature(f)) == "(x, y)"
    assert source(f).startswith("def prod(x, y):")


def test_nan_in_a_generated_least_squares_solve_names_the_argument():
    solve = to_numpy((X.T * X) ** -1 * X.T * yv, [X, yv])
    Xd = np.c_[np.ones(4), [0.0, 1.0, 2.0, np.nan]]
    with pytest.raises(
        ArgumentError,
        match=r"^X has 1 non-finite value \(1 NaN\) at \(3, 1\): this computation "
        r"\(e\.g\. a least-squares solve\) needs finite numbers; replace them",
    ):
        solve(Xd, np.arange(4.0))
    with pytest.raises(ArgumentError, match=r"^y has 2 non-finite values \(2 inf\) at index 0, 2"):
        solve(np.ones((4, 1)), [np.inf, 1.0, -np.inf, 2.0])
    with np.errstate(invalid="ignore"):  # scalar code computes with NaN, as NumPy does
        assert np.isnan(to_numpy(x * y, [x, y])(np.nan, 1.0))
