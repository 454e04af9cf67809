"""公文 metadata on the shared real corpora against their manifests (skipped when ../shared is absent).
scripts/gongwen_report.py prints the table in docs/ingest.md; the thresholds here are the ones it states."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED, load_script

SMALL_PDFS = {"20211224A06_pdf.PDF", "关于中国共产党现代化思想的文献解读.pdf", "邓小平是真正的“实事求是派”.pdf"}
BOOKS = {"20160304103242904.pdf", "20160520161035287.pdf"}


@pytest.fixture(scope="module")
def report():
    return load_script("gongwen_report")


@pytest.fixture(scope="module")
def scored(report):
    """Read once for the module: 31 DOCX files and 88 texts (the shared_dir fixture is per test)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent")
    return report.evaluate(SHARED, with_pdfs=False)


def _hits(report, scored, corpus, field):
    return report.counts(scored, corpus, field)


def test_every_provincial_report_is_fully_recognised(report, scored):
    for field in ("title", "issuer", "date", "kind"):
        found = _hits(report, scored, "provincial", field)
        assert found["hit"] == 31, (field, found)
    assert _hits(report, scored, "provincial", "number")["extra"] == 0


# (corpus, field) -> the least number of hits docs/ingest.md promises; every other expected part is absent
# from the text (a wikisource text starts at the salutation) or stated in a form the table explains.
THRESHOLDS = {
    ("gwr_report", "issuer"): 47,
    ("gwr_report", "title"): 6,
    ("gwr_report", "date"): 6,
    ("npc_resolution", "issuer"): 20,
    ("npc_resolution", "date"): 10,
    ("npc_resolution", "kind"): 4,
    ("cpc_congress_report", "issuer"): 11,
    ("cpc_congress_report", "title"): 2,
    ("cpc_congress_report", "date"): 2,
}


@pytest.mark.parametrize(("corpus", "field"), sorted(THRESHOLDS))
def test_gov_corpus_meets_the_documented_thresholds(report, scored, corpus, field):
    assert _hits(report, scored, corpus, field)["hit"] >= THRESHOLDS[corpus, field]


def test_nothing_is_invented(report, scored):
    """No corpus document carries a 发文字号, so any number found would be false; dates found are right."""
    for corpus, _ in report.GROUPS:
        assert _hits(report, scored, corpus, "number")["extra"] == 0
        assert _hits(report, scored, corpus, "date")["wrong"] == 0
        assert _hits(report, scored, corpus, "title")["wrong"] == 0
    wrong_issuers = [s.name for s in scored if s.verdicts["issuer"] == "wrong"]
    assert wrong_issuers == ["gwr-071"]  # the 1954 report speaks for the 中央人民政府, as it then was


def test_the_table_renders(report, scored):
    rows = report.table(scored)
    assert rows[0].startswith("| 语料 |") and any(row.startswith("| 31省区市") for row in rows)


def test_sample_pdfs_get_no_official_parts_and_their_own_dates(report, shared_dir):
    items = list(report.pdfs(shared_dir, SMALL_PDFS))
    assert len(items) == 3
    for item in items:
        assert all(item.verdicts[f] != "extra" for f in report.FIELDS), item.name
        assert item.verdicts["date"] in ("hit", "none"), (item.name, item.doc.date)
    dates = {item.name: item.doc.date for item in items}
    assert dates["20211224A06_pdf.PDF"] == "2021-12-24"  # the masthead date, not a reviewed book's month
    assert dates["关于中国共产党现代化思想的文献解读.pdf"].startswith("2019")
    assert dates["邓小平是真正的“实事求是派”.pdf"] == "2016"  # its issue line, not 1961 from a quotation


@pytest.mark.slow
def test_sample_books(report, shared_dir):
    items = list(report.pdfs(shared_dir, BOOKS))
    assert all(item.doc.gongwen is None for item in items)
    assert {item.doc.date for item in items} == {"1939-08-01", "2006-08"}  # first article's date; preface
