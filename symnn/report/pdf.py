"""Build a PDF from a write-up's ``.tex`` with latexmk (or pdflatex run twice).

The build runs in a fresh temporary folder beside the ``.tex`` file (so that relative
plot paths resolve and the final rename is atomic); the PDF is moved next to the
``.tex`` and the log written beside it as ``FILE.log`` (also when the build fails).
The log is also kept in the returned :class:`Build` so callers can check it, e.g.
for ``Overfull \\hbox`` warnings (:func:`overfull_boxes`).

TeX runs confined (:data:`CONFINED`): ``-no-shell-escape`` (no ``\\write18``), and
kpathsea's paranoid ``openin_any=p`` / ``openout_any=p``, so that a document can read and
write only below its own folder (no absolute paths outside the TeX tree, no ``..``, no dot
files): whatever text reaches TeX, it cannot put another file's contents into the PDF.

>>> overfull_boxes("Overfull \\\\hbox (3.2pt too wide) in paragraph at lines 4--5\\n")
['Overfull \\\\hbox (3.2pt too wide) in paragraph at lines 4--5']
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from symnn.errors import ReportError

INSTALL_HINT = ("install texlive-latex-base and latexmk, e.g. apt-get install texlive-latex-base "
                "texlive-pictures latexmk")
TIMEOUT = 300
#: pdflatex's flags and environment: no shell escape, files read and written only below the build.
NO_SHELL = "-no-shell-escape"
CONFINED = {"openin_any": "p", "openout_any": "p", "shell_escape": "f"}


@dataclass(frozen=True)
class Build:
    """A finished build: where the PDF went, the tool that made it, and the TeX log."""

    pdf: Path
    tool: str
    log: str

    @property
    def overfull(self) -> list[str]:
        """The ``Overfull \\hbox`` warnings of the log."""
        return overfull_boxes(self.log)


def overfull_boxes(log: str) -> list[str]:
    """The lines of a TeX log that report an overfull horizontal box."""
    return [line.strip() for line in log.splitlines() if line.startswith("Overfull \\hbox")]


def tex_tools() -> tuple[str, str | None]:
    """(pdflatex, latexmk or ``None``); a :class:`ReportError` if pdflatex is missing."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise ReportError(f"pdflatex not found: {INSTALL_HINT}")
    return pdflatex, shutil.which("latexmk")


#: The width at which TeX wraps the lines of its log (``max_print_line``).
LOG_WIDTH = 79


def _first_error(log: str) -> str:
    """TeX's first error message (its wrapped lines joined) and the line it points at."""
    lines = log.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("!"):
            message, rest = line, iter(lines[index + 1:])
            while len(line) == LOG_WIDTH and (line := next(rest, "")):
                message += line
            where = next((x.strip() for x in lines[index + 1:index + 6] if x.startswith("l.")), "")
            return f"{message[1:].strip()} {where}".strip()
    return "see the log"


def build_pdf(tex: str | os.PathLike[str]) -> Build:
    """Compile ``tex`` to ``tex`` with suffix ``.pdf``; a failed build is a :class:`ReportError`."""
    source = Path(tex).resolve()
    if not source.is_file():
        raise ReportError(f"no such LaTeX file: {tex}")
    pdflatex, latexmk = tex_tools()
    target = source.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix=".symnn-build-", dir=source.parent) as work:
        flags = ["-interaction=nonstopmode", "-halt-on-error"]
        if latexmk is not None:
            runs = [[latexmk, "-pdf", f"-pdflatex={pdflatex} {NO_SHELL} %O %S", *flags,
                     f"-outdir={work}", source.name]]
            tool = "latexmk"
        else:
            runs = [[pdflatex, NO_SHELL, *flags, f"-output-directory={work}", source.name]] * 2
            tool = "pdflatex"
        environment = {**os.environ, **CONFINED}
        log_file = Path(work) / source.with_suffix(".log").name
        for command in runs:
            try:
                done = subprocess.run(command, cwd=source.parent, capture_output=True, text=True,
                                      timeout=TIMEOUT, stdin=subprocess.DEVNULL, check=False,
                                      env=environment)
            except subprocess.TimeoutExpired as error:
                raise ReportError(f"{tool} took longer than {TIMEOUT} s on {source.name}") from error
            log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.is_file() else ""
            if done.returncode != 0:
                _keep_log(source, log or done.stdout)
                raise ReportError(f"{tool} failed on {source.name}: {_first_error(log or done.stdout)}")
        built = Path(work) / target.name
        if not built.is_file():
            raise ReportError(f"{tool} produced no PDF for {source.name}")
        os.replace(built, target)
    _keep_log(source, log)
    return Build(target, tool, log)


def _keep_log(source: Path, log: str) -> None:
    """Keep TeX's log as ``FILE.log`` beside the ``.tex`` (to read overfull boxes and errors)."""
    from symnn.io import write_text_atomic

    write_text_atomic(source.with_suffix(".log"), log)
