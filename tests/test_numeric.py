"""Specifications of ``to_numpy``: SymPy in, fast vectorised NumPy function out."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest
import scipy.special as sc
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.codegen.numpy_nodes import logaddexp

from symml._derivation import Derivation
from symml._errors import ArgumentError
from symml._numeric import expit, stable_form, to_numpy

x, y, z = sp.symbols("x y z", real=True)
t, u, a, b = sp.symbols("t u a b", real=True)
EXTREME = np.array([-800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0])


def source(f) -> str:
    return inspect.getsource(f)


# -- shapes -------------------------------------------------------------------
SHAPES = [
    # (expr, args, input shapes, expected output shape)
    (x * y, [x, y], [(), ()], ()),
    (x * y, [x, y], [(3,), ()], (3,)),
    (x * y, [x, y], [(3, 1), (4,)], (3, 4)),
    (x**2, [x, y], [(), (4,)], (4,)),  # y unused: still broadcast against it
    (sp.Integer(7), [x], [(2, 3)], (2, 3)),  # constant expression
    (sp.Matrix([x, y]), [x, y], [(), ()], (2,)),  # column
    (sp.Matrix([x, y]), [x, y], [(5,), (5,)], (2, 5)),
    (sp.Matrix([x, 0, 1]), [x], [(2, 3)], (3, 2, 3)),
    (sp.Matrix([[x, y]]), [x, y], [(5,), ()], (1, 2, 5)),  # row
    (sp.Matrix([[x, y, 1], [0, x * y, 2]]), [x, y], [(4,), (4,)], (2, 3, 4)),
    (sp.Matrix([[x, y, 1], [0, x * y, 2]]), [x, y], [(), ()], (2, 3)),
    (sp.Array([[[x, 1], [y, 2]], [[0, x], [y, x * y]]]), [x, y], [(3,), (3,)], (2, 2, 2, 3)),
    (sp.Matrix(0, 1, []), [x], [(3,)], (0, 3)),
]


@pytest.mark.parametrize(("expr", "args", "shapes", "expected"), SHAPES)
def test_output_shapes(expr, args, shapes, expected):
    rng = np.random.default_rng(0)
    inputs = [rng.uniform(0.5, 2.0, size=s) for s in shapes]
    out = to_numpy(expr, args)(*inputs)
    assert np.shape(out) == expected


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


def undo_stable(e: sp.Basic) -> sp.Basic:
    return (
        e.replace(logaddexp, lambda p, q: sp.log(sp.exp(p) + sp.exp(q)))
        .replace(log1p, lambda v: sp.log(1 + v))
        .replace(expm1, lambda v: sp.exp(v) - 1)
        .replace(expit, lambda v: 1 / (1 + sp.exp(-v)))
    )


@pytest.mark.parametrize("expr", REWRITTEN)
def test_stable_form_is_the_same_function(expr):
    stable = stable_form(expr)
    assert stable != expr
    assert sp.simplify(undo_stable(stable) - expr) == 0
    assert stable_form(stable) == stable  # idempotent


def test_visibly_complex_arguments_are_not_rewritten():
    e = sp.log(1 + sp.exp(sp.I * t))
    assert not stable_form(e).has(logaddexp)


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
    assert "scipy" not in to_numpy(sp.exp(x), [x]).__globals__
    assert "scipy" in to_numpy(sp.erf(x), [x]).__globals__


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
        ([x, sp.MatrixSymbol("w", 3, 1)], r"w is a MatrixSymbol.*not supported yet"),
        (sp.MatrixSymbol("w", 3, 1), r"MatrixSymbol"),
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
        (sp.Function("f")(x), r"undefined function"),
        (sp.Derivative(sp.sin(x) * x, x), r"Derivative.*doit"),
        (sp.Integral(sp.exp(x**3), x), r"Integral"),
        (sp.Sum(x, (y, 1, x)), r"symbolic limits"),
        (sp.zoo * x, r"complex infinity"),
        (sp.Eq(x, 2), r"one side"),
        ("x + 1", r"parse_expr"),
        (sp.MatrixSymbol("w", 3, 1).T * sp.MatrixSymbol("w", 3, 1), r"MatrixSymbol"),
        (sp.Matrix([sp.MatrixSymbol("w", 2, 1)[0, 0]]), r"MatrixSymbol"),
    ],
)
def test_bad_expr(expr, match):
    with pytest.raises(ArgumentError, match=match):
        to_numpy(expr, [x])


@pytest.mark.parametrize(("option", "value"), [("cse", "yes"), ("stable", None), ("name", 3)])
def test_bad_options(option, value):
    with pytest.raises(ArgumentError, match=option):
        to_numpy(x, [x], **{option: value})
