"""CSVs are parsed by Arrow's multithreaded reader, typed as pandas' C parser types them, and
text columns are counted on their Arrow data, never one Python string per cell."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.data.csv_reader import CsvLimits, ParsedCsv, ReadOptions, load_frame, read_csv_file
from app.data.profiling import profile_frame

LIMITS = CsvLimits(max_rows=100_000, max_columns=50)


@pytest.fixture
def no_pandas_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pandas.read_csv was called")

    monkeypatch.setattr(pd, "read_csv", refuse)


@pytest.fixture
def no_python_strings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Turning a large Arrow text column into Python objects fails the test."""
    original = pd.arrays.ArrowStringArray.to_numpy

    def to_numpy(self: pd.arrays.ArrowStringArray, *args: object, **kwargs: object) -> np.ndarray:
        if len(self) > 1000:
            raise AssertionError("a text column was turned into Python strings")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.arrays.ArrowStringArray, "to_numpy", to_numpy)


def read(tmp_path: Path, content: str, missing_tokens: list[str] | None = None) -> ParsedCsv:
    path = tmp_path / "upload.csv"
    path.write_text(content, encoding="utf-8")
    parsed = read_csv_file(path, LIMITS, missing_tokens=missing_tokens)
    options = ReadOptions.from_dict(json.loads(json.dumps(parsed.options.to_dict())))
    pd.testing.assert_frame_equal(load_frame(path, options), parsed.frame)
    return parsed


@pytest.mark.usefixtures("no_pandas_parser")
@pytest.mark.parametrize("quoted", [False, True])
def test_plain_and_quoted_files_are_read_by_arrow(tmp_path: Path, quoted: bool) -> None:
    city = '"Paris, FR"' if quoted else "Paris"
    parsed = read(tmp_path, f"id,city,score,ok\n1,{city},1.5,true\n2,Lyon,,false\n\n3,Nice,2,\n")
    frame = parsed.frame
    assert frame["id"].tolist() == [1, 2, 3]
    assert frame["city"].tolist() == ["Paris, FR" if quoted else "Paris", "Lyon", "Nice"]
    assert str(frame["city"].dtype) == "str"
    assert frame["score"].tolist()[::2] == [1.5, 2.0] and np.isnan(frame["score"].iloc[1])
    assert frame["ok"].tolist() == [True, False, pd.NA]
    assert parsed.options.parser == "arrow"
    assert "1 blank line between the rows was ignored." in parsed.notices


@pytest.mark.usefixtures("no_pandas_parser")
def test_ragged_row_in_a_plain_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "upload.csv"
    path.write_text("a,b,c\n1,2,3\n\n  \n4,5\n6,7,8\n")
    with pytest.raises(Exception, match="Line 5 has 2 fields but the header has 3"):
        read_csv_file(path, LIMITS)


