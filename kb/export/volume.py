"""The annual archive volume (年度学习档案 / 档案专卷) and the one-page summary for the higher committee
(学习情况通报) as reports (kb.export.report), and the volume's ZIP with the source files.

Both are made of facts and counts the archive holds: the plan, the sessions and their sign-in
sheets, make-up study, the assessment against the rules, the index of study outputs (whose texts are
the members' own documents, filed beside the volume in the ZIP, never quoted or summarised here)."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.export import assessment as table
from kb.export import report as rp
from kb.export.labels import chinese_date
from kb.records import (
    COMPLETION_LABELS,
    DONE,
    MOVED,
    NOT_DONE,
    PENDING,
    PRESENT,
    GroupAssessment,
    Makeup,
    Plan,
    SignIn,
    SignInSheet,
    StudyOutput,
)

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_name(name: str, limit: int = 80) -> str:
    """A file name for inside a ZIP: no folders, no characters Windows refuses, not empty."""
    clean = _UNSAFE.sub("_", name).strip(" ._") or "文件"
    stem, dot, suffix = clean.rpartition(".")
    if dot and 0 < len(suffix) <= 8:
        return f"{stem[:limit]}.{suffix}"
    return clean[:limit]


@dataclass(frozen=True)
class SourceFile:
    """A document the volume names, with where it lies and what its content must hash to."""

    doc_id: str
    title: str
    path: str
    content_hash: str
    folder: str  # 会议纪要 / 学习成果
    name: str  # its name inside the ZIP


def _signin_cell(row: SignIn) -> str:
    if row.status == PRESENT:
        return row.status_label
    parts = [row.status_label + (f"（{row.reason}）" if row.reason else "")]
    if row.makeup:
        parts.append(f"{row.makeup.date} 补学" + ("，有心得体会" if row.makeup.reflection else ""))
    return "\n".join(parts)


def _session_blocks(number: int, sheet: SignInSheet, source: str | None) -> list[rp.Block]:
    s = sheet.session
    blocks = [rp.heading(f"第{number}次　{s.date or '日期不详'}　{s.theme or s.title}"),
              rp.meta(f"地点：{s.location or '—'}　主持人：{s.host or '—'}　记录人：{s.recorder or '—'}"),
              rp.meta(f"出席 {sheet.count(PRESENT)} 人，请假 {sheet.count('leave')} 人，缺席 {sheet.count('absent')} 人"
                      + (f"；纪要原件：{source}" if source else ""))]
    blocks.append(rp.table(("序号", "姓名", "职务", "签到", "重点发言"),
                           [(i, r.member, r.post, _signin_cell(r), "是" if r.lead else "")
                            for i, r in enumerate(sheet.rows, start=1)], (1.2, 2.2, 6.0, 5.0, 1.8)))
    if sheet.unmatched:
        blocks.append(rp.meta(f"纪要中未对应名册的名字：{'、'.join(sheet.unmatched)}"))
    return blocks


def _completion_blocks(group: GroupAssessment) -> list[rp.Block]:
    if group.plan_title is None:
        return [rp.body(f"{group.year} 年没有录入学习计划。")]
    counts = {status: group.count(status) for status in (DONE, MOVED, NOT_DONE, PENDING)}
    line = (f"计划安排学习主题 {len(group.months)} 个：按期开展 {counts[DONE]} 个，调整时间开展 {counts[MOVED]} 个，"
            f"未开展 {counts[NOT_DONE]} 个" + (f"，尚未到期 {counts[PENDING]} 个" if counts[PENDING] else "") + "。")
    if group.completion is not None:
        line += f"计划完成率 {group.completion:.0%}。"
    blocks = [rp.body(line), rp.table(
        ("月份", "计划主题", "完成情况", "对应学习活动"),
        [(f"{m.month}月", m.theme, COMPLETION_LABELS[m.status] + ("（已核定）" if m.corrected else ""),
          m.session.label if m.session else "") for m in group.months], (1.6, 6.0, 2.6, 6.0))]
    if group.unplanned:
        blocks.append(rp.meta("计划外开展的学习：" + "；".join(s.label for s in group.unplanned)))
    return blocks


def _assessment_blocks(group: GroupAssessment) -> list[rp.Block]:
    blocks = [rp.labelled("考核标准", group.rules.describe())]
    if group.attendance is not None:
        blocks.append(rp.body(f"全年集体学习 {len(group.sessions)} 次，成员 {len(group.members)} 人，"
                              f"平均出勤率 {group.attendance:.0%}。"))
    header = ("姓名", "应参加", "出席", "请假", "缺席", "补学", "出勤率", "重点发言", "心得体会", "研讨发言",
              "调研报告",
              "成果转化", "结果")
    blocks.append(rp.table(header, [
        (m.name, m.due, m.attended, m.leave, m.absent, m.made_up, f"{m.rate:.0%}", m.lead, m.reflections, m.speeches,
         m.reports, m.outcomes, table.PASSED if m.passed else table.SHORT) for m in group.members],
        (1.8, 1.2, 1.1, 1.1, 1.1, 1.1, 1.4, 1.3, 1.3, 1.3, 1.3, 1.3, 1.6)))
    short = group.short
    if short:
        blocks.append(rp.heading("未达标情况"))
        blocks += [rp.body(f"{m.name}：{'；'.join(m.shortfalls)}。") for m in short]
    else:
        blocks.append(rp.body("全体成员均达到考核标准。"))
    return blocks


def _makeup_blocks(makeups: Sequence[Makeup]) -> list[rp.Block]:
    if not makeups:
        return [rp.body("本年度没有补学记录。")]
    return [rp.table(("姓名", "缺课场次", "补学日期", "补学内容", "心得体会"),
                     [(m.member, m.session_label, m.date, "\n".join(f"《{t}》" for _, t in m.studied) or "—",
                       f"《{m.reflection[1]}》" if m.reflection else "未提交") for m in makeups],
                     (2.0, 5.2, 2.2, 4.6, 3.6))]


def _output_blocks(outputs: Sequence[StudyOutput], sources: dict[str, SourceFile]) -> list[rp.Block]:
    if not outputs:
        return [rp.body("本年度没有登记学习成果。")]
    rows = []
    for i, o in enumerate(outputs, start=1):
        where = o.session_label or (f"{o.year}年计划{o.month}月" if o.month else f"{o.year}年")
        source = sources.get(o.doc_id)
        rows.append((i, o.type, f"《{o.title}》", o.member or "—", where, o.outcome or "",
                     f"{source.folder}/{source.name}" if source else "（原文件不在档案包中）"))
    return [rp.table(("序号", "类型", "题目", "作者", "对应学习", "成果转化", "档案包内文件"), rows,
                     (1.1, 2.2, 4.6, 1.6, 3.4, 3.4, 3.6))]


def volume_report(group: GroupAssessment, plan: Plan | None, sheets: Sequence[SignInSheet],
                  makeups: Sequence[Makeup], sources: dict[str, SourceFile], unit: str | None,
                  made_on: str) -> rp.Report:
    """The year's archive volume: plan, plan completion, session records with sign-in sheets,
    attendance and assessment, make-up study, the index of study outputs."""
    title = f"{group.year}年度理论学习中心组学习档案"
    chapters = []
    if plan is not None:
        months = [m for m in plan.months if m.theme.strip()]
        chapters.append(rp.Chapter("年度学习计划", (
            rp.labelled("计划名称", plan.display_title), rp.labelled("全年学习主线", plan.main_line or "—"),
            rp.table(("月份", "学习主题", "学习形式"), [(f"{m.month}月", m.theme, m.format) for m in months],
                     (1.6, 11.0, 3.0)))))
    else:
        chapters.append(rp.Chapter("年度学习计划", (rp.body(f"{group.year} 年没有录入学习计划。"),)))
    chapters.append(rp.Chapter("学习计划完成情况", tuple(_completion_blocks(group))))
    held = [rp.meta("每月集体学习次数：" + "，".join(f"{m}月 {n} 次" for m, n in enumerate(group.per_month, 1) if n))]
    for number, sheet in enumerate(sheets, start=1):
        source = sources.get(sheet.session.doc_id)
        held += _session_blocks(number, sheet, f"{source.folder}/{source.name}" if source else None)
    chapters.append(rp.Chapter("集体学习记录及签到", tuple(held) if sheets else (rp.body("本年度没有集体学习记录。"),)))
    chapters.append(rp.Chapter("出勤统计与考核评价", tuple(_assessment_blocks(group))))
    chapters.append(rp.Chapter("补学登记", tuple(_makeup_blocks(makeups))))
    chapters.append(rp.Chapter("学习成果索引", tuple(_output_blocks(group.outputs, sources))))
    cover = tuple(line for line in (unit, "档案专卷", f"编制日期：{chinese_date(made_on)}") if line)
    return rp.Report(title=title, cover=cover, chapters=tuple(chapters), contents=True,
                     subject=f"{group.year}年度学习档案")


def bulletin_report(group: GroupAssessment, unit: str | None, made_on: str) -> rp.Report:
    """One page for the higher committee (学习情况通报): the year in counts, who falls short and why."""
    who = unit or "理论学习中心组"
    months = [f"{m}月" for m, n in enumerate(group.per_month, 1) if n]
    themes = "；".join(s.theme or s.title for s in group.sessions)
    first = f"{group.year}年，{who}共开展集体学习 {len(group.sessions)} 次" + (
        f"（{'、'.join(months)}）" if months else "") + "。"
    if group.plan_title is not None and group.months:
        first += (f"年度学习计划安排学习主题 {len(group.months)} 个，按期开展 {group.count(DONE)} 个，调整时间开展 "
                  f"{group.count(MOVED)} 个，未开展 {group.count(NOT_DONE)} 个")
        first += (f"，计划完成率 {group.completion:.0%}。" if group.completion is not None else "。")
    if themes:
        first += f"学习主题：{themes}。"
    due = sum(m.due for m in group.members)
    missed = sum(m.leave + m.absent for m in group.members)
    second = (f"中心组成员 {len(group.members)} 人，应参加 {due} 人次，出席 {sum(m.attended for m in group.members)} "
              f"人次，请假 {sum(m.leave for m in group.members)} 人次，缺席 {sum(m.absent for m in group.members)} 人次"
              + (f"，平均出勤率 {group.attendance:.0%}" if group.attendance is not None else "")
              + f"；请假、缺席 {missed} 人次中已补学 {sum(m.made_up for m in group.members)} 人次。")
    reports = [o for o in group.outputs if o.type == "调研报告"]
    outcomes = [o for o in reports if o.outcome]
    third = (f"提交心得体会 {sum(m.reflections for m in group.members)} 篇、研讨发言材料 "
             f"{sum(m.speeches for m in group.members)} 篇、调研报告 {len(reports)} 篇"
             + (f"，其中 {len(outcomes)} 篇调研报告形成成果转化：" + "；".join(
                 f"{o.member or '—'}《{o.title}》——{o.outcome}" for o in outcomes) if outcomes else "") + "。")
    short = group.short
    fourth = (f"按照考核标准（{group.rules.describe()}），{len(group.members) - len(short)} 人达标"
              + (f"，{len(short)} 人未达标：" + "；".join(f"{m.name}（{'，'.join(m.shortfalls)}）" for m in short)
                 if short else "") + "。")
    return rp.Report(
        title=f"{group.year}年度理论学习中心组学习情况通报", cover=(), contents=False,
        intro=(rp.meta(f"{who}　{chinese_date(made_on)}"),
               rp.labelled("一、学习开展情况", first), rp.labelled("二、学习制度执行情况", second),
               rp.labelled("三、学习成果情况", third), rp.labelled("四、考核情况", fourth)),
        subject=f"{group.year}年度学习情况通报")


def sources_of(docs: Sequence[tuple[str, str, str, str, str]]) -> dict[str, SourceFile]:
    """The volume's source files, (doc id, title, path, content hash, folder) each, named for the ZIP:
    numbered in order so that two files of one name stay apart."""
    found: dict[str, SourceFile] = {}
    for number, (doc_id, title, path, content_hash, folder) in enumerate(docs, start=1):
        if doc_id not in found:
            found[doc_id] = SourceFile(doc_id, title, path, content_hash, folder,
                                       safe_name(f"{number:02d}-{Path(path).name or title}"))
    return found


def render_zip(files: dict[str, bytes], sources: dict[str, SourceFile]) -> bytes:
    """The volume's ZIP: the given files (volume, tables) and every source file that is still where it was
    imported from with the content that was imported; the others listed in 缺少的原文件.txt."""
    buffer = io.BytesIO()
    missing = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(safe_name(name), data)
        for source in sources.values():
            try:
                data = Path(source.path).read_bytes()
            except OSError:
                missing.append(f"{source.folder}/{source.name}：《{source.title}》原文件已移动或删除（{source.path}）")
                continue
            if hashlib.sha256(data).hexdigest() != source.content_hash:
                missing.append(f"{source.folder}/{source.name}：《{source.title}》原文件导入后已改动，未收入")
                continue
            z.writestr(f"{source.folder}/{source.name}", data)
        if missing:
            z.writestr("缺少的原文件.txt", "\r\n".join(missing).encode("utf-8-sig"))
    return buffer.getvalue()
