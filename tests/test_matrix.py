"""Specifications for matrix calculus on MatrixSymbol: gradient, jacobian, hessian.

Every identity is checked three ways: against a hand-written NumPy formula for the
expected closed form, against central differences of independent NumPy code for
the function itself, and by the Derivation's own ``verify()``.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.special import expit as np_expit
from scipy.special import softmax as np_softmax
from sympy import MatrixSymbol, OneMatrix, Trace, det, exp, log, sqrt

import symml
from symml import ArgumentError, NotDifferentiableError, ShapeError, expit

n, m, K = sp.symbols("n m K", integer=True, positive=True)
SIZES = {n: 3, m: 5, K: 4}
lam = sp.Symbol("lambda", positive=True)

x, a, b, mu = (MatrixSymbol(s, n, 1) for s in ("x", "a", "b", "mu"))
A, B = MatrixSymbol("A", n, n), MatrixSymbol("B", n, n)
Z = MatrixSymbol("Z", n, n)  # a square variable: inverse, det, log det
S = MatrixSymbol("Sigma", n, n)
X, w, y = MatrixSymbol("X", m, n), MatrixSymbol("w", n, 1), MatrixSymbol("y", m, 1)
u = MatrixSymbol("u", m, 1)
Wgt = MatrixSymbol("V", m, m)  # weights of weighted least squares
Bm = MatrixSymbol("B", m, m)
E = MatrixSymbol("E", m, n)
C, D = MatrixSymbol("C", n, m), MatrixSymbol("D", n, n)
W, t = MatrixSymbol("W", K, n), MatrixSymbol("t", K, 1)  # softmax weights, one-hot target


def softplus(z):
    return log(1 + exp(z))


def sigma(M):
    return M.applyfunc(expit)


# -- data: concrete sizes, seeded ----------------------------------------------------


def sc(value) -> float:
    """The number in a 1 x 1 array (or a scalar)."""
    return float(np.asarray(value).item())


def make_values(seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    N, M_, K_ = SIZES[n], SIZES[m], SIZES[K]
    spd = rng.standard_normal((N, N))
    values = {
        x: rng.standard_normal((N, 1)),
        a: rng.standard_normal((N, 1)),
        b: rng.standard_normal((N, 1)),
        mu: rng.standard_normal((N, 1)),
        A: rng.standard_normal((N, N)),
        B: rng.standard_normal((N, N)),
        Z: 2 * np.eye(N) + 0.4 * rng.standard_normal((N, N)),  # invertible, det > 0
        S: spd @ spd.T / N + np.eye(N) + 0.2 * rng.standard_normal((N, N)),  # not symmetric
        X: rng.standard_normal((M_, N)),
        w: 0.5 * rng.standard_normal((N, 1)),
        y: rng.standard_normal((M_, 1)),
        u: rng.standard_normal((M_, 1)),
        Wgt: rng.standard_normal((M_, M_)),
        Bm: rng.standard_normal((M_, M_)),
        E: rng.standard_normal((M_, N)),
        C: rng.standard_normal((N, M_)),
        D: rng.standard_normal((N, N)),
        W: rng.standard_normal((K_, N)),
        t: np.eye(K_)[:, [1]],
        lam: 0.7,
    }
    values.update(SIZES)
    return values


VALUES = make_values()
Y01 = {**VALUES, y: np.array([[0.0], [1.0], [1.0], [0.0], [1.0]])}
YPM = {**VALUES, y: np.array([[-1.0], [1.0], [1.0], [-1.0], [1.0]])}
XPOS = {**VALUES, x: np.array([[0.5], [1.2], [2.0]])}


def central(f, value: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Independent central differences of a NumPy function of one array."""
    out = np.empty(value.shape + np.shape(f(value)))
    for idx in np.ndindex(value.shape):
        step = np.zeros_like(value)
        step[idx] = h
        out[idx] = (np.asarray(f(value + step)) - np.asarray(f(value - step))) / (2 * h)
    return out


def numeric(expr, values) -> np.ndarray:
    """The value of ``expr`` at ``values`` by symml.to_numpy (sizes read from the arrays)."""
    symbols = (expr.free_symbols | expr.atoms(MatrixSymbol)) - set(SIZES)
    args = sorted(symbols, key=lambda s: s.name)
    return np.asarray(symml.to_numpy(expr, args)(*[values[s] for s in args]), dtype=float)


# -- the gradient table: one row per family --------------------------------------------
# (id, f, wrt, expected closed form, values, NumPy f(v, V), NumPy expected gradient(v, V),
#  whether the result must equal the expected form exactly)
r_ls = X * w - y
P = np.linalg.inv


def np_ls(v, V):
    r = v[X] @ V - v[y]
    return sc(r.T @ r)


