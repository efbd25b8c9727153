"""Specifications for linear algebra: eigen, SVD, low rank, projection, Gram-Schmidt,
change of basis, null space and PCA -- exact maths, NumPy cross-checks, clear errors."""

from __future__ import annotations

import inspect
import time

import numpy as np
import pytest
import scipy.linalg
import sympy as sp

import symml
from symml import (
    ArgumentError,
    NoClosedFormError,
    ShapeError,
    change_of_basis,
    coordinates,
    eigen,
    gram_schmidt,
    low_rank,
    null_space,
    pca,
    pca_derivation,
    projection,
    svd,
)

a, b = sp.symbols("a b", real=True)


def is_zero_matrix(M) -> bool:
    return all(sp.simplify(e) == 0 for e in sp.Matrix(M))


def sorted_complex(values) -> np.ndarray:
    return np.sort_complex(np.asarray(values, dtype=complex))


# -- eigen-decomposition --------------------------------------------------------------

EXACT_EIGEN = [
    (sp.Matrix([[2, 1], [1, 2]]), (3, 1)),
    (sp.Matrix([[4, 1], [2, 3]]), (5, 2)),
    (sp.Matrix([[0, -1], [1, 0]]), (sp.I, -sp.I)),
    (sp.Matrix([[1, 2, 0], [2, 1, 0], [0, 0, 3]]), (3, 3, -1)),
    (sp.Matrix([[2, 0, 0], [0, 3, 4], [0, 4, 9]]), (11, 2, 1)),
    (sp.Matrix([[1, 1], [1, 0]]), ((1 + sp.sqrt(5)) / 2, (1 - sp.sqrt(5)) / 2)),
]


@pytest.mark.parametrize(("A", "expected"), EXACT_EIGEN, ids=lambda v: str(v)[:30])
def test_eigen_exact_table(A, expected):
    e = eigen(A)
    assert e.method == "symbolic"
    assert tuple(sp.nsimplify(v) for v in e.eigenvalues) == tuple(expected)
    # A P = P D exactly, and the result multiplies out to A
    assert is_zero_matrix(A * e.P - e.P * e.D)
    assert is_zero_matrix(e.result.doit() - A)
    for k, v in enumerate(e.eigenvectors):  # A v = lambda v for each column of P
        assert is_zero_matrix(A * v - e.D[k, k] * v)
    lam = e.lam  # det(A - lambda I) = (-1)**n det(lambda I - A)
    assert sp.expand(e.characteristic_polynomial - (-1) ** A.rows * A.charpoly(lam).as_expr()) == 0
    # against NumPy
    np.testing.assert_allclose(
        sorted_complex(np.linalg.eigvals(np.array(A, dtype=float))),
        sorted_complex([complex(v) for v in e.eigenvalues]),
        atol=1e-12,
    )
    assert e.verify()


def test_eigen_steps_follow_the_textbook():
    e = eigen(sp.Matrix([[4, 1], [2, 3]]))
    whys = [s.why for s in e.steps]
    assert whys[0] == "subtract lambda from the diagonal"
    assert whys[1] == "characteristic polynomial: the determinant"
    assert "factor" in whys
    assert any(w.startswith("eigenvalues: the roots") for w in whys)
    assert sum(w.startswith("eigenvectors: solve") for w in whys) == 2
    assert whys[-1] == "diagonalisation: A = P D P^-1"
    assert e.steps[-1].expr == e.result  # no repeated result row in the LaTeX
    lam = e.lam
    assert e.steps[1].expr == lam**2 - 7 * lam + 10
    assert e.steps[2].expr == (lam - 5) * (lam - 2)
    latex = e.latex()
    assert r"\text{eigen-decomposition}" not in latex
    assert latex.isascii()


def test_eigen_symbolic_entries():
    e = eigen(sp.Matrix([[a, b], [b, a]]))
    assert set(e.eigenvalues) == {a + b, a - b}
    assert is_zero_matrix(sp.Matrix([[a, b], [b, a]]) * e.P - e.P * e.D)
    assert e.verify()


def test_eigen_defective_matrix_gets_its_jordan_form():
    A = sp.Matrix([[1, 1], [0, 1]])
    e = eigen(A)
    assert not e.diagonalizable
    assert e.eigenvalues == (1, 1)
    assert e.P.shape == (2, 1)
    _, J = e.jordan
    assert J == sp.Matrix([[1, 1], [0, 1]])
    assert e.result.doit() == A
    assert e.verify()


