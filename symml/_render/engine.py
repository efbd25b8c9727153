"""Running ``pdflatex`` on untrusted LaTeX: a sandboxed engine with bounded resources.

==================  ============================================================
name                what it does
==================  ============================================================
``compile_latex``   a LaTeX document -> PDF bytes, in a fresh temporary folder
``run_pdflatex``    the same, returning the outcome (PDF, log tail, error line)
``PDFLATEX``        the program run (looked up on ``PATH``)
==================  ============================================================

The sandbox
-----------
Whatever the document says, the engine cannot read a file outside its folder
and the TeX tree, nor run a program:

- ``openin_any=p``, ``openout_any=p`` (kpathsea's paranoid mode: no absolute
  paths, no ``..``, no dot files) and ``shell_escape=f``, given in the
  environment (which overrides ``texmf.cnf``); ``TEXMFOUTPUT`` is removed and
  font generation (``mktextfm``, ...) is switched off.
- kpathsea does not guard pdfTeX's own file primitives (``\\pdfobj file``,
  ``\\pdfximage``, ``\\pdffiledump``, ``\\pdfmdfivesum file``, ...), and a
  macro redefining them is undone by ``\\pdfprimitive``. So the document runs
  on symml's own format, built by ``pdflatex -ini`` from the system's
  ``latex.ltx`` with those primitives -- and ``\\pdfprimitive`` itself --
  undefined *before* LaTeX is loaded: no alias of them (``\\tex_pdfobj:D``,
  ...) ever exists and none can be made. ``\\pdffilesize``, which LaTeX needs
  while it loads, is removed with its one alias afterwards. The format is
  built once and cached (``$XDG_CACHE_HOME/symml``, else ``~/.cache/symml``).

Resources are bounded too: ``pdflatex``'s terminal output goes to
``/dev/null`` (its log file holds the same, and only its tail is read); the
child runs under ``RLIMIT_FSIZE`` (32 MiB a file), ``RLIMIT_AS`` (2 GiB) and
``RLIMIT_CPU``; the folder is watched and the run stopped when it holds more
than 64 MiB or 1000 files; and the run is stopped after ``timeout`` seconds.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .._core import ArgumentError, LatexError, bad_argument

try:
    import resource
except ImportError:  # Windows: no resource limits, only the clock and the folder watch
    resource = None  # type: ignore[assignment]

__all__ = ["DEFAULT_TIMEOUT", "PDFLATEX", "LatexRun", "compile_latex", "run_pdflatex"]

PDFLATEX = "pdflatex"
#: Seconds a document may take to compile (a page of notes takes about one).
DEFAULT_TIMEOUT = 20.0
_BUILD_TIMEOUT = 300.0  # building the format (once): LaTeX reads UnicodeData.txt
_FILE_LIMIT = 32 << 20  # RLIMIT_FSIZE: no file (log, PDF, \openout) over 32 MiB
_FOLDER_LIMIT = 64 << 20  # all files in the folder together
_COUNT_LIMIT = 1000  # files in the folder (a notes run makes 4)
_MEMORY_LIMIT = 2 << 30  # RLIMIT_AS
_LOG_TAIL = 64 << 10  # bytes of the log read back
_POLL = 0.05
_INSTALL_HINT = (
    "install TeX Live (Debian/Ubuntu: apt-get install texlive-latex-base "
    "texlive-latex-recommended lmodern), or write a .tex file and compile it elsewhere"
)

# pdfTeX primitives that read a file whatever openin_any says (or restore one that
# does: \pdfprimitive), undefined before latex.ltx can make aliases of them.
_FILE_PRIMITIVES = (
    "pdfprimitive ifpdfprimitive pdfobj pdfximage pdfrefximage pdffiledump "
    "pdfmdfivesum pdffilemoddate pdfmapfile pdfmapline"
).split()
_FORMAT_INI = "\n".join(
    [
        r"\input pdftexconfig.tex",
        *(rf"\let\{name}\undefined" for name in _FILE_PRIMITIVES),
        r"\let\symmldump\dump \let\dump\relax",
        r"\scrollmode",
        r"\input latex.ltx",
        r"\let\pdffilesize\undefined",
        r"\expandafter\let\csname tex_filesize:D\endcsname\undefined",
        r"\let\dump\symmldump \let\symmldump\undefined",
        r"\dump",
        "",
    ]
)


@dataclass(frozen=True)
class LatexRun:
    """The outcome of one ``pdflatex`` run.

    ``pdf`` is None when it failed; then ``message`` says why (LaTeX's error,
    or the limit it hit), ``line`` is the line of the document LaTeX's error
    points at (when it names one), and ``reason`` is ``"error"`` or
    ``"timeout"``. ``log`` is the end of LaTeX's log.
    """

    pdf: bytes | None
    log: str
    message: str = ""
    line: int | None = None
    reason: str = "error"

    def error(self, prefix: str = "") -> LatexError:
        return LatexError(prefix + self.message, reason=self.reason, log=self.log)


def compile_latex(tex: str, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Compile a LaTeX document with ``pdflatex`` in a sandbox; return the PDF's bytes.

    Runs in a temporary folder on symml's restricted format (see the module's
    docstring), reading and writing only there, for at most ``timeout``
    seconds.

    Raises
    ------
    LatexError
        ``pdflatex`` is not installed (``reason="missing"``), the document
        has an error or hit a limit (``"error"``; the message quotes LaTeX's
        error), or it ran out of time (``"timeout"``).

    Examples
    --------
    >>> doc = "\\\\documentclass{article}\\\\begin{document}Hi\\\\end{document}"
    >>> compile_latex(doc)[:5]                           # doctest: +SKIP
    b'%PDF-'
    """
    run = run_pdflatex(tex, timeout=timeout)
    if run.pdf is None:
        raise run.error()
    return run.pdf