GRADIENTS = [
    ("a^T x", a.T * x, x, a, VALUES, lambda v, V: sc(v[a].T @ V), lambda v, V: v[a], True),
    ("x^T a", x.T * a, x, a, VALUES, lambda v, V: sc(V.T @ v[a]), lambda v, V: v[a], True),
    (
        "u^T X b",
        u.T * X * b,
        X,
        u * b.T,
        VALUES,
        lambda v, V: sc(v[u].T @ V @ v[b]),
        lambda v, V: v[u] @ v[b].T,
        True,
    ),
    (
        "x^T A x",
        x.T * A * x,
        x,
        (A + A.T) * x,
        VALUES,
        lambda v, V: sc(V.T @ v[A] @ V),
        lambda v, V: (v[A] + v[A].T) @ V,
        True,
    ),
    (
        "least squares",
        r_ls.T * r_ls,
        w,
        2 * X.T * (X * w - y),
        VALUES,
        np_ls,
        lambda v, V: 2 * v[X].T @ (v[X] @ V - v[y]),
        True,
    ),
    (
        "ridge",
        r_ls.T * r_ls + lam * w.T * w,
        w,
        2 * X.T * (X * w - y) + 2 * lam * w,
        VALUES,
        lambda v, V: np_ls(v, V) + v[lam] * sc(V.T @ V),
        lambda v, V: 2 * v[X].T @ (v[X] @ V - v[y]) + 2 * v[lam] * V,
        True,
    ),
    (
        "weighted least squares",
        r_ls.T * Wgt * r_ls,
        w,
        X.T * (Wgt + Wgt.T) * (X * w - y),
        VALUES,
        lambda v, V: sc((v[X] @ V - v[y]).T @ v[Wgt] @ (v[X] @ V - v[y])),
        lambda v, V: v[X].T @ (v[Wgt] + v[Wgt].T) @ (v[X] @ V - v[y]),
        True,
    ),
    (
        "tr(C X D)",
        Trace(C * X * D),
        X,
        C.T * D.T,
        VALUES,
        lambda v, V: np.trace(v[C] @ V @ v[D]),
        lambda v, V: v[C].T @ v[D].T,
        True,
    ),
    (
        "tr(X^T B X)",
        Trace(X.T * Bm * X),
        X,
        (Bm + Bm.T) * X,
        VALUES,
        lambda v, V: np.trace(V.T @ v[Bm] @ V),
        lambda v, V: (v[Bm] + v[Bm].T) @ V,
        True,
    ),
    (
        "Frobenius tr(X^T X)",
        Trace(X.T * X),
        X,
        2 * X,
        VALUES,
        lambda v, V: np.sum(V**2),
        lambda v, V: 2 * V,
        True,
    ),
    (
        "tr(X^T X) + tr(E^T E)",
        Trace(X.T * X) + Trace(E.T * E),
        X,
        2 * X,
        VALUES,
        lambda v, V: np.sum(V**2) + np.sum(v[E] ** 2),
        lambda v, V: 2 * V,
        True,
    ),
    (
        "a^T Z^-1 b",
        a.T * Z.I * b,
        Z,
        -(Z.T).I * a * b.T * (Z.T).I,
        VALUES,
        lambda v, V: sc(v[a].T @ P(V) @ v[b]),
        lambda v, V: -P(V).T @ v[a] @ v[b].T @ P(V).T,
        True,
    ),
    (
        "tr(A Z^-1 B)",
        Trace(A * Z.I * B),
        Z,
        -(Z.T).I * A.T * B.T * (Z.T).I,
        VALUES,
        lambda v, V: np.trace(v[A] @ P(V) @ v[B]),
        lambda v, V: -P(V).T @ v[A].T @ v[B].T @ P(V).T,
        True,
    ),
    (
        "det Z",
        det(Z),
        Z,
        det(Z) * (Z.T).I,
        VALUES,
        lambda v, V: np.linalg.det(V),
        lambda v, V: np.linalg.det(V) * P(V).T,
        True,
    ),
    (
        "log det Z",
        log(det(Z)),
        Z,
        (Z.T).I,
        VALUES,
        lambda v, V: np.log(np.linalg.det(V)),
        lambda v, V: P(V).T,
        True,
    ),
    (
        "norm sqrt(x^T x)",
        sqrt(x.T * x),
        x,
        sp.MatMul(x, sp.MatPow(x.T * x, sp.Rational(-1, 2))),
        VALUES,
        lambda v, V: np.linalg.norm(V),
        lambda v, V: V / np.linalg.norm(V),
        True,
    ),
    (
        "sum of exp",
        OneMatrix(1, n) * x.applyfunc(exp),
        x,
        x.applyfunc(exp),
        VALUES,
        lambda v, V: np.sum(np.exp(V)),
        lambda v, V: np.exp(V),
        False,
    ),
    (
        "sum of log",
        OneMatrix(1, n) * x.applyfunc(log),
        x,
        sp.HadamardPower(x, -1),
        XPOS,
        lambda v, V: np.sum(np.log(V)),
        lambda v, V: 1 / V,
        True,
    ),
    (
        "sum of sigmoid",
        OneMatrix(1, m) * sigma(X * w),
        w,
        X.T * sp.HadamardProduct(sigma(X * w), OneMatrix(m, 1) - sigma(X * w)),
        VALUES,
        lambda v, V: np.sum(np_expit(v[X] @ V)),
        lambda v, V: v[X].T @ (np_expit(v[X] @ V) * (1 - np_expit(v[X] @ V))),
        False,
    ),
    (
        "sum of softplus",
        OneMatrix(1, n) * x.applyfunc(softplus),
        x,
        sigma(x),
        VALUES,
        lambda v, V: np.sum(np.log1p(np.exp(V))),
        lambda v, V: np_expit(V),
        False,
    ),
    (
        "log-sum-exp",
        log(OneMatrix(1, n) * x.applyfunc(exp)),
        x,
        x.applyfunc(exp) * (OneMatrix(1, n) * x.applyfunc(exp)).I,
        VALUES,
        lambda v, V: np.log(np.sum(np.exp(V))),
        lambda v, V: np_softmax(V),
        False,
    ),
    (
        "softmax cross-entropy",
        -Trace(t.T * W * x) + log(OneMatrix(1, K) * (W * x).applyfunc(exp)),
        W,
        ((W * x).applyfunc(exp) * (OneMatrix(1, K) * (W * x).applyfunc(exp)).I - t) * x.T,
        VALUES,
        lambda v, V: sc(-v[t].T @ V @ v[x]) + np.log(np.sum(np.exp(V @ v[x]))),
        lambda v, V: (np_softmax(V @ v[x]) - v[t]) @ v[x].T,
        False,
    ),
    (
        "logistic loss, 0/1 labels",
        OneMatrix(1, m) * (X * w).applyfunc(softplus) - y.T * X * w,
        w,
        X.T * (sigma(X * w) - y),
        Y01,
        lambda v, V: np.sum(np.logaddexp(0, v[X] @ V)) - sc(v[y].T @ v[X] @ V),
        lambda v, V: v[X].T @ (np_expit(v[X] @ V) - v[y]),
        False,
    ),
    (
        "logistic loss, +-1 labels",
        OneMatrix(1, m) * (-sp.HadamardProduct(y, X * w)).applyfunc(softplus),
        w,
        -X.T * sp.HadamardProduct(y, sigma(-sp.HadamardProduct(y, X * w))),
        YPM,
        lambda v, V: np.sum(np.logaddexp(0, -v[y] * (v[X] @ V))),
        lambda v, V: -v[X].T @ (v[y] * np_expit(-v[y] * (v[X] @ V))),
        False,
    ),
    (
        "Gaussian log-likelihood in Sigma",
        -log(det(S)) / 2 - Trace((x - mu).T * S.I * (x - mu)) / 2,
        S,
        -(S.T).I / 2 + (S.T).I * (x - mu) * (x - mu).T * (S.T).I / 2,
        VALUES,
        lambda v, V: (
            -np.log(np.linalg.det(V)) / 2 - sc((v[x] - v[mu]).T @ P(V) @ (v[x] - v[mu])) / 2
        ),
        lambda v, V: -P(V).T / 2 + P(V).T @ (v[x] - v[mu]) @ (v[x] - v[mu]).T @ P(V).T / 2,
        False,
    ),
]


