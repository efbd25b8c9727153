"""How the benchmarks reach symml, with a stated fallback.

Benchmarks time the public API (``symml.hessian(f, ws).result``). While that is
not importable (e.g. the package is mid-refactor), they time the engine
underneath, ``symml._calculus.fastdiff.hessian_entries`` wrapped in an
``ImmutableMatrix``, loaded straight from its file; the table says which.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _load_fastdiff() -> Any:
    try:
        from symml._calculus import fastdiff as _fastdiff
    except Exception:
        spec = importlib.util.spec_from_file_location(
            "_symml_fastdiff_standalone", ROOT / "symml" / "_fastdiff.py"
        )
        assert spec is not None and spec.loader is not None
        _fastdiff = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_fastdiff)
    return _fastdiff


def hessian_callable() -> tuple[Callable[[Any, Any], Any], str, str]:
    """``(fn, label, note)``: ``fn(f, wrt)`` returns the Hessian as an ImmutableMatrix."""
    try:
        import symml

        public = symml.hessian
    except Exception as exc:
        import sympy

        fastdiff = _load_fastdiff()

        def engine(f: Any, wrt: Any) -> Any:
            return sympy.ImmutableMatrix(fastdiff.hessian_entries(f, wrt))

        reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:80]
        return engine, "symml._calculus.fastdiff.hessian_entries", f"symml.hessian unavailable ({reason})"

    def api(f: Any, wrt: Any) -> Any:
        return public(f, wrt).result

    return api, "symml.hessian(f, ws).result", "the public API"
