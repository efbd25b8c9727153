"""The multivariate Gaussian as a Derivation: density, marginals and conditionals with steps."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..._codegen import to_numpy
from ..._core import (
    CHECK_BUDGET,
    DEFAULT_BUDGET,
    ArgumentError,
    Deadline,
    Derivation,
    Step,
    Verdict,
    as_budget,
    bad_argument,
)
from ._checks import (
    _TRIES,
    as_covariance,
    as_indices,
    as_vector,
    draw_values,
    first_failure,
    is_spd,
    numeric_verdict,
    to_float,
)
from ._forms import Scalar, blocks, exact, generic, quad, simp

#: ``reference(values, points) -> log-densities``: the independent numbers verify() compares with.
Reference = Callable[[Mapping[sp.Basic, float], np.ndarray], np.ndarray]

_N = r"\mathcal{N}"


class Gaussian(Derivation):
    """A multivariate Gaussian ``N(x | mean, cov)``, derived; see :func:`gaussian`.

    Attributes
    ----------
    result : sympy.Expr
        The density, an expression in :attr:`x`.
    mean : ImmutableMatrix (k x 1)
    cov : ImmutableMatrix (k x k)
    x : ImmutableMatrix (k x 1)
        The variables, Symbols.
    log_pdf : sympy.Expr
        The log-density in :attr:`x`.
    """

    __slots__ = ("_deadline_s", "_reference", "cov", "log_pdf", "mean", "x")

    mean: sp.ImmutableMatrix
    cov: sp.ImmutableMatrix
    x: sp.ImmutableMatrix
    log_pdf: sp.Expr

    @property
    def dimension(self) -> int:
        """``k``, the number of variables."""
        return self.mean.rows

    def marginal(self, idx: Any) -> Gaussian:
        """The Gaussian of the entries ``idx`` (integrate out the others).

        Parameters
        ----------
        idx : int or sequence of int
            Indices into :attr:`x` (0-based), kept in the order given.

        Returns
        -------
        Gaussian
            ``N(x_a | mu_a, Sigma_aa)``: the sub-vector of the mean and the
            sub-block of the covariance.

        Examples
        --------
        >>> import sympy as sp, symml
        >>> G = symml.gaussian([1, 2, 3], sp.diag(1, 2, 3))
        >>> G.marginal([0, 2]).cov
        Matrix([
        [1, 0],
        [0, 3]])
        """
        a = as_indices(idx, self.dimension, "idx")
        rest = [i for i in range(self.dimension) if i not in a]
        mean = sp.ImmutableMatrix([self.mean[i] for i in a])
        cov = sp.ImmutableMatrix(self.cov.extract(a, a))
        x = sp.ImmutableMatrix([self.x[i] for i in a])
        parent = self

        def steps() -> list[Step]:
            return _marginal_steps(parent, a, rest, mean, cov)

        def reference(values: Mapping[sp.Basic, float], pts: np.ndarray) -> np.ndarray:
            from scipy.stats import multivariate_normal

            m, S = to_float(parent.mean, values).ravel(), to_float(parent.cov, values)
            return multivariate_normal(m[a], S[np.ix_(a, a)]).logpdf(pts)

        reference.symbols = _symbols(parent)  # type: ignore[attr-defined]
        return _build(mean, cov, x, steps, "marginal Gaussian", reference, self._deadline_s)

    def condition(self, given: Mapping[int, Any]) -> Gaussian:
        """The Gaussian of the other entries given values of some: the Schur complement.

        Parameters
        ----------
        given : dict
            ``{index: value}``; values are numbers or SymPy expressions.

        Returns
        -------
        Gaussian
            Over the remaining variables, with mean
            ``mu_a + Sigma_ab Sigma_bb^-1 (x_b - mu_b)`` and covariance
            ``Sigma_aa - Sigma_ab Sigma_bb^-1 Sigma_ba``.

        Examples
        --------
        >>> import sympy as sp, symml
        >>> G = symml.gaussian([0, 0], sp.Matrix([[1, sp.Rational(1, 2)], [sp.Rational(1, 2), 1]]))
        >>> C = G.condition({1: 2})
        >>> C.mean, C.cov
        (Matrix([[1]]), Matrix([[3/4]]))
        """
        if not isinstance(given, Mapping) or not given:
            raise ArgumentError(
                bad_argument("given", given, "give a dict {index: value}, e.g. {2: 1.5}")
            )
        b = as_indices(list(given), self.dimension, "given")
        if len(b) == self.dimension:
            raise ArgumentError(
                bad_argument("given", given, "leave at least one variable free to condition on")
            )
        keys = list(given)
        xb = sp.ImmutableMatrix([_value(given[k], k) for k in keys])
        a = [i for i in range(self.dimension) if i not in b]
        deadline = Deadline(self._deadline_s)
        S = self.cov
        Saa, Sab, Sbb = S.extract(a, a), S.extract(a, b), S.extract(b, b)
        mub = sp.ImmutableMatrix([self.mean[i] for i in b])
        gain = simp(Sab * exact(Sbb.inv, deadline, "inverting Sigma_bb"), deadline)
        mean = simp(sp.ImmutableMatrix([self.mean[i] for i in a]) + gain * (xb - mub), deadline)
        cov = simp(Saa - gain * Sab.T, deadline)
        x = sp.ImmutableMatrix([self.x[i] for i in a])
        parent = self

        def steps() -> list[Step]:
            return _condition_steps(parent, a, b, xb, mean, cov)

        def reference(values: Mapping[sp.Basic, float], pts: np.ndarray) -> np.ndarray:
            # log p(x_a | x_b) = log p(x_a, x_b) - log p(x_b): no Schur complement involved
            from scipy.stats import multivariate_normal

            m, C = to_float(parent.mean, values).ravel(), to_float(parent.cov, values)
            xb_num = to_float(xb, values).ravel()
            full = np.empty((pts.shape[0], parent.dimension))
            full[:, a], full[:, b] = pts, xb_num
            joint = multivariate_normal(m, C).logpdf(full)
            return joint - multivariate_normal(m[b], C[np.ix_(b, b)]).logpdf(xb_num)

        reference.symbols = _symbols(parent) | xb.free_symbols  # type: ignore[attr-defined]
        return _build(
            mean,
            cov,
            x,
            steps,
            "conditional Gaussian",
            reference,
            self._deadline_s,
            deadline=deadline,
        )

    def _make_steps(self) -> list[Step]:
        return _density_steps(self)


def _symbols(G: Gaussian) -> set[sp.Basic]:
    """The symbols of a Gaussian's parameters (what a check must give values to)."""
    return set(G.mean.free_symbols | G.cov.free_symbols)


