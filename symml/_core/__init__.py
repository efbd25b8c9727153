"""The foundation every other package builds on: errors, time budgets, ``Derivation``/``Step``,
``Verdict``, input conversion and sample points.

This ``__init__`` is the package's interface: other symml packages import from here,
never from its modules."""

from .budget import CHECK_BUDGET as CHECK_BUDGET
from .budget import DEFAULT_BUDGET as DEFAULT_BUDGET
from .budget import Deadline as Deadline
from .budget import as_budget as as_budget
from .budget import can_interrupt as can_interrupt
from .budget import run_with_budget as run_with_budget
from .budget import time_limit as time_limit
from .compat import renamed_keywords as renamed_keywords
from .derivation import Derivation as Derivation
from .derivation import Step as Step
from .derivation import as_sympy as as_sympy
from .errors import ArgumentError as ArgumentError
from .errors import BudgetExceededError as BudgetExceededError
from .errors import LatexError as LatexError
from .errors import NoClosedFormError as NoClosedFormError
from .errors import NotDifferentiableError as NotDifferentiableError
from .errors import ParseError as ParseError
from .errors import ShapeError as ShapeError
from .errors import SymmlError as SymmlError
from .errors import bad_argument as bad_argument
from .sampling import domain_of as domain_of
from .sampling import sample_arrays as sample_arrays
from .sampling import sample_points as sample_points
from .verdict import Verdict as Verdict
from .verdict import _fmt as fmt

__all__ = [
    "CHECK_BUDGET",
    "DEFAULT_BUDGET",
    "ArgumentError",
    "BudgetExceededError",
    "Deadline",
    "Derivation",
    "LatexError",
    "NoClosedFormError",
    "NotDifferentiableError",
    "ParseError",
    "ShapeError",
    "Step",
    "SymmlError",
    "Verdict",
    "as_budget",
    "as_sympy",
    "bad_argument",
    "can_interrupt",
    "domain_of",
    "fmt",
    "renamed_keywords",
    "run_with_budget",
    "sample_arrays",
    "sample_points",
    "time_limit",
]
