"""symml: derive, check and explore the mathematics of machine learning.

SymPy derives; symml adds the steps, a fast NumPy function, a numeric
self-check, a verdict on your hand derivation, and LaTeX for your notes.

>>> import sympy as sp, symml
>>> x, y = sp.symbols("x y", real=True)
>>> g = symml.gradient(x**2 * y, [x, y])
>>> g.to_numpy()(3.0, 2.0)
array([12.,  9.])
"""

from ._backprop import Backprop as Backprop
from ._backprop import ComputationGraph as ComputationGraph
from ._backprop import backprop as backprop
from ._backprop import two_layer_network as two_layer_network
from ._bayes import BayesRule as BayesRule
from ._bayes import Posterior as Posterior
from ._bayes import PosteriorFit as PosteriorFit
from ._bayes import bayes_rule as bayes_rule
from ._bayes import conjugate_posterior as conjugate_posterior
from ._bayes import diagnostic_test as diagnostic_test
from ._calculus import CriticalPoint as CriticalPoint
from ._calculus import CriticalPoints as CriticalPoints
from ._calculus import critical_points as critical_points
from ._calculus import diff_steps as diff_steps
from ._calculus import gradient as gradient
from ._calculus import hessian as hessian
from ._calculus import jacobian as jacobian
from ._calculus import taylor as taylor
from ._check import StepsVerdict as StepsVerdict
from ._check import check as check
from ._check import check_steps as check_steps
from ._derivation import Derivation as Derivation
from ._derivation import Step as Step
from ._descriptive import OrderStatistic as OrderStatistic
from ._descriptive import Statistic as Statistic
from ._descriptive import expectation as expectation
from ._descriptive import sample_mean as sample_mean
from ._descriptive import sample_median as sample_median
from ._descriptive import sample_std as sample_std
from ._descriptive import sample_variance as sample_variance
from ._descriptive import variance as variance
from ._errors import ArgumentError as ArgumentError
from ._errors import BudgetExceededError as BudgetExceededError
from ._errors import LatexError as LatexError
from ._errors import NoClosedFormError as NoClosedFormError
from ._errors import NotDifferentiableError as NotDifferentiableError
from ._errors import ParseError as ParseError
from ._errors import ShapeError as ShapeError
from ._errors import SymmlError as SymmlError
from ._inference import ConfidenceInterval as ConfidenceInterval
from ._inference import HypothesisTest as HypothesisTest
from ._inference import LikelihoodRatioTest as LikelihoodRatioTest
from ._inference import ProportionTest as ProportionTest
from ._inference import TestResult as TestResult
from ._inference import TTest as TTest
from ._inference import WelchTest as WelchTest
from ._inference import ZTest as ZTest
from ._inference import likelihood_ratio_test as likelihood_ratio_test
from ._inference import proportion_test as proportion_test
from ._inference import t_test as t_test
from ._inference import welch_test as welch_test
from ._inference import z_test as z_test
from ._latex import to_latex as to_latex
from ._latex import to_text as to_text
from ._likelihood import MLE as MLE
from ._likelihood import MLE_CATALOG as MLE_CATALOG
from ._likelihood import MLEFit as MLEFit
from ._likelihood import SampleMax as SampleMax
from ._likelihood import SampleMedian as SampleMedian
from ._likelihood import SampleMin as SampleMin
from ._likelihood import mle as mle
from ._likelihood import mle_catalog as mle_catalog
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
from ._notes import Notes as Notes
from ._numeric import RankDeficientWarning as RankDeficientWarning
from ._numeric import expit as expit
from ._numeric import to_numpy as to_numpy
from ._optimize import LagrangePoints as LagrangePoints
from ._optimize import LearningRateBound as LearningRateBound
from ._optimize import OptimizationRun as OptimizationRun
from ._optimize import gradient_descent as gradient_descent
from ._optimize import lagrange as lagrange
from ._optimize import learning_rate_bound as learning_rate_bound
from ._optimize import momentum as momentum
from ._optimize import newton as newton
from ._optimize import sgd as sgd
from ._parse import parse_expr as parse_expr
from ._parse import parse_symbols as parse_symbols
from ._regression import ConvergenceWarning as ConvergenceWarning
from ._regression import LeastSquaresFit as LeastSquaresFit
from ._regression import LogisticFit as LogisticFit
from ._regression import LogisticRegression as LogisticRegression
from ._regression import NormalEquations as NormalEquations
from ._regression import fit_logistic as fit_logistic
from ._regression import logistic_regression as logistic_regression
from ._regression import normal_equations as normal_equations
from ._verdict import Verdict as Verdict

__version__ = "0.1.0"

__all__ = [
    "MLE",
    "MLE_CATALOG",
    "PCA",
    "ArgumentError",
    "Backprop",
    "BayesRule",
    "BudgetExceededError",
    "ComputationGraph",
    "ConfidenceInterval",
    "ConvergenceWarning",
    "CriticalPoint",
    "CriticalPoints",
    "Derivation",
    "EigenDecomposition",
    "GramSchmidt",
    "HypothesisTest",
    "LagrangePoints",
    "LatexError",
    "LearningRateBound",
    "LeastSquaresFit",
    "LikelihoodRatioTest",
    "LogisticFit",
    "LogisticRegression",
    "LowRankApproximation",
    "MLEFit",
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
    "Statistic",
    "Step",
    "StepsVerdict",
    "SymmlError",
    "TTest",
    "TestResult",
    "Verdict",
    "WelchTest",
    "ZTest",
    "backprop",
    "bayes_rule",
    "change_of_basis",
    "check",
    "check_steps",
    "conjugate_posterior",
    "coordinates",
    "critical_points",
    "diagnostic_test",
    "diff_steps",
    "eigen",
    "expectation",
    "expit",
    "fit_logistic",
    "gradient",
    "gradient_descent",
    "gram_schmidt",
    "hessian",
    "jacobian",
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
