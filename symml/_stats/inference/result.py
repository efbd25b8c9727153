"""The numbers of a hypothesis test on data: :class:`TestResult`, :class:`ConfidenceInterval`."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from ..sample import (
    check_level,
)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------
class ConfidenceInterval(NamedTuple):
    """A confidence interval ``(low, high)``; one-sided ones have an infinite end."""

    low: float
    high: float


@dataclass(frozen=True)
class TestResult:
    """The numbers of a hypothesis test on data.

    Unpacks like scipy's and statsmodels' results: ``stat, p = result``.

    Attributes
    ----------
    statistic : float
        The test statistic (z, t or the likelihood ratio).
    pvalue : float
        The p-value for ``alternative``.
    df : float or None
        Degrees of freedom of the null distribution (None for a normal one).
    alternative : str
        ``"two-sided"``, ``"less"`` or ``"greater"``.
    level : float
        The confidence level of ``ci``.
    ci : ConfidenceInterval
        The interval obtained by inverting the test at ``level``; one-sided
        alternatives give a one-sided interval, as in scipy.
    estimate : float
        The estimate the test is about (a mean, a difference of means, a
        proportion, the MLE).
    stderr : float
        The standard error used in the statistic (nan where none is used).
    null_value : float
        The value of the parameter under the null hypothesis.
    nobs : int or tuple of int
        The number of observations (per sample for two samples).
    method : str
        The test, in words.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class

    statistic: float
    pvalue: float
    df: float | None
    alternative: str
    level: float
    ci: ConfidenceInterval
    estimate: float
    stderr: float
    null_value: float
    nobs: int | tuple[int, int]
    method: str
    _interval: Callable[[float], ConfidenceInterval] = field(repr=False, compare=False)

    def __iter__(self):
        yield self.statistic
        yield self.pvalue

    def confidence_interval(self, confidence_level: float | None = None) -> ConfidenceInterval:
        """The interval at another level (scipy's name); default: ``level``."""
        if confidence_level is None:
            return self.ci
        return self._interval(check_level(confidence_level, "confidence_level"))

    def _repr_latex_(self) -> str:
        """One line for notebooks and Notes: statistic, p-value and interval."""

        def num(v: float) -> str:
            if math.isinf(v):
                return r"\infty" if v > 0 else r"-\infty"
            return f"{v:.6g}"

        df = rf",\ \mathrm{{df}} = {num(self.df)}" if self.df is not None else ""
        return (
            rf"$\text{{{self.method}}}:\ \text{{statistic}} = {num(self.statistic)}{df},\ "
            rf"p = {num(self.pvalue)},\ {100 * self.level:g}\%\ \text{{interval}}\ "
            f"[{num(self.ci.low)}, {num(self.ci.high)}]$"
        )

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict (``ci_low``/``ci_high`` for the interval), e.g. for pandas."""
        return {
            "method": self.method,
            "statistic": self.statistic,
            "pvalue": self.pvalue,
            "df": self.df,
            "alternative": self.alternative,
            "estimate": self.estimate,
            "stderr": self.stderr,
            "null_value": self.null_value,
            "level": self.level,
            "ci_low": self.ci.low,
            "ci_high": self.ci.high,
            "nobs": self.nobs,
        }
