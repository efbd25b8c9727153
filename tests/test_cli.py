"""Specifications for the ``symml`` command."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from attack_corpus import ATTACKS

from symml.cli import main


def run(argv, capsys=None):
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue()


def test_derive_gradient_text():
    code, out = run(["derive", "x**2*y + exp(x*y)", "--wrt", "x", "y"])
    assert code == 0
    assert out.startswith("gradient with respect to x, y (assuming x, y real)")
    assert "[sum rule]" in out
    assert out.rstrip().endswith("[[2*x*y + y*exp(x*y)], [x**2 + x*exp(x*y)]]")


def test_derive_hessian_latex():
    code, out = run(
        [
            "derive",
            "(1 - x)^2 + 100*(y - x^2)^2",
            "--wrt",
            "x",
            "y",
            "--hessian",
            "--format",
            "latex",
        ]
    )
    assert code == 0
    assert out.startswith("\\begin{align*}")
    assert (
        r"\left[\begin{matrix}1200 x^{2} - 400 y + 2 & - 400 x\\- 400 x & 200\end{matrix}\right]"
        in out
    )


def test_derive_numpy_shows_generated_code():
    code, out = run(["derive", "sin(x)*y", "--wrt", "x", "y", "--format", "numpy"])
    assert code == 0
    assert "cos(x)" in out and "def " in out


def test_derive_a_list_gives_the_jacobian():
    code, out = run(["derive", "[x*y, x + y]", "--wrt", "x", "y"])
    assert code == 0
    assert out.startswith("jacobian")


def test_check_equivalent_and_not():
    assert run(["check", "2*x*cos(x**2)", "Derivative(sin(x**2), x)"])[0] == 0
    code, out = run(["check", "-2*x*cos(x**2)", "Derivative(sin(x**2), x)"])
    assert code == 1
    assert out.startswith("not equivalent") and "x = " in out


def test_check_branch_mistake_real_symbols():
    code, out = run(["check", "sqrt(x**2)", "x"])
    assert code == 1 and "x = -" in out


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_corpus_exits_2_with_one_line_and_executes_nothing(
    attack, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    for argv in (["check", attack, "x"], ["derive", attack, "--wrt", "x"]):
        code, out = run(argv)
        err = capsys.readouterr().err
        assert code == 2, (attack, out)
        assert out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("symml "), err
    assert list(tmp_path.iterdir()) == []  # nothing was created by the attack


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["derive", "x**2"])
    assert exc.value.code == 2
    assert "--wrt" in capsys.readouterr().err
    code, _ = run(["derive", "x**2", "--wrt", "x y!"])
    assert code == 2


def test_demo_writes_notes(tmp_path):
    code, out = run(["demo", "--out", str(tmp_path / "d")])
    assert code == 0
    for heading in ("Gradient of the Rosenbrock", "Hessian", "NumPy", "hand derivation", "slip"):
        assert heading in out
    assert "not equivalent" in out and "step 2" in out
    tex = (tmp_path / "d" / "notes.tex").read_text()
    assert "\\begin{align*}" in tex and "\\end{document}" in tex
    assert (tmp_path / "d" / "notes.md").read_text().startswith("# symml demo")


def test_installed_entry_point_runs():
    exe = Path(sys.executable).with_name("symml")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "symml.cli"]
    proc = subprocess.run(
        [*cmd, "check", "__import__('os').system('echo pwned')", "x"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "pwned" not in proc.stdout
    assert proc.stderr.count("\n") == 1


def test_mle_prints_estimators_fisher_information_and_steps():
    code, out = run(["mle", "normal"])
    assert code == 0
    assert "[log-likelihood: the log of a product is the sum of the logs]" in out
    assert "  mu = Sum(x[i], (i, 1, n))/n\n" in out
    assert "Fisher information per observation:" in out and "2/sigma**2" in out
    code, out = run(["mle", "gamma"])
    assert code == 0 and "no closed form" in out
    code, out = run(["mle", "Poisson", "--format", "latex"])
    assert code == 0 and out.startswith("\\begin{align*}")
    code, out = run(["mle", "list"])
    assert code == 0 and "laplace" in out.split()


def test_mle_unknown_model_exits_2(capsys):
    code, _ = run(["mle", "nonsense"])
    assert code == 2
    assert "pick one of normal" in capsys.readouterr().err


# ------------------------------------------------- issue 12: errors are one line, exit 2
def _fails_in_one_line(argv, capsys) -> str:
    code, out = run(argv)
    err = capsys.readouterr().err
    assert code == 2, (argv, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"symml {argv[0]}: error: "), err
    return lines[0]


@pytest.mark.parametrize(
    ("claimed", "match"),
    [
        ("0.5**(10**3000)", "a power in '0.5\\*\\*\\(10\\*\\*3000\\)' is too large"),
        ("binomial(1/2, 10**400)", "binomial of numbers .* is too large"),
        ("[[1]] = 1", "the sides of .* are a 1x1 matrix and a scalar"),
        ("[[1]] = [[1, 2]]", "are a 1x1 matrix and a 1x2 matrix"),
        ("floor(sinh(1500))", "cannot be decided while parsing"),
        ("ceiling(sinh(2000))", "cannot be decided while parsing"),
        ("floor(sinh(100)**2 - cosh(1100)**2)", "cannot be decided while parsing"),
    ],
)
def test_check_of_hostile_input_exits_2_not_1(claimed, match, capsys):
    line = _fails_in_one_line(["check", claimed, "x"], capsys)
    assert re.search(match, line), line


def test_derive_results_with_huge_integers_print_their_ends_and_size(capsys):
    # Python's str refuses integers over 4300 digits: the printers shorten past 1000.
    code, out = run(["derive", "x**(10**3000)", "--wrt", "x", "--hessian"])
    assert code == 0 and len(out) < 2000
    hessian = "999999999999999...00000 (6000 digits)*x**999999999999999...99998 (3000 digits)"
    assert f"[[{hessian}]]" in out


def test_derive_integral_of_a_matrix_exits_2(capsys):
    line = _fails_in_one_line(["derive", "Integral([[x]], x)", "--wrt", "x"], capsys)
    assert "takes the Integral of a matrix" in line


def test_demo_checks_its_output_folder_before_the_tour(tmp_path, capsys):
    file = tmp_path / "taken"
    file.write_text("keep me")
    code, out = run(["demo", "--out", str(file)])
    assert code == 2 and out == ""  # refused before the tour ran
    assert "is a file, not a folder" in capsys.readouterr().err
    code, out = run(["demo", "--out", str(file / "sub")])
    assert code == 2 and out == ""
    assert "cannot create the folder" in capsys.readouterr().err
    assert file.read_text() == "keep me"


def test_notes_spec_size_is_capped(tmp_path, capsys, monkeypatch):
    start = time.monotonic()
    line = _fails_in_one_line(["notes", "/dev/zero", "-o", str(tmp_path / "n.md")], capsys)
    assert "longer than 1000000 bytes" in line
    assert time.monotonic() - start < 10
    monkeypatch.setattr(sys, "stdin", io.StringIO("show: x\n" * 200_000))
    line = _fails_in_one_line(["notes", "-", "-o", str(tmp_path / "n.md")], capsys)
    assert "'-' is longer than 1000000 bytes" in line
    assert list(tmp_path.iterdir()) == []


# -- symml app: the explorers as a web page ---------------------------------------------------


def test_app_serves_the_explorers_and_stops_on_ctrl_c():
    """``symml app`` prints the address; the page shows the explorers; SIGINT stops it all."""
    import importlib.util
    import os
    import signal
    import urllib.request

    if importlib.util.find_spec("voila") is None:
        if os.environ.get("CI"):
            pytest.fail("CI: symml app needs voila (pip install '.[browser]')")
        pytest.skip("symml app needs voila (pip install '.[browser]')")
    proc = subprocess.Popen(
        [sys.executable, "-m", "symml.cli", "app", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # printed once Voila listens
        match = re.search(r"at (http://127\.0\.0\.1:\d+/) \(Voila pid (\d+)\)", line)
        assert match, line
        url, voila = match.group(1), int(match.group(2))
        with urllib.request.urlopen(url, timeout=300) as page:  # runs the explorers
            html = page.read().decode("utf-8")
        assert page.status == 200 and "symml explorers" in html
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert "symml app: stopped" in rest
    with pytest.raises(ProcessLookupError):  # Voila (and its kernels) went with it
        for _ in range(50):
            os.kill(voila, 0)
            time.sleep(0.1)
