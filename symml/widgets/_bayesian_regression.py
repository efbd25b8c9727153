"""The Bayesian-regression explorer: posterior mean, predictive band, samples, evidence by degree.

The current degree's posterior comes from ``bayesian_linear_regression().fit``; the
evidence curve over all degrees from one SVD per degree, made once (``_EvidenceCurve``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .._render import to_latex
from .._stats import bayesian_linear_regression
from ._explorer import Explorer, _fit_ylim
from ._figures import new_figure, xy_data
from ._params import ParameterModel


class _EvidenceCurve:
    """``log p(y)`` for every degree at any ``(alpha, sigma)``, from one SVD per degree.

    With the prior ``w ~ N(0, alpha^-1 I)`` the evidence is
    ``log N(y | 0, sigma^2 I + Phi Phi^T / alpha)``. The thin SVD
    ``Phi = U S V^T`` diagonalises that covariance: eigenvalues
    ``sigma^2 + s_i^2 / alpha`` on ``U`` (where ``y`` has coordinates
    ``z = U^T y``) and ``sigma^2`` on the rest (where ``y`` leaves the residual
    ``r``). So a move of ``alpha`` or ``sigma`` costs a few array operations,
    not one fit per degree; the numbers equal ``fit(...).log_evidence``.

    Examples
    --------
    >>> import numpy as np, symml
    >>> t = np.linspace(-1, 1, 9)
    >>> y = np.sin(3 * t)
    >>> designs = [np.vander(t, d + 1, increasing=True) for d in range(4)]
    >>> curve = _EvidenceCurve(designs, y)(0.5, 0.2)
    >>> fits = [symml.bayesian_linear_regression().fit(P, y, noise_var=0.04,
    ...         prior_cov=np.eye(P.shape[1]) / 0.5).log_evidence for P in designs]
    >>> bool(np.allclose(curve, fits, rtol=1e-10, atol=0))
    True
    """

    def __init__(self, designs: list[np.ndarray], y: np.ndarray) -> None:
        width = max(P.shape[1] for P in designs)
        # Padding with s_i = z_i = 0 adds nothing to the sums below.
        self._s2 = np.zeros((len(designs), width))
        self._z2 = np.zeros((len(designs), width))
        self._r2 = np.empty(len(designs))
        for k, P in enumerate(designs):
            U, s, _ = np.linalg.svd(P, full_matrices=False)
            z = U.T @ y
            self._s2[k, : s.size], self._z2[k, : s.size] = s**2, z**2
            self._r2[k] = float(np.sum((y - U @ z) ** 2))
        self._n = y.size

    def __call__(self, alpha: float, sigma: float) -> np.ndarray:
        v = sigma**2
        eig = v + self._s2 / alpha  # the covariance's eigenvalues on the span of Phi
        logdet = self._n * np.log(v) + np.log1p(self._s2 / (alpha * v)).sum(axis=1)
        quad = self._r2 / v + (self._z2 / eig).sum(axis=1)
        return -0.5 * (self._n * np.log(2 * np.pi) + logdet + quad)


def _figure(
    xd: np.ndarray, yd: np.ndarray, grid: np.ndarray, degrees: np.ndarray, samples: int
) -> tuple[Any, ...]:
    """The figure, built once: data, band, mean, samples (left); evidence by degree (right)."""
    fig = new_figure(ncols=2, figsize=(10.0, 3.8))
    ax, ax_ev = fig.axes
    lo, hi = float(xd.min()), float(xd.max())
    ax.scatter(xd, yd, s=18, color="C0", zorder=3, label="data")
    band = ax.fill_between(grid, grid * 0, grid * 0, color="C1", alpha=0.25, label="mean ± 2 sd")
    (mean_line,) = ax.plot(grid, np.zeros_like(grid), color="C3", lw=2, label="posterior mean")
    sample_lines = [
        ax.plot(grid, np.zeros_like(grid), color="C2", lw=0.8, alpha=0.7)[0] for _ in range(samples)
    ]
    ax.set_xlim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    span = float(np.ptp(yd)) or 1.0
    ax.set_ylim(float(yd.min()) - 0.5 * span, float(yd.max()) + 0.5 * span)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    (ev_line,) = ax_ev.plot(degrees, np.zeros(degrees.size), "o-", color="C0")
    (ev_mark,) = ax_ev.plot([0], [0], "o", color="C3", ms=10, label="current degree")
    ax_ev.set_xlabel("degree d")
    ax_ev.set_ylabel(r"$\log p(y)$")
    ax_ev.grid(True, alpha=0.3)
    return fig, band, mean_line, sample_lines, ev_line, ev_mark


def explore_bayesian_regression(
    x: Any = None,
    y: Any = None,
    *,
    alpha: tuple[float, float] = (0.001, 2.0),
    sigma: tuple[float, float] = (0.05, 1.0),
    degree: tuple[int, int] = (0, 12),
    samples: int = 5,
    n: int = 300,
) -> Explorer:
    """Bayesian polynomial regression: posterior mean, predictive band, samples, evidence.

    Features are ``1, t, ..., t^d`` of ``x`` rescaled to ``t`` in [-1, 1];
    the prior is ``w ~ N(0, alpha^-1 I)`` and the noise ``N(0, sigma^2)``.
    Every move refits the current degree with
    :meth:`symml.BayesianLinearRegression.fit` (Cholesky, or QR when
    ill-conditioned): the left panel shows the data, the posterior mean, the
    predictive band ``mean +- 2 sd`` (noise included) and ``samples`` curves
    drawn from the posterior; the right panel the log evidence ``log p(y)``
    against the degree for the current ``alpha`` and ``sigma`` (the same
    numbers as ``fit``'s, from one SVD per degree made once), with the current
    degree marked, so the evidence can be seen to pick the degree.

    Parameters
    ----------
    x, y : 1-D arrays, optional
        The data (default: 25 seeded noisy samples of sin(3x) on [-1, 1]).
    alpha, sigma, degree : slider ranges
        Prior precision (starts at 0.01, a broad prior), noise standard deviation (starts at
        0.2), polynomial degree (starts at 3).
    samples : int
        Posterior sample curves drawn.
    n : int
        Grid points of the curves.

    Returns
    -------
    Explorer
        Sliders ``alpha``, ``sigma``, ``d``. ``axes[0]``: data
        (``collections[0]``), predictive band (``collections[1]``), posterior
        mean (``lines[0]``), samples (``lines[1:]``). ``axes[1]``: log
        evidence per degree (``lines[0]``) and the current degree
        (``lines[1]``).

    Examples
    --------
    >>> import numpy as np
    >>> from symml.widgets import explore_bayesian_regression
    >>> e = explore_bayesian_regression()
    >>> e.set(alpha=1.0, sigma=0.2, d=3)
    >>> "S_N" in e.formula.value and r"\\log p(y)" in e.formula.value
    True
    """
    xd, yd = xy_data(x, y, n=25, seed=2)
    blr = bayesian_linear_regression()
    S_N = to_latex(blr.posterior_cov.result)
    a_s, s_s = sp.Symbol("alpha", positive=True), sp.Symbol("sigma", positive=True)
    d_s = sp.Symbol("d", integer=True, nonnegative=True)
    model = ParameterModel({a_s: alpha, s_s: sigma, d_s: degree}, symbols=[a_s, s_s, d_s])
    model[a_s].value = model[a_s].validate(min(max(0.01, alpha[0]), alpha[1]))
    model[s_s].value = model[s_s].validate(min(max(0.2, sigma[0]), sigma[1]))
    model[d_s].value = model[d_s].validate(min(max(3, degree[0]), degree[1]))
    lo, hi = float(xd.min()), float(xd.max())
    center, half = (lo + hi) / 2, (hi - lo) / 2
    grid = np.linspace(lo, hi, n)
    degrees = np.arange(int(degree[0]), int(degree[1]) + 1)

    # The features 1, t, ..., t^d of every degree are the first d + 1 columns of these.
    data_features = np.vander((xd - center) / half, int(degrees[-1]) + 1, increasing=True)
    grid_features = np.vander((grid - center) / half, int(degrees[-1]) + 1, increasing=True)
    evidence_curve = _EvidenceCurve([data_features[:, : k + 1] for k in degrees], yd)

    fig, band, mean_line, sample_lines, ev_line, ev_mark = _figure(xd, yd, grid, degrees, samples)
    ax, ax_ev = fig.axes
    state: dict[str, Any] = {}

    def update(values: dict[sp.Symbol, Any]) -> bool:
        a, s, d = float(values[a_s]), float(values[s_s]), int(values[d_s])
        current = blr.fit(
            data_features[:, : d + 1], yd, noise_var=s**2, prior_cov=np.eye(d + 1) / a
        )
        Pg = grid_features[:, : d + 1]
        mean, var = current.predict(Pg)
        sd = np.sqrt(var)
        band.set_verts(
            [
                np.column_stack(
                    [np.r_[grid, grid[::-1]], np.r_[mean - 2 * sd, (mean + 2 * sd)[::-1]]]
                )
            ]
        )
        mean_line.set_ydata(mean)
        for line, w in zip(sample_lines, current.sample(samples, seed=0), strict=True):
            line.set_ydata(Pg @ w)
        evidence = evidence_curve(a, s)
        ev_line.set_ydata(evidence)
        ev_mark.set_data([d], [current.log_evidence])
        best = int(degrees[int(np.argmax(evidence))])
        state.update(fit=current, best=best)
        changed = _fit_ylim(ax, mean - 2 * sd, mean + 2 * sd, yd)
        return _fit_ylim(ax_ev, evidence) or changed

    def formula(values: dict[sp.Symbol, Any]) -> str:
        current = state["fit"]
        return (
            rf"$$S_N = {S_N}, \quad S_0 = \alpha^{{-1}} I:\ "
            rf"\alpha = {float(values[a_s]):.3g},\ \sigma = {float(values[s_s]):.3g},\ "
            rf"d = {int(values[d_s])}, \quad \log p(y) = {current.log_evidence:.4g}"
            rf"\ (\text{{best degree here: }} {state['best']})$$"
        )

    dynamic = [band, mean_line, *sample_lines, ev_line, ev_mark]
    return Explorer(model, fig, update, formula, dynamic=dynamic)