def _value(v: Any, key: Any) -> sp.Expr:
    if isinstance(v, str):
        raise ArgumentError(bad_argument(f"given[{key}]", v, "give a number or SymPy expression"))
    try:
        return sp.sympify(v, strict=True)
    except (sp.SympifyError, TypeError) as exc:
        raise ArgumentError(
            bad_argument(f"given[{key}]", v, "give a number or SymPy expression")
        ) from exc


def gaussian(
    mean: Any, cov: Any, *, x: Sequence[sp.Symbol] | None = None, budget: float = DEFAULT_BUDGET
) -> Gaussian:
    """The multivariate Gaussian ``N(x | mean, cov)``, with its density and log-density.

    Parameters
    ----------
    mean : list, 1-D array or Matrix (k entries)
        Numbers or SymPy expressions.
    cov : Matrix (k x k)
        Symmetric positive definite: numbers are checked by their
        eigenvalues, symbolic entries by the leading minors whose sign SymPy
        can decide.
    x : sequence of k Symbols, optional
        The variables (default ``x_0, ..., x_{k-1}``, real).
    budget : float
        Seconds for the symbolic work (simplifying ``cov^-1`` and ``det``).

    Returns
    -------
    Gaussian
        ``.result`` is the density; ``.log_pdf``, ``.mean``, ``.cov``,
        ``.x``; ``.marginal(idx)``, ``.condition({i: value})``; ``.verify()``
        compares the log-density with ``scipy.stats.multivariate_normal``.

    Examples
    --------
    >>> import sympy as sp, symml
    >>> G = symml.gaussian([0], [[1]])
    >>> G.log_pdf
    -x_0**2/2 - log(2*pi)/2
    >>> bool(G.verify())
    True
    """
    seconds = as_budget(budget)
    m = as_vector(mean, "mean")
    deadline = Deadline(seconds)
    S = as_covariance(cov, m.rows, deadline)
    xs = _variables(x, m.rows)
    shared = sorted((m.free_symbols | S.free_symbols) & set(xs), key=str)
    if shared:
        raise ArgumentError(
            bad_argument("x", x, f"the variables {shared} also appear in mean or cov; rename them")
        )

    def reference(values: Mapping[sp.Basic, float], pts: np.ndarray) -> np.ndarray:
        from scipy.stats import multivariate_normal

        return multivariate_normal(to_float(m, values).ravel(), to_float(S, values)).logpdf(pts)

    return _build(
        m, S, sp.ImmutableMatrix(xs), None, "Gaussian", reference, seconds, deadline=deadline
    )


