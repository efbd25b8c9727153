"""The SVD explorer: rank-k reconstruction of an image and the explained variance."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .._core import ArgumentError, bad_argument
from ._explorer import (
    Explorer,
)
from ._figures import new_figure
from ._params import ParameterModel


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
    title = ax1.set_title(f"rank {r} of {r}")  # a dynamic artist: the text changes per move
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
        title.set_text(f"rank {kk} of {r}")
        return False  # the title is redrawn with the image, over the cached background

    def formula(values: dict[sp.Symbol, Any]) -> str:
        kk = int(values[ks])
        err = float(np.sum(sigma[kk:] ** 2))
        return (
            rf"$$A_k = \sum_{{i=1}}^{{k}} \sigma_i u_i v_i^{{\top}}, \quad "
            rf"\|A - A_{{{kk}}}\|_F^2 = \sum_{{i>{kk}}} \sigma_i^2 = {err:.4g}, \quad "
            rf"\text{{explained: }} {100 * energy[kk - 1]:.1f}\%$$"
        )

    return Explorer(model, fig, update, formula, dynamic=[image, marker, title])
