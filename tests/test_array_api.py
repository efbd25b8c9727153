"""Generated array code follows the caller's array library: NumPy, JAX (``jax.jit``), Dask.

A function made by ``symml.to_numpy`` returns an array of the library of its
inputs, with the values of the NumPy code (rtol 1e-10 in float64); JAX
results trace under ``jax.jit``; Dask results are lazy until computed; the
stable forms (``logaddexp``, ``log1p``, the sigmoid) exist in each library.
"""

from __future__ import annotations

import subprocess
import sys

import dask.array as da
import jax
import numpy as np
import pytest
import sympy as sp

import symml

jnp = jax.numpy
jax.config.update("jax_enable_x64", True)

RTOL = 1e-10
x, y, t = sp.symbols("x y t", real=True)


def _logistic() -> tuple:
    lr = symml.logistic_regression()
    X, yv, w = lr.symbols
    grad = symml.to_numpy(lr.gradient.result, [X, w, yv], name="gradient")
    hess = symml.to_numpy(lr.hessian.result, [X, w, yv], name="hessian")
    return grad, hess


@pytest.fixture(scope="module")
def logistic() -> tuple:
    return _logistic()


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    X = rng.standard_normal((200, 4))
    w = rng.standard_normal(4)
    yv = (rng.random(200) < 0.5).astype(float)
    return X, w, yv


def _dask(a: np.ndarray) -> object:
    return da.from_array(a, chunks=(50, *a.shape[1:]))


def _same(result: object, expected: np.ndarray) -> None:
    np.testing.assert_allclose(np.asarray(result), expected, rtol=RTOL, atol=0)


# -- scalar and Matrix code ------------------------------------------------------
SCALAR_CASES = [
    (x**2 * y, "product"),
    (sp.log(1 + sp.exp(x * y)), "softplus (logaddexp)"),
    (sp.Matrix([x * y, sp.sin(x), 0, 3]), "column with a zero and a constant"),
    (sp.Matrix([[x, y], [x * y, 1]]), "2 x 2 matrix"),
]


@pytest.mark.parametrize(("expr", "label"), SCALAR_CASES, ids=[c[1] for c in SCALAR_CASES])
def test_scalar_code_gives_the_library_of_its_inputs(expr: sp.Basic, label: str) -> None:
    f = symml.to_numpy(expr, [x, y])
    a = np.linspace(-2.0, 3.0, 8)
    expected = f(a, 1.5)
    assert isinstance(expected, np.ndarray)

    out_jax = f(jnp.asarray(a), 1.5)
    assert isinstance(out_jax, jax.Array)
    _same(out_jax, expected)

    out_dask = f(da.from_array(a, chunks=3), 1.5)
    assert isinstance(out_dask, da.Array)  # lazy: nothing computed yet
    _same(out_dask.compute(), expected)


def test_integer_jax_inputs_become_float64() -> None:
    f = symml.to_numpy(1 / x, [x])
    out = f(jnp.arange(1, 4))
    assert out.dtype == jnp.float64
    _same(out, [1.0, 0.5, 1 / 3])


def test_jit_of_scalar_code() -> None:
    f = symml.to_numpy(sp.Matrix([sp.exp(x) * y, x + y]), [x, y])
    a = np.linspace(0.0, 1.0, 5)
    _same(jax.jit(f)(jnp.asarray(a), jnp.asarray(2.0)), f(a, 2.0))


# -- matrix expressions: the logistic gradient and Hessian -------------------------
@pytest.mark.parametrize("which", [0, 1], ids=["gradient", "hessian"])
def test_logistic_on_numpy_jax_dask(logistic: tuple, data: tuple, which: int) -> None:
    f = logistic[which]
    X, w, yv = data
    expected = f(X, w, yv)
    assert isinstance(expected, np.ndarray)

    out_jax = f(jnp.asarray(X), jnp.asarray(w), jnp.asarray(yv))
    assert isinstance(out_jax, jax.Array)
    _same(out_jax, expected)

    out_dask = f(_dask(X), da.from_array(w), _dask(yv))
    assert isinstance(out_dask, da.Array)
    _same(out_dask.compute(), expected)


@pytest.mark.parametrize("which", [0, 1], ids=["gradient", "hessian"])
def test_jax_jit_of_generated_logistic(logistic: tuple, data: tuple, which: int) -> None:
    f = logistic[which]
    X, w, yv = data
    jitted = jax.jit(f)
    out = jitted(jnp.asarray(X), jnp.asarray(w), jnp.asarray(yv))
    assert isinstance(out, jax.Array)
    _same(out, f(X, w, yv))
    # against JAX's own derivative of the loss
    loss = lambda w_: jnp.sum(jnp.logaddexp(0.0, X @ w_) - yv * (X @ w_))  # noqa: E731
    reference = (jax.grad, jax.hessian)[which](loss)(jnp.asarray(w))
    np.testing.assert_allclose(np.asarray(out), np.asarray(reference), rtol=1e-9)


