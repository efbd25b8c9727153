"""Fits on Dask arrays: symml's streaming fits versus Dask's own reductions.

* ``dask-mle-normal``: ``mle_catalog("normal").fit`` on 10^7 lazily generated
  normals in chunks of 10^6 (10^6 in chunks of 10^5 with ``--quick``), versus
  ``dask.compute(x.mean(), x.std())`` on the same lazy array. Both generate the
  data block by block as they go; symml's pass also checks every block (NaN,
  support) and merges count / mean / M2 pairwise (Chan), so the ratio measures
  the price of the checks and the exact merging.
* ``dask-lstsq``: ``normal_equations(...).fit`` (tsqr of ``[X | y]`` plus
  standard errors) on a 10^6 x 10 Dask ``X`` (10^5 with ``--quick``) in row
  blocks of 10^5, versus ``dask.array.linalg.lstsq`` (tsqr of ``X``, then
  ``Q^T y``; coefficients and residuals only).

Every timed call gets a freshly named Dask graph (symml remembers sums per
graph name, which would otherwise make repeats free). Default threaded
scheduler.

Measured on the shared 2-core development machine (2026-12-03, load average about 3):
``dask-mle-normal`` 0.94x at 10^7 (300 ms vs 281 ms: the block checks and exact merging
cost about 7 %), 1.08x at 10^6 (--quick); ``dask-lstsq`` between 0.30x and 3.3x in
successive runs (0.8-2.5 s vs 0.7-2.7 s; the machine's load dominates; alone, the
tsqr of ``[X | y]`` took 0.76-0.83 s and ``da.linalg.lstsq`` 1.02-1.04 s).
Ratios are printed, never asserted.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import sympy as sp
from harness import Benchmark, Candidate, agree

SEED = 20261203


@functools.cache
def _symml() -> Any:
    import symml

    return symml


def _lazy_normals(tag: str, quick: bool) -> Any:
    import dask.array as da

    n, chunk = (10**6, 10**5) if quick else (10**7, 10**6)
    x = da.random.default_rng(SEED).normal(3.0, 2.0, size=n, chunks=chunk)
    return x.map_blocks(np.positive, name=f"bench-normals-{tag}")


@functools.cache
def _normal_mle() -> Any:
    return _symml().mle_catalog("normal")  # derived once, outside the timings


def _symml_normal(x: Any) -> tuple[float, float]:
    fit = _normal_mle().fit(x)
    return fit.params["mu"], fit.params["sigma"]


def _dask_normal(x: Any) -> tuple[float, float]:
    import dask

    mean, std = dask.compute(x.mean(), x.std())
    return float(mean), float(std)


@functools.cache
def _ols() -> Any:
    n, m = sp.symbols("n m", integer=True, positive=True)
    X, w, y = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1), sp.MatrixSymbol("y", m, 1)
    return _symml().normal_equations((X * w - y).T * (X * w - y), w)


def _tall(tag: str, quick: bool) -> tuple[Any, Any]:
    import dask.array as da

    rows, block, cols = (10**5, 10**4, 10) if quick else (10**6, 10**5, 10)
    rng = da.random.default_rng(SEED)
    X = rng.standard_normal((rows, cols), chunks=(block, cols))
    X = X.map_blocks(np.positive, name=f"bench-X-{tag}")
    y = X @ np.arange(1.0, cols + 1) + rng.standard_normal(rows, chunks=block)
    return X, y


def _symml_lstsq(data: tuple[Any, Any]) -> np.ndarray:
    return _ols().fit(*data).params


def _dask_lstsq(data: tuple[Any, Any]) -> np.ndarray:
    import dask.array as da

    return np.asarray(da.linalg.lstsq(*data)[0].compute())


_MLE = Candidate("MLE.fit on Dask (normal)", _symml_normal)
_LSTSQ = Candidate("NormalEquations.fit on Dask (tsqr)", _symml_lstsq)

BENCHMARKS = [
    Benchmark(
        name="dask-mle-normal",
        description="fit a Normal to 10^7 lazily generated normals in Dask chunks of 10^6 "
        "(10^6 in chunks of 10^5 with --quick)",
        setup=_lazy_normals,
        subject=_MLE,
        baselines=[Candidate("Dask: dask.compute(x.mean(), x.std())", _dask_normal)],
        check=agree(1e-12, _MLE.name),
        repeats=3,
    ),
    Benchmark(
        name="dask-lstsq",
        description="least squares on a 10^6 x 10 Dask X in row blocks of 10^5 (10^5 with --quick)",
        setup=_tall,
        subject=_LSTSQ,
        baselines=[Candidate("Dask: da.linalg.lstsq(X, y)", _dask_lstsq)],
        check=agree(1e-10, _LSTSQ.name),
        repeats=3,
    ),
]
