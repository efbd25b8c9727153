"""Fits on centred and scaled data: no lost digits near 1e308, 1e-320 or far from zero.

Sums such as ``Σ x_i`` overflow for values near ``1e308``, underflow to
denormals near ``1e-320``, and the closed forms of a location model lose every
digit when the data sit far from zero (``[1e8, 1e8 + 1, 1e8 + 2]`` in a cubic
score). When the direct fit fails or is at risk, the data are moved to
``y = (x - c) / s`` (``c`` the median, ``s`` a power of two near the spread,
so the scaling is exact) and fitted there. Going back needs to know how each
parameter moves with the data; that is *checked numerically*, not assumed:
the fit is repeated on ``y + 1`` and ``2 y``, and each parameter (estimate and
standard error) must behave as a location (``θ + 1``, ``2 θ``), a scale
(``θ``, ``2 θ``), a rate (``θ``, ``θ / 2``) or an invariant (``θ``, ``θ``).
If one does not, the transformation is not used and the direct result
stands. The log-likelihood moves by the Jacobian, ``ℓ_x = ℓ_y - n log s``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..._core import ArgumentError, SymmlError

if TYPE_CHECKING:
    from ..model import Model
    from .fit import MLEFit

# how each kind of parameter moves under x -> x + 1 and x -> 2 x
_KINDS: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "location": (lambda t: t + 1, lambda t: 2 * t),
    "scale": (lambda t: t, lambda t: 2 * t),
    "rate": (lambda t: t, lambda t: t / 2),
    "invariant": (lambda t: t, lambda t: t),
}
# and their standard errors (a location's moves like a scale)
_SE = {"location": "scale", "scale": "scale", "rate": "rate", "invariant": "invariant"}


def at_risk(arr: np.ndarray) -> bool:
    """Whether a direct fit on ``arr`` may overflow, underflow or cancel its digits.

    Two passes (``min``, ``max``), no sort: this runs before every fit. The data sit
    within ``spread`` of their midpoint, so "the spread is tiny against the midpoint"
    is the same test as against the median.

    Examples
    --------
    >>> at_risk(np.array([1.0, 2.0, 3.0])), at_risk(np.array([1e8, 1e8 + 1e-3]))
    (False, True)
    >>> at_risk(np.array([1e200, 2e200])), at_risk(np.array([np.nan, 1.0]))
    (True, False)
    """
    if arr.size == 0:
        return False
    lo, hi = float(np.min(arr)), float(np.max(arr))
    if not (math.isfinite(lo) and math.isfinite(hi)):  # NaN or inf: refused elsewhere
        return False
    big = max(abs(lo), abs(hi))
    if big == 0:
        return False
    if big > 1e150 or big < 1e-150:
        return True
    spread = hi - lo
    return 0 < spread < 1e-6 * abs(0.5 * lo + 0.5 * hi)


def _allowed(m: Model) -> tuple[bool, bool]:
    """Whether the support allows (centring, scaling): continuous, closed under them."""
    sup = m.support
    if sup.discrete or sup.values is not None or m.probs is not None:
        return False, False
    lo, hi = sup.lo, sup.hi
    if lo.free_symbols or hi.free_symbols:
        return False, False
    inf_lo, inf_hi = lo == -np.inf or lo.is_infinite, hi.is_infinite
    centre = bool(inf_lo and inf_hi)
    scale = bool((inf_lo or lo == 0) and (inf_hi or hi == 0))
    return centre, scale


def _candidates(m: Model, arr: np.ndarray) -> list[tuple[float, float]]:
    """``(c, s)`` pairs to try, most helpful first (``s`` a power of two)."""
    centre_ok, scale_ok = _allowed(m)
    with np.errstate(over="ignore"):
        spread = float(np.max(arr) - np.min(arr))  # inf for [1e308, -1e308]
    if not math.isfinite(spread):
        spread = 2.0 * float(np.max(np.abs(arr)))
        centre_ok = False
    big = float(np.max(np.abs(arr)))
    c = float(np.median(arr)) if centre_ok else 0.0
    size = spread if spread > 0 and centre_ok else big
    s = 2.0 ** round(math.log2(size)) if scale_ok and size > 0 and math.isfinite(size) else 1.0
    s = min(s, 2.0**1023)
    out = [(c, s), (c, 1.0), (0.0, s)]
    seen: list[tuple[float, float]] = []
    for pair in out:
        if pair != (0.0, 1.0) and pair not in seen:
            seen.append(pair)
    return seen


def _classify(base: float, shifted: float | None, doubled: float | None) -> set[str]:
    """The kinds consistent with ``base`` moving to ``shifted`` (y + 1) and ``doubled`` (2 y)."""

    def close(a: float, b: float) -> bool:
        return (
            math.isfinite(a) and math.isfinite(b) and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
        )

    kinds = set()
    for kind, (shift, double) in _KINDS.items():
        if shifted is not None and not close(shift(base), shifted):
            continue
        if doubled is not None and not close(double(base), doubled):
            continue
        kinds.add(kind)
    return kinds


def _kinds(fits: list[MLEFit | None], c: float, s: float) -> dict[str, str] | None:
    """A kind for every parameter, consistent for estimates and standard errors; or None."""
    base, shifted, doubled = fits
    if base is None or (c != 0 and shifted is None) or (s != 1 and doubled is None):
        return None
    out: dict[str, str] = {}
    for name, value in base.params.items():
        est = _classify(
            value,
            shifted.params[name] if shifted is not None else None,
            doubled.params[name] if doubled is not None else None,
        )
        se = _classify(
            base.stderr[name],
            shifted.stderr[name] if shifted is not None else None,
            doubled.stderr[name] if doubled is not None else None,
        )
        ok = [k for k in ("location", "scale", "rate", "invariant") if k in est and _SE[k] in se]
        ses = [f.stderr[name] for f in fits if f is not None]
        if not ok and est and (all(v == 0 for v in ses) or not any(map(math.isfinite, ses))):
            ok = [k for k in ("location", "scale", "rate", "invariant") if k in est]
        if not ok:
            return None
        out[name] = ok[0]
    return out


def _back(kind: str, value: float, c: float, s: float) -> float:
    if kind == "location":
        return s * value + c
    if kind == "scale":
        return s * value
    if kind == "rate":
        return value / s
    return value


def _factor(kind: str, s: float) -> float:
    return {"location": s, "scale": s, "rate": 1 / s, "invariant": 1.0}[kind]


def _transformed(base: MLEFit, kinds: dict[str, str], c: float, s: float, n: int) -> MLEFit:
    """``base`` (a fit on ``(x - c) / s``) moved back to the scale of ``x``."""
    from .fit import MLEFit

    f = np.array([_factor(kinds[name], s) for name in base.cov_names])
    with np.errstate(over="ignore"):  # near 1e308 a variance overflows float64
        cov = base.cov * f[:, None] * f[None, :] if base.cov.size else base.cov
    note = (
        f"solved on standardised data (x - {c:.17g}) / {s:g}, then transformed back "
        "(how each parameter moves with the data was checked numerically): "
        + ", ".join(f"{k} is a {v}" for k, v in kinds.items())
    )

    def intervals(level: float) -> dict:
        got = base._intervals(level) if base._intervals else {}
        return {k: tuple(sorted(_back(kinds[k], v, c, s) for v in pair)) for k, pair in got.items()}

    params = {k: _back(kinds[k], v, c, s) for k, v in base.params.items()}
    for k, v in params.items():
        if not math.isfinite(v) and math.isfinite(base.params[k]) and base.params[k] != 0:
            exponent = math.log10(abs(base.params[k])) + (-1 if kinds[k] == "rate" else 1) * (
                math.log10(s)
            )
            raise ArgumentError(
                f"the maximum-likelihood estimate of {k} is about 10^{exponent:.1f}, beyond the "
                "range of float64; rescale the data (e.g. x * 1e300) and transform the "
                "estimate back by hand"
            )
    return MLEFit(
        params,
        {k: abs(_factor(kinds[k], s)) * v for k, v in base.stderr.items()},
        cov,
        base.cov_names,
        base.n,
        base.method,
        base.information,
        converged=base.converged,
        notes=(*base.notes, note, *_overflow(cov)),
        loglike=lambda: base.loglike - n * math.log(s),
        intervals=intervals if base._intervals else None,
    )


def _overflow(cov: np.ndarray) -> tuple[str, ...]:
    if cov.size and not np.all(np.isfinite(cov)):
        return (
            "cov overflows float64 (inf entries) at this scale of the data; stderr is "
            "finite (it was computed on the standardised data); rescale the data for a usable cov",
        )
    return ()


def standardised_fit(
    m: Model, arr: np.ndarray, fit_array: Callable[[np.ndarray], MLEFit]
) -> MLEFit | None:
    """The fit on centred and scaled data, transformed back; None if no transformation works."""

    for c, s in _candidates(m, arr):
        y = (arr - c) / s
        fits: list[MLEFit | None] = []
        for data in (y, y + 1 if c != 0 else None, 2 * y if s != 1 else None):
            try:
                fits.append(None if data is None else fit_array(data))
            except SymmlError:
                fits.append(None)
        kinds = _kinds(fits, c, s)
        if kinds is None:
            continue
        base = fits[0]
        assert base is not None
        return _transformed(base, kinds, c, s, arr.shape[0])
    return None
