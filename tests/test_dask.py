"""Fits on Dask arrays stream (issue 14, item 2).

``mle(...).fit`` reduces each block of a Dask array to its sums (and, for
centred sums of squares, count / mean / M2 merged pairwise with Chan's
update); ``normal_equations(...).fit`` uses the tall-skinny QR of ``[X | y]``;
``fit_logistic`` runs IRLS with one Dask reduction per pass. Every result
equals the NumPy fit of the same data (rtol 1e-10).
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from fractions import Fraction

import dask.array as da
import numpy as np
import pytest
import sympy as sp

import symml


def chunked(x: np.ndarray, chunks: int | tuple = 997):
    return da.from_array(np.asarray(x), chunks=chunks)


def same_fit(a, b, rtol=1e-10):
    assert set(a.params) == set(b.params)
    for k in a.params:
        assert b.params[k] == pytest.approx(a.params[k], rel=rtol, abs=1e-300)
        assert b.stderr[k] == pytest.approx(a.stderr[k], rel=rtol, abs=1e-300)


RNG = np.random.default_rng(20261203)
POS = RNG.gamma(2.0, 1.5, 10_001)
FAMILIES = {
    "normal": (RNG.normal(3.0, 2.0, 10_001), None),
    "exponential": (POS, None),
    "poisson": (RNG.poisson(3.0, 10_001), None),
    "bernoulli": (RNG.integers(0, 2, 10_001), None),
    "binomial": (RNG.binomial(10, 0.3, 10_001), {"N": 10}),
    "geometric": (RNG.geometric(0.3, 10_001), None),
    "lognormal": (POS, None),
    "rayleigh": (POS, None),
    "gamma_known_shape": (POS, {"k": 2.0}),
    "uniform": (POS, None),
}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_mle_on_dask_equals_numpy(name):
    x, known = FAMILIES[name]
    kw = {} if known is None else {"known": known}
    est = symml.mle_catalog(name)
    a, b = est.fit(x, **kw), est.fit(chunked(x), **kw)
    same_fit(a, b)
    assert b.n == a.n == x.size
    assert b.loglike == pytest.approx(a.loglike, rel=1e-10)
    for k, (lo, hi) in a.conf_int(0.9).items():
        assert b.conf_int(0.9)[k] == pytest.approx((lo, hi), rel=1e-10)


def test_observed_information_and_boundary_on_dask():
    x = FAMILIES["normal"][0]
    est = symml.mle_catalog("normal")
    same_fit(est.fit(x, information="observed"), est.fit(chunked(x), information="observed"))
    zeros = np.zeros(50)  # p-hat = 0 on the boundary: Wilson interval, stderr 0
    a = symml.mle_catalog("bernoulli").fit(zeros)
    b = symml.mle_catalog("bernoulli").fit(chunked(zeros, 7))
    assert b.params == a.params == {"p": 0.0}
    assert b.conf_int(0.95)["p"] == pytest.approx(a.conf_int(0.95)["p"], rel=1e-12)


def numacc(base: str, pairs: int) -> list[str]:
    """NIST StRD NumAcc layout: base.2, then pairs of base.1, base.3."""
    return [base + ".2"] + [base + ".1", base + ".3"] * pairs


NUMACC = {
    "NumAcc1": ["10000001", "10000003", "10000002"],
    "NumAcc2": numacc("1", 500),
    "NumAcc3": numacc("1000000", 500),
    "NumAcc4": numacc("10000000", 500),
}


@pytest.mark.parametrize("name", sorted(NUMACC))
@pytest.mark.parametrize("chunks", [2, 7, 100, 1001])
def test_numacc_per_chunk_and_across_chunks(name, chunks):
    text = NUMACC[name]
    exact = [Fraction(v) for v in text]
    n = len(exact)
    mean = sum(exact) / n
    ss = sum((v - mean) ** 2 for v in exact)
    certified_sd = 1.0 if name == "NumAcc1" else 0.1  # NIST: sample sd, divisor n - 1
    assert math.sqrt(ss / (n - 1)) == pytest.approx(certified_sd, rel=1e-15)
    fit = symml.mle_catalog("normal").fit(chunked(np.array([float(v) for v in text]), chunks))
    assert fit.params["mu"] == pytest.approx(float(mean), rel=1e-15)
    assert fit.params["sigma"] == pytest.approx(math.sqrt(ss / n), rel=1e-8)


def test_dask_mle_refuses_what_does_not_stream():
    x = chunked(POS)
    with pytest.raises(symml.ArgumentError, match="no closed-form estimator over finite"):
        symml.mle_catalog("student_t").fit(x)
    with pytest.raises(symml.ArgumentError, match=r"SampleMedian of the sample.*data.compute"):
        symml.mle_catalog("laplace").fit(x)
    with pytest.raises(symml.ArgumentError, match="1-D Dask array"):
        symml.mle_catalog("normal").fit(da.ones((4, 3)))
    with pytest.raises(symml.ArgumentError, match="known length"):
        symml.mle_catalog("normal").fit(x[x > 1.0])
    with pytest.raises(symml.ArgumentError, match="MultivariateNormalMLE fits do not stream"):
        symml.mle_catalog("mvnormal").fit(da.ones((40, 2), chunks=10))
    with pytest.raises(symml.ArgumentError, match="over- or underflow"):
        symml.mle_catalog("normal").fit(chunked(np.array([1e200, 3e200]), 1))


def test_dask_mle_names_the_bad_block():
    x = np.r_[np.ones(10), [1.0, np.nan, 2.0]]
    with pytest.raises(symml.ArgumentError, match=r"block 2 .*rows from 10.*NaN or infinite"):
        symml.mle_catalog("normal").fit(chunked(x, 5))
    with pytest.raises(symml.ArgumentError, match=r"block 1 .*outside the support"):
        symml.mle_catalog("exponential").fit(chunked(np.r_[np.ones(4), -1.0], 4))


def test_nothing_is_materialised(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("a Dask array was converted to NumPy")

    data = FAMILIES["normal"][0]
    Xn, yn = logistic_data()
    x, X, y = chunked(data, 1234), chunked(Xn, (999, 4)), chunked(yn, 999)
    expected = symml.mle_catalog("normal").fit(data), symml.fit_logistic(Xn, yn)
    monkeypatch.setattr(type(x), "__array__", refuse)
    same_fit(expected[0], symml.mle_catalog("normal").fit(x, information="observed"))
    np.testing.assert_allclose(symml.fit_logistic(X, y).params, expected[1].params, rtol=1e-10)


def test_dask_is_imported_only_for_dask_input():
    code = textwrap.dedent(
        """
        import sys, numpy as np, symml
        symml.mle_catalog("normal").fit([1.0, 2.0, 4.0])
        symml.fit_logistic(np.c_[np.ones(4), [0.0, 1, 2, 3]], np.array([0.0, 1, 0, 1]))
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed")))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def ols():
    n, m = sp.symbols("n m", integer=True, positive=True)
    X, w, y = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1), sp.MatrixSymbol("y", m, 1)
    return symml.normal_equations((X * w - y).T * (X * w - y), w), (X, w, y)