def test_nan_spellings_are_tokens_with_a_notice_not_silent_numbers(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,x\n1,1.5\n2,NaN\n3,nan\n4,NaN\n")
    assert parsed.frame["x"].dtype == "float64"
    assert parsed.frame["x"].isna().sum() == 3
    assert any('"NaN" (2)' in notice and '"nan" (1)' in notice for notice in parsed.notices)


def test_signed_integers_stay_integers(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,delta,ratio\n1,+5,1.0\n2,-3,2.0\n3, 7,3.0\n")
    assert parsed.frame["delta"].dtype == np.int64
    assert parsed.frame["delta"].tolist() == [5, -3, 7]
    assert parsed.frame["ratio"].dtype == np.float64


def test_dates_and_times_stay_text(tmp_path: Path) -> None:
    rows = "".join(f"{i},2020-01-{i % 28 + 1:02d},12:{i % 60:02d},2020-01-01 10:00:{i % 60:02d}\n" for i in range(50))
    parsed = read(tmp_path, "id,day,time,stamp\n" + rows)
    frame = parsed.frame
    assert [str(frame[name].dtype) for name in ("day", "time", "stamp")] == ["str"] * 3
    assert frame["day"].iloc[0] == "2020-01-01" and frame["time"].iloc[1] == "12:01"
    kinds = {column.name: column.kind for column in profile_frame(frame).columns}
    assert kinds["day"] == kinds["stamp"] == "datetime"


def test_a_column_turning_into_dates_late_stays_text(tmp_path: Path) -> None:
    rows = "".join(f"{i},\n" for i in range(60_000)) + "60000,2020-01-01\n"
    frame = read(tmp_path, "id,when\n" + rows).frame
    assert str(frame["when"].dtype) == "str" and frame["when"].iloc[-1] == "2020-01-01"


def test_all_empty_column_is_float_and_wide_integers_keep_their_digits(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,empty,account\n1,,12345678901234567890\n2,,7\n")
    assert parsed.frame["empty"].dtype == np.float64 and parsed.frame["empty"].isna().all()
    assert parsed.frame["account"].tolist() == ["12345678901234567890", "7"]


def test_padding_is_stripped_only_where_present(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,a,b\n1, x ,y\n2,\tz,w\n3,   ,v\n")
    assert parsed.frame["a"].tolist()[:2] == ["x", "z"] and pd.isna(parsed.frame["a"].iloc[2])
    assert parsed.frame["b"].tolist() == ["y", "w", "v"]


def test_stored_options_from_before_keep_the_pandas_parser() -> None:
    assert ReadOptions.from_dict({"columns": ["a", "b"]}).parser == "pandas"
    assert ReadOptions().parser == "arrow"


@pytest.mark.usefixtures("no_python_strings")
def test_tokens_and_profile_of_large_text_columns_stay_in_arrow(tmp_path: Path) -> None:
    rows = "".join(
        f"{i},{'NA' if i % 10 == 0 else i / 4},{'None' if i % 3 else 'Stone'},code{i},2021-03-{i % 28 + 1:02d}\n"
        for i in range(5000)
    )
    path = tmp_path / "upload.csv"
    path.write_text("id,x,veneer,code,day\n" + rows)
    parsed = read_csv_file(path, LIMITS)
    assert parsed.frame["x"].isna().sum() == 500
    profile = profile_frame(parsed.frame, column_notes=parsed.column_notes)
    veneer = profile.column("veneer")
    assert veneer.kind == "categorical" and veneer.unique == 2
    assert veneer.top == [{"value": "None", "count": 3333}, {"value": "Stone", "count": 1667}]
    assert "`None` appears 3,333 times in this column: a category or missing?" in veneer.notes
    assert profile.column("code").kind == "id" and profile.column("code").unique == 5000
    assert profile.column("day").stats == {"min": "2021-03-01T00:00:00", "max": "2021-03-28T00:00:00"}


def test_a_record_longer_than_an_arrow_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.data import arrow_csv

    monkeypatch.setattr(arrow_csv, "BLOCK_BYTES", 4096)
    long_text = "word " * 2000
    parsed = read(tmp_path, f"id,note\n1,{long_text}\n2,short\n")
    assert parsed.frame["note"].tolist() == [long_text.strip(), "short"]


def test_mostly_distinct_timestamps_counted_as_instants_profile_as_counted_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Timestamps that are mostly distinct are counted by sorting their instants, not hashing
    their text: the profile (kinds, counts, notes, statistics) is the same either way, a column
    with a token among its dates is still read as before, and missing values stay missing."""
    rows = 40_000
    start = np.datetime64("2021-03-01T00:00:00")
    stamps = [str(start + np.timedelta64(int(i) * 37, "s")).replace("T", " ") for i in range(rows)]
    with_gaps = [stamp if i % 9 else "" for i, stamp in enumerate(stamps)]
    with_token = ["NA" if i == 123 else stamp for i, stamp in enumerate(stamps)]
    days = [str(start.astype("datetime64[D]") + int(i % 50)) for i in range(rows)]
    path = tmp_path / "times.csv"
    records = zip(stamps, with_gaps, with_token, days, strict=True)
    lines = ["seen,seen_gaps,seen_token,day"] + [",".join(values) for values in records]
    path.write_text("\n".join(lines) + "\n")

    def profiled() -> dict:
        parsed = read_csv_file(path, LIMITS)
        profile = profile_frame(parsed.frame, column_notes=parsed.column_notes, value_counts=parsed.value_counts)
        return {"profile": profile.to_dict(), "notices": parsed.notices}

    as_instants = profiled()
    from app.data import arrow_columns

    monkeypatch.setattr(arrow_columns, "iso_instants", lambda values: None)
    as_text = profiled()
    assert as_instants == as_text
    columns = {column["name"]: column for column in as_instants["profile"]["columns"]}
    assert columns["seen"]["kind"] == columns["seen_gaps"]["kind"] == "datetime"
    assert (columns["seen"]["unique"], columns["seen_gaps"]["missing"]) == (rows, len(range(0, rows, 9)))
    last = str(start + np.timedelta64((rows - 1) * 37, "s"))
    assert columns["seen"]["stats"] == {"min": "2021-03-01T00:00:00", "max": last}
    assert columns["seen_token"]["kind"] != "datetime"  # "NA" among dates: the text path decides
    assert columns["day"]["kind"] == "datetime"


def test_instants_are_counted_in_sorted_order_with_missing_last() -> None:
    import pyarrow as pa

    from app.data.arrow_columns import count_values

    values = [f"2020-01-{day:02d} {hour}:00:00" for day in range(1, 29) for hour in (10, 11)]
    values += ["2020-01-01 10:00:00", None]  # mostly distinct: counted by sorting
    counted = count_values({"when": pa.chunked_array([values[::-1]])})["when"]
    instants = counted.field("values").to_pylist()
    assert instants[-1] is None and instants[:-1] == sorted(instants[:-1])
    assert counted.field("counts").to_pylist() == [2] + [1] * 55 + [1]


@pytest.mark.parametrize(
    ("chunks", "needs_text"),
    [
        ([[0.5, 1.25], [2.0]], False),  # fractions: floats to pandas too
        ([[1.0, 2.0], [3.0]], True),  # whole and complete: perhaps "+5", int64 to pandas
        ([[1.0, None], [3.0]], False),  # whole with a gap: float64 to pandas as well
        ([[1.5, float("nan")], [2.0]], True),  # "NaN" written in the file: text to pandas
        ([[1.5, 2.0**64], [None]], True),  # beyond int64: perhaps an integer's digits
        ([[1.5, float("inf")], [2.0]], False),  # an infinity among fractions
        ([[float("-inf"), 2.0**70], [2.5]], True),  # an infinity beside a huge value
        ([[float("inf"), float("-inf")]], False),  # nothing finite
        ([[None, None]], False),  # all missing
    ],
)
def test_which_float_columns_pandas_would_type_otherwise(chunks: list, needs_text: bool) -> None:
    import pyarrow as pa

    from app.data.arrow_csv import _needs_text

    assert _needs_text(pa.chunked_array(chunks, type=pa.float64())) is needs_text