def _variables(x: Any, k: int) -> list[sp.Symbol]:
    if x is None:
        return list(sp.symbols(f"x_0:{k}", real=True))
    xs = list(x)
    if len(xs) != k or not all(isinstance(s, sp.Symbol) for s in xs) or len(set(xs)) != k:
        raise ArgumentError(bad_argument("x", x, f"give {k} distinct Symbols, one per entry"))
    return xs


def log_density(
    mean: sp.MatrixBase, cov: sp.MatrixBase, x: sp.MatrixBase, deadline: Deadline
) -> sp.Expr:
    """``-k/2 log 2pi - 1/2 log det cov - 1/2 (x - mean)^T cov^-1 (x - mean)``."""
    k = mean.rows
    inv = simp(exact(cov.inv, deadline, "inverting the covariance"), deadline)
    det = simp(exact(cov.det, deadline, "the determinant of the covariance"), deadline)
    r = x - mean
    q = sp.expand((r.T * inv * r)[0, 0])
    return -sp.Rational(k, 2) * sp.log(2 * sp.pi) - sp.log(det) / 2 - q / 2


def _build(
    mean: sp.ImmutableMatrix,
    cov: sp.ImmutableMatrix,
    x: sp.ImmutableMatrix,
    steps: Any,
    kind: str,
    reference: Reference,
    seconds: float,
    cls: type[Gaussian] = Gaussian,
    deadline: Deadline | None = None,
    **extra: Any,
) -> Any:
    """The Gaussian Derivation; ``deadline`` (default: a new one of ``seconds``) is the call's."""
    deadline = Deadline(seconds) if deadline is None else deadline
    lp = log_density(mean, cov, x, deadline)
    return cls(
        sp.exp(lp),
        steps,
        assumptions=[f"cov = {cov.tolist()} symmetric positive definite"],
        kind=kind,
        source=None,
        wrt=tuple(x),
        verifier=verify_gaussian,
        _deadline_s=seconds,
        _reference=reference,
        cov=cov,
        log_pdf=lp,
        mean=mean,
        x=x,
        **extra,
    )


# -- steps ---------------------------------------------------------------------------------
def _density_steps(G: Gaussian) -> list[Step]:
    k = G.dimension
    xg, mg, Sg = generic(k)
    pdf = (
        (2 * sp.pi) ** sp.Rational(-k, 2)
        * sp.Determinant(Sg) ** sp.Rational(-1, 2)
        * sp.exp(-quad(xg - mg, Sg.I) / 2)
    )
    log = (
        -sp.Rational(k, 2) * sp.log(2 * sp.pi)
        - sp.log(sp.Determinant(Sg)) / 2
        - quad(xg - mg, Sg.I) / 2
    )
    return [
        Step(
            pdf, f"definition of the {k}-variate Gaussian density", lhs=rf"{_N}(x \mid \mu, \Sigma)"
        ),
        Step(G.result, f"with mu = {G.mean.T.tolist()[0]}, Sigma = {G.cov.tolist()}"),
        Step(log, "take logs", lhs=rf"\log {_N}(x \mid \mu, \Sigma)"),
        Step(G.log_pdf, "with the numbers; the quadratic form expanded"),
    ]


def _partition(G: Gaussian, a: list[int], b: list[int]) -> tuple[dict[str, Any], list[Step]]:
    blk = blocks(len(a), len(b))
    part = sp.BlockMatrix([[blk["S_aa"], blk["S_ab"]], [blk["S_ba"], blk["S_bb"]]])
    xa = ", ".join(str(G.x[i]) for i in a)
    xb = ", ".join(str(G.x[i]) for i in b)
    return blk, [
        Step(part, f"partition x into x_a = ({xa}) and x_b = ({xb})", lhs=sp.Symbol("Sigma")),
        Step(G.cov.extract(a + b, a + b), "the blocks, x_a first"),
    ]