def regression_data(m=20_000, k=4):
    rng = np.random.default_rng(7)
    X = np.c_[np.ones(m), rng.normal(size=(m, k - 1)) * [1.0, 1e3, 1e-3][: k - 1]]
    beta = np.arange(1.0, k + 1)
    return X, X @ beta + rng.normal(size=m), beta


def test_least_squares_on_dask_is_tsqr_and_equals_numpy():
    X, y, _ = regression_data()
    ne, _syms = ols()
    a = ne.fit(X, y)
    b = ne.fit(chunked(X, (1500, 4)), chunked(y, 1500))
    assert b.method == "QR (Dask tsqr)"
    for field in ("params", "stderr", "cov", "sigma2", "rss"):
        np.testing.assert_allclose(getattr(b, field), getattr(a, field), rtol=1e-10)
    assert (b.df_resid, b.rank) == (a.df_resid, a.rank)


def test_least_squares_on_dask_refuses_what_it_does_not_stream():
    X, y, _ = regression_data(200)
    n, m = sp.symbols("n m", integer=True, positive=True)
    Xs, w, ys = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1), sp.MatrixSymbol("y", m, 1)
    lam = sp.Symbol("lambda", positive=True)
    ridge = symml.normal_equations((Xs * w - ys).T * (Xs * w - ys) + lam * w.T * w, w)
    with pytest.raises(symml.ArgumentError, match="only ordinary least squares"):
        ridge.fit(chunked(X, (50, 4)), chunked(y, 50), 0.5)
    ne, _ = ols()
    Xc = np.c_[X, X[:, 1]]
    with pytest.raises(symml.ArgumentError, match="collinear"):
        ne.fit(chunked(Xc, (50, 5)), chunked(y, 50))
    with pytest.raises(symml.ArgumentError, match="NaN or infinite"):
        ne.fit(chunked(np.r_[X[:-1], [[1.0, np.nan, 0, 0]]], (50, 4)), chunked(y, 50))


