"""`kb migrate SRC DST`: move a whole knowledge base between a data folder and a database server."""

from __future__ import annotations

import argparse
import sys

from kb.commands.common import local_dir_from_args, print_json

# What a person calls each table in the report (a table added later is shown by its own name).
TABLE_NAMES = {
    "meta": "设置", "counters": "计数器", "documents": "文档", "document_tags": "文档标签", "chunks": "片段",
    "embeddings": "向量", "ingest_runs": "导入记录", "reading_lists": "学习清单", "reading_list_items": "清单条目",
    "plans": "学习计划", "plan_months": "计划月份", "session_edits": "学习记录更正",
    "accounts": "账号", "login_failures": "登录失败计数", "login_sessions": "登录会话", "audit_log": "操作日志",
    "import_roots": "导入目录",
}


def cmd_migrate(args: argparse.Namespace) -> int:
    from kb.library import describe_location, migrate

    shown: dict[str, int] = {}

    def progress(table: str, rows: int) -> None:
        if sys.stderr.isatty() and rows - shown.get(table, 0) >= 5000:
            shown[table] = rows
            print(f"\r  {TABLE_NAMES.get(table, table)}：{rows:,} 行…", end="", file=sys.stderr, flush=True)

    counts = migrate(args.source, args.target, progress, local_dir=local_dir_from_args(args))
    if shown:
        print(file=sys.stderr)
    if args.json:
        print_json(counts)
        return 0
    print(f"迁移完成：{describe_location(args.source)} → {describe_location(args.target)}（逐表核对行数一致）")
    for table, rows in counts.items():
        print(f"  {TABLE_NAMES.get(table, table):<8}{rows:>10,} 行")
    print("目标知识库的检索索引将在第一次检索时由复制过去的向量重建，无需重新编码。")
    return 0


def register(sub) -> None:
    p = sub.add_parser("migrate", help="把整个知识库复制到另一处（数据目录 ↔ PostgreSQL 数据库）",
                       description="把 SRC 的全部内容（文档、片段、向量、学习清单、计划、更正记录等）"
                                   "复制到新建的空知识库 DST。SRC、DST 可以是数据目录，也可以是 postgresql://主机/数据库。")
    p.add_argument("source", metavar="SRC", help="源知识库：数据目录或 postgresql://… 地址")
    p.add_argument("target", metavar="DST", help="目标知识库（须为空）：数据目录或 postgresql://… 地址")
    p.add_argument("--json", action="store_true", help="输出每个表复制的行数（JSON）")
    p.set_defaults(func=cmd_migrate)
