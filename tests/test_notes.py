"""Specifications for Notes, the LaTeX compile test and ``symml notes`` (issue 7).

pdflatex and pdftoppm are required (``.ci/run`` installs them): the compile
tests fail, never skip, without them. Only modules that do not exist yet
(matrix calculus, likelihoods) are skipped.
"""

from __future__ import annotations

import io
import re
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
import sympy as sp
from attack_corpus import ATTACKS

import symml
from symml import Derivation, LatexError, Notes, Step, Verdict, expit, to_latex
from symml.cli import main, notes_from_spec

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_SPEC = ROOT / "docs" / "notes-example.spec"

x, y, z = sp.symbols("x y z", real=True)
t = sp.Symbol("t", real=True)
A, B = sp.MatrixSymbol("A", 3, 3), sp.MatrixSymbol("B", 3, 3)
v = sp.MatrixSymbol("v", 3, 1)
i, n = sp.symbols("i n", integer=True, positive=True)


def run(argv):
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue()


class CompileError(Exception):
    """pdflatex failed on a document; the message holds LaTeX's error lines."""


def pdflatex(tex: str, timeout: float = 120) -> tuple[bytes, str]:
    """Compile a LaTeX document in a fresh folder: the PDF and LaTeX's log (its warnings)."""
    with tempfile.TemporaryDirectory(prefix="symml-test-") as folder:
        Path(folder, "doc.tex").write_text(tex, encoding="utf-8")
        proc = subprocess.run(
            [
                "pdflatex",
                "-halt-on-error",
                "-interaction=nonstopmode",
                "-no-shell-escape",
                "doc.tex",
            ],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        log_file, pdf = Path(folder, "doc.log"), Path(folder, "doc.pdf")
        log = log_file.read_text(errors="replace") if log_file.exists() else str(proc.stdout)
        if proc.returncode or not pdf.exists():
            errors = [line for line in log.splitlines() if line.startswith("!")]
            raise CompileError("; ".join(errors) or log[-2000:])
        return pdf.read_bytes(), log


def notes_with(obj) -> Notes:
    notes = Notes("One block")
    notes.add(obj)
    return notes


def markdown_blocks(md: str) -> list[str]:
    return re.findall(r"\$\$\n(.*?)\n\$\$", md, flags=re.DOTALL)


# ---------------------------------------------------------------------------
# The corpus: every LaTeX-producing function on results of every module
# ---------------------------------------------------------------------------
class _Fit:
    """Stands in for a fit result: anything with ``_repr_latex_``."""

    def _repr_latex_(self) -> str:
        return r"$\hat{\mu} = 1.5,\ \hat{\sigma}^{2} = 0.25$"


def corpus() -> list[tuple[str, object, dict]]:
    """(name, object, Notes.add keywords): scalar calculus, checks, SymPy objects."""
    rosenbrock = (1 - x) ** 2 + 100 * (y - x**2) ** 2
    chain = [
        sp.Derivative(x * sp.exp(2 * x), x),
        sp.exp(2 * x) + x * sp.Derivative(sp.exp(2 * x), x),
        sp.exp(2 * x) + x * sp.exp(2 * x),  # the chain rule's 2 is lost
        (1 + x) * sp.exp(2 * x),
    ]
    g = symml.gradient(rosenbrock, [x, y])
    return [
        ("gradient", g, {"text": "Rosenbrock's function, 100% classic: a_1 & b_2 ~ #1."}),
        ("gradient, sigmoid", symml.gradient(expit(x * y) * sp.log(1 + x**2), [x, y]), {}),
        ("gradient, long source", symml.gradient(sp.expand((x + y + z + 1) ** 4), [x, y, z]), {}),
        ("hessian, labelled", symml.hessian(rosenbrock, [x, y]), {"label": "eq:hess"}),
        (
            "hessian, 3 x 3",
            symml.hessian(sp.sqrt(x**2 + y**2 + 1) * sp.exp(-z) + x * y * z, [x, y, z]),
            {},
        ),
        ("jacobian", symml.jacobian([x * y * sp.exp(z), sp.sin(x + y + z), x / y], [x, y, z]), {}),
        ("taylor", symml.taylor(sp.exp(x) * sp.cos(y), [x, y], {x: 0, y: 0}, order=4), {}),
        ("taylor, 1 variable", symml.taylor(sp.log(x), x, {x: 1}, order=3), {}),
        ("critical points", symml.critical_points(x**3 - 3 * x + y**2, [x, y]), {}),
        ("verify", g.verify(), {}),
        (
            "check, equivalent",
            symml.check(2 * x * sp.cos(x**2), sp.Derivative(sp.sin(x**2), x)),
            {},
        ),
        (
            "check, counterexample",
            symml.check(-2 * x * sp.cos(x**2), sp.Derivative(sp.sin(x**2), x)),
            {"text": "A sign slip: $f'(x) = -2x\\cos(x^2)$?"},
        ),
        ("check, branch", symml.check(sp.sqrt(x**2), x), {}),
        (
            "check, matrix entry",
            symml.check(sp.Matrix([[x, 1], [2, y]]), sp.Matrix([[x, 1], [2, -y]])),
            {},
        ),
        ("check_steps, bad step", symml.check_steps(chain), {"heading": "A slip, found"}),
        ("check_steps, all hold", symml.check_steps([(x + 1) ** 2, x**2 + 2 * x + 1]), {}),
        ("steps verdict", symml.check_steps(chain).verdict, {}),
        (
            "derivation by hand",
            Derivation(
                2 * x, [Step(sp.Derivative(x**2, x), "definition"), Step(2 * x, "power rule")]
            ),
            {},
        ),
        ("long sum", sp.expand((x - y + 2 * z + 1) ** 6), {"label": "eq:long"}),
        ("equation", sp.Eq(sp.Symbol("w"), sp.Rational(1, 2) * (x + y)), {}),
        (
            "matrix expressions",
            sp.Trace(A.T * B) + sp.log(sp.Determinant(A)),
            {},
        ),
        ("quadratic form", v.T * sp.Inverse(A) * v, {}),
        ("hadamard", sp.HadamardProduct(A, B.T) + sp.HadamardPower(A, 2), {}),
        ("elementwise sigmoid", (A * v).applyfunc(expit), {}),
        ("ones", sp.OneMatrix(3, 1).T * v, {}),
        ("sum", sp.Sum(sp.log(sp.IndexedBase("x")[i]) ** 2, (i, 1, n)) / n, {}),
        ("matrix", sp.Matrix([[1, x], [y, 2]]), {}),
        ("mapping", {x: 1.5, y: sp.Rational(1, 3)}, {}),
        ("fit", _Fit(), {}),
    ]


def notes_of(items, **kwargs) -> Notes:
    notes = Notes("The compile corpus: 100% of symml's LaTeX", author="symml's tests", **kwargs)
    for name, obj, kw in items:
        kw = dict(kw)
        notes.add(obj, kw.pop("heading", name), **kw)
    return notes


def fragments(items) -> list[tuple[str, str]]:
    """Every way to get LaTeX for each object, each made into a display or a paragraph."""
    out = []
    for name, obj, _ in items:
        notes = notes_with(obj)
        out.append((f"{name}: notes block", notes.block_tex(0)))
        out += [
            (f"{name}: markdown display {k}", rf"\[{block}\]")
            for k, block in enumerate(markdown_blocks(notes.to_markdown()))
        ]
        if isinstance(obj, Derivation):
            out += [
                (f"{name}: latex", obj.latex()),
                (f"{name}: bold, numbered", obj.latex(bold=True, number=True)),
                (f"{name}: _repr_latex_", obj._repr_latex_()),
                (f"{name}: markdown", r"\[" + obj.markdown().split("$$")[1] + r"\]"),
            ]
        elif isinstance(obj, Verdict):
            out += [
                (f"{name}: to_latex", f"\\[{to_latex(obj)}\\]"),
                (f"{name}: _repr_latex_", obj._repr_latex_()),
            ]
        elif isinstance(obj, symml.StepsVerdict):
            out += [(f"{name}: to_latex", to_latex(obj))]
        elif isinstance(obj, sp.Basic):
            out += [(f"{name}: to_latex bold", f"\\[{to_latex(obj, bold=True)}\\]")]
    return out


def compile_blocks(blocks: list[tuple[str, str]]) -> tuple[bytes, str]:
    """Compile all blocks in one document; on failure, name the blocks that fail alone."""
    head, _ = Notes("Blocks").to_tex().split("\\end{document}")

    def document(parts):
        return head + "\n\n".join(parts) + "\n\\end{document}\n"

    try:
        return pdflatex(document(tex for _, tex in blocks))
    except CompileError as exc:
        bad = []
        for name, tex in blocks:
            try:
                pdflatex(document([tex]))
            except CompileError as inner:
                bad.append(f"{name}: {inner}")
        pytest.fail("these blocks do not compile:\n" + ("\n".join(bad) or str(exc)))


def overfull(log: str) -> list[float]:
    return [float(w) for w in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]


@pytest.fixture(scope="module")
def items():
    return corpus()


@pytest.fixture(scope="module")
def corpus_pdf(items, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "corpus.pdf"
    return notes_of(items).write(path)


# ---------------------------------------------------------------------------
# The compile test (pdflatex -halt-on-error)
# ---------------------------------------------------------------------------
def test_pdflatex_and_pdftoppm_are_installed():
    """CI installs them (.ci/run); without them the notes tests must fail, not skip."""
    missing = [p for p in ("pdflatex", "pdftoppm") if shutil.which(p) is None]
    assert not missing, f"install {missing}: apt-get install texlive-latex-base " + (
        "texlive-latex-recommended lmodern poppler-utils"
    )


def test_the_corpus_compiles_as_notes_and_fits_the_page(items):
    notes = notes_of(items)
    pdf, log = pdflatex(notes.to_tex())  # raises naming pdflatex's error
    assert pdf.startswith(b"%PDF-")
    # long lines are broken: nothing runs more than a hair past the margin
    assert max(overfull(log), default=0.0) < 3.0, overfull(log)
    bold = notes_of(items, bold=True)
    assert bold.to_pdf().startswith(b"%PDF-")


def test_every_latex_function_compiles_on_the_corpus(items):
    pdf, _ = compile_blocks(fragments(items))
    assert pdf.startswith(b"%PDF-")


def test_markdown_math_is_valid_latex(items):
    md = notes_of(items).to_markdown()
    blocks = re.findall(r"\$\$\n(.*?)\n\$\$", md, flags=re.DOTALL)
    assert len(blocks) >= len(items) - 1
    inline = re.findall(r"(?<!\$)\$([^$\n]+)\$(?!\$)", md)
    assert inline
    tex = [(f"markdown block {k}", f"\\[{b}\\]") for k, b in enumerate(blocks)]
    tex += [(f"markdown inline {k}", f"${s}$") for k, s in enumerate(inline)]
    compile_blocks(tex)


def test_matrix_calculus_compiles():
    m, k = sp.symbols("m k", integer=True, positive=True)
    X, w, yv = sp.MatrixSymbol("X", m, k), sp.MatrixSymbol("w", k, 1), sp.MatrixSymbol("y", m, 1)
    S = sp.MatrixSymbol("S", k, k)
    lam = sp.Symbol("lambda", positive=True)
    ls = (X * w - yv).T * (X * w - yv)
    items = [
        ("least squares gradient", symml.gradient(ls, w), {}),
        ("least squares hessian", symml.hessian(ls, w), {"label": "eq:ls"}),
        ("ridge", symml.gradient(ls + lam * w.T * w, w), {}),
        ("log det", symml.gradient(sp.log(sp.Determinant(S)), S), {}),
        ("trace", symml.gradient(sp.Trace(S.T * S), S), {}),
        ("sigmoid layer", symml.gradient(yv.T * (X * w).applyfunc(expit), w), {}),
        ("backprop jacobian", symml.jacobian((X * w).applyfunc(expit), w), {}),
    ]
    compile_blocks(fragments(items))
    _, log = pdflatex(notes_of(items).to_tex())
    assert max(overfull(log), default=0.0) < 3.0, overfull(log)
    bold = notes_of(items, bold=True).to_tex()
    assert r"\mathbf{X}^{\top}" in bold


def test_likelihood_compiles():
    import sympy.stats as ss

    lam = sp.Symbol("lambda", positive=True)
    normal = symml.mle_catalog("normal")
    items = [
        ("Poisson MLE", symml.mle(ss.Poisson("X", lam)), {}),
        ("normal MLE", normal, {}),
        ("normal fit", normal.fit([0.5, 1.5, 1.0, 2.0, 1.2]), {}),
    ]
    compile_blocks(fragments(items))
    tex = notes_of(items).to_tex()
    assert r"\hat{\mu} &= 1.24 && \text{standard error 0.2238, 95\% interval" in tex
    _, log = pdflatex(tex)
    assert max(overfull(log), default=0.0) < 3.0, overfull(log)


def test_backprop_compiles():
    xs, w, b, yt, zs, L = sp.symbols("x w b y z L", real=True)
    items = [
        ("one neuron", symml.backprop({zs: w * xs + b, L: (zs - yt) ** 2 / 2}, [w, b]), {}),
        ("two-layer network", symml.backprop(symml.two_layer_network(2, 2)), {}),
    ]
    compile_blocks(fragments(items))
    _, log = pdflatex(notes_of(items).to_tex())
    assert max(overfull(log), default=0.0) < 3.0, overfull(log)


def test_regression_compiles():
    m, k = sp.symbols("m k", integer=True, positive=True)
    X, w, yv = sp.MatrixSymbol("X", m, k), sp.MatrixSymbol("w", k, 1), sp.MatrixSymbol("y", m, 1)
    ne = symml.normal_equations((X * w - yv).T * (X * w - yv), w)
    fit = ne.fit(np.c_[np.ones(4), [0.0, 1, 2, 3]], np.array([1.0, 3.1, 4.9, 7.0]))
    items = [("normal equations", ne, {}), ("least-squares fit", fit, {})]
    compile_blocks(fragments(items))
    tex = notes_of(items).to_tex()
    assert r"\hat{\theta}_{1} &= " in tex and "interval" in tex


# ---------------------------------------------------------------------------
# PDFs: written, looked at, and their errors
# ---------------------------------------------------------------------------
def test_a_rendered_page_is_not_blank(corpus_pdf, tmp_path):
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            str(corpus_pdf),
            str(tmp_path / "p"),
        ],
        check=True,
        timeout=60,
    )
    (png,) = tmp_path.glob("p*.png")
    pixels = matplotlib.image.imread(png)
    ink = pixels[..., :3].mean(axis=-1) < 0.75
    assert 0.005 < ink.mean() < 0.3, ink.mean()  # text on a white page: some ink, mostly paper
    rows_with_ink = np.flatnonzero(ink.any(axis=1))
    assert rows_with_ink.size and np.ptp(rows_with_ink) > 0.5 * ink.shape[0]  # fills the page