def logistic_data(m=20_000):
    rng = np.random.default_rng(11)
    X = np.c_[np.ones(m), rng.normal(size=(m, 3))]
    p = 1 / (1 + np.exp(-(X @ np.array([0.5, 1.0, -1.0, 0.3]))))
    return X, (rng.uniform(size=m) < p).astype(float)


def test_logistic_on_dask_is_irls_and_equals_numpy():
    X, y = logistic_data()
    a = symml.fit_logistic(X, y)
    b = symml.fit_logistic(chunked(X, (1500, 4)), chunked(y, 1500))
    for field in ("params", "stderr", "cov"):
        np.testing.assert_allclose(getattr(b, field), getattr(a, field), rtol=1e-10)
    assert b.loglike == pytest.approx(a.loglike, rel=1e-12)
    assert b.converged and b.n_iter == a.n_iter
    with pytest.raises(symml.ArgumentError, match=r"outside \[0, 1\]"):
        symml.fit_logistic(chunked(X, (1500, 4)), chunked(2 * y, 1500))
    with pytest.raises(symml.ArgumentError, match="both as Dask arrays"):
        symml.fit_logistic(chunked(X, (1500, 4)), y)


def test_fits_on_a_distributed_local_cluster():
    import distributed

    x = FAMILIES["normal"][0]
    X, y = logistic_data(5_000)
    Xr, yr, _ = regression_data(5_000)
    ne, _ = ols()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        same_fit(symml.mle_catalog("normal").fit(x), symml.mle_catalog("normal").fit(chunked(x)))
        b = symml.fit_logistic(chunked(X, (700, 4)), chunked(y, 700))
        np.testing.assert_allclose(b.params, symml.fit_logistic(X, y).params, rtol=1e-10)
        c = ne.fit(chunked(Xr, (700, 4)), chunked(yr, 700))
        np.testing.assert_allclose(c.params, ne.fit(Xr, yr).params, rtol=1e-10)


MEMORY_CHILD = """
import math, sys
import numpy as np, dask.array as da, symml
N = {n}
x = da.random.default_rng(42).normal(1e3, 2.0, size=N, chunks=2_000_000)
fit = symml.mle_catalog("normal").fit(x)
# reference: NumPy on one block at a time, exact (fsum) two-pass sums
mean = math.fsum(float(np.sum(b.compute())) for b in x.blocks) / N
ss = math.fsum(float(np.dot(c, c)) for c in (b.compute() - mean for b in x.blocks))
# VmHWM: this process image's own peak (ru_maxrss keeps the parent's across fork + exec)
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(fit.params["mu"], fit.params["sigma"], mean, math.sqrt(ss / N), fit.n, peak_kb)
"""


def test_mle_of_1e8_lazy_normals_streams_in_little_memory():
    code = MEMORY_CHILD.format(n=10**8)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    # The child's own peak: RUSAGE_CHILDREN would be the largest of every child this test
    # process ever waited for (notebook kernels, the browser), and the child's ru_maxrss
    # starts from the forking pytest process's size; /proc's VmHWM is the child's alone.
    mu, sigma, mean, sd, n, peak_kb = (float(v) for v in out.stdout.split())
    peak_mb = peak_kb / 1024
    assert n == 10**8
    assert mu == pytest.approx(mean, rel=1e-12)
    assert sigma == pytest.approx(sd, rel=1e-10)
    assert peak_mb < 700  # 0.8 GB of data; measured about 250 MB
