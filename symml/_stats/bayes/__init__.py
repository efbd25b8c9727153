r"""Bayes' rule, and conjugate posteriors derived by multiplying kernels.

============================  ===========================================================
function                      returns
============================  ===========================================================
:func:`bayes_rule`            the posterior probabilities of hypotheses given evidence,
                              with the law of total probability and Bayes' rule as steps
:func:`diagnostic_test`       P(disease | test result) from prevalence, sensitivity and
                              specificity (exact rationals in, exact rationals out)
:func:`conjugate_posterior`   a :class:`Posterior`: prior kernel times likelihood kernel,
                              the family recognised from the product, the MAP estimate,
                              the posterior predictive and ``update(data)``
============================  ===========================================================

How a posterior is derived
--------------------------
Nothing is looked up in a table of conjugate pairs. The log-likelihood of an
i.i.d. sample is a sum of logs, split into parameter parts times sums of data
terms (the sufficient statistics); the log prior is added; the terms are
grouped by how they depend on the parameters (``log(theta)``,
``log(1 - theta)``, ``mu**2/v``, ...). The family of the *prior* is recognised
the same way, and the posterior must be a member of the same family: its
hyperparameters are the solution of "coefficient of each term in the
family's log density = coefficient in log prior + log-likelihood". Families
recognised: Beta, Gamma (shape, rate), Inverse-Gamma, Normal,
Normal-Inverse-Gamma (mean, variance) and Dirichlet. So Beta-Bernoulli,
Beta-Binomial, Beta-Geometric, Gamma-Poisson, Gamma-Exponential,
Normal-Normal (known variance), Inverse-Gamma-Normal (known mean),
Normal-Inverse-Gamma and Dirichlet-Categorical all come out of the same
derivation.

The MAP estimate sets the gradient of the log posterior to zero (with a
Lagrange multiplier on the simplex). The posterior predictive
:math:`\int f(\tilde x \mid \theta)\, p(\theta \mid x)\, d\theta` is found by
recognising the integrand as a kernel of the same family: the integral is a
ratio of normalising constants.

The package: ``rule`` (:func:`bayes_rule`, :func:`diagnostic_test`),
``families`` (the family table), ``conjugate`` (the derivation), ``posterior``
(:class:`Posterior`, its steps and ``update``) and ``verify`` (the quadrature
self-check).

Examples
--------
>>> import sympy as sp, sympy.stats as ss, symml
>>> theta = sp.Symbol("theta", positive=True)
>>> a, b = sp.symbols("a b", positive=True)
>>> post = symml.conjugate_posterior(ss.Bernoulli("X", theta), ss.Beta("theta", a, b))
>>> post.family
'Beta'
>>> post.hyperparameters
{alpha_n: a + Sum(x[i], (i, 1, n)), beta_n: b + n - Sum(x[i], (i, 1, n))}
>>> fit = post.update([1, 0, 1, 1, 0, 1], a=1, b=1)
>>> fit.params
{'alpha': 5.0, 'beta': 3.0}
>>> round(fit.map["theta"], 4), round(float(fit.predictive(1)), 4)
(0.6667, 0.625)
"""

from .conjugate import conjugate_posterior as conjugate_posterior
from .posterior import Posterior as Posterior
from .posterior import PosteriorFit as PosteriorFit
from .rule import BayesRule as BayesRule
from .rule import bayes_rule as bayes_rule
from .rule import diagnostic_test as diagnostic_test

__all__ = [
    "BayesRule",
    "Posterior",
    "PosteriorFit",
    "bayes_rule",
    "conjugate_posterior",
    "diagnostic_test",
]