def test_eigen_numeric_for_larger_and_float_matrices():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(6, 6))
    S = M + M.T
    e = eigen(S)
    assert e.method == "numeric"
    values = np.array([float(v) for v in e.eigenvalues])
    np.testing.assert_allclose(values, np.sort(np.linalg.eigvalsh(S))[::-1], rtol=1e-12)
    P = np.array(e.P, dtype=float)
    np.testing.assert_allclose(P.T @ P, np.eye(6), atol=1e-12)  # orthonormal (eigh)
    np.testing.assert_allclose(np.array(e.result.doit(), dtype=float), S, atol=1e-12)
    assert e.verify()
    big = eigen(sp.Matrix(5, 5, lambda i, j: sp.Integer(i + j + (i == j))))  # exact, > 4 x 4
    assert big.method == "numeric"


def test_eigen_irreducible_cubic_goes_numeric_quickly():
    A = sp.Matrix([[1, 2, 3], [4, 5, 6], [7, 8, 10]])
    e = eigen(A, budget=30)
    assert e.method == "numeric"
    assert any("irreducible factor of degree 3" in s.why for s in e.steps)
    assert e.steps[1].why == "characteristic polynomial: the determinant"  # still shown
    np.testing.assert_allclose(
        sorted_complex([complex(v) for v in e.eigenvalues]),
        sorted_complex(np.linalg.eigvals(np.array(A, dtype=float))),
        atol=1e-10,
    )
    assert e.verify()


def test_eigen_bad_input():
    with pytest.raises(ShapeError, match=r"(?s)A=.*square matrix, got shape 2 x 3.*symml\.svd"):
        eigen(sp.Matrix([[1, 2, 3], [4, 5, 6]]))
    with pytest.raises(ShapeError, match=r"(?s)A="):
        eigen(np.ones((2, 3)))
    with pytest.raises(NoClosedFormError, match=r"(?s)A=.*irreducible factor of degree 3"):
        eigen(sp.Matrix([[a, 1, 2], [1, 2, 3], [2, 3, 4]]))
    with pytest.raises(ArgumentError, match=r"(?s)budget="):
        eigen(sp.eye(2), budget=0)
    with pytest.raises(ArgumentError, match=r"(?s)A=.*parse_expr"):
        eigen("[[1, 2], [3, 4]]")


# -- SVD --------------------------------------------------------------------------------


def test_svd_exact_2x2_via_AtA():
    A = sp.Matrix([[3, 0], [4, 5]])
    s = svd(A)
    assert s.method == "symbolic"
    assert s.singular_values == (3 * sp.sqrt(5), sp.sqrt(5))
    assert s.U * s.Sigma * s.V.T == A
    assert is_zero_matrix(s.U.T * s.U - sp.eye(2))
    assert is_zero_matrix(s.V.T * s.V - sp.eye(2))
    assert s.result.doit() == A
    assert s.steps[0].expr == A.T * A
    assert s.steps[0].why.startswith("form A^T A")
    np.testing.assert_allclose(
        [float(v) for v in s.singular_values],
        np.linalg.svd(np.array(A, dtype=float), compute_uv=False),
        rtol=1e-14,
    )
    assert s.verify()


@pytest.mark.parametrize(
    "A",
    [sp.Matrix([[1, 1], [1, 1]]), sp.Matrix([[2, 0], [0, -3]]), sp.Matrix([[0, 0], [0, 0]])],
    ids=["rank one", "negative entry", "zero"],
)
def test_svd_exact_edge_cases(A):
    s = svd(A)
    assert is_zero_matrix(s.U * s.Sigma * s.V.T - A)
    assert is_zero_matrix(s.U.T * s.U - sp.eye(2))  # completed to an orthonormal basis
    values = [float(v) for v in s.singular_values]
    assert values == sorted(values, reverse=True)
    np.testing.assert_allclose(values, np.linalg.svd(np.array(A, dtype=float))[1], atol=1e-14)


