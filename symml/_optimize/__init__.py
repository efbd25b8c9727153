"""Gradient descent, SGD, momentum, Newton, the learning-rate bound, Lagrange multipliers.

=================  ===============================================================
module             holds
=================  ===============================================================
``runs``           ``OptimizationRun`` and what every optimiser shares (arguments,
                   data, generated derivatives, the recorded run)
``descent``        ``gradient_descent``, ``momentum``, ``sgd``
``newton``         ``newton``
``bound``          ``learning_rate_bound``
``lagrange``       ``lagrange``
=================  ===============================================================

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .bound import LearningRateBound as LearningRateBound
from .bound import learning_rate_bound as learning_rate_bound
from .descent import gradient_descent as gradient_descent
from .descent import momentum as momentum
from .descent import sgd as sgd
from .lagrange import LagrangePoints as LagrangePoints
from .lagrange import lagrange as lagrange
from .newton import newton as newton
from .runs import NewtonRun as NewtonRun
from .runs import OptimizationRun as OptimizationRun

__all__ = [
    "LagrangePoints",
    "LearningRateBound",
    "NewtonRun",
    "OptimizationRun",
    "gradient_descent",
    "lagrange",
    "learning_rate_bound",
    "momentum",
    "newton",
    "sgd",
]
