"""Excel workbooks and Parquet files upload like CSVs: same profile, limits and clear errors."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.data.csv_options import CsvLimits, ReadOptions
from app.data.table_files import load_table, read_table_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


SALES = [
    ["id", "price", "sold", "member", "veneer"],
    [1, 2.5, datetime.date(2024, 1, 2), True, "None"],
    [2, None, datetime.date(2024, 1, 3), False, "Stone"],
    [3, 4, datetime.date(2024, 1, 4), True, None],
    [4, "NA", datetime.date(2024, 1, 5), False, "Stone"],
]


def upload(client: TestClient, content: bytes, name: str, sheet: str | None = None):  # type: ignore[no-untyped-def]
    data = {"sheet": sheet} if sheet is not None else None
    return client.post("/api/datasets", files={"file": (name, io.BytesIO(content), XLSX)}, data=data)


def column(body: dict, name: str) -> dict:
    return next(column for column in body["columns"] if column["name"] == name)


def test_an_xlsx_upload_gets_the_same_profile_as_a_csv(client: TestClient) -> None:
    response = upload(client, workbook({"Sales": SALES}), "sales.xlsx")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rows"] == 4
    assert column(body, "price")["kind"] == "numeric" and column(body, "price")["missing"] == 2
    assert column(body, "sold")["kind"] == "datetime"
    assert column(body, "member")["kind"] == "boolean"
    assert column(body, "veneer")["missing"] == 1  # "None" is a category in a text column
    assert any("category or missing" in note for note in column(body, "veneer")["notes"])


def test_the_first_sheet_by_default_with_a_notice_listing_the_sheets(client: TestClient) -> None:
    content = workbook({"Sales": SALES, "Costs": [["a", "b"], [1, 2], [3, 4]]})
    body = upload(client, content, "book.xlsx").json()
    assert body["rows"] == 4
    assert any('2 sheets ("Sales", "Costs")' in notice and '"Sales"' in notice for notice in body["notices"])
    chosen = upload(client, content, "book.xlsx", sheet="Costs").json()
    assert [column["name"] for column in chosen["columns"]] == ["a", "b"]
    assert not any("sheets" in notice for notice in chosen["notices"])


def test_an_unknown_sheet_lists_the_sheets(client: TestClient, settings: Settings) -> None:
    content = workbook({"Sales": SALES, "Costs": [["a", "b"], [1, 2]]})
    response = upload(client, content, "book.xlsx", sheet="Budget")
    assert response.status_code == 422
    assert response.json()["detail"] == 'The workbook has no sheet "Budget"; its sheets are "Sales", "Costs".'
    assert list(settings.datasets_dir.iterdir()) == []


def test_a_damaged_workbook_is_a_sentence(client: TestClient, settings: Settings) -> None:
    content = workbook({"Sales": SALES})
    response = upload(client, content[: len(content) // 2], "cut.xlsx")
    assert response.status_code == 422
    assert "damaged" in response.json()["detail"]
    assert list(settings.datasets_dir.iterdir()) == []


def test_a_password_protected_workbook_is_a_sentence(client: TestClient) -> None:
    # Excel wraps an encrypted workbook in an OLE compound file holding an "EncryptedPackage"
    # stream; these bytes are that container's signature and stream name, which is what is checked.
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(500)
    response = upload(client, content, "secret.xlsx")
    assert response.status_code == 422
    assert "protected with a password" in response.json()["detail"]


def test_an_empty_sheet_is_a_sentence(client: TestClient) -> None:
    response = upload(client, workbook({"Empty": []}), "empty.xlsx")
    assert response.status_code == 422
    assert response.json()["detail"] == 'The sheet "Empty" is empty; it has no header row and no data.'


def test_workbook_limits_are_the_csv_limits(tmp_path: Path) -> None:
    path = tmp_path / "wide.xlsx"
    path.write_bytes(workbook({"S": [[f"c{i}" for i in range(6)], list(range(6))]}))
    with pytest.raises(ValueError, match="at most 5"):
        read_table_file(path, CsvLimits(max_rows=10, max_columns=5))


def test_a_stored_workbook_re_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(workbook({"Sales": SALES, "Costs": [["a", "b"], [1, 2]]}))
    parsed = read_table_file(path, CsvLimits(), sheet="Costs")
    assert parsed.options.file_format == "xlsx" and parsed.options.sheet == "Costs"
    options = ReadOptions.from_dict(parsed.options.to_dict())
    pd.testing.assert_frame_equal(load_table(path, options), parsed.frame)


# Parquet -------------------------------------------------------------------------------------


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def test_a_parquet_upload(client: TestClient, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "x": [1.5, None, 2.5, float("inf")],
            "n": [1, 2, 3, 4],
            "veneer": ["None", "Stone", None, "Stone"],
            "code": ["1", "NA", "3", "4"],
        }
    )
    response = upload(client, parquet_bytes(frame), "table.parquet")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rows"] == 4
    assert column(body, "x")["missing"] == 2  # empty and infinite
    assert column(body, "n")["kind"] == "integer"
    assert column(body, "veneer")["missing"] == 1
    assert column(body, "code")["missing"] == 1  # "NA" among numbers written as text
    path = tmp_path / "t.parquet"
    path.write_bytes(parquet_bytes(frame))
    parsed = read_table_file(path, CsvLimits())
    pd.testing.assert_frame_equal(load_table(path, ReadOptions.from_dict(parsed.options.to_dict())), parsed.frame)


def test_parquet_limits_and_damage(client: TestClient, settings_factory) -> None:  # type: ignore[no-untyped-def]
    wide = pd.DataFrame({f"c{i}": [1, 2] for i in range(6)})
    response = upload(client, parquet_bytes(wide), "wide.parquet")
    assert response.status_code == 201
    broken = parquet_bytes(wide)
    response = upload(client, broken[:4] + bytes(len(broken) - 4), "broken.parquet")
    assert response.status_code == 422
    assert "Parquet file is damaged" in response.json()["detail"]


def test_parquet_column_limit(tmp_path: Path) -> None:
    path = tmp_path / "wide.parquet"
    path.write_bytes(parquet_bytes(pd.DataFrame({f"c{i}": [1, 2] for i in range(6)})))
    with pytest.raises(ValueError, match="6 columns; LayerLab reads at most 5"):
        read_table_file(path, CsvLimits(max_rows=10, max_columns=5))


def test_another_sheet_becomes_a_dataset_of_its_own(client: TestClient) -> None:
    content = workbook({"Sales": SALES, "Costs": [["a", "b"], [1, 2], [3, 4]]})
    first = upload(client, content, "book.xlsx").json()
    assert (first["sheet"], first["sheets"]) == ("Sales", ["Sales", "Costs"])
    response = client.post(f"/api/datasets/{first['id']}/sheets", json={"sheet": "Costs"})
    assert response.status_code == 201, response.text
    costs = response.json()
    assert costs["name"] == "book.xlsx – Costs" and costs["sheet"] == "Costs"
    assert [column["name"] for column in costs["columns"]] == ["a", "b"]
    again = client.get(f"/api/datasets/{first['id']}").json()  # the first is untouched
    assert [column["name"] for column in again["columns"]] == [row for row in SALES[0]]
    sales = client.post(f"/api/datasets/{costs['id']}/sheets", json={"sheet": "Sales"}).json()
    assert sales["name"] == "book.xlsx – Sales" and sales["rows"] == 4


def test_a_sheet_it_does_not_have_or_a_csv_is_a_sentence_and_adds_nothing(client: TestClient) -> None:
    first = upload(client, workbook({"Sales": SALES, "Costs": [["a"], [1]]}), "book.xlsx").json()
    response = client.post(f"/api/datasets/{first['id']}/sheets", json={"sheet": "Budget"})
    assert response.status_code == 422
    assert response.json()["detail"] == "Choose one of the workbook's sheets: “Sales”, “Costs”."
    csv = client.post("/api/datasets", files={"file": ("a.csv", b"x,y\n1,2\n3,4\n", "text/csv")}).json()
    response = client.post(f"/api/datasets/{csv['id']}/sheets", json={"sheet": "Sales"})
    assert response.status_code == 422 and "Only an Excel workbook has sheets" in response.json()["detail"]
    assert client.post(f"/api/datasets/{first['id']}/sheets", json={"sheet": ""}).status_code == 422
    assert len(client.get("/api/datasets").json()) == 2


def test_the_dataset_page_offers_the_other_sheets(client: TestClient) -> None:
    first = upload(client, workbook({"Sales": SALES, "Costs": [["a", "b"], [1, 2]]}), "book.xlsx").json()
    page = client.get(f"/datasets/{first['id']}").text
    assert 'action="/datasets/{}/sheets"'.format(first["id"]) in page and '<option value="Costs">' in page
    assert '<option value="Sales">' not in page  # the sheet it already is
    response = client.post(f"/datasets/{first['id']}/sheets", data={"sheet": "Costs"}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get(response.headers["location"]).text.count("book.xlsx – Costs") >= 1
    wrong = client.post(f"/datasets/{first['id']}/sheets", data={"sheet": "Nope"})
    assert wrong.status_code == 422 and "Choose one of the workbook" in wrong.text
