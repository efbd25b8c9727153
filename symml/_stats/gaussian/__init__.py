"""Multivariate Gaussians (marginals, conditionals, products, KL divergence, entropy) and
Bayesian linear regression, derived with steps.

This ``__init__`` is the package's interface: the rest of ``symml._stats`` imports from here."""

from .normal import Gaussian as Gaussian
from .normal import gaussian as gaussian

__all__ = ["Gaussian", "gaussian"]