def test_write_pdf_tex_md(tmp_path):
    notes = Notes("Small")
    notes.add(symml.gradient(x**2 * y, [x, y]), heading="Gradient")
    assert notes.write(tmp_path / "n.pdf").read_bytes().startswith(b"%PDF-")
    assert notes.write(tmp_path / "n.TEX").read_text().startswith("\\documentclass")
    assert notes.write(tmp_path / "n.md").read_text().startswith("# Small")


def test_a_failing_block_is_named(tmp_path):
    class Broken:
        def _repr_latex_(self):
            return r"$\undefinedmacro{x}$"

    notes = Notes("Broken")
    notes.add(x**2, heading="fine")
    notes.add(Broken(), heading="the broken one")
    notes.add(y, heading="fine too")
    with pytest.raises(LatexError, match=r"block 2 \('the broken one'\): .*Undefined control") as e:
        notes.write(tmp_path / "broken.pdf")
    assert e.value.blocks == (2,) and e.value.reason == "error"
    assert "Undefined control sequence" in e.value.log
    assert not (tmp_path / "broken.pdf").exists()


def test_missing_pdflatex_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    notes = Notes("No TeX")
    notes.add(x)
    with pytest.raises(LatexError, match="'pdflatex' was not found on PATH; install TeX Live") as e:
        notes.write(tmp_path / "n.pdf")
    assert e.value.reason == "missing"
    assert notes.write(tmp_path / "n.tex").exists()  # .tex and .md need no TeX


