"""symml: derive, check and explore the mathematics of machine learning.

SymPy derives; symml adds the steps, a fast NumPy function, a numeric
self-check, a verdict on your hand derivation, and LaTeX for your notes.

>>> import sympy as sp, symml
>>> x, y = sp.symbols("x y", real=True)
>>> g = symml.gradient(x**2 * y, [x, y])
>>> g.to_numpy()(3.0, 2.0)
array([12.,  9.])
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._core.budget import CHECK_BUDGET, DEFAULT_BUDGET

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time names load lazily
    from ._calculus import CriticalPoint as CriticalPoint
    from ._calculus import CriticalPoints as CriticalPoints
    from ._calculus import Hessian as Hessian
    from ._calculus import Jacobian as Jacobian
    from ._calculus import TaylorPolynomial as TaylorPolynomial
    from ._calculus import critical_points as critical_points
    from ._calculus import diff_steps as diff_steps
    from ._calculus import gradient as gradient
    from ._calculus import hessian as hessian
    from ._calculus import jacobian as jacobian
    from ._calculus import taylor as taylor
    from ._check import StepsVerdict as StepsVerdict
    from ._check import check as check
    from ._check import check_steps as check_steps
    from ._codegen import RankDeficientWarning as RankDeficientWarning
    from ._codegen import expit as expit
    from ._codegen import stable_form as stable_form
    from ._codegen import to_numpy as to_numpy
    from ._core import ArgumentError as ArgumentError
    from ._core import BudgetExceededError as BudgetExceededError
    from ._core import Derivation as Derivation
    from ._core import LatexError as LatexError
    from ._core import NoClosedFormError as NoClosedFormError
    from ._core import NotDifferentiableError as NotDifferentiableError
    from ._core import ParseError as ParseError
    from ._core import ShapeError as ShapeError
    from ._core import Step as Step
    from ._core import SymmlError as SymmlError
    from ._core import Verdict as Verdict
    from ._linalg import PCA as PCA
    from ._linalg import EigenDecomposition as EigenDecomposition
    from ._linalg import GramSchmidt as GramSchmidt
    from ._linalg import LowRankApproximation as LowRankApproximation
    from ._linalg import NullSpace as NullSpace
    from ._linalg import Projection as Projection
    from ._linalg import SingularValueDecomposition as SingularValueDecomposition
    from ._linalg import change_of_basis as change_of_basis
    from ._linalg import coordinates as coordinates
    from ._linalg import eigen as eigen
    from ._linalg import gram_schmidt as gram_schmidt
    from ._linalg import low_rank as low_rank
    from ._linalg import null_space as null_space
    from ._linalg import pca as pca
    from ._linalg import pca_derivation as pca_derivation
    from ._linalg import projection as projection
    from ._linalg import svd as svd
    from ._ml import Backprop as Backprop
    from ._ml import ComputationGraph as ComputationGraph
    from ._ml import ConvergenceWarning as ConvergenceWarning
    from ._ml import LeastSquaresFit as LeastSquaresFit
    from ._ml import LogisticFit as LogisticFit
    from ._ml import LogisticRegression as LogisticRegression
    from ._ml import NormalEquations as NormalEquations
    from ._ml import StandardErrorWarning as StandardErrorWarning
    from ._ml import backprop as backprop
    from ._ml import fit_logistic as fit_logistic
    from ._ml import logistic_regression as logistic_regression
    from ._ml import normal_equations as normal_equations
    from ._ml import two_layer_network as two_layer_network
    from ._optimize import LagrangePoints as LagrangePoints
    from ._optimize import LearningRateBound as LearningRateBound
    from ._optimize import NewtonRun as NewtonRun
    from ._optimize import OptimizationRun as OptimizationRun
    from ._optimize import gradient_descent as gradient_descent
    from ._optimize import lagrange as lagrange
    from ._optimize import learning_rate_bound as learning_rate_bound
    from ._optimize import momentum as momentum
    from ._optimize import newton as newton
    from ._optimize import sgd as sgd
    from ._parse import parse_expr as parse_expr
    from ._parse import parse_latex as parse_latex
    from ._parse import parse_symbols as parse_symbols
    from ._render import Notes as Notes
    from ._render import to_latex as to_latex
    from ._render import to_text as to_text
    from ._stats import MLE as MLE
    from ._stats import MLE_CATALOG as MLE_CATALOG
    from ._stats import BayesianLinearRegression as BayesianLinearRegression
    from ._stats import BayesRule as BayesRule
    from ._stats import BLRFit as BLRFit
    from ._stats import ConfidenceInterval as ConfidenceInterval
    from ._stats import Entropy as Entropy
    from ._stats import Gaussian as Gaussian
    from ._stats import GaussianProduct as GaussianProduct
    from ._stats import HypothesisTest as HypothesisTest
    from ._stats import KLDivergence as KLDivergence
    from ._stats import LikelihoodRatioTest as LikelihoodRatioTest
    from ._stats import MLEFit as MLEFit
    from ._stats import OrderStatistic as OrderStatistic
    from ._stats import Posterior as Posterior
    from ._stats import PosteriorFit as PosteriorFit
    from ._stats import ProportionTest as ProportionTest
    from ._stats import SampleMax as SampleMax
    from ._stats import SampleMedian as SampleMedian
    from ._stats import SampleMin as SampleMin
    from ._stats import Statistic as Statistic
    from ._stats import TestResult as TestResult
    from ._stats import TTest as TTest
    from ._stats import WelchTest as WelchTest
    from ._stats import ZTest as ZTest
    from ._stats import bayes_rule as bayes_rule
    from ._stats import bayesian_linear_regression as bayesian_linear_regression
    from ._stats import conjugate_posterior as conjugate_posterior
    from ._stats import diagnostic_test as diagnostic_test
    from ._stats import entropy as entropy
    from ._stats import expectation as expectation
    from ._stats import gaussian as gaussian
    from ._stats import gaussian_product as gaussian_product
    from ._stats import kl_divergence as kl_divergence
    from ._stats import likelihood_ratio_test as likelihood_ratio_test
    from ._stats import mle as mle
    from ._stats import mle_catalog as mle_catalog
    from ._stats import proportion_test as proportion_test
    from ._stats import sample_mean as sample_mean
    from ._stats import sample_median as sample_median
    from ._stats import sample_std as sample_std
    from ._stats import sample_variance as sample_variance
    from ._stats import t_test as t_test
    from ._stats import variance as variance
    from ._stats import welch_test as welch_test
    from ._stats import z_test as z_test

__version__ = "0.1.0"

#: Where each public name lives: its package is imported on first use (PEP 562),
#: so ``import symml`` does not pay for statistics when only calculus is used.
_LOCATION: dict[str, str] = {
    "Entropy": "_stats",
    "Gaussian": "_stats",
    "GaussianProduct": "_stats",
    "KLDivergence": "_stats",
    "entropy": "_stats",
    "gaussian": "_stats",
    "gaussian_product": "_stats",
    "kl_divergence": "_stats",
    "BayesianLinearRegression": "_stats",
    "BLRFit": "_stats",
    "bayesian_linear_regression": "_stats",
    "NewtonRun": "_optimize",
    "TaylorPolynomial": "_calculus",
    "Jacobian": "_calculus",
    "Hessian": "_calculus",
    "ArgumentError": "_core",
    "Backprop": "_ml",
    "BayesRule": "_stats",
    "BudgetExceededError": "_core",
    "ComputationGraph": "_ml",
    "ConfidenceInterval": "_stats",
    "ConvergenceWarning": "_ml",
    "CriticalPoint": "_calculus",
    "CriticalPoints": "_calculus",
    "Derivation": "_core",
    "EigenDecomposition": "_linalg",
    "GramSchmidt": "_linalg",
    "HypothesisTest": "_stats",
    "LagrangePoints": "_optimize",
    "LatexError": "_core",
    "LearningRateBound": "_optimize",
    "LeastSquaresFit": "_ml",
    "LikelihoodRatioTest": "_stats",
    "LogisticFit": "_ml",
    "LogisticRegression": "_ml",
    "LowRankApproximation": "_linalg",
    "MLE": "_stats",
    "MLEFit": "_stats",
    "MLE_CATALOG": "_stats",
    "NoClosedFormError": "_core",
    "NormalEquations": "_ml",
    "NotDifferentiableError": "_core",
    "Notes": "_render",
    "NullSpace": "_linalg",
    "OptimizationRun": "_optimize",
    "OrderStatistic": "_stats",
    "PCA": "_linalg",
    "ParseError": "_core",
    "Posterior": "_stats",
    "PosteriorFit": "_stats",
    "Projection": "_linalg",
    "ProportionTest": "_stats",
    "RankDeficientWarning": "_codegen",
    "SampleMax": "_stats",
    "SampleMedian": "_stats",
    "SampleMin": "_stats",
    "ShapeError": "_core",
    "SingularValueDecomposition": "_linalg",
    "StandardErrorWarning": "_ml",
    "Statistic": "_stats",
    "Step": "_core",
    "StepsVerdict": "_check",
    "SymmlError": "_core",
    "TTest": "_stats",
    "TestResult": "_stats",
    "Verdict": "_core",
    "WelchTest": "_stats",
    "ZTest": "_stats",
    "backprop": "_ml",
    "bayes_rule": "_stats",
    "change_of_basis": "_linalg",
    "check": "_check",
    "check_steps": "_check",
    "conjugate_posterior": "_stats",
    "coordinates": "_linalg",
    "critical_points": "_calculus",
    "diagnostic_test": "_stats",
    "diff_steps": "_calculus",
    "eigen": "_linalg",
    "expectation": "_stats",
    "expit": "_codegen",
    "fit_logistic": "_ml",
    "gradient": "_calculus",
    "gradient_descent": "_optimize",
    "gram_schmidt": "_linalg",
    "hessian": "_calculus",
    "jacobian": "_calculus",
    "lagrange": "_optimize",
    "learning_rate_bound": "_optimize",
    "likelihood_ratio_test": "_stats",
    "logistic_regression": "_ml",
    "low_rank": "_linalg",
    "mle": "_stats",
    "mle_catalog": "_stats",
    "momentum": "_optimize",
    "newton": "_optimize",
    "normal_equations": "_ml",
    "null_space": "_linalg",
    "parse_expr": "_parse",
    "parse_latex": "_parse",
    "parse_symbols": "_parse",
    "pca": "_linalg",
    "pca_derivation": "_linalg",
    "projection": "_linalg",
    "proportion_test": "_stats",
    "sample_mean": "_stats",
    "sample_median": "_stats",
    "sample_std": "_stats",
    "sample_variance": "_stats",
    "sgd": "_optimize",
    "stable_form": "_codegen",
    "svd": "_linalg",
    "t_test": "_stats",
    "taylor": "_calculus",
    "to_latex": "_render",
    "to_numpy": "_codegen",
    "to_text": "_render",
    "two_layer_network": "_ml",
    "variance": "_stats",
    "welch_test": "_stats",
    "z_test": "_stats",
}

__all__ = [
    "CHECK_BUDGET",
    "DEFAULT_BUDGET",
    "MLE",
    "MLE_CATALOG",
    "PCA",
    "ArgumentError",
    "BLRFit",
    "Backprop",
    "BayesRule",
    "BayesianLinearRegression",
    "BudgetExceededError",
    "ComputationGraph",
    "ConfidenceInterval",
    "ConvergenceWarning",
    "CriticalPoint",
    "CriticalPoints",
    "Derivation",
    "EigenDecomposition",
    "Entropy",
    "Gaussian",
    "GaussianProduct",
    "GramSchmidt",
    "Hessian",
    "HypothesisTest",
    "Jacobian",
    "KLDivergence",
    "LagrangePoints",
    "LatexError",
    "LearningRateBound",
    "LeastSquaresFit",
    "LikelihoodRatioTest",
    "LogisticFit",
    "LogisticRegression",
    "LowRankApproximation",
    "MLEFit",
    "NewtonRun",
    "NoClosedFormError",
    "NormalEquations",
    "NotDifferentiableError",
    "Notes",
    "NullSpace",
    "OptimizationRun",
    "OrderStatistic",
    "ParseError",
    "Posterior",
    "PosteriorFit",
    "Projection",
    "ProportionTest",
    "RankDeficientWarning",
    "SampleMax",
    "SampleMedian",
    "SampleMin",
    "ShapeError",
    "SingularValueDecomposition",
    "StandardErrorWarning",
    "Statistic",
    "Step",
    "StepsVerdict",
    "SymmlError",
    "TTest",
    "TaylorPolynomial",
    "TestResult",
    "Verdict",
    "WelchTest",
    "ZTest",
    "backprop",
    "bayes_rule",
    "bayesian_linear_regression",
    "change_of_basis",
    "check",
    "check_steps",
    "conjugate_posterior",
    "coordinates",
    "critical_points",
    "diagnostic_test",
    "diff_steps",
    "eigen",
    "entropy",
    "expectation",
    "expit",
    "fit_logistic",
    "gaussian",
    "gaussian_product",
    "gradient",
    "gradient_descent",
    "gram_schmidt",
    "hessian",
    "jacobian",
    "kl_divergence",
    "lagrange",
    "learning_rate_bound",
    "likelihood_ratio_test",
    "logistic_regression",
    "low_rank",
    "mle",
    "mle_catalog",
    "momentum",
    "newton",
    "normal_equations",
    "null_space",
    "parse_expr",
    "parse_latex",
    "parse_symbols",
    "pca",
    "pca_derivation",
    "projection",
    "proportion_test",
    "sample_mean",
    "sample_median",
    "sample_std",
    "sample_variance",
    "sgd",
    "stable_form",
    "svd",
    "t_test",
    "taylor",
    "to_latex",
    "to_numpy",
    "to_text",
    "two_layer_network",
    "variance",
    "welch_test",
    "z_test",
]


def __getattr__(name: str) -> Any:
    try:
        package = _LOCATION[name]
    except KeyError:
        raise AttributeError(f"module 'symml' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{package}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
