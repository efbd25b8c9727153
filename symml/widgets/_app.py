"""Serving explorers as a web page: a notebook of explorers run by Voilà on this machine.

=================  ==========================================================
name               what it is
=================  ==========================================================
``app_notebook``   the explorers notebook that ``symml app`` serves by default
``ExplorerServer`` a Voilà server on 127.0.0.1: start, address, stop by pid
=================  ==========================================================

Voilà runs the notebook in a fresh kernel per visitor and shows only the
outputs: the sliders, the formulas and the plots (the code is hidden). It is an
optional dependency (``pip install 'symml[browser]'``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._core import ArgumentError, SymmlError, bad_argument

__all__ = ["ExplorerServer", "app_notebook"]

_EXPLORERS: Sequence[tuple[str, str, str]] = (
    (
        "A function and its parameters",
        "Move $a$ (the amplitude) and $b$ (the offset) of $a \\sin x + b$.",
        "explore(a*sp.sin(x) + b, x, params={a: (0.5, 3.0), b: (-1.0, 1.0)}, xlim=(-3, 3))",
    ),
    (
        "Derivative and tangent line",
        "The derivative at $x_0$ is the slope of the tangent there.",
        "explore_derivative(x**3 - 2*x, x, xlim=(-2, 2))",
    ),
    (
        "Gradient descent and Newton's method",
        "Rosenbrock's function. The learning rate starts just below the derived bound "
        "$2/\\lambda_{\\max}$ of the Hessian at the start; above it, the run diverges.",
        "explore_descent((1 - x)**2 + 100*(y - x**2)**2, [x, y])",
    ),
    (
        "Polynomial regression with a ridge penalty",
        "A high degree overfits; the penalty $\\lambda \\|w\\|^2$ calms the curve.",
        "explore_regression()",
    ),
    (
        "The likelihood",
        "The density over the data, and the log-likelihood as a function of $\\mu$.",
        "explore_likelihood('normal')",
    ),
    (
        "Low-rank approximation (SVD)",
        "The best rank-$k$ approximation of a photo.",
        "explore_svd(k=20)",
    ),
    (
        "Bayesian updating of a coin",
        "A Beta prior becomes the posterior as the flips are added.",
        "explore_bayes()",
    ),
)


def _cell(kind: str, source: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def app_notebook() -> dict[str, Any]:
    """The explorers notebook (nbformat 4, as a dict): one explorer per section.

    It needs only symml's own dependencies, so ``symml app`` works after
    ``pip install 'symml[browser]'``.

    Examples
    --------
    >>> nb = app_notebook()
    >>> nb["nbformat"], sum(c["cell_type"] == "code" for c in nb["cells"])
    (4, 8)
    """
    cells = [
        _cell(
            "markdown",
            "# symml explorers\n\nMove a slider: the formula (symbolic, and with the "
            "numbers substituted) and the plot follow.",
        ),
        _cell(
            "code",
            "import sympy as sp\n"
            "from symml.widgets import (explore, explore_bayes, explore_derivative,\n"
            "                           explore_descent, explore_likelihood,\n"
            "                           explore_regression, explore_svd)\n\n"
            "a, b, x, y = sp.symbols('a b x y', real=True)",
        ),
    ]
    for title, text, code in _EXPLORERS:
        cells += [_cell("markdown", f"## {title}\n\n{text}"), _cell("code", code)]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _free_port(host: str, wanted: int = 0) -> int:
    """``wanted`` if it is free on ``host``, else a free port the system picks."""
    for port in (wanted, 0) if wanted else (0,):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise SymmlError(f"no free port on {host}")


class ExplorerServer:
    """A Voilà server on this machine serving a notebook of explorers.

    Parameters
    ----------
    notebook : path, optional
        The notebook to serve; default :func:`app_notebook` (written to a
        temporary folder that :meth:`stop` removes).
    port : int, optional
        Default: Voilà's usual 8866 if it is free, else any free port; 0: any
        free port.
    host : str
        The address to listen on; default ``127.0.0.1`` (this machine only).
    timeout : float
        Seconds to wait for the server to listen.

    Attributes
    ----------
    url : str
        The page's address (after :meth:`start`).
    pid : int
        The Voilà process (after :meth:`start`); :meth:`stop` ends it and the
        kernels it started.
    log : list of str
        What Voilà wrote (its log).

    Examples
    --------
    >>> server = ExplorerServer(port=8866)   # server.start() runs it; server.stop() ends it
    >>> server.url is None, server.port
    (True, 8866)
    """

    def __init__(
        self,
        notebook: str | os.PathLike[str] | None = None,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        timeout: float = 120.0,
    ) -> None:
        if notebook is not None and not Path(notebook).is_file():
            raise ArgumentError(bad_argument("notebook", notebook, "give an existing .ipynb file"))
        if port is not None and (not isinstance(port, int) or not 0 <= port < 65536):
            raise ArgumentError(bad_argument("port", port, "give a port in 0..65535 (0: any)"))
        self.notebook = None if notebook is None else Path(notebook).resolve()
        self.port = port
        self.host = host
        self.timeout = float(timeout)
        self.url: str | None = None
        self.pid: int | None = None
        self.log: list[str] = []
        self._process: subprocess.Popen[str] | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._ready = threading.Event()
        self._reader: threading.Thread | None = None

    def start(self) -> ExplorerServer:
        """Start Voilà and wait until it listens; return ``self``."""
        if importlib.util.find_spec("voila") is None:
            raise SymmlError(
                "symml app needs Voilà, which is not installed: "
                "pip install 'symml[browser]' (or pip install voila ipykernel)"
            )
        path = self.notebook
        if path is None:
            self._folder = tempfile.TemporaryDirectory(prefix="symml-app-")
            path = Path(self._folder.name) / "explorers.ipynb"
            path.write_text(json.dumps(app_notebook(), indent=1), encoding="utf-8")
        port = self.port or _free_port(self.host, 8866 if self.port is None else 0)
        command = [
            sys.executable,
            "-m",
            "voila",
            str(path),
            "--no-browser",
            f"--port={port}",
            f"--Voila.ip={self.host}",
            "--Voila.port_retries=0",
            "--show_tracebacks=True",
        ]
        self._process = subprocess.Popen(
            command,
            cwd=str(path.parent),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # Ctrl-C in a terminal reaches us, and we stop it
        )
        self.pid = self._process.pid
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + self.timeout
        while not self._ready.wait(0.1):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = " | ".join(self.log[-5:])
                raise SymmlError(f"Voilà did not start on {self.host}:{port}: {tail}")
        self.port = port
        self.url = f"http://{self.host}:{port}/"
        return self

    def _read_log(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            self.log.append(line.rstrip())
            if "is running at" in line:
                self._ready.set()

    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 20.0) -> int | None:
        """Stop Voilà (SIGTERM: it shuts its kernels down), by its pid; return its exit status."""
        process = self._process
        status = None
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout)
            status = process.returncode
            if self._reader is not None:
                self._reader.join(5.0)  # the log pipe ends with the process
            if process.stdout is not None:
                process.stdout.close()
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        return status

    def __enter__(self) -> ExplorerServer:
        return self.start() if self._process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
