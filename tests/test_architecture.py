"""ARCHITECTURE.md stays true: it names every module, and its layers are the enforced ones."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "ARCHITECTURE.md").read_text()


def _modules() -> list[str]:
    out = []
    for path in sorted((ROOT / "symml").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "/tests/" in rel or (path.name == "__init__.py" and rel != "symml/__init__.py"):
            continue
        out.append(rel)
    return out


def test_every_module_is_on_the_map():
    missing = [m for m in _modules() if f"`{m}`" not in TEXT]
    assert not missing, f"ARCHITECTURE.md does not describe {missing}"


def test_the_map_names_no_module_that_is_gone():
    named = set(re.findall(r"`(symml/[\w/]+\.py)`", TEXT))
    gone = sorted(n for n in named if not (ROOT / n).exists())
    assert not gone, f"ARCHITECTURE.md names modules that do not exist: {gone}"


def test_the_layers_table_is_the_enforced_contract():
    config = (ROOT / "pyproject.toml").read_text()
    block = re.search(r"^layers = \[(.*?)^\]", config, re.S | re.M).group(1)
    layers = re.findall(r'"([^"]+)"', block)
    enforced = [sorted(layer.replace(" ", "").split("|")) for layer in layers]
    rows = re.findall(r"^\| (\d) \| `symml/(\w+)(?:/|\.py)` \|", TEXT, re.M)
    by_level: dict[int, list[str]] = {}
    for level, package in rows:
        by_level.setdefault(int(level), []).append(package)
    documented = [sorted(by_level[k]) for k in sorted(by_level, reverse=True)]
    assert documented == enforced
