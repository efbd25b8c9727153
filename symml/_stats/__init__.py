"""Descriptive statistics, maximum likelihood, hypothesis tests, Bayes, Gaussians and Bayesian
linear regression.

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .bayes import BayesRule as BayesRule
from .bayes import Posterior as Posterior
from .bayes import PosteriorFit as PosteriorFit
from .bayes import bayes_rule as bayes_rule
from .bayes import conjugate_posterior as conjugate_posterior
from .bayes import diagnostic_test as diagnostic_test
from .descriptive import OrderStatistic as OrderStatistic
from .descriptive import Statistic as Statistic
from .descriptive import expectation as expectation
from .descriptive import sample_mean as sample_mean
from .descriptive import sample_median as sample_median
from .descriptive import sample_std as sample_std
from .descriptive import sample_variance as sample_variance
from .descriptive import variance as variance
from .gaussian import BayesianLinearRegression as BayesianLinearRegression
from .gaussian import BLRFit as BLRFit
from .gaussian import Entropy as Entropy
from .gaussian import Gaussian as Gaussian
from .gaussian import GaussianProduct as GaussianProduct
from .gaussian import KLDivergence as KLDivergence
from .gaussian import bayesian_linear_regression as bayesian_linear_regression
from .gaussian import entropy as entropy
from .gaussian import gaussian as gaussian
from .gaussian import gaussian_product as gaussian_product
from .gaussian import kl_divergence as kl_divergence
from .inference import ConfidenceInterval as ConfidenceInterval
from .inference import HypothesisTest as HypothesisTest
from .inference import LikelihoodRatioTest as LikelihoodRatioTest
from .inference import ProportionTest as ProportionTest
from .inference import TestResult as TestResult
from .inference import TTest as TTest
from .inference import WelchTest as WelchTest
from .inference import ZTest as ZTest
from .inference import likelihood_ratio_test as likelihood_ratio_test
from .inference import proportion_test as proportion_test
from .inference import t_test as t_test
from .inference import welch_test as welch_test
from .inference import z_test as z_test
from .mle import MLE as MLE
from .mle import MLE_CATALOG as MLE_CATALOG
from .mle import MLEFit as MLEFit
from .mle import SampleMax as SampleMax
from .mle import SampleMedian as SampleMedian
from .mle import SampleMin as SampleMin
from .mle import mle as mle
from .mle import mle_catalog as mle_catalog

__all__ = [
    "MLE",
    "MLE_CATALOG",
    "BLRFit",
    "BayesRule",
    "BayesianLinearRegression",
    "ConfidenceInterval",
    "Entropy",
    "Gaussian",
    "GaussianProduct",
    "HypothesisTest",
    "KLDivergence",
    "LikelihoodRatioTest",
    "MLEFit",
    "OrderStatistic",
    "Posterior",
    "PosteriorFit",
    "ProportionTest",
    "SampleMax",
    "SampleMedian",
    "SampleMin",
    "Statistic",
    "TTest",
    "TestResult",
    "WelchTest",
    "ZTest",
    "bayes_rule",
    "bayesian_linear_regression",
    "conjugate_posterior",
    "diagnostic_test",
    "entropy",
    "expectation",
    "gaussian",
    "gaussian_product",
    "kl_divergence",
    "likelihood_ratio_test",
    "mle",
    "mle_catalog",
    "proportion_test",
    "sample_mean",
    "sample_median",
    "sample_std",
    "sample_variance",
    "t_test",
    "variance",
    "welch_test",
    "z_test",
]