def _ids(rows):
    return [row[0] for row in rows]


ARRAY_CLASSES = (
    "ArrayContraction",
    "PermuteDims",
    "ArrayTensorProduct",
    "ArrayDiagonal",
    "ArrayAdd",
    "ArrayElementwiseApplyFunc",
)


def assert_plain_matrix_expression(expr) -> None:
    """No array-expression objects and no leftover differentials anywhere in the tree."""
    for node in sp.preorder_traversal(expr):
        name = type(node).__name__
        assert name not in ARRAY_CLASSES, f"array expression {name} in {expr}"
        assert not name.startswith("_"), f"internal node {name} in {expr}"
    assert expr.is_Matrix


@pytest.mark.parametrize(
    ("name", "f", "wrt", "expected", "values", "np_f", "np_grad", "exact"),
    GRADIENTS,
    ids=_ids(GRADIENTS),
)
def test_gradient_families(name, f, wrt, expected, values, np_f, np_grad, exact):
    g = symml.gradient(f, wrt)
    assert isinstance(g, symml.Derivation)
    assert g.kind == "gradient" and g.wrt == (wrt,) and g.source == f
    assert g.result.shape == wrt.shape
    assert_plain_matrix_expression(g.result)
    if exact:
        assert g.result == expected
    claimed = numeric(g.result, values)
    V = values[wrt]
    # the closed form, hand-written in NumPy
    np.testing.assert_allclose(claimed, np_grad(values, V), rtol=1e-9, atol=1e-12)
    # the expected SymPy form evaluated the same way
    np.testing.assert_allclose(claimed, numeric(expected, values), rtol=1e-9, atol=1e-12)
    # central differences of independent NumPy code for f itself
    fd = central(lambda M: np_f(values, M), V)
    np.testing.assert_allclose(claimed, fd, rtol=1e-6, atol=1e-7)
    verdict = g.verify()
    assert verdict, verdict.message
    assert verdict.method == "finite differences"


@pytest.mark.parametrize(("f", "wrt"), [(row[1], row[2]) for row in GRADIENTS], ids=_ids(GRADIENTS))
def test_gradient_steps_and_latex(f, wrt):
    g = symml.gradient(f, wrt)
    steps = g.steps
    assert steps[0].lhs is not None and steps[-1].expr == g.result
    assert steps[-1].why.startswith("read off the gradient")
    assert any("trace trick" in s.why or "write each term as g^T" in s.why for s in steps)
    tex = g.latex()
    assert tex.startswith(r"\begin{align*}") and r"\mathrm{d}" in tex
    assert r"\nabla_{" in tex


@pytest.mark.parametrize(
    ("f", "wrt", "rule"),
    [
        (r_ls.T * r_ls, w, "product rule: d(U V) = dU V + U dV"),
        (r_ls.T * r_ls, w, "d(U^T) = (dU)^T"),
        (r_ls.T * r_ls, w, "d(A U B) = A dU B"),
        (log(det(Z)), Z, "d log det X = tr(X^-1 dX)"),
        (det(Z), Z, "d det X = det X tr(X^-1 dX)"),
        (Trace(A * Z.I * B), Z, "d(X^-1) = -X^-1 dX X^-1"),
        (Trace(A * Z.I * B), Z, "d tr(F) = tr(dF)"),
        (Trace(A * Z.I * B), Z, "trace trick: tr(A B) = tr(B A)"),
        (GRADIENTS[22][1], w, "chain rule through element-wise maps: d f(U) = f'(U) o dU"),
        (GRADIENTS[23][1], w, "element-wise product rule"),
        (GRADIENTS[20][1], x, "a 1 x 1 matrix being its own trace"),
        (sqrt(x.T * x), x, "power rule (1 x 1)"),
    ],
)
def test_steps_name_the_rules(f, wrt, rule):
    whys = " | ".join(s.why for s in symml.gradient(f, wrt).steps)
    assert rule in whys


def test_steps_are_lazy():
    g = symml.gradient(r_ls.T * r_ls, w)
    assert g._steps is None
    assert len(g.steps) >= 4
    assert g._steps is not None


def test_latex_uses_transpose_and_odot():
    tex = symml.gradient(r_ls.T * r_ls, w).latex()
    assert r"^{\top}" in tex
    assert r"\nabla_{w} f &= 2 X^{\top} \left(X w - y\right)" in tex
    logistic = symml.hessian(GRADIENTS[22][1], w).latex()
    assert r"\odot" in logistic and r"\operatorname{diag}" in logistic
    assert r"\operatorname{tr}" in symml.gradient(log(det(Z)), Z).latex()


MORE = [
    ("tr(Z^2)", Trace(Z**2), Z, lambda v, V: np.trace(V @ V)),
    ("tr(Z^-2)", Trace(Z**-2), Z, lambda v, V: np.trace(P(V) @ P(V))),
    ("a^T (A + Z)^-1 a", a.T * (A + Z).I * a, Z, lambda v, V: sc(v[a].T @ P(v[A] + V) @ v[a])),
    ("row vector r a", MatrixSymbol("r", 1, n) * a, MatrixSymbol("r", 1, n), None),
    ("x^T diag(a) x", x.T * sp.DiagMatrix(a) * x, x, lambda v, V: sc(V.T @ np.diagflat(v[a]) @ V)),
    ("tr(X)^2 tr(X^T X)", Trace(Z) ** 2 * Trace(Z.T * Z), Z, None),
    ("exp(a^T x)", exp(a.T * x), x, lambda v, V: np.exp(sc(v[a].T @ V))),
    ("1^T tanh(x)", OneMatrix(1, n) * x.applyfunc(sp.tanh), x, lambda v, V: np.sum(np.tanh(V))),
    ("sqrt tr(Z^T Z)", sqrt(Trace(Z.T * Z)), Z, lambda v, V: np.linalg.norm(V)),
]


