"""Helpers shared by the test files: independent numeric references.

These are deliberately plain NumPy, written without symml, so a derived
result is judged by code that cannot share its mistakes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def central_gradient(
    f: Callable[[np.ndarray], float], point: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """Central differences of a Python function of a vector: the gradient at ``point``."""
    point = np.asarray(point, dtype=float)
    out = np.empty_like(point)
    for i in range(point.size):
        e = np.zeros_like(point)
        e[i] = h
        out[i] = (f(point + e) - f(point - e)) / (2 * h)
    return out


def central_hessian(
    f: Callable[[np.ndarray], float], point: np.ndarray, h: float = 1e-4
) -> np.ndarray:
    """The four-point second-order stencil of ``f`` itself (it does not trust a gradient)."""
    point = np.asarray(point, dtype=float)
    n = point.size
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h
            ej[j] = h
            out[i, j] = (
                f(point + ei + ej) - f(point + ei - ej) - f(point - ei + ej) + f(point - ei - ej)
            ) / (4 * h * h)
    return out
