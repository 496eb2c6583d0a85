"""The stored profile read back as typed models, built once per loaded document."""

from __future__ import annotations

import pandas as pd

from app.data.profiling import profile_frame
from app.data.stored_profile import StoredProfile, read_profile
from app.db.models import Dataset


def _stored() -> dict:
    frame = pd.DataFrame({
        "size": [1, 2, 3, 4, 50],
        "colour": ["red", "blue", "red", None, "red"],
        "when": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01"],
    })
    return profile_frame(frame).to_dict()


def test_columns_by_name_and_typed_fields() -> None:
    profile = read_profile(_stored())
    columns = profile.columns_by_name()
    assert list(columns) == ["size", "colour", "when"]
    assert columns["colour"].kind == "categorical" and columns["colour"].missing == 1
    assert columns["colour"].top[0].value == "red" and columns["colour"].top[0].count == 3
    assert columns["size"].stat("max") == 50.0 and columns["size"].histogram is not None
    assert columns["when"].kind == "datetime" and columns["when"].stat("min") is None  # ISO text, not a number
    assert profile.column("nope") is None and profile.preview.columns == ["size", "colour", "when"]


def test_fields_of_other_versions_are_kept_and_missing_ones_defaulted() -> None:
    document = _stored()
    document["columns"][0]["future_field"] = 1
    del document["columns"][0]["notes"]
    profile = StoredProfile.model_validate(document)
    assert profile.columns[0].notes == []
    assert profile.columns[0].model_dump()["future_field"] == 1
    assert read_profile(None).columns == []


def test_a_dataset_reads_its_profile_once_until_it_is_replaced() -> None:
    dataset = Dataset(profile=_stored())
    first = dataset.profile_model
    assert dataset.profile_model is first
    dataset.profile = {**_stored(), "rows": 99}
    assert dataset.profile_model is not first and dataset.profile_model.rows == 99