def _executable() -> str:
    exe = shutil.which(PDFLATEX)
    if exe is None:
        raise LatexError(
            f"the program {PDFLATEX!r} was not found on PATH; {_INSTALL_HINT}", reason="missing"
        )
    return exe


def _check_timeout(timeout: float) -> float:
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not math.isfinite(timeout)
        or not timeout > 0
    ):
        raise ArgumentError(
            bad_argument("timeout", timeout, "give a positive, finite number of seconds")
        )
    return float(timeout)


def run_pdflatex(tex: str, *, timeout: float = DEFAULT_TIMEOUT) -> LatexRun:
    """Compile ``tex``; the outcome, failed or not.

    Raises ``LatexError`` only when ``pdflatex`` is missing or symml's format
    cannot be built.
    """
    timeout = _check_timeout(timeout)
    exe = _executable()
    run = _compile(tex, exe, _format(exe), timeout)
    if run is None:  # no log: the cached format did not load (TeX updated); build it again
        _forget_format(exe)
        run = _compile(tex, exe, _format(exe), timeout)
    if run is None:
        return LatexRun(None, "", f"{PDFLATEX} failed before writing its log")
    return run


def _compile(tex: str, exe: str, fmt: Path, timeout: float) -> LatexRun | None:
    """One run in a fresh folder; None when ``pdflatex`` wrote no log (its format failed)."""
    args = [exe, f"-fmt={fmt}", "-halt-on-error", "-interaction=nonstopmode"]
    args += ["-no-shell-escape", "notes.tex"]
    with tempfile.TemporaryDirectory(prefix="symml-latex-") as name:
        folder = Path(name)
        (folder / "notes.tex").write_text(tex, encoding="utf-8")
        reason, stopped = _run(args, folder, timeout)
        log = _tail(folder / "notes.log")
        pdf = folder / "notes.pdf"
        if stopped:
            return LatexRun(None, log, f"{PDFLATEX} {stopped}", reason=reason)
        if not pdf.is_file():
            if not (folder / "notes.log").exists():
                return None
            message, line = latex_error(log)
            return LatexRun(None, log, f"{PDFLATEX} failed: {message}", line)
        return LatexRun(pdf.read_bytes(), log)


