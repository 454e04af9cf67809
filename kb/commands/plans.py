"""Commands on the session archive (学习档案) and the year plan (年度学习计划)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kb.commands.common import open_from_args, print_json
from kb.errors import InvalidInput
from kb.records import PLAN_FORMATS, SESSION_FIELD_NAMES, SESSION_FIELDS


def _names(names) -> str:
    return "、".join(names) or "—"


# ---- sessions ---------------------------------------------------------------------------------------
def print_session(s) -> None:
    mark = f"  （已更正：{'、'.join(s.edited)}）" if s.edited else ""
    print(f"{s.date or '日期不详':<10}  {s.theme or s.title}  [文档 {s.doc_id}]{mark}")
    print(f"            主持：{s.host or '—'}　地点：{s.location or '—'}　参加 {len(s.attendees)} 人"
          f"　发言：{_names(s.speakers)}")


def cmd_sessions(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        found = kb.archive.sessions(year=args.year, theme=args.theme)
    if args.json:
        print_json([s.to_dict() for s in found])
        return 0
    if not found:
        print("没有符合条件的学习活动：会议纪要导入后即列入学习档案（kb ingest 纪要文件）。")
    for s in found:
        print_session(s)
    return 0


def cmd_session_show(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        s = kb.archive.session(args.doc)
    if args.json:
        print_json(s.to_dict())
        return 0
    print(f"{s.title}\n编号 {s.doc_id} · {s.path}")
    print(f"日期 {s.date or '—'}　地点 {s.location or '—'}　主持 {s.host or '—'}　记录 {s.recorder or '—'}")
    print(f"主题 {s.theme or '—'}")
    print(f"参加 {_names(s.attendees)}（{len(s.attendees)} 人）")
    print(f"发言 {_names(s.speakers)}")
    if s.edited:
        fields = "、".join(SESSION_FIELD_NAMES[f] for f in s.edited)
        print(f"已更正 {fields}（kb session-edit --reset 字段 可恢复为自动识别的值）")
    return 0


def cmd_session_edit(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        s = kb.archive.edit_session(args.doc, date=args.date, theme=args.theme, host=args.host,
                         location=args.location, attendees=args.attendees, speakers=args.speakers,
                         reset=args.reset or ())
    print("已保存更正：")
    print_session(s)
    return 0


def cmd_attendance(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        result = kb.archive.attendance(args.year)
    if args.json:
        print_json(result.to_dict())
        return 0
    scope = f"{args.year} 年" if args.year else "全部"
    if not result.sessions:
        print(f"{scope}没有学习活动记录。")
        return 0
    print(f"{scope}共 {len(result.sessions)} 次集体学习")
    print(f"{'姓名':<6}\t参加\t发言\t主持\t出勤率\t缺席")
    for m in result.members:
        missed = "；".join(label.split(" ")[0] for label in m.missed) or "—"
        print(f"{m.name:<6}\t{m.attended}\t{m.spoke}\t{m.hosted}\t{m.rate:.0%}\t{missed}")
    return 0


def cmd_coverage(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        found = kb.archive.coverage(args.topic, k=args.k, before=args.before)
    if args.json:
        print_json([c.to_dict() for c in found])
        return 0
    if not found:
        print("学习档案中还没有会议纪要，无从比对。")
        return 0
    if not any(c.covered for c in found):
        print(f"往期学习中没有专题学过“{args.topic}”，以下为最接近的几次：")
    for rank, c in enumerate(found, 1):
        print(f"{rank:>2}. {c.session.label}  [文档 {c.session.doc_id}]  {c.verdict}（匹配度 {c.score:.1f}）")
        if c.snippet:
            print(f"    {c.marked_snippet()}")
    return 0


# ---- plans ------------------------------------------------------------------------------------------
def print_plan(plan) -> None:
    print(plan.display_title)
    if plan.unit:
        print(plan.unit)
    print(f"全年学习主线：{plan.main_line or '（未填写）'}")
    for m in plan.months:
        readings = f"《{m.list_name}》{m.readings} 项" if m.list_name else "未起草清单"
        stale = "（主题已改，清单可用 kb plan-draft --replace 重新起草）" if m.stale_list else ""
        print(f"{m.month:>2}月  {m.theme or '（待定）'}  ·  {m.format}  ·  {readings}{stale}")
        if m.note:
            print(f"      备注：{m.note}")


def cmd_plans(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        found = kb.plans.all()
    if not found:
        print("还没有学习计划：用 kb plan-new 年份 --main-line “主线” --themes-from-presets 创建。")
    for plan in found:
        themed = sum(bool(m.theme) for m in plan.months)
        print(f"{plan.year}  {plan.display_title}  主线：{plan.main_line or '—'}  已定主题 {themed}/12")
    return 0


def cmd_plan_new(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        themes, formats, proposals = list(args.theme or ()), [], []
        if args.themes_from_presets:
            proposals = kb.plans.propose_themes(args.year)
            themes, formats = [p.theme for p in proposals], kb.plans.proposed_formats(len(proposals))
        plan = kb.plans.create(args.year, args.main_line or "", title=args.title or "", unit=args.unit,
                               themes=themes, formats=formats)
        if args.draft:
            plan = kb.plans.draft(args.year, k=args.k)
    print(f"已创建 {plan.year} 年学习计划")
    if args.themes_from_presets:
        for month, p in zip(plan.months, proposals, strict=False):
            when = f"上次学习 {p.last_covered}" if p.last_covered else "往期未专题学习"
            print(f"  {month.month:>2}月 {p.theme}（{when}）")
        print()
    print_plan(plan)
    return 0


def cmd_plan_show(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        plan = kb.plans.get(args.year)
        pool = kb.archive.sessions() if args.coverage else []  # read once, not once a month
        coverage = {m.month: kb.plans.month_coverage(plan.year, m.theme, among=pool) for m in plan.months} \
            if args.coverage else {}
        lists = {m.month: kb.lists.get(m.list_name) for m in plan.months if m.list_name} if args.readings else {}
    if args.json:
        data = plan.to_dict()
        for month in data["months"]:
            if args.coverage:
                month["coverage"] = coverage[month["month"]]
            if args.readings and month["month"] in lists:
                month["reading_items"] = [{"title": i.title, "date": i.date, "doc_id": i.doc_id, "note": i.note}
                                          for i in lists[month["month"]].items]
        print_json(data)
        return 0
    print_plan(plan)
    for month in plan.months:
        if month.month in lists or coverage.get(month.month):
            print(f"\n{month.month}月 {month.theme}")
        for item in lists[month.month].items if month.month in lists else ():
            print(f"  {item.position}. {item.title}（{item.date or '日期不详'}）")
        for line in coverage.get(month.month, ()):
            print(f"  往期：{line}")
    return 0


def cmd_plan_set(args: argparse.Namespace) -> int:
    month_options = (args.theme, args.format, args.note, args.list)
    with open_from_args(args) as kb:
        if args.month is None and any(v is not None for v in month_options):
            raise InvalidInput("--theme、--format、--note、--list 是某个月的设置："
                               "请在年份后写上月份，如 kb plan-set 2026 3 --theme …")
        kb.plans.update(args.year, main_line=args.main_line, title=args.title, unit=args.unit)
        if args.month is not None:
            kb.plans.set_month(args.year, args.month, theme=args.theme, format=args.format, note=args.note,
                               list_name=args.list)
        plan = kb.plans.get(args.year)
    print_plan(plan)
    return 0


def cmd_plan_draft(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        if args.month is not None:
            kb.plans.draft_month(args.year, args.month, k=args.k, replace=args.replace)
            plan = kb.plans.get(args.year)
        else:
            plan = kb.plans.draft(args.year, k=args.k, replace=args.replace)
    print_plan(plan)
    return 0


def cmd_plan_export(args: argparse.Namespace) -> int:
    from kb.export import suggested_filename, write_file

    with open_from_args(args) as kb:
        data = kb.plans.export(args.year, args.format, with_coverage=not args.no_coverage)
    print(f"已导出 {write_file(data, args.output, suggested_filename(f'{args.year}年学习计划', args.format))}")
    return 0


def cmd_plan_delete(args: argparse.Namespace) -> int:
    with open_from_args(args) as kb:
        kb.plans.delete(args.year, delete_lists=args.with_lists)
    print(f"已删除 {args.year} 年学习计划" + ("及其各月学习清单" if args.with_lists else "（各月学习清单仍保留）"))
    return 0


def register(sub) -> None:
    p = sub.add_parser("sessions", help="学习档案：列出历次集体学习（来自会议纪要）")
    p.set_defaults(func=cmd_sessions)
    p.add_argument("--year", type=int, help="只看某一年，如 2025")
    p.add_argument("--theme", help="主题中包含的文字，如“廉政”")
    p.add_argument("--json", action="store_true", help="输出 JSON")

    p = sub.add_parser("session-show", help="查看一次学习活动")
    p.set_defaults(func=cmd_session_show)
    p.add_argument("doc", help="会议纪要的文档编号（可只写前几位）、标题或文件名")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("session-edit", help="更正学习活动的日期、主题、主持人、参加人员或发言人")
    p.set_defaults(func=cmd_session_edit)
    p.add_argument("doc", help="会议纪要的文档编号、标题或文件名")
    p.add_argument("--date", help="日期，如 2024-03-19")
    p.add_argument("--theme", help="学习主题")
    p.add_argument("--host", help="主持人")
    p.add_argument("--location", help="地点")
    p.add_argument("--attendees", help="参加人员，用顿号或逗号分隔，如 张三、李四")
    p.add_argument("--speakers", help="发言人，按发言顺序，用顿号或逗号分隔")
    p.add_argument("--reset", action="append", choices=SESSION_FIELDS, help="恢复为自动识别的值（可重复）")

    p = sub.add_parser("attendance", help="出勤统计：每人参加、发言、主持的次数")
    p.set_defaults(func=cmd_attendance)
    p.add_argument("--year", type=int, help="统计年份（默认全部）")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("coverage", help="某个主题往期是否学过：按相关度列出往期学习活动")
    p.set_defaults(func=cmd_coverage)
    p.add_argument("topic", help="主题，如“党风廉政建设”")
    p.add_argument("-k", type=int, default=5, help="列出几次（默认 5）")
    p.add_argument("--before", help="只看此日期之前的学习，如 2026 或 2026-03-01")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("plans", help="列出年度学习计划")
    p.set_defaults(func=cmd_plans)

    p = sub.add_parser("plan-new", help="新建年度学习计划")
    p.set_defaults(func=cmd_plan_new)
    p.add_argument("year", type=int, help="年份，如 2026")
    p.add_argument("--main-line", help="全年学习主线")
    p.add_argument("--title", help="计划标题（默认“某年度理论学习中心组学习计划”）")
    p.add_argument("--unit", help="制定单位，如“中共某某县委理论学习中心组”")
    p.add_argument("--themes-from-presets", action="store_true",
                   help="按预设主题起草 12 个月的主题：往期最久未学的排在前面")
    p.add_argument("--theme", action="append", help="按月份顺序给出主题（可重复，最多 12 个）")
    p.add_argument("--draft", action="store_true", help="同时为每个月起草学习清单")
    p.add_argument("-k", type=int, default=5, help="每月起草的材料数（默认 5）")

    p = sub.add_parser("plan-show", help="查看年度学习计划")
    p.set_defaults(func=cmd_plan_show)
    p.add_argument("year", type=int)
    p.add_argument("--readings", action="store_true", help="列出每月的学习材料")
    p.add_argument("--coverage", action="store_true", help="列出每月主题的往期学习情况")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("plan-set", help="修改学习计划：主线、标题，或某月的主题、形式、备注、清单")
    p.set_defaults(func=cmd_plan_set)
    p.add_argument("year", type=int)
    p.add_argument("month", type=int, nargs="?", help="月份 1-12（修改某个月时）")
    p.add_argument("--theme", help="该月学习主题")
    p.add_argument("--format", help=f"学习形式，如 {'、'.join(PLAN_FORMATS)}")
    p.add_argument("--note", help="该月备注（空字符串清除）")
    p.add_argument("--list", help="改用已有的学习清单（空字符串取消关联）")
    p.add_argument("--main-line", help="全年学习主线")
    p.add_argument("--title", help="计划标题")
    p.add_argument("--unit", help="制定单位")

    p = sub.add_parser("plan-draft", help="按每月主题从资料库起草学习清单")
    p.set_defaults(func=cmd_plan_draft)
    p.add_argument("year", type=int)
    p.add_argument("--month", type=int, help="只起草某个月")
    p.add_argument("--replace", action="store_true", help="重新起草已有的清单")
    p.add_argument("-k", type=int, default=5, help="每月材料数（默认 5）")

    p = sub.add_parser("plan-export", help="导出年度学习计划（docx、md、pdf）")
    p.set_defaults(func=cmd_plan_export)
    p.add_argument("year", type=int)
    p.add_argument("--format", "-f", default="docx", help="docx | md | pdf")
    p.add_argument("-o", "--output", type=Path, required=True, help="输出文件")
    p.add_argument("--no-coverage", action="store_true", help="不附往期学习情况")

    p = sub.add_parser("plan-delete", help="删除年度学习计划")
    p.set_defaults(func=cmd_plan_delete)
    p.add_argument("year", type=int)
    p.add_argument("--with-lists", action="store_true", help="同时删除各月的学习清单")