@pytest.mark.parametrize(("name", "f", "wrt", "np_f"), MORE, ids=_ids(MORE))
def test_more_identities(name, f, wrt, np_f):
    g = symml.gradient(f, wrt)
    assert g.result.shape == wrt.shape
    assert_plain_matrix_expression(g.result)
    assert g.verify()
    if np_f is not None:
        V = VALUES[wrt] if wrt in VALUES else None
        fd = central(lambda M: np_f(VALUES, M), V)
        np.testing.assert_allclose(numeric(g.result, VALUES), fd, rtol=1e-6, atol=1e-7)


def test_more_closed_forms():
    r = MatrixSymbol("r", 1, n)
    assert symml.gradient(r * a, r).result == a.T
    assert symml.gradient(Trace(Z**2), Z).result == 2 * Z.T
    assert symml.gradient(Trace(Z**-2), Z).result == -2 * sp.MatPow(Z.T, -3)
    assert symml.gradient(Trace(Z), Z).result == sp.Identity(n)


# -- the issue's example ----------------------------------------------------------------


def test_issue_example():
    ls = (X * w - y).T * (X * w - y)
    assert symml.gradient(ls, w).result == 2 * X.T * (X * w - y)
    assert symml.hessian(ls, w).result == 2 * X.T * X
    nll = OneMatrix(1, m) * (X * w).applyfunc(lambda z: log(1 + exp(z))) - y.T * X * w
    g = symml.gradient(nll, w).result
    # X.T*(sigma(X*w) - y): a product of X.T and a sum holding the sigmoid map
    assert isinstance(g, sp.MatMul) and g.args[0] == X.T
    fns = {
        type(e.function.expr)
        for e in g.atoms(sp.matrices.expressions.applyfunc.ElementwiseApplyFunction)
    }
    assert fns == {expit}
    H = symml.hessian(nll, w).result
    assert H.args[0] == X.T and H.args[-1] == X
    assert isinstance(H.args[1], sp.DiagMatrix)
    s = np_expit(Y01[X] @ Y01[w])
    np.testing.assert_allclose(numeric(H, Y01), Y01[X].T @ (Y01[X] * (s * (1 - s))), rtol=1e-12)


# -- Hessians -------------------------------------------------------------------------------


def np_softmax_jac(V):
    p = np_softmax(V)
    return np.diagflat(p) - p @ p.T


HESSIANS = [
    (
        "x^T A x",
        x.T * A * x,
        x,
        VALUES,
        lambda v, V: (v[A] + v[A].T) @ V,
        lambda v, V: v[A] + v[A].T,
    ),
    (
        "least squares",
        r_ls.T * r_ls,
        w,
        VALUES,
        lambda v, V: 2 * v[X].T @ (v[X] @ V - v[y]),
        lambda v, V: 2 * v[X].T @ v[X],
    ),
    (
        "ridge",
        r_ls.T * r_ls + lam * w.T * w,
        w,
        VALUES,
        lambda v, V: 2 * v[X].T @ (v[X] @ V - v[y]) + 2 * v[lam] * V,
        lambda v, V: 2 * v[X].T @ v[X] + 2 * v[lam] * np.eye(3),
    ),
    (
        "weighted least squares",
        r_ls.T * Wgt * r_ls,
        w,
        VALUES,
        lambda v, V: v[X].T @ (v[Wgt] + v[Wgt].T) @ (v[X] @ V - v[y]),
        lambda v, V: v[X].T @ (v[Wgt] + v[Wgt].T) @ v[X],
    ),
    (
        "logistic 0/1",
        GRADIENTS[22][1],
        w,
        Y01,
        lambda v, V: v[X].T @ (np_expit(v[X] @ V) - v[y]),
        lambda v, V: v[X].T @ (v[X] * (np_expit(v[X] @ V) * (1 - np_expit(v[X] @ V)))),
    ),
    (
        "logistic +-1",
        GRADIENTS[23][1],
        w,
        YPM,
        lambda v, V: -v[X].T @ (v[y] * np_expit(-v[y] * (v[X] @ V))),
        lambda v, V: (
            v[X].T @ (v[X] * (np_expit(v[X] @ V * v[y]) * (1 - np_expit(v[X] @ V * v[y]))))
        ),
    ),
    (
        "log-sum-exp",
        GRADIENTS[20][1],
        x,
        VALUES,
        lambda v, V: np_softmax(V),
        lambda v, V: np_softmax_jac(V),
    ),
    (
        "norm",
        sqrt(x.T * x),
        x,
        VALUES,
        lambda v, V: V / np.linalg.norm(V),
        lambda v, V: np.eye(3) / np.linalg.norm(V) - V @ V.T / np.linalg.norm(V) ** 3,
    ),
    (
        "sum of exp",
        GRADIENTS[16][1],
        x,
        VALUES,
        lambda v, V: np.exp(V),
        lambda v, V: np.diagflat(np.exp(V)),
    ),
]


@pytest.mark.parametrize(
    ("name", "f", "wrt", "values", "np_grad", "np_hess"), HESSIANS, ids=_ids(HESSIANS)
)
def test_hessian_families(name, f, wrt, values, np_grad, np_hess):
    H = symml.hessian(f, wrt)
    assert H.kind == "hessian" and H.wrt == (wrt,)
    assert H.result.shape == (wrt.shape[0], wrt.shape[0])
    assert_plain_matrix_expression(H.result)
    claimed = numeric(H.result, values)
    V = values[wrt]
    np.testing.assert_allclose(claimed, np_hess(values, V), rtol=1e-9, atol=1e-12)
    fd = central(lambda M: np_grad(values, M).reshape(-1), V).reshape(claimed.shape).T
    np.testing.assert_allclose(claimed, fd, rtol=1e-6, atol=1e-7)
    verdict = H.verify()
    assert verdict, verdict.message
    tex = H.latex()
    assert r"\nabla^2_{" in tex
    assert H.steps[-1].expr == H.result


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (r_ls.T * r_ls, 2 * X.T * X),
        (x.T * A * x, A + A.T),
        (r_ls.T * r_ls + lam * w.T * w, 2 * X.T * X + 2 * lam * sp.Identity(n)),
        (r_ls.T * Wgt * r_ls, X.T * (Wgt + Wgt.T) * X),
        (a.T * x, sp.ZeroMatrix(n, n)),
    ],
)
def test_hessian_closed_forms(f, expected):
    wrt = w if f.has(w) else x
    assert symml.hessian(f, wrt).result == expected


