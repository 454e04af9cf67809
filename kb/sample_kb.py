"""The bundled sample knowledge base: original readings and minutes shipped in kb/sample/corpus, and
the study group's 2025 archive in kb/sample/archive (roster, sign-ins, make-up study, study outputs,
the year plan) so that a first run shows a full year's archive and assessment."""

from __future__ import annotations

import json
from pathlib import Path

SAMPLE = Path(__file__).with_name("sample")
SAMPLE_CORPUS = SAMPLE / "corpus"
SAMPLE_ARCHIVE = SAMPLE / "archive"
SAMPLE_TAG = "示例"


def build_sample(kb, progress=None, archive: bool = True):
    """Ingest the sample corpus (a no-op when it is already in) and, on a knowledge base without a
    roster, file the sample archive; returns the ingest report (the study outputs' files included)."""
    report = kb.ingest([SAMPLE_CORPUS], tags=[SAMPLE_TAG], progress=progress)
    if archive and not kb.roster.members():
        outputs = file_archive(kb, json.loads((SAMPLE_ARCHIVE / "archive.json").read_text(encoding="utf-8")))
        for name in ("added", "updated", "unchanged", "duplicates", "skipped", "warnings"):
            getattr(report, name).extend(getattr(outputs, name))
        report.encoded += outputs.encoded
    return report


def file_archive(kb, facts: dict):
    """Import the study outputs and record the roster, sign-ins, make-ups, attributions and plan, each
    through the service an organiser would use; returns the outputs' ingest report."""
    report = kb.ingest([SAMPLE_ARCHIVE / "outputs"], kind="output", tags=[SAMPLE_TAG])
    for member in facts["roster"]:
        kb.roster.add_member(member["name"], post=member["post"])
        for alias in member.get("aliases", ()):
            kb.roster.map_name(alias, member["name"])
    for name in facts.get("ignored", ()):
        kb.roster.map_name(name, None)
    for row in facts["signins"]:
        kb.roster.sign(row["session"], row["member"], status=row.get("status"), reason=row.get("reason"),
                       lead=row.get("lead"))
    for row in facts["makeups"]:
        kb.roster.record_makeup(row["session"], row["member"], date=row["date"], studied=row["studied"],
                                reflection=row.get("reflection"))
    for row in facts["outputs"]:
        kb.outputs.attribute(row["file"], type=row["type"], member=row["member"], year=row.get("year"),
                             session=row.get("session"), month=row.get("month"), outcome=row.get("outcome"))
    plan = facts.get("plan")
    if plan and plan["year"] not in kb.plans.years():
        themes = [plan["themes"].get(str(month), "") for month in range(1, 13)]
        kb.plans.create(plan["year"], plan["main_line"], unit=plan.get("unit"), themes=themes)
    return report
