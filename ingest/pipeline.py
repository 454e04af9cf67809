"""Read files and folders into Documents; a bad file becomes a Skipped entry, never a crash."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ingest.assemble import build_document
from ingest.errors import UnreadableFile
from ingest.limits import ZIP_MAGIC, Budget, check_zip
from ingest.options import ReadOptions
from ingest.readers import FORMATS, READERS
from ingest.types import Document, Skipped

__all__ = ["ReadOptions", "SUPPORTED_SUFFIXES", "discover", "read_all", "read_document"]

SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(sorted(READERS))
_MB = 1024 * 1024


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and files under folders named (recursively, sorted; hidden and Office lock files
    skipped), in the order given, each once. A path that does not exist is kept, to be reported."""
    found: dict[Path, None] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                relative = file.relative_to(path).parts
                if file.is_file() and not any(_hidden(part) for part in relative):
                    found.setdefault(file, None)
        else:
            found.setdefault(path, None)
    return list(found)


def _hidden(name: str) -> bool:
    return name.startswith((".", "~$"))


def read_document(
    path: str | Path,
    *,
    kind: str | None = None,
    options: ReadOptions = ReadOptions(),  # noqa: B008 - frozen, so one shared default is safe
) -> Document:
    """Read one file; raise UnreadableFile (with a Chinese reason and fix) when it cannot be read."""
    path = Path(path).absolute()
    if path.is_dir():
        raise UnreadableFile(path, "这是一个文件夹，不是文件", "请导入整个文件夹（其中的文件会逐个读取）")
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise UnreadableFile(
            path,
            f"不支持的文件格式（{suffix or '无扩展名'}）",
            f"请另存为以下格式之一后再导入：{'、'.join(SUPPORTED_SUFFIXES)}",
        )
    data = _read_bytes(path, options)
    if data[:4] == ZIP_MAGIC:
        check_zip(path, data, options)
    try:
        extracted = reader(path, data, options, Budget(path, options))
    except UnreadableFile:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure on a bad file is that file's problem
        raise UnreadableFile(
            path,
            f"文件内容无法解析（内部错误 {type(exc).__name__}）",
            "请用原软件打开确认文件完好，另存为新文件后重新导入",
        ) from exc
    if not extracted.text.strip():
        raise UnreadableFile(path, "文件中没有可提取的文字", "请确认文件内容不是空白或纯图片")
    return build_document(path, data, extracted, format=FORMATS[suffix], kind=kind)


def _read_bytes(path: Path, options: ReadOptions) -> bytes:
    try:
        size = path.stat().st_size
        if size == 0:
            raise UnreadableFile(path, "文件是空的（0字节）", "请检查文件是否完整保存或复制，然后重新导入")
        if size > options.max_bytes:
            raise UnreadableFile(
                path,
                f"文件过大（{size / _MB:.1f} MB，上限 {options.max_bytes / _MB:.0f} MB）",
                "请把文件拆分成较小的几个文件后再导入，或调高文件大小上限",
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFile(path, "文件不存在", "请检查文件路径是否正确") from None
    except PermissionError:
        raise UnreadableFile(
            path, "没有读取该文件的权限", "请检查文件权限，或复制到自己的文件夹后再导入"
        ) from None
    except OSError as exc:
        raise UnreadableFile(
            path, f"无法读取文件（{exc.strerror or exc}）", "请检查磁盘或网络路径后重试"
        ) from None


def read_all(
    paths: Iterable[str | Path],
    *,
    kind: str | None = None,
    options: ReadOptions = ReadOptions(),  # noqa: B008 - frozen, so one shared default is safe
) -> Iterator[Document | Skipped]:
    """Read every file under `paths`, yielding a Document per readable file and a Skipped per other."""
    for path in discover(paths):
        try:
            yield read_document(path, kind=kind, options=options)
        except UnreadableFile as exc:
            yield exc.skipped
