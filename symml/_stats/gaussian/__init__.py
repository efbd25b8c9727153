"""Multivariate Gaussians and Bayesian linear regression, derived with steps.

Marginals, conditionals, products, KL divergence and entropy; the regression's posterior,
predictive and evidence, and its numeric fit.

This ``__init__`` is the package's interface: the rest of ``symml._stats`` imports from here."""

from .blr import BayesianLinearRegression as BayesianLinearRegression
from .blr import bayesian_linear_regression as bayesian_linear_regression
from .blr_fit import BLRFit as BLRFit
from .divergence import Entropy as Entropy
from .divergence import KLDivergence as KLDivergence
from .divergence import entropy as entropy
from .divergence import kl_divergence as kl_divergence
from .normal import Gaussian as Gaussian
from .normal import gaussian as gaussian
from .product import GaussianProduct as GaussianProduct
from .product import gaussian_product as gaussian_product

__all__ = [
    "BLRFit",
    "BayesianLinearRegression",
    "Entropy",
    "Gaussian",
    "GaussianProduct",
    "KLDivergence",
    "bayesian_linear_regression",
    "entropy",
    "gaussian",
    "gaussian_product",
    "kl_divergence",
]
