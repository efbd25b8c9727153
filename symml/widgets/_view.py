"""How an explorer's Matplotlib figure reaches the browser: a cached background and what moved.

==============  ==============================================================
name            what it is
==============  ==============================================================
``FigureView``  two stacked ``ipywidgets.Image`` layers showing an Agg figure
``CanvasView``  under ipympl: its canvas widget, redrawn idle
``encode_png``  an RGBA buffer as PNG bytes (fast settings)
==============  ==============================================================

Why two layers: re-encoding the whole figure on every slider move costs tens of
milliseconds and tens of kilobytes (a contour plot: 200 KB), most of it for
pixels that did not change. The figure is drawn once without its *dynamic*
artists (the ones an update changes); that background is sent as one PNG and
kept. A move draws the dynamic artists over it (blitting) and sends only the
pixels that differ from the background, as a mostly transparent PNG (a few
kilobytes); the browser stacks it on the background. Composed, the two layers
are exactly the figure's pixels. When the axes' view changes (new ticks), the
background is drawn and sent again.

The figure stays an ordinary Matplotlib figure: users style it, and
``figure.savefig`` saves what is shown. The layers are plain ``Image`` widgets
(PNG has a repr everywhere), so the plot appears in a fresh kernel with no
``%matplotlib`` magic.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np

__all__ = ["CanvasView", "FigureView", "encode_png"]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(rgba: np.ndarray) -> bytes:
    """An ``(h, w, 4)`` uint8 buffer as PNG bytes, encoded for speed over size.

    No per-row filter and zlib level 1: a mostly transparent layer of a few
    curves compresses to a few kilobytes in a few milliseconds (Pillow's
    adaptive filtering takes about twice as long for the same pixels).

    Examples
    --------
    >>> import io
    >>> import numpy as np
    >>> from PIL import Image
    >>> pixels = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    >>> data = encode_png(pixels)
    >>> data[:8], np.array_equal(np.asarray(Image.open(io.BytesIO(data))), pixels)
    (b'\\x89PNG\\r\\n\\x1a\\n', True)
    """
    height, width, _ = rgba.shape
    rows = np.zeros((height, 1 + 4 * width), dtype=np.uint8)  # filter byte 0 per row
    rows[:, 1:] = np.asarray(rgba, dtype=np.uint8).reshape(height, 4 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)),
            _chunk(b"IEND", b""),
        )
    )


def _agg_canvas(figure: Any) -> Any:
    """The figure's canvas if it renders to a buffer (Agg); else attach an Agg canvas."""
    canvas = figure.canvas
    if not (hasattr(canvas, "buffer_rgba") and hasattr(canvas, "copy_from_bbox")):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(figure)
    return canvas


class FigureView:
    """An Agg figure shown as a background layer and a layer of what moved.

    Parameters
    ----------
    figure : matplotlib Figure
    dynamic : sequence of Artists
        The artists updates change; they are drawn over the cached background.

    Attributes
    ----------
    widget : ipywidgets.GridBox
        The two ``Image`` layers, stacked in one grid cell.
    background, overlay : ipywidgets.Image
        The layers: the figure without the dynamic artists (opaque), and the
        pixels the dynamic artists change (transparent elsewhere).

    Examples
    --------
    >>> from symml.widgets._figures import new_figure
    >>> fig = new_figure()
    >>> (line,) = fig.axes[0].plot([0, 1], [0, 1])
    >>> view = FigureView(fig, [line])
    >>> view.draw(full=True)
    >>> view.png()[:4], len(view.overlay.value) > 0
    (b'\\x89PNG', True)
    """

    def __init__(self, figure: Any, dynamic: Sequence[Any] = ()) -> None:
        self.figure = figure
        self.canvas = _agg_canvas(figure)
        self._dynamic = list(dynamic)
        for artist in self._dynamic:
            artist.set_animated(True)
        self._background: Any = None
        self._background_pixels: np.ndarray | None = None
        cell = {"grid_area": "1 / 1 / 2 / 2", "width": "auto", "height": "auto"}
        self.background = widgets.Image(format="png", layout=widgets.Layout(**cell))
        self.overlay = widgets.Image(format="png", layout=widgets.Layout(**cell))
        self.background.add_class("symml-background")
        self.overlay.add_class("symml-overlay")
        self.widget = widgets.GridBox(
            [self.background, self.overlay],
            layout=widgets.Layout(grid_template_columns="max-content", width="max-content"),
        )

    def draw(self, full: bool) -> None:
        """Draw the dynamic artists (and, if ``full``, the background) and send the layers."""
        canvas = self.canvas
        size = tuple(int(v) for v in canvas.get_width_height()[::-1])
        if self._background_pixels is None or self._background_pixels.shape[:2] != size:
            full = True  # the first draw, or the figure was resized
        if full:
            canvas.draw()  # everything but the animated (dynamic) artists
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self._background_pixels = np.asarray(canvas.buffer_rgba()).copy()
            self.background.value = encode_png(self._background_pixels)
        else:
            canvas.restore_region(self._background)
        for artist in self._dynamic:
            if artist.get_visible():
                artist.axes.draw_artist(artist)
        frame = np.asarray(canvas.buffer_rgba())
        # One 32-bit word per RGBA pixel: keep the ones the dynamic artists changed.
        words = frame.view(np.uint32)
        layer = np.where(words != self._background_pixels.view(np.uint32), words, np.uint32(0))
        self.overlay.value = encode_png(layer.view(np.uint8).reshape(frame.shape))

    def pixels(self) -> np.ndarray:
        """The pixels shown: the background with the dynamic artists drawn over it."""
        return np.asarray(self.canvas.buffer_rgba()).copy()

    def png(self) -> bytes:
        """The pixels shown, as one PNG (for static renderers: nbconvert, GitHub)."""
        return encode_png(self.pixels())


class CanvasView:
    """Under ipympl (``%matplotlib widget``): its canvas widget is the plot; it redraws idle.

    ipympl keeps its own image of the figure in the browser (with its toolbar's
    zoom and pan), so an update asks it to redraw (``draw_idle``).
    """

    def __init__(self, figure: Any, dynamic: Sequence[Any] = ()) -> None:
        self.figure = figure
        self.canvas = figure.canvas
        self.widget = figure.canvas

    def draw(self, full: bool) -> None:
        """Ask the canvas widget to redraw (it sends the changed pixels)."""
        self.canvas.draw_idle()
