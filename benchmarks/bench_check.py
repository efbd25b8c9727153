"""``check`` on 30 typical claims, piecewise ones included, against plain ``simplify``.

* ``check-30-claims``: ``symml.check(claimed, expected)`` on each of 30 claims a
  student checks (derivatives, identities, logistic and softplus algebra, and
  piecewise machine-learning claims: ReLU, leaky ReLU, hinge, Huber, clipping,
  ``Abs``/``Max``/``Min``/``floor``/``Heaviside``), right and wrong, against the
  named baseline ``sympy.simplify(claimed - expected) == 0`` on the same claims
  (derivatives evaluated first; it says nothing about *where* a claim fails, and
  it cannot prove most piecewise identities). Goals from issue 16: ``check``'s
  median under 50 ms and its worst claim under 2 s.

The output check: every verdict is right, and every correct piecewise identity is
*proved* (``verdict.proved``), not only sampled.

Run alone for the per-claim table, the median, the worst claim and the ratio::

    .venv/bin/python benchmarks/bench_check.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp
from harness import Benchmark, Candidate

Claim = tuple[str, Any, Any, bool, bool]  # name, claimed, expected, equivalent, piecewise


def claims(tag: str = "") -> list[Claim]:
    """The 30 claims, with symbol names carrying ``tag`` (a fresh SymPy cache per call)."""
    x, y, w, b, z = sp.symbols(f"x{tag} y{tag} w{tag} b{tag} z{tag}", real=True)
    p, q = sp.symbols(f"p{tag} q{tag}", positive=True)
    sig = 1 / (1 + sp.exp(-z))
    d = sp.Derivative

    def huber(delta: Any) -> sp.Expr:
        return sp.Piecewise(
            (x**2 / 2, sp.Abs(x) <= delta), (delta * sp.Abs(x) - delta**2 / 2, True)
        )

    def clip(e: Any, lo: Any, hi: Any) -> sp.Expr:
        return sp.Min(sp.Max(e, lo), hi)

    relu_grad = sp.Piecewise((1, x > 0), (0, True))
    hinge = sp.Max(0, 1 - y * (w * x + b))
    return [
        ("chain rule", d(sp.sin(x**2), x), 2 * x * sp.cos(x**2), True, False),
        ("chain rule, sign slip", d(sp.sin(x**2), x), -2 * x * sp.cos(x**2), False, False),
        ("Pythagoras", sp.sin(x) ** 2 + sp.cos(x) ** 2, 1, True, False),
        ("square of a sum", (x + 1) ** 2, x**2 + 2 * x + 1, True, False),
        ("exp of a sum", sp.exp(x) * sp.exp(y), sp.exp(x + y), True, False),
        ("log of a product", sp.log(p * q), sp.log(p) + sp.log(q), True, False),
        ("sqrt of a square", sp.sqrt(x**2), x, False, False),
        ("sigmoid'", d(sig, z), sig * (1 - sig), True, False),
        ("softplus'", d(sp.log(1 + sp.exp(z)), z), sig, True, False),
        ("tanh'", d(sp.tanh(x), x), 1 - sp.tanh(x) ** 2, True, False),
        ("power rule slip", d(x**3, x), 3 * x, False, False),
        ("squared error'", d((w * x - y) ** 2, w), 2 * x * (w * x - y), True, False),
        (
            "cross-entropy'",
            d(-(y * sp.log(sig) + (1 - y) * sp.log(1 - sig)), z),
            sig - y,
            True,
            False,
        ),
        ("Gaussian score", d(-((x - w) ** 2) / (2 * p**2), w), (x - w) / p**2, True, False),
        ("issue: Max past 100", sp.Max(x, 100) - 100 + x, x, False, True),
        ("issue: clipping at 1000", sp.Min(x, 1000) * y, x * y, False, True),
        (
            "issue: Huber' past 400",
            d(huber(400), x),
            sp.Piecewise((x, sp.Abs(x) <= 400), (401 * sp.sign(x), True)),
            False,
            True,
        ),
        ("ReLU' = Heaviside", d(sp.Max(x, 0), x), sp.Heaviside(x), True, True),
        ("ReLU' = step", d(sp.Max(x, 0), x), relu_grad, True, True),
        ("ReLU = (x+|x|)/2", sp.Max(x, 0), (x + sp.Abs(x)) / 2, True, True),
        (
            "leaky ReLU'",
            d(sp.Max(x, x / 100), x),
            sp.Piecewise((1, x > 0), (sp.Rational(1, 100), True)),
            True,
            True,
        ),
        ("leaky ReLU' slip", d(sp.Max(x, x / 100), x), relu_grad, False, True),
        (
            "hinge subgradient",
            d(hinge, w),
            sp.Piecewise((-y * x, y * (w * x + b) < 1), (0, True)),
            True,
            True,
        ),
        (
            "hinge margin slip",
            d(hinge, w),
            sp.Piecewise((-y * x, y * (w * x + b) < 0), (0, True)),
            False,
            True,
        ),
        ("Huber' = clip", d(huber(1), x), clip(x, -1, 1), True, True),
        ("clip range slip", clip(x, -1, 1000), clip(x, -1, 1), False, True),
        ("|x| = Max(x, -x)", sp.Abs(x), sp.Max(x, -x), True, True),
        ("Min + Max", sp.Min(x, y) + sp.Max(x, y), x + y, True, True),
        ("floor + frac", sp.floor(x) + sp.frac(x), x, True, True),
        ("floor far out", sp.floor(x / 1000), 0, False, True),
    ]


def _evaluated(e: Any) -> Any:
    return e.doit() if isinstance(e, sp.Basic) else e


def _symml_one(claim: Claim) -> Any:
    import symml

    return symml.check(claim[1], claim[2])


def _simplify_one(claim: Claim) -> bool:
    return sp.simplify(_evaluated(claim[1]) - _evaluated(claim[2])) == 0


def _setup(tag: str, quick: bool) -> list[Claim]:
    found = claims(tag)
    return found[::5] if quick else found


def _run_all(one: Callable[[Claim], Any]) -> Callable[[list[Claim]], list[Any]]:
    return lambda batch: [one(c) for c in batch]


def _check_outputs(outputs: Mapping[str, Any]) -> None:
    verdicts = outputs["symml.check"]
    batch = _setup("_check", len(verdicts) < 30)
    for claim, verdict in zip(batch, verdicts, strict=True):
        name, _, _, equivalent, piecewise = claim
        assert bool(verdict) is equivalent, f"{name}: {verdict}"
        if equivalent and piecewise:
            assert verdict.proved, f"{name} is only sampled: {verdict}"


BENCHMARKS = [
    Benchmark(
        name="check-30-claims",
        description="check() on 30 typical claims (14 piecewise-free, 16 piecewise), in sequence",
        setup=_setup,
        subject=Candidate("symml.check", _run_all(_symml_one)),
        baselines=[
            Candidate(
                "simplify(a - b) == 0",
                _run_all(_simplify_one),
                "plain SymPy: a proof or nothing, no counterexample",
            )
        ],
        check=_check_outputs,
        repeats=3,
    )
]


def _time(one: Callable[[Claim], Any], claim: Claim) -> tuple[float, Any]:
    start = time.perf_counter()
    out = one(claim)
    return time.perf_counter() - start, out


def main() -> None:
    """Per-claim times of ``check`` and the baseline, their medians and worst cases."""
    import symml

    symml.check(sp.Symbol("warm") + 1, 1 + sp.Symbol("warm"))
    _simplify_one(claims("_warm")[2])
    rows = []
    for k, claim in enumerate(claims("_t")):
        t_check, verdict = _time(_symml_one, claim)
        t_base, proved = _time(_simplify_one, claims(f"_s{k}")[k])
        rows.append((claim[0], t_check, t_base, verdict, proved))
        print(f"{claim[0]:28s} {1e3 * t_check:8.1f} ms  {1e3 * t_base:8.1f} ms  {verdict}")
    checks = [r[1] for r in rows]
    bases = [r[2] for r in rows]
    worst = max(rows, key=lambda r: r[1])
    print(
        f"\ncheck: median {1e3 * statistics.median(checks):.1f} ms, worst "
        f"{1e3 * worst[1]:.0f} ms ({worst[0]}); goals: median < 50 ms, worst < 2 s"
    )
    print(
        f"baseline simplify(a - b) == 0: median {1e3 * statistics.median(bases):.1f} ms, "
        f"worst {1e3 * max(bases):.0f} ms; proves {sum(bool(r[4]) for r in rows)} of 30"
    )
    print(
        f"ratio = baseline median / check median = "
        f"{statistics.median(bases) / statistics.median(checks):.2f} (above 1: check is faster)"
    )
    right = sum(bool(r[3]) is c[3] for r, c in zip(rows, claims(), strict=True))
    print(f"check's verdicts right: {right} of 30")


if __name__ == "__main__":
    main()
