"""MaxScore-pruned top-k equals summing every posting, whatever the postings look like."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from index.postings import TermPostings, score, top_k


@st.composite
def queries(draw):
    n_rows = draw(st.integers(20, 400))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    terms = []
    for _ in range(draw(st.integers(1, 6))):
        share = draw(st.sampled_from([0.005, 0.02, 0.1, 0.5, 0.95]))
        rows = np.flatnonzero(rng.random(n_rows) < share).astype(np.int32)
        weights = rng.uniform(0.2, 2.2, len(rows)).astype(np.float32)
        split = draw(st.integers(0, n_rows))  # two blocks, like main and tail
        parts = rows < split
        idf = float(np.log1p((1 - share) / share) * rng.uniform(0.7, 1.3))  # rare terms weigh more
        max_weight = float(weights.max()) if len(weights) else 0.0
        terms.append(TermPostings((rows[parts], rows[~parts]), (weights[parts], weights[~parts]), idf, max_weight))
    mask = rng.random(n_rows) < draw(st.sampled_from([1.0, 0.5, 0.1]))
    k = draw(st.integers(1, 30))
    return n_rows, terms, mask, k


@settings(max_examples=300, deadline=None)
@given(queries())
def test_pruned_top_k_equals_brute_force(case):
    n_rows, terms, mask, k = case
    dense = np.zeros(n_rows)
    for term in terms:
        for rows, weights in zip(term.rows, term.weights, strict=True):
            dense[rows] += weights * np.float32(term.idf)
    hit = np.flatnonzero(mask & (dense > 0))
    want_ids, want_scores = top_k(hit.astype(np.int64), dense[hit], k)
    rows, scores = score(terms, mask, k)
    got_ids, got_scores = top_k(rows.astype(np.int64), scores, k)
    assert got_ids.tolist() == want_ids.tolist()
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-6)


def test_top_k_breaks_ties_by_id_and_handles_short_input():
    ids = np.array([5, 3, 9, 1], dtype=np.int64)
    scores = np.array([1.0, 2.0, 1.0, 2.0])
    assert top_k(ids, scores, 3)[0].tolist() == [1, 3, 5]
    assert top_k(ids, scores, 10)[0].tolist() == [1, 3, 5, 9]
    assert len(top_k(ids, scores, 0)[0]) == 0
    many = np.arange(1000, dtype=np.int64)
    assert top_k(many, many.astype(float), 5)[0].tolist() == [999, 998, 997, 996, 995]
