"""Headless specifications for the explorers: set slider values, check the plotted data
(recomputed independently with NumPy) and the formula text."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symml import ArgumentError
from symml.widgets import ParameterModel, explore, explore_derivative

a, b, x = sp.symbols("a b x", real=True)
k = sp.Symbol("k", integer=True, positive=True)
s = sp.Symbol("s", positive=True)


# -- the parameter model (pure Python) ---------------------------------------------------


def test_model_shorthand_table():
    model = ParameterModel(
        {a: (0.5, 3.0), b: {2, 1, 3}, k: (1, 6), s: 2.5}, symbols=[a, b, k, s, x]
    )
    kinds = {p.name: (p.kind, p.value) for p in model}
    assert kinds["a"] == ("float", 1.75)
    assert kinds["b"] == ("choice", 1)
    assert kinds["k"] == ("int", 3)
    assert kinds["s"] == ("fixed", 2.5)
    assert kinds["x"] == ("float", 0.0)  # default (-5, 5) for a real symbol
    assert model["b"].options == (1, 2, 3)


def test_model_defaults_respect_assumptions():
    model = ParameterModel({}, symbols=[s, k])
    assert (model["s"].low, model["s"].high) == (0.1, 5.0)
    assert (model["k"].kind, model["k"].low) == ("int", 1)


def test_model_notifies_observers_and_validates():
    model = ParameterModel({a: (0.0, 1.0)}, symbols=[a])
    seen = []
    model.observe(lambda values: seen.append(values[a]))
    model.set("a", 0.25)
    model.set(a, 0.25)  # unchanged: no notification
    assert seen == [0.25]
    with pytest.raises(ArgumentError, match=r"a=2 is not valid: give a value in \[0.0, 1.0\]"):
        model.set("a", 2)
    with pytest.raises(ArgumentError, match="known parameters: a"):
        model.set("zz", 1)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ((3.0, 1.0), "low < high"),
        ((0.0, 1.0, -0.1), "step must be positive"),
        ((0, 1, 2, 3), r"\(low, high\)"),
        ("wide", "use \\(low, high\\) for a slider"),
        (set(), "at least one option"),
    ],
)
def test_model_bad_specs(spec, match):
    with pytest.raises(ArgumentError, match=match):
        ParameterModel({a: spec}, symbols=[a])


# -- the function explorer ---------------------------------------------------------------


def test_issue_example_function_explorer():
    e = explore(a * sp.sin(x) + b, x, params={a: (0.5, 3.0), b: (-1.0, 1.0)}, xlim=(-3, 3))
    fig = e.figure
    e.sliders["a"].value = 2.0
    e.sliders["b"].value = 0.5
    line = e.figure.axes[0].lines[0]
    xs = np.linspace(-3, 3, 400)
    np.testing.assert_allclose(line.get_xdata(), xs)
    np.testing.assert_allclose(line.get_ydata(), 2.0 * np.sin(xs) + 0.5, rtol=1e-12)
    assert e.formula.value == (
        r"$$f(x) = a \sin{\left(x \right)} + b = 2.0 \sin{\left(x \right)} + 0.5$$"
    )
    assert e.figure is fig  # updated in place, never recreated
    assert len(fig.axes[0].lines) == 1
    lo, hi = fig.axes[0].get_ylim()
    assert lo <= -1.5 and hi >= 2.5  # the view follows the data


def test_function_explorer_dropdown_int_and_fixed():
    e = explore(a * x**k + s, x, params={a: {1, -1}, k: (1, 4), s: 2.0}, xlim=(0, 2), n=50)
    assert set(e.sliders) == {"a", "k"}  # the fixed one has no control
    e.sliders["a"].value = -1
    e.sliders["k"].value = 3
    xs = np.linspace(0, 2, 50)
    np.testing.assert_allclose(e.figure.axes[0].lines[0].get_ydata(), -(xs**3) + 2.0)
    assert e.formula.value == "$$f(x) = a x^{k} + s = 2.0 - x^{3}$$"


def test_set_method_and_default_sliders():
    e = explore(sp.exp(-a * x**2), x)  # a gets a default slider
    e.set(a=1.5)
    ys = e.figure.axes[0].lines[0].get_ydata()
    np.testing.assert_allclose(ys, np.exp(-1.5 * np.linspace(-5, 5, 400) ** 2))


def test_explorer_bad_input():
    with pytest.raises(ArgumentError, match="xlim"):
        explore(a * x, x, xlim=(1, 1))
    with pytest.raises(ArgumentError, match="give the plotted variable as a Symbol"):
        explore(a * x, "x")
    with pytest.raises(ArgumentError, match="b does not appear"):
        explore(a * x, x, params={b: (0, 1)})
    with pytest.raises(ArgumentError, match="scalar expression"):
        explore(sp.Matrix([x, a]), x)


# -- derivative and tangent ----------------------------------------------------------------


def test_derivative_explorer_tangent_follows_the_point():
    e = explore_derivative(a * x**3 - x, x, params={a: (0.5, 2.0)}, xlim=(-2, 2))
    e.sliders["a"].value = 2.0
    e.sliders["x0"].value = 0.5
    xs = np.linspace(-2, 2, 400)
    ax, dax = e.figure.axes
    f = 2.0 * xs**3 - xs
    slope = 6.0 * 0.5**2 - 1
    y0 = 2.0 * 0.5**3 - 0.5
    np.testing.assert_allclose(ax.lines[0].get_ydata(), f)
    np.testing.assert_allclose(ax.lines[1].get_ydata(), y0 + slope * (xs - 0.5))
    np.testing.assert_allclose(ax.lines[2].get_xydata(), [[0.5, y0]])
    np.testing.assert_allclose(dax.lines[0].get_ydata(), 6.0 * xs**2 - 1)
    np.testing.assert_allclose(dax.lines[1].get_xydata(), [[0.5, slope]])
    assert e.formula.value == (
        r"$$f'(x) = 3 a x^{2} - 1, \quad \text{tangent at } x_0 = 0.5: "
        r"y = 0.5 x - 0.5$$"
    )


@pytest.mark.parametrize("value", [1.5, 2.9])  # a move inside the view, and one that grows it
def test_the_canvas_shows_the_updated_curve(value):
    import io

    e = explore(a * sp.sin(x) + b, x, params={a: (0.5, 3.0), b: (-1.0, 1.0)}, xlim=(-3, 3))
    e.sliders["a"].value = value
    shown = np.asarray(e.figure.canvas.buffer_rgba()).copy()
    buf = io.BytesIO()
    e.figure.savefig(buf, format="rgba", dpi=e.figure.dpi)  # a fresh full render
    fresh = np.frombuffer(buf.getvalue(), dtype=np.uint8).reshape(shown.shape)
    assert np.mean(np.abs(shown.astype(int) - fresh.astype(int)) > 8) < 0.001


# -- SVD / low rank ------------------------------------------------------------------------


def test_svd_explorer_rank_k_and_eckart_young():
    from symml.widgets import explore_svd

    rng = np.random.default_rng(3)
    A = rng.standard_normal((30, 20))
    e = explore_svd(A, k=2)
    e.sliders["k"].value = 5
    shown = e.figure.axes[1].images[0].get_array()
    U, s_, Vt = np.linalg.svd(A)
    expected = U[:, :5] @ np.diag(s_[:5]) @ Vt[:5]
    np.testing.assert_allclose(shown, expected, atol=1e-10)
    err = np.linalg.norm(A - expected, "fro") ** 2
    assert f"= {err:.4g}" in e.formula.value  # ||A - A_k||_F^2 = sum of discarded sigma^2
    share = np.sum(s_[:5] ** 2) / np.sum(s_**2)
    np.testing.assert_allclose(e.figure.axes[2].lines[1].get_xydata(), [[5, share]])


def test_svd_explorer_on_the_sample_photo():
    from symml.widgets import explore_svd, sample_image

    img = sample_image()
    assert img.shape == (600, 512) and 0 <= img.min() and img.max() <= 1
    e = explore_svd(k=40)
    assert e.figure.axes[1].get_title() == "rank 40 of 512"
    with pytest.raises(ArgumentError, match="finite 2-D array"):
        explore_svd(np.ones(3))


# -- Bayesian updating ----------------------------------------------------------------------


def test_bayes_explorer_posterior_matches_scipy():
    from scipy import stats

    from symml.widgets import explore_bayes

    flips = [1, 0, 1, 1, 1, 0, 1, 1]
    e = explore_bayes(flips, a=(0.5, 10.0), b=(0.5, 10.0))
    # The prior starts uniform, Beta(1, 1), on the sliders' grid (not at 2.02).
    assert (e.sliders["a"].value, e.sliders["b"].value) == (1.0, 1.0)
    assert r"\mathrm{Beta}(1, 1)" in e.formula.value and "k = 0" in e.formula.value
    e.set(a=3.0, b=2.0, k=6)
    grid = e.figure.axes[0].lines[1].get_xdata()
    heads = sum(flips[:6])
    expected = stats.beta(3.0 + heads, 2.0 + 6 - heads).pdf(grid)
    np.testing.assert_allclose(e.figure.axes[0].lines[1].get_ydata(), expected, rtol=1e-9)
    np.testing.assert_allclose(
        e.figure.axes[0].lines[0].get_ydata(), stats.beta(3.0, 2.0).pdf(grid), rtol=1e-9
    )
    mode = (3.0 + heads - 1) / (3.0 + 2.0 + 6 - 2)
    assert e.figure.axes[0].lines[2].get_xdata()[0] == pytest.approx(mode)
    assert r"\mathrm{Beta}(7, 4)" in e.formula.value  # 4 heads in 6 flips
    with pytest.raises(ArgumentError, match="0s and 1s"):
        explore_bayes([0, 2, 1])


# -- gradient descent / Newton ----------------------------------------------------------------


def test_descent_explorer_trajectory_matches_an_independent_run():
    from symml.widgets import explore_descent

    f = x**2 + 10 * a**2  # a quadratic with lambda_max = 20
    e = explore_descent(f, [x, a], lr=(0.01, 0.2), ylim=(-2, 2), start=(-1.0, 1.5))
    e.set(lr=0.05, iterations=30, x0=1.5, y0=-1.0)
    w = np.array([1.5, -1.0])
    path = [w.copy()]
    for _ in range(30):  # hand-written gradient descent
        w = w - 0.05 * np.array([2 * w[0], 20 * w[1]])
        path.append(w.copy())
    path = np.array(path)
    np.testing.assert_allclose(e.figure.axes[0].lines[0].get_xydata(), path, rtol=1e-12)
    losses = path[:, 0] ** 2 + 10 * path[:, 1] ** 2
    np.testing.assert_allclose(e.figure.axes[1].lines[0].get_ydata(), losses, rtol=1e-12)
    assert "diverg" not in e.formula.value
    e.set(lr=0.11)  # above 2 / lambda_max = 0.1: divergence is visible
    ys = e.figure.axes[0].lines[0].get_ydata()
    assert abs(ys[-1]) > 2  # it left the plotted box
    assert "diverging" in e.formula.value


def test_descent_explorer_newton_one_step_on_a_quadratic():
    from symml.widgets import explore_descent

    e = explore_descent((x - 1) ** 2 + 3 * (a + 0.5) ** 2, [x, a], ylim=(-2, 2))
    e.set(method="newton", iterations=1)
    np.testing.assert_allclose(e.figure.axes[0].lines[0].get_xydata()[-1], [1.0, -0.5])
    assert r"\nabla^2 f" in e.formula.value
    with pytest.raises(ArgumentError, match="two variables"):
        explore_descent(x**2, [x])
    with pytest.raises(ArgumentError, match="b has no value"):
        explore_descent(x**2 + b * a**2, [x, a])


# -- regression ----------------------------------------------------------------------------


def test_regression_explorer_matches_independent_ridge():
    from symml.widgets import explore_regression

    rng = np.random.default_rng(5)
    xs = np.sort(rng.uniform(0.0, 4.0, 25))
    ys = np.cos(xs) + 0.1 * rng.standard_normal(25)
    e = explore_regression(xs, ys)
    e.set(d=4, **{"lambda": 0.7})
    t = (xs - (xs.min() + xs.max()) / 2) / (np.ptp(xs) / 2)  # features on [-1, 1]
    A = np.vander(t, 5, increasing=True)
    # Ridge by hand: least squares on the stacked system [A; sqrt(lambda) I].
    stacked = np.vstack([A, np.sqrt(0.7) * np.eye(5)])
    w = np.linalg.lstsq(stacked, np.concatenate([ys, np.zeros(5)]), rcond=None)[0]
    grid = e.figure.axes[0].lines[0].get_xdata()
    tg = (grid - (xs.min() + xs.max()) / 2) / (np.ptp(xs) / 2)
    np.testing.assert_allclose(
        e.figure.axes[0].lines[0].get_ydata(), np.vander(tg, 5, increasing=True) @ w, atol=1e-10
    )
    segments = e.figure.axes[0].collections[1].get_segments()
    np.testing.assert_allclose([s_[1][1] for s_ in segments], A @ w, atol=1e-10)
    rss = float(np.sum((ys - A @ w) ** 2))
    assert f"RSS}} = {rss:.4g}" in e.formula.value
    assert r"\left(\lambda I + X^{\top} X\right)^{-1} X^{\top} y" in e.formula.value


def test_regression_explorer_bad_data():
    from symml.widgets import explore_regression

    with pytest.raises(ArgumentError, match="equal length"):
        explore_regression([1, 2, 3], [1, 2])
    with pytest.raises(ArgumentError, match="two distinct values"):
        explore_regression([1, 1, 1], [1, 2, 3])


def test_under_ipympl_the_canvas_is_the_widget():
    """``%matplotlib widget``: the explorer embeds the ipympl canvas and updates it."""
    import subprocess
    import sys

    script = """