def test_pdflatex_time_limit():
    with pytest.raises(LatexError, match="did not finish within") as e:
        Notes("Slow").to_pdf(timeout=0.001)
    assert e.value.reason == "timeout"


def test_latex_cannot_read_files_outside_its_folder(tmp_path):
    secret = tmp_path / "secret.tex"
    secret.write_text("SECRET")

    class Reader:
        def _repr_latex_(self):
            return rf"$\input{{{secret}}}$"

    notes = notes_with(Reader())
    assert rf"\input{{{secret}}}" in notes.to_tex()
    with pytest.raises(LatexError, match="not found"):
        notes.to_pdf()


# ---------------------------------------------------------------------------
# Hostile TeX (issue 12): nothing outside the compile folder reaches the PDF
# ---------------------------------------------------------------------------
class RawLatex:
    """An object whose ``_repr_latex_`` is raw TeX: it reaches pdflatex unchecked."""

    def __init__(self, tex):
        self.tex = tex

    def _repr_latex_(self):
        return self.tex


def pdf_text(pdf: bytes) -> bytes:
    """The PDF with every Flate stream inflated (object streams included)."""
    out = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, flags=re.DOTALL):
        try:
            out.append(zlib.decompressobj().decompress(m[1]))
        except zlib.error:
            pass
    return b"\n".join(out)


