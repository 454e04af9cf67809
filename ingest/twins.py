"""Near-duplicate documents: a MinHash signature (datasketch) over character shingles of the normalised
text, and the nearest stored twin of a new document, found through MinHash LSH.

Text is reduced to letters, digits and Chinese characters in search form (traditional → simplified
character by character, full-width → ASCII, lower case), so a reformatted copy — other line breaks,
spacing, punctuation widths, a PDF of a DOCX — has the same shingles. Two documents are twins when
the shorter one's shingles are nearly all in the longer one (`similarity`, estimated from the Jaccard
estimate and the two shingle counts stored with the signatures) and the shorter is at least half the
longer: a retyped copy with small changes, a copy with a header (来源, 编者按) or footer added, or one
trimmed of a part. A book that merely contains an article is not the article's twin. The constants
below were chosen by measurement on the shared corpora (docs/ingest.md, "Near-duplicates").

Shingles are hashed with a vectorised rolling hash instead of datasketch's per-item SHA-1: the library
would hash each of a book's 450,000 shingles in a Python call; the permutations and minima stay datasketch's.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from ingest.normalize import fold_characters

SHINGLE = 5  # characters; 4 makes same-theme reports too alike, 6+ loses retyped copies (measured)
PERMUTATIONS = 256
SEED = 1
MIN_SHINGLES = 50  # a text shorter than ~55 characters has no signature: it cannot be told apart
TWIN_THRESHOLD = 0.8  # share of the shorter text found in the longer one (distinct: ≤ 0.74, copies: ≥ 0.85)
MIN_SIZE_RATIO = 0.5  # the shorter text has at least half the longer one's shingles
LSH_THRESHOLD = 0.3  # Jaccard at which LSH offers a candidate: a 0.8 overlap at ratio 0.5 is J ≈ 0.36
SCHEME = f"minhash-affine32-k{SHINGLE}-p{PERMUTATIONS}-s{SEED}"  # stored signatures are only comparable within one

_FORMAT = b"KBT1"
_HEADER = struct.Struct("<4sHHI")  # format, shingle size, permutations, shingle count
_BATCH = 8192  # shingles per datasketch update: bounds the permutation matrix to ~16 MB
_NOT_WORD = re.compile(r"[\W_]+")
_BASE = np.uint64(0x100000001B3)  # FNV-64 prime: any odd multiplier spreads code points


@dataclass(frozen=True)
class TwinSignature:
    """A document's MinHash values and its number of distinct shingles (for the containment estimate)."""

    values: np.ndarray  # uint32[PERMUTATIONS]; all 0xFFFFFFFF when the text is too short
    shingles: int

    @property
    def usable(self) -> bool:
        return self.shingles >= MIN_SHINGLES

    def to_bytes(self) -> bytes:
        """A self-describing blob for the store: header, then the values little-endian."""
        header = _HEADER.pack(_FORMAT, SHINGLE, len(self.values), self.shingles)
        return header + self.values.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> TwinSignature:
        """Read a blob written by to_bytes; ValueError when it was made with other settings or is damaged."""
        if len(data) < _HEADER.size:
            raise ValueError("signature blob too short")
        fmt, shingle, permutations, shingles = _HEADER.unpack_from(data)
        if fmt != _FORMAT or shingle != SHINGLE or permutations != PERMUTATIONS:
            raise ValueError(f"signature made with other settings ({fmt!r}, k={shingle}, p={permutations})")
        values = np.frombuffer(data, dtype="<u4", offset=_HEADER.size)
        if len(values) != PERMUTATIONS:
            raise ValueError("signature blob truncated")
        return cls(values.astype(np.uint32), shingles)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TwinSignature)
            and self.shingles == other.shingles
            and np.array_equal(self.values, other.values)
        )

    def __hash__(self) -> int:
        return hash((self.shingles, self.values.tobytes()))


@dataclass(frozen=True)
class Twin:
    """The stored document nearest to a new one, when close enough to be the same text."""

    key: Hashable
    similarity: float  # estimated share of the shorter text contained in the longer, 0–1
    jaccard: float  # estimated Jaccard similarity of the two shingle sets