# ---------------------------------------------------------------------------
# The child process: environment, limits, watching
# ---------------------------------------------------------------------------
def _environment() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TEXMFOUTPUT", "TEXMF_OUTPUT_DIRECTORY", "TEXFORMATS", "TEXMFCNF")
    }
    env.update(
        openin_any="p",
        openout_any="p",
        shell_escape="f",
        shell_escape_commands="",
        max_print_line="1000",  # whole error messages on one line of the log
        MKTEXTFM="0",
        MKTEXPK="0",
        MKTEXMF="0",
        MKTEXTEX="0",
        MKTEXFMT="0",
    )
    return env


def _wanted_limits(timeout: float) -> list[tuple[int, int]]:
    if resource is None:  # Windows
        return []
    wanted = [
        (resource.RLIMIT_FSIZE, _FILE_LIMIT),
        (resource.RLIMIT_CPU, math.ceil(timeout) + 1),
        (resource.RLIMIT_CORE, 0),
    ]
    if sys.platform.startswith("linux"):
        wanted.append((resource.RLIMIT_AS, _MEMORY_LIMIT))
    return wanted


def _set_limits(wanted: list[tuple[int, int]], pid: int | None = None) -> None:
    """Lower the limits of process ``pid`` (this one when None), never raising a hard one."""
    for kind, value in wanted:
        with contextlib.suppress(ValueError, OSError):
            if pid is None:
                _, hard = resource.getrlimit(kind)
            else:
                _, hard = resource.prlimit(pid, kind)
            high = value if hard == resource.RLIM_INFINITY else min(value, hard)
            if pid is None:
                resource.setrlimit(kind, (high, high))
            else:
                resource.prlimit(pid, kind, (high, high))


def _limits(timeout: float) -> Callable[[], None] | None:
    """``preexec_fn`` setting the child's limits where ``prlimit`` cannot (not Linux)."""
    wanted = _wanted_limits(timeout)
    if not wanted or hasattr(resource, "prlimit"):
        return None
    return lambda: _set_limits(wanted)


def _folder_usage(folder: Path) -> str:
    """What is over the limits in ``folder`` (``""`` when nothing)."""
    total = count = 0
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            count += 1
            if count > _COUNT_LIMIT:
                return f"made more than {_COUNT_LIMIT} files and was stopped"
            with contextlib.suppress(OSError):
                total += entry.stat(follow_symlinks=False).st_size
    if total > _FOLDER_LIMIT:
        return f"wrote more than {_FOLDER_LIMIT >> 20} MiB of files and was stopped"
    return ""


def _run(args: list[str], folder: Path, timeout: float) -> tuple[str, str]:
    """Run ``args`` in ``folder``; ``("", "")``, or the reason and what stopped it."""
    proc = subprocess.Popen(
        args,
        cwd=folder,
        env=_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_limits(timeout),  # None on Linux: no fork hook, threads are safe
        start_new_session=True,
    )
    if hasattr(resource, "prlimit"):  # Linux: set on the child as it starts loading
        _set_limits(_wanted_limits(timeout), proc.pid)
    end = time.monotonic() + timeout
    reason = stopped = ""
    try:
        while True:
            try:
                proc.wait(timeout=_POLL)
                break
            except subprocess.TimeoutExpired:
                pass
            if time.monotonic() > end:
                reason, stopped = "timeout", f"did not finish within {timeout:g} s"
            else:
                reason, stopped = "error", _folder_usage(folder)
            if stopped:
                break
    finally:
        if proc.poll() is None:
            _kill(proc)
    if stopped:
        return reason, stopped
    code = proc.returncode
    if code == -getattr(signal, "SIGXCPU", -1):
        return "timeout", f"used more than {math.ceil(timeout) + 1} s of CPU time and was stopped"
    if code == -getattr(signal, "SIGXFSZ", -1):
        return "error", f"wrote a file of more than {_FILE_LIMIT >> 20} MiB and was stopped"
    if code is not None and code < 0:
        return "error", f"was stopped by signal {-code}"
    return "", ""


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (AttributeError, OSError):
        proc.kill()
    proc.wait()


