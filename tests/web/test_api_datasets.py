"""The datasets JSON API against a fresh database in a temporary directory."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.data.frame_store import frame_path

pytestmark = pytest.mark.databases  # on SQLite and on PostgreSQL

IRIS_LIKE = (
    "sepal_length,sepal_width,species\n"
    "5.1,3.5,setosa\n4.9,3.0,setosa\n6.2,2.9,versicolor\n5.9,3.0,virginica\n6.7,3.1,versicolor\n"
)


def upload(client: TestClient, content: bytes | str, name: str = "flowers.csv"):  # type: ignore[no-untyped-def]
    data = content.encode() if isinstance(content, str) else content
    return client.post("/api/datasets", files={"file": (name, io.BytesIO(data), "text/csv")})


def stored_files(data_dir: Path) -> list[Path]:
    """The stored uploads; each must have its Parquet copy beside it, and nothing else may be there."""
    files = sorted((data_dir / "datasets").iterdir())
    originals = [path for path in files if not path.name.endswith(".frame.parquet")]
    assert sorted(set(files) - set(originals)) == sorted(frame_path(path) for path in originals)
    return originals


def test_upload_returns_the_profile(client: TestClient) -> None:
    response = upload(client, IRIS_LIKE)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "flowers.csv"
    assert body["rows"] == 5
    assert [column["name"] for column in body["columns"]] == ["sepal_length", "sepal_width", "species"]
    species = body["columns"][2]
    assert species["kind"] == "categorical"
    assert species["missing"] == 0
    assert species["unique"] == 3
    length = body["columns"][0]
    assert length["kind"] in ("numeric",)
    assert length["stats"]["min"] == 4.9 and length["stats"]["max"] == 6.7
    assert len(body["preview"]["rows"]) == 5


def test_the_digest_taken_while_uploading_is_the_stored_files(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    """The SHA-256 is taken as the upload streams in (many chunks): it must be the stored file's."""
    import hashlib

    rows = "".join(f"{i},{i * 0.5},{'ab'[i % 2]}\n" for i in range(60_000))
    content = ("n,x,label\n" + rows).encode()
    response = upload(client, content)
    assert response.status_code == 201, response.text
    expected = hashlib.sha256(content).hexdigest()
    assert client.get(f"/api/datasets/{response.json()['id']}").json()["sha256"] == expected
    (stored,) = stored_files(settings.data_dir)
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == expected


def test_list_get_and_delete(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    first = upload(client, IRIS_LIKE, "a.csv").json()
    second = upload(client, IRIS_LIKE, "b.csv").json()
    listed = client.get("/api/datasets").json()
    assert [item["id"] for item in listed] == [second["id"], first["id"]]  # newest first
    assert listed[0]["rows"] == 5 and listed[0]["column_count"] == 3
    assert client.get(f"/api/datasets/{first['id']}").json()["name"] == "a.csv"
    assert len(stored_files(settings.data_dir)) == 2

    assert client.delete(f"/api/datasets/{first['id']}").status_code == 204
    assert client.get(f"/api/datasets/{first['id']}").status_code == 404
    assert [item["id"] for item in client.get("/api/datasets").json()] == [second["id"]]
    assert len(stored_files(settings.data_dir)) == 1


def test_missing_dataset_is_a_sentence(client: TestClient) -> None:
    response = client.get("/api/datasets/999")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no dataset 999."}
    assert client.delete("/api/datasets/999").status_code == 404


def test_stored_file_gets_a_server_generated_name(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    upload(client, IRIS_LIKE, "../../etc/passwd.csv")
    (stored,) = stored_files(settings.data_dir)
    assert "passwd" not in stored.name and stored.suffix == ".csv"
    assert client.get("/api/datasets").json()[0]["name"] == "passwd.csv"


BAD_FILES = {
    "empty": b"",
    "header only": b"a,b,c\n",
    "one column": b"a\n1\n2\n3\n",
    "gzip": b"\x1f\x8b\x08\x00" + bytes(range(64)),
    "zip": b"PK\x03\x04" + bytes(64),
    "json": b'[{"a": 1, "b": 2}]',
    "ragged": b"a,b\n1,2\n3,4,5\n",
    "duplicate names": b"a,a,b\n1,2,3\n",
    "unterminated quote": b'a,b\n1,"open\n2,3\n',
    "binary": bytes(range(256)) * 4,
}


def test_bad_files_get_a_sentence_and_leave_nothing(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    for label, content in BAD_FILES.items():
        response = upload(client, content, f"{label}.csv")
        assert 400 <= response.status_code < 500, (label, response.status_code, response.text)
        detail = response.json()["detail"]
        assert isinstance(detail, str) and len(detail) > 10, (label, detail)
        assert "Traceback" not in detail and str(settings.data_dir) not in detail
    assert client.get("/api/datasets").json() == []
    assert stored_files(settings.data_dir) == []


def test_duplicate_column_names_are_named(client: TestClient) -> None:
    detail = upload(client, b"price,size,price\n1,2,3\n4,5,6\n").json()["detail"]
    assert "price" in detail


def test_size_limit_is_enforced_while_streaming(settings_factory) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app

    settings = settings_factory(max_upload_mb=0.001)  # about 1 KB
    with TestClient(create_app(settings)) as small_client:
        big = "a,b\n" + "1,2\n" * 2000
        response = upload(small_client, big)
        assert response.status_code == 413
        assert "limit" in response.json()["detail"]
        assert stored_files(settings.data_dir) == []


def test_row_and_column_limits(settings_factory) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app

    settings = settings_factory(max_rows=3, max_columns=3)
    with TestClient(create_app(settings)) as limited:
        too_long = upload(limited, "a,b\n" + "1,2\n" * 4)
        assert too_long.status_code == 422 and "3" in too_long.json()["detail"]
        too_wide = upload(limited, "a,b,c,d\n1,2,3,4\n")
        assert too_wide.status_code == 422 and "3" in too_wide.json()["detail"]
        assert limited.get("/api/datasets").json() == []


def test_not_multipart_is_refused(client: TestClient) -> None:
    response = client.post("/api/datasets", content=IRIS_LIKE, headers={"content-type": "text/csv"})
    assert response.status_code == 415
    assert "file" in response.json()["detail"]


def test_html_in_column_names_and_cells_is_kept_as_data(client: TestClient) -> None:
    body = upload(client, '<script>alert(1)</script>,b\n"<img src=x onerror=alert(2)>",2\nx,3\n').json()
    assert body["columns"][0]["name"] == "<script>alert(1)</script>"
    page = client.get(f"/datasets/{body['id']}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_samples_can_be_added(client: TestClient) -> None:
    samples = client.get("/api/datasets/samples").json()
    assert {"iris", "wine", "breast_cancer", "diabetes"} <= {sample["key"] for sample in samples}
    created = client.post("/api/datasets/samples/iris")
    assert created.status_code == 201
    body = created.json()
    assert body["rows"] == 150
    assert client.post("/api/datasets/samples/nope").status_code == 404


def test_profile_is_strict_json(client: TestClient) -> None:
    body = upload(client, "x,y,label\n1,inf,a\n2,,b\n3,4,a\n,5,b\n").json()
    json.dumps(body, allow_nan=False)  # no NaN or Infinity leaks into the JSON
