"""Crash-safe index folders: data files under a fresh generation name, then the manifest swapped in."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1
MANIFEST = "manifest.json"

Writer = Callable[[Path], None]


class IndexFormatError(ValueError):
    """An index folder is missing, damaged, of another kind or of a newer format."""


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def array_writer(array: np.ndarray) -> Writer:
    """A writer that stores one array as .npy (never pickled)."""

    def write(path: Path) -> None:
        with open(path, "wb") as handle:
            np.save(handle, np.ascontiguousarray(array), allow_pickle=False)

    return write


def json_writer(value: Any) -> Writer:
    """A writer that stores a JSON value as UTF-8."""

    def write(path: Path) -> None:
        path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")

    return write


def save_bundle(directory: Path, kind: str, meta: Mapping[str, Any], files: Mapping[str, Writer]) -> None:
    """Write `files` (logical name such as "ids.npy" -> writer) and a manifest into `directory`.

    Every data file gets a new generation suffix and the manifest naming them replaces the old one
    with os.replace, so a save cut short leaves the previous index readable. Files of older
    generations are deleted afterwards.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    generation = uuid.uuid4().hex[:12]
    names: dict[str, str] = {}
    for logical in files:
        stem, dot, suffix = logical.partition(".")
        names[logical] = f"{stem}.{generation}{dot}{suffix}"
    temp = directory / f"{MANIFEST}.{generation}.tmp"
    try:
        for logical, write in files.items():
            write(directory / names[logical])
            _fsync_file(directory / names[logical])
        manifest = {"format": FORMAT_VERSION, "kind": kind, **meta, "files": names}
        temp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _fsync_file(temp)
        os.replace(temp, directory / MANIFEST)
    except BaseException:
        for path in [*(directory / name for name in names.values()), temp]:
            path.unlink(missing_ok=True)  # the previous generation stays as it was
        raise
    _remove_stale(directory, keep=set(names.values()), logical=set(files))


def _remove_stale(directory: Path, keep: set[str], logical: set[str]) -> None:
    stems = {name.partition(".")[0] for name in logical}
    for path in directory.iterdir():
        stale_data = path.name.partition(".")[0] in stems and path.name not in keep
        stale_temp = path.name.startswith(f"{MANIFEST}.") and path.name.endswith(".tmp")
        if path.is_file() and (stale_data or stale_temp):
            path.unlink(missing_ok=True)


def read_manifest(directory: Path, kind: str) -> dict[str, Any]:
    """The manifest of an index folder, checked for kind and format version."""
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexFormatError(f"索引目录 {directory} 中没有 {MANIFEST}，请重新建立索引。") from exc
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"索引清单 {path} 无法读取（{exc}），请重新建立索引。") from exc
    if manifest.get("kind") != kind:
        found = manifest.get("kind")
        raise IndexFormatError(f"索引目录 {directory} 的类型是 {found!r}，不是 {kind!r}，请检查路径或重新建立索引。")
    version = manifest.get("format")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise IndexFormatError(
            f"索引目录 {directory} 的格式版本 {version} 比本程序支持的 {FORMAT_VERSION} 新，请升级程序后再打开。"
        )
    return manifest


def bundle_path(directory: Path, manifest: Mapping[str, Any], logical: str) -> Path:
    """Where the current generation of a logical file lies."""
    try:
        return Path(directory) / manifest["files"][logical]
    except KeyError as exc:
        raise IndexFormatError(f"索引目录 {directory} 缺少 {logical}，请重新建立索引。") from exc


def load_array(directory: Path, manifest: Mapping[str, Any], logical: str) -> np.ndarray:
    """Load one .npy file of a bundle without allowing pickled objects."""
    path = bundle_path(directory, manifest, logical)
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"索引文件 {path} 无法读取（{exc}），请重新建立索引。") from exc


def load_json(directory: Path, manifest: Mapping[str, Any], logical: str) -> Any:
    """Load one JSON file of a bundle."""
    path = bundle_path(directory, manifest, logical)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexFormatError(f"索引文件 {path} 无法读取（{exc}），请重新建立索引。") from exc
