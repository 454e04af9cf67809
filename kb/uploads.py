"""Files uploaded through the web UI: kept in <data>/uploads under a safe name, then imported."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from kb.errors import StoreUnavailable

UPLOADS = "uploads"  # the folder inside the data directory
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_name(name: str) -> str:
    """An uploaded file's name, without any folder part or characters a file system refuses."""
    clean = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).strip(" .")
    return clean or "未命名文件"


def save(folder: Path, files: Sequence[tuple[str, bytes]]) -> list[Path]:
    """Write (name, content) pairs into `folder` (a file of the same name is replaced, so uploading a
    corrected version updates the stored document); returns their paths."""
    paths = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in files:
            path = folder / safe_name(name)
            tmp = path.with_name(f".{path.name}.uploading")
            tmp.write_bytes(content)  # then renamed: a full disk never leaves half a file under the real name
            os.replace(tmp, path)
            paths.append(path)
    except OSError as e:
        for path in folder.glob(".*.uploading"):
            path.unlink(missing_ok=True)
        raise StoreUnavailable(f"无法保存上传的文件（{e.strerror or e}）："
                               "请检查服务器的磁盘空间和数据目录的权限后重新上传") from e
    return paths
