"""Maximum-likelihood fits: symml's ``MLE.fit`` versus hand-written NumPy and SciPy.

* ``mle-normal-fit``: ``mle_catalog("normal").fit(x)`` on 10^7 samples (10^5
  with ``--quick``) against hand-written NumPy, ``x.mean(), x.std()``, and
  ``scipy.stats.norm.fit(x)``. Goals from the issue: within 1.5x of NumPy
  (ratio >= 0.67) and faster than SciPy (ratio > 1). symml's fit evaluates
  the derived closed forms as compiled sums: ``Σ x_i`` with ``numpy.sum``
  and the centred ``Σ (x_i - x̄)²`` as a dot product (no array of squares),
  then the standard errors from the Fisher information; data checks
  (NaN, support) cost nothing for a Normal unless the sums come out
  non-finite.
* ``mle-gamma-fit``: ``mle_catalog("gamma").fit(x)`` (no closed form:
  L-BFGS-B from moment starting values, then ``scipy.optimize.root`` on
  the score, with ``Σ x_i`` and ``Σ log x_i`` computed once) on 10^6
  samples (10^4 with ``--quick``) against ``scipy.stats.gamma.fit(x,
  floc=0)``.

The derivations (SymPy) and the code generation happen once, in the untimed
warmup call; the data come from a fixed seed and are the same for every call.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from harness import Benchmark, Candidate, agree
from scipy import stats

SEED = 20240611


@functools.cache
def _catalog(name: str) -> Any:
    import symml

    return symml.mle_catalog(name)


@functools.cache
def _normal_data(n: int) -> np.ndarray:
    return np.random.default_rng(SEED).normal(3.0, 2.0, n)


@functools.cache
def _gamma_data(n: int) -> np.ndarray:
    return np.random.default_rng(SEED).gamma(2.5, 1.5, n)


def _normal_setup(tag: str, quick: bool) -> np.ndarray:
    return _normal_data(10**5 if quick else 10**7)


def _gamma_setup(tag: str, quick: bool) -> np.ndarray:
    return _gamma_data(10**4 if quick else 10**6)


def _symml_normal(x: np.ndarray) -> tuple[float, float]:
    fit = _catalog("normal").fit(x)
    return fit.params["mu"], fit.params["sigma"]


def _numpy_normal(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(x.std())


def _scipy_normal(x: np.ndarray) -> tuple[float, float]:
    loc, scale = stats.norm.fit(x)
    return float(loc), float(scale)


def _symml_gamma(x: np.ndarray) -> tuple[float, float]:
    fit = _catalog("gamma").fit(x)
    return fit.params["k"], fit.params["theta"]


def _scipy_gamma(x: np.ndarray) -> tuple[float, float]:
    k, _, scale = stats.gamma.fit(x, floc=0)
    return float(k), float(scale)


_NORMAL = Candidate("MLE.fit (normal)", _symml_normal)
_GAMMA = Candidate("MLE.fit (gamma, numeric root)", _symml_gamma)

BENCHMARKS = [
    Benchmark(
        name="mle-normal-fit",
        description="fit a Normal to 10^7 samples (10^5 with --quick); goals: NumPy ratio "
        ">= 0.67, SciPy ratio > 1",
        setup=_normal_setup,
        subject=_NORMAL,
        baselines=[
            Candidate("hand-written NumPy: x.mean(), x.std()", _numpy_normal),
            Candidate("scipy.stats.norm.fit", _scipy_normal),
        ],
        check=agree(1e-12, _NORMAL.name),
        repeats=7,
    ),
    Benchmark(
        name="mle-gamma-fit",
        description="fit a Gamma (shape and scale, no closed form) to 10^6 samples "
        "(10^4 with --quick)",
        setup=_gamma_setup,
        subject=_GAMMA,
        baselines=[Candidate("scipy.stats.gamma.fit(floc=0)", _scipy_gamma)],
        check=agree(1e-5, _GAMMA.name),
        repeats=5,
    ),
]
