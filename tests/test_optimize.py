"""Specifications for optimisation: update rules as Derivations, numeric runs from
generated code, convergence facts, Lagrange multipliers, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import sympy as sp

from symml import (
    ArgumentError,
    OptimizationRun,
    ShapeError,
    gradient,
    gradient_descent,
    lagrange,
    learning_rate_bound,
    momentum,
    newton,
    sgd,
)

x, y, z = sp.symbols("x y z", real=True)
QUADRATICS = [
    # f, Hessian
    (x**2 + 5 * y**2, np.array([[2.0, 0.0], [0.0, 10.0]])),
    (2 * x**2 + 2 * x * y + 3 * y**2 - x + 4 * y, np.array([[4.0, 2.0], [2.0, 6.0]])),
    ((x - 1) ** 2 + 4 * (y + 2) ** 2 + 9 * (z - 3) ** 2, np.diag([2.0, 8.0, 18.0])),
]
ROSENBROCK = (1 - x) ** 2 + 100 * (y - x**2) ** 2


def manual_gd(grad, w0, lr, steps):
    w, out = np.array(w0, dtype=float), [np.array(w0, dtype=float)]
    for _ in range(steps):
        w = w - lr * grad(w)
        out.append(w)
    return np.array(out)


# -- gradient descent ------------------------------------------------------------------


def test_gradient_descent_rule_and_run():
    f = QUADRATICS[1][0]
    run = gradient_descent(f, [x, y], start=[1.0, -1.0], lr=0.1, iterations=25)
    assert isinstance(run, OptimizationRun)
    eta = sp.Symbol("eta", positive=True)
    grad = gradient(f, [x, y]).result
    assert run.result == sp.ImmutableMatrix(sp.Matrix([x, y]) - eta * grad)
    assert run.iterates.shape == (26, 2)
    assert run.losses.shape == run.grad_norms.shape == (26,)
    np.testing.assert_array_equal(run.iterates[0], [1.0, -1.0])
    g = gradient(f, [x, y]).to_numpy()
    expected = manual_gd(lambda w: g(*w), [1.0, -1.0], 0.1, 25)
    np.testing.assert_allclose(run.iterates, expected, rtol=1e-13)
    fnum = sp.lambdify([x, y], f)  # an independent evaluation of the losses
    np.testing.assert_allclose(run.losses, [fnum(*w) for w in expected], rtol=1e-12)
    np.testing.assert_allclose(
        run.grad_norms, [np.linalg.norm(g(*w)) for w in expected], rtol=1e-12
    )
    assert [s.why for s in run.steps] == [
        "the objective",
        "the gradient (symml.gradient)",
        "update: a step of size eta against the gradient",
    ]
    assert run.verify()
    step = run.to_numpy()(1.0, -1.0, 0.1)  # the rule as NumPy code: w, then eta
    np.testing.assert_allclose(step, expected[1], rtol=1e-13)


@pytest.mark.parametrize(("f", "H"), QUADRATICS, ids=["diagonal", "coupled", "3-d"])
def test_gd_on_a_quadratic_converges_iff_lr_below_two_over_lambda_max(f, H):
    wrt = sorted(f.free_symbols, key=lambda s: s.name)
    bound = learning_rate_bound(f, wrt)
    lam_max = np.linalg.eigvalsh(H).max()
    assert float(bound.result) == pytest.approx(2 / lam_max, rel=1e-12)
    start = np.linspace(-2.0, -3.0, len(wrt))  # off the minimiser along every eigenvector
    below = gradient_descent(f, wrt, start, 0.95 * float(bound.result), 400)
    above = gradient_descent(f, wrt, start, 1.05 * float(bound.result), 400)
    assert below.converged and not below.diverged
    assert above.diverged and not above.converged
    assert above.grad_norms[-1] > 1e3 * above.grad_norms[0]
    assert np.all(np.isfinite(above.iterates))  # grows, but no overflow in 400 steps
    assert bound.verify()


def test_learning_rate_bound_steps_and_optimal_rate():
    b = learning_rate_bound(x**2 + 5 * y**2, [x, y])
    assert b.result == sp.Rational(1, 5)
    assert b.eigenvalues == (10, 2)
    assert b.optimal_lr == sp.Rational(1, 6)
    assert b.steps[-1].why.startswith("convergence iff |1 - eta lambda_i| < 1")
    local = learning_rate_bound(ROSENBROCK, [x, y], at={x: 1, y: 1})
    assert float(local.result) == pytest.approx(
        2 / np.linalg.eigvalsh([[802, -400], [-400, 200]]).max()
    )
    with pytest.raises(ArgumentError, match=r"(?s)f=.*not quadratic.*at="):
        learning_rate_bound(ROSENBROCK, [x, y])
    with pytest.raises(ArgumentError, match=r"(?s)f=.*no positive eigenvalue"):
        learning_rate_bound(-(x**2) - y**2, [x, y])


def test_divergence_to_overflow_is_quiet_and_padded_with_nan():
    run = gradient_descent(x**4, [x], start=[10.0], lr=1.0, iterations=50)
    assert run.diverged
    assert any("diverged" in note for note in run.notes)
    assert np.isnan(run.iterates[-1, 0]) and np.isfinite(run.iterates[0, 0])
    assert run.iterates.shape == (51, 1)


# -- Newton -----------------------------------------------------------------------------


@pytest.mark.parametrize(("f", "H"), QUADRATICS, ids=["diagonal", "coupled", "3-d"])
def test_newton_converges_in_one_step_on_a_quadratic(f, H):
    wrt = sorted(f.free_symbols, key=lambda s: s.name)
    run = newton(f, wrt, start=np.full(len(wrt), 7.0), iterations=3)
    g0 = gradient(f, wrt).to_numpy()(*np.zeros(len(wrt)))
    minimiser = np.linalg.solve(H, -g0)  # gradient = H w + g(0)
    np.testing.assert_allclose(run.iterates[1], minimiser, atol=1e-12)
    np.testing.assert_allclose(run.iterates[3], minimiser, atol=1e-12)
    assert run.grad_norms[1] < 1e-12
    # the symbolic update does not depend on w: one step from anywhere
    assert not (run.result.free_symbols & set(wrt))
    np.testing.assert_allclose(np.array(run.result, dtype=float).ravel(), minimiser, atol=1e-12)
    assert "one step reaches the stationary point" in run.steps[-1].why


def test_newton_on_rosenbrock_matches_scipy():
    run = newton(ROSENBROCK, [x, y], start=[-1.2, 1.0], iterations=12)
    ref = scipy.optimize.minimize(
        sp.lambdify([[x, y]], ROSENBROCK), [-1.2, 1.0], method="BFGS", tol=1e-12
    )
    np.testing.assert_allclose(run.final, ref.x, atol=1e-4)
    np.testing.assert_allclose(run.final, [1.0, 1.0], atol=1e-12)
    assert run.converged
    assert run.lr is None
    assert run.verify()


def test_newton_stops_on_a_singular_hessian():
    run = newton(x**4 + y**2, [x, y], start=[0.0, 1.0], iterations=3)  # H = diag(0, 2) there
    assert any("singular at step 0" in note for note in run.notes)
    assert np.isnan(run.iterates[1:]).all() and not run.diverged


# -- momentum and SGD -----------------------------------------------------------------


def test_momentum_matches_the_heavy_ball_recursion_and_beats_gd():
    f = x**2 + 50 * y**2
    run = momentum(f, [x, y], start=[1.0, 1.0], lr=0.01, iterations=300, beta=0.9)
    g = gradient(f, [x, y]).to_numpy()
    w, v, out = np.array([1.0, 1.0]), np.zeros(2), [np.array([1.0, 1.0])]
    for _ in range(300):
        v = 0.9 * v + g(*w)
        w = w - 0.01 * v
        out.append(w)
    np.testing.assert_allclose(run.iterates, np.array(out), rtol=1e-12, atol=1e-300)
    plain = gradient_descent(f, [x, y], start=[1.0, 1.0], lr=0.01, iterations=300)
    assert run.losses[-1] < 1e-6 * plain.losses[-1]
    assert run.result.shape == (4, 1)  # (w, v) after one step
    assert run.steps[2].why.startswith("velocity")


def regression_data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    xs = rng.uniform(-2, 2, size=n)
    ys = 1.5 * xs - 0.5 + 0.1 * rng.normal(size=n)
    return xs, ys


w, c, xi, yi = sp.symbols("w c x_i y_i", real=True)
SQUARED = (w * xi + c - yi) ** 2


def test_gradient_descent_with_data_minimises_the_mean_loss():
    xs, ys = regression_data()
    run = gradient_descent(SQUARED, [w, c], [0.0, 0.0], 0.2, 300, data={xi: xs, yi: ys})
    ls = np.linalg.lstsq(np.column_stack([xs, np.ones_like(xs)]), ys, rcond=None)[0]
    np.testing.assert_allclose(run.final, ls, atol=1e-8)
    np.testing.assert_allclose(run.losses[-1], np.mean((ls[0] * xs + ls[1] - ys) ** 2))
    assert run.steps[1].why == "the objective: the mean over the 200 examples"


def test_sgd_is_seeded_and_reaches_least_squares():
    xs, ys = regression_data()
    kwargs = dict(data={xi: xs, yi: ys}, batch_size=10)
    one = sgd(SQUARED, [w, c], [0.0, 0.0], 0.05, 600, seed=1, **kwargs)
    same = sgd(SQUARED, [w, c], [0.0, 0.0], 0.05, 600, seed=1, **kwargs)
    other = sgd(SQUARED, [w, c], [0.0, 0.0], 0.05, 600, seed=2, **kwargs)
    np.testing.assert_array_equal(one.iterates, same.iterates)
    assert not np.array_equal(one.iterates, other.iterates)
    ls = np.linalg.lstsq(np.column_stack([xs, np.ones_like(xs)]), ys, rcond=None)[0]
    np.testing.assert_allclose(one.final, ls, atol=0.05)
    assert one.losses[-1] < 1.1 * np.mean((ls[0] * xs + ls[1] - ys) ** 2)
    assert one.iterates.shape == (601, 2)
    eta = sp.Symbol("eta", positive=True)
    per_example = gradient(SQUARED, [w, c]).result
    assert one.result == sp.ImmutableMatrix(sp.Matrix([w, c]) - eta * per_example)


def test_sgd_with_the_full_batch_is_gradient_descent():
    xs, ys = regression_data(50)
    data = {xi: xs, yi: ys}
    full = sgd(SQUARED, [w, c], [0.0, 0.0], 0.1, 40, data=data, batch_size=50)
    gd = gradient_descent(SQUARED, [w, c], [0.0, 0.0], 0.1, 40, data=data)
    np.testing.assert_allclose(full.iterates, gd.iterates, rtol=1e-12)


def test_sgd_on_a_list_of_per_example_losses():
    points = [(0, 1), (1, 3), (2, 5), (3, 7)]  # y = 2 x + 1 exactly
    losses = [(w * px + c - py) ** 2 for px, py in points]
    run = sgd(losses, [w, c], [0.0, 0.0], 0.02, 3000, seed=0)
    np.testing.assert_allclose(run.final, [2.0, 1.0], atol=1e-3)
    assert run.result.shape == (2, 4)  # column i: the update on example i
    np.testing.assert_allclose(run.losses[0], np.mean([py**2 for _, py in points]))


# -- Lagrange multipliers --------------------------------------------------------------


def test_lagrange_single_constraint_with_multiplier():
    pts = lagrange(x * y, [sp.Eq(x + y, 10)], [x, y])
    lam = pts.multipliers[0]
    assert pts.result == sp.Tuple(sp.Dict({x: 5, y: 5, lam: 5}))
    assert pts.result[0][lam] == 5  # a dict Symbol -> value, multiplier included
    assert pts.values == (25,)
    assert pts.lagrangian == x * y - lam * (x + y - 10)
    assert pts.verify()


def test_lagrange_circle_matches_scipy():
    f = x + 2 * y
    pts = lagrange(f, x**2 + y**2 - 5, [x, y])
    assert [(p[x], p[y]) for p in pts] == [(-1, -2), (1, 2)]
    lam = pts.multipliers[0]
    for p in pts:  # grad f = lambda grad g, and the constraint holds
        assert sp.Matrix([1, 2]) == p[lam] * sp.Matrix([2 * p[x], 2 * p[y]])
        assert p[x] ** 2 + p[y] ** 2 == 5
    ref = scipy.optimize.minimize(
        lambda v: v[0] + 2 * v[1],
        [1.0, 0.0],
        method="SLSQP",
        constraints=[{"type": "eq", "fun": lambda v: v[0] ** 2 + v[1] ** 2 - 5}],
    )
    assert min(float(v) for v in pts.values) == pytest.approx(ref.fun, abs=1e-6)
    assert "largest at point 2, smallest at point 1" in pts.steps[-1].why


def test_lagrange_two_constraints_and_steps():
    pts = lagrange(x**2 + y**2 + z**2, [x + y - 1, y + z - 1], [x, y, z])
    l1, l2 = pts.multipliers
    assert dict(pts.result[0]) == {
        x: sp.Rational(1, 3),
        y: sp.Rational(2, 3),
        z: sp.Rational(1, 3),
        l1: sp.Rational(2, 3),
        l2: sp.Rational(2, 3),
    }
    whys = [s.why for s in pts.steps]
    assert whys[3] == "the Lagrangian f - sum of lambda_i g_i"
    assert pts.steps[-1].expr == pts.result
    assert pts.latex().isascii()
    with pytest.raises(ArgumentError, match=r"(?s)constraints=.*KKT"):
        lagrange(x * y, [x + y <= 1], [x, y])
    with pytest.raises(ArgumentError, match=r"(?s)constraints=.*at least one"):
        lagrange(x * y, [], [x, y])


# -- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), True, "0.1", None])
def test_learning_rate_must_be_positive(lr):
    with pytest.raises(ArgumentError, match=r"lr=.* is not valid: the learning rate must be"):
        gradient_descent(x**2, [x], [1.0], lr, 5)
    with pytest.raises(ArgumentError, match=r"lr="):
        momentum(x**2, [x], [1.0], lr, 5)


@pytest.mark.parametrize("start", [[1.0], [1.0, 2.0, 3.0], np.zeros((2, 2))])
def test_start_must_have_one_value_per_variable(start):
    with pytest.raises(ShapeError, match=r"(?s)start=.*expected 2 values \(one per variable"):
        gradient_descent(x**2 + y**2, [x, y], start, 0.1, 5)
    with pytest.raises(ShapeError, match=r"(?s)start="):
        newton(x**2 + y**2, [x, y], start, 2)


def test_other_bad_arguments():
    with pytest.raises(ArgumentError, match=r"(?s)start=.*give a value for y"):
        gradient_descent(x**2 + y**2, [x, y], {x: 1.0}, 0.1, 5)
    with pytest.raises(ArgumentError, match=r"iterations=-1 is not valid"):
        gradient_descent(x**2, [x], [1.0], 0.1, -1)
    with pytest.raises(ArgumentError, match=r"(?s)data=.*f also depends on a"):
        gradient_descent(sp.Symbol("a") * x**2, [x], [1.0], 0.1, 5)
    with pytest.raises(ArgumentError, match=r"(?s)data=.*does not depend on"):
        gradient_descent(x**2, [x], [1.0], 0.1, 5, data={y: 1.0})
    with pytest.raises(ShapeError, match=r"(?s)data=.*different lengths"):
        gradient_descent(SQUARED, [w, c], [0, 0], 0.1, 5, data={xi: [1, 2], yi: [1, 2, 3]})
    with pytest.raises(ArgumentError, match=r"beta=1 is not valid"):
        momentum(x**2, [x], [1.0], 0.1, 5, beta=1)
    with pytest.raises(ArgumentError, match=r"(?s)data=.*SGD needs examples"):
        sgd(x**2, [x], [1.0], 0.1, 5)
    xs, ys = regression_data(20)
    with pytest.raises(
        ArgumentError, match=r"batch_size=21 is not valid: use an integer from 1 to 20"
    ):
        sgd(SQUARED, [w, c], [0, 0], 0.1, 5, data={xi: xs, yi: ys}, batch_size=21)


# -- every optimiser in 1, 2 and 3 variables ----------------------------------------------

# (f, wrt, minimiser, Hessian): separable quadratics with a known minimiser
DIMENSIONS = [
    ((x - 3) ** 2, [x], [3.0], np.diag([2.0])),
    ((x - 3) ** 2 + 2 * (y + 1) ** 2, [x, y], [3.0, -1.0], np.diag([2.0, 4.0])),
    (
        (x - 3) ** 2 + 2 * (y + 1) ** 2 + 3 * (z - 2) ** 2,
        [x, y, z],
        [3.0, -1.0, 2.0],
        np.diag([2.0, 4.0, 6.0]),
    ),
]
DIM_IDS = ["1 variable", "2 variables", "3 variables"]


def test_newton_in_one_variable_reaches_the_minimum_at_the_first_step():
    run = newton((x - 3) ** 2, [x], start=[0.0], iterations=2)
    assert run.iterates.shape == (3, 1)
    np.testing.assert_allclose(run.iterates[:, 0], [0.0, 3.0, 3.0], atol=1e-14)
    assert run.iterations == 2
    assert run.result == sp.ImmutableMatrix([3])
    assert run.notes == ()


@pytest.mark.parametrize(("f", "wrt", "minimiser", "H"), DIMENSIONS, ids=DIM_IDS)
def test_every_optimiser_in_one_two_and_three_variables(f, wrt, minimiser, H):
    start = np.zeros(len(wrt))
    runs = {
        "gradient descent": gradient_descent(f, wrt, start, lr=0.1, iterations=300),
        "momentum": momentum(f, wrt, start, lr=0.05, iterations=300, beta=0.5),
        "Newton": newton(f, wrt, start, iterations=1),
    }
    for method, run in runs.items():
        assert run.method == method
        assert run.iterates.shape == (run.iterations + 1, len(wrt))
        np.testing.assert_allclose(run.final, minimiser, atol=1e-8, err_msg=method)
        assert run.converged, method
    bound = learning_rate_bound(f, wrt)
    assert float(bound.result) == pytest.approx(2 / H.max())
    assert bound.eigenvalues == tuple(sorted(np.diag(H).astype(int), reverse=True))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_sgd_in_one_two_and_three_variables(n):
    ws = sp.symbols(f"w1:{n + 1}", real=True)
    feats = sp.symbols(f"a1:{n + 1}", real=True)
    target = sp.Symbol("t", real=True)
    loss = (sum(wi * ai for wi, ai in zip(ws, feats, strict=True)) - target) ** 2
    rng = np.random.default_rng(n)
    A = rng.normal(size=(100, n))
    true = np.arange(1.0, n + 1)
    data = {a: A[:, i] for i, a in enumerate(feats)} | {target: A @ true}
    run = sgd(loss, ws, np.zeros(n), lr=0.05, iterations=800, data=data, batch_size=5, seed=0)
    assert run.iterates.shape == (801, n)
    np.testing.assert_allclose(run.final, true, atol=1e-6)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_lagrange_in_one_two_and_three_variables(n):
    ws = sp.symbols(f"w1:{n + 1}", real=True)
    # minimise |w|^2 on the plane sum(w) = n: the point (1, ..., 1), lambda = 2
    pts = lagrange(sum(wi**2 for wi in ws), [sp.Eq(sum(ws), n)], ws)
    (point,) = pts.points
    assert [point[wi] for wi in ws] == [1] * n
    assert point[pts.multipliers[0]] == 2
    assert pts.values == (n,)
    assert pts.verify()


def test_the_old_steps_keyword_still_works_with_a_warning():
    with pytest.warns(DeprecationWarning, match=r"steps=\.\.\.\) is deprecated.*iterations="):
        run = gradient_descent(x**2, [x], [1.0], 0.1, steps=3)
    assert run.iterations == 3 and run.iterates.shape == (4, 1)
    with pytest.warns(DeprecationWarning, match=r"n_steps is deprecated.*\.iterations"):
        assert run.n_steps == 3
    with pytest.raises(ArgumentError, match="give only iterations="):
        newton(x**2, [x], [1.0], steps=3, iterations=3)


def test_a_run_exposes_what_an_explorer_plots():
    run = gradient_descent((x - 3) ** 2 + 2 * (y + 1) ** 2, [x, y], [0.0, 0.0], 0.1, 5)
    assert run.iterates.shape == (6, 2)  # the path
    assert run.losses.shape == run.grad_norms.shape == (6,)  # the loss curve
    assert run.lr == 0.1 and run.method == "gradient descent" and not run.diverged
    assert run.final.tolist() == run.iterates[-1].tolist()


def test_verify_takes_explicit_options_and_rejects_others():
    run = newton((x - 3) ** 2 + y**4, [x, y], [0.0, 1.0], iterations=3)
    assert run.verify(n=5, seed=1)
    for d in (run, learning_rate_bound(x**2, [x]), lagrange(x * y, [x + y - 2], [x, y])):
        with pytest.raises(ArgumentError, match=r"bogus=1 is not valid"):
            d.verify(bogus=1)


def test_budget_is_checked():
    with pytest.raises(ArgumentError, match=r"budget=-1 is not valid"):
        gradient_descent(x**2, [x], [1.0], 0.1, 5, budget=-1)
    with pytest.raises(ArgumentError, match=r"budget=0 is not valid"):
        lagrange(x * y, [x + y - 2], [x, y], budget=0)


def test_rerun_equals_a_fresh_run_and_does_no_symbolic_work():
    f = (x - 3) ** 2 + 2 * (y + 1) ** 2
    xs, ys = regression_data(30)
    cases = [
        (gradient_descent, (f, [x, y], [0.0, 0.0], 0.1, 10), {}),
        (momentum, (f, [x, y], [0.0, 0.0], 0.1, 10), {"beta": 0.5}),
        (sgd, (SQUARED, [w, c], [0.0, 0.0], 0.1, 10), {"data": {xi: xs, yi: ys}, "seed": 3}),
    ]
    for method, (g, wrt, _, _, _), kwargs in cases:
        run = method(g, wrt, [0.0, 0.0], 0.1, 10, **kwargs)
        again = run.rerun(start=[1.0, 2.0], lr=0.05, iterations=7)
        fresh = method(g, wrt, [1.0, 2.0], 0.05, 7, **kwargs)
        np.testing.assert_array_equal(again.iterates, fresh.iterates)
        np.testing.assert_array_equal(again.losses, fresh.losses)
        assert again.lr == 0.05 and again.iterations == 7 and again.result == run.result
        np.testing.assert_array_equal(run.rerun().iterates, run.iterates)
    run = newton(x**4 + y**2, [x, y], [1.0, 1.0], iterations=3)
    assert any("singular" in note for note in run.rerun(start=[0.0, 1.0]).notes)
    with pytest.raises(ArgumentError, match=r"lr=0.1 is not valid: Newton has no step size"):
        run.rerun(lr=0.1)