def test_svd_numeric_otherwise():
    A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    s = svd(A)
    assert s.method == "numeric"
    np.testing.assert_allclose(
        [float(v) for v in s.singular_values], np.linalg.svd(A, compute_uv=False), rtol=1e-14
    )
    U, S, V = (np.array(X, dtype=float) for X in (s.U, s.Sigma, s.V))
    np.testing.assert_allclose(U @ S @ V.T, A, atol=1e-12)
    assert s.verify()
    with pytest.raises(ShapeError, match=r"(?s)A=.*2 x 2"):
        svd(sp.Matrix([[1, 2, 3], [4, 5, 6]]), numeric=False)


# -- low-rank approximation ----------------------------------------------------------


@pytest.mark.parametrize("k", [0, 1, 3, 7, 8])
def test_eckart_young_error_is_the_discarded_squared_singular_values(k):
    rng = np.random.default_rng(k)
    A = rng.normal(size=(12, 8))
    lr = low_rank(A, k)
    sigma = np.linalg.svd(A, compute_uv=False)
    measured = np.linalg.norm(A - lr.matrix, "fro") ** 2
    np.testing.assert_allclose(measured, np.sum(sigma[k:] ** 2), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(lr.error, measured, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(float(lr.result), np.sum(sigma[k:] ** 2), rtol=1e-10, atol=1e-10)
    assert np.linalg.matrix_rank(lr.matrix) == k
    spectral = np.linalg.norm(A - lr.matrix, 2)
    np.testing.assert_allclose(lr.spectral_error, sigma[k] if k < 8 else 0.0, atol=1e-10)
    np.testing.assert_allclose(spectral, lr.spectral_error, atol=1e-10)
    assert lr.storage == k * (12 + 8 + 1)
    assert lr.verify()


def test_eckart_young_truncation_beats_other_rank_k_matrices():
    rng = np.random.default_rng(5)
    A = rng.normal(size=(10, 6))
    best = low_rank(A, 2).error
    for _ in range(50):
        Q, _ = np.linalg.qr(rng.normal(size=(10, 2)))  # a random 2-d column space
        # the best approximation with columns in that space is Q Q^T A
        assert np.linalg.norm(A - Q @ (Q.T @ A)) ** 2 >= best - 1e-9


def test_low_rank_steps_and_errors():
    lr = low_rank(np.diag([3.0, 2.0, 1.0]), 1)
    assert lr.result == sp.Float(5.0)  # 2**2 + 1**2
    assert lr.steps[2].why.startswith("the u_i v_i^T are orthonormal")
    assert lr.latex().isascii()
    with pytest.raises(
        ArgumentError, match=r"(?s)k=4 is not valid: .*between 0 and min\(m, n\) = 3"
    ):
        low_rank(np.eye(3), 4)
    with pytest.raises(ArgumentError, match=r"(?s)k="):
        low_rank(np.eye(3), 1.5)
    with pytest.raises(ArgumentError, match=r"(?s)A=.*nan"):
        low_rank(np.array([[1.0, np.nan]]), 1)


# -- projection ---------------------------------------------------------------------


def test_projection_exact_formula_and_properties():
    A = sp.Matrix([[1, 0], [1, 1], [1, 2]])
    P = projection(A)
    expected = A * (A.T * A).inv() * A.T
    assert P.result == expected
    assert P.result**2 == P.result
    assert P.result.T == P.result
    assert P.gram == A.T * A
    # the residual is orthogonal to the columns, for every b
    bs = sp.Matrix(sp.symbols("b1:4", real=True))
    assert is_zero_matrix(A.T * (bs - P.result * bs))
    whys = [s.why for s in P.steps]
    assert "the normal equations" in whys
    assert any("orthogonal" in w for w in whys)
    assert P.verify()


def test_projection_numeric_form_uses_qr_never_an_inverse(monkeypatch):
    A = sp.Matrix([[1, 0], [1, 1], [1, 2]])
    P = projection(A)
    theta = sp.Symbol("theta", real=True)
    Pt = projection(sp.Matrix([[1, theta], [0, 1], [1, 0]]))

    def forbidden(*args, **kwargs):
        raise AssertionError("an inverse was formed")

    monkeypatch.setattr(np.linalg, "inv", forbidden)
    monkeypatch.setattr(np.linalg, "pinv", forbidden)
    monkeypatch.setattr(np.linalg, "solve", forbidden)
    b = np.array([6.0, 0.0, 0.0])
    expected = np.array(A, dtype=float) @ scipy.linalg.lstsq(np.array(A, dtype=float), b)[0]
    np.testing.assert_allclose(P.project(b), expected, atol=1e-12)
    np.testing.assert_allclose(np.array(A.T, dtype=float) @ P.residual(b), 0, atol=1e-12)
    f = Pt.to_numpy()
    out = f(np.array([0.0, 0.5, 2.0]))
    assert out.shape == (3, 3, 3)
    for i, t in enumerate([0.0, 0.5, 2.0]):
        exact = np.array(Pt.result.subs(theta, t), dtype=float)
        np.testing.assert_allclose(out[..., i], exact, atol=1e-12)


def test_projection_on_nearly_dependent_columns_stays_a_projection():
    eps = 1e-7
    A = np.array([[1.0, 1.0], [1.0, 1.0 + eps], [1.0, 1.0 - eps], [1.0, 1.0]])
    P = projection(A)
    Pn = np.array(P.result, dtype=float)
    np.testing.assert_allclose(Pn @ Pn, Pn, atol=1e-12)
    np.testing.assert_allclose(Pn @ A, A, atol=1e-12)
    assert P.verify()


def test_projection_bad_input():
    with pytest.raises(ArgumentError, match=r"(?s)A=.*linearly dependent \(rank 1 < 2 columns\)"):
        projection(sp.Matrix([[1, 2], [2, 4], [3, 6]]))
    with pytest.raises(ArgumentError, match=r"(?s)A=.*linearly dependent"):
        projection(np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]))
    with pytest.raises(ArgumentError, match=r"(?s)A=.*linearly dependent"):
        projection(sp.Matrix([[1, 0, 1], [0, 1, 1]]))  # more columns than rows
    with pytest.raises(ShapeError, match=r"(?s)b="):
        projection(sp.Matrix([1, 1])).project([1.0, 2.0, 3.0])


