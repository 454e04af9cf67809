"""Regenerate docs/examples/ (a reading list in every format, a year plan) and the first-page PNGs in
docs/, from the bundled sample knowledge base with the real default model.

Usage: python scripts/make_examples.py [--data /tmp/kb-examples]
Needs LibreOffice (`soffice`) and poppler-utils (`pdftoppm`) for the PNGs (see render_previews.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from render_previews import preview

from kb.export import SessionHeader, export_plan, write_file
from kb.library import KnowledgeBase
from kb.sample_kb import build_sample

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "docs" / "examples"
LIST_NAME = "2026年3月 党风廉政建设"  # exported as 关于党风廉政建设的学习材料
LIST_TOPIC = "党风廉政建设 以案为鉴的警示教育和典型案例"
UNIT = "中共清河县委理论学习中心组"
SESSION = SessionHeader(time="2026年3月18日上午9:00", place="县委常委会议室", host="张建华",
                        audience="县委理论学习中心组成员，各乡镇党委书记列席")
NOTES = [
    "重点读“三个务必”与“两个责任”部分，对照本单位落实主体责任清单逐条查找差距。",
    "结合本县近年查处的典型案例，讨论“四风”隐形变异新表现及整治办法。",
    "会前请各位同志准备 5 分钟交流发言，联系分管领域谈一项具体整改措施。",
]
PLAN_YEAR = 2026
MAIN_LINE = "深入学习贯彻习近平新时代中国特色社会主义思想，坚持问题导向，推动学习成果转化为县域高质量发展实效"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/tmp/kb-examples"))
    parser.add_argument("--no-previews", action="store_true", help="skip the PNGs (no LibreOffice)")
    args = parser.parse_args(argv)
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    with KnowledgeBase(args.data) as kb:
        build_sample(kb)
        if LIST_NAME in kb.lists.names():
            kb.lists.delete(LIST_NAME)
        kb.lists.draft(LIST_NAME, LIST_TOPIC, k=6, description="中心组 2026 年第 3 次集体学习会前阅读材料")
        # The draft holds what matches the topic well; the organiser adds a whole reading by hand.
        kb.lists.add_document(LIST_NAME, kb.document("08-zuofeng-jianshe.pdf").id)
        for item, note in zip(kb.lists.get(LIST_NAME).items, NOTES, strict=False):
            kb.lists.annotate(LIST_NAME, item.id, note)
        written = [write_file(kb.lists.export(LIST_NAME, fmt, unit=UNIT, session=SESSION),
                              EXAMPLES / f"reading-list.{fmt}") for fmt in ("docx", "md", "csv", "pdf")]

        if PLAN_YEAR in kb.plans.years():
            kb.plans.delete(PLAN_YEAR, delete_lists=True)
        proposals = kb.plans.propose_themes(PLAN_YEAR)
        kb.plans.create(PLAN_YEAR, MAIN_LINE, unit="中共清河县委理论学习中心组",
                        themes=[p.theme for p in proposals], formats=kb.plans.proposed_formats())
        kb.plans.draft(PLAN_YEAR)
        year_plan = kb.plans.to_export(kb.plans.get(PLAN_YEAR))
        written += [export_plan(year_plan, fmt, EXAMPLES / f"year-plan-{PLAN_YEAR}.{fmt}")
                    for fmt in ("docx", "md", "pdf")]
    for path in written:
        print(path.relative_to(REPO))
    if not args.no_previews:
        for path in (EXAMPLES / "reading-list.docx", EXAMPLES / "reading-list.pdf",
                     EXAMPLES / f"year-plan-{PLAN_YEAR}.docx", EXAMPLES / f"year-plan-{PLAN_YEAR}.pdf"):
            print(preview(path, REPO / "docs").relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
