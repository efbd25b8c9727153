"""Specifications for ``check_steps`` on LaTeX chains and ``symml check-steps FILE``.

The corpus in ``tests/data/latex_chains/*.tex`` holds chains from the course (scalar
calculus, partial derivatives, sums in MLE derivations, matrix identities with
declared matrices), right and wrong; each block says which expression is the first
wrong one (``% expect: 3``; expressions are counted lhs = 0, then each right-hand side).
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
import sympy as sp

import symml
from symml import ArgumentError, ParseError, check_steps
from symml.cli import main

DATA = Path(__file__).parent / "data" / "latex_chains"
ISSUE_CHAIN = r"""
\begin{align*}
\frac{d}{dx}\left(x^2 \sin x\right) &= 2x\sin x + x^2\cos x \\
  &= x\left(2\sin x + x\cos x\right) \\
  &= 2x\sin x + x\cos x
\end{align*}"""


def _declared(spec: str) -> list[sp.Basic]:
    """``"sigma>0 X:3x2"`` → ``[Symbol('sigma', positive=True), MatrixSymbol('X', 3, 2)]``."""
    out: list[sp.Basic] = []
    for word in spec.split():
        if word.endswith(">0"):
            out.append(sp.Symbol(word[:-2], positive=True))
        else:
            name, shape = word.split(":")
            rows, cols = shape.split("x")
            out.append(sp.MatrixSymbol(name, int(rows), int(cols)))
    return out


def _corpus() -> list[tuple[str, str, dict[str, str]]]:
    cases = []
    for path in sorted(DATA.glob("*.tex")):
        if path.name.startswith("notes"):
            continue
        for block in path.read_text().split("% --- ")[1:]:
            title = block.splitlines()[0].strip()
            header = dict(re.findall(r"^% (\w+): (.*)$", block, flags=re.M))
            body = "\n".join(line for line in block.splitlines()[1:] if not line.startswith("%"))
            cases.append((f"{path.stem}: {title}", body.strip(), header))
    return cases


CORPUS = _corpus()


def test_the_corpus_is_large_and_holds_right_and_wrong_chains():
    expected = [header["expect"] for _, _, header in CORPUS]
    assert len(CORPUS) >= 40
    assert expected.count("ok") >= 20
    assert len(expected) - expected.count("ok") >= 20


@pytest.mark.parametrize(("title", "body", "header"), CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus_chain_is_judged_at_the_right_step(title, body, header):
    symbols = _declared(header.get("symbols", ""))
    functions = header.get("functions", "").split() or None
    v = check_steps(body, symbols=symbols or None, functions=functions)
    if header["expect"] == "ok":
        assert bool(v), v.message
        assert v.first_bad is None
    else:
        assert not v
        assert v.first_bad == int(header["expect"]), v.message
        assert v.verdicts[v.first_bad - 1].method != "inconclusive", v.message
        assert v.verdicts[v.first_bad - 1].counterexample is not None


# --------------------------------------------------------------------------- the issue
def test_the_issue_example_fails_at_its_third_expression_named_by_its_line():
    v = check_steps(ISSUE_CHAIN)
    assert (bool(v), v.first_bad) == (False, 3)
    assert v.lines == (3, 3, 4, 5)
    assert v.sources[3] == r"2x\sin x + x\cos x"
    assert v.message.startswith(r"step 3 (line 5: 2x\sin x + x\cos x) does not follow from step 2")
    # the counterexample is real: the two sides differ there
    bad = v.verdicts[2]
    (x,) = bad.counterexample
    at = bad.counterexample[x]
    step2 = x * (2 * sp.sin(x) + x * sp.cos(x))
    step3 = 2 * x * sp.sin(x) + x * sp.cos(x)
    assert abs(float((step2 - step3).subs(x, at))) > 1e-3


def test_the_first_two_steps_of_the_issue_example_hold():
    chain = ISSUE_CHAIN.replace(r"\\" + "\n  &= 2x\\sin x + x\\cos x", "")
    v = check_steps(chain)
    assert bool(v) and v.first_bad is None
    assert v.message == "all 2 steps hold"


@pytest.mark.parametrize(
    "wrapper",
    [
        lambda body: body,
        lambda body: f"$$ {body} $$",
        lambda body: f"\\[ {body} \\]",
        lambda body: (
            f"\\begin{{equation*}}\\begin{{aligned}} {body} \\end{{aligned}}\\end{{equation*}}"
        ),
        lambda body: f"\\begin{{align}} {body} \\label{{eq:1}} \\end{{align}}",
    ],
)
def test_every_display_environment_is_read(wrapper):
    body = r"(x+1)^2 &= x^2 + 2x + 1 \\ &= x(x + 2) + 1 \quad \text{(by expanding)}."
    v = check_steps(wrapper(body))
    assert bool(v) and len(v.verdicts) == 2


def test_a_row_without_equals_continues_the_expression_above():
    v = check_steps(r"(a + b)^3 &= a^3 + 3a^2 b \\ &\quad + 3ab^2 + b^3")
    assert bool(v) and len(v.chain) == 2


def test_a_new_left_side_starts_a_new_equality_in_the_same_chain():
    v = check_steps(r"a(b + c) &= ab + ac \\ (a+b)^2 &= a^2 + b^2")
    assert (bool(v), v.first_bad) == (False, 2)


def test_a_definition_is_not_checked_and_is_used_later():
    v = check_steps(r"L(\mu) &= (3 - \mu)^2 \\ L'(\mu) &= -2(3 - \mu)", functions=["L"])
    assert bool(v), v.message
    assert any("defines L" in note for note in v.notes)


def test_colon_equals_defines():
    v = check_steps(r"g(t) &:= t^3 \\ g'(t) &= 3t^2", functions=["g"])
    assert bool(v) and any("defines g" in note for note in v.notes)


def test_notes_report_ambiguous_readings():
    v = check_steps(r"x(1 - x) &= x - x^2")
    assert bool(v)
    assert any("read x(...) as multiplication" in n for n in v.notes)
    assert any("read x(...) as multiplication" in n for n in v.verdict.notes)


def test_a_declared_function_is_not_a_product():
    assert bool(check_steps(r"\frac{d}{dx} f(x)^2 &= 2 f(x) f'(x)", functions=["f"]))
    v = check_steps(r"\frac{d}{dx} f(x)^2 &= f'(x)^2", functions=["f"])
    assert (bool(v), v.first_bad) == (False, 1)


def test_the_list_form_still_works_and_refuses_functions():
    x = sp.Symbol("x", real=True)
    assert bool(check_steps([(x + 1) ** 2, x**2 + 2 * x + 1]))
    with pytest.raises(ArgumentError, match="functions"):
        check_steps([x, x], functions=["f"])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (r"x^2 + 1", "at least two expressions"),
        ("", "chain"),
        (r"&= x \\ &= x", "starts with '='"),
        (r"\frac{d}{dx} x^2 &= \input{secret}", "TeX programming"),
        (r"x &= {x", "never closed"),
    ],
)
def test_bad_chains_are_refused_with_the_reason(text, match):
    with pytest.raises((ParseError, ArgumentError), match=match):
        check_steps(text)


# --------------------------------------------------------------------------- the CLI
def run(argv):
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue()


def test_cli_on_a_tex_file_with_a_wrong_step(capsys):
    code, out = run(["check-steps", str(DATA / "notes.tex")])
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{DATA / 'notes.tex'}:7: the step holds"
    assert lines[1].startswith(f"{DATA / 'notes.tex'}:14: step 3 (line 14: 2x\\sin x + x\\cos x)")
    assert "at x = " in lines[1] and "but step 2 is" in lines[1]
    assert lines[2] == f"{DATA / 'notes.tex'}:17: all 2 steps hold"
    assert len(lines) == 3  # the definition f(x) = ... is not a chain


def test_cli_on_a_markdown_file_that_holds(tmp_path):
    code, out = run(["check-steps", str(DATA / "notes.md")])
    assert code == 0, out
    assert out.count("hold") >= 2
    assert "notes.md:" in out


def test_cli_on_a_notebook_reads_markdown_cells_only(tmp_path):
    code, out = run(["check-steps", str(DATA / "notes.ipynb")])
    assert code == 1, out
    assert re.search(r"notes\.ipynb:cell 3:\d+: step 1 ", out)
    assert "cell 2" not in out  # a code cell is never read


def test_cli_unreadable_input_exits_2_with_one_line(tmp_path, capsys):
    bad_json = tmp_path / "broken.ipynb"
    bad_json.write_text("{not json")
    assert main(["check-steps", str(bad_json)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symml check-steps: error:") and err.count("\n") == 1
    assert main(["check-steps", str(tmp_path / "missing.tex")]) == 2
    assert "cannot read" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("x")
    assert main(["check-steps", str(tmp_path / "notes.txt")]) == 2
    hostile = tmp_path / "hostile.tex"
    hostile.write_text("\\begin{align*} x &= \\input{/etc/passwd} \\end{align*}")
    assert main(["check-steps", str(hostile)]) == 2
    assert "could not be read" in capsys.readouterr().err
    unclosed = tmp_path / "unclosed.md"
    unclosed.write_text("$$ x = x")
    assert main(["check-steps", str(unclosed)]) == 2


def test_cli_file_without_chains_is_fine(tmp_path):
    plain = tmp_path / "plain.md"
    plain.write_text("# Notes\n\nInline $x$ only, and $$f(x) = x^2$$ a definition.\n")
    code, out = run(["check-steps", str(plain)])
    assert code == 0
    assert "no chains" in out


def test_facade_names_parse_latex():
    assert "parse_latex" in symml.__all__
    assert symml.parse_latex(r"x^2") == sp.Symbol("x", real=True) ** 2
    assert shutil is not None and json is not None


def test_setting_a_score_to_zero_is_an_equation_not_a_wrong_step():
    v = check_steps(
        r"""\begin{align*}
\ell(p) &= k\log p + (n - k)\log(1 - p) \\
\frac{d\ell}{dp} &= \frac{k}{p} - \frac{n-k}{1-p} = 0 \\
\implies \hat{p} &= \frac{k}{n}
\end{align*}"""
    )
    assert bool(v), v.message
    assert v.verdicts[2].method == "equation"
    assert any("'= 0' is read as an equation to solve" in note for note in v.notes)
    assert any(r"\hat{p} defines phat" in note for note in v.notes)


def test_a_zero_that_holds_is_checked_and_a_wrong_step_before_it_still_fails():
    v = check_steps(r"(x+1)^2 - x^2 - 2x - 1 &= 1 - 1 \\ &= 0")
    assert bool(v) and all(verdict.method != "equation" for verdict in v.verdicts)
    v = check_steps(r"(x+1)^2 - x^2 &= 2x \\ &= 0")
    assert (bool(v), v.first_bad) == (False, 1)


def test_an_implication_without_equals_is_skipped():
    v = check_steps(r"x^2 - 1 &= (x - 1)(x + 1) \implies x^2 > 1")
    assert bool(v) and len(v.verdicts) == 1
