"""A small invented reading list and year plan, for previews, screenshots and tests."""

from __future__ import annotations

from kb.export.model import ExportItem, ExportList, ExportPlan, PlanMonth

FORMATS = ("专题研讨", "集中学习", "现场教学", "专题党课", "交流研讨")


def demo_items() -> tuple[ExportItem, ...]:
    """Three items: a passage with a section path, a meeting-minutes passage, a deleted whole document."""
    return (
        ExportItem(1, "关于加强理论学习的若干意见", "2024-03-18", "theory", 3, 4,
                   ("一、充分认识理论学习的重要意义", "（二）坚持学以致用"),
                   "理论学习要同推动工作结合起来，做到学思用贯通、知信行统一。\n"
                   "要把学习成效转化为推动高质量发展的实际行动，在解决实际问题中检验学习效果。",
                   "重点把握“学思用贯通、知信行统一”的要求。"),
        ExportItem(2, "第3次集体学习会议纪要", "2024-03", "minutes", 1, None, ("二、主要学习内容",),
                   "会议强调，各支部要结合实际制定学习计划，按月开展专题研讨。", "了解本单位学习安排。"),
        ExportItem(3, "学习笔记汇编（第一辑）", "2023", "theory", None, None, (), None, None, missing=True),
    )


def demo_list() -> ExportList:
    return ExportList("示例清单", "加强理论武装", "供本季度集中学习使用。", "2024-03-18", demo_items())


def demo_plan(year: int = 2025) -> ExportPlan:
    """Twelve months, each with a theme, a format and one or two readings; March has past coverage."""
    items = demo_items()
    months = tuple(
        PlanMonth(month, f"第{month}专题：理论学习与工作实践", FORMATS[month % len(FORMATS)],
                  items[: 1 + month % 2],
                  ("2024-03-18 第3次集体学习：加强理论学习",) if month == 3 else (),
                  "结合年中工作总结开展" if month == 6 else None)
        for month in range(1, 13)
    )
    return ExportPlan(year, "", "以学促干、学用结合", "示例单位理论学习中心组", months)
