"""The explorers as a person sees them: served by Voilà, driven in headless Chromium.

Marked ``browser``. Needs the ``browser`` extra (Voilà, Playwright) and Debian's
``chromium``: where they are missing the tests are skipped locally, but FAIL when
the environment variable ``CI`` is set (``.ci/run`` installs them). Every request
not to 127.0.0.1 is blocked (the page asks a CDN for fonts); the servers are
stopped by their process ids. The harness (page set-up, key presses, timing from
the key event to the painted plot) is ``benchmarks/bench_browser.py``, which also
prints the painted medians.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

import numpy as np
import pytest

from symml.widgets import ExplorerServer, app_notebook

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = os.environ.get("SYMML_BROWSER_SHOTS")  # keep the screenshots there to look at them

# Generous bounds for a loaded CI machine; the goals (50 ms, 100 ms) are the benchmark's.
BOUND_MS = {"function": 250.0, "descent": 500.0}

FAILING_EXPLORER = """\
from matplotlib.figure import Figure
from symml.widgets import Explorer, ParameterModel
fig = Figure(figsize=(4, 2))
(line,) = fig.subplots().plot([0.0, 1.0], [0.0, 0.0])
def update(values):
    if values[a] > 0.6:
        raise ValueError('no value above 0.6')
    line.set_ydata([0.0, values[a]])
    return False
Explorer(ParameterModel({a: (0.0, 1.0, 0.5)}, symbols=[a]), fig, update,
         lambda values: f'$$a = {values[a]}$$', dynamic=[line])
"""


def _missing() -> list[str]:
    missing = [m for m in ("voila", "playwright", "ipykernel") if not importlib.util.find_spec(m)]
    chromium = os.environ.get("SYMML_CHROMIUM", "/usr/bin/chromium")
    if not (Path(chromium).exists() or shutil.which(chromium)):
        missing.append(chromium)
    return missing


def _harness():
    spec = importlib.util.spec_from_file_location(
        "bench_browser", ROOT / "benchmarks" / "bench_browser.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_browser", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def page_and_watch(tmp_path_factory):
    missing = _missing()
    if missing:
        message = (
            f"the browser test needs {', '.join(missing)} (pip install '.[browser]'; "
            "apt-get install chromium)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
    bb = _harness()
    folder = tmp_path_factory.mktemp("voila")
    nb = app_notebook()
    nb["cells"].append(
        {
            "cell_type": "code",
            "metadata": {},
            "source": FAILING_EXPLORER,
            "execution_count": None,
            "outputs": [],
        }
    )
    path = folder / "explorers.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    server = ExplorerServer(path).start()
    try:
        with bb.browser_page(server.url) as (page, watch):
            bb.wait_for_explorers(page, 8)
            yield bb, page, watch
    finally:
        status = server.stop()
        assert not server.running() and status is not None


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _plot_pixels(page, index: int, name: str) -> np.ndarray:
    root = page.locator(".symml-explorer").nth(index)
    png = root.locator(".symml-overlay").first.screenshot()
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        root.screenshot(path=str(Path(SHOTS) / f"{name}.png"))
    return _pixels(png)


@pytest.mark.parametrize(("index", "name", "label"), [(0, "function", "a"), (2, "descent", "lr")])
def test_moving_a_slider_changes_formula_and_plot_quickly(page_and_watch, index, name, label):
    bb, page, watch = page_and_watch
    handle = bb.slider_handle(page, index, label)
    handle.focus()
    formula = bb.formula_text(page, index)
    before = _plot_pixels(page, index, f"{name}-before")
    times = [bb.press_and_time(page, index, handle) for _ in range(6)]
    page.wait_for_timeout(300)  # the formula is typeset a frame after the plot
    after = _plot_pixels(page, index, f"{name}-after")
    assert bb.formula_text(page, index) != formula
    changed = np.mean(np.abs(after - before).sum(axis=-1) > 30)
    assert changed > 0.0005, f"{name}: the plot did not change on screen"
    assert statistics.median(times) < BOUND_MS[name], times
    assert not watch.errors, watch.errors


def test_the_formula_follows_the_slider(page_and_watch):
    bb, page, watch = page_and_watch
    handle = bb.slider_handle(page, 0, "a")
    handle.focus()
    handle.press("Home")  # a = 0.5
    page.wait_for_function(
        "() => document.querySelectorAll('.symml-formula')[0].innerText.includes('0.5')"
    )
    for _ in range(3):
        bb.press_and_time(page, 0, handle)  # 0.5 + 3 x 0.01
    page.wait_for_timeout(300)
    assert bb.formula_text(page, 0).endswith("=0.53sin(𝑥)")
    assert not watch.errors, watch.errors


def test_every_explorer_shows_a_plot(page_and_watch):
    _, page, _ = page_and_watch
    for index in range(8):
        root = page.locator(".symml-explorer").nth(index)
        box = root.locator(".symml-background").first.bounding_box()
        assert box["width"] > 200 and box["height"] > 100
        pixels = _pixels(root.locator(".symml-background").first.screenshot())
        assert pixels.std() > 10, f"explorer {index}: a blank plot"  # axes, ticks, curves
    assert "Figure size" not in page.content()


def test_an_error_in_a_callback_is_shown_in_the_panel(page_and_watch):
    bb, page, watch = page_and_watch
    index = 7  # the explorer whose update raises above 0.6
    handle = bb.slider_handle(page, index, "a")
    handle.focus()
    overlay = page.locator(".symml-explorer").nth(index).locator(".symml-overlay").first
    src = overlay.get_attribute("src")
    handle.press("ArrowRight")  # 0.5 -> 1.0: the update raises
    page.wait_for_function(
        "() => document.querySelectorAll('.symml-formula')[7].innerText.includes('ValueError')"
    )
    text = page.locator(".symml-formula").nth(7).inner_text()
    assert "ValueError: no value above 0.6" in text and "\n" not in text.strip()
    assert overlay.get_attribute("src") == src  # the last good plot stays
    assert not watch.errors, watch.errors  # caught: no kernel error message
    assert set(watch.blocked) == {u for u in watch.blocked if "127.0.0.1" not in u}
