r"""Hypothesis tests as derivations: statistic, null distribution, p-value, interval.

==============================  ===========================================================
function                        the test
==============================  ===========================================================
:func:`z_test`                  one-sample z-test of a mean with known sigma (or, as in
                                statsmodels' ``ztest``, the sample standard deviation)
:func:`t_test`                  one-sample Student t-test of a mean (scipy ``ttest_1samp``)
:func:`welch_test`              two-sample Welch t-test (scipy ``ttest_ind(equal_var=False)``)
:func:`proportion_test`         Wald or score z-test of a proportion (statsmodels
                                ``proportions_ztest``, ``proportion_confint``)
:func:`likelihood_ratio_test`   Wilks' likelihood-ratio test of a point null in a model
==============================  ===========================================================

Each function returns a :class:`HypothesisTest`, a :class:`~symml.Derivation`
whose ``result`` is the test statistic and whose steps are the textbook ones:
the statistic's definition, its distribution under the null hypothesis, the
p-value formula for each alternative and the confidence interval obtained by
inverting the test. ``evaluate(data, ...)`` turns the derivation into numbers,
a :class:`TestResult` with the fields scipy and statsmodels users expect
(``statistic``, ``pvalue``, ``df``, ``ci`` / ``confidence_interval(level)``;
``alternative`` is ``"two-sided"``, ``"less"`` or ``"greater"`` as in scipy).

The numbers come from the derivation: the statistic and the p-values are the
derived formulas compiled by :func:`symml.to_numpy` (``erfc``, the regularised
incomplete beta and gamma functions); only quantiles, which have no closed
form, come from ``scipy.stats``. Summary statistics are computed stably (a
corrected two-pass variance, never :math:`\sum x^2/n - \bar x^2`).

``verify()`` checks each derivation numerically: the statistic simulated under
the null hypothesis follows the claimed distribution (Kolmogorov distance), the
p-value formulas equal the distribution's tails, and the interval endpoints are
exactly where the test's p-value equals ``1 - level``.

The package: ``result`` (:class:`TestResult`, :class:`ConfidenceInterval`),
``base`` (:class:`HypothesisTest`, the shared formulas and the self-check),
``means`` (z, t, Welch), ``proportion`` and ``likelihood_ratio`` (its
estimates by :func:`symml.mle`); the model is :mod:`symml._stats.model`'s, data
checks come from :mod:`symml._stats.data`, levels and alternatives from
:mod:`symml._stats.sample`, closed forms over a sample from :mod:`symml._stats.density`.

Examples
--------
>>> import numpy as np, symml
>>> t = symml.t_test()
>>> t.result
sqrt(n)*(-mu_0 + xbar)/s
>>> res = t.evaluate([5.1, 4.9, 5.6, 5.8, 6.0, 5.2], popmean=5.0)
>>> print(f"{res.statistic:.4f} {res.pvalue:.4f} {res.df:g}")
2.4568 0.0575 5
>>> [round(v, 4) for v in res.ci]
[4.9799, 5.8867]
"""

from .base import HypothesisTest as HypothesisTest
from .likelihood_ratio import LikelihoodRatioTest as LikelihoodRatioTest
from .likelihood_ratio import likelihood_ratio_test as likelihood_ratio_test
from .means import TTest as TTest
from .means import WelchTest as WelchTest
from .means import ZTest as ZTest
from .means import t_test as t_test
from .means import welch_test as welch_test
from .means import z_test as z_test
from .proportion import ProportionTest as ProportionTest
from .proportion import proportion_test as proportion_test
from .result import ConfidenceInterval as ConfidenceInterval
from .result import TestResult as TestResult

__all__ = [
    "ConfidenceInterval",
    "HypothesisTest",
    "LikelihoodRatioTest",
    "ProportionTest",
    "TTest",
    "TestResult",
    "WelchTest",
    "ZTest",
    "likelihood_ratio_test",
    "proportion_test",
    "t_test",
    "welch_test",
    "z_test",
]