# -- Gram-Schmidt, change of basis, null space ------------------------------------


def test_gram_schmidt_orthonormalises_with_steps():
    V = sp.Matrix([[1, 1, 0], [1, 0, 1], [0, 1, 1]])
    g = gram_schmidt(V)
    Q = g.result
    assert is_zero_matrix(Q.T * Q - sp.eye(3))
    assert is_zero_matrix(Q * g.R - V)
    assert all(g.R[i, j] == 0 for i in range(3) for j in range(i))
    whys = [s.why for s in g.steps]
    assert whys[:2] == [
        "normalise: divide by the length sqrt(2)",
        "subtract the projection onto q_1",
    ]
    q_np, r_np = np.linalg.qr(np.array(V, dtype=float))
    signs = np.sign(np.diag(r_np))
    np.testing.assert_allclose(np.array(Q, dtype=float), q_np * signs, atol=1e-12)
    assert g.verify()


def test_gram_schmidt_unnormalised_and_dependent():
    g = gram_schmidt([sp.Matrix([3, 4]), sp.Matrix([1, 0])], normalize=False)
    assert g.result == sp.Matrix([[3, sp.Rational(16, 25)], [4, -sp.Rational(12, 25)]])
    assert g.verify()
    with pytest.raises(ArgumentError, match=r"(?s)vectors=.*vector 2 is a linear combination"):
        gram_schmidt([sp.Matrix([1, 2]), sp.Matrix([2, 4])])
    with pytest.raises(ShapeError, match=r"(?s)vectors=.*common length"):
        gram_schmidt([sp.Matrix([1, 2]), sp.Matrix([1, 2, 3])])


def test_change_of_basis_and_coordinates():
    old, new = sp.Matrix([[1, 1], [0, 1]]), sp.Matrix([[2, 0], [1, 1]])
    T = change_of_basis(old, new)
    c_old = sp.Matrix([3, -2])
    assert new * (T.result * c_old) == old * c_old  # the same vector
    assert T.verify()
    c = coordinates(sp.Matrix([3, 1]), sp.Matrix([[1, 1], [1, -1]]))
    assert c.result == sp.Matrix([2, 1])
    assert c.verify()
    with pytest.raises(ArgumentError, match=r"(?s)new=.*linearly dependent"):
        change_of_basis(sp.eye(2), sp.Matrix([[1, 2], [2, 4]]))
    with pytest.raises(ShapeError, match=r"(?s)v=.*length 2"):
        coordinates(sp.Matrix([1, 2, 3]), sp.eye(2))


