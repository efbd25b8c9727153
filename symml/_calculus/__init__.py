"""Derivatives, gradients, Jacobians, Hessians, Taylor polynomials, critical points;
matrix calculus for ``MatrixSymbol`` arguments.

==========================  ===========================================================
module                      holds
==========================  ===========================================================
``arguments``               checks of ``f``, ``wrt``, expansion points; assumptions
``fastdiff``                fast partial derivatives returned as canonical SymPy
``symengine_route``        the SymEngine route of fastdiff (loaded for large inputs only)
``rules``                   ``diff_steps``: rule-by-rule steps of one partial derivative
``derivatives``             ``gradient``, ``jacobian``, ``hessian`` (``Jacobian``/``Hessian``)
``finite_differences``      the one finite-difference check (``fd_verdict``, ``judge``)
``taylor``                  ``taylor`` (``TaylorPolynomial``)
``critical``                ``critical_points`` (``CriticalPoints``)
``matrix/``                 matrix calculus: differentials, read-off, tidy, numeric oracle
==========================  ===========================================================

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .arguments import as_point as as_point
from .arguments import as_scalar as as_scalar
from .arguments import as_wrt as as_wrt
from .arguments import assumptions as assumptions
from .critical import CriticalPoint as CriticalPoint
from .critical import CriticalPoints as CriticalPoints
from .critical import critical_points as critical_points
from .critical import is_real_solution as is_real_solution
from .derivatives import Hessian as Hessian
from .derivatives import Jacobian as Jacobian
from .derivatives import gradient as gradient
from .derivatives import hessian as hessian
from .derivatives import jacobian as jacobian
from .finite_differences import fd_verdict as fd_verdict
from .rules import diff_steps as diff_steps
from .taylor import TaylorPolynomial as TaylorPolynomial
from .taylor import taylor as taylor

__all__ = [
    "CriticalPoint",
    "CriticalPoints",
    "Hessian",
    "Jacobian",
    "TaylorPolynomial",
    "as_point",
    "as_scalar",
    "as_wrt",
    "assumptions",
    "critical_points",
    "diff_steps",
    "fd_verdict",
    "gradient",
    "hessian",
    "is_real_solution",
    "jacobian",
    "taylor",
]
