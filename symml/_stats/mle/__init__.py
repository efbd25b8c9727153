"""Maximum likelihood: estimators with steps, Fisher information, fits with intervals.

======================  ==================================================================
module                  what it holds
======================  ==================================================================
``derive``              :func:`mle`: the log-likelihood as split sums, the score, solving
``estimate``            :class:`MLE`, the derivation
``sample``              sums over the indexed sample and their numeric evaluation;
                        :class:`SampleMax`, :class:`SampleMin`, :class:`SampleMedian`
``solve``               boundary, non-smooth and closed-form estimators
``fisher``              Fisher information, symbolic and numeric
``steps``               the steps, with the second-order check
``fit``                 :class:`MLEFit`, ``MLE.fit``
``root``                numeric root of the score (no closed form)
``verify``              ``MLE.verify()``
``mvnormal``            the multivariate normal (:class:`MultivariateNormalMLE`)
``catalog``             :func:`mle_catalog`, :data:`MLE_CATALOG`
======================  ==================================================================

This ``__init__`` is the package's interface."""

from .catalog import MLE_CATALOG as MLE_CATALOG
from .catalog import mle_catalog as mle_catalog
from .derive import mle as mle
from .estimate import MLE as MLE
from .fit import MLEFit as MLEFit
from .mvnormal import MultivariateNormalMLE as MultivariateNormalMLE
from .sample import SampleMax as SampleMax
from .sample import SampleMedian as SampleMedian
from .sample import SampleMin as SampleMin

__all__ = [
    "MLE",
    "MLE_CATALOG",
    "MLEFit",
    "MultivariateNormalMLE",
    "SampleMax",
    "SampleMedian",
    "SampleMin",
    "mle",
    "mle_catalog",
]
