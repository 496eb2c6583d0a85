"""Bundled sample datasets: listed, written as CSV, and read back like an upload."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from app.data.csv_reader import CsvLimits, read_csv_file
from app.data.profiling import profile_frame
from app.data.samples import sample_datasets, write_sample_csv

LIMITS = CsvLimits(max_rows=10_000, max_columns=100)
LABELS = {
    "iris": {"setosa", "versicolor", "virginica"},
    "wine": {"class_0", "class_1", "class_2"},
    "breast_cancer": {"malignant", "benign"},
}


def test_sample_list_is_plain_data() -> None:
    samples = sample_datasets()
    assert [sample.key for sample in samples] == ["iris", "wine", "breast_cancer", "diabetes"]
    json.dumps([asdict(sample) for sample in samples])
    assert all(sample.title and sample.description for sample in samples)


@pytest.mark.parametrize("sample", sample_datasets(), ids=lambda sample: sample.key)
def test_sample_reads_back_as_described(tmp_path: Path, sample) -> None:
    path = tmp_path / "sample.part"
    assert write_sample_csv(sample.key, path) == f"{sample.key}.csv"
    parsed = read_csv_file(path, LIMITS)
    assert parsed.frame.shape == (sample.rows, sample.columns)
    assert parsed.notices == []
    assert parsed.frame.columns[-1] == sample.label
    profile = profile_frame(parsed.frame)
    label = profile.column(sample.label)
    if sample.key in LABELS:
        assert set(parsed.frame[sample.label]) == LABELS[sample.key]
        assert label.kind == "categorical"
    else:
        assert label.kind in ("integer", "numeric")
    assert all(column.missing == 0 for column in profile.columns)


def test_unknown_sample_is_a_key_error(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        write_sample_csv("titanic", tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