import matplotlib
matplotlib.use("module://ipympl.backend_nbagg")
import sympy as sp
from symml.widgets import explore
a, x = sp.symbols("a x", real=True)
e = explore(a*sp.sin(x), x, params={a: (0.5, 3.0)}, xlim=(0, 1))
assert type(e.figure.canvas).__module__.startswith("ipympl")
assert e.widget.children[-1] is e.figure.canvas
e.sliders["a"].value = 2.0
import numpy as np
assert np.allclose(e.figure.axes[0].lines[0].get_ydata(), 2*np.sin(np.linspace(0, 1, 400)))
print("ok")
"""
    proc = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


# -- distributions and likelihood -----------------------------------------------------------


def test_likelihood_explorer_normal_against_scipy():
    from scipy import stats

    from symml.widgets import explore_likelihood

    data = np.random.default_rng(4).normal(1.0, 2.0, 150)
    e = explore_likelihood("normal", data)
    mu_hat, sigma_hat = data.mean(), data.std()
    assert e.figure.axes[1].lines[2].get_xdata()[0] == pytest.approx(mu_hat)
    e.set(mu=mu_hat + 0.3, sigma=sigma_hat * 1.1)
    xs = e.figure.axes[0].lines[0].get_xdata()
    np.testing.assert_allclose(
        e.figure.axes[0].lines[0].get_ydata(),
        stats.norm(mu_hat + 0.3, sigma_hat * 1.1).pdf(xs),
        rtol=1e-10,
    )
    theta = e.figure.axes[1].lines[0].get_xdata()
    expected = [stats.norm(t, sigma_hat * 1.1).logpdf(data).sum() for t in theta[::50]]
    np.testing.assert_allclose(e.figure.axes[1].lines[0].get_ydata()[::50], expected, rtol=1e-10)
    # The profile peaks at the MLE of mu (for any fixed sigma).
    peak = theta[np.argmax(e.figure.axes[1].lines[0].get_ydata())]
    assert peak == pytest.approx(mu_hat, abs=2 * (theta[1] - theta[0]))
    ell = stats.norm(mu_hat + 0.3, sigma_hat * 1.1).logpdf(data).sum()
    assert f"= {ell:.6g}" in e.formula.value


def test_likelihood_explorer_poisson_pmf_and_errors():
    from scipy import stats

    from symml.widgets import explore_likelihood

    data = [2, 3, 3, 4, 1, 5, 3, 0]
    e = explore_likelihood("poisson", data)
    e.set(**{"lambda": 2.5})
    ks = e.figure.axes[0].lines[0].get_xdata()
    np.testing.assert_allclose(ks, np.arange(0, 6))
    np.testing.assert_allclose(
        e.figure.axes[0].lines[0].get_ydata(), stats.poisson(2.5).pmf(ks), rtol=1e-10
    )
    with pytest.raises(ArgumentError, match="give a sample"):
        explore_likelihood("gamma")
    with pytest.raises(ArgumentError, match="catalog name"):
        explore_likelihood(3)


def test_descent_explorer_runs_equal_symml_optimisers():
    import symml
    from symml.widgets import explore_descent

    f = (1 - x) ** 2 + 100 * (a - x**2) ** 2
    e = explore_descent(f, [x, a])
    e.set(lr=0.001, iterations=60, x0=-1.0, y0=1.5)
    core = symml.gradient_descent(f, [x, a], [-1.0, 1.5], 0.001, 60)
    np.testing.assert_allclose(e.figure.axes[0].lines[0].get_xydata(), core.iterates, rtol=1e-12)
    e.set(method="newton", iterations=8)
    core = symml.newton(f, [x, a], [-1.0, 1.5], iterations=8)
    np.testing.assert_allclose(e.figure.axes[0].lines[0].get_xydata(), core.iterates, rtol=1e-9)


# -- what the browser is sent: a background layer and a layer of what moved ------------------


def _decode(png: bytes) -> np.ndarray:
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(float)


def _composite(background: np.ndarray, overlay: np.ndarray) -> np.ndarray:
    alpha = overlay[..., 3:] / 255.0
    return overlay * alpha + background * (1 - alpha)


def _saved(fig) -> np.ndarray:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="rgba", dpi=fig.dpi)
    w, h = fig.canvas.get_width_height()
    return np.frombuffer(buf.getvalue(), dtype=np.uint8).reshape(h, w, 4).astype(float)


@pytest.mark.parametrize("value", [1.5, 2.9])  # a move inside the view, and one that grows it
def test_the_two_layers_compose_to_the_saved_figure(value):
    e = explore(a * sp.sin(x) + b, x, params={a: (0.5, 3.0), b: (-1.0, 1.0)}, xlim=(-3, 3))
    e.sliders["a"].value = value
    shown = _composite(_decode(e.view.background.value), _decode(e.view.overlay.value))
    fresh = _saved(e.figure)  # Matplotlib stays the model: savefig gives what is shown
    assert np.mean(np.abs(shown - fresh) > 8) < 0.001
    # The moving layer holds only the curve: most of it is transparent.
    assert np.mean(_decode(e.view.overlay.value)[..., 3] > 0) < 0.05


def test_a_move_inside_the_view_sends_only_the_moving_layer():
    e = explore(a * sp.sin(x) + b, x, params={a: (0.5, 3.0), b: (-1.0, 1.0)}, xlim=(-3, 3))
    e.sliders["a"].value = 2.9  # the view grows to fit
    background, overlay = e.view.background.value, e.view.overlay.value
    e.sliders["a"].value = 2.8  # fits the view: the background is not sent again
    assert e.view.background.value is background
    assert e.view.overlay.value != overlay
    assert len(e.view.overlay.value) < len(background)


def test_a_fresh_kernel_gets_a_picture_too():
    """Without widgets (nbconvert, GitHub) the explorer still shows its plot as a PNG."""
    import base64

    e = explore(a * sp.sin(x), x, params={a: (0.5, 3.0)})
    bundle = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG")
    np.testing.assert_allclose(_decode(png), e.view.pixels().astype(float))


# -- an exception inside a widget callback is shown, the last good plot kept -------------------


def test_an_update_that_raises_is_shown_in_the_formula_panel():
    from matplotlib.figure import Figure

    from symml.widgets import Explorer

    fig = Figure()
    ax = fig.subplots()
    (line,) = ax.plot([0.0, 1.0], [0.0, 0.0])
    model = ParameterModel({a: (0.0, 3.0)}, symbols=[a])

    def update(values):
        if values[a] > 2:
            raise ZeroDivisionError("the model has no value above 2\nsecond line")
        line.set_ydata([0.0, values[a]])
        return False

    e = Explorer(model, fig, update, lambda v: f"$$a = {v[a]}$$", dynamic=[line])
    e.sliders["a"].value = 1.0
    good_plot = e.view.overlay.value
    e.sliders["a"].value = 2.5  # no exception escapes the slider's callback
    assert e.error == "ZeroDivisionError: the model has no value above 2"
    assert "the model has no value above 2" in e.formula.value
    assert "second line" not in e.formula.value  # one line
    assert "symml-error" in e.formula.value and "tex2jax_ignore" in e.formula.value
    assert e.view.overlay.value is good_plot  # the last good plot stays
    e.sliders["a"].value = 0.5  # a good value again: the error goes, the plot follows
    assert e.error is None and e.formula.value == "$$a = 0.5$$"
    assert e.view.overlay.value != good_plot


def test_an_error_message_is_escaped_html():
    from matplotlib.figure import Figure

    from symml.widgets import Explorer

    fig = Figure()
    fig.subplots()
    model = ParameterModel({a: (0.0, 1.0)}, symbols=[a])
    calls = []

    def formula(values):
        calls.append(values[a])
        if len(calls) > 1:
            raise ValueError("<b>$x$</b> & more")
        return "$$ok$$"

    e = Explorer(model, fig, lambda v: False, formula)
    e.set(a=0.25)
    assert "&lt;b&gt;$x$&lt;/b&gt; &amp; more" in e.formula.value


# -- details a person notices ------------------------------------------------------------------


def test_slider_readout_has_the_formula_precision():
    e = explore(a * sp.sin(x) + b, x, params={a: (0.5, 3.0), b: (-1.0, 1.0)}, xlim=(-3, 3))
    e.sliders["a"].value = 1.875
    fmt = e.sliders["a"].readout_format
    assert fmt == ".4g"  # d3-format in the browser: 4 significant digits, "1.875"
    readout = f"{1.875:#{fmt}}"  # d3's "g" keeps trailing zeros, like Python's "#g"
    assert readout == "1.875" and "1.875" in e.formula.value
    e.sliders["a"].value = 0.75
    assert float(f"{0.75:#{fmt}}") == 0.75 and "0.75" in e.formula.value


def test_word_labels_are_upright_and_symbols_math():
    from symml.widgets import explore_descent

    y = sp.Symbol("y", real=True)
    e = explore_descent(x**2 + 10 * y**2, [x, y], ylim=(-2, 2))
    labels = {name: w.description for name, w in e.sliders.items()}
    assert labels["method"] == "method" and labels["lr"] == "lr"
    assert labels["iterations"] == "iterations"  # plain text: no math italics
    assert labels["x0"] == "$x_{0}$" and labels["y0"] == "$y_{0}$"
    d = explore_derivative(a * x**2, x, params={a: (0.5, 2.0)})
    assert d.sliders["a"].description == "$a$"


def test_every_plot_panel_names_its_x_axis():
    from symml.widgets import (
        explore_bayes,
        explore_descent,
        explore_likelihood,
        explore_regression,
        explore_svd,
    )

    y = sp.Symbol("y", real=True)
    explorers = {
        "function": explore(a * sp.sin(x), x),
        "derivative": explore_derivative(x**3 - x, x, xlim=(-2, 2)),
        "descent": explore_descent(x**2 + 10 * y**2, [x, y], ylim=(-2, 2)),
        "regression": explore_regression(),
        "likelihood": explore_likelihood("poisson", [2, 3, 3, 4, 1, 5, 3]),
        "bayes": explore_bayes([1, 0, 1]),
        "svd": explore_svd(np.eye(4) + 1),
    }
    for name, e in explorers.items():
        for i, ax in enumerate(e.figure.axes):
            if ax.get_xticks().size and ax.xaxis.get_visible():
                assert ax.get_xlabel(), f"{name}: axes[{i}] has no x label"
    assert explorers["derivative"].figure.axes[1].get_xlabel() == "$x$"
    assert explorers["regression"].figure.axes[0].get_xlabel() == "$x$"
    assert explorers["likelihood"].figure.axes[0].get_xlabel() == "$x$"
    from symml.widgets import explore_bayesian_regression

    blr = explore_bayesian_regression()
    assert [ax.get_xlabel() for ax in blr.figure.axes] == ["$x$", "degree d"]


def test_descent_starts_from_the_learning_rate_bound():
    from symml.widgets import explore_descent

    y = sp.Symbol("y", real=True)
    e = explore_descent(x**2 + 10 * y**2, [x, y], ylim=(-2, 2))  # lambda_max = 20: bound 0.1
    lr = e.sliders["lr"]
    assert lr.max == pytest.approx(0.15)  # 1.5 x the bound: the slider crosses into divergence
    assert lr.value == pytest.approx(0.05)  # 1 / lambda_max: half the bound
    assert "diverg" not in e.formula.value
    e.set(lr=0.12)
    assert "diverg" in e.formula.value
    # Rosenbrock from (-1, 1.5): the Hessian there is [[602, 400], [400, 200]].
    r = explore_descent((1 - x) ** 2 + 100 * (y - x**2) ** 2, [x, y])
    bound = 2 / np.linalg.eigvalsh(np.array([[602.0, 400.0], [400.0, 200.0]])).max()
    rate = r.sliders["lr"]
    assert rate.value == pytest.approx(0.5 * bound, abs=rate.step)
    assert rate.value > 0.000991  # the old default barely moved
    losses = r.figure.axes[1].lines[0].get_ydata()
    assert losses[-1] < 0.2 * 29.0  # the loss falls a lot ...
    assert np.all(np.diff(losses) <= 0)  # ... and never climbs: a person sees a descent


def test_default_slider_steps_are_round_and_values_on_the_grid():
    model = ParameterModel({a: (0.5, 10.0), b: (0.5, 3.0)}, symbols=[a, b])
    assert (model["a"].step, model["b"].step) == (0.025, 0.01)
    for p in model:
        k = (p.value - p.low) / p.step
        assert k == pytest.approx(round(k))  # the browser shows exactly this value


def test_a_styled_or_resized_figure_shows_after_redraw():
    e = explore(a * sp.sin(x) + b, x, params={a: (0.5, 3.0), b: (-1.0, 1.0)}, xlim=(-3, 3))
    background = e.view.background.value
    e.figure.axes[0].set_title("the amplitude a")
    e.figure.axes[0].lines[0].set_color("black")  # Matplotlib is the model users style
    e.redraw()
    assert e.view.background.value != background
    shown = _composite(_decode(e.view.background.value), _decode(e.view.overlay.value))
    assert np.mean(np.abs(shown - _saved(e.figure)) > 8) < 0.001
    e.figure.set_size_inches(4.0, 3.0)  # a resize is noticed on the next move
    e.sliders["a"].value = 2.0
    assert _decode(e.view.background.value).shape == (300, 400, 4)
    assert e.error is None
