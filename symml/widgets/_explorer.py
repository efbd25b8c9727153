"""The Explorer: a parameter model, sliders, a formula and a figure kept in step.

Also the helpers every explorer shares (variables, limits, formulas with values).

How it works: the numeric functions come from :func:`symml.to_numpy`, built
once per explorer; a change updates the model, the artists are updated in
place (``set_data``) and only they are redrawn and sent to the browser
(:class:`~symml.widgets._view.FigureView`; under ipympl its canvas redraws with
``draw_idle``). The figure is never recreated. A failing update is shown as
one line in the formula panel, never raised into the widget callback.
"""

from __future__ import annotations

import asyncio
import base64
import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import sympy as sp

from .._core import ArgumentError, bad_argument
from .._render import to_latex
from ._figures import READOUT_FORMAT, format_value
from ._params import Param, ParameterModel
from ._view import CanvasView, FigureView


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
            readout_format=READOUT_FORMAT,  # the formula's precision (format_value)
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


#: Seconds between a browser move's plot message and its formula message (one frame or so).
FORMULA_DELAY_S = 0.02


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running this callback (a Jupyter kernel's), if any."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def error_line(exc: BaseException, limit: int = 160) -> str:
    """One line for an exception: its type and the first line of its message, shortened.

    Examples
    --------
    >>> error_line(ValueError("math domain error\\nmore detail"))
    'ValueError: math domain error'
    """
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _error_html(line: str) -> str:
    """The error line as HTML that MathJax leaves alone (no ``$`` is typeset)."""
    return (
        '<span class="symml-error tex2jax_ignore mathjax_ignore" '
        f'style="color:#b00020">&#9888; {html.escape(line)} (the plot shows the last good '
        "values)</span>"
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
        background (blitting), so a slider move redraws and sends only them
        unless the view changed.

    Attributes
    ----------
    widget : ipywidgets.VBox
        What a notebook shows: the sliders, the formula and the plot.
    view : FigureView or CanvasView
        The plot as the browser gets it: ``view.background`` (an
        ``ipywidgets.Image``, sent when the axes' view changes) and
        ``view.overlay`` (what moved, sent on every change). Under ipympl, a
        ``CanvasView``: the canvas widget is the plot (``draw_idle``).
    error : str or None
        One line describing what failed in the last update (also shown in the
        formula panel, while the plot keeps the last good values), or None.

    Notes
    -----
    An exception raised while updating (in ``update``, ``formula`` or the
    drawing) never escapes a slider callback, where a notebook front end such
    as Voilà would show it nowhere: the formula panel shows it in one line
    and the plot keeps its last good state.
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
        self.error: str | None = None
        self._from_browser = False
        self._pending: asyncio.TimerHandle | None = None
        # ipympl's canvas is a widget: it shows itself; any other figure is sent as images.
        on_widget = isinstance(getattr(figure, "canvas", None), widgets.DOMWidget)
        self.view: FigureView | CanvasView = (
            CanvasView(figure, dynamic) if on_widget else FigureView(figure, dynamic)
        )
        update(model.values)
        self.formula = widgets.HTMLMath(value=formula(model.values))
        self.formula.add_class("symml-formula")
        self.sliders: dict[str, widgets.Widget] = {}
        for param in model:
            if param.kind == "fixed":
                continue
            control = _control(param)
            control.observe(self._on_control(param.name), names="value")
            self.sliders[param.name] = control
        # Lay out once; a layout engine would redo it on every draw (half the latency).
        figure.tight_layout()
        self._redraw(full=True)
        model.observe(self._refresh)
        self.widget = widgets.VBox([*self.sliders.values(), self.formula, self.view.widget])
        self.widget.add_class("symml-explorer")

    def _redraw(self, full: bool) -> None:
        self.view.draw(full)

    def _on_control(self, name: str) -> Callable[[dict], None]:
        def handler(change: dict) -> None:
            # A change that came from the browser (ipywidgets holds the synced names
            # while it applies them) may paint its formula a moment after the plot.
            owner = change.get("owner")
            self._from_browser = bool(getattr(owner, "_property_lock", None))
            try:
                self.model.set(name, change["new"])
            except Exception as exc:  # a callback must never fail silently
                self._show_error(exc)
            finally:
                self._from_browser = False

        return handler

    def _refresh(self, values: dict[sp.Symbol, Any]) -> None:
        try:
            view_changed = self._update(values)
            self._redraw(full=bool(view_changed))  # the plot's message goes first
            text = self._formula(values)
        except Exception as exc:
            self._show_error(exc)
            return
        self.error = None
        self._set_formula(text, later=self._from_browser)

    def _set_formula(self, text: str, later: bool = False) -> None:
        """Show ``text``; from a browser move, after the plot has had time to paint.

        Typesetting the formula (MathJax) holds the browser's main thread for
        10-20 ms; sent a frame after the plot, it no longer delays the plot.
        Changes made from code are shown at once (``formula.value`` is current).
        """
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        loop = _running_loop() if later else None
        if loop is None:
            self.formula.value = text
        else:
            self._pending = loop.call_later(FORMULA_DELAY_S, self._set_formula, text)

    def _show_error(self, exc: BaseException) -> None:
        self.error = error_line(exc)
        self._set_formula(_error_html(self.error))

    def redraw(self) -> None:
        """Draw the whole figure again, after styling it (titles, colours, limits, size).

        Slider moves redraw only the moving artists over a cached background;
        a change made to the figure itself shows once this is called.

        Examples
        --------
        >>> import sympy as sp
        >>> from symml.widgets import explore
        >>> a, x = sp.symbols("a x", real=True)
        >>> e = explore(a*sp.sin(x), x, params={a: (0.5, 3.0)})
        >>> _ = e.figure.axes[0].set_title("amplitude")
        >>> e.redraw()
        """
        self._redraw(full=True)

    def set(self, **values: Any) -> None:
        """Set parameters by name, as moving their sliders would."""
        for name, value in values.items():
            if name in self.sliders:
                self.sliders[name].value = value
            else:
                self.model.set(name, value)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(self.view, FigureView) and isinstance(bundle, dict):
            # Front ends without widgets (nbconvert, GitHub) show the plot as a picture.
            bundle["image/png"] = base64.b64encode(self.view.png()).decode("ascii")
        return bundle

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
