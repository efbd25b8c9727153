"""The Bayesian-updating explorer: a Beta prior becomes a posterior as coin flips are added."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .._codegen import to_numpy
from .._core import ArgumentError, bad_argument
from .._stats import conjugate_posterior
from ._explorer import (
    Explorer,
    _fit_ylim,
)
from ._figures import new_figure
from ._params import ParameterModel, on_grid


def explore_bayes(
    data: Any = None,
    *,
    a: tuple[float, float] = (0.5, 10.0),
    b: tuple[float, float] = (0.5, 10.0),
    n: int = 400,
) -> Explorer:
    """Bayesian updating of a coin: Beta prior -> Beta posterior as flips are added.

    The posterior comes from :func:`symml.conjugate_posterior` (Bernoulli
    likelihood, Beta(a, b) prior), derived once; each slider move refits it
    on the first ``k`` observations.

    Parameters
    ----------
    data : sequence of 0/1, optional
        The flips (default: 60 seeded flips of a coin with P(heads) = 0.7).
    a, b : (low, high)
        Slider ranges of the prior's parameters. Both start at 1: the prior
        Beta(1, 1) is uniform (every P(heads) equally plausible), so the
        posterior shows the data alone; if 1 is outside a range, they start at
        its nearest end.

    Returns
    -------
    Explorer
        Sliders ``a``, ``b`` and ``k`` (observations used). ``axes[0].lines``
        = [prior density, posterior density, MAP marker].

    Examples
    --------
    >>> from symml.widgets import explore_bayes
    >>> e = explore_bayes([1, 0, 1, 1], a=(1, 5), b=(1, 5))
    >>> e.set(a=1, b=1, k=4)
    >>> r"\\mathrm{Beta}(4, 2)" in e.formula.value   # 3 heads in 4 flips, Beta(1, 1) prior
    True
    """
    import sympy.stats as ss

    flips = (
        (np.random.default_rng(0).random(60) < 0.7).astype(int)
        if data is None
        else np.asarray(data)
    )
    if flips.ndim != 1 or flips.size == 0 or not np.isin(flips, (0, 1)).all():
        raise ArgumentError(bad_argument("data", data, "give a non-empty sequence of 0s and 1s"))
    theta = sp.Symbol("theta", positive=True)
    a_s, b_s = sp.symbols("a b", positive=True)
    k_s = sp.Symbol("k", integer=True, nonnegative=True)
    post = conjugate_posterior(ss.Bernoulli("X", theta), ss.Beta("theta", a_s, b_s))
    post.update(flips[:1], a=1.0, b=1.0)  # compile the update now, not on the first move
    prior_pdf = to_numpy(ss.density(ss.Beta("theta", a_s, b_s))(theta), [theta, a_s, b_s])
    model = ParameterModel({a_s: a, b_s: b, k_s: (0, flips.size)}, symbols=[a_s, b_s, k_s])
    for sym in (a_s, b_s):  # Beta(1, 1): the uniform prior, every theta equally plausible
        param = model[sym]
        start = on_grid(min(max(1.0, param.low), param.high), param.low, param.step)
        param.value = param.validate(min(max(start, param.low), param.high))
    model[k_s].value = 0
    grid = np.linspace(0.0, 1.0, n + 2)[1:-1]
    fig = new_figure()
    ax = fig.axes[0]
    (prior_line,) = ax.plot(grid, np.zeros_like(grid), "--", color="gray", label="prior")
    (post_line,) = ax.plot(grid, np.zeros_like(grid), lw=2, label="posterior")
    (map_point,) = ax.plot([0.5], [0.0], "o", color="black", label="MAP")
    ax.set_xlim(0, 1)
    ax.set_xlabel(r"$\theta$ = P(heads)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left")
    state: dict[str, Any] = {}

    def posterior(values: dict[sp.Symbol, Any]) -> tuple[float, float, np.ndarray, float]:
        av, bv, kk = float(values[a_s]), float(values[b_s]), int(values[k_s])
        if kk == 0:
            ys = prior_pdf(grid, av, bv)
            alpha, beta = av, bv
        else:
            fit = post.update(flips[:kk], a=av, b=bv)
            ys = np.asarray(fit.pdf(grid), dtype=float)
            alpha, beta = fit.params["alpha"], fit.params["beta"]
        mode = (alpha - 1) / (alpha + beta - 2) if alpha > 1 and beta > 1 else float("nan")
        return alpha, beta, ys, mode

    def update(values: dict[sp.Symbol, Any]) -> bool:
        alpha, beta, ys, mode = posterior(values)
        state.update(alpha=alpha, beta=beta, mode=mode)
        prior_ys = prior_pdf(grid, float(values[a_s]), float(values[b_s]))
        prior_line.set_ydata(prior_ys)
        post_line.set_ydata(ys)
        if np.isfinite(mode):
            map_point.set_data([mode], [float(np.interp(mode, grid, ys))])
        else:
            map_point.set_data([], [])
        return _fit_ylim(ax, ys, prior_ys)

    def formula(values: dict[sp.Symbol, Any]) -> str:
        kk = int(values[k_s])
        heads = int(flips[:kk].sum())
        return (
            rf"$$\theta \sim \mathrm{{Beta}}(a, b), \quad "
            rf"\theta \mid x_{{1..k}} \sim \mathrm{{Beta}}\Big(a + \sum x_i,\ b + k - \sum x_i\Big)"
            rf" = \mathrm{{Beta}}({state.get('alpha', 0):.4g}, {state.get('beta', 0):.4g})"
            rf"\quad (k = {kk},\ \textstyle\sum x_i = {heads})$$"
        )

    return Explorer(model, fig, update, formula, dynamic=[prior_line, post_line, map_point])
