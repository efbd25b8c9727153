"""Logistic gradient and Hessian on a CUDA GPU through JAX: symml's array code vs hand-written JAX.

Run by hand (``run.py`` does not discover it: its name does not start with
``bench_``)::

    .venv/bin/python benchmarks/gpu_logistic.py [--rows 1000000] [--cols 20]

When JAX sees no CUDA device (no GPU, or a CPU-only ``jaxlib``) it prints
so and exits 0. Otherwise it times, on the GPU and in float64, each of

* ``jax.jit(symml gradient)`` and ``jax.jit(symml Hessian)``: the functions
  made by ``symml.to_numpy`` from ``symml.logistic_regression()``, called with
  JAX arrays (so they run as JAX code on the device);
* hand-written JAX, jitted: ``X.T @ (jax.nn.sigmoid(X @ w) - y)`` and
  ``V.T @ V`` with ``V = sqrt(s*(1 - s))[:, None] * X``;
* ``jax.jit(jax.grad(loss))`` and ``jax.jit(jax.hessian(loss))``;

and prints the medians and the ratios ``other / symml`` (above 1: symml is
faster), after checking that all agree (rtol 1e-8).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def _cuda_devices() -> list[Any]:
    try:
        import jax
    except ImportError:
        return []
    try:
        return list(jax.devices("cuda"))
    except RuntimeError:  # no CUDA backend in this jaxlib, or no device
        return []


def _median_seconds(f: Callable[[], Any], repeats: int) -> float:
    f().block_until_ready()  # compile and warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f().block_until_ready()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)

    devices = _cuda_devices()
    if not devices:
        print("no CUDA device visible to JAX (or JAX not installed): nothing to benchmark")
        return 0

    import jax
    import jax.numpy as jnp
    import numpy as np

    import symml

    jax.config.update("jax_enable_x64", True)
    device = devices[0]
    rng = np.random.default_rng(20240611)
    X = rng.standard_normal((args.rows, args.cols))
    w = rng.standard_normal(args.cols) / np.sqrt(args.cols)
    y = (rng.random(args.rows) < 1 / (1 + np.exp(-(X @ w)))).astype(float)
    Xj, wj, yj = (jax.device_put(jnp.asarray(a), device) for a in (X, w, y))

    lr = symml.logistic_regression()
    Xs, ys, ws = lr.symbols
    grad = jax.jit(symml.to_numpy(lr.gradient.result, [Xs, ws, ys], name="gradient"))
    hess = jax.jit(symml.to_numpy(lr.hessian.result, [Xs, ws, ys], name="hessian"))

    def loss(w_: Any, X_: Any, y_: Any) -> Any:
        z = X_ @ w_
        return jnp.sum(jnp.logaddexp(0.0, z) - y_ * z)

    @jax.jit
    def hand_grad(X_: Any, w_: Any, y_: Any) -> Any:
        return X_.T @ (jax.nn.sigmoid(X_ @ w_) - y_)

    @jax.jit
    def hand_hess(X_: Any, w_: Any, y_: Any) -> Any:
        s = jax.nn.sigmoid(X_ @ w_)
        V = jnp.sqrt(s * (1 - s))[:, None] * X_
        return V.T @ V

    auto_grad = jax.jit(jax.grad(loss))
    auto_hess = jax.jit(jax.hessian(loss))
    rows = {
        "gradient": [
            ("jax.jit(symml gradient)", lambda: grad(Xj, wj, yj)),
            ("hand-written JAX X.T @ (sigmoid(X @ w) - y)", lambda: hand_grad(Xj, wj, yj)),
            ("jax.jit(jax.grad(loss))", lambda: auto_grad(wj, Xj, yj)),
        ],
        "Hessian": [
            ("jax.jit(symml Hessian)", lambda: hess(Xj, wj, yj)),
            ("hand-written JAX V.T @ V", lambda: hand_hess(Xj, wj, yj)),
            ("jax.jit(jax.hessian(loss))", lambda: auto_hess(wj, Xj, yj)),
        ],
    }
    print(f"{device} ({device.device_kind}), N = {args.rows} x {args.cols}, float64")
    print("ratio = other median / symml median (above 1: symml is faster)")
    for what, candidates in rows.items():
        outputs = [np.asarray(f()) for _, f in candidates]
        for (name, _), out in zip(candidates[1:], outputs[1:], strict=True):
            np.testing.assert_allclose(outputs[0], out, rtol=1e-8, err_msg=name)
        times = [_median_seconds(f, args.repeats) for _, f in candidates]
        print(f"\nlogistic {what}")
        for i, ((name, _), t) in enumerate(zip(candidates, times, strict=True)):
            ratio = f"{t / times[0]:.2f}x" if i else "(symml)"
            print(f"  {name:<46} {t * 1e3:9.3f} ms {ratio:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
