"""Profiling columns: kinds, counts, statistics, top values, histograms and a JSON-safe preview."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.data.csv_reader import CsvLimits, read_csv_file
from app.data.profiling import DatasetProfile, profile_frame


def profile_of(frame: pd.DataFrame, preview_rows: int = 20) -> DatasetProfile:
    profile = profile_frame(frame, preview_rows)
    json.dumps(profile.to_dict(), allow_nan=False)  # JSON-safe: no NaN, no inf, no NumPy types
    return profile


def kinds(frame: pd.DataFrame) -> dict[str, str]:
    return {column.name: column.kind for column in profile_of(frame).columns}


ROWS = 200
rng = np.random.default_rng(0)


def test_each_kind() -> None:
    frame = pd.DataFrame(
        {
            "row_id": np.arange(1, ROWS + 1),
            "shuffled_id": rng.permutation(ROWS) + 1000,
            "order_key": [f"ORD-{i:05d}" for i in rng.permutation(ROWS)],
            "age": rng.integers(18, 90, ROWS),
            "height": rng.normal(170, 10, ROWS),
            "flag": rng.choice([True, False], ROWS),
            "answer": rng.choice(["Yes", "no", "NO"], ROWS),
            "zero_one": rng.choice([0, 1], ROWS),
            "colour": rng.choice(["red", "green", "blue"], ROWS),
            "joined": pd.Series(pd.date_range("2020-01-01", periods=ROWS, freq="D"))
            .dt.strftime("%Y-%m-%d")
            .astype("str"),
            "review": [f"customer {i} said the product was fine overall" for i in range(ROWS)],
            "country": ["France"] * ROWS,
            "empty": [np.nan] * ROWS,
        }
    )
    assert kinds(frame) == {
        "row_id": "id",
        "shuffled_id": "id",
        "order_key": "id",
        "age": "integer",
        "height": "numeric",
        "flag": "boolean",
        "answer": "categorical",  # three spellings, so not a yes/no pair
        "zero_one": "boolean",
        "colour": "categorical",
        "joined": "datetime",
        "review": "text",
        "country": "constant",
        "empty": "constant",
    }


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["Yes", "No", "Yes", "No"], "boolean"),
        (["yes", "No", "YES", "no"], "categorical"),  # four spellings: left to the user
        (["true", "false", None, "true"], "boolean"),
        (["Y", "N", "N", "Y"], "boolean"),
        ([1.0, 0.0, np.nan, 1.0], "boolean"),
        (["M", "F", "F", "M"], "categorical"),
        (["ja", "nein", "Ja"], "categorical"),
        (["Oui", "Non", "Oui"], "boolean"),
        ([1, 2, 2, 1], "integer"),
        ([1.0, 2.0, np.nan, 3.0], "integer"),  # whole numbers with missing values
        ([0.5, 1.5, 2.0, 3.0], "numeric"),
        (["01/31/2020", "02/15/2021", "12/01/2019", None], "datetime"),
        (["31.01.2020", "15.02.2021", "01.12.2019", "02.03.2018"], "datetime"),
        (["2020-01-31 10:15:00", "2021-02-15T08:00:00", "2019-12-01", "2020-05-05"], "datetime"),
        (["12/31/2020 10:00", "01/01/2020 11:00", "06/30/2021 00:00"], "datetime"),
        (["2020-01-01T00:00:00Z", "2020-02-01T00:00:00+02:00", "2020-03-01"], "datetime"),
        (["2020-01-01", "2020-13-01", "2020-02-01"], "categorical"),
        (["1.2.3", "4.5.6", "7.8.9", "1.2.3"], "categorical"),
    ],
)
def test_kind_of_small_columns(values: list, kind: str) -> None:
    assert kinds(pd.DataFrame({"x": values}))["x"] == kind


def test_iso_dates_with_short_times_read_as_the_same_instants() -> None:
    """Hours alone, or hours and minutes, are ISO 8601 times too: read as NumPy reads them."""
    values = ["2020-01-31T10", "2021-02-15 08:30", "2019-12-01", "2020-05-05T23:59:59.5"]
    column = profile_of(pd.DataFrame({"when": values})).column("when")
    assert column.kind == "datetime"
    assert column.stats == {"min": "2019-12-01T00:00:00", "max": "2021-02-15T08:30:00"}


def test_unique_names_are_text_and_unique_codes_are_ids() -> None:
    frame = pd.DataFrame(
        {
            "name": [f"Person {i} Smith" for i in range(ROWS)],
            "uuid": [f"{i:08x}-77ab" for i in range(ROWS)],
        }
    )
    assert kinds(frame) == {"name": "text", "uuid": "id"}


def test_unique_values_in_a_tiny_table_are_not_an_id() -> None:
    assert kinds(pd.DataFrame({"n": [3, 1, 2], "s": ["a", "b", "c"]})) == {
        "n": "integer",
        "s": "categorical",
    }


def test_unique_measurements_are_not_an_id() -> None:
    frame = pd.DataFrame({"income": rng.choice(10**6, ROWS, replace=False)})
    assert kinds(frame)["income"] == "integer"


def test_numeric_statistics_and_histogram() -> None:
    values = pd.Series([1.5, 2.0, 3.0, 4.0, np.nan, 10.5])
    column = profile_of(pd.DataFrame({"x": values})).column("x")
    present = values.dropna()
    assert column.missing == 1 and column.unique == 5
    assert column.distinct_ratio == 1.0
    stats = column.stats
    assert stats["min"] == 1.5 and stats["max"] == 10.5
    assert stats["mean"] == pytest.approx(present.mean())
    assert stats["std"] == pytest.approx(present.std())
    for key, q in (("q1", 0.25), ("median", 0.5), ("q3", 0.75)):
        assert stats[key] == pytest.approx(present.quantile(q))
    histogram = column.histogram
    assert histogram is not None
    assert len(histogram["edges"]) == len(histogram["counts"]) + 1 == 21
    assert sum(histogram["counts"]) == 5
    assert histogram["edges"][0] == 1.5 and histogram["edges"][-1] == 10.5


def test_quantiles_of_repeated_values_match_numpy() -> None:
    values = rng.integers(0, 7, 1001).astype(float)
    stats = profile_of(pd.DataFrame({"x": values})).column("x").stats
    assert [stats["q1"], stats["median"], stats["q3"]] == list(np.quantile(values, [0.25, 0.5, 0.75]))


def test_small_integer_ranges_get_one_bar_per_value() -> None:
    column = profile_of(pd.DataFrame({"rooms": [1, 2, 2, 3, 3, 3, 5] * 5})).column("rooms")
    assert column.histogram == {
        "edges": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5],
        "counts": [5, 10, 15, 0, 5],
    }


def test_top_values_with_other_count() -> None:
    values = [f"v{i}" for i in range(15) for _ in range(15 - i)] + [None] * 3
    column = profile_of(pd.DataFrame({"c": values})).column("c")
    assert column.kind == "categorical"
    assert column.missing == 3 and column.unique == 15
    assert column.top[:2] == [{"value": "v0", "count": 15}, {"value": "v1", "count": 14}]
    assert len(column.top) == 10
    assert column.top_other == sum(range(1, 6))
    assert column.histogram is None


def test_boolean_top_values_read_as_words() -> None:
    column = profile_of(pd.DataFrame({"b": [True, True, False]})).column("b")
    assert column.top == [{"value": "true", "count": 2}, {"value": "false", "count": 1}]


def test_datetime_min_and_max() -> None:
    frame = pd.DataFrame({"d": ["2021-03-01", "2020-01-15", None, "2022-12-31"]})
    column = profile_of(frame).column("d")
    assert column.kind == "datetime"
    assert column.stats == {"min": "2020-01-15T00:00:00", "max": "2022-12-31T00:00:00"}


def test_day_first_dates_are_recognised_when_month_first_fails() -> None:
    frame = pd.DataFrame({"d": ["31/01/2020", "15/02/2021", "01/12/2019"]})
    assert profile_of(frame).column("d").stats["max"] == "2021-02-15T00:00:00"


def test_json_safe_with_infinities_and_all_missing_columns() -> None:
    frame = pd.DataFrame(
        {
            "inf": [np.inf, -np.inf, 1.0],
            "huge": [1e308, -1e308, 0.0],
            "none": [np.nan, np.nan, np.nan],
            "nullable": pd.array([1, None, 3], dtype="Int64"),
            "flags": pd.array([True, None, False], dtype="boolean"),
        }
    )
    profile = profile_of(frame)
    infinite = profile.column("inf")
    assert infinite.missing == 2 and infinite.stats["min"] == infinite.stats["max"] == 1.0
    assert profile.column("huge").stats["std"] is None  # overflows float64: unknown, not inf
    assert profile.column("none").kind == "constant"
    assert profile.column("nullable").kind == "integer"
    assert profile.column("flags").kind == "boolean"
    assert profile.preview["rows"][1] == [None, "-1e+308", None, None, None]


def test_preview_cells_are_strings_or_none() -> None:
    frame = pd.DataFrame(
        {
            "n": [1.0, np.nan, 2.5],
            "i": [1, 2, 3],
            "s": pd.array(["<b>a</b>", None, "c"], dtype="str"),
            "b": [True, False, True],
        }
    )
    preview = profile_of(frame, preview_rows=2).preview
    assert preview == {
        "columns": ["n", "i", "s", "b"],
        "rows": [["1", "1", "<b>a</b>", "true"], [None, "2", None, "false"]],
    }


def test_empty_frame() -> None:
    profile = profile_of(pd.DataFrame({"a": pd.Series([], dtype=float)}))
    assert profile.rows == 0 and profile.column("a").kind == "constant"
    assert profile.preview == {"columns": ["a"], "rows": []}


def test_profile_of_a_read_file(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "id;name;city;score;member\n"
        + "".join(
            f"{i};person {i};{' Paris' if i % 2 else 'Lyon '};{i % 7},5;{'oui' if i % 3 else 'yes'}\n"
            for i in range(1, 41)
        )
    )
    parsed = read_csv_file(path, CsvLimits(100, 10))
    profile = profile_of(parsed.frame)
    column = {c.name: c for c in profile.columns}
    assert column["id"].kind == "id"
    assert column["city"].kind == "categorical" and column["city"].unique == 2
    assert column["score"].kind == "numeric"
    assert column["member"].kind == "categorical"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_histogram_and_quantiles_match_numpy(seed: int) -> None:
    generator = np.random.default_rng(seed)
    values = np.round(generator.normal(0, 3, 2000), 1)  # many repeated values
    column = profile_of(pd.DataFrame({"x": values})).column("x")
    assert column.histogram is not None
    expected, _ = np.histogram(values, bins=np.array(column.histogram["edges"]))
    assert column.histogram["counts"] == expected.tolist()
    stats = column.stats
    assert [stats["q1"], stats["median"], stats["q3"]] == pytest.approx(np.quantile(values, [0.25, 0.5, 0.75]))


@pytest.mark.parametrize(
    ("long_column_rows", "block_cells"),
    [
        (10**9, 10**9),  # short columns: one block, sorted in one call
        (0, 10**9),  # long columns: checked for order, counted or sorted one by one
        (0, 3000),  # long columns, one block each
    ],
    ids=["block-sort", "column-by-column", "blocks"],
)
def test_number_columns_profiled_together_match_one_by_one(
    monkeypatch: pytest.MonkeyPatch, long_column_rows: int, block_cells: int
) -> None:
    """The block path (number columns sorted together, or put in order one by one by the
    cheapest exact means) gives each column the profile the
    column-by-column path gives it: kinds, counts, statistics and histograms."""
    from app.data import numeric_profiles
    from app.data.profiling import profile_column

    monkeypatch.setattr(numeric_profiles, "LONG_COLUMN_ROWS", long_column_rows)
    monkeypatch.setattr(numeric_profiles, "BLOCK_CELLS", block_cells)
    rows = 3000
    values = rng.normal(50, 12, rows)
    with_gaps = values.copy()
    with_gaps[::7] = np.nan
    with_infinities = values.copy()
    with_infinities[:5] = np.inf
    with_infinities[5:9] = -np.inf
    shuffled_ids = rng.permutation(rows) + 1000
    sorted_with_gaps = np.sort(values)
    sorted_with_gaps[-40:] = np.nan
    frame = pd.DataFrame(
        {
            "floats": values,
            "with_gaps": with_gaps,
            "with_infinities": with_infinities,
            "whole_floats": np.round(values),
            "wide_integers": rng.integers(0, 10**6, rows),
            "shuffled_ids": shuffled_ids,
            "gapped_ids": np.arange(rows) * 3,
            "negative": -np.abs(values),
            "sorted_ids": np.arange(rows) - 500,
            "sorted_with_gaps": sorted_with_gaps,
            "narrow_integers": rng.integers(-60, 60, rows),  # counted: 120 values, 3000 rows
            "span_just_under_rows": np.concatenate(([0, rows - 1], rng.integers(0, rows, rows - 2))),
            "huge_integers": rng.integers(0, 1000, rows) + 2**60,  # beyond float64's exact range
            "unsigned": rng.integers(0, 90, rows).astype(np.uint16),
        }
    )
    together = {column.name: column for column in profile_frame(frame).columns}
    for name in frame.columns:
        alone = profile_column(name, frame[name])
        block = together[name]
        assert (block.kind, block.missing, block.unique) == (alone.kind, alone.missing, alone.unique), name
        assert block.stats == pytest.approx(alone.stats, rel=1e-9), name
        assert block.histogram == alone.histogram, name


_WHOLE_COLUMNS = {
    "sorted": np.arange(5000, dtype=np.float64),
    "reversed": np.arange(5000, 0, -1, dtype=np.float64),
    "narrow": rng.integers(-300, 300, 5000).astype(np.float64),
    "wide": np.concatenate(([-(2.0**52), 2.0**52], rng.integers(0, 5, 5000))).astype(np.float64),
    "constant": np.zeros(5000),
    "many-distinct": rng.integers(0, 10_000, 10_000).astype(np.float64),  # narrow, but too many runs
    "swapped-across-pieces": np.concatenate((np.arange(65_535.0), [65_536.0, 65_535.0], np.arange(65_537.0, 70_000.0))),
}
_OTHER_COLUMNS = {
    "sorted-nan": np.concatenate((np.arange(100.0), [np.nan, np.nan])),
    "infinities": np.concatenate(([np.inf, -np.inf], np.arange(100.0), [np.nan])),
    "floats": rng.normal(size=5000),
}


@pytest.mark.parametrize(
    ("values", "integer_typed"),
    [(values, True) for values in _WHOLE_COLUMNS.values()]
    + [(values, False) for values in (*_WHOLE_COLUMNS.values(), *_OTHER_COLUMNS.values())],
    ids=[f"{name}-integer" for name in _WHOLE_COLUMNS] + [*_WHOLE_COLUMNS, *_OTHER_COLUMNS],
)
def test_columns_are_put_in_the_order_a_sort_gives(values: np.ndarray, integer_typed: bool) -> None:
    from app.data.numeric_profiles import _put_in_order

    ordered = values.copy()
    _put_in_order(ordered, integer_typed=integer_typed)
    np.testing.assert_array_equal(ordered, np.sort(values))


@pytest.mark.parametrize("span", [1_000, 400_000])
def test_putting_a_long_integer_column_in_order_keeps_temporaries_small(span: int) -> None:
    """Counting a shuffled integer column (ids, codes) must not zero a range-sized array for
    every piece: with a range as wide as the column that was quadratic time and memory."""
    import tracemalloc

    from app.data.numeric_profiles import _put_in_order

    values = np.random.default_rng(5).integers(0, span, 400_000).astype(np.float64)
    expected = np.sort(values)
    tracemalloc.start()
    try:
        _put_in_order(values, integer_typed=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(values, expected)
    assert peak < values.nbytes / 4, f"{peak / 1e6:.1f} MB of temporaries for a {values.nbytes / 1e6:.1f} MB column"
