"""Measure how plan months are matched to sessions on the bundled sample's 2025 archive: each plan
theme's closeness (kb.assessment: theme-line similarity, raised by the archive's coverage verdict) to
every 2025 session, for the sample plan's own themes and for short preset-style themes, and the
months the matching then finds. The numbers behind MATCH_MIN and SAME_MONTH_MIN (docs/archive.md).

Usage: python scripts/measure_plan_matching.py [--model hash-64] [--data /tmp/kb-plan-matching]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kb.assessment import match_months
from kb.library import KnowledgeBase
from kb.sample_kb import build_sample

SHORT = {2: "作风建设", 4: "乡村振兴", 6: "生态文明", 7: "新质生产力", 9: "意识形态工作", 10: "党风廉政建设",
         12: "保障和改善民生"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="hash-64")
    parser.add_argument("--data", type=Path)
    args = parser.parse_args(argv)
    data = args.data or Path(f"/tmp/kb-plan-matching-{args.model.replace('/', '_')}")
    with KnowledgeBase(data, model=args.model) as kb:
        build_sample(kb)
        sessions = kb.archive.sessions(year=2025)
        plan = {m.month: m.theme for m in kb.plans.get(2025).months if m.theme}
        print("sessions: " + "  ".join(s.date[5:] for s in sessions if s.date))
        for name, themes in (("the sample plan's themes", plan), ("short themes", SHORT)):
            print(f"\n{name}: closeness to each session")
            for month, theme in themes.items():
                scores = kb.assessment.closeness(theme, sessions)
                print(f"  {month:>2}月 {theme[:12]:<12} " + "  ".join(f"{x:.2f}" for x in scores))
            months, unplanned = match_months(2025, themes, sessions, {}, kb.assessment.closeness, "2026-01")
            print("  matched: " + "；".join(f"{m.month}月 {m.status_label}" + (f" {m.session.date[5:]}" if m.session
                                                                            and m.session.date else "")
                                         for m in months))
    return 0


if __name__ == "__main__":
    sys.exit(main())