def file_attacks(path: str) -> list[str]:
    """TeX that copies ``path`` into the PDF, in many disguises (for math in prose)."""
    return [
        rf"\immediate\pdfobj file{{{path}}}\pdfrefobj\pdflastobj",
        rf"\immediate\pdfobj stream file{{{path}}}\pdfrefobj\pdflastobj",
        rf"\pdfprimitive\pdfobj file{{{path}}}",
        rf"\csname tex_primitive:D\endcsname\pdfobj file{{{path}}}",
        rf"\csname pdfobj\endcsname file{{{path}}}",
        rf"\csname tex_pdfobj:D\endcsname file{{{path}}}",
        rf"\pdfximage{{{path}}}\pdfrefximage\pdflastximage",
        rf"\pdffiledump length 200{{{path}}}",
        rf"\pdfmdfivesum file{{{path}}}",
        rf"\input{{{path}}}",
        rf"\input {path} ",
        rf"\openin1={path} \read1 to\x \x",
        rf"\catcode`\|=0 |input{{{path}}}",
        rf"^^5cinput{{{path}}}",
        rf"\def\x{{\input}}\x{{{path}}}",
        rf"\expandafter\csname input\endcsname{{{path}}}",
        rf"\\input{{{path}}}",
        rf"\begin{{input}}{{{path}}}",
    ]


def canary_token() -> str:
    """32 random digits: typeset, they stay one string in the PDF (no kerns, no ligatures)."""
    return f"{secrets.randbelow(10**32):032d}"


@pytest.fixture
def canary(tmp_path):
    """A file outside any compile folder holding a random token; its absolute and ../ paths."""
    token = canary_token()
    path = tmp_path / "canary.tex"
    path.write_text(f"{token}\n", encoding="ascii")
    relative = "../" * 8 + str(path).lstrip("/")
    return token.encode(), [str(path), relative]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            r"$\frac{1}{2} \sum_i x_i \left(y\right) \, \%$",
            r"$\frac{1}{2} \sum_i x_i \left(y\right) \, \%$",
        ),
        (
            r"$\begin{pmatrix}a & b\\ c & d\end{pmatrix}$",
            r"$\begin{pmatrix}a & b\\ c & d\end{pmatrix}$",
        ),
        (r"$\input{a}$", r"$\backslash\mathrm{input}{a}$"),
        (r"$x^^5cinput$", r"$x^\text{\textasciicircum}5cinput$"),
        (r"${x$ and $x}$", r"$\{x$ and $x\}$"),
        (r"$a & b \\ c$", r"$a \& b \backslash \backslash  c$"),
        (r"$\\input$", r"$\backslash \backslash input$"),
        (
            r"$\begin{filecontents}x\end{filecontents}$",
            r"$\backslash\mathrm{begin}\{filecontents\}x\backslash\mathrm{end}\{filecontents\}$",
        ),
        (r"$x \$", r"$x \backslash $"),
        ("a\x00b \\input", r"a b \textbackslash{}input"),
    ],
)
def test_math_in_prose_runs_only_allowed_commands(text, expected):
    notes = Notes("T")
    notes.add(x, text=text)
    assert notes.block_tex(0).splitlines()[0] == expected