def _marginal_steps(G: Gaussian, a: list[int], b: list[int], mean: Any, cov: Any) -> list[Step]:
    if not b:
        return [
            Step(
                cov,
                "every variable kept: the marginal is the Gaussian itself",
                lhs=sp.Symbol("Sigma"),
            )
        ]
    blk, steps = _partition(G, a, b)
    tail = [
        Step(
            blk["mu_a"],
            "integrate out x_b: the marginal of a Gaussian is Gaussian, N(x_a | mu_a, Sigma_aa)",
            lhs=r"\mathbb{E}[x_a]",
        ),
        Step(mean, "the entries of the mean that are kept"),
        Step(blk["S_aa"], "its covariance is the x_a block", lhs=r"\operatorname{Cov}[x_a]"),
        Step(cov, "the kept rows and columns of Sigma"),
    ]
    return steps + tail


def _condition_steps(
    G: Gaussian, a: list[int], b: list[int], xb: Any, mean: Any, cov: Any
) -> list[Step]:
    blk, steps = _partition(G, a, b)
    xa_, xb_, mua, mub = blk["x_a"], blk["x_b"], blk["mu_a"], blk["mu_b"]
    Laa, Lab = blk["L_aa"], blk["L_ab"]
    Saa, Sab, Sba, Sbb = blk["S_aa"], blk["S_ab"], blk["S_ba"], blk["S_bb"]
    exponent = -quad(xa_ - mua, Laa) / 2 - Scalar((xa_ - mua).T * Lab * (xb_ - mub))
    square = (-quad(xa_ - mua + Laa.I * Lab * (xb_ - mub), Laa) / 2).xreplace(
        {sp.Transpose(Laa): Laa}
    )
    return [
        *steps,
        Step(
            exponent,
            "the exponent -1/2 (x-mu)^T Lambda (x-mu) with Lambda = Sigma^-1, "
            "keeping the terms in x_a",
            lhs=r"\log p(x_a \mid x_b) + \text{const}",
        ),
        Step(square, "complete the square in x_a"),
        Step(mua - Laa.I * Lab * (xb_ - mub), "read off the mean", lhs=r"\mu_{a \mid b}"),
        Step(
            mua + Sab * Sbb.I * (xb_ - mub),
            "Schur complement: -Lambda_aa^-1 Lambda_ab = Sigma_ab Sigma_bb^-1",
        ),
        Step(mean, f"with x_b = {list(xb)}"),
        Step(Laa.I, "read off the covariance", lhs=r"\Sigma_{a \mid b}"),
        Step(
            Saa - Sab * Sbb.I * Sba,
            "Schur complement of Sigma_bb: Lambda_aa^-1 = Sigma_aa - Sigma_ab Sigma_bb^-1 Sigma_ba",
        ),
        Step(cov, "with the numbers"),
    ]


# -- verification --------------------------------------------------------------------------
def verify_gaussian(
    G: Gaussian, *, seed: int = 0, points: int = 16, budget: float = CHECK_BUDGET
) -> Verdict:
    """The log-density against an independent reference at seeded random points.

    The reference is ``scipy.stats.multivariate_normal`` (a Gaussian; a
    marginal from the parent's blocks), ``log p(x_a, x_b) - log p(x_b)`` of
    the parent (a conditional) or the product of the two factors (a product).
    Symbols in the parameters get seeded random values for which the
    covariance is positive definite.
    """
    as_budget(budget)
    extra = getattr(G._reference, "symbols", set())
    params = sorted((G.log_pdf.free_symbols | extra) - set(G.x), key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    f = to_numpy(G.log_pdf, [*G.x, *params])
    verdicts = []
    for _ in range(_TRIES):
        if len(verdicts) >= (3 if params else 1):
            break
        values = draw_values(params, rng)
        cov = to_float(G.cov, values)
        if not is_spd(cov):
            continue
        mean = to_float(G.mean, values).ravel()
        pts = mean + rng.standard_normal((points, G.dimension)) @ np.linalg.cholesky(cov).T
        try:
            expected = np.asarray(G._reference(values, pts), dtype=float).reshape(points)
        except (ValueError, np.linalg.LinAlgError):
            continue
        claimed = np.broadcast_to(
            np.asarray(f(*pts.T, *(values[p] for p in params)), dtype=float), (points,)
        )
        verdicts.append(
            numeric_verdict(claimed, expected, f"log-density vs {G.kind} reference", points=points)
        )
    if not verdicts:
        return Verdict(
            False,
            "inconclusive",
            claimed=G.result,
            notes=("inconclusive: no parameter values made the covariance positive definite",),
        )
    return first_failure(verdicts, G.result)
