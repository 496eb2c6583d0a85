"""The label is proposed from names and kinds, never from position; otherwise the person picks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.data.csv_options import CsvLimits
from app.data.csv_reader import read_csv_file
from app.data.label_choice import name_words, propose_label
from app.data.profiling import profile_frame
from app.data.samples import sample_datasets, write_sample_csv

LIMITS = CsvLimits(max_rows=10_000, max_columns=5_000)


def proposal_for(path: Path) -> str | None:
    frame = read_csv_file(path, LIMITS).frame
    profile = profile_frame(frame).to_dict()
    return propose_label(profile["columns"], len(frame))


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path.write_text("\n".join([",".join(header)] + [",".join(map(str, row)) for row in rows]) + "\n")
    return path


@pytest.mark.parametrize("sample", sample_datasets(), ids=lambda sample: sample.key)
def test_each_bundled_sample_gets_its_own_label(tmp_path: Path, sample) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sample.csv"
    write_sample_csv(sample.key, path)
    assert proposal_for(path) == sample.label


def test_a_passenger_list_predicts_survived_not_the_ticket_class(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rows = [
        [i + 1, int(rng.integers(0, 2)), int(rng.integers(1, 4)), ["male", "female"][i % 2],
         round(float(rng.uniform(1, 80)), 1), round(float(rng.uniform(5, 200)), 2), "SCQ"[i % 3]]
        for i in range(120)
    ]
    path = write(tmp_path / "passengers.csv", ["PassengerId", "Survived", "Pclass", "Sex", "Age", "Fare", "Embarked"],
                 [[r[0], r[1], r[2], r[3], r[4], r[5], r[6]] for r in rows])
    assert proposal_for(path) == "Survived"


def test_a_house_file_predicts_the_price_not_the_latitude(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    rows = [
        [int(rng.integers(1, 6)), round(float(rng.uniform(500, 4000))), int(rng.integers(100_000, 900_000)),
         round(float(rng.uniform(47.1, 47.8)), 4)]
        for _ in range(100)
    ]
    path = write(tmp_path / "houses.csv", ["bedrooms", "sqft_living", "price", "latitude"], rows)
    assert proposal_for(path) == "price"


def test_a_species_survey_predicts_the_species_not_the_year(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = [[["Adelie", "Gentoo", "Chinstrap"][i % 3], round(float(rng.uniform(30, 60)), 1), 2007 + i % 3]
            for i in range(90)]
    path = write(tmp_path / "penguins.csv", ["Species", "bill_length_mm", "year"], rows)
    assert proposal_for(path) == "Species"


def test_a_lone_yes_no_column_stands_out(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    rows = [[round(float(rng.normal()), 3), round(float(rng.normal()), 3), ["yes", "no"][i % 2]] for i in range(60)]
    path = write(tmp_path / "plain.csv", ["a", "b", "bought"], rows)
    assert proposal_for(path) == "bought"


def test_nothing_stands_out_so_the_person_is_asked(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    rows = [[round(float(v), 3) for v in rng.normal(size=3)] for _ in range(60)]
    assert proposal_for(write(tmp_path / "numbers.csv", ["a", "b", "c"], rows)) is None
    two = [[["red", "blue"][i % 2], ["big", "small", "tiny"][i % 3], i % 7 + 0.5] for i in range(60)]
    assert proposal_for(write(tmp_path / "two.csv", ["colour", "size", "weight"], two)) is None


def test_a_named_column_that_cannot_be_learned_is_passed_over() -> None:
    columns = [
        {"name": "target", "kind": "constant", "unique": 1, "missing": 0},
        {"name": "Label", "kind": "id", "unique": 100, "missing": 0},
        {"name": "x", "kind": "numeric", "unique": 90, "missing": 0},
    ]
    assert propose_label(columns, 100) is None


def test_names_are_read_without_case_or_underscores() -> None:
    assert name_words("SalePrice") == ["sale", "price"]
    assert name_words("is_churn") == ["is", "churn"]
    columns = [{"name": n, "kind": "integer", "unique": 5, "missing": 0} for n in ("SalePrice", "TARGET", "lat")]
    assert propose_label(columns, 50) == "TARGET"  # "target" says more than "price"


def test_a_short_word_at_the_end_of_a_name_is_not_a_label() -> None:
    columns = [{"name": n, "kind": "numeric", "unique": 90, "missing": 0} for n in ("radius_x", "radius_y")]
    columns.append({"name": "ticket_class", "kind": "integer", "unique": 3, "missing": 0})
    assert propose_label(columns, 100) is None
    assert propose_label([*columns, {"name": "Y", "kind": "numeric", "unique": 80, "missing": 0}], 100) == "Y"


def test_a_wide_file_is_proposed_in_one_pass() -> None:
    columns = [{"name": f"g{i}", "kind": "numeric", "unique": 150, "missing": 0} for i in range(2_000)]
    columns.append({"name": "outcome", "kind": "boolean", "unique": 2, "missing": 0})
    assert propose_label(columns, 200) == "outcome"
