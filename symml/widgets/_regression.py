"""The regression explorer: a polynomial ridge fit from the derived normal equations."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from .._ml import normal_equations
from .._render import to_latex
from ._explorer import (
    Explorer,
)
from ._figures import format_value, new_figure, xy_data
from ._params import ParameterModel


def _ridge_solver() -> tuple[Any, Callable[..., np.ndarray]]:
    """The ridge normal equations, derived once, and their QR-based numeric solver."""
    n, m = sp.symbols("n m", integer=True, positive=True)
    lam = sp.Symbol("lambda", nonnegative=True)
    X, w, y = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1), sp.MatrixSymbol("y", m, 1)
    ne = normal_equations((X * w - y).T * (X * w - y) + lam * (w.T * w), w)
    return ne, ne.to_numpy(args=[X, y, lam])


def explore_regression(
    x: Any = None,
    y: Any = None,
    *,
    degree: tuple[int, int] = (1, 10),
    lam: tuple[float, float] = (0.0, 5.0),
    n: int = 300,
) -> Explorer:
    """Polynomial least squares with a ridge penalty: data, fitted curve, residuals.

    The weights solve the ridge normal equations
    ``w = (X^T X + lambda I)^{-1} X^T y`` derived by
    :func:`symml.normal_equations`; the numbers come from its QR-based solver
    (never an inverse). Features are ``1, t, ..., t^d`` of ``x`` rescaled to
    ``t`` in [-1, 1], which keeps high degrees well conditioned.

    Parameters
    ----------
    x, y : 1-D arrays, optional
        The data (default: 30 seeded noisy samples of sin(3x)).
    degree, lam : slider ranges of the degree and the ridge penalty

    Returns
    -------
    Explorer
        Sliders ``d`` and ``lambda``. ``axes[0]``: the data
        (``axes[0].collections[0]``), the fit (``axes[0].lines[0]``) and the
        residuals (``axes[0].collections[1]``).

    Examples
    --------
    >>> import numpy as np
    >>> from symml.widgets import explore_regression
    >>> xs = np.linspace(0, 1, 8)
    >>> e = explore_regression(xs, 2 + 3 * xs)
    >>> e.set(d=1, **{"lambda": 0.0})
    >>> bool(np.allclose(e.figure.axes[0].lines[0].get_ydata()[[0, -1]], [2, 5]))
    True
    """
    from matplotlib.collections import LineCollection

    xd, yd = xy_data(x, y)
    ne, solve = _ridge_solver()
    d_s = sp.Symbol("d", integer=True, positive=True)
    lam_s = sp.Symbol("lambda", nonnegative=True)
    model = ParameterModel({d_s: degree, lam_s: lam}, symbols=[d_s, lam_s])
    model[d_s].value = model[d_s].validate(min(max(3, degree[0]), degree[1]))
    model[lam_s].value = model[lam_s].validate(lam[0])
    lo, hi = float(xd.min()), float(xd.max())
    center, half = (lo + hi) / 2, (hi - lo) / 2

    def features(values: np.ndarray, d: int) -> np.ndarray:
        return np.vander((values - center) / half, d + 1, increasing=True)

    grid = np.linspace(lo, hi, n)
    fig = new_figure()
    ax = fig.axes[0]
    ax.scatter(xd, yd, s=18, color="C0", zorder=3, label="data")
    (curve,) = ax.plot(grid, np.zeros_like(grid), color="C3", lw=2, label="fit")
    residuals = LineCollection([], colors="0.5", linewidths=0.8, label="residuals")
    ax.add_collection(residuals)
    ax.set_xlim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    span = float(np.ptp(yd)) or 1.0
    ax.set_ylim(float(yd.min()) - 0.3 * span, float(yd.max()) + 0.3 * span)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left")
    state: dict[str, Any] = {}
    normal_equations_tex = to_latex(ne.result)  # the same on every move: made once

    def update(values: dict[sp.Symbol, Any]) -> bool:
        d, penalty = int(values[d_s]), float(values[lam_s])
        A = features(xd, d)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rank deficiency: minimum-norm weights
            weights = np.asarray(solve(A, yd, penalty), dtype=float).ravel()
        fitted = A @ weights
        state.update(weights=weights, rss=float(np.sum((yd - fitted) ** 2)))
        curve.set_ydata(features(grid, d) @ weights)
        residuals.set_segments([[(a, b), (a, c)] for a, b, c in zip(xd, yd, fitted, strict=True)])
        return False  # the view is fixed by the data

    def formula(values: dict[sp.Symbol, Any]) -> str:
        return (
            f"$${normal_equations_tex}, \\quad d = {int(values[d_s])},\\ "
            f"\\lambda = {to_latex(format_value(float(values[lam_s])))}: \\quad "
            f"\\mathrm{{RSS}} = {state['rss']:.4g},\\ "
            f"\\|w\\| = {float(np.linalg.norm(state['weights'])):.4g}$$"
        )

    return Explorer(model, fig, update, formula, dynamic=[curve, residuals])
