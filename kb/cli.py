"""The `kb` command line: a thin argparse layer over the library (commands live in kb/commands/)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

# Idle torch threads spin by default and, on 2 busy cores, slow encoding ~5x; must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from kb.commands import MODULES  # noqa: E402
from kb.errors import KBError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kb", description="学习资料库：理论学习中心组的文档知识库与语义检索")
    parser.add_argument("--data", type=Path, help="数据目录（默认 $KB_DATA 或 ~/.local/share/kb）")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KBError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断：已完成的文档都已保存，重新运行同一命令即可继续。", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
