"""The Chinese wording every export format shares: titles, citations, labels and text cleaning."""

from __future__ import annotations

import re
from datetime import date

from kb.export.model import ExportItem, ExportList, ExportPlan, PlanMonth, SessionHeader
from kb.kinds import KIND_LABELS
from kb.records import section_below

MISSING_MARK = "（原文已删除）"
WHOLE_DOCUMENT = "（通读全文）"
NO_PASSAGE = "（原文已删除，无摘录）"
STATUS_OK = "正常"
STATUS_MISSING = "原文已删除"
SECTION_SEPARATOR = " > "

# XML 1.0 forbids these; PDF extraction leaves form feeds and stray NULs in passages.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str | None) -> str:
    """Return text safe for XML-based formats: no control characters, \\n line ends, trimmed."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n")
    text = _CONTROL.sub("", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def paragraphs(text: str | None) -> list[str]:
    """Split a passage into its non-empty lines, each one a paragraph when rendered."""
    return [line.strip() for line in clean_text(text).split("\n") if line.strip()]


def passage_placeholder(item: ExportItem) -> str:
    """What stands in for the passage of an item that has none."""
    return NO_PASSAGE if item.missing else WHOLE_DOCUMENT


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)


def page_label(item: ExportItem) -> str:
    """"第3页" or "第3-5页"; empty when the page is unknown."""
    start, end = item.page_start, item.page_end
    if start is None:
        start, end = end, None
    if start is None:
        return ""
    if end is None or end == start:
        return f"第{start}页"
    return f"第{start}-{end}页"


def section_label(item: ExportItem) -> str:
    """"一、… > （二）…", without the document's title (the item's heading says it)."""
    parts = (clean_text(part) for part in item.section)
    return SECTION_SEPARATOR.join(section_below(clean_text(item.title), [p for p in parts if p]))


def status_label(item: ExportItem) -> str:
    return STATUS_MISSING if item.missing else STATUS_OK


def citation(item: ExportItem) -> str:
    """"（来源：《标题》，2024-03-18，第3页，一、… > （二）…）", leaving out the parts that are unknown; a 公文
    is cited with its number, the page right after it: "（来源：《关于……的意见》（中发〔2024〕3号）第3页，…）"."""
    title = f"《{clean_text(item.title)}》"
    if item.doc_number:
        cited = f"{title}（{clean_text(item.doc_number)}）{page_label(item)}"
        parts = [cited, clean_text(item.date), section_label(item)]
    else:
        parts = [title, clean_text(item.date), page_label(item), section_label(item)]
    return "（来源：" + "，".join(part for part in parts if part) + "）"


def item_title(item: ExportItem) -> str:
    """The source title, with the deleted mark when the source is gone."""
    title = clean_text(item.title)
    return title + MISSING_MARK if item.missing else title


def item_heading(item: ExportItem) -> str:
    """"3. 标题", with the deleted mark when the source is gone."""
    return f"{item.number}. {item_title(item)}"


def chinese_date(iso: str) -> str:
    """"2024-03-18" -> "2024年3月18日", "2024-03" -> "2024年3月", "2024" -> "2024年"; anything
    unparsable is shown as given."""
    iso = clean_text(iso)
    if re.fullmatch(r"\d{4}", iso):
        return f"{iso}年"
    if re.fullmatch(r"\d{4}-\d{2}", iso):
        return f"{iso[:4]}年{int(iso[5:])}月"
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{day.year}年{day.month}月{day.day}日"


_MONTH_PREFIX = re.compile(r"^\d{4}年\d{1,2}月\s*")
_LIST_SUFFIX = re.compile(r"(?:学习材料清单|学习清单|学习材料|材料清单|清单)$")


def list_subject(name: str) -> str:
    """What a list is about, from its name: "2026年3月 党风廉政建设" and "党风廉政建设学习清单" are both
    about 党风廉政建设 (the month goes in the session header, the kind of document in the title)."""
    subject = _LIST_SUFFIX.sub("", _MONTH_PREFIX.sub("", clean_text(name))).strip(" -—_·")
    return subject or clean_text(name)


def list_title(lst: ExportList | str) -> str:
    """The handout's plain title, "关于党风廉政建设的学习材料" (a name given as "关于……的学习材料" is kept)."""
    subject = list_subject(lst if isinstance(lst, str) else lst.name)
    if subject.startswith("关于") and subject.endswith("的学习材料"):
        return subject
    return f"{subject}的学习材料" if subject.startswith("关于") else f"关于{subject}的学习材料"


def session_lines(session: SessionHeader | None) -> list[str]:
    """"时间：…", "地点：…", "主持：…", "参加范围：…" for the parts given."""
    if session is None:
        return []
    parts = (("时间", session.time), ("地点", session.place), ("主持", session.host), ("参加范围", session.audience))
    return [f"{label}：{clean_text(value)}" for label, value in parts if clean_text(value)]


def source_line(item: ExportItem) -> str:
    """The one line saying where an item comes from, the title left to the heading above it:
    "来源：中发〔2024〕3号，2024年3月18日，第3页，一、… > （二）…"; empty when nothing is known."""
    parts = [clean_text(item.doc_number), "会议纪要" if item.kind == "minutes" else "",
             chinese_date(item.date) if item.date else "", page_label(item), section_label(item)]
    known = [part for part in parts if part]
    return "来源：" + "，".join(known) if known else ""


def list_intro(lst: ExportList) -> str:
    """One sentence telling the reader what the list holds and how to use it."""
    if not lst.items:
        return "本清单暂未收录学习材料。"
    intro = f"本清单共收录学习材料{len(lst.items)}项，按学习顺序排列，请结合导读认真研读原文。"
    missing = sum(item.missing for item in lst.items)
    if missing:
        intro += f"其中{missing}项的原文已从资料库删除，仅保留摘录。"
    return intro


def plan_title(plan: ExportPlan) -> str:
    return clean_text(plan.title) or f"{plan.year}年度理论学习中心组学习计划"


def month_label(month: PlanMonth) -> str:
    return f"{month.month}月"


def sorted_months(plan: ExportPlan) -> list[PlanMonth]:
    return sorted(plan.months, key=lambda month: month.month)


def month_heading(month: PlanMonth) -> str:
    """"3月　党风廉政建设（专题研讨）"."""
    fmt = clean_text(month.format)
    return f"{month_label(month)}　{clean_text(month.theme)}" + (f"（{fmt}）" if fmt else "")


def coverage_line(month: PlanMonth) -> str:
    """Past sessions on the month's theme, on one line: "往期学习：2024-03-19 …；2025-10-28 …"."""
    lines = [clean_text(line) for line in month.coverage if clean_text(line)]
    return "往期学习：" + "；".join(lines) if lines else ""


def short_title(item: ExportItem) -> str:
    """"《在发展中保障和改善民生》": the title without its subtitle (after ——), for the year's table."""
    title = clean_text(item.title).split("——")[0].strip() or clean_text(item.title)
    return f"《{title}》" + (MISSING_MARK if item.missing else "")


def reading_line(item: ExportItem) -> str:
    """A reading as one line for plan tables: "1. 《标题》（第3页）（原文已删除）"."""
    line = f"{item.number}. 《{clean_text(item.title)}》"
    if item.doc_number:
        line += f"（{clean_text(item.doc_number)}）"
    page = page_label(item)
    if page:
        line += f"（{page}）"
    return line + MISSING_MARK if item.missing else line
