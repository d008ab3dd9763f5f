"""`explain --format pdf`: the same HTML page, printed to PDF by headless Chromium (Debian's `chromium`).

No new Python dependency and no renderer of our own: the page is written to a temporary folder and Chromium prints
it (`--print-to-pdf`), with a fresh profile, no network, no GPU. Without Chromium it is a usage error that says how
to install it (exit 2).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import Diagnostic, Position, UsageError

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--disable-extensions", "--mute-audio")


def find_chromium() -> str | None:
    """The Chromium executable: $CREDITRULES_CHROMIUM, else the first of NAMES on PATH."""
    given = os.environ.get("CREDITRULES_CHROMIUM")
    if given:
        return given if shutil.which(given) else None
    return next((found for name in NAMES if (found := shutil.which(name))), None)


def run_chromium(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """Chromium headless with a fresh profile (removed afterwards) and `args` (the URL last)."""
    exe = find_chromium()
    if exe is None:
        raise UsageError([Diagnostic("no-chromium", "headless Chromium is needed for this and was not found",
                                     Position(), "install it (Debian: apt-get install -y chromium fonts-noto-cjk) "
                                     "or set CREDITRULES_CHROMIUM to its path")])
    with tempfile.TemporaryDirectory(prefix="creditrules-chromium-") as profile:
        return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              timeout=timeout, check=False)


def html_to_pdf(page: str, output: Path) -> None:
    """Print the HTML page to `output` (A4, no header or footer)."""
    with tempfile.TemporaryDirectory(prefix="creditrules-pdf-") as folder:
        source = Path(folder) / "explanation.html"
        source.write_text(page, encoding="utf-8")
        target = Path(folder) / "explanation.pdf"
        proc = run_chromium([f"--print-to-pdf={target}", "--no-pdf-header-footer", source.as_uri()])
        if not target.is_file() or target.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise UsageError([Diagnostic("pdf-failed", f"Chromium did not print the page (exit {proc.returncode})",
                                         Position(), tail[0][:200])])
        Path(output).write_bytes(target.read_bytes())