def comparable_text(text: str) -> str:
    """The text as shingled: search form, letters, digits and Chinese characters only."""
    return _NOT_WORD.sub("", fold_characters(text))


def shingle_hashes(text: str) -> np.ndarray:
    """Distinct 32-bit hashes of the comparable text's SHINGLE-character windows."""
    codes = np.frombuffer(comparable_text(text).encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    windows = len(codes) - SHINGLE + 1
    if windows <= 0:
        return np.zeros(0, dtype=np.uint32)
    rolling = np.zeros(windows, dtype=np.uint64)
    for j in range(SHINGLE):  # polynomial hash, wrapping modulo 2**64
        rolling = rolling * _BASE + codes[j : j + windows]
    folded = (rolling ^ (rolling >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return np.unique(folded.astype(np.uint32))


def signature(text: str) -> TwinSignature:
    """The MinHash signature of a document's text."""
    hashes = shingle_hashes(text)
    minhash = MinHash(num_perm=PERMUTATIONS, seed=SEED, hashfunc=int, scheme="affine32")
    for start in range(0, len(hashes), _BATCH):
        minhash.update_batch(hashes[start : start + _BATCH].tolist())
    return TwinSignature(np.asarray(minhash.hashvalues, dtype=np.uint32).copy(), int(len(hashes)))


def jaccard(a: TwinSignature, b: TwinSignature) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return float(np.count_nonzero(a.values == b.values)) / len(a.values)


def similarity(a: TwinSignature, b: TwinSignature) -> float:
    """Estimated share of the shorter text's shingles that the longer text has; 0 when either text is too
    short to compare or the shorter has less than MIN_SIZE_RATIO of the longer's shingles."""
    if not (a.usable and b.usable):
        return 0.0
    small, large = sorted((a.shingles, b.shingles))
    if small < MIN_SIZE_RATIO * large:
        return 0.0
    j = jaccard(a, b)
    # |A∩B| = J·|A∪B| and |A∪B| = |A| + |B| − |A∩B|, so |A∩B| = J(|A| + |B|) / (1 + J)
    return min(1.0, j * (small + large) / ((1.0 + j) * small))


def nearest_twin(
    new: TwinSignature, stored: Iterable[tuple[Hashable, TwinSignature]], threshold: float = TWIN_THRESHOLD
) -> Twin | None:
    """The most similar stored signature at or above `threshold`, by a scan of all (the oracle for TwinIndex)."""
    best: Twin | None = None
    for key, other in stored:
        score = similarity(new, other)
        if score >= threshold and (best is None or score > best.similarity):
            best = Twin(key, score, jaccard(new, other))
    return best


class TwinIndex:
    """Stored signatures behind MinHash LSH: `nearest` looks only at LSH candidates, so a new document
    costs a few bucket look-ups, not a scan of every stored one."""

    def __init__(self, threshold: float = TWIN_THRESHOLD):
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=PERMUTATIONS, weights=(0.1, 0.9))
        self._signatures: dict[Hashable, TwinSignature] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._signatures

    def add(self, key: Hashable, signature: TwinSignature) -> None:
        """Index a stored document's signature (too-short texts are kept out: they have no twins)."""
        if key in self._signatures:
            self.remove(key)
        if not signature.usable:
            return
        self._lsh.insert(key, _lean(signature))
        self._signatures[key] = signature

    def remove(self, key: Hashable) -> None:
        if self._signatures.pop(key, None) is not None:
            self._lsh.remove(key)

    def candidates(self, signature: TwinSignature) -> list[Hashable]:
        return list(self._lsh.query(_lean(signature))) if signature.usable and self._signatures else []

    def nearest(self, signature: TwinSignature, exclude: Hashable | None = None) -> Twin | None:
        """The stored twin most similar to `signature` (other than `exclude`), or None."""
        found = ((key, self._signatures[key]) for key in self.candidates(signature) if key != exclude)
        return nearest_twin(signature, found, self.threshold)


def _lean(signature: TwinSignature) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=signature.values, scheme="affine32")
