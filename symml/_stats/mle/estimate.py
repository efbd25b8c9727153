"""The :class:`MLE` derivation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from ..._core import ArgumentError, Derivation, Step, bad_argument
from .fisher import _fisher
from .fit import MLEFit, _fit
from .steps import _steps
from .stream import is_dask


class MLE(Derivation):
    r"""A maximum-likelihood derivation: estimators, score, information, and ``fit``.

    Built by :func:`mle`. ``.result`` is ``Eq(θ, θ̂)`` (a column of such
    equations for several parameters) when closed forms exist, otherwise
    the score equations ``Eq(∇ℓ, 0)`` that ``fit`` solves numerically.

    Attributes
    ----------
    params : tuple of Symbol
        The parameters estimated (``.wrt`` too).
    estimators : dict Symbol -> expression
        Closed forms over the sample ``x[i]``, ``i = 1..n``; empty when
        there is none for some parameter.
    log_likelihood : expression
        ``ℓ(θ)`` as split sums (sufficient statistics visible).
    score : Matrix
        The column ``∂ℓ/∂θ_j``.
    fisher_information : Matrix or None
        Per observation, ``-E[∂² log f]``; None where it does not apply
        (a parameter that sets the support, such as the ``θ`` of ``Uniform(0, θ)``).
    x, i, n : IndexedBase, Symbol, Symbol
        The sample, its index and its size, as they appear in the formulas.
    variable, log_density, discrete : Symbol, expression, bool
        One observation's Symbol, ``log f`` in it, and whether ``f`` is a pmf
        (what a plot of the model over the data needs).

    The private fields hold the analysed model, the sample's symbols, the
    solution of the score equations, the budget and a cache of compiled
    functions (a copy made with ``_with`` starts a fresh cache).
    """

    __slots__ = (
        "_budget",
        "_cache",
        "_model",
        "_sample",
        "_solution",
        "estimators",
        "i",
        "log_likelihood",
        "n",
        "params",
        "score",
        "x",
    )

    @property
    def variable(self) -> sp.Symbol | None:
        """The Symbol of one observation in :attr:`log_density` (None for vector data).

        Examples
        --------
        >>> import sympy as sp, sympy.stats as ss, symml
        >>> est = symml.mle(ss.Poisson("X", sp.Symbol("lambda", positive=True)))
        >>> est.variable, est.variable.is_integer
        (x, True)
        """
        return self._model.xs

    @property
    def log_density(self) -> sp.Expr:
        """``log f(x; θ)`` of one observation, expanded (``loggamma`` for Gamma factors).

        A function of :attr:`variable`, the parameters and the known constants,
        ready for :func:`symml.to_numpy`.

        Examples
        --------
        >>> import sympy as sp, sympy.stats as ss, symml
        >>> lam = sp.Symbol("lambda", positive=True)
        >>> symml.mle(ss.Exponential("X", lam)).log_density
        -lambda*x + log(lambda)
        """
        return self._model.logpdf

    @property
    def discrete(self) -> bool:
        """Whether observations are counts or categories (a pmf) rather than a density.

        Examples
        --------
        >>> import sympy as sp, sympy.stats as ss, symml
        >>> symml.mle(ss.Poisson("X", sp.Symbol("lambda", positive=True))).discrete
        True
        """
        return bool(self._model.support.discrete)

    @property
    def fisher_information(self) -> sp.Matrix | None:
        """Per-observation Fisher information ``-E[∂² log f / ∂θ ∂θᵀ]`` (built on first access)."""
        if "fisher" not in self._cache:
            self._cache["fisher"] = _fisher(self)
        return self._cache["fisher"][0]

    def _cached(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()``, computed once per derivation (compiled programs, Fisher matrices)."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def _make_steps(self) -> list[Step]:
        return _steps(self)

    def _with(self, **changes: Any) -> MLE:
        changes.setdefault("_cache", {})
        return super()._with(**changes)  # type: ignore[return-value]

    def fit(
        self,
        data: Any,
        *,
        known: Mapping[Any, float] | None = None,
        information: str = "expected",
    ) -> MLEFit:
        """Estimates, standard errors and Wald intervals for ``data``.

        Parameters
        ----------
        data : array-like, pandas Series or Dask array
            The observations (1-D). NaN, infinite values and values outside
            the support raise :class:`~symml.ArgumentError` naming them.
            The entries a NumPy masked array masks are missing values and
            are dropped (``[1, 2, --]`` is the sample ``[1, 2]``).
        known : mapping, optional
            Values of the parameters that are not estimated, keyed by name or
            Symbol (``known={"N": 10}`` for a Binomial).
        information : {"expected", "observed"}
            Standard errors from ``n`` times the Fisher information at the
            estimate (``"expected"``, the default; it falls back to the
            observed information when no Fisher information is available) or
            from the observed information ``-∇²ℓ(θ̂)`` (``"observed"``, what
            statsmodels reports).

        Numerics: closed forms are evaluated as written, sums first, inner
        sums before outer ones, so a variance is the centred two-pass
        ``Σ(x_i - x̄)²/n``, never ``Σx²/n - x̄²``. Without a closed form the
        log-likelihood is maximised from moment-based starting values
        (L-BFGS-B), then the root of the score is polished with
        ``scipy.optimize.root`` (analytic Jacobian); that search stops after
        the ``budget`` given to :func:`~symml.mle` (at least 1 s), with a note.
        Data near ``1e308`` or ``1e-320``, or far from zero relative to their
        spread, are fitted centred and scaled, and the estimates transformed
        back (module ``symml._stats.mle.standardise``).

        Dask arrays stream: a 1-D ``dask.array`` is never converted to NumPy.
        One pass reduces every block to its sums (and the count, mean and
        centred ``M2`` of centred sums of squares, merged pairwise with Chan's
        update, so the NumPy path's accuracy holds across blocks) and checks
        it (NaN, support); the estimates, Fisher information and intervals
        follow from those numbers. Works with the threaded scheduler and with
        ``dask.distributed``. Only closed-form estimators stream: a model
        that needs a numeric search (Gamma with both parameters, Student-t)
        or a sample median (Laplace) raises ArgumentError saying so.

        Boundaries: an estimate on an endpoint of the parameter space
        (``p = 0`` for Bernoulli data that are all 0) is returned when the
        likelihood is monotone towards it and finite there, with standard
        error 0, a note that the Wald interval degenerates, and the Wilson
        (proportions) or exact Garwood (Poisson) interval from ``conf_int``.
        A likelihood that grows without bound (``sigma -> 0`` on equal
        values, an unnormalised density) raises ArgumentError: no estimate
        exists.

        Warns
        -----
        StandardErrorWarning
            Standard errors that are NaN or inf, or an estimate that runs off
            to infinity (a Student-t ``nu`` on normal-looking data); the same
            text is in ``fit.notes``, as for the least-squares and logistic fits.

        Examples
        --------
        >>> import numpy as np
        >>> from symml import mle_catalog
        >>> mle_catalog("normal").fit(np.ma.masked_array([1.0, 2.0, 7.0], mask=[0, 0, 1])).params
        {'mu': 1.5, 'sigma': 0.5}
        >>> fit = mle_catalog("bernoulli").fit([0, 0, 0])
        >>> fit.params, fit.stderr
        ({'p': 0.0}, {'p': 0.0})
        >>> [round(v, 4) for v in fit.conf_int(0.95)["p"]]
        [0.0, 0.5615]
        """
        if is_dask(data) and type(self)._fit_data is not MLE._fit_data:
            raise ArgumentError(
                bad_argument(
                    "data",
                    f"<dask Array of shape {data.shape}>",
                    f"{type(self).__name__} fits do not stream; pass a NumPy array "
                    "(data.compute()) if it fits in memory",
                )
            )
        return self._fit_data(data, known, information)

    def _fit_data(self, data: Any, known: Mapping[Any, float] | None, information: str) -> MLEFit:
        """What :meth:`fit` does; a subclass with another kind of data overrides this."""
        return _fit(self, data, known, information)

    def __repr__(self) -> str:
        if self.estimators:
            inner = ", ".join(f"{p} = {e}" for p, e in self.estimators.items())
        else:
            inner = "no closed form; fit() solves the score numerically"
        return f"MLE({self._model.label}: {inner})"