def _tail(path: Path) -> str:
    """The last ``_LOG_TAIL`` bytes of a (possibly huge) log, as text."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - _LOG_TAIL))
            return f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def latex_error(log: str) -> tuple[str, int | None]:
    """LaTeX's first error message and the document's line it points at, from a log."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            message = line[1:].strip()
            for follow in lines[i + 1 : i + 8]:
                m = re.match(r"l\.(\d+) ?(.*)", follow)
                if m:
                    return f"{message} (line {m[1]}: {m[2].strip()!r})", int(m[1])
            return message, None
    return "no error message in the log (see LatexError.log)", None


# ---------------------------------------------------------------------------
# symml's format: latex.ltx without the file primitives
# ---------------------------------------------------------------------------
_format_lock = threading.Lock()
_formats: dict[str, Path] = {}


def _format_key(exe: str) -> str:
    """Changes with the engine, the LaTeX kernel and the ini file."""
    parts = [_FORMAT_INI]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(
            [exe, "--version"], capture_output=True, timeout=30, check=False, env=_environment()
        )
        parts.append(out.stdout[:200].decode("ascii", errors="replace"))
    kpsewhich = shutil.which("kpsewhich", path=os.path.dirname(exe)) or shutil.which("kpsewhich")
    if kpsewhich:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [kpsewhich, "latex.ltx"], capture_output=True, timeout=30, check=False
            )
            ltx = out.stdout.decode(errors="replace").strip()
            if ltx:
                st = os.stat(ltx)
                parts.append(f"{ltx} {st.st_size} {st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]


def _cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base, "symml")
    try:
        if re.search(r"\s", str(folder)):  # -fmt= does not take a path with spaces
            raise OSError("a path with spaces")
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.stat()
        if (hasattr(os, "getuid") and st.st_uid != os.getuid()) or st.st_mode & 0o022:
            raise OSError("not a private folder")
        return folder
    except (OSError, RuntimeError):
        private = Path(tempfile.mkdtemp(prefix="symml-format-"))
        atexit.register(shutil.rmtree, private, ignore_errors=True)
        return private


def _format(exe: str) -> Path:
    """The path of symml's format for ``exe``, built on first use."""
    with _format_lock:
        if exe in _formats and _formats[exe].is_file():
            return _formats[exe]
        target = _cache_folder() / f"symml-{_format_key(exe)}.fmt"
        if not target.is_file():
            _build_format(exe, target)
        _formats[exe] = target
        return target


def _forget_format(exe: str) -> None:
    with _format_lock:
        path = _formats.pop(exe, None)
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()


def _build_format(exe: str, target: Path) -> None:
    args = [exe, "-ini", "-jobname=symml", "-etex", "-interaction=batchmode", "symml.ini"]
    with tempfile.TemporaryDirectory(prefix="symml-format-") as name:
        folder = Path(name)
        (folder / "symml.ini").write_text(_FORMAT_INI, encoding="ascii")
        _, stopped = _run(args, folder, _BUILD_TIMEOUT)
        built = folder / "symml.fmt"
        if stopped or not built.is_file():
            log = _tail(folder / "symml.log")
            why = stopped or latex_error(log)[0]
            raise LatexError(
                f"could not build symml's restricted LaTeX format: {PDFLATEX} {why}", log=log
            )
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".symml-", suffix=".fmt")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(built.read_bytes())
            os.replace(tmp, target)
            for old in target.parent.glob("symml-*.fmt"):  # formats of an older TeX
                if old != target:
                    with contextlib.suppress(OSError):
                        old.unlink()
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
