"""Commands on synced folders: kb sync (once, --every, --watch, --status, --forget), kb sync-gone,
kb sync-remove, kb sync-keep."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from kb.commands.common import open_from_args, print_json
from kb.errors import InvalidInput


def print_result(result) -> None:
    s = result.summary()
    when = "（文件夹无法访问：未检查删除情况，请确认磁盘或共享已连接）" if result.unreachable else ""
    print(f"同步 {result.folder}：新增 {s['added']}，更新 {s['updated']}，移动或改名 {s['moved']}，"
          f"未变 {s['unchanged']}，重复 {s['duplicates']}，跳过 {s['skipped']}；"
          f"已不在文件夹中 {s['gone']}（本次新发现 {s['newly_gone']}）{when}")
    for entry in result.report.added + result.report.updated:
        note = f"（{entry.note}）" if entry.note else ""
        label = "新增" if entry in result.report.added else "移动" if entry.note.startswith("文件已从") else "更新"
        print(f"  [{label}] {entry.doc_id}  {entry.title}{note}")
    for skipped in result.report.skipped:
        print(f"  [跳过] {skipped.reason}")
    for gone in result.gone:
        if not gone.kept:
            when = gone.noticed_at[:16].replace("T", " ")
            print(f"  [已不在] {gone.doc_id}  {gone.title}  ← {gone.path}（{when} 发现；"
                  f"确认移除：kb sync-remove {result.folder} {gone.doc_id}）")
    for warning in result.report.warnings:
        print(f"  [提示] {warning}")


def print_status(folders, describe_interval) -> None:
    if not folders:
        print("还没有同步文件夹：用 kb sync 文件夹路径 开始同步。")
    for f in folders:
        last = f"上次同步 {f.last_run_at[:16].replace('T', ' ')}" if f.last_run_at else "尚未同步"
        s = f.last_report or {}
        state = "文件夹无法访问" if s.get("unreachable") else \
            f"新增 {s.get('added', 0)}，更新 {s.get('updated', 0)}，移动 {s.get('moved', 0)}" if s else ""
        print(f"{f.path}  {describe_interval(f.every_seconds)}  {last}  {state}  待确认移除 {len(f.waiting)}")
        for gone in f.waiting:
            print(f"  [已不在] {gone.doc_id}  {gone.title}  ← {gone.path}")


def cmd_sync(args: argparse.Namespace) -> int:
    from kb.library import describe_interval, parse_interval

    every = parse_interval(args.every) if args.every else None
    with open_from_args(args) as kb:
        if args.forget:
            kb.sync.forget(args.forget)
            print(f"已停止同步 {args.forget}（已导入的文档保留）")
            return 0
        if args.status:
            folders = kb.sync.folders()
            if args.json:
                print_json([{"path": f.path, "every_seconds": f.every_seconds, "last_run_at": f.last_run_at,
                             "last_report": f.last_report, "waiting": [g.doc_id for g in f.waiting]}
                            for f in folders])
            else:
                print_status(folders, describe_interval)
            return 0
        if args.due:  # for cron: only the folders whose schedule says it is time
            folders = [f.path for f in kb.sync.due()]
            if not folders:
                print("没有到时间需要同步的文件夹。")
                return 0
        else:
            folders = [kb.sync.add(folder, every).path for folder in args.folders] or \
                [f.path for f in kb.sync.folders()]
        if not folders:
            raise InvalidInput("请指定要同步的文件夹：kb sync 文件夹路径 [--every 10m | --watch]")
        results = []

        def show(result) -> None:
            results.append(result)
            if args.json:
                print_json({"folder": result.folder, **result.summary(),
                            "gone": [{"doc_id": g.doc_id, "path": g.path} for g in result.gone if not g.kept]})
            else:
                print_result(result)

        stop = threading.Event()
        if args.watch:
            print(f"正在监视 {len(folders)} 个文件夹，文件有变化时自动同步（按 Ctrl+C 停止）…")
            kb.sync.watch(folders, show, stop=stop, times=args.times)
        elif every:
            print(f"每 {describe_interval(every)[2:]} 同步一次（按 Ctrl+C 停止）…")
            kb.sync.repeat(folders, every, show, stop=stop, times=args.times)
        else:
            for folder in folders:
                show(kb.sync.run(folder))
    return 0 if all(not r.unreachable for r in results) else 1


def cmd_sync_gone(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        folders = kb.sync.folders()
    if args.folder:
        folders = [f for f in folders if f.path in (args.folder, str(Path(args.folder).resolve()))]
    gone = [g for f in folders for g in f.gone if args.all or not g.kept]
    if args.json:
        print_json([{"folder": g.folder, "doc_id": g.doc_id, "title": g.title, "path": g.path,
                     "noticed_at": g.noticed_at, "kept": g.kept} for g in gone])
        return 0
    if not gone:
        print("没有待确认的已删除文件。")
    for g in gone:
        print(f"{g.doc_id}  {g.title}  ← {g.path}  {g.noticed_at[:16].replace('T', ' ')} 发现"
              f"{'（已保留）' if g.kept else ''}")
    return 0


def cmd_sync_remove(args: argparse.Namespace) -> int:
    if not args.docs and not args.all:
        raise InvalidInput("请写出要移除的文档编号，或用 --all 移除该文件夹全部待确认的文档")
    with open_from_args(args) as kb:
        removed = kb.sync.remove_gone(args.folder, None if args.all else args.docs)
    for g in removed:
        print(f"已移除 {g.doc_id} {g.title}（文件 {g.path} 已不在）")
    if not removed:
        print("没有移除任何文档：所列文件已恢复或已移动。")
    return 0


def cmd_sync_keep(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        kept = kb.sync.keep(args.folder, args.docs)
    print(f"已保留 {kept} 篇文档（文件已不在文件夹中，不再列为待移除）")
    return 0


def register(sub) -> None:
    p = sub.add_parser("sync", help="让知识库与文件夹保持同步：新增、修改、改名的文件自动导入，删除的文件列出待确认")
    p.set_defaults(func=cmd_sync)
    p.add_argument("folders", nargs="*", help="要同步的文件夹（不写则同步全部已登记的文件夹）")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--every", help="定时重复同步，如 10m、1h（按 Ctrl+C 停止）")
    how.add_argument("--watch", action="store_true", help="监视文件夹，文件有变化时自动同步（按 Ctrl+C 停止）")
    how.add_argument("--status", action="store_true", help="列出同步文件夹及其状态")
    how.add_argument("--forget", metavar="FOLDER", help="停止同步一个文件夹（已导入的文档保留）")
    how.add_argument("--due", action="store_true",
                     help="只同步按频率已到时间的文件夹（供 cron 等定时任务每分钟调用）")
    p.add_argument("--times", type=int, help=argparse.SUPPRESS)  # tests: stop after this many rounds
    p.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser("sync-gone", help="列出已从同步文件夹中删除、待确认移除的文档")
    p.set_defaults(func=cmd_sync_gone)
    p.add_argument("folder", nargs="?", help="只看这个文件夹")
    p.add_argument("--all", action="store_true", help="也列出已选择保留的")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("sync-remove", help="确认移除文件已删除的文档（组织者）")
    p.set_defaults(func=cmd_sync_remove)
    p.add_argument("folder", help="同步文件夹")
    p.add_argument("docs", nargs="*", help="文档编号（kb sync-gone 列出的）")
    p.add_argument("--all", action="store_true", help="移除该文件夹全部待确认的文档")

    p = sub.add_parser("sync-keep", help="保留文件已删除的文档，不再列为待移除")
    p.set_defaults(func=cmd_sync_keep)
    p.add_argument("folder", help="同步文件夹")
    p.add_argument("docs", nargs="+", help="文档编号")
