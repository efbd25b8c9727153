"""``check`` and ``check_steps``: is a claimed result equal to an expected one?

=================  ==========================================================================
module             what it holds
=================  ==========================================================================
``prepare``        arguments -> two comparable SymPy sides (shapes, equations, evaluation)
``matrices``       ``MatrixSymbol`` expressions made explicit, derivatives by a matrix
``sample``         numeric sampling at random points: the evidence, and counterexamples
``polynomials``    polynomials compared by exact values at random integer points
``regions``        piecewise sides: breakpoints, probe points, the proof region by region
``prove``          the symbolic proof (polynomial identity, ``expand``, ``simplify``)
``checker``        :func:`check`: prepare, sample, prove, and the verdict
``steps``          :func:`check_steps` and :class:`StepsVerdict`
=================  ==========================================================================

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .._core import hooks as _hooks
from .checker import SizedVerdict as SizedVerdict
from .checker import check as check
from .steps import StepsVerdict as StepsVerdict
from .steps import check_steps as check_steps

_hooks.provide("check_steps", check_steps)

__all__ = ["SizedVerdict", "StepsVerdict", "check", "check_steps"]
