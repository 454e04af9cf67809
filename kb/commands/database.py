"""Commands on the whole knowledge base: `kb migrate SRC DST` (between a data folder and a database
server), `kb check`, `kb backup DIR`, `kb restore DIR`."""

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


CHECK_COUNTS = {
    "documents": "文档", "chunks": "片段", "vectors": "语义向量", "chunks_without_vectors": "待算向量的片段",
    "reading_lists": "学习清单", "reading_list_items": "清单条目", "plans": "学习计划", "accounts": "账号",
    "audit_rows": "操作日志",
}


def cmd_check(args: argparse.Namespace) -> int:
    from kb.commands.common import open_from_args

    with open_from_args(args) as kb:
        report = kb.check()
        where = kb.location
    if args.json:
        print_json({"ok": report.ok, "counts": report.counts, "problems": report.problems, "notes": report.notes})
        return 0 if report.ok else 1
    print(("检查通过：" if report.ok else f"发现 {len(report.problems)} 个问题：") + where)
    print("  " + "，".join(f"{CHECK_COUNTS.get(k, k)} {v:,}" for k, v in report.counts.items()))
    for problem in report.problems:
        print(f"  [问题] {problem}")
    for note in report.notes:
        print(f"  [提示] {note}")
    return 0 if report.ok else 1


def cmd_backup(args: argparse.Namespace) -> int:
    from kb.commands.common import open_from_args

    with open_from_args(args) as kb:
        done = kb.backup(args.folder)
    print(f"备份完成：{done.folder}（{done.documents} 篇文档，数据库 {done.database_bytes / 1e6:.1f} MB，"
          f"上传文件 {done.uploads} 个）。核对：kb --data {done.folder} check")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from kb.commands.common import open_from_args

    with open_from_args(args) as kb:
        aside = kb.restore(args.folder)
        count = kb.count_documents()
    print(f"已从 {args.folder} 恢复：{count} 篇文档。恢复前的数据库保存在 {aside}。"
          "如网页界面（kb serve）正在运行，请重新启动它。")
    return 0


def register(sub) -> None:
    p = sub.add_parser("check", help="检查知识库：数据库完整性、记录数与编号、检索索引")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("backup", help="把整个知识库（含上传的文件）备份到一个新文件夹",
                       description="写出一份一致的副本（SQLite 在线备份；其他人可同时使用），备份文件夹本身就是一个"
                                   "数据目录：可用 kb --data 备份文件夹 check 核对。")
    p.add_argument("folder", metavar="DIR", help="新的备份文件夹（最好在另一块磁盘或 U 盘上）")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="从 kb backup 写出的备份恢复知识库（原数据库先另存，不删除）")
    p.add_argument("folder", metavar="DIR", help="kb backup 写出的备份文件夹")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("migrate", help="把整个知识库复制到另一处（数据目录 ↔ PostgreSQL 数据库）",
                       description="把 SRC 的全部内容（文档、片段、向量、学习清单、计划、更正记录等）"
                                   "复制到新建的空知识库 DST。SRC、DST 可以是数据目录，也可以是 postgresql://主机/数据库。")
    p.add_argument("source", metavar="SRC", help="源知识库：数据目录或 postgresql://… 地址")
    p.add_argument("target", metavar="DST", help="目标知识库（须为空）：数据目录或 postgresql://… 地址")
    p.add_argument("--json", action="store_true", help="输出每个表复制的行数（JSON）")
    p.set_defaults(func=cmd_migrate)
