"""The keyword tokenizer: user dictionary terms stay whole, punctuation and stopwords go."""

import jieba
import pytest

from index.tokenize import PARTY_TERMS_FILE, read_word_list, tokenize

WHOLE = ["两个确立", "四个意识", "三会一课", "全过程人民民主", "新质生产力", "中心组", "四下基层", "一岗双责"]


@pytest.mark.parametrize("term", WHOLE)
def test_party_terms_stay_whole_in_a_sentence(term):
    assert term in tokenize(f"我们要深入学习{term}的丰富内涵。")


def test_long_terms_also_yield_their_inner_words():
    tokens = tokenize("深入学习习近平新时代中国特色社会主义思想")
    assert "习近平新时代中国特色社会主义思想" in tokens
    assert {"社会主义", "新时代", "习近平", "思想"} <= set(tokens)


def test_punctuation_whitespace_and_stopwords_are_dropped():
    tokens = tokenize("坚持、 和  发展！the party's report, 2024年")
    assert not any(t.isspace() or t in {"、", "！", ",", "'", "的", "和", "the"} for t in tokens)
    assert {"坚持", "发展", "party", "report", "2024"} <= set(tokens)


def test_stopwords_are_configurable():
    assert "的" not in tokenize("学习的体会")
    assert "的" in tokenize("学习的体会", stopwords=set())
    assert "学习" not in tokenize("学习的体会", stopwords={"学习"})


def test_global_jieba_dictionary_is_untouched():
    tokenize("两个确立")
    assert "两个确立" not in jieba.lcut("坚持两个确立")


def test_term_list_is_large_and_has_no_duplicates():
    words = [line.split()[0] for line in read_word_list(PARTY_TERMS_FILE)]
    assert len(words) >= 200
    assert len(words) == len(set(words))


def test_the_jieba_cache_lives_in_a_folder_only_this_user_may_write(tmp_path, monkeypatch):
    import os
    import stat

    from index import tokenize as tokenizing

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tokenizing._cache_dir()
    assert folder == str(tmp_path / "cache" / "kb" / "jieba")
    assert stat.S_IMODE(os.stat(folder).st_mode) & 0o077 == 0
    os.chmod(folder, 0o777)  # someone made it writable for everyone: not trusted any more
    private = tokenizing._cache_dir()
    assert private != folder and stat.S_IMODE(os.stat(private).st_mode) & 0o077 == 0
