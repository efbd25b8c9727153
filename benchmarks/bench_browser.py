"""Painted latency of the explorers in a real browser: key event to the new plot on screen.

Usage::

    .venv/bin/python benchmarks/bench_browser.py             # inline (default) and ipympl
    .venv/bin/python benchmarks/bench_browser.py --moves 20 --screenshots shots/

Needs the ``browser`` extra (Voilà, Playwright) and Debian's ``chromium`` at
``/usr/bin/chromium`` (or ``SYMML_CHROMIUM``); Playwright's own browser download
is not used. A notebook with two explorers, ``explore(a*sin(x) + b, ...)`` and
``explore_descent`` on Rosenbrock's function, is served by Voilà on 127.0.0.1
(:class:`symml.widgets.ExplorerServer`); headless Chromium, with every request
not to 127.0.0.1 blocked, presses a slider's arrow key and times from the
``keydown`` to the first animation frame after the plot changed (the image
layer's new PNG decoded, or ipympl's canvas drawn). Goals, default set-up
(no ``%matplotlib`` magic): median at most 50 ms for the function explorer and
100 ms for the descent explorer. A third, tiny explorer (a 50 x 50 pixel plot)
measures the floor: the round trip through Voilà and the kernel with next to no
work, which the machine's load sets.

This module is also the harness of ``tests/test_browser.py``. It is not one of
``benchmarks/run.py``'s benchmarks (its ``BENCHMARKS`` list is empty): it needs
a browser and takes about a minute; ``.ci/run`` runs it on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

BENCHMARKS: list[Any] = []  # run on its own (see the module docstring), not by run.py

CHROMIUM = os.environ.get("SYMML_CHROMIUM", "/usr/bin/chromium")
GOALS_MS = {"function": 50.0, "descent": 100.0}
SETTLE_MS = 150

SETUP = (
    "import sympy as sp\n"
    "from symml.widgets import explore, explore_descent\n"
    "a, b, x, y = sp.symbols('a b x y', real=True)"
)
EXPLORERS = {
    "function": (
        "explore(a*sp.sin(x) + b, x, params={a: (0.5, 3.0), b: (-1.0, 1.0)}, xlim=(-3, 3))",
        "a",
    ),
    "descent": ("explore_descent((1 - x)**2 + 100*(y - x**2)**2, [x, y])", "lr"),
    # The floor: a 50 x 50 pixel plot of one segment. What it costs is the round trip
    # itself (browser -> Voila -> kernel -> browser -> paint), not the explorers' work.
    "floor": (
        "from matplotlib.figure import Figure\n"
        "from symml.widgets import Explorer, ParameterModel\n"
        "fig = Figure(figsize=(0.5, 0.5))\n"
        "(seg,) = fig.subplots().plot([0.0, 1.0], [0.0, 0.0])\n"
        "def move(values):\n"
        "    seg.set_ydata([0.0, values[a]])\n"
        "    return False\n"
        "Explorer(ParameterModel({a: (0.0, 1.0)}, symbols=[a]), fig, move,\n"
        "         lambda values: f'$$a = {values[a]}$$', dynamic=[seg])",
        "a",
    ),
}

# Timing, installed before any page script: the last keydown, and a promise that
# resolves at the first animation frame after the explorer's plot changed.
_INIT_SCRIPT = """
window.__symml = {keydown: null, pending: null};
document.addEventListener('keydown', () => { window.__symml.keydown = performance.now(); }, true);
const __draw = CanvasRenderingContext2D.prototype.drawImage;
CanvasRenderingContext2D.prototype.drawImage = function (...args) {
  const out = __draw.apply(this, args);
  const p = window.__symml.pending;
  if (p && p.root.contains(this.canvas)) { p.changed(); }
  return out;
};
"""

_ARM = """
(index) => {
  const root = document.querySelectorAll('.symml-explorer')[index];
  let resolve;
  const done = new Promise((r) => { resolve = r; });
  const pending = {root, fired: false};
  window.__symml.keydown = null;  // a change before the key press (a late draw) is not ours
  pending.changed = (img) => {
    if (pending.fired || window.__symml.keydown === null) { return; }
    pending.fired = true;
    const decoded = img ? img.decode().catch(() => null) : Promise.resolve();
    decoded.then(() => requestAnimationFrame(() => resolve(performance.now())));
  };
  const observer = new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.classList && r.target.classList.contains('symml-overlay')) {
        pending.changed(r.target);
      }
    }
  });
  observer.observe(root, {attributes: true, attributeFilter: ['src'], subtree: true});
  pending.done = done.then((t) => { observer.disconnect(); return t; });
  window.__symml.pending = pending;
  return true;
}
"""

_COLLECT = """
async () => {
  const t = await window.__symml.pending.done;
  return t - window.__symml.keydown;
}
"""


def notebook(widget: bool = False) -> dict[str, Any]:
    """The served notebook: the two timed explorers (with ``%matplotlib widget`` if asked)."""
    cells = [SETUP] if not widget else ["%matplotlib widget", SETUP]
    cells += [code for code, _ in EXPLORERS.values()]
    return {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": c,
                "execution_count": None,
                "outputs": [],
            }
            for c in cells
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


class PageWatch:
    """What went wrong on a page: page errors, console errors, kernel errors on the websocket."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.blocked: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.on("websocket", self._websocket)

    def _console(self, msg: Any) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        if "ERR_FAILED" in msg.text and (where in self.blocked or not where):
            return  # a request we blocked (fonts from a CDN), not a fault of the page
        self.errors.append(f"console error: {msg.text} ({where})")

    def _websocket(self, ws: Any) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload: Any) -> None:
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
        if '"msg_type":"error"' in text.replace(" ", "") or '"ename"' in text:
            self.errors.append(f"kernel error: {text[:500]}")


