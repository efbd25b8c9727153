"""Explorers: sliders, the formula (symbolic and with current values) and the plot.

=======================  ====================================================
function                 what it shows
=======================  ====================================================
``explore``              any expression in one variable, any parameters
``explore_derivative``   f, f' and the tangent line at a movable point
``explore_svd``          rank-k reconstruction and explained variance
``explore_bayes``        Beta prior -> posterior as coin flips are added
``explore_descent``      gradient descent / Newton on a 2-D function
``explore_regression``   polynomial ridge regression: fit, residuals, lambda
``explore_likelihood``   pdf/pmf over the data, log-likelihood with the MLE
=======================  ====================================================

Each returns an :class:`Explorer` with ``.sliders`` (name -> widget),
``.formula`` (an ``HTMLMath`` widget; its ``value`` is the LaTeX shown),
``.figure`` (the Matplotlib figure) and ``.model`` (the pure-Python
:class:`~symml.widgets.ParameterModel`). Setting a slider's ``value`` from
code drives it exactly as a user would, so the explorers are testable
headlessly.

How it works: the numeric functions come from :func:`symml.to_numpy`, built
once per explorer; a change updates the model, the artists are updated in
place (``set_data``) and the canvas redraws with ``draw_idle``. The figure is
never recreated.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import sympy as sp

from .._codegen import to_numpy
from .._core import ArgumentError, as_sympy, bad_argument
from ._figures import format_value, new_figure, sample_grid, uses_ipympl
from ._params import Param, ParameterModel

__all__ = [
    "Explorer",
    "explore",
    "explore_bayes",
    "explore_derivative",
    "explore_descent",
    "explore_likelihood",
    "explore_regression",
    "explore_svd",
    "sample_image",
]


def _control(param: Param) -> widgets.Widget:
    style = {"description_width": "initial"}
    if param.kind == "float":
        return widgets.FloatSlider(
            value=param.value,
            min=param.low,
            max=param.high,
            step=param.step,
            description=param.label,
            continuous_update=True,
            readout_format=".3g",
            style=style,
        )
    if param.kind == "int":
        return widgets.IntSlider(
            value=param.value,
            min=param.low,
            max=param.high,
            step=param.step or 1,
            description=param.label,
            style=style,
        )
    return widgets.Dropdown(
        options=list(param.options), value=param.value, description=param.label, style=style
    )


class Explorer:
    """Sliders + formula + figure, kept in step with a :class:`ParameterModel`.

    Parameters
    ----------
    model : ParameterModel
    figure : matplotlib Figure
    update : callable(values) -> bool
        Updates the artists in place for the given parameter values; returns
        True when the axes' view changed (ticks must be redrawn).
    formula : callable(values) -> str
        The LaTeX to show for the given values.
    dynamic : sequence of Artists
        The artists ``update`` changes. They are drawn on top of a cached
        background (blitting), so a slider move redraws only them unless the
        view changed.
    """

    def __init__(
        self,
        model: ParameterModel,
        figure: Any,
        update: Callable[[dict[sp.Symbol, Any]], bool],
        formula: Callable[[dict[sp.Symbol, Any]], str],
        dynamic: Sequence[Any] = (),
    ) -> None:
        self.model = model
        self.figure = figure
        self._update = update
        self._formula = formula
        self._dynamic = list(dynamic)
        self._background = None
        self._blit = not uses_ipympl() and getattr(figure.canvas, "supports_blit", False)
        for artist in self._dynamic:
            artist.set_animated(self._blit)
        update(model.values)
        self.formula = widgets.HTMLMath(value=formula(model.values))
        self.sliders: dict[str, widgets.Widget] = {}
        for param in model:
            if param.kind == "fixed":
                continue
            control = _control(param)
            control.observe(self._on_control(param.name), names="value")
            self.sliders[param.name] = control
        self._output = widgets.Output()
        # Lay out once; a layout engine would redo it on every draw (half the latency).
        figure.tight_layout()
        self._redraw(full=True)
        model.observe(self._refresh)
        canvas = figure.canvas if uses_ipympl() else self._output
        self.widget = widgets.VBox([*self.sliders.values(), self.formula, canvas])
        self._show_inline()

    def _redraw(self, full: bool) -> None:
        canvas = self.figure.canvas
        if not self._blit:
            canvas.draw_idle()
            return
        if full or self._background is None:
            canvas.draw()  # everything but the animated (dynamic) artists
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self._dynamic:
            artist.axes.draw_artist(artist)
        canvas.blit(self.figure.bbox)

    def _on_control(self, name: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            self.model.set(name, change["new"])

        return handler

    def _refresh(self, values: dict[sp.Symbol, Any]) -> None:
        view_changed = self._update(values)
        self.formula.value = self._formula(values)
        self._redraw(full=bool(view_changed))
        self._show_inline()

    def _show_inline(self) -> None:
        """With the inline backend, re-show the (same) figure in the Output widget."""
        if uses_ipympl():  # pragma: no cover - needs a Jupyter front end
            return
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython ships with ipywidgets
            return
        if get_ipython() is None:
            return
        from IPython.display import display

        with self._output:  # pragma: no cover - needs a kernel
            self._output.clear_output(wait=True)
            display(self.figure)

    def set(self, **values: Any) -> None:
        """Set parameters by name, as moving their sliders would."""
        for name, value in values.items():
            if name in self.sliders:
                self.sliders[name].value = value
            else:
                self.model.set(name, value)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        names = ", ".join(f"{p.name}={p.value}" for p in self.model)
        return f"<Explorer {names}>"


def _as_variable(x: Any) -> sp.Symbol:
    if not isinstance(x, sp.Symbol):
        raise ArgumentError(bad_argument("x", x, "give the plotted variable as a Symbol"))
    return x


def _as_xlim(xlim: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in xlim)
    except (TypeError, ValueError):
        raise ArgumentError(bad_argument("xlim", xlim, "give (low, high), e.g. (-3, 3)")) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ArgumentError(bad_argument("xlim", xlim, "need finite low < high"))
    return lo, hi


def _model_for(
    exprs: Sequence[sp.Basic], x: sp.Symbol, params: Mapping[Any, Any] | None
) -> ParameterModel:
    free = set().union(*(e.free_symbols for e in exprs)) - {x}
    specs = dict(params or {})
    extra = {k for k in specs if isinstance(k, sp.Symbol) and k not in free}
    if extra:
        names = ", ".join(sorted(s.name for s in extra))
        raise ArgumentError(
            bad_argument("params", specs, f"{names} does not appear in the expression")
        )
    return ParameterModel(specs, symbols=free)


def _latex_with_values(expr: sp.Basic, values: Mapping[sp.Symbol, Any]) -> str:
    from .._render import to_latex

    return to_latex(expr.xreplace({s: format_value(v) for s, v in values.items()}))


def _fit_ylim(ax: Any, *arrays: np.ndarray) -> bool:
    """Keep the y-limits while the data fit them well; return True if they changed.

    The view changes when data leave it or fill less than a third of it, so
    most slider moves keep the ticks and only the curves are redrawn.
    """
    finite = [a[np.isfinite(a)] for a in arrays]
    finite = [a for a in finite if a.size]
    if not finite:
        return False
    lo = min(float(a.min()) for a in finite)
    hi = max(float(a.max()) for a in finite)
    cur_lo, cur_hi = ax.get_ylim()
    span = hi - lo
    if lo >= cur_lo and hi <= cur_hi and span >= (cur_hi - cur_lo) / 3:
        return False
    pad = 0.08 * span if span > 0 else max(abs(hi), 1.0) * 0.1
    ax.set_ylim(lo - pad, hi + pad)
    return True


def _eval(fn: Callable[..., np.ndarray], xs: np.ndarray, args: Sequence[Any]) -> np.ndarray:
    with np.errstate(all="ignore"):
        ys = np.asarray(fn(xs, *args), dtype=float)
    return np.broadcast_to(ys, xs.shape)


def explore(
    expr: Any,
    x: sp.Symbol,
    params: Mapping[Any, Any] | None = None,
    *,
    xlim: tuple[float, float] = (-5.0, 5.0),
    n: int = 400,
) -> Explorer:
    """Explore an expression in ``x`` while its parameters move.

    Parameters
    ----------
    expr : sympy expression or Derivation
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
    f = as_sympy(expr, "expr")
    if not isinstance(f, sp.Expr) or getattr(f, "is_Matrix", False):
        raise ArgumentError(bad_argument("expr", f, "give a scalar expression in x"))
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
    fx = f"f({sp.latex(x)})"

    def update(values: dict[sp.Symbol, Any]) -> bool:
        ys = _eval(fn, xs, [values[s] for s in symbols])
        curve.set_ydata(ys)
        return _fit_ylim(ax, ys)

    def formula(values: dict[sp.Symbol, Any]) -> str:
        from .._render import to_latex

        current = _latex_with_values(f, values)
        return f"$${fx} = {to_latex(f)} = {current}$$"

    return Explorer(model, fig, update, formula, dynamic=[curve])


