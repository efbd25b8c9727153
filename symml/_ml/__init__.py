"""Least squares (normal equations), logistic regression, backpropagation.

==================  ===============================================================
module              holds
==================  ===============================================================
``regression``      ``normal_equations``, ``NormalEquations``, ``LeastSquaresFit``,
                    ``StandardErrorWarning`` (checks on fit data and standard errors)
``logistic``        ``logistic_regression``, ``fit_logistic``, ``LogisticFit``
``backpropagation`` ``backprop``, ``ComputationGraph``, ``two_layer_network``
==================  ===============================================================

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .backpropagation import Backprop as Backprop
from .backpropagation import ComputationGraph as ComputationGraph
from .backpropagation import backprop as backprop
from .backpropagation import two_layer_network as two_layer_network
from .logistic import ConvergenceWarning as ConvergenceWarning
from .logistic import LogisticFit as LogisticFit
from .logistic import LogisticRegression as LogisticRegression
from .logistic import fit_logistic as fit_logistic
from .logistic import logistic_regression as logistic_regression
from .regression import LeastSquaresFit as LeastSquaresFit
from .regression import NormalEquations as NormalEquations
from .regression import StandardErrorWarning as StandardErrorWarning
from .regression import normal_equations as normal_equations

__all__ = [
    "Backprop",
    "ComputationGraph",
    "ConvergenceWarning",
    "LeastSquaresFit",
    "LogisticFit",
    "LogisticRegression",
    "NormalEquations",
    "StandardErrorWarning",
    "backprop",
    "fit_logistic",
    "logistic_regression",
    "normal_equations",
    "two_layer_network",
]
