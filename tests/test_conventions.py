"""One API convention, checked across the whole public surface.

* tests, notebooks and benchmarks use only ``symml`` and ``symml.widgets``;
* the expression argument is ``f`` and the variables ``wrt``;
* every deriving function takes a keyword-only ``budget=`` with one default;
* the optimisers' iteration count is ``iterations``;
* ``verify(**options)`` refuses options it does not know;
* generated functions keep one output-shape convention in 1, 2 and 3 variables:
  a gradient evaluates to ``(n,)``, a Jacobian to ``(m, n)``, a Hessian to
  ``(n, n)`` (1 x 1 included), each followed by the inputs' batch shape.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from conftest import central_gradient, central_hessian

import symml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BUDGET = 10.0

#: Public functions that derive something symbolically (and so can take long).
DERIVING = [
    "gradient",
    "jacobian",
    "hessian",
    "taylor",
    "critical_points",
    "normal_equations",
    "logistic_regression",
    "mle",
    "conjugate_posterior",
    "likelihood_ratio_test",
    "expectation",
    "variance",
    "eigen",
    "svd",
    "projection",
    "gram_schmidt",
    "null_space",
    "change_of_basis",
    "coordinates",
    "lagrange",
    "learning_rate_bound",
    "gradient_descent",
    "sgd",
    "momentum",
    "newton",
    "gaussian",
    "gaussian_product",
    "kl_divergence",
    "entropy",
    "bayesian_linear_regression",
    "backprop",
]
#: Functions of an expression and the variables it is taken with respect to.
OF_F_WRT = [
    "gradient",
    "jacobian",
    "hessian",
    "taylor",
    "critical_points",
    "diff_steps",
    "normal_equations",
    "lagrange",
    "learning_rate_bound",
    "gradient_descent",
    "sgd",
    "momentum",
    "newton",
]
OPTIMISERS = ["gradient_descent", "sgd", "momentum", "newton"]


# -- only public imports outside the package ---------------------------------------
_PRIVATE = re.compile(r"\bsymml\._(?!_)\w*|from symml import _\w+|import symml\._")


def _sources() -> list[tuple[str, str]]:
    out = []
    for folder, pattern in (("tests", "*.py"), ("benchmarks", "*.py"), ("benchmarks", "*.md")):
        for path in sorted((ROOT / folder).glob(pattern)):
            out.append((str(path.relative_to(ROOT)), path.read_text()))
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        out.append((str(path.relative_to(ROOT)), code))
    return out


@pytest.mark.parametrize(("where", "text"), _sources(), ids=[w for w, _ in _sources()])
def test_tests_notebooks_and_benchmarks_use_only_the_public_api(where, text):
    if where == "tests/test_conventions.py":
        text = text.replace(_PRIVATE.pattern, "")
    found = sorted(set(_PRIVATE.findall(text)))
    assert not found, f"{where} uses private names {found}: use symml / symml.widgets"


# -- signatures ---------------------------------------------------------------------
def _params(name: str) -> dict[str, inspect.Parameter]:
    return dict(inspect.signature(getattr(symml, name)).parameters)


@pytest.mark.parametrize("name", DERIVING)
def test_every_deriving_function_takes_a_keyword_only_budget(name):
    params = _params(name)
    assert "budget" in params, f"symml.{name} has no budget="
    assert params["budget"].kind is inspect.Parameter.KEYWORD_ONLY
    assert params["budget"].default == DEFAULT_BUDGET


@pytest.mark.parametrize("name", OF_F_WRT)
def test_the_expression_is_f_and_the_variables_wrt(name):
    names = list(_params(name))
    assert names[0] == "f", f"symml.{name}'s first argument is {names[0]!r}"
    assert "wrt" in names, f"symml.{name} has no wrt"


@pytest.mark.parametrize("name", OPTIMISERS)
def test_optimisers_count_iterations(name):
    params = _params(name)
    assert "iterations" in params and "steps" not in params


@pytest.mark.parametrize("name", DERIVING)
def test_options_after_the_inputs_are_keyword_only(name):
    params = list(_params(name).values())
    flags = [p.kind is inspect.Parameter.KEYWORD_ONLY for p in params]
    # Once a parameter is keyword-only, every later one is too.
    assert flags == sorted(flags)


# -- verify() refuses options it does not know ------------------------------------------
x, y, z = sp.symbols("x y z", real=True)


def _derivations():
    A = sp.Matrix([[2, 1], [1, 2]])
    m, k = sp.symbols("m k", integer=True, positive=True)
    w = sp.MatrixSymbol("w", k, 1)
    X = sp.MatrixSymbol("X", m, k)
    yv = sp.MatrixSymbol("y", m, 1)
    return {
        "gradient": lambda: symml.gradient(x**2 * y, [x, y]),
        "jacobian": lambda: symml.jacobian(sp.Matrix([x * y, x + y]), [x, y]),
        "hessian": lambda: symml.hessian(x**2 * y, [x, y]),
        "taylor": lambda: symml.taylor(sp.exp(x), [x], [0]),
        "critical_points": lambda: symml.critical_points(x**2 + y**2, [x, y]),
        "normal_equations": lambda: symml.normal_equations((yv - X * w).T * (yv - X * w), w),
        "mle": lambda: symml.mle_catalog("normal"),
        "eigen": lambda: symml.eigen(A),
        "svd": lambda: symml.svd(A),
        "projection": lambda: symml.projection(sp.Matrix([[1], [1]])),
        "gram_schmidt": lambda: symml.gram_schmidt([sp.Matrix([1, 1]), sp.Matrix([1, 0])]),
        "null_space": lambda: symml.null_space(sp.Matrix([[1, 1], [2, 2]])),
        "lagrange": lambda: symml.lagrange(x + y, [x**2 + y**2 - 1], [x, y]),
        "sample_mean": lambda: symml.sample_mean(),
    }


@pytest.mark.parametrize("name", list(_derivations()))
def test_verify_refuses_unknown_options(name):
    d = _derivations()[name]()
    with pytest.raises(symml.ArgumentError, match="bogus"):
        d.verify(bogus=1)


# -- one output-shape convention, 1, 2 and 3 variables ------------------------------------
def _variables(n: int) -> list[sp.Symbol]:
    return list(sp.symbols(f"v0:{n}", real=True))


def _loss(vs: list[sp.Symbol]) -> sp.Expr:
    """A smooth non-quadratic function coupling every variable."""
    return sum((v - k) ** 2 for k, v in enumerate(vs, 1)) + sp.exp(sum(vs) / 10)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_gradient_evaluates_to_a_vector(n):
    vs = _variables(n)
    g = symml.gradient(_loss(vs), vs).to_numpy()
    point = np.linspace(0.3, 0.9, n)
    value = g(*point)
    assert value.shape == (n,)
    f = symml.to_numpy(_loss(vs), vs)
    np.testing.assert_allclose(value, central_gradient(lambda p: f(*p), point), rtol=1e-6)
    batch = g(*[np.full(4, c) for c in point])
    assert batch.shape == (n, 4)
    np.testing.assert_allclose(batch[..., 2], value)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_hessian_evaluates_to_a_square_matrix(n):
    vs = _variables(n)
    H = symml.hessian(_loss(vs), vs).to_numpy()
    point = np.linspace(0.3, 0.9, n)
    value = H(*point)
    assert value.shape == (n, n)
    f = symml.to_numpy(_loss(vs), vs)
    np.testing.assert_allclose(value, central_hessian(lambda p: f(*p), point), rtol=1e-5)
    assert H(*[np.full(4, c) for c in point]).shape == (n, n, 4)


@pytest.mark.parametrize(("m", "n"), [(1, 1), (2, 1), (1, 3), (3, 2)])
def test_jacobian_evaluates_to_m_by_n(m, n):
    vs = _variables(n)
    F = sp.Matrix([sp.sin(k * sum(vs)) + vs[0] ** k for k in range(1, m + 1)])
    J = symml.jacobian(F, vs).to_numpy()
    point = np.linspace(0.3, 0.9, n)
    assert J(*point).shape == (m, n)
    assert J(*[np.full(4, c) for c in point]).shape == (m, n, 4)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_taylor_polynomial_evaluates_to_the_batch_shape(n):
    vs = _variables(n)
    T = symml.taylor(_loss(vs), vs, [0] * n).to_numpy()
    assert np.shape(T(*([0.1] * n))) == ()
    assert T(*[np.full(4, 0.1)] * n).shape == (4,)


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("name", OPTIMISERS)
def test_optimisers_work_in_one_two_and_three_variables(name, n):
    vs = _variables(n)
    f = sum((v - k) ** 2 for k, v in enumerate(vs, 1))
    kwargs = {} if name == "newton" else {"lr": 0.1}
    if name == "sgd":
        f = [f, f]  # per-example losses (two equal examples)
    run = getattr(symml, name)(f, vs, start=[0.0] * n, iterations=300, **kwargs)
    assert run.iterates.shape == (301, n)
    np.testing.assert_allclose(run.final, np.arange(1, n + 1), atol=1e-3)


def test_newton_in_one_variable_reaches_the_minimum_at_the_first_step():
    run = symml.newton((x - 3) ** 2, [x], start=[0.0], iterations=2)
    np.testing.assert_allclose(run.iterates[1], [3.0])
    assert not run.diverged