@pytest.mark.parametrize("field", ["title", "author", "heading", "text"])
def test_no_file_outside_the_folder_reaches_the_pdf_through_prose(field, canary):
    token, paths = canary
    attacks = [a for p in paths for a in file_attacks(p)]
    prose = " ".join(f"Look: ${a}$ and {a}." for a in attacks)
    notes = Notes(prose if field == "title" else "T", prose if field == "author" else None)
    notes.add(x**2, **{field: prose} if field in ("heading", "text") else {})
    tex = notes.to_tex()
    body = tex.split(r"\begin{document}")[1]
    for command in ("input", "pdfobj", "pdfximage", "csname", "catcode", "openin", "def"):
        assert f"\\{command}" not in body  # printed (\backslash\mathrm{input}), not run
    assert "^^" not in body and "\\\\input" not in body
    pdf = notes.to_pdf()  # the prose compiles: it is text, not code
    assert token not in pdf_text(pdf)


def test_the_issue_spec_copies_no_file_into_the_pdf(canary, tmp_path, monkeypatch):
    # issue 12's exact route: a notes spec line `text: Here is $\immediate\pdfobj file{...}$.`
    token, (path, relative) = canary
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "leak.spec"
    spec.write_text(
        f"title: $\\immediate\\pdfobj file{{{path}}}$\n"
        f"author: $\\pdfobj stream file{{{relative}}}$\n"
        f"heading: $\\pdfximage{{{path}}}$\n"
        f"text: Here is $\\immediate\\pdfobj file{{{path}}}$.\n"
        "show: x\n",
        encoding="utf-8",
    )
    code, out = run(["notes", str(spec), "-o", "leak.pdf"])
    assert code == 0 and out.startswith("wrote leak.pdf")
    assert token not in pdf_text((tmp_path / "leak.pdf").read_bytes())


@pytest.mark.parametrize("attack", file_attacks("{path}"), ids=range(18))
def test_the_engine_reads_no_file_outside_its_folder_whatever_the_tex(attack, canary):
    # defence in depth: raw TeX (an object's own _repr_latex_) runs unchecked, yet
    # pdfTeX's file primitives and \pdfprimitive do not exist in symml's format
    token, paths = canary
    for path in paths:
        tex = r"\pdfcompresslevel=0 \pdfobjcompresslevel=0 " + attack.replace("{path}", path)
        notes = Notes("Raw")
        notes.add(RawLatex(f"${tex}$"))
        try:
            pdf = notes.to_pdf()
        except LatexError as exc:
            assert token.decode() not in str(exc) + exc.log
        else:
            assert token not in pdf_text(pdf)


def test_the_canary_check_finds_a_file_inside_the_folder():
    # the check above can see a leak: a file the document itself wrote reaches the PDF
    token = canary_token()
    tex = (
        rf"\immediate\openout1=inside.tex \immediate\write1{{{token}}}\immediate\closeout1 "
        r"\input{inside.tex}"
    )
    notes = Notes("Inside")
    notes.add(RawLatex(f"${tex}$"))
    assert token.encode() in pdf_text(notes.to_pdf())


@pytest.mark.parametrize(
    ("tex", "limit"),
    [
        (r"\def\a{\message{flooding the terminal and the log}\a}\a", "a file of more than 32 MiB"),
        (
            r"\immediate\openout1=big.txt "
            r"\def\a{\immediate\write1{flooding the disk, line after line}\a}\a",
            "a file of more than 32 MiB",
        ),
        (
            r"\newcount\n \def\a{\global\advance\n1 \immediate\openout1=f\the\n.txt "
            r"\immediate\write1{x}\immediate\closeout1 \a}\a",
            "more than 1000 files",
        ),
    ],
    ids=["message", "openout", "many-files"],
)
def test_runaway_tex_is_stopped_by_a_limit_not_the_clock(tex, limit):
    notes = Notes("Runaway")
    notes.add(x, heading="fine")
    notes.add(RawLatex(f"${tex}$"))
    start = time.monotonic()
    with pytest.raises(LatexError, match=f"pdflatex (wrote|made) {limit} and was stopped") as e:
        notes.to_pdf(timeout=120)
    assert time.monotonic() - start < 60  # a limit, long before the time limit
    assert e.value.reason == "error" and len(e.value.log) <= 70_000  # only the log's tail
    # pdflatex's output never passes through this process: its memory stays small
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 2_000_000  # KiB


def test_the_time_limit_is_an_option_well_under_a_minute():
    notes = Notes("Loop")
    notes.add(RawLatex(r"$\def\a{\a}\a$"))  # loops without output
    start = time.monotonic()
    with pytest.raises(LatexError, match="did not finish within 2 s") as e:
        notes.to_pdf(timeout=2)
    assert e.value.reason == "timeout" and time.monotonic() - start < 10
    for bad in (0, -1, float("inf"), float("nan"), "5", True):
        with pytest.raises(symml.ArgumentError, match="timeout="):
            notes.to_pdf(timeout=bad)


