"""Linear algebra with steps: eigen-decomposition, SVD and low rank, projection and
Gram–Schmidt, bases (change of basis, coordinates, null space), PCA.

======================  ===================================================================
module                  holds
======================  ===================================================================
``eigen``               ``eigen``: ``A = P D P^{-1}`` (or the Jordan form)
``svd``                 ``svd``: ``A = U Sigma V^T``; ``low_rank`` (Eckart–Young)
``projection``          ``projection``: ``P = A (A^T A)^{-1} A^T``; ``gram_schmidt``
``bases``               ``change_of_basis``, ``coordinates``, ``null_space``
``pca``                 ``pca_derivation`` (``S w = λ w``) and numeric ``pca``
``_matrices``           shared: matrix arguments, exact routes within a deadline, display
``_verdicts``           shared: how the results check themselves
======================  ===================================================================

Exact (rational or symbolic) input is worked symbolically, each call within its
``budget=`` (one :class:`~symml._core.Deadline` passed down to every step);
floating-point input and larger matrices go to NumPy, and the steps say so.
Every result checks itself with ``.verify()``.

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .bases import NullSpace as NullSpace
from .bases import change_of_basis as change_of_basis
from .bases import coordinates as coordinates
from .bases import null_space as null_space
from .eigen import EigenDecomposition as EigenDecomposition
from .eigen import eigen as eigen
from .pca import PCA as PCA
from .pca import pca as pca
from .pca import pca_derivation as pca_derivation
from .projection import GramSchmidt as GramSchmidt
from .projection import Projection as Projection
from .projection import gram_schmidt as gram_schmidt
from .projection import projection as projection
from .svd import LowRankApproximation as LowRankApproximation
from .svd import SingularValueDecomposition as SingularValueDecomposition
from .svd import low_rank as low_rank
from .svd import svd as svd

__all__ = [
    "PCA",
    "EigenDecomposition",
    "GramSchmidt",
    "LowRankApproximation",
    "NullSpace",
    "Projection",
    "SingularValueDecomposition",
    "change_of_basis",
    "coordinates",
    "eigen",
    "gram_schmidt",
    "low_rank",
    "null_space",
    "pca",
    "pca_derivation",
    "projection",
    "svd",
]
