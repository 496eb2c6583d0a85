"""Reading CSV files: the good variants parse right, the hostile ones fail with a clear sentence."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.data import record_scan
from app.data.csv_reader import (
    CsvError,
    CsvLimits,
    NumberFormat,
    ParsedCsv,
    ReadOptions,
    load_frame,
    read_csv_file,
)

LIMITS = CsvLimits(max_rows=1000, max_columns=50)


def write(tmp_path: Path, content: bytes | str, name: str = "upload.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def read(tmp_path: Path, content: bytes | str, limits: CsvLimits = LIMITS) -> ParsedCsv:
    """Read, and check that re-reading with the detected options gives the same frame."""
    path = write(tmp_path, content)
    parsed = read_csv_file(path, limits)
    options = ReadOptions.from_dict(json.loads(json.dumps(parsed.options.to_dict())))
    pd.testing.assert_frame_equal(load_frame(path, options), parsed.frame)
    return parsed


def error_of(tmp_path: Path, content: bytes | str, limits: CsvLimits = LIMITS) -> str:
    with pytest.raises(CsvError) as caught:
        read_csv_file(write(tmp_path, content), limits)
    assert caught.value.message == str(caught.value)
    return caught.value.message


# Encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
    ],
)
def test_unicode_files_with_and_without_bom(tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = "name,city\nZoë,Zürich\nJosé,São Paulo\n"
    parsed = read(tmp_path, bom + text.encode(encoding))
    assert list(parsed.frame.columns) == ["name", "city"]
    assert parsed.frame["city"].tolist() == ["Zürich", "São Paulo"]
    assert parsed.notices == []


def test_latin1_falls_back_with_a_notice(tmp_path: Path) -> None:
    parsed = read(tmp_path, "name;price\ncafé;3\nthé;€4\n".encode("cp1252"))
    assert parsed.frame["name"].tolist() == ["café", "thé"]
    assert parsed.frame["price"].tolist() == ["3", "€4"]
    assert any("Latin-1" in notice and "not valid UTF-8" in notice for notice in parsed.notices)


def test_latin1_after_a_long_utf8_looking_head(tmp_path: Path) -> None:
    rows = "".join(f"{i},plain\n" for i in range(40_000))  # pushes the é past the sniffed head
    content = ("id,word\n" + rows + "40000,caf\xe9\n").encode("latin-1")
    parsed = read(tmp_path, content, CsvLimits(max_rows=50_000, max_columns=5))
    assert parsed.frame["word"].iloc[-1] == "café"
    assert any("Latin-1" in notice for notice in parsed.notices)


def test_utf8_damaged_by_foreign_bytes_is_refused(tmp_path: Path) -> None:
    message = error_of(tmp_path, "a,b\n1,é\n".encode() + b"2,\xe9\n")
    assert "UTF-8" in message and "line 3" in message


@pytest.mark.parametrize("tail", [b"\x00\xd8,\x002\x00\n\x00", b"\x00"])
def test_broken_utf16_is_refused(tmp_path: Path, tail: bytes) -> None:
    head = "a,b\n".encode("utf-16") + "1,2\n".encode("utf-16-le") * 40_000
    message = error_of(tmp_path, head + tail, CsvLimits(max_rows=50_000, max_columns=5))
    assert "UTF-16" in message


def test_broken_utf8_after_a_bom_is_refused(tmp_path: Path) -> None:
    content = codecs.BOM_UTF8 + b"a,b\n" + b"1,2\n" * 70_000 + b"3,\xff\n"
    message = error_of(tmp_path, content, CsvLimits(max_rows=80_000, max_columns=5))
    assert "UTF-8" in message


# Delimiters, quotes and line endings ------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    rows = [["id", "colour", "size"], ["1", "red", "2.5"], ["2", "blue", "3"]]
    parsed = read(tmp_path, "\n".join(delimiter.join(row) for row in rows) + "\n")
    assert parsed.options.delimiter == delimiter
    assert parsed.frame["colour"].tolist() == ["red", "blue"]
    assert parsed.frame["size"].tolist() == [2.5, 3.0]


def test_delimiter_inside_quotes_does_not_count(tmp_path: Path) -> None:
    parsed = read(tmp_path, 'name;note\n"Smith, J";"a;b"\n"Doe, K";plain\n')
    assert parsed.options.delimiter == ";"
    assert parsed.frame["note"].tolist() == ["a;b", "plain"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_and_embedded_newlines(tmp_path: Path, newline: str) -> None:
    text = newline.join(["id,comment", '1,"two', 'lines"', '2,"say ""hi"""', "3,end"]) + newline
    parsed = read(tmp_path, text)
    assert parsed.frame["id"].tolist() == [1, 2, 3]
    assert parsed.frame["comment"].tolist() == [f"two{newline}lines", 'say "hi"', "end"]


