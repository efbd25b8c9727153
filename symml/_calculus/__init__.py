"""Derivatives, gradients, Jacobians, Hessians, Taylor polynomials, critical points;
matrix calculus for ``MatrixSymbol`` arguments.

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .derivatives import CriticalPoint as CriticalPoint
from .derivatives import CriticalPoints as CriticalPoints
from .derivatives import _as_point as as_point
from .derivatives import _as_scalar as as_scalar
from .derivatives import _as_wrt as as_wrt
from .derivatives import _assumptions as assumptions
from .derivatives import _fd_verdict as fd_verdict
from .derivatives import critical_points as critical_points
from .derivatives import diff_steps as diff_steps
from .derivatives import gradient as gradient
from .derivatives import hessian as hessian
from .derivatives import jacobian as jacobian
from .derivatives import taylor as taylor

__all__ = [
    "CriticalPoint",
    "CriticalPoints",
    "as_point",
    "as_scalar",
    "as_wrt",
    "assumptions",
    "critical_points",
    "diff_steps",
    "fd_verdict",
    "gradient",
    "hessian",
    "jacobian",
    "taylor",
]
