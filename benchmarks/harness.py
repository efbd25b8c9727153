"""The benchmark harness: candidates, timing with medians, and the ratio table.

A *benchmark* is one task (e.g. "Hessian of a 40-feature logistic loss") done by
one *subject* (symml's implementation) and several named *baselines* (plain
SymPy, SymEngine, hand-written NumPy...). Each candidate is timed on freshly
built inputs (``setup`` runs before every timed call, untimed), after a warmup
call on shared inputs (whose outputs the benchmark's ``check`` compares), and
the median over the repeats is reported with the ratio
``baseline median / symml median``: above 1 means symml is faster.

Times are printed, never asserted.

To add a benchmark, create ``benchmarks/bench_<topic>.py`` with a module-level
``BENCHMARKS`` list of :class:`Benchmark`; ``run.py`` discovers it.
"""

from __future__ import annotations

import statistics
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Candidate:
    """One way of doing a benchmark's task.

    ``run(inputs)`` does the work being timed and returns its output (kept for
    the benchmark's ``check``).
    """

    name: str
    run: Callable[[Any], Any]
    note: str = ""


@dataclass(frozen=True)
class Benchmark:
    """A task, symml's way of doing it, and the baselines it is compared with.

    Parameters
    ----------
    name, description
        Shown in the table.
    setup
        ``setup(tag, quick)`` builds the inputs of one timed call. ``tag`` is a
        fresh string per call: use it in symbol names so SymPy's global cache
        never serves a repeat from an earlier one (the way a notebook meets a
        new expression). ``quick`` asks for a smaller problem (CI smoke runs).
    subject
        symml's candidate; ratios are relative to it.
    baselines
        The named alternatives.
    check
        Optional ``check(outputs)`` called with ``{candidate name: output}``
        from the warmup calls, which all get the same inputs; it raises
        (e.g. AssertionError) if the outputs disagree.
    repeats
        Timed calls per candidate in a full run (a quick run does one).
    """

    name: str
    description: str
    setup: Callable[[str, bool], Any]
    subject: Candidate
    baselines: Sequence[Candidate]
    check: Callable[[Mapping[str, Any]], None] | None = None
    repeats: int = 5


@dataclass
class Timing:
    """Result of timing one candidate."""

    benchmark: str
    candidate: str
    is_subject: bool
    seconds: list[float] = field(default_factory=list)
    error: str | None = None
    output: Any = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


_tags = iter(range(10**9))


def _fresh_tag() -> str:
    return f"_b{next(_tags)}"


def time_candidate(
    bench: Benchmark, cand: Candidate, *, quick: bool, repeats: int | None = None
) -> Timing:
    """Time ``cand`` on ``bench``: one untimed warmup on shared inputs, then the repeats.

    The warmup's inputs come from ``setup("_check", quick)``, the same for every
    candidate, so its output is the one handed to the benchmark's check.
    """
    timing = Timing(bench.name, cand.name, cand is bench.subject)
    count = 1 if quick else (repeats or bench.repeats)
    try:
        timing.output = cand.run(bench.setup("_check", quick))
        for _ in range(count):
            inputs = bench.setup(_fresh_tag(), quick)
            start = time.perf_counter()
            cand.run(inputs)
            timing.seconds.append(time.perf_counter() - start)
    except Exception as exc:  # a broken candidate is reported, not fatal to the others
        timing.error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    return timing


def run_benchmark(
    bench: Benchmark, *, quick: bool, repeats: int | None = None
) -> tuple[list[Timing], str | None]:
    """Time every candidate of ``bench``; return the timings and a check failure, if any."""
    timings = [
        time_candidate(bench, cand, quick=quick, repeats=repeats)
        for cand in (bench.subject, *bench.baselines)
    ]
    failure = None
    if bench.check is not None and all(t.error is None for t in timings):
        try:
            bench.check({t.candidate: t.output for t in timings})
        except Exception as exc:
            failure = f"{type(exc).__name__}: {exc}"
    for t in timings:
        t.output = None  # free memory before the next benchmark
    return timings, failure


def agree(rtol: float, subject: str) -> Callable[[Mapping[str, Any]], None]:
    """A ``check``: every candidate's output equals the ``subject``'s within ``rtol``."""

    def check(outputs: Mapping[str, Any]) -> None:
        import numpy as np

        ours = np.asarray(outputs[subject])
        for name, theirs in outputs.items():
            np.testing.assert_allclose(ours, np.asarray(theirs), rtol=rtol, err_msg=name)

    return check


def _format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def format_table(bench: Benchmark, timings: Sequence[Timing]) -> str:
    """A plain-text table: candidate, median time, runs, ratio baseline / symml."""
    subject = next(t for t in timings if t.is_subject)
    lines = [f"{bench.name}: {bench.description}"]
    header = f"  {'candidate':<44} {'median':>10} {'runs':>5} {'ratio':>9}"
    lines += [header, "  " + "-" * (len(header) - 2)]
    for t in timings:
        if t.error is not None:
            lines.append(f"  {t.candidate:<44} {'error':>10}   {t.error}")
            continue
        if t.is_subject:
            ratio = "(symml)"
        elif subject.median:
            ratio = f"{t.median / subject.median:.2f}x"
        else:
            ratio = "-"
        lines.append(
            f"  {t.candidate:<44} {_format_seconds(t.median):>10} {len(t.seconds):>5} {ratio:>9}"
        )
    for cand in (bench.subject, *bench.baselines):
        if cand.note:
            lines.append(f"  note: {cand.name}: {cand.note}")
    return "\n".join(lines)
