"""Matplotlib figure builders for the explorers; testable with the Agg backend.

======================  ======================================================
name                    what it does
======================  ======================================================
``new_figure``          a Figure on the right canvas (ipympl widget or Agg)
``sample_grid``         the x values a curve is drawn at
``format_value``        a parameter value as short LaTeX
``xy_data``             the (x, y) points of a 1-D regression explorer, checked
``SIGNIFICANT_DIGITS``  the one precision of slider readouts and formulas (4)
======================  ======================================================

Figures are created once per explorer; updates change artists in place
(``set_data``) and redraw only those.
"""

from __future__ import annotations

from typing import Any

import matplotlib
import numpy as np
import sympy as sp
from matplotlib.figure import Figure

__all__ = [
    "READOUT_FORMAT",
    "SIGNIFICANT_DIGITS",
    "format_value",
    "new_figure",
    "sample_grid",
    "uses_ipympl",
]

#: Significant digits of a parameter value, in the slider's readout and in the formula alike.
SIGNIFICANT_DIGITS = 4
#: The sliders' readout format (d3-format, read in the browser): ``SIGNIFICANT_DIGITS`` digits.
READOUT_FORMAT = f".{SIGNIFICANT_DIGITS}g"


def uses_ipympl() -> bool:
    """Whether Matplotlib draws through ipympl (``%matplotlib widget``)."""
    backend = matplotlib.get_backend().lower()
    return "ipympl" in backend or backend.endswith("widget")


def new_figure(*, ncols: int = 1, figsize: tuple[float, float] = (6.4, 3.6)) -> Figure:
    """A Figure with ``ncols`` axes.

    Under ``%matplotlib widget`` the figure comes from pyplot (its canvas is
    an ipympl widget); otherwise it is a plain Agg figure, which never opens
    a window and is not tracked by pyplot.

    Examples
    --------
    >>> fig = new_figure(ncols=2)
    >>> len(fig.axes)
    2
    """
    if uses_ipympl():  # pragma: no cover - needs a Jupyter front end
        import matplotlib.pyplot as plt

        with plt.ioff():
            fig = plt.figure(figsize=figsize)
    else:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig = Figure(figsize=figsize)
        FigureCanvasAgg(fig)
        _show_figures_inline()
    fig.subplots(1, ncols)
    return fig


def _show_figures_inline() -> None:
    """Let IPython show a ``Figure`` as a PNG, as pyplot's inline backend would.

    The inline backend registers its figure formatter when pyplot is first
    imported; symml's figures never go through pyplot, so in a fresh kernel
    ``e.figure`` would show as ``<Figure size 640x360 with 1 Axes>``. A
    formatter the user chose (``%config InlineBackend.figure_formats``,
    ``%matplotlib inline``) is kept.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipywidgets brings IPython
        return
    shell = get_ipython()
    formatters = getattr(getattr(shell, "display_formatter", None), "formatters", None)
    if not formatters or "image/png" not in formatters:
        return
    for mime in ("image/png", "image/svg+xml", "image/jpeg", "application/pdf"):
        if mime not in formatters:
            continue
        try:
            formatters[mime].lookup_by_type(Figure)
            return  # the user's (or the inline backend's) choice stands
        except KeyError:
            continue
    from IPython.core.pylabtools import print_figure

    formatters["image/png"].for_type(Figure, lambda fig: print_figure(fig, "png"))


def sample_grid(xlim: tuple[float, float], n: int = 400) -> np.ndarray:
    """``n`` evenly spaced points over ``xlim``.

    Examples
    --------
    >>> sample_grid((0, 1), 5)
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    return np.linspace(float(xlim[0]), float(xlim[1]), int(n))


def format_value(value: Any) -> sp.Basic:
    """A value as a SymPy number with ``SIGNIFICANT_DIGITS`` (4) significant digits.

    The sliders' readout shows the same digits (``READOUT_FORMAT``), so the
    formula and the slider agree.

    Examples
    --------
    >>> format_value(2.0), format_value(3), format_value(1/3)
    (2.0, 3, 0.3333)
    """
    if isinstance(value, (bool, np.bool_)):
        return sp.S(bool(value))
    if isinstance(value, (int, np.integer)):
        return sp.Integer(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if number == int(number) and abs(number) < 1e6:
            return sp.Float(number, 2)
        return sp.Float(float(f"{number:.{SIGNIFICANT_DIGITS}g}"), SIGNIFICANT_DIGITS)
    return sp.sympify(value)


def xy_data(x: Any, y: Any, *, n: int = 30, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The points of a 1-D regression explorer: ``x, y`` checked, or a seeded noisy sine.

    Examples
    --------
    >>> xd, yd = xy_data(None, None, n=5)
    >>> xd.shape, yd.shape, bool(np.all(np.diff(xd) > 0))
    ((5,), (5,), True)
    >>> xy_data([1, 1], [0, 1])
    Traceback (most recent call last):
    ...
    symml.ArgumentError: x=[1, 1] is not valid: x must take at least two distinct values
    """
    from .._core import ArgumentError, bad_argument

    if x is None and y is None:
        rng = np.random.default_rng(seed)
        xd = np.sort(rng.uniform(-1.0, 1.0, n))
        return xd, np.sin(3 * xd) + 0.2 * rng.standard_normal(n)
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
    return xd, yd
