"""Column kinds are inferred one way: without a stored profile, the encoders are chosen from
the kinds the profile would give (data/column_kinds.py), not from a rougher guess."""

from __future__ import annotations

import pandas as pd

from app.data.profiling import profile_frame
from app.jobs.pipeline import choose_encoders
from app.specs import ExperimentSpec


def _frame() -> pd.DataFrame:
    rows = 60
    return pd.DataFrame({
        "row_id": range(1000, 1000 + rows),  # an ID: unique integers in sequence
        "age": [20 + (i * 7) % 50 for i in range(rows)],  # whole numbers: integer
        "note": [f"customer wrote about order {i} and the delivery time" for i in range(rows)],  # free text
        "colour": [["red", "blue", "green"][i % 3] for i in range(rows)],
        "bought": ["yes" if i % 2 else "no" for i in range(rows)],
    })


def test_encoders_without_a_profile_follow_the_profiles_kinds() -> None:
    frame = _frame()
    spec = ExperimentSpec(dataset_id=1, label="bought")
    kinds = {column["name"]: column["kind"] for column in profile_frame(frame).to_dict()["columns"]}
    assert kinds["row_id"] == "id" and kinds["note"] == "text"
    assert choose_encoders(frame, spec) == choose_encoders(frame, spec, kinds)
    assert "row_id" not in choose_encoders(frame, spec) and "note" not in choose_encoders(frame, spec)
