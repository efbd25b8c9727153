"""The likelihood explorer: pdf/pmf over the data and the log-likelihood with its MLE."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy as sp

from .._codegen import to_numpy
from .._core import ArgumentError, bad_argument
from .._render import to_latex
from .._stats import MLE, mle_catalog
from ._explorer import (
    Explorer,
    _fit_ylim,
)
from ._figures import new_figure
from ._params import ParameterModel

_DEFAULT_SAMPLES: dict[str, Callable[[np.random.Generator], np.ndarray]] = {
    "normal": lambda rng: rng.normal(2.0, 1.5, 200),
    "poisson": lambda rng: rng.poisson(3.0, 200),
    "exponential": lambda rng: rng.exponential(0.5, 200),
}


def explore_likelihood(model: Any = "normal", data: Any = None, *, n: int = 300) -> Explorer:
    """A distribution over a histogram of data, and the log-likelihood with the MLE marked.

    Parameters
    ----------
    model : str or MLE
        A name from :data:`symml.MLE_CATALOG` or the result of :func:`symml.mle`.
    data : 1-D array, optional
        The sample (default: 200 seeded draws, for "normal", "poisson" and
        "exponential").

    Returns
    -------
    Explorer
        One slider per parameter (ranges: the MLE +- 8 standard errors, kept
        inside the parameter's domain). ``axes[0]``: the data and the model's
        pdf/pmf at the slider values (``axes[0].lines[0]``); ``axes[1]``: the
        log-likelihood as a function of the first parameter with the others at
        their slider values (``axes[1].lines[0]``), the current value
        (``lines[1]``) and the MLE (``lines[2]``, a vertical line).

    Examples
    --------
    >>> from symml.widgets import explore_likelihood
    >>> e = explore_likelihood("poisson", [2, 3, 3, 4, 1, 5, 3])
    >>> e.figure.axes[1].lines[2].get_xdata()[0]    # the MLE: the sample mean
    3.0
    """
    est, sample, fit = _estimate(model, data)
    if est.variable is None:
        raise ArgumentError(bad_argument("model", model, "explore a univariate model"))
    params = list(est.params)
    logpdf = to_numpy(est.log_density, [est.variable, *params])
    pmodel = ParameterModel(_slider_ranges(params, fit), symbols=params)
    for p in params:
        pmodel[p].value = pmodel[p].validate(float(fit.params[p.name]))
    fig = new_figure(ncols=2, figsize=(10.0, 3.8))
    ax, lax = fig.axes
    xs, heights, density = _data_panel(ax, sample, est.discrete, n)
    first = params[0]
    theta = np.linspace(pmodel[first].low, pmodel[first].high, n)
    profile, current = _profile_panel(lax, first, theta, float(fit.params[first.name]))

    def loglik(values: Mapping[sp.Symbol, Any], over: np.ndarray | None = None) -> np.ndarray:
        args = [values[p] for p in params]
        if over is not None:
            args[0] = over[:, None]
        with np.errstate(all="ignore"):
            return np.sum(logpdf(sample[None, :] if over is not None else sample, *args), axis=-1)

    state: dict[str, float] = {}

    def update(values: dict[sp.Symbol, Any]) -> bool:
        with np.errstate(all="ignore"):
            density.set_ydata(np.exp(logpdf(xs, *[values[p] for p in params])))
        prof = loglik(values, theta)
        profile.set_ydata(prof)
        state["ell"] = float(loglik(values))
        current.set_data([float(values[first])], [state["ell"]])
        changed = _fit_ylim(ax, density.get_ydata(), np.asarray(heights, dtype=float))
        return _fit_ylim(lax, prof[np.isfinite(prof)]) or changed

    # The estimators and the fitted values are the same on every move: made once.
    hats = ", ".join(f"\\hat{{{sp.latex(p)}}} = {float(fit.params[p.name]):.4g}" for p in params)
    closed = ""
    if first in est.estimators:
        closed = f"\\hat{{{sp.latex(first)}}} = {to_latex(est.estimators[first])}, \\quad "

    def formula(values: dict[sp.Symbol, Any]) -> str:
        shown = ", ".join(f"{sp.latex(p)} = {float(values[p]):.4g}" for p in params)
        return (
            f"$$\\ell({shown}) = \\sum_i \\log f(x_i) = {state['ell']:.6g}, \\quad {closed}{hats}$$"
        )

    return Explorer(pmodel, fig, update, formula, dynamic=[density, profile, current])


def _estimate(model: Any, data: Any) -> tuple[Any, np.ndarray, Any]:
    """The MLE derivation, the sample as a flat float array, and the fit."""
    if isinstance(model, str):
        est = mle_catalog(model)
        name = model.strip().lower()
    elif isinstance(model, MLE):
        est, name = model, ""
    else:
        raise ArgumentError(bad_argument("model", model, "give a catalog name or symml.mle(...)"))
    if data is None:
        if name not in _DEFAULT_SAMPLES:
            raise ArgumentError(
                bad_argument(
                    "data", data, f"give a sample; defaults exist for {list(_DEFAULT_SAMPLES)}"
                )
            )
        data = _DEFAULT_SAMPLES[name](np.random.default_rng(0))
    fit = est.fit(data)
    sample = np.asarray(fit.data if hasattr(fit, "data") else data, dtype=float).ravel()
    return est, sample, fit


def _slider_ranges(params: list[sp.Symbol], fit: Any) -> dict[sp.Symbol, Any]:
    """The MLE +- 8 standard errors, kept inside each parameter's domain."""
    specs: dict[sp.Symbol, Any] = {}
    for p in params:
        value = float(fit.params[p.name])
        err = float(fit.stderr.get(p.name, np.nan)) if hasattr(fit, "stderr") else np.nan
        width = 8 * err if np.isfinite(err) and err > 0 else max(abs(value), 1.0)
        lo, hi = value - width, value + width
        if p.is_positive or p.is_nonnegative:
            lo = max(lo, value / 10 if value > 0 else 1e-3)
        if p.is_positive and hi <= lo:
            hi = lo * 10
        specs[p] = (lo, hi)
    return specs


def _data_panel(ax: Any, sample: np.ndarray, discrete: bool, n: int) -> tuple[Any, Any, Any]:
    """A histogram (or bars of frequencies) and the model's curve: ``(xs, heights, line)``."""
    if discrete:
        ks = np.arange(int(sample.min()), int(sample.max()) + 1)
        heights = np.array([(sample == k).mean() for k in ks])
        ax.bar(ks, heights, color="C0", alpha=0.4, label="data")
        xs = ks.astype(float)
        (density,) = ax.plot(xs, np.zeros_like(xs), "o-", color="C3", label="pmf")
    else:
        heights, _, _ = ax.hist(
            sample, bins="auto", density=True, color="C0", alpha=0.4, label="data"
        )
        pad = 0.1 * (np.ptp(sample) or 1.0)
        xs = np.linspace(sample.min() - pad, sample.max() + pad, n)
        (density,) = ax.plot(xs, np.zeros_like(xs), color="C3", lw=2, label="pdf")
    ax.set_xlabel("$x$")
    ax.set_ylabel("pmf" if discrete else "density")
    ax.legend(loc="upper right")
    ax.grid(True, alpha=0.3)
    return xs, heights, density


def _profile_panel(lax: Any, first: sp.Symbol, theta: np.ndarray, mle_value: float) -> Any:
    """The log-likelihood over ``theta``, the current point and the MLE line."""
    (profile,) = lax.plot(theta, np.zeros_like(theta), lw=2)
    (current,) = lax.plot([0.0], [0.0], "o", color="black")
    lax.axvline(mle_value, color="C3", ls="--", label=f"MLE {mle_value:.4g}")
    lax.set_xlim(theta[0], theta[-1])
    lax.set_xlabel(f"${sp.latex(first)}$")
    lax.set_ylabel(r"$\ell$")
    lax.legend(loc="lower right")
    lax.grid(True, alpha=0.3)
    return profile, current
