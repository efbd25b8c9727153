"""Gradient descent, SGD, momentum, Newton, Lagrange multipliers.

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .methods import LagrangePoints as LagrangePoints
from .methods import LearningRateBound as LearningRateBound
from .methods import OptimizationRun as OptimizationRun
from .methods import gradient_descent as gradient_descent
from .methods import lagrange as lagrange
from .methods import learning_rate_bound as learning_rate_bound
from .methods import momentum as momentum
from .methods import newton as newton
from .methods import sgd as sgd

__all__ = [
    "LagrangePoints",
    "LearningRateBound",
    "OptimizationRun",
    "gradient_descent",
    "lagrange",
    "learning_rate_bound",
    "momentum",
    "newton",
    "sgd",
]
