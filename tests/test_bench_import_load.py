"""`kb bench --import-load` end to end at a tiny size (the hashing encoder, two users, two seconds a phase):
searches answered in both phases, the import through the worker finished, its timeline sampled."""

from __future__ import annotations

from bench.import_load import ImportLoadOptions, import_load_text, run_import_load


def test_searches_during_an_import_through_the_worker(shared_dir):
    result = run_import_load(ImportLoadOptions(model="hash-64", users=2, seconds=2.0, documents=2, think=0.1),
                             progress=lambda message: None)
    assert result["idle"]["search"]["n"] > 0 and result["during_import"]["search"]["n"] > 0
    assert result["idle"]["errors"] == result["during_import"]["errors"] == 0
    final = result["import"]["final"]
    assert final["state"] == "finished" and final["documents"] == result["before"]["documents"] + 2
    assert final["without_vectors"] == 0
    first, read, done = (result["import"][k] for k in ("first_document_searchable_s", "all_read_s", "vectors_done_s"))
    assert first is not None and first <= read <= done
    assert "导入中" in import_load_text(result)
