"""Request bodies other than file uploads are capped (LAYERLAB_MAX_JSON_KB), on the
declared length and while they stream; multipart CSV uploads keep their own limit."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


def _big_spec(size: int) -> bytes:
    features = [f"column_{i}" for i in range(size // 12)]
    return json.dumps({"dataset_id": 1, "label": "y", "features": features}).encode()


def test_a_json_body_over_the_limit_is_a_413_sentence(client: TestClient) -> None:
    body = _big_spec(1_200 * 1024)
    response = client.post("/api/experiments", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert "1,024 KB" in detail and detail.endswith(".")
    assert client.get("/api/experiments").json() == []


def test_a_streamed_body_without_a_length_is_cut_at_the_limit(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 64 * 1024  # 2.5 MB of whitespace, no Content-Length

    response = client.post("/api/sweeps", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "1,024 KB" in response.json()["detail"]


def test_the_limit_is_a_setting_and_forms_count_too(settings_factory) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = settings_factory(max_json_kb=1)
    with TestClient(create_app(settings)) as client:
        response = client.post("/api/experiments", content=_big_spec(4 * 1024),
                               headers={"content-type": "application/json"})
        assert response.status_code == 413 and "1 KB" in response.json()["detail"]
        form = client.post("/datasets/1/builder", data={"label": "x" * 4096})
        assert form.status_code == 413


def test_a_csv_upload_larger_than_the_json_limit_still_works(settings_factory) -> None:  # type: ignore[no-untyped-def]
    settings: Settings = settings_factory(max_json_kb=1)
    csv = "a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(2_000))  # about 20 KB
    with TestClient(create_app(settings)) as client:
        response = client.post("/api/datasets", files={"file": ("big.csv", io.BytesIO(csv.encode()), "text/csv")})
        assert response.status_code == 201, response.text
        assert response.json()["rows"] == 2_000