def test_blank_lines_are_ignored_with_notices(tmp_path: Path) -> None:
    parsed = read(tmp_path, "a,b\n1,2\n\n3,4\n\n  \n\n")
    assert parsed.frame.to_dict("list") == {"a": [1, 3], "b": [2, 4]}
    assert "1 blank line between the rows was ignored." in parsed.notices
    assert "3 blank lines at the end were ignored." in parsed.notices


def test_whitespace_around_values_and_names_is_stripped(tmp_path: Path) -> None:
    parsed = read(tmp_path, ' id , colour \n1,  red\n2,red  \n3," red "\n4,   \n5,blue\n')
    assert list(parsed.frame.columns) == ["id", "colour"]
    colours = parsed.frame["colour"]
    assert colours.tolist()[:3] == ["red", "red", "red"]
    assert pd.isna(colours.iloc[3])  # only whitespace: missing
    assert colours.nunique() == 2


@pytest.mark.parametrize(
    "content",
    [
        "a,b\n1,\tred\n2,red\n",  # a tab starting a value
        "a,b\n1,red\n2,red ",  # a space at the very end of the file
        "a,b\n1,red\t\r\n2,red\r\n",  # a tab before CRLF
        "b,a\nred ,1\nred,2\n",  # a space before a delimiter
        "b,a\n\tred,1\nred,2\n",  # a tab starting a line
        'a,b\n1," red"\n2,red\n',  # a space inside quotes
    ],
)
def test_padding_anywhere_is_stripped(tmp_path: Path, content: str) -> None:
    assert read(tmp_path, content).frame["b"].tolist() == ["red", "red"]


def test_spaces_after_delimiters(tmp_path: Path) -> None:
    parsed = read(tmp_path, "a, b, c\n1, red, 2\n3,  blue,4\n")
    assert parsed.frame.to_dict("list") == {"a": [1, 3], "b": ["red", "blue"], "c": [2, 4]}
    assert not parsed.options.skip_initial_space


def test_quoted_values_after_spaces(tmp_path: Path) -> None:
    parsed = read(tmp_path, 'id, city, n\n1, "New York, NY", 2\n2, Paris, 3\n')
    assert parsed.frame["city"].tolist() == ["New York, NY", "Paris"]
    assert parsed.options.skip_initial_space


def test_a_quote_after_spaces_beyond_the_sniffed_head_is_not_silently_split(tmp_path: Path) -> None:
    rows = "".join(f"{i},plain\n" for i in range(40_000))
    content = "id,city\n" + rows + '40000, "New York, NY"\n'
    message = error_of(tmp_path, content, CsvLimits(max_rows=50_000, max_columns=5))
    assert "Line 40002 has 3 fields but the header has 2" in message


