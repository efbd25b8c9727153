"""Explorers of a function of one variable: ``explore`` and ``explore_derivative``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from .._calculus import gradient
from .._codegen import to_numpy
from .._core import ArgumentError, as_sympy, bad_argument, renamed_keywords
from .._render import to_latex
from ._explorer import (
    Explorer,
    _as_variable,
    _as_xlim,
    _eval,
    _fit_ylim,
    _latex_with_values,
    _model_for,
)
from ._figures import format_value, new_figure, sample_grid


@renamed_keywords(expr="f")
def explore(
    f: Any,
    x: sp.Symbol,
    params: Mapping[Any, Any] | None = None,
    *,
    xlim: tuple[float, float] = (-5.0, 5.0),
    n: int = 400,
) -> Explorer:
    """Explore an expression in ``x`` while its parameters move.

    Parameters
    ----------
    f : sympy expression or Derivation
    x : Symbol
        The variable on the horizontal axis.
    params : mapping Symbol -> spec, optional
        ``(lo, hi)`` slider, a set/list dropdown, or a number to fix it. Free
        symbols without a spec get a default slider.
    xlim : (low, high)
    n : int
        Points on the curve.

    Returns
    -------
    Explorer
        ``figure.axes[0].lines[0]`` is the curve of the expression.

    Examples
    --------
    >>> import sympy as sp
    >>> from symml.widgets import explore
    >>> a, b, x = sp.symbols("a b x", real=True)
    >>> e = explore(a*sp.sin(x) + b, x, params={a: (0.5, 3.0), b: (-1.0, 1.0)}, xlim=(-3, 3))
    >>> e.sliders["a"].value = 2.0
    >>> line = e.figure.axes[0].lines[0]
    >>> bool(abs(line.get_ydata()[0] - 2.0*np.sin(-3.0)) < 1e-12)
    True
    >>> e.formula.value
    '$$f(x) = a \\\\sin{\\\\left(x \\\\right)} + b = 2.0 \\\\sin{\\\\left(x \\\\right)}$$'
    """
    f = as_sympy(f, "f")
    if not isinstance(f, sp.Expr) or getattr(f, "is_Matrix", False):
        raise ArgumentError(bad_argument("f", f, "give a scalar expression in x"))
    x = _as_variable(x)
    lo, hi = _as_xlim(xlim)
    model = _model_for([f], x, params)
    symbols = model.symbols
    fn = to_numpy(f, [x, *symbols])
    xs = sample_grid((lo, hi), n)
    fig = new_figure()
    ax = fig.axes[0]
    (curve,) = ax.plot(xs, np.zeros_like(xs), lw=2)
    ax.set_xlim(lo, hi)
    ax.set_xlabel(f"${sp.latex(x)}$")
    ax.grid(True, alpha=0.3)
    fx = f"f({sp.latex(x)}) = {to_latex(f)}"  # the same on every move: made once

    def update(values: dict[sp.Symbol, Any]) -> bool:
        ys = _eval(fn, xs, [values[s] for s in symbols])
        curve.set_ydata(ys)
        return _fit_ylim(ax, ys)

    def formula(values: dict[sp.Symbol, Any]) -> str:
        current = _latex_with_values(f, values)
        return f"$${fx} = {current}$$"

    return Explorer(model, fig, update, formula, dynamic=[curve])


@renamed_keywords(expr="f")
def explore_derivative(
    f: Any,
    x: sp.Symbol,
    params: Mapping[Any, Any] | None = None,
    *,
    xlim: tuple[float, float] = (-5.0, 5.0),
    n: int = 400,
) -> Explorer:
    """Explore f, its derivative f' and the tangent line at a movable point.

    The point is the parameter ``x0`` (a slider over ``xlim``). Lines:
    ``axes[0].lines`` = [f, tangent, point]; ``axes[1].lines`` = [f', point].

    Examples
    --------
    >>> import sympy as sp
    >>> from symml.widgets import explore_derivative
    >>> x = sp.Symbol("x", real=True)
    >>> e = explore_derivative(x**3 - x, x, xlim=(-2, 2))
    >>> e.sliders["x0"].value = 1.0
    >>> tangent = e.figure.axes[0].lines[1]
    >>> float(tangent.get_ydata()[-1])   # f(1) + f'(1) (2 - 1) = 0 + 2
    2.0
    """
    f = as_sympy(f, "f")
    if not isinstance(f, sp.Expr) or getattr(f, "is_Matrix", False):
        raise ArgumentError(bad_argument("f", f, "give a scalar expression in x"))
    x = _as_variable(x)
    lo, hi = _as_xlim(xlim)
    df = gradient(f, [x]).result[0]
    x0 = sp.Symbol("x0", real=True)
    specs = dict(params or {})
    specs[x0] = (lo, hi, (hi - lo) / 400)
    model = _model_for([f, df, x0], x, specs)
    model[x0].value = (lo + hi) / 2
    symbols = [s for s in model.symbols if s != x0]
    f_fn = to_numpy(f, [x, *symbols])
    df_fn = to_numpy(df, [x, *symbols])
    xs = sample_grid((lo, hi), n)
    fig = new_figure(ncols=2, figsize=(9.0, 3.6))
    ax, dax = fig.axes
    (curve,) = ax.plot(xs, np.zeros_like(xs), lw=2, label="$f$")
    (tangent,) = ax.plot(xs, np.zeros_like(xs), "--", label="tangent")
    (point,) = ax.plot([0.0], [0.0], "o", color="black")
    (dcurve,) = dax.plot(xs, np.zeros_like(xs), lw=2, color="C2", label="$f'$")
    (dpoint,) = dax.plot([0.0], [0.0], "o", color="black")
    for a in (ax, dax):
        a.set_xlim(lo, hi)
        a.set_xlabel(f"${sp.latex(x)}$")
        a.grid(True, alpha=0.3)
        a.legend(loc="upper left")
    tangent_expr = f.subs(x, x0) + df.subs(x, x0) * (x - x0)

    def update(values: dict[sp.Symbol, Any]) -> bool:
        args = [values[s] for s in symbols]
        at = np.array([values[x0]], dtype=float)
        ys = _eval(f_fn, xs, args)
        dys = _eval(df_fn, xs, args)
        y0 = float(_eval(f_fn, at, args)[0])
        slope = float(_eval(df_fn, at, args)[0])
        curve.set_ydata(ys)
        tangent.set_ydata(y0 + slope * (xs - at[0]))  # clipped by the view of f
        point.set_data([at[0]], [y0])
        dcurve.set_ydata(dys)
        dpoint.set_data([at[0]], [slope])
        changed_f = _fit_ylim(ax, ys)
        changed_df = _fit_ylim(dax, dys)
        return changed_f or changed_df

    derivative = f"f'({sp.latex(x)}) = {to_latex(df)}"  # the same on every move: made once

    def formula(values: dict[sp.Symbol, Any]) -> str:
        return (
            f"$${derivative}, \\quad "
            f"\\text{{tangent at }} x_0 = {to_latex(format_value(values[x0]))}: "
            f"y = {_latex_with_values(tangent_expr, values)}$$"
        )

    return Explorer(model, fig, update, formula, dynamic=[curve, tangent, point, dcurve, dpoint])
