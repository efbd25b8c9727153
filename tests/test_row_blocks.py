"""Specifications for sums over rows computed in blocks of rows.

A generated function whose expression is a sum over the rows of its data (a
gradient ``X.T*(sigma(X*w) - y)``, a Hessian ``X.T*diag(s)*X``, a loss) runs over
blocks of rows (about 1 MiB of data each) and adds the blocks' results. Each case
runs on 70,001 rows -- two or three blocks, the last one short -- and is compared
with independent whole-array NumPy code; expressions that are not such sums are
computed whole.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import sympy as sp
from scipy.special import expit as np_expit
from sympy import MatrixSymbol

import symml

m, n = sp.symbols("m n", integer=True, positive=True)
X, y, w = MatrixSymbol("X", m, n), MatrixSymbol("y", m, 1), MatrixSymbol("w", n, 1)
lam = sp.Symbol("lam", positive=True)
SIGMA = (X * w).applyfunc(symml.expit)  # sigma(X w), entry by entry
RNG = np.random.default_rng(20261204)
M, N = 70_001, 4  # blocks of 26,214 rows for X and y (32,768 for X alone), a short last one
DATA = {
    "X": RNG.standard_normal((M, N)),
    "y": (RNG.random(M) < 0.5).astype(float),
    "w": RNG.standard_normal(N) / 2,
    "lam": 0.7,
}


def _s(Xv, wv):
    return np_expit(Xv @ wv)


# (expression, its arguments, independent NumPy code on DATA, label)
CASES = [
    (
        X.T * (SIGMA - y),
        [X, y, w],
        lambda d: d["X"].T @ (_s(d["X"], d["w"]) - d["y"]),
        "logistic gradient",
    ),
    (
        X.T * sp.DiagMatrix(sp.hadamard_product(SIGMA, sp.OneMatrix(m, 1) - SIGMA)) * X,
        [X, y, w],
        lambda d: (d["X"] * (_s(d["X"], d["w"]) * (1 - _s(d["X"], d["w"])))[:, None]).T @ d["X"],
        "logistic Hessian",
    ),
    (
        X.T * (X * w - y) + lam * w,
        [X, y, w, lam],
        lambda d: d["X"].T @ (d["X"] @ d["w"] - d["y"]) + d["lam"] * d["w"],
        "ridge gradient (a part computed once)",
    ),
    (
        X.T * (X * w - y) / m,
        [X, y, w],
        lambda d: d["X"].T @ (d["X"] @ d["w"] - d["y"]) / M,
        "mean gradient (m as a number: the total, not a block's)",
    ),
    (
        (X * w - y).T * (X * w - y) + lam * w.T * w,
        [X, y, w, lam],
        lambda d: np.sum((d["X"] @ d["w"] - d["y"]) ** 2) + d["lam"] * d["w"] @ d["w"],
        "a 1 x 1 loss",
    ),
    (
        X.T * sp.OneMatrix(m, 1),
        [X],
        lambda d: d["X"].sum(axis=0),
        "column sums (a block of ones)",
    ),
]


@pytest.mark.parametrize(("expr", "args", "expected", "label"), CASES, ids=[c[3] for c in CASES])
def test_sums_over_rows_are_added_block_by_block(expr, args, expected, label):
    values = [DATA[str(s)] for s in args]
    f = symml.to_numpy(expr, args)
    assert "_row_blocks" in inspect.getsource(f)
    got = f(*values)
    want = expected(DATA)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.max(np.abs(want)))


def test_column_inputs_give_columns():
    f = symml.to_numpy(X.T * (SIGMA - y), [X, y, w])
    got = f(DATA["X"], DATA["y"][:, None], DATA["w"][:, None])
    assert got.shape == (N, 1)
    want = DATA["X"].T @ (_s(DATA["X"], DATA["w"]) - DATA["y"])
    np.testing.assert_allclose(got[:, 0], want, rtol=1e-12)


def test_complex_inputs_take_the_plain_formula_in_blocks_too():
    """Real inputs get log(1 + e^z) as logaddexp; complex ones the formula as written."""
    t = sp.Symbol("t")
    softplus = sp.OneMatrix(1, m) * (X * w).applyfunc(sp.Lambda(t, sp.log(1 + sp.exp(t))))
    f = symml.to_numpy(softplus, [X, w])
    assert "def _plain_rows(" in f.__doc__
    Xc = DATA["X"] + 0.1j * RNG.standard_normal((M, N))
    want = np.sum(np.log(1 + np.exp(Xc @ DATA["w"])))
    np.testing.assert_allclose(f(Xc, DATA["w"]), want, rtol=1e-12)
    real = np.sum(np.logaddexp(0, DATA["X"] @ DATA["w"]))
    np.testing.assert_allclose(f(DATA["X"], DATA["w"]), real, rtol=1e-12)


def test_the_generated_source_reads_as_a_loop_over_blocks():
    f = symml.to_numpy(X.T * (SIGMA - y), [X, y, w], name="grad")
    source = inspect.getsource(f)
    assert "    _blocks = _row_blocks(m, (n + 1), n)\n" in source
    assert "    _s = 0 if _blocks else _rows(X, y, w)  # no blocks: the whole" in source
    assert "    for _a, _b in _blocks:\n" in source
    assert "        _s = _s + _rows(X[_a:_b], y[_a:_b], w)\n" in source
    assert "def _rows(X, y, w):\n    return X.T @ (scipy.special.expit(X @ w) - y)\n" in f.__doc__
    # arrays of other libraries get the whole-array code (jax.jit fuses; Dask has chunks)
    array_code = f.__doc__.split("Array code")[1]
    assert "_row_blocks" not in array_code and "X.T @ " in array_code


def test_blocks_of_real_size_match_whole_arrays():
    """10^5 x 20 logistic data (17 blocks), against whole-array NumPy."""
    rng = np.random.default_rng(7)
    Xv, wv = rng.standard_normal((100_000, 20)), rng.standard_normal(20) / 4
    yv = (rng.random(100_000) < np_expit(Xv @ wv)).astype(float)
    lr = symml.logistic_regression()
    grad = symml.to_numpy(lr.gradient.result, list(lr.symbols))  # (X, y, w)
    hess = symml.to_numpy(lr.hessian.result, list(lr.symbols))
    assert "_row_blocks" in inspect.getsource(grad) and "_row_blocks" in inspect.getsource(hess)
    s = np_expit(Xv @ wv)
    np.testing.assert_allclose(grad(Xv, yv, wv), Xv.T @ (s - yv), rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(hess(Xv, yv, wv), (Xv.T * (s * (1 - s))) @ Xv, rtol=1e-10)


def test_small_data_are_computed_whole_and_give_the_same():
    f = symml.to_numpy(X.T * (SIGMA - y), [X, y, w])
    Xv, yv, wv = DATA["X"][:50], DATA["y"][:50], DATA["w"]
    np.testing.assert_allclose(f(Xv, yv, wv), Xv.T @ (_s(Xv, wv) - yv), rtol=1e-13)


@pytest.mark.parametrize(
    ("expr", "why"),
    [
        ((X.T * X).inverse() * X.T * y, "a solve: a product of two sums"),
        (X * X.T, "an m x m outer product (and n counts the columns of X)"),
        (X.T * X * X.T * y, "a sum times a matrix with m rows"),
        (X.T * (X * w - y) + X[0, 0] * w, "an entry of X: not the same in every block"),
        ((X.T * y).applyfunc(sp.exp), "a function of a sum is not a sum"),
        (X * w, "the result has m rows"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_what_is_not_a_sum_over_rows_is_computed_whole(expr, why):
    assert "_row_blocks" not in inspect.getsource(symml.to_numpy(expr, [X, y, w]))


def test_a_ridge_term_is_added_once_after_the_blocks():
    f = symml.to_numpy(X.T * (X * w - y) + lam * w, [X, y, w, lam])
    source = f.__doc__.split("Source code")[1].split("Array code")[0]
    main, part = source.split("def _rows(")
    assert "lam" not in part and "lam * w" in main