@pytest.mark.parametrize(
    "content",
    [
        'id,text\n1,"multi\nline, with comma"\n2,"say ""hi"""\n\n3,plain\n\n\n',
        "a;b\r\n1;2\r\n\r\n3;4\r\n",
        'a,b\n1,2\n3,"x\ny\nz",9\n',
        "a,b\n1,2\n3\n",
        'a,b\n1,"open\n2,3\n',
    ],
)
def test_scanning_in_tiny_chunks_gives_the_same_verdict(
    tmp_path: Path, content: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def verdict() -> object:
        try:
            parsed = read_csv_file(write(tmp_path, content), LIMITS)
        except CsvError as error:
            return error.message
        return parsed.frame.to_dict("list"), parsed.notices

    expected = verdict()
    monkeypatch.setattr(record_scan, "CHUNK_BYTES", 3)
    assert verdict() == expected


def test_stray_quotes_switch_to_the_csv_module_and_still_find_short_rows(tmp_path: Path) -> None:
    message = error_of(tmp_path, "name,height,team\nBob,5'11\",red\nAl,6'0\"\n")
    assert "Line 3 has 2 fields but the header has 3" in message


def test_lone_carriage_returns_among_line_feeds(tmp_path: Path) -> None:
    parsed = read(tmp_path, "a,b\r\n1,2\r3,4\n5,6\r\n")
    assert parsed.frame.to_dict("list") == {"a": [1, 3, 5], "b": [2, 4, 6]}
    assert "Line 3 has 1 field" in error_of(tmp_path, "a,b\r\n1,2\r3\n5,6\r\n")


def test_unterminated_quote_after_an_escaped_quote_names_the_records_line(tmp_path: Path) -> None:
    assert "line 2" in error_of(tmp_path, 'a,b\n1,"x\n""y\n')


def test_html_column_names_and_values_are_kept_verbatim(tmp_path: Path) -> None:
    name = "<script>alert(1)</script>"
    parsed = read(tmp_path, f'{name},"<b>x</b>"\n1,<img src=x onerror=alert(1)>\n2,&amp;\n')
    assert list(parsed.frame.columns) == [name, "<b>x</b>"]
    assert parsed.frame["<b>x</b>"].tolist() == ["<img src=x onerror=alert(1)>", "&amp;"]


def test_an_extra_first_field_is_an_error_not_an_index(tmp_path: Path) -> None:
    message = error_of(tmp_path, "a,b\n0,1,2\n1,3,4\n")
    assert "Line 2" in message and "3 fields" in message and "header has 2" in message


# Numbers ---------------------------------------------------------------------------------


def test_decimal_commas_and_dot_thousands(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id;pi;big\n1;3,14;1.234.567,5\n2;2,5;2.000\n3;;12\n")
    frame = parsed.frame
    assert frame["pi"].tolist()[:2] == [3.14, 2.5] and math.isnan(frame["pi"].iloc[2])
    assert frame["big"].tolist() == [1234567.5, 2000.0, 12.0]
    assert parsed.options.number_formats["big"] == NumberFormat(thousands=".", decimal=",")
    assert sum('decimal ","' in notice for notice in parsed.notices) == 2


def test_comma_thousands_in_a_semicolon_file(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id;population\n1;1,234,567\n2;89\n3;12,000.5\n")
    assert parsed.frame["population"].tolist() == [1234567.0, 89.0, 12000.5]
    assert any('thousands ","' in notice for notice in parsed.notices)


def test_quoted_thousands_in_a_comma_file(tmp_path: Path) -> None:
    parsed = read(tmp_path, 'id,income\n1,"1,234,567"\n2,"12,500"\n')
    assert parsed.frame["income"].tolist() == [1234567, 12500]


def test_ambiguous_separators_stay_text_with_a_notice(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id;amount\n1;1,234\n2;5\n")
    assert parsed.frame["amount"].tolist() == ["1,234", "5"]
    assert any('"1,234" could mean' in notice for notice in parsed.notices)


def test_ambiguous_separators_follow_the_files_clear_convention(tmp_path: Path) -> None:
    parsed = read(tmp_path, "a;b\n1,234;3,5\n2;1.000,25\n")
    assert parsed.frame["a"].tolist() == [1.234, 2.0]
    assert parsed.frame["b"].tolist() == [3.5, 1000.25]


def test_mixed_text_and_numbers_stay_text(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,size\n1,12\n2,large\n3,1.5\n")
    assert parsed.frame["size"].tolist() == ["12", "large", "1.5"]


def test_infinities_and_overflow_become_missing_with_a_notice(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,x\n1,inf\n2,-inf\n3,Infinity\n4,1e999\n5,-1e999\n6,2.5\n")
    x = parsed.frame["x"]
    assert x.isna().sum() == 5 and x.iloc[5] == 2.5
    assert np.isfinite(x.dropna()).all()
    assert any('"x"' in notice and "5 infinite" in notice for notice in parsed.notices)


def test_integers_beyond_int64_are_kept_as_exact_text(tmp_path: Path) -> None:
    parsed = read(
        tmp_path,
        "id,account,big\n1,99999999999999999999,18446744073709551615\n2,7,3\n",
    )
    assert parsed.frame["account"].tolist() == ["99999999999999999999", "7"]
    assert parsed.frame["big"].tolist() == ["18446744073709551615", "3"]
    assert parsed.options.text_columns == ["account", "big"]
    assert any('"account"' in notice and "too large" in notice for notice in parsed.notices)


def test_int64_extremes_stay_integers(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,x\n1,9223372036854775807\n2,-9223372036854775808\n")
    assert parsed.frame["x"].dtype == np.int64


def test_booleans_with_missing_values(tmp_path: Path) -> None:
    parsed = read(tmp_path, "id,ok\n1,true\n2,\n3,False\n")
    assert parsed.frame["ok"].tolist() == [True, pd.NA, False]


def test_a_column_changing_type_late_does_not_warn(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i}\n" for i in range(300_000)) + "300000,oops\n"
    parsed = read(tmp_path, "id,code\n" + rows, CsvLimits(max_rows=400_000, max_columns=5))
    assert parsed.frame["code"].iloc[-1] == "oops"
    assert parsed.frame["code"].iloc[0] == "0"


# Hostile files -----------------------------------------------------------------------------


def _zip(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, "a,b\n1,2\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (codecs.BOM_UTF8, "empty"),
        (b"a,b,c\n", "header row but no data"),
        (b"a,b,c\n\n\n", "header row but no data"),
        (b"label\n1\n2\n", "only one column"),
        (b"a b c\n1 2 3\n", "only one column"),
        (b"\x00\x01\x02\x03binary\x00\xff" * 50, "not text"),
        (_zip("xl/workbook.xml"), "Excel workbook; save it as CSV"),
        (_zip("data.csv"), "ZIP archive"),
        (gzip.compress(b"a,b\n1,2\n"), "gzip"),
        (b"%PDF-1.7\n...", "PDF"),
        (b'{"rows": [{"a": 1}]}', "looks like JSON, not CSV"),
        (b'[\n  {"a": 1, "b": 2}\n]', "looks like JSON, not CSV"),
        (b"<!DOCTYPE html><html><body>a,b</body></html>", "web page"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old xls", "Excel workbook"),
    ],
)
def test_files_that_are_not_csv_tables(tmp_path: Path, content: bytes, expected: str) -> None:
    assert expected in error_of(tmp_path, content)


def test_unterminated_quote_names_its_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, 'a,b\n1,2\n3,"never closed\n4,5\n')
    assert "line 3" in message and "never closed" in message


def test_unterminated_quote_in_utf16(tmp_path: Path) -> None:
    message = error_of(tmp_path, 'a,b\n1,2\n3,"never closed\n'.encode("utf-16"))
    assert "never closed" in message


@pytest.mark.parametrize(
    ("content", "line", "found"),
    [
        ("a,b,c\n1,2,3\n4,5\n", 3, 2),
        ("a,b,c\n1,2,3\n4,5,6,7\n", 3, 4),
        ('a,b,c\n1,"x\ny",3\n4,5\n', 4, 2),  # the line count includes embedded newlines
        ("a;b;c\n1;2;3\n\n4;5;6\n7\n", 5, 1),
        ("a,b,c\n1,2,3,4\n5,6\n", 2, 4),  # one long and one short row: counts cancel out
    ],
)
def test_ragged_rows_name_line_and_counts(tmp_path: Path, content: str, line: int, found: int) -> None:
    message = error_of(tmp_path, content)
    assert f"Line {line} has {found} field" in message and "header has 3" in message


def test_ragged_row_far_into_a_large_file(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i * 2},x\n" for i in range(200_000))
    content = "a,b,c\n" + rows + "7,8\n" + rows
    message = error_of(tmp_path, content, CsvLimits(max_rows=500_000, max_columns=5))
    assert "Line 200002 has 2 fields" in message


def test_ragged_rows_in_utf16(tmp_path: Path) -> None:
    message = error_of(tmp_path, "a\tb\n1\t2\n3\n".encode("utf-16"))
    assert "Line 3 has 1 field but the header has 2" in message


def test_blank_column_name_says_which_position(tmp_path: Path) -> None:
    assert "Column 2 has no name" in error_of(tmp_path, "a, ,c\n1,2,3\n")


def test_duplicate_column_names_are_named(tmp_path: Path) -> None:
    message = error_of(tmp_path, "age,name,age ,name,x\n1,2,3,4,5\n")
    assert '"age", "name"' in message


def test_row_limit(tmp_path: Path) -> None:
    content = "a,b\n" + "1,2\n" * 11
    assert "more than 10 data rows" in error_of(tmp_path, content, CsvLimits(10, 5))
    assert len(read(tmp_path, content, CsvLimits(11, 5)).frame) == 11


def test_column_limit(tmp_path: Path) -> None:
    content = ",".join(f"c{i}" for i in range(6)) + "\n" + ",".join("1" * 6) + "\n"
    assert "6 columns" in error_of(tmp_path, content, CsvLimits(10, 5))
    assert "at most 5" in error_of(tmp_path, content, CsvLimits(10, 5))


# Options -----------------------------------------------------------------------------------


def test_read_options_round_trip_through_json() -> None:
    options = ReadOptions(
        encoding="cp1252",
        delimiter=";",
        columns=["a", "b"],
        number_formats={"b": NumberFormat(thousands=".", decimal=",")},
        text_columns=["a"],
    )
    assert ReadOptions.from_dict(json.loads(json.dumps(options.to_dict()))) == options


def test_quotes_inside_unquoted_values_are_literal(tmp_path: Path) -> None:
    parsed = read(tmp_path, "name,height\nBob,5'11\"\nAl,6'0\"\n")
    assert parsed.frame["height"].tolist() == ["5'11\"", "6'0\""]