# -- Jacobians ------------------------------------------------------------------------------

JACOBIANS = [
    ("X w", X * w, w, lambda v, V: v[X] @ V),
    ("exp(x)", x.applyfunc(exp), x, lambda v, V: np.exp(V)),
    ("softmax", GRADIENTS[20][3], x, lambda v, V: np_softmax(V)),
    (
        "logistic gradient",
        X.T * (sigma(X * w) - y),
        w,
        lambda v, V: v[X].T @ (np_expit(v[X] @ V) - v[y]),
    ),
    ("x x^T x", x * (x.T * x), x, lambda v, V: V * sc(V.T @ V)),
    ("scalar a^T x", a.T * x, x, lambda v, V: v[a].T @ V),
]


@pytest.mark.parametrize(("name", "F", "wrt", "np_F"), JACOBIANS, ids=_ids(JACOBIANS))
def test_jacobian_families(name, F, wrt, np_F):
    J = symml.jacobian(F, wrt)
    assert J.kind == "jacobian" and J.wrt == (wrt,)
    rows = F.shape[0] if F.shape != (1, 1) else 1
    assert J.result.shape == (rows, wrt.shape[0])
    assert_plain_matrix_expression(J.result)
    claimed = numeric(J.result, VALUES)
    V = VALUES[wrt]
    fd = central(lambda M: np.asarray(np_F(VALUES, M)).reshape(-1), V).reshape(V.shape[0], -1).T
    np.testing.assert_allclose(claimed, fd, rtol=1e-6, atol=1e-7)
    assert J.verify()
    assert J.steps[-1].expr == J.result


def test_jacobian_closed_forms():
    assert symml.jacobian(X * w, w).result == X
    assert symml.jacobian(a.T * x, x).result == a.T
    J = symml.jacobian(x.applyfunc(exp), x).result
    assert isinstance(J, sp.DiagMatrix) and J.args[0].function.expr.func is exp


# -- numeric sizes, symmetric matrices, verification --------------------------------------


def test_numeric_dimensions():
    X3, x3 = MatrixSymbol("X", 4, 3), MatrixSymbol("x", 3, 1)
    y4 = MatrixSymbol("y", 4, 1)
    g = symml.gradient((X3 * x3 - y4).T * (X3 * x3 - y4), x3)
    assert g.result == 2 * X3.T * (X3 * x3 - y4)
    assert symml.hessian((X3 * x3 - y4).T * (X3 * x3 - y4), x3).result == 2 * X3.T * X3
    Z3 = MatrixSymbol("Z", 3, 3)
    g = symml.gradient(log(det(Z3)), Z3)
    assert g.result == Z3.T.I and g.verify()


GAUSS = GRADIENTS[-1][1]


def test_symmetric_covariance_convention():
    """Entries vary independently; symmetry only simplifies S.T to S in the result."""
    g = symml.gradient(GAUSS, S, symmetric=[S])
    r = x - mu
    expected = -S.I / 2 + S.I * r * r.T * S.I / 2
    sym = {**VALUES, S: VALUES[S] + VALUES[S].T}  # a symmetric positive definite point
    np.testing.assert_allclose(numeric(g.result, sym), numeric(expected, sym), rtol=1e-12)
    assert not g.result.has(sp.Transpose(S))
    assert any("symmetric" in text for text in g.assumptions)
    # it is the unconstrained gradient at a symmetric point (not 2G - diag(G))
    unconstrained = symml.gradient(GAUSS, S).result
    np.testing.assert_allclose(numeric(g.result, sym), numeric(unconstrained, sym), rtol=1e-12)
    np_f = GRADIENTS[-1][5]
    fd = central(lambda M: np_f(sym, M), sym[S])
    np.testing.assert_allclose(numeric(g.result, sym), fd, rtol=1e-6, atol=1e-7)
    assert g.verify()
    with sp.assuming(sp.Q.symmetric(S)):
        assert symml.gradient(GAUSS, S).result == g.result
    assert symml.gradient(GAUSS, S, symmetric=S).result == g.result


def test_weighted_least_squares_with_symmetric_weights():
    g = symml.gradient(r_ls.T * Wgt * r_ls, w, symmetric=[Wgt])
    assert g.result == 2 * X.T * Wgt * (X * w - y)
    assert g.verify()


def test_verify_catches_a_wrong_gradient():
    g = symml.gradient(log(det(Z)), Z)
    wrong = symml.Derivation(Z.I, kind="gradient", source=g.source, wrt=g.wrt, verifier=g.verifier)
    verdict = wrong.verify()
    assert not verdict
    assert verdict.counterexample is not None and Z in verdict.counterexample
    assert verdict.entry is not None