@pytest.mark.parametrize(
    "A",
    [
        sp.Matrix([[1, 2, 3], [2, 4, 6]]),
        sp.Matrix([[1, 0, 1, 2], [0, 1, 1, 3], [1, 1, 2, 5]]),
        sp.eye(3),
        sp.Matrix([[0, 0], [0, 0]]),
    ],
    ids=["rank 1", "rank 2", "full rank", "zero"],
)
def test_null_space_and_rank(A):
    N = null_space(A)
    arr = np.array(A, dtype=float)
    assert N.rank == np.linalg.matrix_rank(arr)
    assert N.rank + N.nullity == A.cols
    assert N.result.shape == (A.cols, N.nullity)
    assert N.nullity == scipy.linalg.null_space(arr).shape[1]
    assert is_zero_matrix(A * N.result)
    assert N.column_space.shape == (A.rows, N.rank)
    assert N.verify()
    numeric = null_space(arr)
    assert numeric.rank == N.rank and numeric.verify()


# -- PCA ---------------------------------------------------------------------------


def test_pca_derivation_reaches_the_eigenvector_equation():
    d = pca_derivation()
    n = sp.Symbol("n", integer=True, positive=True)
    S, w = sp.MatrixSymbol("S", n, n), sp.MatrixSymbol("w", n, 1)
    lam = sp.Symbol("lambda", real=True)
    assert d.result == sp.Eq(S * w, lam * w)
    whys = [s.why for s in d.steps]
    assert "maximise subject to w^T w = 1: the Lagrangian" in whys
    assert "set the gradient to zero: an eigenvector equation" in whys
    grad_step = next(s for s in d.steps if s.why.startswith("gradient in w"))
    assert sp.simplify((grad_step.expr - ((S + S.T) * w - 2 * lam * w)).doit()) == sp.ZeroMatrix(
        n, 1
    )
    v = d.verify()
    assert v and len(v.notes) == 3


def test_pca_cross_checked_against_numpy_svd():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(200, 4)) @ rng.normal(size=(4, 4)) + rng.normal(size=4)
    p = pca(X)
    Xc = X - X.mean(axis=0)
    _, s, vt = np.linalg.svd(Xc, full_matrices=False)
    # components equal up to sign
    np.testing.assert_allclose(np.abs(np.sum(p.components * vt, axis=1)), 1.0, atol=1e-10)
    np.testing.assert_allclose(p.explained_variance, s**2 / (len(X) - 1), rtol=1e-12)
    np.testing.assert_allclose(p.explained_variance_ratio, s**2 / np.sum(s**2), rtol=1e-12)
    np.testing.assert_allclose(p.explained_variance_ratio.sum(), 1.0)
    # S w = lambda w on the explicit covariance
    S = np.cov(X, rowvar=False)
    np.testing.assert_allclose(
        S @ p.components.T, p.components.T * p.explained_variance, atol=1e-10
    )
    # round trip with all components
    np.testing.assert_allclose(p.inverse_transform(p.transform(X)), X, atol=1e-10)
    assert p.result.shape == (4, 4)
    assert p.verify()


def test_pca_keeps_k_components_and_checks_input():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    p = pca(X, 2)
    assert p.components.shape == (2, 3) and p.transform(X).shape == (50, 2)
    with pytest.raises(ArgumentError, match=r"(?s)n_components=4 is not valid: .*from 1 to 3"):
        pca(X, 4)
    with pytest.raises(ShapeError, match=r"(?s)X=.*at least 2 samples"):
        pca(X[:1])
    with pytest.raises(ShapeError, match=r"(?s)X=.*3 columns"):
        p.transform(np.ones((2, 2)))


# -- notes --------------------------------------------------------------------------


def test_linear_algebra_derivations_compile_in_notes():
    notes = symml.Notes("Linear algebra")
    notes.add(eigen(sp.Matrix([[4, 1], [2, 3]])), heading="Eigen")
    notes.add(svd(sp.Matrix([[3, 0], [4, 5]])), heading="SVD")
    notes.add(projection(sp.Matrix([[1, 0], [1, 1], [1, 2]])), heading="Projection")
    notes.add(pca_derivation(), heading="PCA")
    assert notes.to_tex().isascii()
    assert notes.to_pdf().startswith(b"%PDF")