def test_a_failing_document_is_compiled_once(tmp_path, monkeypatch):
    # no recompile-every-block cascade: the block is found from LaTeX's line number
    calls = tmp_path / "calls"
    real = shutil.which("pdflatex")
    wrapper = tmp_path / "bin" / "pdflatex"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}:{Path(real).parent}")
    notes = Notes("Broken")
    for k in range(6):
        notes.add(sp.Symbol(f"a{k}"), heading=f"fine {k}")
    notes.add(RawLatex(r"$\undefinedmacro$"), heading="broken")
    notes.add(x, heading="fine again")
    with pytest.raises(LatexError, match=r"block 7 \('broken'\): .*Undefined control") as e:
        notes.to_pdf()
    assert e.value.blocks == (7,)
    compiles = [line for line in calls.read_text().splitlines() if "notes.tex" in line]
    assert len(compiles) == 1  # not 1 + one per block


def test_pdfs_compile_in_threads():
    # no fork hook in the child's setup: notes compile from worker threads (web servers)
    notes = Notes("Threads")
    notes.add(x**2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        pdfs = list(pool.map(lambda _: notes.to_pdf(), range(2)))
    assert all(pdf.startswith(b"%PDF-") for pdf in pdfs)


# ---------------------------------------------------------------------------
# Files are written whole or not at all (issue 12)
# ---------------------------------------------------------------------------
def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    notes = Notes("New")
    notes.add(x)
    target = tmp_path / "notes.md"
    target.write_text("old notes\n")
    target.chmod(0o640)

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        notes.write(target)
    assert target.read_text() == "old notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]  # no temporary file
    monkeypatch.undo()
    assert notes.write(target).read_text().startswith("# New")
    assert target.stat().st_mode & 0o777 == 0o640  # its permissions kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md"]


def test_a_failed_pdf_keeps_the_old_pdf(tmp_path):
    target = tmp_path / "notes.pdf"
    target.write_bytes(b"%PDF- old")
    notes = Notes("Broken")
    notes.add(RawLatex(r"$\undefinedmacro$"))
    with pytest.raises(LatexError):
        notes.write(target)
    assert target.read_bytes() == b"%PDF- old"


def test_notes_command_refuses_to_overwrite_its_spec(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "notes.md"
    spec.write_text("show: x\n")
    for argv in (
        ["notes", "notes.md", "-o", "notes.md"],
        ["notes", "notes.md", "-o", str(spec)],
        ["notes", "notes.md", "-o", "./sub/../notes.md"],
    ):
        (tmp_path / "sub").mkdir(exist_ok=True)
        code, out = run(argv)
        err = capsys.readouterr().err
        assert code == 2 and out == "" and "is the SPEC" in err and err.count("\n") == 1
        assert spec.read_text() == "show: x\n"
    (tmp_path / "link.md").symlink_to(spec)
    code, _ = run(["notes", "notes.md", "-o", "link.md"])
    assert code == 2 and "is the SPEC" in capsys.readouterr().err
    pdf_spec = tmp_path / "n.pdf"  # the default output, SPEC with .pdf, is the spec itself
    pdf_spec.write_text("show: x\n")
    code, _ = run(["notes", "n.pdf"])
    assert code == 2 and "is the SPEC" in capsys.readouterr().err
    assert pdf_spec.read_text() == "show: x\n"


# ---------------------------------------------------------------------------
# Notes: the document
# ---------------------------------------------------------------------------
def test_notes_structure_and_markdown():
    notes = Notes("Title & more", author="A. Student")
    notes.add(symml.gradient(x**2 * y, [x, y]), heading="Gradient", label="eq:g")
    notes.add(symml.check(x, -x), heading="A wrong claim")
    notes.add(symml.check_steps([x + x, 2 * x, 3 * x]))
    tex = notes.to_tex()
    for needle in (
        r"\usepackage[T1]{fontenc}",
        r"\usepackage{lmodern}",
        r"\title{Title \& more}",
        r"\author{A. Student}",
        r"\section*{Gradient}",
        r"\textbf{Gradient} of $f = x^{2} y$ with respect to $x$, $y$ (assuming x, y real).",
        r"\label{eq:g}",
        r"\text{claimed} &= x \\",
        r"&\neq 3 x && \text{step 2: does not follow from step 1}",
        "Step 2 does not follow from step 1: at $x = ",
    ):
        assert needle in tex, needle
    md = notes.to_markdown()
    assert md.startswith(
        "# Title & more\n\n*A. Student*\n\n## Gradient\n\n**Gradient** of $f = x^{2} y$"
    )
    assert r"\label" not in md and "\\begin{align*}" not in md
    assert md.count("$$\n\\begin{aligned}") == 3
    assert notes._repr_markdown_() == md
    assert len(notes) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50% of a_1 & #2", r"50\% of a\_1 \& \#2"),
        ("where $h = x - a$ is small", "where $h = x - a$ is small"),
        ("costs $5", r"costs \$5"),
        ("∇f ≤ 0 for α", r"$\nabla$f $\leq$ 0 for $\alpha$"),
        ("in math $α + β$", r"in math $\alpha  + \beta $"),
    ],
)
def test_prose_escapes_text_and_keeps_math(text, expected):
    notes = Notes("T")
    notes.add(x, text=text)
    assert notes.block_tex(0).splitlines()[0] == expected


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: Notes("  "), symml.ArgumentError, "title"),
        (lambda: Notes("T", author=3), symml.ArgumentError, "author=3"),
        (lambda: Notes("T", width=3), symml.ArgumentError, "width=3"),
        (lambda: Notes("T").add(object()), symml.ArgumentError, "Derivation, Verdict or SymPy"),
        (lambda: Notes("T").add(None), symml.ArgumentError, "obj=None"),
        (lambda: Notes("T").add("x**2"), symml.ArgumentError, "not text"),
        (lambda: Notes("T").add(x, heading=3), symml.ArgumentError, "heading=3"),
        (lambda: Notes("T").add(x, label="no spaces"), symml.ArgumentError, "label="),
        (lambda: Notes("T").write("n.docx"), symml.ArgumentError, r"\.tex, \.md or \.pdf"),
    ],
)
def test_notes_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------
# The spec and `symml notes`
# ---------------------------------------------------------------------------
def test_example_spec_builds_a_pdf(tmp_path):
    code, out = run(["notes", str(EXAMPLE_SPEC), "-o", str(tmp_path / "example.pdf")])
    assert code == 0 and out.startswith("wrote ")
    assert (tmp_path / "example.pdf").read_bytes().startswith(b"%PDF-")


