"""Every notebook in notebooks/ runs top to bottom: its last cell checks what the lesson showed.

Cells run one at a time with a short timeout (``SYMML_CELL_TIMEOUT``, default 60 s).
A Jupyter client occasionally misses the last reply of a cell, which would stall the
run until the timeout; a cell that times out is retried once after interrupting the
kernel, so a stall costs one timeout, and a real hang fails naming the cell.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = float(os.environ.get("SYMML_CELL_TIMEOUT", "60"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class CellHang(AssertionError):
    """A cell that did not finish within the timeout, twice."""


def _first_line(cell) -> str:
    lines = [line for line in cell.source.splitlines() if line.strip()]
    return lines[0][:80] if lines else ""


async def _run_cells(client: NotebookClient, name: str, timeout: float, retries: int) -> None:
    async with client.async_setup_kernel():
        for index, cell in enumerate(client.nb.cells):
            if cell.cell_type != "code":
                continue
            for attempt in range(retries + 1):
                try:
                    await client.async_execute_cell(cell, index)
                    break
                except CellTimeoutError:
                    if attempt == retries:
                        raise CellHang(
                            f"{name}: cell {index} ({_first_line(cell)!r}) did not finish "
                            f"within {timeout:g} s, {retries + 1} times (the kernel was "
                            "interrupted before each retry)"
                        ) from None
                    await client.km.interrupt_kernel()  # a lost reply or a real hang
                    await asyncio.sleep(0.5)
                    cell.outputs = []
        client.set_widgets_metadata()


def run_notebook(
    nb, where: Path, *, name: str = "notebook", timeout: float = CELL_TIMEOUT, retries: int = 1
):
    """Execute ``nb`` cell by cell in a fresh kernel; return it with outputs and widget state."""
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(where)}},
        store_widget_state=True,
    )
    asyncio.run(_run_cells(client, name, timeout, retries))
    return nb


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def test_there_are_notebooks():
    assert NOTEBOOKS


def _run_lesson(path: Path):
    """``path`` executed in a fresh kernel: the notebook with outputs, or what it raised."""
    nb = nbformat.read(path, as_version=4)
    try:
        return run_notebook(nb, path.parent, name=path.name)
    except Exception as exc:  # reported by that notebook's test
        return exc


@pytest.fixture(scope="module")
def lessons():
    """Every lesson run top to bottom, two at a time (a kernel per core; no notebook writes
    files, and each has its own kernel): ``{name: notebook or exception}``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with ThreadPoolExecutor(max_workers=2) as pool:
            done = pool.map(_run_lesson, NOTEBOOKS)
            return dict(zip([p.name for p in NOTEBOOKS], done, strict=True))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(lessons, path):
    nb = lessons[path.name]
    if isinstance(nb, BaseException):
        raise nb
    errors = [o for o in _outputs(nb) if o.get("output_type") == "error"]
    assert not errors
    # A lesson uses today's API: no symml deprecation warnings in its output.
    stale = [
        o["text"]
        for o in _outputs(nb)
        if o.get("output_type") == "stream" and "will be removed in symml" in o.get("text", "")
    ]
    assert not stale, stale


def _readme_explorer_snippet() -> list[str]:
    """The README's explorer example, one line per cell (comments dropped)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Explorers") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    return [line.split("#")[0].rstrip() for line in code.splitlines() if line.strip()]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_readme_explorer_shows_its_plot_in_a_fresh_kernel(tmp_path):
    """No %matplotlib magic: the plot is an image (a widget view and a PNG), not a repr."""
    lines = _readme_explorer_snippet()
    setup = "import sympy as sp\nx = sp.Symbol('x', real=True)"  # from the README's start
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in [setup, *lines]])
    run_notebook(nb, tmp_path, name="README snippet")
    assert not [o for o in _outputs(nb) if o.get("output_type") == "error"]
    shown = next(c for c in nb.cells if c.source.strip() == "e")
    (output,) = shown.outputs
    assert WIDGET_VIEW in output["data"]
    assert "<Figure size" not in output["data"].get("text/plain", "")
    assert base64.b64decode(output["data"]["image/png"]).startswith(b"\x89PNG")
    state = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    images = [
        base64.b64decode(buffer["data"])
        for model in state.values()
        if model["model_name"] == "ImageModel"
        for buffer in model.get("buffers", [])
    ]
    assert len(images) == 2 and all(png.startswith(b"\x89PNG") for png in images)
    # ``e.figure`` is the Matplotlib figure, and a fresh kernel shows it as a picture
    figure = next(c for c in nb.cells if c.source.strip() == "e.figure")
    (output,) = figure.outputs
    assert base64.b64decode(output["data"]["image/png"]).startswith(b"\x89PNG")


def test_a_hanging_cell_fails_naming_it(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_markdown_cell("text"),
            nbformat.v4.new_code_cell("import time\ntime.sleep(60)"),
        ]
    )
    with pytest.raises(CellHang, match=r"hang.ipynb: cell 2 \('import time'\) did not finish"):
        run_notebook(nb, tmp_path, name="hang.ipynb", timeout=2)


def test_a_stalled_cell_is_retried_once(tmp_path):
    """A cell that stalls the first time (as when a reply is lost) costs one timeout."""
    flag = tmp_path / "stalled-once"
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import pathlib, time\n"
                f"flag = pathlib.Path({str(flag)!r})\n"
                "if not flag.exists():\n"
                "    flag.touch()\n"
                "    time.sleep(60)\n"
                "print('done')"
            )
        ]
    )
    run_notebook(nb, tmp_path, timeout=3)
    assert flag.exists()
    assert [o.get("text") for o in nb.cells[0].outputs] == ["done\n"]
