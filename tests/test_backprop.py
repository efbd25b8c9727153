"""Specifications for backpropagation: forward expressions, local derivatives and the
backward pass equal direct differentiation (symbolically) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symml import (
    ArgumentError,
    ComputationGraph,
    backprop,
    expit,
    gradient,
    to_numpy,
    two_layer_network,
)


def sigmoid_normal_form(expr):
    """Write sigma(-t) as 1 - sigma(t), so both sides use the same atoms."""
    return expr.replace(
        lambda e: isinstance(e, expit) and e.args[0].could_extract_minus_sign(),
        lambda e: 1 - expit(-e.args[0]),
    )


def same_gradient(a, b) -> bool:
    diff = (sp.Matrix(a) - sp.Matrix(b)).applyfunc(sigmoid_normal_form)
    return all(sp.cancel(sp.together(sp.expand(e))) == 0 for e in diff)


def central_differences(f, point, h=1e-6):
    out = np.empty_like(point)
    for i in range(point.size):
        e = np.zeros_like(point)
        e[i] = h
        out[i] = (f(point + e) - f(point - e)) / (2 * h)
    return out


x, w, b, t = sp.symbols("x w b t", real=True)
u, p, q, L = sp.symbols("u p q L", real=True)


def test_tiny_graph_exactly():
    bp = backprop({u: w * x + b, L: (u - t) ** 2 / 2}, [w, b])
    assert bp.result == sp.Matrix([x * (b + w * x - t), b + w * x - t])
    assert bp.local[L, u] == u - t
    assert bp.local[u, w] == x
    assert bp.adjoints[L] == 1
    assert bp.adjoints[u] == u - t
    assert bp.forward[L] == (w * x + b - t) ** 2 / 2
    assert bp.verify()


def test_fan_out_adds_the_contributions_of_every_user():
    graph = {u: w * x, p: u**2, q: sp.sin(u), L: p + 3 * q}
    bp = backprop(graph, [w])
    ubar = bp.adjoint_symbols[u]
    chain = next(s for s in bp.steps if s.lhs == ubar)
    pbar, qbar = bp.adjoint_symbols[p], bp.adjoint_symbols[q]
    assert chain.expr == 2 * u * pbar + qbar * sp.cos(u)
    assert sp.simplify(bp.adjoints[u] - (2 * u + 3 * sp.cos(u))) == 0
    assert sp.simplify(bp.result[0] - sp.diff((w * x) ** 2 + 3 * sp.sin(w * x), w)) == 0


@pytest.mark.parametrize("loss", ["squared", "cross_entropy"])
def test_two_layer_network_gradient_equals_direct_differentiation(loss):
    net = two_layer_network(2, 2, loss=loss)
    bp = backprop(net)
    assert bp.wrt == net.params and len(net.params) == 9
    direct = gradient(bp.source, net.params).result
    assert same_gradient(bp.result, direct)  # symbolically
    proof = bp.compare_with_direct()
    assert proof and proof.method == "symbolic"
    assert bp.verify()  # central differences of the composed loss


@pytest.mark.parametrize("loss", ["squared", "cross_entropy"])
def test_two_layer_network_gradient_against_numpy_finite_differences(loss):
    net = two_layer_network(2, 3, loss=loss)
    bp = backprop(net)
    rng = np.random.default_rng(3)
    inputs = {s: rng.normal() for s in net.inputs}
    if loss == "cross_entropy":
        inputs[sp.Symbol("y", real=True)] = 1.0
    args = list(net.params) + list(net.inputs)
    loss_fn = to_numpy(bp.source, args)
    grad_fn = to_numpy(bp.result, args)
    theta = rng.normal(size=len(net.params))
    data = [inputs[s] for s in net.inputs]
    estimate = central_differences(lambda th: loss_fn(*th, *data), theta)
    np.testing.assert_allclose(grad_fn(*theta, *data), estimate, rtol=1e-6, atol=1e-8)


def test_backward_pass_reads_like_the_textbook():
    net = two_layer_network(2, 2, loss="cross_entropy")
    bp = backprop(net)
    s_node, h1, z1 = (sp.Symbol(n, real=True) for n in ("s", "h_1", "z_1"))
    yhat, y = sp.Symbol("yhat", real=True), sp.Symbol("y", real=True)
    # sigmoid output with cross-entropy: the error signal is yhat - y
    assert bp.adjoints[s_node] == yhat - y
    assert bp.local[h1, z1] == h1 * (1 - h1)  # sigma' = sigma (1 - sigma)
    whys = [st.why for st in bp.steps]
    first_local = whys.index(next(w for w in whys if w.startswith("local derivative")))
    seed = whys.index("seed: the adjoint of v is dL/dv, and dL/dL = 1")
    assert whys[: len(net.nodes)] == ["forward pass"] * len(net.nodes)
    assert len(net.nodes) <= first_local < seed
    assert bp.steps[-1].expr == bp.result
    backward = bp.backward_pass()
    tex = backward.latex()
    assert tex.isascii()
    assert r"\overline{z_{1}} &= \overline{h_{1}} h_{1} \left(1 - h_{1}\right)" in tex
    assert r"\overline{s} &= \overline{\hat{y}} \hat{y} \left(1 - \hat{y}\right)" in tex
    assert r"\nabla_{\theta} L" in tex
    # in node symbols, the gradient is short: no sigmoid of a sum anywhere
    assert not backward.result.has(expit)
    for v in [*(node for node, _ in net.nodes), *net.params]:  # one adjoint line each
        assert tex.count(sp.latex(bp.adjoint_symbols[v]) + " &=") == 1


def test_gradient_function_is_vectorised_over_examples():
    net = two_layer_network(2, 2)
    bp = backprop(net)
    grad = bp.to_numpy()  # parameters first, then inputs by name
    assert [str(a) for a in bp.default_args()[:9]] == [str(s) for s in net.params]
    rng = np.random.default_rng(0)
    theta = rng.normal(size=9)
    x1, x2, y = rng.normal(size=(3, 50))
    assert grad(*theta, x1, x2, y).shape == (9, 50)


def test_graph_errors_name_the_argument():
    with pytest.raises(ArgumentError, match=r"graph=.*node u uses L, defined at or after it"):
        backprop({u: L * w, L: u**2}, [w])
    with pytest.raises(ArgumentError, match=r"(?s)wrt=.*u is a node"):
        backprop({u: w * x, L: u**2}, [u])
    with pytest.raises(ArgumentError, match=r"(?s)graph=.*not a \(node, expression\) pair"):
        backprop([(u, w * x, 1)], [w])
    with pytest.raises(ArgumentError, match=r"(?s)graph=.*ComputationGraph"):
        backprop(w * x, [w])
    with pytest.raises(ArgumentError, match=r"(?s)wrt=.*give the parameters"):
        backprop(ComputationGraph(((u, w * x),)))
    with pytest.raises(ArgumentError, match=r"loss='hinge' is not valid"):
        two_layer_network(2, 2, loss="hinge")
    with pytest.raises(ArgumentError, match=r"n_hidden=0 is not valid"):
        two_layer_network(2, 0)


def test_backprop_takes_a_budget_and_explicit_verify_options():
    xs, ws, bs, ys, zs, L = sp.symbols("x w b y z L", real=True)
    bp = backprop({zs: ws * xs + bs, L: (zs - ys) ** 2 / 2}, [ws, bs], budget=5)
    assert bp.result == sp.ImmutableMatrix([xs * (bs + ws * xs - ys), bs + ws * xs - ys])
    assert bp.verify(n=5, seed=2)
    with pytest.raises(ArgumentError, match=r"bogus=1 is not valid"):
        bp.verify(bogus=1)
    with pytest.raises(ArgumentError, match=r"budget=0 is not valid"):
        backprop({zs: ws * xs, L: zs**2}, [ws], budget=0)


# -- one weight ------------------------------------------------------------------
def test_one_weight_sigmoid_neuron_with_cross_entropy():
    yhat = sp.Symbol("yhat", real=True)
    graph = {u: w * x, yhat: expit(u), L: -t * sp.log(yhat) - (1 - t) * sp.log(1 - yhat)}
    bp = backprop(graph, [w])
    assert bp.adjoints[u] == yhat - t  # the error signal
    assert bp.result == sp.Matrix([x * (expit(w * x) - t)])
    assert bp.compare_with_direct() and bp.verify()
    grad = bp.to_numpy()  # (w, t, x)
    assert [str(s) for s in bp.default_args()] == ["w", "t", "x"]
    value = grad(0.5, 1.0, 2.0)
    assert value.shape == (1,)
    np.testing.assert_allclose(value, [2.0 * (1 / (1 + np.exp(-1.0)) - 1.0)], rtol=1e-14)
    assert grad(0.5, 1.0, np.array([1.0, 2.0, 3.0])).shape == (1, 3)
    with pytest.raises(ArgumentError, match=r"takes \(w, t, x\), .*got 2 arguments: missing x$"):
        grad(0.5, 1.0)


def test_one_input_one_hidden_unit_network_against_finite_differences():
    net = two_layer_network(1, 1, loss="cross_entropy")
    bp = backprop(net)
    assert len(net.params) == 4 and bp.result.shape == (4, 1)
    args = list(net.params) + list(net.inputs)
    loss_fn, grad_fn = to_numpy(bp.source, args), to_numpy(bp.result, args)
    theta, data = np.array([0.3, -0.2, 0.7, 0.1]), [1.5, 1.0]
    estimate = central_differences(lambda th: loss_fn(*th, *data), theta)
    np.testing.assert_allclose(grad_fn(*theta, *data), estimate, rtol=1e-6, atol=1e-9)