def test_evaluator_agrees_with_explicit_sympy():
    """to_numpy, which verify() evaluates with, against SymPy's own explicit matrices."""
    subs = {M.subs(n, 3): sp.ImmutableMatrix(VALUES[M]) for M in (Z, A, a, b)}
    for expr in [Z.T.I * a * b.T * Z.I, det(Z) * (Z.T).I, Trace(A * Z.I * A), A * Z + Z.T]:
        explicit = sp.N(expr.subs(n, 3).xreplace(subs).doit())
        assert not explicit.free_symbols
        explicit = np.array(explicit.tolist() if explicit.is_Matrix else explicit, float)
        np.testing.assert_allclose(numeric(expr, VALUES), explicit, rtol=1e-10)


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: symml.gradient(X * w, w), ShapeError, r"shape \(m, 1\).*symml.jacobian"),
        (lambda: symml.gradient(x.T * x, w), ArgumentError, "w does not appear in f"),
        (
            lambda: symml.gradient(x.T * x, sp.Symbol("q")),
            ShapeError,
            "expected a scalar expression",
        ),
        (lambda: symml.gradient("x.T*x", x), ArgumentError, "parse_expr"),
        (
            lambda: symml.gradient(Trace(sp.MatPow(Z, sp.S.Half)), Z),
            NotDifferentiableError,
            r"Z\*\*\(1/2\).*integer powers",
        ),
        (
            lambda: symml.gradient(sp.KroneckerProduct(x.T, x.T) * OneMatrix(n**2, 1), x),
            NotDifferentiableError,
            "KroneckerProduct.*supported:",
        ),
        (lambda: symml.gradient(x[1, 0] * x[0, 0], x), NotDifferentiableError, r"write Trace\(E\)"),
        (
            lambda: symml.gradient(OneMatrix(1, n) * x.applyfunc(sp.floor), x),
            NotDifferentiableError,
            "cannot differentiate the sub-expression",
        ),
        (lambda: symml.hessian(log(det(Z)), Z), ShapeError, "four indices.*column vector"),
        (lambda: symml.jacobian(Z * Z, x), ShapeError, r"column vector \(m x 1\)"),
        (lambda: symml.jacobian(x.T, x), ShapeError, r"pass F.T"),
        (
            lambda: symml.gradient(Trace(Z), Z, symmetric=[x]),
            ArgumentError,
            "square MatrixSymbols",
        ),
    ],
)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    ("name", "f", "wrt", "expected", "values", "np_f", "np_grad", "exact"),
    GRADIENTS,
    ids=_ids(GRADIENTS),
)
def test_every_gradient_family_compiles_with_to_numpy(
    name, f, wrt, expected, values, np_f, np_grad, exact
):
    g = symml.gradient(f, wrt)
    args = g.default_args()
    fn = g.to_numpy(args=args)
    out = np.asarray(fn(*[values[s] for s in args]), dtype=float)
    np.testing.assert_allclose(
        out.reshape(values[wrt].shape), np_grad(values, values[wrt]), rtol=1e-9, atol=1e-12
    )


@pytest.mark.parametrize(
    ("name", "f", "wrt", "values", "np_grad", "np_hess"), HESSIANS, ids=_ids(HESSIANS)
)
def test_every_hessian_family_compiles_with_to_numpy(name, f, wrt, values, np_grad, np_hess):
    H = symml.hessian(f, wrt)
    args = H.default_args()
    out = np.asarray(H.to_numpy(args=args)(*[values[s] for s in args]), dtype=float)
    n = values[wrt].shape[0]
    np.testing.assert_allclose(
        out.reshape(n, n), np_hess(values, values[wrt]), rtol=1e-9, atol=1e-12
    )


def test_verify_takes_explicit_options_only():
    g = symml.gradient(x.T * A * x, x)
    assert 1 <= g.verify(n=2, seed=1).points <= 2
    with pytest.raises(ArgumentError, match="bogus"):
        g.verify(bogus=1)


def test_jacobian_takes_f_and_still_accepts_F_with_a_warning():
    with pytest.warns(DeprecationWarning, match=r"jacobian\(F=\.\.\.\).*use f="):
        J = symml.jacobian(F=A * x, wrt=x)
    assert J.result == A


def test_matrix_results_keep_their_matrix_shape_numerically():
    """A matrix-calculus result evaluates to its own (sized) shape; no batch axis."""
    g = symml.gradient(x.T * A * x, x)
    H = symml.hessian(x.T * A * x, x)
    out_g = g.to_numpy(args=[x, A])(VALUES[x], VALUES[A])
    out_H = H.to_numpy(args=[x, A])(VALUES[x], VALUES[A])
    assert np.shape(out_g) == (3, 1) and np.shape(out_H) == (3, 3)


# -- sums over entries: SymPy writes E[0, 0] of a 1 x 1 product as an indexed Sum ---------

i_, j_ = sp.symbols("i j", integer=True)


def np_softmax_col(V):
    e = np.exp(V - V.max())
    return e / e.sum()