def test_column_inputs_keep_columns_on_jax(logistic: tuple, data: tuple) -> None:
    grad = logistic[0]
    X, w, yv = data
    out = grad(jnp.asarray(X), jnp.asarray(w[:, None]), jnp.asarray(yv[:, None]))
    assert out.shape == (4, 1)
    _same(out, grad(X, w[:, None], yv[:, None]))


def test_matrix_code_with_stable_forms_runs_on_jax_and_dask() -> None:
    # a matrix function with a stable form has a complex-input branch (_plain)
    m, n = sp.symbols("m n", integer=True, positive=True)
    X, w = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1)
    softplus = symml.to_numpy((X * w).applyfunc(sp.Lambda(t, sp.log(1 + sp.exp(t)))), [X, w])
    A = np.array([[1.0, -2.0], [800.0, 0.5], [-800.0, 3.0]])
    v = np.array([1.0, 0.5])
    expected = np.logaddexp(0.0, A @ v)
    _same(softplus(A, v), expected)
    _same(softplus(jnp.asarray(A), jnp.asarray(v)), expected)
    _same(jax.jit(softplus)(jnp.asarray(A), jnp.asarray(v)), expected)
    _same(softplus(_dask(A), da.from_array(v)).compute(), expected)


# -- stable forms in each library ----------------------------------------------------
STABLE = [
    (sp.log(1 + sp.exp(t)), [-1000.0, 0.0, 1000.0], [0.0, np.log(2.0), 1000.0], "logaddexp"),
    (sp.log(1 + t**2), [1e-10, 0.0, 3.0], np.log1p([1e-20, 0.0, 9.0]), "log1p"),
    (symml.expit(t), [-1000.0, 0.0, 1000.0], [0.0, 0.5, 1.0], "sigmoid"),
]


@pytest.mark.parametrize(("expr", "z", "expected", "label"), STABLE, ids=[c[3] for c in STABLE])
def test_stable_forms_exist_in_every_library(expr, z, expected, label) -> None:
    f = symml.to_numpy(expr, [t])
    z = np.array(z)
    with np.errstate(over="raise", invalid="raise"):  # no overflow in the NumPy code
        ref = f(z)
    np.testing.assert_allclose(ref, expected, rtol=1e-15, atol=0)
    for out in (f(jnp.asarray(z)), f(da.from_array(z, chunks=2)).compute()):
        assert np.all(np.isfinite(np.asarray(out)))
        np.testing.assert_allclose(np.asarray(out), expected, rtol=RTOL, atol=0)


def test_sigmoid_is_exact_at_the_tails_on_jax() -> None:
    s = symml.to_numpy(symml.expit(t), [t])
    z = np.array([-700.0, -30.0, -5.0, 0.25, 5.0, 30.0])
    expected = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(np.asarray(s(jnp.asarray(z))), expected, rtol=1e-14)
    np.testing.assert_allclose(np.asarray(jax.jit(s)(jnp.asarray(z))), expected, rtol=1e-14)


# -- no silent conversion: clear errors --------------------------------------------
def test_mixing_array_libraries_is_an_error() -> None:
    f = symml.to_numpy(x * y, [x, y], name="area")
    with pytest.raises(symml.ArgumentError, match=r"more than one array library.*dask.*jax"):
        f(jnp.ones(3), da.ones(3))


def test_numpy_arrays_join_a_foreign_library() -> None:
    f = symml.to_numpy(x * y, [x, y])
    out = f(jnp.ones(3), np.full(3, 2.0))
    assert isinstance(out, jax.Array)
    _same(out, [2.0, 2.0, 2.0])


def test_least_squares_qr_runtime_refuses_foreign_arrays() -> None:
    n, m = sp.symbols("n m", integer=True, positive=True)
    X = sp.MatrixSymbol("X", m, n)
    yv = sp.MatrixSymbol("y", m, 1)
    solve = symml.to_numpy((X.T * X) ** -1 * X.T * yv, [X, yv])
    A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    with pytest.raises(symml.ArgumentError, match=r"QR runtime.*JAX arrays.*numpy\.asarray"):
        solve(jnp.asarray(A), jnp.ones(3))


def test_lu_solve_runs_on_jax() -> None:
    n = sp.Symbol("n", integer=True, positive=True)
    A = sp.MatrixSymbol("A", n, n)
    b = sp.MatrixSymbol("b", n, 1)
    solve = symml.to_numpy(A**-1 * b, [A, b])
    M = np.array([[3.0, 1.0], [1.0, 2.0]])
    out = jax.jit(solve)(jnp.asarray(M), jnp.asarray([1.0, 2.0]))
    _same(out, np.linalg.solve(M, [1.0, 2.0]))


def test_import_symml_does_not_import_array_api_compat() -> None:
    code = (
        "import sys, symml, sympy as sp; x = sp.Symbol('x'); "
        "symml.to_numpy(x**2, [x])(2.0); print('array_api_compat' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