def explore_derivative(
    expr: Any,
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
    f = as_sympy(expr, "expr")
    if not isinstance(f, sp.Expr) or getattr(f, "is_Matrix", False):
        raise ArgumentError(bad_argument("expr", f, "give a scalar expression in x"))
    x = _as_variable(x)
    lo, hi = _as_xlim(xlim)
    from .._calculus import gradient

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

    def formula(values: dict[sp.Symbol, Any]) -> str:
        from .._render import to_latex

        return (
            f"$$f'({sp.latex(x)}) = {to_latex(df)}, \\quad "
            f"\\text{{tangent at }} x_0 = {to_latex(format_value(values[x0]))}: "
            f"y = {_latex_with_values(tangent_expr, values)}$$"
        )

    return Explorer(model, fig, update, formula, dynamic=[curve, tangent, point, dcurve, dpoint])


def sample_image() -> np.ndarray:
    """A real grayscale photo that ships with Matplotlib (Grace Hopper), as floats in [0, 1].

    Examples
    --------
    >>> sample_image().shape
    (600, 512)
    """
    from matplotlib import cbook
    from matplotlib.image import imread

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        rgb = imread(f, format="jpg").astype(float) / 255.0
    return rgb[..., :3] @ np.array([0.299, 0.587, 0.114])


def explore_svd(data: Any = None, *, k: int | None = None) -> Explorer:
    """Rank-k approximation by the SVD (Eckart–Young), with the explained variance.

    Parameters
    ----------
    data : 2-D array, optional
        An image (shown as a picture) or any matrix; default
        :func:`sample_image`.
    k : int, optional
        Starting rank (default 10, at most the full rank).

    Returns
    -------
    Explorer
        Slider ``k``. ``axes[0]`` shows ``data``, ``axes[1]`` the rank-k
        approximation (``axes[1].images[0]``), ``axes[2]`` the cumulative
        share of ``sum(sigma**2)`` with the current k marked
        (``axes[2].lines[1]``). The formula gives the error
        ``||A - A_k||_F^2 = sum_{i>k} sigma_i^2``.

    Examples
    --------
    >>> import numpy as np
    >>> from symml.widgets import explore_svd
    >>> A = np.outer(np.arange(1.0, 5.0), np.ones(3)) + np.eye(4, 3)
    >>> e = explore_svd(A, k=1)
    >>> e.sliders["k"].value = 3
    >>> np.allclose(e.figure.axes[1].images[0].get_array(), A)
    True
    """
    A = sample_image() if data is None else np.asarray(data, dtype=float)
    if A.ndim != 2 or min(A.shape) < 1 or not np.all(np.isfinite(A)):
        raise ArgumentError(
            bad_argument("data", getattr(A, "shape", A), "give a finite 2-D array (a matrix)")
        )
    U, sigma, Vt = np.linalg.svd(A, full_matrices=False)
    r = len(sigma)
    energy = np.cumsum(sigma**2) / np.sum(sigma**2) if sigma.any() else np.ones(r)
    ks = sp.Symbol("k", integer=True, positive=True)
    model = ParameterModel({ks: (1, r)}, symbols=[ks])
    start = 10 if k is None else k
    model[ks].value = model[ks].validate(min(max(int(start), 1), r))
    fig = new_figure(ncols=3, figsize=(11.0, 3.6))
    ax0, ax1, ax2 = fig.axes
    lo, hi = float(A.min()), float(A.max())
    ax0.imshow(A, cmap="gray", vmin=lo, vmax=hi)
    ax0.set_title("data")
    image = ax1.imshow(A, cmap="gray", vmin=lo, vmax=hi)
    for a in (ax0, ax1):
        a.set_xticks([])
        a.set_yticks([])
    ranks = np.arange(1, r + 1)
    ax2.plot(ranks, energy, lw=2)
    (marker,) = ax2.plot([1], [energy[0]], "o", color="black")
    ax2.set_xlabel("rank $k$")
    ax2.set_ylabel(r"share of $\sum \sigma_i^2$")
    ax2.set_ylim(0, 1.05)
    ax2.grid(True, alpha=0.3)

    def update(values: dict[sp.Symbol, Any]) -> bool:
        kk = int(values[ks])
        image.set_data((U[:, :kk] * sigma[:kk]) @ Vt[:kk])
        marker.set_data([kk], [energy[kk - 1]])
        ax1.set_title(f"rank {kk} of {r}")
        return True  # the title changes

    def formula(values: dict[sp.Symbol, Any]) -> str:
        kk = int(values[ks])
        err = float(np.sum(sigma[kk:] ** 2))
        return (
            rf"$$A_k = \sum_{{i=1}}^{{k}} \sigma_i u_i v_i^{{\top}}, \quad "
            rf"\|A - A_{{{kk}}}\|_F^2 = \sum_{{i>{kk}}} \sigma_i^2 = {err:.4g}, \quad "
            rf"\text{{explained: }} {100 * energy[kk - 1]:.1f}\%$$"
        )

    return Explorer(model, fig, update, formula, dynamic=[image, marker])


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
        Slider ranges of the prior's parameters.

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

    from .._stats import conjugate_posterior

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
    model[a_s].value = model[a_s].validate(max(a[0], min(2.0, a[1])))
    model[b_s].value = model[b_s].validate(max(b[0], min(2.0, b[1])))
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


def _ridge_solver() -> tuple[Any, Callable[..., np.ndarray]]:
    """The ridge normal equations, derived once, and their QR-based numeric solver."""
    from .._ml import normal_equations

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

    if x is None and y is None:
        rng = np.random.default_rng(1)
        xd = np.sort(rng.uniform(-1.0, 1.0, 30))
        yd = np.sin(3 * xd) + 0.2 * rng.standard_normal(30)
    else:
        xd = np.asarray(x, dtype=float).ravel()
        yd = np.asarray(y, dtype=float).ravel()
    if xd.shape != yd.shape or xd.size < 2 or not np.all(np.isfinite(xd) & np.isfinite(yd)):
        raise ArgumentError(
            bad_argument(
                "x, y", (np.shape(x), np.shape(y)), "give two finite 1-D arrays of equal length"
            )
        )
    if np.ptp(xd) == 0:
        raise ArgumentError(bad_argument("x", x, "x must take at least two distinct values"))
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
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left")
    state: dict[str, Any] = {}

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
        from .._render import to_latex

        return (
            f"$${to_latex(ne.result)}, \\quad d = {int(values[d_s])},\\ "
            f"\\lambda = {float(values[lam_s]):.3g}: \\quad "
            f"\\mathrm{{RSS}} = {state['rss']:.4g},\\ "
            f"\\|w\\| = {float(np.linalg.norm(state['weights'])):.4g}$$"
        )

    return Explorer(model, fig, update, formula, dynamic=[curve, residuals])


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
    from .._stats import MLE, mle_catalog

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
    spec = est._model
    if not isinstance(spec.xs, sp.Symbol):
        raise ArgumentError(bad_argument("model", model, "explore a univariate model"))
    x = spec.xs
    params = list(est.params)
    logpdf = to_numpy(spec.logpdf, [x, *params])
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
    pmodel = ParameterModel(specs, symbols=params)
    for p in params:
        pmodel[p].value = pmodel[p].validate(float(fit.params[p.name]))
    discrete = bool(spec.support.discrete)
    fig = new_figure(ncols=2, figsize=(10.0, 3.8))
    ax, lax = fig.axes
    if discrete:
        ks = np.arange(int(sample.min()), int(sample.max()) + 1)
        counts = np.array([(sample == k).mean() for k in ks])
        ax.bar(ks, counts, color="C0", alpha=0.4, label="data")
        heights = counts
        xs = ks.astype(float)
        (density,) = ax.plot(xs, np.zeros_like(xs), "o-", color="C3", label="pmf")
    else:
        heights, _, _ = ax.hist(
            sample, bins="auto", density=True, color="C0", alpha=0.4, label="data"
        )
        pad = 0.1 * (np.ptp(sample) or 1.0)
        xs = np.linspace(sample.min() - pad, sample.max() + pad, n)
        (density,) = ax.plot(xs, np.zeros_like(xs), color="C3", lw=2, label="pdf")
    ax.legend(loc="upper right")
    ax.grid(True, alpha=0.3)
    first = params[0]
    lo, hi = pmodel[first].low, pmodel[first].high
    theta = np.linspace(lo, hi, n)
    (profile,) = lax.plot(theta, np.zeros_like(theta), lw=2)
    (current,) = lax.plot([0.0], [0.0], "o", color="black")
    mle_value = float(fit.params[first.name])
    lax.axvline(mle_value, color="C3", ls="--", label=f"MLE {mle_value:.4g}")
    lax.set_xlim(lo, hi)
    lax.set_xlabel(f"${sp.latex(first)}$")
    lax.set_ylabel(r"$\ell$")
    lax.legend(loc="lower right")
    lax.grid(True, alpha=0.3)

    def loglik(values: Mapping[sp.Symbol, Any], over: np.ndarray | None = None) -> np.ndarray:
        args = [values[p] for p in params]
        if over is not None:
            args[0] = over[:, None]
        with np.errstate(all="ignore"):
            return np.sum(logpdf(sample[None, :] if over is not None else sample, *args), axis=-1)

    state: dict[str, float] = {}

    def update(values: dict[sp.Symbol, Any]) -> bool:
        args = [values[p] for p in params]
        with np.errstate(all="ignore"):
            density.set_ydata(np.exp(logpdf(xs, *args)))
        prof = loglik(values, theta)
        profile.set_ydata(prof)
        state["ell"] = float(loglik(values))
        current.set_data([float(values[first])], [state["ell"]])
        changed = _fit_ylim(ax, density.get_ydata(), np.asarray(heights, dtype=float))
        return _fit_ylim(lax, prof[np.isfinite(prof)]) or changed

    def formula(values: dict[sp.Symbol, Any]) -> str:
        from .._render import to_latex

        shown = ", ".join(f"{sp.latex(p)} = {float(values[p]):.4g}" for p in params)
        hats = ", ".join(
            f"\\hat{{{sp.latex(p)}}} = {float(fit.params[p.name]):.4g}" for p in params
        )
        closed = ""
        if first in est.estimators:
            closed = f"\\hat{{{sp.latex(first)}}} = {to_latex(est.estimators[first])}, \\quad "
        return (
            f"$$\\ell({shown}) = \\sum_i \\log f(x_i) = {state['ell']:.6g}, \\quad {closed}{hats}$$"
        )

    return Explorer(pmodel, fig, update, formula, dynamic=[density, profile, current])