def _only_localhost(route: Any, watch: PageWatch) -> None:
    host = urlparse(route.request.url).hostname
    if host in ("127.0.0.1", None) or route.request.url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        watch.blocked.append(route.request.url)
        route.abort()


@contextmanager
def browser_page(url: str, *, timeout_s: float = 240.0) -> Iterator[tuple[Any, PageWatch]]:
    """Headless Chromium on ``url``: only 127.0.0.1 reachable, errors watched."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(timeout_s * 1000)
            watch = PageWatch(page)
            page.route("**/*", lambda route: _only_localhost(route, watch))
            page.add_init_script(_INIT_SCRIPT)
            page.goto(url, wait_until="domcontentloaded")
            yield page, watch
        finally:
            browser.close()


def wait_for_explorers(page: Any, count: int, timeout_s: float = 240.0) -> None:
    """Wait until ``count`` explorers are on the page with their plots loaded."""
    page.wait_for_function(
        """(count) => {
          const roots = document.querySelectorAll('.symml-explorer');
          if (roots.length < count) { return false; }
          return Array.from(roots).every((r) => {
            const imgs = r.querySelectorAll('img.symml-overlay, img.symml-background');
            const canvas = r.querySelector('canvas');
            return (imgs.length === 2 && Array.from(imgs).every((i) => i.complete
                    && i.naturalWidth > 0)) || (imgs.length === 0 && canvas !== null);
          });
        }""",
        arg=count,
        timeout=timeout_s * 1000,
    )
    page.wait_for_timeout(500)  # let MathJax typeset the formulas once


def slider_handle(page: Any, index: int, label: str) -> Any:
    """The keyboard handle of the slider labelled ``label`` in explorer ``index``."""
    root = page.locator(".symml-explorer").nth(index)
    slider = root.locator(".widget-slider").filter(
        has=page.locator(".widget-label", has_text=label)
    )
    return slider.first.locator(".noUi-handle").first


def press_and_time(page: Any, index: int, handle: Any, key: str = "ArrowRight") -> float:
    """Press ``key`` on a slider handle; milliseconds from keydown to the painted plot.

    Each move is timed alone: the page first settles (the previous move's formula
    is typeset, ipympl's follow-up draws are done).
    """
    page.wait_for_timeout(SETTLE_MS)
    page.evaluate(_ARM, index)
    handle.press(key)
    return float(page.evaluate(_COLLECT))


def formula_text(page: Any, index: int) -> str:
    """The text of explorer ``index``'s formula panel, without spaces (``...=1.75sin(x)``)."""
    panel = page.locator(".symml-explorer").nth(index).locator(".symml-formula").first
    return "".join(panel.inner_text().split()).replace("\u2061", "")  # no function application


def plot_screenshot(page: Any, index: int, path: str | Path) -> bytes:
    """A screenshot of explorer ``index`` (sliders, formula and plot)."""
    return page.locator(".symml-explorer").nth(index).screenshot(path=str(path))


def measure(
    url: str, moves: int = 10, screenshots: Path | None = None
) -> tuple[dict[str, list[float]], list[str]]:
    """Painted latencies (ms) per explorer, and the errors seen on the page."""
    results: dict[str, list[float]] = {}
    with browser_page(url) as (page, watch):
        wait_for_explorers(page, len(EXPLORERS))
        for index, (name, (_, label)) in enumerate(EXPLORERS.items()):
            handle = slider_handle(page, index, label)
            handle.focus()
            if screenshots is not None:
                plot_screenshot(page, index, screenshots / f"{name}-before.png")
            press_and_time(page, index, handle)  # a first move warms the caches
            results[name] = [press_and_time(page, index, handle) for _ in range(moves)]
            if screenshots is not None:
                plot_screenshot(page, index, screenshots / f"{name}-after.png")
        errors = list(watch.errors)
    return results, errors


def run(widget: bool, moves: int, screenshots: Path | None) -> dict[str, list[float]]:
    """Serve the timed notebook (inline or ipympl) and measure it."""
    from symml.widgets import ExplorerServer

    with tempfile.TemporaryDirectory(prefix="symml-bench-browser-") as folder:
        path = Path(folder) / ("ipympl.ipynb" if widget else "inline.ipynb")
        path.write_text(json.dumps(notebook(widget)), encoding="utf-8")
        with ExplorerServer(path) as server:
            results, errors = measure(server.url, moves, screenshots)
    for error in errors:
        print(f"  {error}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=20, help="timed key presses per explorer")
    parser.add_argument("--screenshots", type=Path, help="folder for before/after screenshots")
    parser.add_argument("--only", choices=("inline", "ipympl"), help="one set-up only")
    args = parser.parse_args(argv)
    if args.screenshots is not None:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    status = 0
    print(
        "painted latency, key event to the new plot on screen (median of "
        f"{args.moves} moves, headless Chromium, Voila on 127.0.0.1)"
    )
    for setup in ("inline", "ipympl"):
        if args.only and args.only != setup:
            continue
        shots = None if args.screenshots is None else args.screenshots / setup
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
        results = run(setup == "ipympl", args.moves, shots)
        for name, times in results.items():
            median = statistics.median(times)
            goal = GOALS_MS.get(name)
            verdict = (
                ""
                if setup != "inline" or goal is None
                else f"  goal <= {goal:.0f} ms: {'met' if median <= goal else 'MISSED'}"
            )
            print(
                f"  {setup:7s} {name:9s} median {median:6.1f} ms  "
                f"(min {min(times):.1f}, max {max(times):.1f}){verdict}"
            )
    return status


if __name__ == "__main__":
    sys.exit(main())
