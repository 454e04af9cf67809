"""Test files written by third-party software, not by kb's own writers: .doc and .wps saved by LibreOffice
from a DOCX, and .ofd converted from a PDF by easyofd. A test skips (saying what to install) only when
the converter is absent; .ci/run installs both, so they run in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

# LibreOffice's Word 97 export filter; its registry lists "doc wps" as this type's extensions, and a WPS
# Writer .wps file is that same Word 97-2003 binary.
LIBREOFFICE_FILTERS = {".doc": "doc:MS Word 97", ".wps": "wps:MS Word 97", ".rtf": "rtf"}
_INSTALL_LIBREOFFICE = "LibreOffice is not installed (apt-get install libreoffice-writer-nogui)"
_INSTALL_EASYOFD = 'easyofd is not installed (pip install -e ".[test]")'


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_convert(sources: Sequence[Path], suffix: str, outdir: Path) -> list[Path]:
    """Save each file as `suffix` (".doc", ".wps", ".rtf") with LibreOffice, in one headless run."""
    program = soffice()
    if program is None:
        pytest.skip(_INSTALL_LIBREOFFICE)
    outdir.mkdir(parents=True, exist_ok=True)
    # A private profile: two LibreOffice processes sharing one profile make the second exit silently.
    with tempfile.TemporaryDirectory(prefix="kb-lo-profile-") as profile:
        subprocess.run(
            [program, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
             "--convert-to", LIBREOFFICE_FILTERS[suffix], "--outdir", str(outdir), *map(str, sources)],
            check=True, capture_output=True, timeout=600,
        )
    converted = [outdir / (source.stem + suffix) for source in sources]
    missing = [path.name for path in converted if not path.is_file()]
    assert not missing, f"LibreOffice wrote no {missing}"
    return converted


def easyofd_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("easyofd") is not None


def pdf_to_ofd(pdf: Path, target: Path) -> Path:
    """Convert a PDF to OFD with easyofd's PDF converter (text kept as TextObjects, one OFD page per
    PDF page). It runs in a child process in a scratch folder: easyofd writes a ./test folder and
    prints its progress."""
    if not easyofd_available():
        pytest.skip(_INSTALL_EASYOFD)
    script = (
        "import sys; from pathlib import Path; from easyofd.ofd import OFD; "
        "Path(sys.argv[2]).write_bytes(OFD().pdf2ofd(Path(sys.argv[1]).read_bytes(), optional_text=True))"
    )
    with tempfile.TemporaryDirectory(prefix="kb-easyofd-") as scratch:
        subprocess.run(
            [sys.executable, "-c", script, str(pdf.absolute()), str(target.absolute())],
            cwd=scratch, check=True, capture_output=True, timeout=300,
            env={**os.environ, "LOGURU_LEVEL": "WARNING"},
        )
    return target