# -- budgets, verify options, output shapes ---------------------------------------------

DERIVING = [
    symml.eigen,
    symml.svd,
    symml.projection,
    symml.gram_schmidt,
    symml.change_of_basis,
    symml.coordinates,
    symml.null_space,
    symml.pca_derivation,
]


@pytest.mark.parametrize("func", DERIVING, ids=lambda f: f.__name__)
def test_every_symbolic_function_takes_a_keyword_only_budget_of_10_s(func):
    parameter = inspect.signature(func).parameters["budget"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    assert parameter.default == 10.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: eigen(
            sp.Matrix([[a, b, 0, 1], [b, a, b, 0], [0, b, a, b], [1, 0, b, a]]), budget=0.1
        ),
        lambda: gram_schmidt(sp.Matrix(4, 4, lambda i, j: sp.Symbol(f"v{i}{j}")), budget=0.1),
        lambda: null_space(sp.Matrix(5, 5, lambda i, j: sp.Symbol(f"v{i}{j}")), budget=0.1),
    ],
    ids=["eigen", "gram_schmidt", "null_space"],
)
def test_symbols_out_of_budget_raise_on_time(call):
    start = time.monotonic()
    with pytest.raises(NoClosedFormError, match=r"(?s)did not finish within 0\.1 s.*budget="):
        call()
    assert time.monotonic() - start < 2.0


def test_numbers_out_of_budget_go_to_numpy_and_say_so():
    A = sp.Matrix(4, 4, lambda i, j: sp.sqrt(i + j + 2))
    e = eigen(A, budget=0.05)
    assert e.method == "numeric"
    assert e.steps[0].why == "the exact route ran out of its 0.05 s budget, so NumPy computed it"
    np.testing.assert_allclose(
        sorted(float(v) for v in e.eigenvalues),
        np.linalg.eigvalsh(np.array(A, dtype=float)),
        atol=1e-12,
    )
    assert e.verify()


@pytest.mark.parametrize(
    ("derivation", "accepted"),
    [
        (lambda: eigen(sp.Matrix([[2, 1], [1, 2]])), "budget=, seed="),
        (lambda: eigen(np.array([[2.0, 1.0], [1.0, 2.0]])), "no options"),
        (lambda: svd(sp.Matrix([[3, 0], [4, 5]])), "budget=, seed="),
        (lambda: projection(sp.Matrix([1, 1])), "budget=, seed="),
        (lambda: gram_schmidt(sp.eye(2)), "budget=, seed="),
        (lambda: change_of_basis(sp.eye(2), sp.eye(2)), "budget=, seed="),
        (lambda: null_space(sp.Matrix([[1, 1]])), "budget=, seed="),
        (lambda: low_rank(np.eye(2), 1), "no options"),
        (lambda: pca(np.eye(3)), "no options"),
        (lambda: pca_derivation(), "no options"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_verify_rejects_unknown_options(derivation, accepted):
    d = derivation()
    with pytest.raises(ArgumentError, match=rf"bogus=1 is not valid: .*accepts {accepted}"):
        d.verify(bogus=1)


def test_verify_options_reach_the_sampled_check():
    e = eigen(sp.Matrix([[a, b], [b, a]]))
    assert e.verify(seed=3, budget=1.0)
    assert e.matrix == sp.Matrix([[a, b], [b, a]]) == e.source


@pytest.mark.parametrize(
    ("A", "m"),
    [
        (sp.Matrix([[sp.Symbol("t", real=True)]]), 1),
        (sp.Matrix([1, sp.Symbol("t", real=True)]), 2),
        (sp.Matrix([[1, 0], [sp.Symbol("t", real=True), 1], [0, 1]]), 3),
    ],
    ids=["1 x 1", "column", "3 x 2"],
)
def test_projection_to_numpy_is_m_by_m_then_the_batch_shape(A, m):
    t = sp.Symbol("t", real=True)
    f = projection(A).to_numpy()
    ts = np.array([[0.5, 1.0, 2.0], [3.0, 4.0, 5.0]])
    out = f(ts)
    assert out.shape == (m, m, 2, 3)
    exact = np.array(projection(A).result.subs(t, 2.0), dtype=float)
    np.testing.assert_allclose(out[:, :, 0, 2], exact, atol=1e-12)
    assert f(2.0).shape == (m, m)