# (id, f, wrt, golden str of the gradient, golden LaTeX, NumPy f, NumPy gradient, NumPy Hessian)
ENTRY_SUMS = [
    (
        "norm sqrt((x^T x)[0, 0])",
        sqrt((x.T * x)[0, 0]),
        x,
        "x*(x.T*x)**(-1/2)",
        r"x \left(x^{\top} x\right)^{- \frac{1}{2}}",
        lambda V: np.linalg.norm(V),
        lambda V: V / np.linalg.norm(V),
        lambda V: (np.eye(3) - V @ V.T / (V.T @ V)) / np.linalg.norm(V),
    ),
    (
        "log-sum-exp log((1^T exp(x))[0, 0])",
        log((OneMatrix(1, n) * x.applyfunc(exp))[0, 0]),
        x,
        "Lambda(_t, exp(_t)).(x)*(1*Lambda(_t, exp(_t)).(x))**(-1)",
        r"\exp\left(x\right) \left(\mathbf{1}^{\top} \exp\left(x\right)\right)^{-1}",
        lambda V: np.log(np.exp(V).sum()),
        np_softmax_col,
        lambda V: np.diagflat(np_softmax_col(V)) - np_softmax_col(V) @ np_softmax_col(V).T,
    ),
    (
        "quadratic form (x^T A x)[0, 0]",
        (x.T * A * x)[0, 0],
        x,
        "(A + A.T)*x",
        r"\left(A + A^{\top}\right) x",
        lambda V: sc(V.T @ VALUES[A] @ V),
        lambda V: (VALUES[A] + VALUES[A].T) @ V,
        lambda V: VALUES[A] + VALUES[A].T,
    ),
    (
        "squared inner product (a^T x)[0, 0]**2",
        (a.T * x)[0, 0] ** 2,
        x,
        "2*a*(a.T*x)",
        r"2 a \left(a^{\top} x\right)",
        lambda V: sc(VALUES[a].T @ V) ** 2,
        lambda V: 2 * VALUES[a] * sc(VALUES[a].T @ V),
        lambda V: 2 * VALUES[a] @ VALUES[a].T,
    ),
    (
        "sum of squares plus a trace",
        (x.T * x)[0, 0] + Trace(a.T * x),
        x,
        "a + 2*x",
        r"a + 2 x",
        lambda V: sc(V.T @ V) + sc(VALUES[a].T @ V),
        lambda V: VALUES[a] + 2 * V,
        lambda V: 2 * np.eye(3),
    ),
    (
        "Frobenius norm squared, a double sum",
        sp.Sum(X[i_, j_] ** 2, (i_, 0, m - 1), (j_, 0, n - 1)),
        X,
        "2*X",
        r"2 X",
        lambda V: np.sum(V**2),
        lambda V: 2 * V,
        None,
    ),
    (
        "log-sum-exp over a matrix",
        log(sp.Sum(exp(X[i_, j_]), (i_, 0, m - 1), (j_, 0, n - 1))),
        X,
        "1/Trace(1*Lambda(_t, exp(_t)).(X)*1)*Lambda(_t, exp(_t)).(X)",
        None,
        lambda V: np.log(np.exp(V).sum()),
        lambda V: np.exp(V) / np.exp(V).sum(),
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "f", "wrt", "golden", "tex", "np_f", "np_grad", "np_hess"),
    ENTRY_SUMS,
    ids=_ids(ENTRY_SUMS),
)
def test_sums_over_entries_differentiate(name, f, wrt, golden, tex, np_f, np_grad, np_hess):
    assert f.has(sp.Sum)  # SymPy's own form, what a user gets from E[0, 0]
    g = symml.gradient(f, wrt)
    assert g.source == f and g.result.shape == wrt.shape
    assert_plain_matrix_expression(g.result)
    assert str(g.result) == golden
    if tex is not None:
        assert symml.to_latex(g.result) == tex
    V = VALUES[wrt]
    claimed = numeric(g.result, VALUES)
    np.testing.assert_allclose(claimed, np_grad(V), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(claimed, central(np_f, V).reshape(V.shape), rtol=1e-6, atol=1e-7)
    verdict = g.verify()
    assert verdict, verdict.message
    assert "sums over entries as matrix products" in g.steps[0].why
    if np_hess is not None:
        H = symml.hessian(f, wrt)
        assert_plain_matrix_expression(H.result)
        constant = not H.result.atoms(MatrixSymbol)
        hv = H.result.subs(SIZES).as_explicit() if constant else numeric(H.result, VALUES)
        np.testing.assert_allclose(np.asarray(hv, dtype=float), np_hess(V), rtol=1e-9, atol=1e-12)
        assert H.verify()


def test_verify_of_a_sum_over_entries_checks_the_users_sum():
    wrong = symml.gradient(sqrt((x.T * x)[0, 0]), x)._with(result=2 * x)
    assert not wrong.verify()


@pytest.mark.parametrize(
    "f",
    [
        x[0, 0] ** 2,
        sp.Sum(x[i_, 0] ** 2, (i_, 1, n - 1)),
        sp.Sum(A[i_, 0] * x[i_, 0], (i_, 0, n - 1)),
        sp.Sum(i_ * x[i_, 0], (i_, 0, n - 1)),
        sp.Sum(x[i_, 0] ** 2, (i_, 0, m - 1)),
    ],
    ids=["a single entry", "a partial sum", "a column of a matrix", "the index", "other size"],
)
def test_what_is_not_a_sum_over_entries_is_named(f):
    with pytest.raises(NotDifferentiableError, match=r"single entries and partial sums.*1\^T f"):
        symml.gradient(f, x)


# -- results in textbook form ------------------------------------------------------------

ONE_M = OneMatrix(m, 1)
SIGMOIDS = {
    "expit": (X * w).applyfunc(expit),
    "1/(1 + exp(-t))": (X * w).applyfunc(lambda z: 1 / (1 + exp(-z))),
    "(1 + exp(-Xw))^(.-1)": sp.HadamardPower(ONE_M + (-X * w).applyfunc(exp), -1),
}


def logistic_with_logs(s):
    """The cross-entropy written with logs of the sigmoid, as a course writes it."""
    return -(y.T * s.applyfunc(log) + (ONE_M - y).T * (ONE_M - s).applyfunc(log))


def np_logistic(V):
    s = np_expit(VALUES[X] @ V)
    y01 = Y01[y]
    return -sc(y01.T @ np.log(s) + (1 - y01).T @ np.log(1 - s))


@pytest.mark.parametrize("s", list(SIGMOIDS.values()), ids=list(SIGMOIDS))
def test_logistic_loss_with_logs_has_the_textbook_gradient_and_hessian(s):
    f = logistic_with_logs(s)
    g, H = symml.gradient(f, w), symml.hessian(f, w)
    assert str(g.result) == "X.T*(Lambda(_t, expit(_t)).(X*w) - y)"
    assert symml.to_latex(g.result) == r"X^{\top} \left(\sigma\left(X w\right) - y\right)"
    assert str(H.result) == (
        "X.T*DiagMatrix(HadamardProduct(Lambda(_t, expit(_t)).(X*w), "
        "-Lambda(_t, expit(_t)).(X*w) + 1))*X"
    )
    assert symml.to_latex(H.result) == (
        r"X^{\top} \operatorname{diag}\left(\sigma\left(X w\right) \odot "
        r"\left(- \sigma\left(X w\right) + \mathbf{1}\right)\right) X"
    )
    assert not H.result.has(y)  # the y terms cancel
    V, Xv = Y01[w], Y01[X]
    p = np_expit(Xv @ V)
    np.testing.assert_allclose(numeric(g.result, Y01), Xv.T @ (p - Y01[y]), rtol=1e-9)
    np.testing.assert_allclose(
        numeric(g.result, Y01), central(np_logistic, V).reshape(V.shape), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(
        numeric(H.result, Y01), Xv.T @ np.diagflat(p * (1 - p)) @ Xv, rtol=1e-9
    )
    assert g.verify() and H.verify()


def test_hadamard_inverses_cancel():
    # d log(1 - s) = (1 - s)^(.-1) o (-s o (1 - s)) dx = -s dx
    f = OneMatrix(1, n) * (OneMatrix(n, 1) - x.applyfunc(expit)).applyfunc(log)
    g = symml.gradient(f, x)
    assert str(g.result) == "-Lambda(_t, expit(_t)).(x)"
    np.testing.assert_allclose(numeric(g.result, VALUES), -np_expit(VALUES[x]), rtol=1e-12)
    fd = central(lambda V: np.sum(np.log(1 - np_expit(V))), VALUES[x]).reshape(3, 1)
    np.testing.assert_allclose(numeric(g.result, VALUES), fd, rtol=1e-6, atol=1e-8)
    assert g.verify()


QUAD_MU = -sp.Rational(1, 2) * (x - mu).T * S.I * (x - mu)


@pytest.mark.parametrize(
    ("f", "symmetric", "golden", "tex", "np_grad"),
    [
        (
            QUAD_MU,
            [S],
            "Sigma**(-1)*(-mu + x)",
            r"\Sigma^{-1} \left(- \mu + x\right)",
            lambda v: P(v[S]) @ (v[x] - v[mu]),
        ),
        (
            -sp.Rational(1, 2) * log(det(S))
            - sp.Rational(1, 2) * Trace((x - mu).T * S.I * (x - mu)),
            [S],
            "Sigma**(-1)*(-mu + x)",
            r"\Sigma^{-1} \left(- \mu + x\right)",
            lambda v: P(v[S]) @ (v[x] - v[mu]),
        ),
        (
            QUAD_MU,
            [],
            "(1/2)*(Sigma**(-1) + Sigma.T**(-1))*(-mu + x)",
            r"\left(\frac{1}{2}\right) \left(\Sigma^{-1} + \left(\Sigma^{\top}\right)^{-1}\right)"
            r" \left(- \mu + x\right)",
            lambda v: (P(v[S]) + P(v[S]).T) @ (v[x] - v[mu]) / 2,
        ),
        (
            -sp.Rational(1, 2) * (x - mu).T * (x - mu),
            [],
            "-mu + x",
            r"- \mu + x",
            lambda v: v[x] - v[mu],
        ),
    ],
    ids=["symmetric", "with log det", "not symmetric", "identity covariance"],
)
def test_gaussian_log_density_gradient_in_mu_is_collected(f, symmetric, golden, tex, np_grad):
    g = symml.gradient(f, mu, symmetric=symmetric)
    assert str(g.result) == golden
    assert symml.to_latex(g.result) == tex
    values = {**VALUES, S: 0.5 * (VALUES[S] + VALUES[S].T)} if symmetric else VALUES
    np.testing.assert_allclose(numeric(g.result, values), np_grad(values), rtol=1e-9)

    def np_logdensity(V):
        r = values[x] - V
        return -0.5 * sc(r.T @ P(values[S]) @ r) if f.has(S) else -0.5 * sc(r.T @ r)

    fd = central(np_logdensity, values[mu]).reshape(3, 1)
    np.testing.assert_allclose(numeric(g.result, values), fd, rtol=1e-6, atol=1e-7)
    assert g.verify()


@pytest.mark.parametrize(
    ("fn", "tex"),
    [
        (expit, r"\sigma\left(x\right)"),
        (lambda z: 1 / (1 + exp(-z)), r"\sigma\left(x\right)"),
        (lambda z: exp(z) / (1 + exp(z)), r"\sigma\left(x\right)"),
        (lambda z: 1 / (1 + exp(z)), r"\sigma\left(- x\right)"),
        (lambda z: expit(2 * z), r"\sigma\left(2 x\right)"),
    ],
    ids=["expit", "1/(1 + exp(-t))", "exp(t)/(1 + exp(t))", "1/(1 + exp(t))", "expit(2t)"],
)
def test_latex_writes_the_elementwise_sigmoid_one_way(fn, tex):
    assert symml.to_latex(x.applyfunc(fn)) == tex


def test_the_sigmoid_of_a_shifted_argument_is_not_mistaken_for_sigma_of_x():
    assert r"\mapsto" in symml.to_latex(x.applyfunc(lambda z: expit(z + 1)))


def test_terms_that_cancel_are_dropped():
    # exp(x) o exp(-x) = 1: the differential's two terms cancel, the gradient is zero
    f = OneMatrix(1, n) * sp.HadamardProduct(x.applyfunc(exp), (-x).applyfunc(exp)) + a.T * x
    g = symml.gradient(f, x)
    assert g.result == a
    assert symml.gradient(f - a.T * x, x).result == sp.ZeroMatrix(n, 1)
    assert symml.gradient(f - a.T * x, x).steps[-1].why == "df = 0 for every dx"
    fd = central(lambda V: np.sum(np.exp(V) * np.exp(-V)) + sc(VALUES[a].T @ V), VALUES[x])
    np.testing.assert_allclose(VALUES[a], fd.reshape(3, 1), rtol=1e-6, atol=1e-8)
    assert g.verify()
    assert r"\nabla_{x} f &= a" in g.latex()


@pytest.mark.parametrize(
    "f", [row[1] for row in ENTRY_SUMS] + [logistic_with_logs(s) for s in SIGMOIDS.values()]
)
def test_new_families_print_their_steps(f):
    wrt = w if f.has(w) else (X if f.has(X) else x)
    tex = symml.gradient(f, wrt).latex()
    assert tex.startswith(r"\begin{align*}") and r"\nabla_{" in tex


def test_jacobian_of_a_column_with_a_sum_over_entries():
    F = x * exp((a.T * x)[0, 0])  # x e^(a^T x), the scalar written as SymPy's indexed Sum
    J = symml.jacobian(F, x)
    assert J.result == exp(Trace(a.T * x)) * (sp.Identity(n) + x * a.T)
    V, av = VALUES[x], VALUES[a]
    expected = np.exp(sc(av.T @ V)) * (np.eye(3) + V @ av.T)
    np.testing.assert_allclose(numeric(J.result, VALUES), expected, rtol=1e-9)
    fd = central(lambda M: (M * np.exp(sc(av.T @ M))).reshape(-1), V).reshape(3, 3).T
    np.testing.assert_allclose(expected, fd, rtol=1e-6, atol=1e-8)
    assert J.verify()
    assert "sums over entries" in J.steps[0].why
