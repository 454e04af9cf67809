"""Import roots (kb.roots): the only folders whose files someone other than the local administrator
may have the server import.

A path typed in the browser is resolved to its real path (`..` and every symlink followed) and must lie
inside a root; each file found under it must too (a link inside a root pointing out of it is skipped).
A path outside the roots gets the same message whether it exists or not, and nothing about it — not
its files, not whether it is a folder — is ever read or shown.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.pipeline import discover
from kb.access import Guard, mutation, restricted
from kb.clock import now
from kb.errors import InvalidInput, NotFound, PermissionDenied

if TYPE_CHECKING:
    from kb.store import Store

# Folders that hold the system, not documents: never a root, nor anything under them.
SYSTEM = tuple(Path(p) for p in ("/etc", "/proc", "/sys", "/dev", "/boot", "/run", "/bin", "/sbin", "/lib",
                                 "/lib64", "/usr/bin", "/usr/sbin", "/usr/lib", "/var/lib", "/var/run", "/root"))


def real(path: str | Path) -> Path:
    """The real path: absolute, `..` and every symlink resolved (a missing tail is kept as written)."""
    return Path(os.path.realpath(path))


def within(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


class ImportRoots:
    """The configured import roots and the check every non-local folder import passes (kb.roots)."""

    def __init__(self, store: Store, guard: Guard):
        self.store = store
        self.guard = guard

    @restricted("settings.read")
    def all(self) -> list[str]:
        """The roots, as real paths (administrators only: they are server paths)."""
        return self.store.roots.all()

    @mutation("settings", target="path")
    def add(self, path: str | Path) -> str:
        """Make a folder an import root; returns its real path."""
        given = Path(str(path).strip()).expanduser()
        if not given.is_absolute():
            raise InvalidInput(f"导入目录必须是绝对路径（以 / 开头）：{path}")
        folder = real(given)
        if not folder.is_dir():
            raise InvalidInput(f"{folder} 不是服务器上已有的文件夹：请先建好文件夹再添加")
        if folder == Path(folder.anchor) or within(folder, SYSTEM):
            raise InvalidInput(f"{folder} 是系统文件夹，不能作为导入目录：请指定存放学习资料的文件夹")
        with self.store.transaction():
            self.store.roots.add(str(folder), now(), self.guard.actor.name)
        return str(folder)

    @mutation("settings", target="path")
    def remove(self, path: str | Path) -> None:
        text = str(path).strip()
        with self.store.transaction():
            if not (self.store.roots.remove(text) or self.store.roots.remove(str(real(text)))):
                raise NotFound(f"{text} 不是导入目录：用 kb roots list 查看")

    # ---- the check ------------------------------------------------------------------------------
    def _roots(self) -> list[Path]:
        roots = [Path(r) for r in self.store.roots.all()]
        if not roots:
            raise PermissionDenied("还没有设定导入目录：管理员先在“系统管理 → 导入目录”中添加（或在服务器上运行"
                                   " kb roots add 文件夹路径），再导入文件夹")
        return roots

    def confine(self, paths: Sequence[str | Path]) -> tuple[list[Path], int]:
        """The files to import for `paths`, each inside a root: (files, how many links pointing out of
        the roots were left out). A path outside every root is refused (PermissionDenied) with the
        same message whether or not it exists."""
        roots = self._roots()
        chosen = []
        for given in paths:
            text = str(given).strip()
            resolved = real(text) if Path(text).is_absolute() else None
            if resolved is None or not within(resolved, roots):
                raise PermissionDenied(
                    f"只能导入导入目录中的文件夹：{text} 不在管理员设定的导入目录内"
                    f"（{'、'.join(str(r) for r in roots)}）")
            chosen.append(resolved)
        files, outside = [], 0
        for file in discover(chosen):
            if file.exists() and not within(real(file), roots):
                outside += 1
            else:
                files.append(file)
        return files, outside
