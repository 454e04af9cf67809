"""Index folders: a save cut short leaves the previous index readable; bad folders are refused clearly."""

import json

import numpy as np
import pytest

import index.storage as storage
from index.dense import DenseIndex
from index.keyword import KeywordIndex
from index.storage import IndexFormatError


def test_interrupted_save_keeps_previous_index(tmp_path, monkeypatch):
    index = KeywordIndex()
    index.add(np.array([1, 2]), ["两个确立", "乡村振兴"])
    index.save(tmp_path)
    index.add(np.array([3]), ["共同富裕"])

    real_writer = storage.array_writer

    def failing_writer(array):
        if len(array) == 4:  # the indptr of the 3-document index: fail half-way through the save

            def write(path):
                path.write_bytes(b"partial")
                raise OSError("disk full")

            return write
        return real_writer(array)

    monkeypatch.setattr("index.keyword.array_writer", failing_writer)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(OSError):
        index.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # the half-written files are cleaned up
    loaded = KeywordIndex.load(tmp_path)
    assert sorted(loaded.ids().tolist()) == [1, 2]
    assert loaded.search("乡村振兴", 5)[0].tolist() == [2]


def test_missing_folder_and_wrong_kind_are_refused(tmp_path):
    with pytest.raises(IndexFormatError, match="重新建立索引"):
        DenseIndex.load(tmp_path / "nothing")
    keyword = KeywordIndex()
    keyword.add(np.array([1]), ["学习"])
    keyword.save(tmp_path)
    with pytest.raises(IndexFormatError, match="类型"):
        DenseIndex.load(tmp_path)


def test_newer_format_is_refused(tmp_path):
    dense = DenseIndex(4, "flat")
    dense.add(np.array([7]), np.array([[1, 0, 0, 0]], dtype=np.float32))
    dense.save(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = storage.FORMAT_VERSION + 1
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexFormatError, match="升级"):
        DenseIndex.load(tmp_path)


def test_inconsistent_files_are_refused(tmp_path):
    keyword = KeywordIndex()
    keyword.add(np.array([1, 2]), ["学习", "发展"])
    keyword.save(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    np.save(tmp_path / manifest["files"]["row_ids.npy"], np.array([1], dtype=np.int64))
    with pytest.raises(IndexFormatError, match="不一致"):
        KeywordIndex.load(tmp_path)
