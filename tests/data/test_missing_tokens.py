"""Missing-value tokens, all-empty lines and headerless files, at the reader and the profile."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from app.data.csv_reader import CsvLimits, ParsedCsv, ReadOptions, load_frame, read_csv_file
from app.data.profiling import profile_frame

LIMITS = CsvLimits(max_rows=1000, max_columns=50)


def read(tmp_path: Path, content: str, missing_tokens: list[str] | None = None) -> ParsedCsv:
    """Read, and check that re-reading with the stored options gives the same frame."""
    path = tmp_path / "upload.csv"
    path.write_text(content, encoding="utf-8")
    parsed = read_csv_file(path, LIMITS, missing_tokens=missing_tokens)
    options = ReadOptions.from_dict(json.loads(json.dumps(parsed.options.to_dict())))
    pd.testing.assert_frame_equal(load_frame(path, options), parsed.frame)
    return parsed


# Missing-value tokens ----------------------------------------------------------------------


def test_tokens_in_a_numeric_column_are_missing_with_counts(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,x\n1,1.5\n2,NA\n3,n/a\n4, null \n5,None\n6,?\n7,-\n8,2.5\n9,NA\n")
    x = parsed.frame["x"]
    assert x.dtype == "float64"
    assert x.isna().sum() == 7
    assert x.dropna().tolist() == [1.5, 2.5]
    notice = next(notice for notice in parsed.notices if '"x"' in notice)
    assert "7 values" in notice and '"NA" (2)' in notice and "missing" in notice


def test_tokens_in_an_integer_column_keep_it_numeric(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,age\n1,30\n2,NULL\n3,41\n")
    assert parsed.frame["age"].tolist()[::2] == [30, 41]
    assert pd.isna(parsed.frame["age"].iloc[1])


def test_tokens_in_a_true_false_column_are_missing(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,ok\n1,true\n2,NA\n3,False\n")
    assert parsed.frame["ok"].tolist() == [True, pd.NA, False]


def test_tokens_with_decimal_commas(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id;x\n1;3,14\n2;NA\n3;2,5\n")
    assert parsed.frame["x"].tolist()[::2] == [3.14, 2.5]
    assert pd.isna(parsed.frame["x"].iloc[1])


def test_a_text_column_keeps_token_like_categories(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,veneer\n1,None\n2,Stone\n3,None\n4,\n5,BrkFace\n")
    veneer = parsed.frame["veneer"]
    assert veneer.tolist()[:3] == ["None", "Stone", "None"]
    assert veneer.isna().sum() == 1  # only the empty cell
    assert not any('"veneer"' in notice for notice in parsed.notices)


def test_a_text_column_reports_token_like_values_in_its_profile(tmp_path: Path) -> None:
    rows = "".join(f"{i},{'None' if i % 2 else 'Stone'}\n" for i in range(1000))
    parsed = read(tmp_path, "id,veneer\n" + rows)
    column = profile_frame(parsed.frame).column("veneer")
    assert column.missing == 0
    assert "`None` appears 500 times in this column: a category or missing?" in column.notes


def test_a_numeric_column_profile_says_which_tokens_were_missing(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,x\n1,1.5\n2,NA\n3,?\n4,2\n")
    column = profile_frame(parsed.frame, column_notes=parsed.column_notes).column("x")
    assert column.missing == 2
    assert any('"NA" (1)' in note and '"?" (1)' in note for note in column.notes)


def test_chosen_tokens_are_missing_in_every_column(tmp_path: Path) -> None:
    content = "id,veneer,x\n1,None,-999\n2,Stone,4\n3,none,NA\n"
    parsed = read(tmp_path, content, missing_tokens=["None", "-999"])
    assert parsed.frame["veneer"].tolist()[1] == "Stone"
    assert parsed.frame["veneer"].isna().sum() == 2  # case-insensitive
    # "NA" is no longer a missing marker, so x holds text; -999 is missing.
    assert parsed.frame["x"].isna().tolist() == [True, False, False]
    assert parsed.frame["x"].tolist()[1:] == ["4", "NA"]
    assert parsed.options.missing_tokens == ["None", "-999"]


def test_chosen_numeric_sentinel_in_a_number_column(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,x\n1,-999\n2,4\n3,5.5\n", missing_tokens=["-999"])
    assert parsed.frame["x"].dtype == "float64"
    assert parsed.frame["x"].isna().tolist() == [True, False, False]


def test_an_empty_choice_means_only_empty_cells_are_missing(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,x\n1,1.5\n2,NA\n3,\n", missing_tokens=[])
    assert parsed.frame["x"].tolist()[:2] == ["1.5", "NA"]
    assert pd.isna(parsed.frame["x"].iloc[2])


# All-empty lines ---------------------------------------------------------------------------


def test_lines_of_empty_fields_are_not_rows(tmp_path: Path) -> None:
    parsed = read(tmp_path, "a,b,c\n1,2,x\n,,\n3,4,y\n,,\n,,\n")
    assert parsed.frame.to_dict("list") == {"a": [1, 3], "b": [2, 4], "c": ["x", "y"]}
    assert "3 lines whose fields are all empty were skipped." in parsed.notices


def test_one_line_of_empty_fields(tmp_path: Path) -> None:
    parsed = read(tmp_path, "a,b\n1,2\n,\n3,4\n")
    assert len(parsed.frame) == 2
    assert "1 line whose fields are all empty was skipped." in parsed.notices


# Headerless files --------------------------------------------------------------------------


def test_a_header_of_numbers_like_the_rows_is_data(tmp_path: Path) -> None:
    parsed = read(tmp_path, "5.1,3.5,0\n4.9,3.0,1\n6.2,2.9,1\n")
    assert list(parsed.frame.columns) == ["column_1", "column_2", "column_3"]
    assert parsed.frame["column_1"].tolist() == [5.1, 4.9, 6.2]
    assert any("no header" in notice and "column_1" in notice for notice in parsed.notices)


def test_numeric_names_over_text_rows_stay_a_header(tmp_path: Path) -> None:
    parsed = read(tmp_path, "2019,2020\nlow,high\nmid,low\n")
    assert list(parsed.frame.columns) == ["2019", "2020"]
    assert not any("no header" in notice for notice in parsed.notices)


def test_a_headerless_file_still_names_ragged_lines(tmp_path: Path) -> None:
    from app.data.csv_reader import CsvError

    path = tmp_path / "upload.csv"
    path.write_text("1,2,3\n4,5,6\n7,8\n")
    with pytest.raises(CsvError, match="Line 3 has 2 fields"):
        read_csv_file(path, LIMITS)
