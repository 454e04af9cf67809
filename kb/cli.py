"""The `kb` command line: a thin argparse layer over the library (commands live in kb/commands/).

Commands that are not part of the product (`kb bench`, in the top-level bench package) are found
through the "kb.commands" entry-point group of the installed packages, so kb never imports them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from importlib.metadata import EntryPoint, entry_points

# Idle torch threads spin by default and, on 2 busy cores, slow encoding ~5x; must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from kb.commands import MODULES, argparse_zh  # noqa: E402
from kb.errors import KBError  # noqa: E402

COMMAND_GROUP = "kb.commands"  # entry points: name = "module:register", register(subparsers) adds the command


def extra_commands() -> list[EntryPoint]:
    """The commands other installed packages add to `kb` (e.g. bench), by name."""
    return sorted(entry_points(group=COMMAND_GROUP), key=lambda ep: ep.name)


def _register_extra(sub, entry: EntryPoint) -> None:
    """Add one extra command; if its module cannot be imported, the command says so when run
    instead of breaking every other command."""
    try:
        register = entry.load()
    except ImportError as e:
        reason = f"命令 {entry.name} 无法加载（{e}）：请重新安装 kb（bash scripts/setup.sh）"

        def unavailable(args: argparse.Namespace) -> int:
            raise KBError(reason)

        # No option prefix: whatever options the user typed are taken as words, so the reason is shown.
        stub = sub.add_parser(entry.name, help="（不可用）", add_help=False, prefix_chars="\0")
        stub.add_argument("words", nargs="*")
        stub.set_defaults(func=unavailable)
        return
    register(sub)


def build_parser(extra: Iterable[EntryPoint] | None = None) -> argparse.ArgumentParser:
    """The parser of every command: kb's own, then the installed extras (`extra` replaces those)."""
    argparse_zh.install()
    parser = argparse_zh.Parser(prog="kb", description="学习资料库：理论学习中心组的文档知识库与语义检索")
    _location_options(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")
    for module in MODULES:
        module.register(sub)
    for entry in extra_commands() if extra is None else extra:
        _register_extra(sub, entry)
    # `kb search 主题 --data DIR` as well as `kb --data DIR search 主题`: every command takes them too,
    # without a default of its own, so a value given before the command is not overwritten.
    for command in sub.choices.values():
        if command.prefix_chars == "-" and "--data" not in command._option_string_actions:
            _location_options(command, default=argparse.SUPPRESS)
    return parser


def _location_options(parser: argparse.ArgumentParser, default: object = None) -> None:
    # A string, not a Path: a database server's postgresql://… URL must reach the library as it was typed.
    parser.add_argument("--data", default=default, help="数据目录，或数据库地址 postgresql://主机/数据库"
                                                        "（默认 $KB_DATA 或 ~/.local/share/kb）")
    parser.add_argument("--local", default=default, help="知识库在数据库服务器上时，本机保存其索引与上传文件的目录"
                                                         "（默认 $KB_LOCAL 或 ~/.local/share/kb-servers/…）")


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
