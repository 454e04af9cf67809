"""Render reading lists and year plans to files an organiser hands out: docx, md, csv, pdf."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from kb.errors import InvalidInput, KBError
from kb.export import csv, docx, markdown, pdf
from kb.export.labels import list_title
from kb.export.model import ExportItem, ExportList, ExportPlan, PlanMonth, SessionHeader

__all__ = [
    "LIST_FORMATS", "PLAN_FORMATS", "MIME_TYPES", "ExportItem", "ExportList", "ExportPlan", "PlanMonth",
    "SessionHeader", "list_title",
    "export_list", "export_plan", "render_list", "render_plan", "suggested_filename", "write_file",
]

LIST_FORMATS: dict[str, Callable[[ExportList], bytes]] = {
    "docx": docx.render_list,
    "md": markdown.render_list,
    "csv": csv.render_list,
    "pdf": pdf.render_list,
}
PLAN_FORMATS: dict[str, Callable[[ExportPlan], bytes]] = {
    "docx": docx.render_plan,
    "md": markdown.render_plan,
    "pdf": pdf.render_plan,
}
# For st.download_button(mime=...).
MIME_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
_ALIASES = {"markdown": "md", "word": "docx"}


T = TypeVar("T", ExportList, ExportPlan)


def _renderer(registry: dict[str, Callable[[T], bytes]], fmt: str, what: str) -> Callable[[T], bytes]:
    key = fmt.strip().lower().lstrip(".")
    key = _ALIASES.get(key, key)
    if key not in registry:
        raise ValueError(f"不支持的{what}导出格式：{fmt!r}，可选格式：{'、'.join(registry)}")
    return registry[key]


def render_list(lst: ExportList, fmt: str) -> bytes:
    """The reading list rendered as fmt (docx, md, csv or pdf), as bytes."""
    return _renderer(LIST_FORMATS, fmt, "学习材料清单")(lst)


def render_plan(plan: ExportPlan, fmt: str) -> bytes:
    """The year plan rendered as fmt (docx, md or pdf), as bytes."""
    return _renderer(PLAN_FORMATS, fmt, "年度学习计划")(plan)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_atomically(data: bytes, path: Path) -> Path:
    """Write to a temporary file beside path, then rename, so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an export is for handing out
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_file(data: bytes, path: Path, name: str | None = None) -> Path:
    """Write an exported file's bytes to path atomically and return the path written. `path` may be
    an existing folder: the file then goes inside it, under `name` (see suggested_filename). A path
    that cannot be written is one line saying what to check."""
    path = Path(path)
    if path.is_dir():
        if name is None:
            raise InvalidInput(f"{path} 是一个文件夹：请在其后写上要保存的文件名")
        path = path / name
    try:
        return _write_atomically(data, path)
    except OSError as e:
        raise KBError(f"无法写入 {path}（{e.strerror or e}）：请检查路径是否正确、有无写入权限、磁盘是否已满") from e


def export_list(lst: ExportList, fmt: str, path: Path) -> Path:
    """Write the reading list as fmt to path and return path."""
    return _write_atomically(render_list(lst, fmt), path)


def export_plan(plan: ExportPlan, fmt: str, path: Path) -> Path:
    """Write the year plan as fmt to path and return path."""
    return _write_atomically(render_plan(plan, fmt), path)


_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def suggested_filename(stem: str, fmt: str) -> str:
    """A download file name such as "关于党的创新理论的学习材料.docx", safe on Windows too."""
    clean = _UNSAFE_NAME.sub("_", stem).strip(" ._") or "导出"
    return f"{clean[:80]}.{fmt.strip().lower().lstrip('.')}"
