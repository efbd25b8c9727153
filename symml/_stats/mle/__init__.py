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
``root``                numeric root of the score (no closed form), within the budget
``edge``                maxima on the boundary of the parameter space (``p = 0``),
                        unbounded likelihoods, estimates running off to infinity
``standardise``         fits on centred and scaled data (near 1e308, 1e-320, far from 0)
``verify``              ``MLE.verify()``
``stream``              sums over Dask arrays, block by block (Chan merging)
``mvnormal``            the multivariate normal (:class:`MultivariateNormalMLE`)
``catalog``             :func:`mle_catalog`, :data:`MLE_CATALOG`
======================  ==================================================================

The log-likelihood of an i.i.d. sample ``x_1, ..., x_n`` is written as a sum
of logs over an indexed sample, ``Sum(log f(x_i), (i, 1, n))``, never as the
log of a ``Product`` (which SymPy does not split). Sums are split, constants
pulled out, and the parameters separated from the data so that the score
equations involve the sufficient statistics (``Σ x_i``, ``Σ x_i²``,
``Σ log x_i``, ...) only; then they are solved within a time budget.

Examples
--------
>>> import sympy as sp, sympy.stats as ss
>>> from symml import mle
>>> lam = sp.Symbol("lambda", positive=True)
>>> est = mle(ss.Poisson("X", lam))
>>> est.estimators
{lambda: Sum(x[i], (i, 1, n))/n}
>>> est.fisher_information
Matrix([[1/lambda]])
>>> fit = est.fit([2, 4, 3, 5, 1])
>>> fit.params["lambda"], round(fit.stderr["lambda"], 4)
(3.0, 0.7746)

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
