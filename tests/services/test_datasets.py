"""Dataset use cases: add a file or a sample, choose missing tokens, delete; nothing half-stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.data.frame_store import frame_path
from app.db.models import Dataset
from app.services import datasets
from app.services.errors import ServiceError

ROWS = "size,colour,price\n1,red,NA\n2,blue,3.5\n3,red,4.0\n4,green,NA\n5,blue,6.5\n"


def _upload(settings: Settings, text: str, name: str = "upload-1.part") -> Path:
    path = settings.datasets_dir / name
    path.write_text(text)
    return path


def _stored(settings: Settings) -> list[str]:
    return sorted(path.name for path in settings.datasets_dir.iterdir())


def test_a_file_becomes_a_profiled_dataset_with_its_parquet_copy(session: Session, settings: Settings) -> None:
    path = _upload(settings, ROWS)
    dataset = datasets.add_file(session, settings, path, "C:\\Users\\me\\shop.csv")
    assert dataset.id is not None and dataset.name == "shop.csv"
    assert (dataset.row_count, dataset.column_count) == (5, 3)
    assert [column["name"] for column in dataset.profile["columns"]] == ["size", "colour", "price"]
    assert len(dataset.sha256) == 64
    assert not path.exists()
    stored = settings.datasets_dir / dataset.stored_name
    assert _stored(settings) == sorted([stored.name, frame_path(stored).name])


def test_a_file_that_cannot_be_read_is_a_422_and_leaves_nothing(session: Session, settings: Settings) -> None:
    path = _upload(settings, "only_one_column\n1\n2\n")
    with pytest.raises(ServiceError) as refused:
        datasets.add_file(session, settings, path, "thin.csv")
    assert refused.value.status_code == 422 and refused.value.detail.endswith(".")
    assert _stored(settings) == []
    assert session.scalars(select(Dataset)).all() == []


def test_a_sample_becomes_a_dataset_and_an_unknown_one_is_a_404(session: Session, settings: Settings) -> None:
    dataset = datasets.add_sample(session, settings, "iris")
    assert dataset.name == "iris.csv" and dataset.row_count == 150
    with pytest.raises(ServiceError) as refused:
        datasets.add_sample(session, settings, "nope")
    assert refused.value.status_code == 404 and "nope" in refused.value.detail
    assert len(_stored(settings)) == 2  # the iris file and its Parquet copy, no stray part


def test_missing_tokens_reprofile_and_bad_ones_change_nothing(session: Session, settings: Settings) -> None:
    dataset = datasets.add_file(session, settings, _upload(settings, ROWS.replace("NA", "unknown")), "shop.csv")
    price = next(c for c in dataset.profile["columns"] if c["name"] == "price")
    assert price["missing"] == 0
    for bad in (["  "], "NA", [1]):
        with pytest.raises(ServiceError) as refused:
            datasets.choose_missing_tokens(session, settings, dataset, bad)
        assert refused.value.status_code == 422
    assert next(c for c in dataset.profile["columns"] if c["name"] == "price")["missing"] == 0
    chosen = datasets.choose_missing_tokens(session, settings, dataset, ["unknown"])
    price = next(c for c in chosen.profile["columns"] if c["name"] == "price")
    assert price["missing"] == 2 and price["kind"] == "numeric"


def test_delete_removes_the_row_and_every_file(session: Session, settings: Settings) -> None:
    dataset = datasets.add_file(session, settings, _upload(settings, ROWS), "shop.csv")
    datasets.delete(session, settings, dataset)
    assert session.scalars(select(Dataset)).all() == []
    assert _stored(settings) == []
