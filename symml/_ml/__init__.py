"""Least squares (normal equations), logistic regression, backpropagation.

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .backpropagation import Backprop as Backprop
from .backpropagation import ComputationGraph as ComputationGraph
from .backpropagation import backprop as backprop
from .backpropagation import two_layer_network as two_layer_network
from .regression import ConvergenceWarning as ConvergenceWarning
from .regression import LeastSquaresFit as LeastSquaresFit
from .regression import LogisticFit as LogisticFit
from .regression import LogisticRegression as LogisticRegression
from .regression import NormalEquations as NormalEquations
from .regression import fit_logistic as fit_logistic
from .regression import logistic_regression as logistic_regression
from .regression import normal_equations as normal_equations

__all__ = [
    "Backprop",
    "ComputationGraph",
    "ConvergenceWarning",
    "LeastSquaresFit",
    "LogisticFit",
    "LogisticRegression",
    "NormalEquations",
    "backprop",
    "fit_logistic",
    "logistic_regression",
    "normal_equations",
    "two_layer_network",
]
