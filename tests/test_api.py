"""The public surface: every exported name resolves; the README example runs."""

from __future__ import annotations

import re
from pathlib import Path

import symml

ROOT = Path(__file__).resolve().parents[1]


def test_all_names_resolve_and_are_unique():
    assert len(symml.__all__) == len(set(symml.__all__))
    for name in symml.__all__:
        assert getattr(symml, name) is not None, name


def test_error_tree():
    for name in (
        "ArgumentError",
        "ShapeError",
        "ParseError",
        "NotDifferentiableError",
        "NoClosedFormError",
        "BudgetExceededError",
    ):
        assert issubclass(getattr(symml, name), symml.SymmlError)


def test_readme_ten_line_example_runs():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Ten lines\n\n```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # our own README, not user text
    assert namespace["g"].verify()


def test_py_typed_marker_ships():
    assert (Path(symml.__file__).parent / "py.typed").exists()
