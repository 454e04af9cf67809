"""Word splitting for the keyword index: jieba search mode with a Party-theory user dictionary."""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Collection, Iterator
from functools import cache
from pathlib import Path

import jieba

DATA_DIR = Path(__file__).resolve().parent / "data"
PARTY_TERMS_FILE = DATA_DIR / "party_terms.txt"
STOPWORDS_FILE = DATA_DIR / "stopwords.txt"

Tokenizer = Callable[[str], list[str]]

_HAN = re.compile(r"[\u4e00-\u9fff]+")
_init_lock = threading.Lock()


def read_word_list(path: Path) -> list[str]:
    """Non-empty lines of a UTF-8 word list, without `#` comment lines."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@cache
def default_stopwords() -> frozenset[str]:
    """The bundled stopword list (index/data/stopwords.txt)."""
    return frozenset(read_word_list(STOPWORDS_FILE))


def _cache_dir() -> str:
    """A folder only this user can write, for jieba's dictionary cache (it saves ~1 s per process).

    Never the shared system temp folder: jieba loads its cache with marshal, so a file another user
    planted there would be read as ours. A per-user cache folder ($XDG_CACHE_HOME/kb/jieba, else
    ~/.cache/kb/jieba) is used only if it is ours and nobody else may write it; otherwise a fresh
    private folder for this process (the dictionary is then built once, ~1 s, and nothing is trusted)."""
    path = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kb" / "jieba"
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = path.stat()
        if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
            raise PermissionError(f"{path} is not this user's own folder")
    except OSError:
        return tempfile.mkdtemp(prefix="kb-jieba-")
    return str(path)


def _segmenter() -> jieba.Tokenizer:
    """The private jieba instance (built once), so the global `jieba` dictionary stays untouched."""
    with _init_lock:
        return _build_segmenter()


@cache
def _build_segmenter() -> jieba.Tokenizer:
    logging.getLogger("jieba").setLevel(logging.WARNING)  # jieba logs its cache loading at DEBUG to stderr
    segmenter = jieba.Tokenizer()
    segmenter.tmp_dir = _cache_dir()
    segmenter.initialize()
    for line in read_word_list(PARTY_TERMS_FILE):
        word, *freq = line.split()
        segmenter.add_word(word, int(freq[0]) if freq else None)
    return segmenter


def _search_terms(word: str, freq: dict[str, int]) -> Iterator[str]:
    """The word plus every dictionary word inside it.

    jieba's cut_for_search only adds inner words of two and three characters, so a query for
    社会主义 would miss text holding the one long term 习近平新时代中国特色社会主义思想; here every
    inner dictionary word of a Chinese word is added.
    """
    if len(word) > 2 and _HAN.fullmatch(word):
        for size in range(2, len(word)):
            for start in range(len(word) - size + 1):
                gram = word[start : start + size]
                if freq.get(gram):
                    yield gram
    yield word


def tokenize(text: str, stopwords: Collection[str] | None = None) -> list[str]:
    """Split normalised text into search tokens; punctuation, whitespace and stopwords are dropped.

    `stopwords` defaults to the bundled list; pass an empty set to keep every word.
    """
    stop = default_stopwords() if stopwords is None else stopwords
    segmenter = _segmenter()
    tokens: list[str] = []
    for word in segmenter.cut(text, HMM=True):
        if not any(ch.isalnum() for ch in word):
            continue
        tokens.extend(t for t in _search_terms(word, segmenter.FREQ) if t not in stop)
    return tokens
