r"""``to_numpy``: the one place in symml that turns SymPy into array code (NumPy, JAX, Dask).

=================================  ======================================================
module                             what it holds
=================================  ======================================================
:mod:`.generate`                   :func:`to_numpy` (the front end) and the code for
                                   scalars, Matrices and Arrays: CSE, broadcasting
:mod:`.stable`                     :class:`expit`, :func:`stable_form` (``logaddexp``,
                                   ``log1p``, ``expm1``, ``expit``)
:mod:`.matrix`, :mod:`.compiler`   expressions in ``MatrixSymbol`` arguments: a graph
                                   of NumPy operations, shared values, cheap products
:mod:`.products`                   products as factor lists; the normal-equation pattern
:mod:`.rows`                       sums over the rows of the data (gradients, Hessians,
                                   losses) computed block by block, in cache
:mod:`.lstsq`                      the least-squares runtime (QR, never ``X^T X``)
:mod:`.xp`                         array code on other libraries: JAX, Dask, CuPy,
                                   PyTorch inputs give their own arrays (``jax.jit``
                                   works, Dask stays lazy)
:mod:`.source`, :mod:`.runtime`    printing, compiling and documenting the generated
                                   source; the helpers it calls; clear errors for
                                   wrong calls (missing arguments, shapes that do
                                   not broadcast), checked only when a call fails
=================================  ======================================================

Output shapes
-------------
One convention for every generated function: **the shape of the mathematical
object, then the inputs' broadcast (batch) shape** ``S``.

* A scalar expression gives ``S`` (a NumPy scalar when ``S == ()``).
* A column ``Matrix`` (k x 1, a vector; 1 x 1 included) gives ``(k, *S)``;
  any other r x c ``Matrix`` (rows included) gives ``(r, c, *S)``; an
  ``Array`` of shape ``A`` gives ``(*A, *S)``.
* ``shape=(...)`` replaces that leading shape by another holding the same
  number of entries, e.g. ``shape=(1, 1)`` for a 1 x 1 Hessian. A
  ``Derivation`` passes the shape of what it derived (a gradient ``(n,)``,
  a Jacobian ``(m, n)``, a Hessian ``(n, n)`` for every n), both in
  ``d.to_numpy()`` and in ``to_numpy(d, args)``.
* Matrix expressions (``MatrixSymbol`` arguments) take whole arrays, so there
  is no batch shape: the result has the expression's shape, except that a
  column or row is 1-D ``(k,)`` when the vector arguments were passed 1-D (as
  NumPy's ``X @ w``), and a 1 x 1 expression (a scalar loss) is a NumPy
  scalar. ``shape=`` does not apply to them.

This ``__init__`` is the package's interface: other symml packages import from
here, never from its modules. ``symml._ml`` uses the least-squares runtime:
:func:`terms`, :func:`product` and :func:`gram_block` read the normal
equations symbolically, :func:`normal_system` compiles their blocks and
:func:`solve_normal` solves them (``full=True`` for standard errors);
:func:`column_scale` gives column norms without underflow (logistic fits
scale ``X`` by them); :func:`require_finite` refuses NaN/inf in data, naming the
argument and the positions (fits check their data with it).

Examples
--------
>>> import sympy as sp
>>> from symml import to_numpy
>>> x, y = sp.symbols("x y", real=True)
>>> to_numpy(x * y, [x, y])([1.0, 2.0, 3.0], 2.0).shape              # scalar: S
(3,)
>>> to_numpy(sp.Matrix([2*x*y, x**2]), [x, y])([1.0, 2.0, 3.0], 2.0).shape  # column
(2, 3)
>>> to_numpy(sp.Matrix([[2*y]]), [x, y], shape=(1, 1))(1.0, 2.0).shape  # 1 x 1 kept 2-D
(1, 1)
"""

from .._core import hooks as _hooks
from .generate import normal_system as normal_system
from .generate import to_numpy as to_numpy
from .lstsq import RankDeficientWarning as RankDeficientWarning
from .lstsq import column_scale as column_scale
from .lstsq import solve_normal as solve_normal
from .products import gram_block as gram_block
from .products import product as product
from .products import terms as terms
from .runtime import require_finite as require_finite
from .stable import expit as expit
from .stable import stable_form as stable_form

_hooks.provide("to_numpy", to_numpy)

__all__ = [
    "RankDeficientWarning",
    "column_scale",
    "expit",
    "gram_block",
    "normal_system",
    "product",
    "require_finite",
    "solve_normal",
    "stable_form",
    "terms",
    "to_numpy",
]