def test_docs_example_tex_compiles_and_png_exists():
    assert (ROOT / "docs" / "notes-example.png").stat().st_size > 10_000
    pdflatex((ROOT / "docs" / "notes-example.tex").read_text(encoding="utf-8"))


def test_notes_command_formats_and_default_name(tmp_path, monkeypatch):
    spec = tmp_path / "calc.spec"
    spec.write_text("gradient: x**2*y + exp(x*y) wrt x y\n")
    assert run(["notes", str(spec)])[0] == 0
    assert (tmp_path / "calc.pdf").exists()  # SPEC with the suffix .pdf
    assert run(["notes", str(spec), "-o", str(tmp_path / "c.md"), "--bold"])[0] == 0
    assert (tmp_path / "c.md").read_text().startswith("# calc.spec")
    monkeypatch.setattr(sys, "stdin", io.StringIO("title: From stdin\nshow: x**2\n"))
    assert run(["notes", "-", "-o", str(tmp_path / "s.tex")])[0] == 0
    assert r"\title{From stdin}" in (tmp_path / "s.tex").read_text()


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("gradient: x**2", "SPEC, line 1: write 'gradient: EXPR wrt VARIABLES'"),
        ("\n\nhessian: x** wrt x", "SPEC, line 3: EXPR='x\\*\\*' is not valid"),
        ("derive: x wrt x", r"SPEC, line 1: 'derive: x wrt x' does not start with a known"),
        ("just text", "SPEC, line 1: 'just text' does not start with a known"),
        ("taylor: exp(x) wrt x", "SPEC, line 1: write 'taylor: EXPR wrt VARIABLES at POINT"),
        ("taylor: exp(x) wrt x at y=0", "SPEC, line 1: 'at' gives a value for 'y'"),
        ("taylor: exp(x) wrt x y at 0", "SPEC, line 1: 'at 0' gives 1 values for 2 variables"),
        ("taylor: exp(x) wrt x at x=0 order two", "SPEC, line 1: order must be a whole number"),
        ("taylor: log(x) wrt x at x=0", "SPEC, line 1: .*not finite"),
        ("check: x", "SPEC, line 1: write 'check: CLAIMED = EXPECTED'"),
        ("steps: x", "SPEC, line 1: write 'steps: E0 = E1"),
        ("gradient: x wrt 2", "SPEC, line 1: wrt="),
        ("title: A\ntitle: B", "SPEC, line 2: a second 'title:'"),
        (
            "heading: A\nheading: B\nshow: x",
            r"SPEC, line 2: a second 'heading:' before an item \(line 1\)",
        ),
        ("show: x\ntext: dangling", "SPEC, line 2: a heading, text or label with no item after it"),
        ("label: not ok\nshow: x", "SPEC, line 2: label="),
        ("show:", "SPEC, line 1: 'show:' is empty"),
    ],
)
def test_spec_errors_name_the_line(spec, match):
    with pytest.raises(symml.SymmlError, match=match):
        notes_from_spec(spec)


def test_spec_grammar():
    notes = notes_from_spec(
        "# a comment\n"
        "title: T\nauthor: Me\n"
        "heading: H\ntext: T $x$\nlabel: eq:a\n"
        "gradient: x**2*y wrt x, y\n"
        "Critical_Points: x**2 + y**2 wrt x y\n"
        "jacobian: [x*y, x + y] wrt x y\n"
        "taylor: exp(x)*cos(y) wrt x y at 0, 0 order 3\n"
        "check: 2*x = Derivative(x**2, x)\n"
        "steps: (x + 1)**2 = x**2 + 2*x + 1 = x*(x + 2) + 1\n"
        "show: y = 2*x + 1\n",
        source="s.spec",
    )
    assert (notes.title, notes.author, len(notes)) == ("T", "Me", 7)
    tex = notes.to_tex()
    assert r"\section*{H}" in tex and "T $x$" in tex and r"\label{eq:a}" in tex
    assert tex.count(r"\section*") == 1  # heading and text belong to the next item only
    assert "y = 2 x + 1" in tex


