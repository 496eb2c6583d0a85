"""A wide file (200 rows × 2,001 columns, about 2.5 MB) uploads and profiles with the default limits."""

from __future__ import annotations

import io

import numpy as np
from fastapi.testclient import TestClient

from app.config import Settings


def wide_csv(rows: int = 200, features: int = 2000) -> bytes:
    generator = np.random.default_rng(0)
    values = generator.uniform(0, 10, size=(rows, features))
    header = ",".join([f"f{i}" for i in range(features)] + ["target"])
    lines = [",".join(f"{value:.3f}" for value in row) + f",{i % 2}" for i, row in enumerate(values)]
    return (header + "\n" + "\n".join(lines) + "\n").encode()


def test_the_default_column_limit_is_ten_thousand() -> None:
    assert Settings().max_columns == 10_000


def test_a_file_of_2001_columns_uploads(client: TestClient) -> None:
    content = wide_csv()
    assert 2_000_000 < len(content) < 3_000_000
    response = client.post("/api/datasets", files={"file": ("wide.csv", io.BytesIO(content), "text/csv")})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["rows"] == 200 and len(body["columns"]) == 2001
    assert body["columns"][-1]["kind"] == "boolean"
    assert body["columns"][0]["kind"] == "numeric"
