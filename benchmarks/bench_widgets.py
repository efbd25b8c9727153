"""Explorer latency: from a slider change to the updated figure (Agg backend).

* ``explore-latency``: the function explorer of ``a*sin(x) + b`` on 400 points.
  One timed call moves slider ``a`` and includes everything the user waits for:
  recomputing the curve (generated NumPy code, built once), updating the line
  in place, the formula's LaTeX, and drawing the figure with Agg. Goal: median
  at most 30 ms.

Baseline: ``ipywidgets.interactive`` with a function that recreates the plot on
every change (a new Matplotlib figure, the curve from ``numpy.sin``, a draw) --
what ``@interact`` code usually does.
"""

from __future__ import annotations

import itertools
from typing import Any

import ipywidgets
import matplotlib

matplotlib.use("Agg")

import numpy as np
import sympy as sp
from harness import Benchmark, Candidate
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from symml.widgets import explore

_a, _b, _x = sp.symbols("a b x", real=True)
_values = itertools.cycle(np.linspace(0.6, 2.9, 23))
_state: dict[str, Any] = {}


def _explorer() -> Any:
    if "explorer" not in _state:
        e = explore(
            _a * sp.sin(_x) + _b, _x, params={_a: (0.5, 3.0), _b: (-1.0, 1.0)}, xlim=(-3, 3)
        )
        e.figure.canvas.draw()  # first draw (font caches) outside the timings
        _state["explorer"] = e
    return _state["explorer"]


def _interactive() -> Any:
    if "interactive" not in _state:
        xs = np.linspace(-3, 3, 400)

        def plot(a: float = 1.75, b: float = 0.0) -> Figure:
            fig = Figure(figsize=(6.4, 3.6))
            FigureCanvasAgg(fig)
            ax = fig.add_subplot()
            ax.plot(xs, a * np.sin(xs) + b, lw=2)
            ax.set_title(f"$f(x) = {a:.3g} \\sin x + {b:.3g}$")
            fig.canvas.draw()
            _state["last_figure"] = fig
            return fig

        _state["interactive"] = ipywidgets.interactive(plot, a=(0.5, 3.0), b=(-1.0, 1.0))
    return _state["interactive"]


def _setup(tag: str, quick: bool) -> float:
    return float(next(_values))


def _move_explorer(value: float) -> Any:
    e = _explorer()
    e.sliders["a"].value = value
    return e.figure.axes[0].lines[0].get_ydata()[0]


def _move_interactive(value: float) -> Any:
    w = _interactive()
    w.children[0].value = value
    line = _state["last_figure"].axes[0].lines[0]
    return line.get_ydata()[0]


BENCHMARKS = [
    Benchmark(
        name="explore-latency",
        description="slider change -> updated figure (Agg), function explorer, 400 points; "
        "goal: median <= 30 ms",
        setup=_setup,
        subject=Candidate("symml.widgets.explore (in place)", _move_explorer),
        baselines=[
            Candidate("ipywidgets.interactive (recreate)", _move_interactive),
        ],
        repeats=21,
    )
]
