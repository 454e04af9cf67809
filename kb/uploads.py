"""Files uploaded through the web UI: kept in <data>/uploads under a safe name, then imported."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

UPLOADS = "uploads"  # the folder inside the data directory
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_name(name: str) -> str:
    """An uploaded file's name, without any folder part or characters a file system refuses."""
    clean = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    return clean or "未命名文件"


def save(folder: Path, files: Sequence[tuple[str, bytes]]) -> list[Path]:
    """Write (name, content) pairs into `folder` (a file of the same name is replaced, so uploading a
    corrected version updates the stored document); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in files:
        path = folder / safe_name(name)
        path.write_bytes(content)
        paths.append(path)
    return paths
