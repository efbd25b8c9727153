"""The descent explorer: gradient descent or Newton on a function of two variables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import sympy as sp

from .._codegen import to_numpy
from .._core import ArgumentError, as_sympy, bad_argument
from ._explorer import (
    Explorer,
    _as_xlim,
)
from ._figures import new_figure
from ._params import ParameterModel


def explore_descent(
    f: Any,
    wrt: Sequence[sp.Symbol],
    *,
    start: tuple[float, float] = (-1.0, 1.5),
    lr: tuple[float, float] = (1e-4, 1e-2),
    steps: tuple[int, int] = (1, 200),
    xlim: tuple[float, float] = (-2.0, 2.0),
    ylim: tuple[float, float] = (-1.0, 3.0),
    grid: int = 120,
) -> Explorer:
    """Gradient descent or Newton's method on a function of two variables.

    The runs follow :func:`symml.gradient_descent` and :func:`symml.newton`
    step for step, iterating the gradient and Hessian compiled once by
    :func:`symml.to_numpy`.

    Parameters
    ----------
    f : sympy expression in the two symbols of ``wrt``
    wrt : (Symbol, Symbol)
    start : the initial slider values of the start point
    lr, steps : slider ranges of the learning rate and the number of steps
    xlim, ylim : the plotted box (also the start sliders' ranges)

    Returns
    -------
    Explorer
        Sliders ``method`` ("gradient descent" or "newton"), ``lr``,
        ``steps``, ``x0``, ``y0``. ``axes[0]``: contours of f, the (scaled)
        gradient field, and the trajectory ``axes[0].lines[0]``; ``axes[1]``:
        f along the run (``axes[1].lines[0]``). A run that diverges leaves the
        box and its losses grow; the formula says so.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml.widgets import explore_descent
    >>> x, y = sp.symbols("x y", real=True)
    >>> e = explore_descent(x**2 + 10*y**2, [x, y], lr=(0.01, 0.2), ylim=(-2, 2))
    >>> e.set(lr=0.11, steps=20)          # above 2 / 20: diverges along y
    >>> "diverging" in e.formula.value
    True
    """
    from .._calculus import gradient, hessian

    expr = as_sympy(f, "f")
    variables = list(wrt) if not isinstance(wrt, sp.Symbol) else [wrt]
    if len(variables) != 2 or not all(isinstance(v, sp.Symbol) for v in variables):
        raise ArgumentError(bad_argument("wrt", wrt, "give the two variables, e.g. [x, y]"))
    (lo_x, hi_x), (lo_y, hi_y) = _as_xlim(xlim), _as_xlim(ylim)
    xv, yv = variables
    method_s = sp.Symbol("method")
    lr_s, steps_s = sp.Symbol("lr", positive=True), sp.Symbol("steps", integer=True, positive=True)
    x0_s, y0_s = sp.Symbol("x0", real=True), sp.Symbol("y0", real=True)
    model = ParameterModel(
        {
            method_s: ["gradient descent", "newton"],
            lr_s: (float(lr[0]), float(lr[1]), (float(lr[1]) - float(lr[0])) / 500),
            steps_s: steps,
            x0_s: (lo_x, hi_x),
            y0_s: (lo_y, hi_y),
        },
        symbols=[method_s, lr_s, steps_s, x0_s, y0_s],
    )
    model[method_s].value = "gradient descent"
    model[lr_s].value = float(np.sqrt(float(lr[0]) * float(lr[1])))  # a cautious start
    model[steps_s].value = min(max(20, steps[0]), steps[1])
    model[x0_s].value = model[x0_s].validate(start[0])
    model[y0_s].value = model[y0_s].validate(start[1])
    free = expr.free_symbols - {xv, yv}
    if free:
        names = ", ".join(sorted(s.name for s in free))
        raise ArgumentError(bad_argument("f", expr, f"{names} has no value; substitute it first"))
    f_np = to_numpy(expr, [xv, yv])
    grad_np = to_numpy(gradient(expr, [xv, yv]).result, [xv, yv])
    hess_np = to_numpy(hessian(expr, [xv, yv]).result, [xv, yv])
    # The runs follow symml.gradient_descent / symml.newton step for step
    # (tested), iterating functions built once by to_numpy: a slider move does
    # no symbolic work.

    def iterate(method: str, w0: Sequence[float], eta: float, n_steps: int) -> Any:
        from types import SimpleNamespace

        w = np.asarray(w0, dtype=float)
        points = [w]
        with np.errstate(all="ignore"):
            for _ in range(n_steps):
                g = np.asarray(grad_np(w[0], w[1]), dtype=float)
                if method == "newton":
                    try:
                        step = np.linalg.solve(np.asarray(hess_np(w[0], w[1]), dtype=float), g)
                    except np.linalg.LinAlgError:
                        break  # a singular Hessian: Newton's step is undefined
                else:
                    step = eta * g
                w = w - step
                if not np.all(np.isfinite(w)):
                    break
                points.append(w)
            its = np.array(points)
            losses = np.asarray(f_np(its[:, 0], its[:, 1]), dtype=float)
            norms = np.linalg.norm(np.asarray(grad_np(its[:, 0], its[:, 1]), dtype=float), axis=0)
        blew_up = len(points) < n_steps + 1 and method != "newton"
        grew = norms.size > 1 and norms[-1] > 1e3 * max(norms[0], 1e-12)
        return SimpleNamespace(
            iterates=its, losses=losses, grad_norms=norms, diverged=bool(blew_up or grew)
        )

    gx, gy = np.meshgrid(np.linspace(lo_x, hi_x, grid), np.linspace(lo_y, hi_y, grid))
    with np.errstate(all="ignore"):
        fz = np.asarray(f_np(gx, gy), dtype=float)
        qx, qy = np.meshgrid(np.linspace(lo_x, hi_x, 15), np.linspace(lo_y, hi_y, 15))
        u, v = np.asarray(grad_np(qx, qy), dtype=float)
        norm = np.hypot(u, v)
        norm[norm == 0] = 1.0
    fig = new_figure(ncols=2, figsize=(10.0, 4.0))
    ax, lax = fig.axes
    finite = fz[np.isfinite(fz)]
    levels = np.quantile(finite, np.linspace(0.0, 0.95, 15)) if finite.size else 10
    ax.contour(gx, gy, fz, levels=np.unique(levels), cmap="viridis", linewidths=0.8)
    ax.quiver(qx, qy, -u / norm, -v / norm, color="0.6", alpha=0.6, angles="xy")
    (path,) = ax.plot([], [], "o-", color="C3", ms=3, lw=1.2)
    ax.set_xlim(lo_x, hi_x)
    ax.set_ylim(lo_y, hi_y)
    ax.set_xlabel(f"${sp.latex(xv)}$")
    ax.set_ylabel(f"${sp.latex(yv)}$")
    (loss_line,) = lax.plot([], [], "o-", ms=2, color="C0")
    lax.set_xlabel("step")
    lax.set_ylabel(f"$f({sp.latex(xv)}, {sp.latex(yv)})$")
    lax.grid(True, alpha=0.3)
    state: dict[str, Any] = {}

    def update(values: dict[sp.Symbol, Any]) -> bool:
        start_pt = [float(values[x0_s]), float(values[y0_s])]
        n_steps = int(values[steps_s])
        run = iterate(values[method_s], start_pt, float(values[lr_s]), n_steps)
        state["run"] = run
        path.set_data(run.iterates[:, 0], run.iterates[:, 1])
        losses = np.asarray(run.losses, dtype=float)
        loss_line.set_data(np.arange(losses.size), losses)
        before = (lax.get_yscale(), lax.get_ylim(), lax.get_xlim())
        lax.set_xlim(0, max(n_steps, 1))
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
        return (
            lax.get_yscale(),
            lax.get_ylim(),
            lax.get_xlim(),
        ) != before  # the loss axis rescales with every run

    def formula(values: dict[sp.Symbol, Any]) -> str:
        run = state["run"]
        w = r"\mathbf{w}"
        if values[method_s] == "newton":
            rule = rf"{w}_{{t+1}} = {w}_t - \nabla^2 f({w}_t)^{{-1}} \nabla f({w}_t)"
        else:
            rule = rf"{w}_{{t+1}} = {w}_t - \eta \nabla f({w}_t),\ \eta = {values[lr_s]:.4g}"
        last = run.iterates[-1]
        losses = np.asarray(run.losses, dtype=float)
        if run.diverged:
            status = r"\text{diverges}"
        elif losses.size > 1 and losses[-1] > losses[0]:
            status = rf"\text{{diverging: }} f \text{{ grew to }} {losses[-1]:.4g}"
        else:
            status = rf"{w}_{{{len(run.iterates) - 1}}} = ({last[0]:.4g}, {last[1]:.4g})"
        return f"$${rule}, \\quad {status}$$"

    return Explorer(model, fig, update, formula, dynamic=[path, loss_line])
