"""Commands on reading lists (学习清单): create, add, show, edit, delete, export."""

from __future__ import annotations

import argparse
from pathlib import Path

from kb.commands.common import open_from_args
from kb.records import section_below

STATUS_NAMES = {"ok": "", "missing": "（原文已删除）", "changed": "（原文已修改）"}


def print_list(lst) -> None:
    print(f"《{lst.name}》" + (f"  主题：{lst.topic}" if lst.topic else "") + f"  共 {len(lst.items)} 项")
    for item in lst.items:
        where = " · ".join(x for x in (item.date or "", f"第{item.page_start}页" if item.page_start else "",
                                      " > ".join(section_below(item.title, item.section))) if x)
        what = "段落" if item.is_passage else "全文"
        print(f"{item.position:>2}. [{item.id}] {item.title}（{what}）{where}{STATUS_NAMES[item.status]}")
        if item.text:
            print(f"      {item.text[:80].replace(chr(10), ' ')}{'…' if len(item.text) > 80 else ''}")
        if item.note:
            print(f"      导读：{item.note}")


def cmd_lists(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        lists = kb.lists.all()
    if not lists:
        print("还没有学习清单：用 kb list-new 名称 --topic 主题 创建。")
    for lst in lists:
        print(f"《{lst.name}》 {len(lst.items)} 项  主题：{lst.topic or '—'}  更新于 {lst.updated_at}")
    return 0


def cmd_list_new(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        if args.draft:
            lst = kb.lists.draft(args.name, args.topic or args.name, k=args.k)
        else:
            lst = kb.lists.create(args.name, topic=args.topic)
    print(f"已创建学习清单《{lst.name}》")
    if lst.items:
        print_list(lst)
    return 0


def cmd_list_add(args: argparse.Namespace) -> int:
    ref = args.ref.strip()
    with open_from_args(args) as kb:
        if ref.lower().startswith("c") and ref[1:].isdigit():
            item = kb.lists.add_passage(args.name, int(ref[1:]), note=args.note)
        else:
            item = kb.lists.add_document(args.name, kb.document(ref).id, note=args.note)
    print(f"已加入《{args.name}》第 {item.position} 项：{item.title}")
    return 0


def cmd_list_show(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        print_list(kb.lists.get(args.name))
    return 0


def cmd_list_edit(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        if args.item is not None:
            if args.remove:
                kb.lists.remove(args.name, args.item)
            if args.note is not None:
                kb.lists.annotate(args.name, args.item, args.note)
            if args.move is not None:
                kb.lists.move(args.name, args.item, args.move)
        if args.rename or args.topic:
            kb.lists.update(args.name, new_name=args.rename, topic=args.topic)
        print_list(kb.lists.get(args.rename or args.name))
    return 0


def cmd_list_delete(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        kb.lists.delete(args.name)
    print(f"已删除学习清单《{args.name}》")
    return 0


def cmd_list_export(args: argparse.Namespace) -> int:
    from kb.export import SessionHeader, list_title, suggested_filename, write_file

    session = SessionHeader(time=args.time or "", place=args.place or "", host=args.host or "",
                            audience=args.audience or "")
    with open_from_args(args) as kb:
        data = kb.lists.export(args.name, args.format, unit=args.unit, session=session)
    print(f"已导出 {write_file(data, args.output, suggested_filename(list_title(args.name), args.format))}")
    return 0




def register(sub) -> None:
    p = sub.add_parser("lists", help="列出学习清单")
    p.set_defaults(func=cmd_lists)

    p = sub.add_parser("list-new", help="新建学习清单")
    p.set_defaults(func=cmd_list_new)
    p.add_argument("name", help="清单名称")
    p.add_argument("--topic", help="学习主题")
    p.add_argument("--draft", action="store_true", help="按主题自动起草：每篇最相关文档各取一段")
    p.add_argument("-k", type=int, default=8, help="自动起草的条目数（默认 8）")

    p = sub.add_parser("list-add", help="向学习清单加入文档或段落")
    p.set_defaults(func=cmd_list_add)
    p.add_argument("name", help="清单名称")
    p.add_argument("ref", help="文档编号/标题，或 c+片段编号（检索结果 --json 中的 chunk_id，如 c123）")
    p.add_argument("--note", help="导读/要点")

    p = sub.add_parser("list-show", help="查看学习清单")
    p.set_defaults(func=cmd_list_show)
    p.add_argument("name")

    p = sub.add_parser("list-edit", help="编辑学习清单：改名、改主题，或对某一项删除、注释、调整顺序")
    p.set_defaults(func=cmd_list_edit)
    p.add_argument("name")
    p.add_argument("--item", type=int, help="条目编号（list-show 方括号中的数字）")
    p.add_argument("--note", help="设置该条目的导读")
    p.add_argument("--move", type=int, help="移动该条目到第几位")
    p.add_argument("--remove", action="store_true", help="删除该条目")
    p.add_argument("--rename", help="新名称")
    p.add_argument("--topic", help="新主题")

    p = sub.add_parser("list-delete", help="删除学习清单")
    p.set_defaults(func=cmd_list_delete)
    p.add_argument("name")

    p = sub.add_parser("list-export", help="导出学习清单（docx、md、csv、pdf）")
    p.set_defaults(func=cmd_list_export)
    p.add_argument("name")
    p.add_argument("--format", "-f", default="docx", help="docx | md | csv | pdf")
    p.add_argument("-o", "--output", type=Path, required=True, help="输出文件（或文件夹：按清单标题命名）")
    p.add_argument("--unit", help="标题上方的发文单位，如“中共某某县委理论学习中心组”（可选）")
    p.add_argument("--time", help="学习时间，印在标题下（可选）")
    p.add_argument("--place", help="学习地点（可选）")
    p.add_argument("--host", help="主持人（可选）")
    p.add_argument("--audience", help="参加范围（可选）")

