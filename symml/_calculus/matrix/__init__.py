r"""Matrix calculus on ``MatrixSymbol``: gradients, Jacobians and Hessians as matrix
expressions, with differential-rule steps and a finite-difference self-check.

=====================  ===============================================================
function               result
=====================  ===============================================================
``matrix_gradient``    gradient of a scalar in a vector or matrix, with the shape of ``wrt``
``matrix_jacobian``    Jacobian (m x n) of a column F (m x 1) in a column ``wrt`` (n x 1)
``matrix_hessian``     Hessian (n x n) of a scalar in a column ``wrt`` (n x 1)
=====================  ===============================================================

:func:`symml.gradient`, :func:`symml.jacobian` and :func:`symml.hessian` call
these when ``wrt`` is a ``sympy.MatrixSymbol``.

Conventions
-----------
* **Layout** (Matrix Cookbook, denominator layout): the gradient of a scalar
  ``f`` in ``X`` (m x n) is the m x n matrix ``G`` with ``G[i, j] = df/dX[i, j]``,
  so ``df = tr(G^T dX)``; in a column ``w`` (n x 1) it is the column ``g`` with
  ``df = g^T dw``. The Jacobian of ``F`` (m x 1) in ``w`` (n x 1) is the m x n
  ``J`` with ``dF = J dw``; the Hessian is the Jacobian of the gradient.
* **Scalars**: ``f`` may be a 1 x 1 matrix expression (``(X*w - y).T*(X*w - y)``)
  or a scalar expression (``Trace(...)``, ``log(Determinant(X))``). SymPy refuses
  to add a scalar to a 1 x 1 matrix; write the 1 x 1 part as ``Trace(...)``
  (the trace of a 1 x 1 matrix is its entry). A scalar coefficient that is the
  value of a 1 x 1 matrix ``E`` is shown as ``tr(E)``, or as a 1 x 1 factor
  ``E**k`` where a product has room for it (``x*(x.T*x)**(-1/2)``).
* **Element-wise maps** are ``applyfunc`` (``ElementwiseApplyFunction``); their
  derivatives are element-wise maps again, ``⊙`` is ``HadamardProduct`` and the
  sigmoid is :class:`symml.expit` (printed as ``scipy.special.expit``),
  with ``expit'(t) = expit(t)*(1 - expit(t))``.
* **Symmetric matrices**: entries are independent variables, so the gradient
  is the plain (unconstrained) one, the Cookbook's. Declaring a matrix symmetric
  (``symmetric=[S]`` here, or ``sympy.Q.symmetric(S)`` in ``sympy.assuming``)
  only simplifies the result with ``S.T = S``: it is the unconstrained gradient
  evaluated at symmetric ``S`` (e.g. ``-S**-1/2 + S**-1*r*r.T*S**-1/2`` for the
  Gaussian log-likelihood), not the "symmetric gradient" ``2G - diag(G)``.

How it works
------------
1. **Differential.** ``df`` is built from the expression tree by the
   differential rules (each shown as a step): ``d(A X B) = A dX B``,
   ``d(X^T) = (dX)^T``, ``d(X^-1) = -X^-1 dX X^-1``, ``d det X = det X tr(X^-1 dX)``,
   ``d log det X = tr(X^-1 dX)``, ``d tr F = tr dF``, ``d(U ⊙ V) = dU ⊙ V + U ⊙ dV``,
   ``d f(U) = f'(U) ⊙ dU`` for element-wise maps, the product rule and the
   scalar chain rule.
2. **Read off.** Each term of ``df`` is linear in ``dX``; the trace trick
   (``tr(A B) = tr(B A)``, ``tr(A^T) = tr(A)``, ``tr(A^T (B ⊙ C)) = tr((A ⊙ B)^T C)``)
   moves ``dX`` to the right, ``df = sum_i tr(G_i^T dX)``, and ``G = sum_i G_i``.
   For Jacobians the terms become ``J_i dw`` (``u ⊙ dv = diag(u) dv``).
3. **Tidy.** Transposes are pushed onto symbols, like terms are collected and
   common left/right factors pulled out: ``2*X.T*(X*w - y)``, not four terms.
   Element-wise parts are simplified as the scalar algebra they are
   (:mod:`.elementwise`): Hadamard inverses cancel, like terms collect, zero terms
   drop, sigmoids are written one way (``expit(-u) = 1 - expit(u)``), and a sum
   inside a product keeps its number outside with a positive sign. The logistic
   loss written with logs gives ``X^T (sigma(X w) - y)`` and
   ``X^T diag(sigma o (1 - sigma)) X``; the Gaussian log-density ``S^-1 (x - mu)``.

Every result checks itself: :meth:`Derivation.verify` evaluates the source and
the result at seeded random points and compares with central finite
differences of the source (second-order differences of ``f`` itself for
Hessians). Symbolic sizes become small distinct numbers (3, 5, 4, ...); square
matrices are sampled well conditioned, with positive determinant and not
symmetric (so ``X^-1`` and ``X^-T`` differ) unless declared symmetric. Both sides
are evaluated with :func:`symml.to_numpy`; the independent oracle is the differences
(see :mod:`.oracle` and :mod:`symml._calculus.finite_differences`).

Modules: :mod:`.expressions` (canonical constructors, display nodes),
:mod:`.elementwise` (element-wise algebra as scalar algebra), :mod:`.entries` (sums over entries),
:mod:`.differential` (the rules), :mod:`.readoff` (trace trick, read-off),
:mod:`.tidy` (factoring, readable forms), :mod:`.oracle` (the numeric check),
:mod:`.derivatives` (the public functions).

**Entries.** SymPy expands the entry ``E[0, 0]`` of a 1 x 1 product into an indexed
``Sum``; sums over all the entries of vectors and matrices are read back as matrix
expressions (``Sum(f(x[i, 0]), i) = 1^T f.(x)``, ``sum_i u_i v_i = u^T v``,
``(x.T*A*x)[0, 0] = x^T A x``), so ``sqrt((x.T*x)[0, 0])`` and
``log((OneMatrix(1, n)*x.applyfunc(exp))[0, 0])`` differentiate (:mod:`.entries`).

Not covered (each raises :class:`NotDifferentiableError` naming the part):
Kronecker products, non-integer powers of matrices larger than 1 x 1, matrix
functions such as ``exp(X)``, single entries ``x[0, 0]`` and partial sums.
Jacobians and Hessians in a matrix variable have four indices and raise
:class:`ShapeError`.

Examples
--------
>>> import sympy as sp, symml
>>> n, m = sp.symbols("n m", integer=True, positive=True)
>>> X, w, y = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("w", n, 1), sp.MatrixSymbol("y", m, 1)
>>> ls = (X*w - y).T*(X*w - y)
>>> symml.gradient(ls, w).result
2*X.T*(X*w - y)
>>> symml.hessian(ls, w).result
2*X.T*X
>>> S = sp.MatrixSymbol("S", n, n)
>>> symml.gradient(sp.log(sp.det(S)), S).result
S.T**(-1)
>>> nll = sp.OneMatrix(1, m)*(X*w).applyfunc(lambda t: sp.log(1 + sp.exp(t))) - y.T*X*w
>>> print(symml.to_latex(symml.gradient(nll, w).result))
X^{\top} \left(\sigma\left(X w\right) - y\right)
>>> symml.gradient(sp.sqrt((w.T*w)[0, 0]), w).result
w*(w.T*w)**(-1/2)
"""

from __future__ import annotations

from .derivatives import matrix_gradient as matrix_gradient
from .derivatives import matrix_hessian as matrix_hessian
from .derivatives import matrix_jacobian as matrix_jacobian

__all__ = ["matrix_gradient", "matrix_hessian", "matrix_jacobian"]
