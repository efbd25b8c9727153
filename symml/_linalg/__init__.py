"""Eigen-decomposition, SVD, projection, bases, PCA.

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .decompositions import PCA as PCA
from .decompositions import EigenDecomposition as EigenDecomposition
from .decompositions import GramSchmidt as GramSchmidt
from .decompositions import LowRankApproximation as LowRankApproximation
from .decompositions import NullSpace as NullSpace
from .decompositions import Projection as Projection
from .decompositions import SingularValueDecomposition as SingularValueDecomposition
from .decompositions import change_of_basis as change_of_basis
from .decompositions import coordinates as coordinates
from .decompositions import eigen as eigen
from .decompositions import gram_schmidt as gram_schmidt
from .decompositions import low_rank as low_rank
from .decompositions import null_space as null_space
from .decompositions import pca as pca
from .decompositions import pca_derivation as pca_derivation
from .decompositions import projection as projection
from .decompositions import svd as svd

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
