"""symml: derive, check and explore the mathematics of machine learning.

SymPy derives; symml adds the steps, a fast NumPy function, a numeric
self-check, a verdict on your hand derivation, and LaTeX for your notes.

>>> import sympy as sp, symml
>>> x, y = sp.symbols("x y", real=True)
>>> g = symml.gradient(x**2 * y, [x, y])
>>> g.to_numpy()(3.0, 2.0)
array([12.,  9.])
"""

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
from ._notes import Notes as Notes
from ._numeric import to_numpy as to_numpy
from ._parse import parse_expr as parse_expr
from ._parse import parse_symbols as parse_symbols
from ._verdict import Verdict as Verdict

__version__ = "0.1.0"

__all__ = [
    "ArgumentError",
    "BayesRule",
    "BudgetExceededError",
    "ConfidenceInterval",
    "CriticalPoint",
    "CriticalPoints",
    "Derivation",
    "HypothesisTest",
    "LatexError",
    "LikelihoodRatioTest",
    "NoClosedFormError",
    "NotDifferentiableError",
    "Notes",
    "ParseError",
    "Posterior",
    "PosteriorFit",
    "ProportionTest",
    "ShapeError",
    "Step",
    "StepsVerdict",
    "SymmlError",
    "TTest",
    "TestResult",
    "Verdict",
    "WelchTest",
    "ZTest",
    "bayes_rule",
    "check",
    "check_steps",
    "conjugate_posterior",
    "critical_points",
    "diagnostic_test",
    "diff_steps",
    "gradient",
    "hessian",
    "jacobian",
    "likelihood_ratio_test",
    "parse_expr",
    "parse_symbols",
    "proportion_test",
    "t_test",
    "taylor",
    "to_latex",
    "to_numpy",
    "to_text",
    "welch_test",
    "z_test",
]
