"""The descent explorer: gradient descent or Newton on a function of two variables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._codegen import to_numpy
from .._core import ArgumentError, SymmlError, as_sympy, bad_argument, renamed_keywords
from .._optimize import gradient_descent, learning_rate_bound, newton
from ._explorer import (
    Explorer,
    _as_xlim,
)
from ._figures import new_figure
from ._params import ParameterModel, nice_step, on_grid


@renamed_keywords(steps="iterations")
def explore_descent(
    f: Any,
    wrt: Sequence[sp.Symbol],
    *,
    start: tuple[float, float] = (-1.0, 1.5),
    lr: tuple[float, float] | None = None,
    iterations: tuple[int, int] = (1, 200),
    xlim: tuple[float, float] = (-2.0, 2.0),
    ylim: tuple[float, float] = (-1.0, 3.0),
    grid: int = 120,
) -> Explorer:
    """Gradient descent or Newton's method on a function of two variables.

    The runs are :func:`symml.gradient_descent` and :func:`symml.newton`
    themselves: both are derived once, and a slider move calls their
    :meth:`~symml.OptimizationRun.rerun` (generated code only, no symbolic work).

    Parameters
    ----------
    f : sympy expression in the two symbols of ``wrt``
    wrt : (Symbol, Symbol)
    start : the initial slider values of the start point
    lr : (low, high), optional
        The learning rate's slider range. Default: up to 1.5 times the derived
        learning-rate bound ``2 / λ_max`` of the Hessian at ``start``
        (:func:`symml.learning_rate_bound`), so the slider crosses into
        divergence. The learning rate starts at half that bound, ``1 / λ_max``
        (the classic step of an L-smooth function: the loss falls at every step near
        the start), kept in the range.
    iterations : slider range of the number of iterations
    xlim, ylim : the plotted box (also the start sliders' ranges)

    Returns
    -------
    Explorer
        Sliders ``method`` ("gradient descent" or "newton"), ``lr``,
        ``iterations``, ``x0``, ``y0``. ``axes[0]``: contours of f, the (scaled)
        gradient field, and the trajectory ``axes[0].lines[0]``; ``axes[1]``:
        f along the run (``axes[1].lines[0]``). A run that diverges leaves the
        box and its losses grow; the formula says so.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml.widgets import explore_descent
    >>> x, y = sp.symbols("x y", real=True)
    >>> e = explore_descent(x**2 + 10*y**2, [x, y], lr=(0.01, 0.2), ylim=(-2, 2))
    >>> e.set(lr=0.11, iterations=20)          # above 2 / 20: diverges along y
    >>> "diverg" in e.formula.value
    True
    """
    expr = as_sympy(f, "f")
    variables = list(wrt) if not isinstance(wrt, sp.Symbol) else [wrt]
    if len(variables) != 2 or not all(isinstance(v, sp.Symbol) for v in variables):
        raise ArgumentError(bad_argument("wrt", wrt, "give the two variables, e.g. [x, y]"))
    free = expr.free_symbols - set(variables)
    if free:
        names = ", ".join(sorted(s.name for s in free))
        raise ArgumentError(bad_argument("f", expr, f"{names} has no value; substitute it first"))
    box = (_as_xlim(xlim), _as_xlim(ylim))
    bound = _lr_bound(expr, variables, start)
    model, s = _descent_model(box, start, lr, iterations, bound)
    v = model.values
    first = [float(v[s["x0"]]), float(v[s["y0"]])]
    runs = {
        "gradient descent": gradient_descent(
            expr, variables, first, lr=float(v[s["lr"]]), iterations=int(v[s["iterations"]])
        ),
        "newton": newton(expr, variables, first, iterations=int(v[s["iterations"]])),
    }
    fig = new_figure(ncols=2, figsize=(10.0, 4.0))
    ax, lax = fig.axes
    _contour_panel(ax, expr, variables, runs["newton"].gradient, box, grid)
    (path,) = ax.plot([], [], "o-", color="C3", ms=3, lw=1.2)
    (loss_line,) = lax.plot([], [], "o-", ms=2, color="C0")
    lax.set_xlabel("iteration")
    lax.set_ylabel(f"$f({sp.latex(variables[0])}, {sp.latex(variables[1])})$")
    lax.grid(True, alpha=0.3)
    state: dict[str, Any] = {}

    def update(values: dict[sp.Symbol, Any]) -> bool:
        count = int(values[s["iterations"]])
        run = runs[values[s["method"]]].rerun(
            start=[float(values[s["x0"]]), float(values[s["y0"]])],
            lr=float(values[s["lr"]]) if values[s["method"]] != "newton" else None,
            iterations=count,
        )
        state["run"] = run
        path.set_data(run.iterates[:, 0], run.iterates[:, 1])
        losses = np.asarray(run.losses, dtype=float)
        loss_line.set_data(np.arange(losses.size), losses)
        return _fit_loss_axis(lax, losses, count)

    def formula(values: dict[sp.Symbol, Any]) -> str:
        return _descent_formula(state["run"], values[s["method"]], float(values[s["lr"]]))

    return Explorer(model, fig, update, formula, dynamic=[path, loss_line])


def _descent_model(
    box: tuple[tuple[float, float], tuple[float, float]],
    start: tuple[float, float],
    lr: tuple[float, float] | None,
    iterations: tuple[int, int],
    bound: float | None,
) -> tuple[ParameterModel, dict[str, sp.Symbol]]:
    """The sliders' model: method, learning rate, iterations and the start point."""
    (lo_x, hi_x), (lo_y, hi_y) = box
    s = {
        "method": sp.Symbol("method"),
        "lr": sp.Symbol("lr", positive=True),
        "iterations": sp.Symbol("iterations", integer=True, positive=True),
        "x0": sp.Symbol("x0", real=True),
        "y0": sp.Symbol("y0", real=True),
    }
    if lr is None:
        hi_lr = float(f"{1.5 * bound:.2g}") if bound else 1e-2
        lo_lr = nice_step(hi_lr / 200)
    else:
        lo_lr, hi_lr = float(lr[0]), float(lr[1])
    model = ParameterModel(
        {
            s["method"]: ["gradient descent", "newton"],
            s["lr"]: (lo_lr, hi_lr),
            s["iterations"]: iterations,
            s["x0"]: (lo_x, hi_x),
            s["y0"]: (lo_y, hi_y),
        },
        symbols=list(s.values()),
    )
    model[s["method"]].value = "gradient descent"
    rate = model[s["lr"]]
    first = 0.5 * bound if bound else float(np.sqrt(lo_lr * hi_lr))
    rate.value = rate.validate(on_grid(min(max(first, lo_lr), hi_lr), lo_lr, rate.step))
    model[s["iterations"]].value = min(max(20, iterations[0]), iterations[1])
    model[s["x0"]].value = model[s["x0"]].validate(start[0])
    model[s["y0"]].value = model[s["y0"]].validate(start[1])
    return model, s


def _lr_bound(expr: sp.Expr, variables: list[sp.Symbol], start: Any) -> float | None:
    """``2 / λ_max`` of the Hessian at the start point, or None where it has no meaning."""
    try:
        at = {v: float(c) for v, c in zip(variables, start, strict=True)}
        bound = float(learning_rate_bound(expr, variables, at=at, budget=2.0).result)
    except (SymmlError, TypeError, ValueError):  # no positive curvature at the start
        return None
    return bound if np.isfinite(bound) and bound > 0 else None


def _contour_panel(
    ax: Any, expr: sp.Expr, variables: list[sp.Symbol], gradient: Any, box: Any, grid: int
) -> None:
    """Contours of ``expr`` over the box and the (normalised) descent directions."""
    (lo_x, hi_x), (lo_y, hi_y) = box
    xv, yv = variables
    f_np = to_numpy(expr, variables)
    grad_np = gradient.to_numpy()
    gx, gy = np.meshgrid(np.linspace(lo_x, hi_x, grid), np.linspace(lo_y, hi_y, grid))
    with np.errstate(all="ignore"):
        fz = np.asarray(f_np(gx, gy), dtype=float)
        qx, qy = np.meshgrid(np.linspace(lo_x, hi_x, 15), np.linspace(lo_y, hi_y, 15))
        u, v = np.asarray(grad_np(qx, qy), dtype=float)
        norm = np.hypot(u, v)
        norm[norm == 0] = 1.0
    finite = fz[np.isfinite(fz)]
    levels = np.quantile(finite, np.linspace(0.0, 0.95, 15)) if finite.size else 10
    ax.contour(gx, gy, fz, levels=np.unique(levels), cmap="viridis", linewidths=0.8)
    ax.quiver(qx, qy, -u / norm, -v / norm, color="0.6", alpha=0.6, angles="xy")
    ax.set_xlim(lo_x, hi_x)
    ax.set_ylim(lo_y, hi_y)
    ax.set_xlabel(f"${sp.latex(xv)}$")
    ax.set_ylabel(f"${sp.latex(yv)}$")


def _fit_loss_axis(lax: Any, losses: np.ndarray, count: int) -> bool:
    """Log scale for positive losses, sticky limits; True when the view changed."""
    before = (lax.get_yscale(), lax.get_ylim(), lax.get_xlim())
    lax.set_xlim(0, max(count, 1))
    shown = losses[np.isfinite(losses)]
    if shown.size and shown.min() > 0:
        lo_l, hi_l = np.log10(float(shown.min())), np.log10(float(shown.max()))
        cur = np.log10(np.maximum(lax.get_ylim(), 1e-300))
        fits = (
            lax.get_yscale() == "log"
            and lo_l >= cur[0]
            and hi_l <= cur[1]
            and (hi_l - lo_l) >= (cur[1] - cur[0]) / 3
        )
        if not fits:  # sticky limits: most moves redraw only the curves
            lax.set_yscale("log")
            lax.set_ylim(10 ** (lo_l - 0.3), 10 ** (hi_l + 0.3))
    elif shown.size:
        lax.set_yscale("symlog", linthresh=1e-3)
        lax.set_ylim(float(shown.min()) - 1, float(shown.max()) * 2 + 1)
    return (lax.get_yscale(), lax.get_ylim(), lax.get_xlim()) != before


def _descent_formula(run: Any, method: str, lr: float) -> str:
    """The update rule and where the run ended (or that it diverges)."""
    w = r"\mathbf{w}"
    if method == "newton":
        rule = rf"{w}_{{t+1}} = {w}_t - \nabla^2 f({w}_t)^{{-1}} \nabla f({w}_t)"
    else:
        rule = rf"{w}_{{t+1}} = {w}_t - \eta \nabla f({w}_t),\ \eta = {lr:.4g}"
    losses = np.asarray(run.losses, dtype=float)
    finite = np.isfinite(losses)
    if run.diverged or not finite.all():
        status = r"\text{diverges}"
    elif losses.size > 1 and losses[-1] > losses[0]:
        status = rf"\text{{diverging: }} f \text{{ grew to }} {losses[-1]:.4g}"
    else:
        last = run.iterates[-1]
        status = rf"{w}_{{{len(run.iterates) - 1}}} = ({last[0]:.4g}, {last[1]:.4g})"
    return f"$${rule}, \\quad {status}$$"