@pytest.mark.parametrize("attack", ATTACKS)
def test_spec_attacks_exit_2_and_execute_nothing(attack, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "attack.spec"
    line = " ".join(attack.split())  # one line
    spec.write_text(f"gradient: {line} wrt x\ncheck: {line} = x\n", encoding="utf-8")
    code, out = run(["notes", str(spec), "-o", "out.tex"])
    err = capsys.readouterr().err
    if code == 0:  # harmless text that happens to be a formula
        assert sorted(p.name for p in tmp_path.iterdir()) == ["attack.spec", "out.tex"]
        return
    assert code == 2 and out == ""
    assert err.startswith("symml notes: error: attack.spec, line ") and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["attack.spec"]


def test_notes_command_errors(tmp_path, monkeypatch, capsys):
    code, _ = run(["notes", str(tmp_path / "missing.spec")])
    assert code == 2 and "cannot read SPEC" in capsys.readouterr().err
    spec = tmp_path / "a.spec"
    spec.write_text("show: x\n")
    code, _ = run(["notes", str(spec), "-o", str(tmp_path / "a.docx")])
    assert code == 2 and ".pdf, .tex or .md" in capsys.readouterr().err
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _ = run(["notes", str(spec), "-o", str(tmp_path / "a.pdf")])
    err = capsys.readouterr().err
    assert code == 2 and "'pdflatex' was not found" in err and err.count("\n") == 1


def test_demo_writes_a_pdf_and_works_without_pdflatex(tmp_path, monkeypatch):
    code, out = run(["demo", "--out", str(tmp_path / "with")])
    assert code == 0 and "PDF notes written to" in out
    assert (tmp_path / "with" / "notes.pdf").read_bytes().startswith(b"%PDF-")
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out = run(["demo", "--out", str(tmp_path / "without")])
    assert code == 0 and "pdflatex not found" in out
    assert sorted(p.name for p in (tmp_path / "without").iterdir()) == ["notes.md", "notes.tex"]


def test_the_readme_spec_is_the_example_and_makes_a_pdf(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Notes", 1)[1]
    spec = re.search(r"```text\n(.*?)```", section, flags=re.DOTALL).group(1)
    example = EXAMPLE_SPEC.read_text(encoding="utf-8").splitlines()
    assert spec.splitlines() == [line for line in example if line.strip() and line[0] != "#"]
    (tmp_path / "readme.spec").write_text(spec)
    code, _ = run(["notes", str(tmp_path / "readme.spec"), "-o", str(tmp_path / "readme.pdf")])
    assert code == 0 and (tmp_path / "readme.pdf").read_bytes().startswith(b"%PDF-")


def test_every_other_module_compiles_in_one_document():
    """Optimisation, inference, Bayes and descriptive statistics in one PDF."""
    import sympy.stats as ss

    theta = sp.Symbol("theta", positive=True)
    a_, b_ = sp.symbols("a b", positive=True)
    X = ss.Normal("X", sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True))
    data = np.random.default_rng(0).normal(1.0, 2.0, 30)
    items = [
        ("gradient descent", symml.gradient_descent(x**2 + 3 * y**2, [x, y], [1, 1], 0.1, 5)),
        ("newton", symml.newton(sp.exp(x) - 2 * x + y**2, [x, y], [0, 1], 3)),
        ("lagrange", symml.lagrange(x * y, [x + y - 2], [x, y])),
        ("t test", symml.t_test()),
        ("t test on data", symml.t_test().evaluate(data, 0.0)),
        ("welch", symml.welch_test()),
        ("diagnostic test", symml.diagnostic_test(sp.Rational(1, 100), 0.99, 0.95)),
        (
            "posterior",
            symml.conjugate_posterior(ss.Bernoulli("Y", theta), ss.Beta("theta", a_, b_)),
        ),
        ("sample variance", symml.sample_variance()),
        ("expectation", symml.expectation(X)),
        ("mle fit", symml.mle_catalog("normal").fit(data)),
    ]
    notes = Notes("Every module")
    for name, obj in items:
        notes.add(obj, heading=name)
    assert notes.to_pdf(timeout=120).startswith(b"%PDF-")  # raises naming the failing block


def test_spec_mle_items(tmp_path):
    spec = tmp_path / "s.spec"
    spec.write_text("title: MLE\nheading: Poisson\nmle: poisson\nmle: nonsense\n")
    with pytest.raises(symml.SymmlError, match="nonsense"):
        notes_from_spec(spec.read_text(), source=str(spec))
    spec.write_text("title: MLE\nheading: Poisson\nmle: poisson\n")
    notes = notes_from_spec(spec.read_text(), source=str(spec))
    assert r"\hat{\lambda} &= \frac{\sum_{i=1}^{n} {x}_{i}}{n}" in notes.to_tex()
    assert notes.to_pdf().startswith(b"%PDF-")
