"""A 2,001-column file in the builder: find columns, select them in bulk, read the counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.sync_api import Page, expect


def wide_csv(path: Path, columns: int = 2_000, rows: int = 200) -> bytes:
    rng = np.random.default_rng(11)
    names = [f"gene_{i}" for i in range(columns - 2)] + ["site", "batch"]
    lines = [",".join([*names, "outcome"])]
    for row in range(rows):
        numbers = ",".join(f"{value:.3f}" for value in rng.normal(size=columns - 2))
        lines.append(f"{numbers},{'abc'[row % 3]},{'xyzw'[row % 4]},{'yes' if rng.random() > 0.5 else 'no'}")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.settings(max_columns=10_000)
def test_two_thousand_columns_stay_usable(page: Page, live_server: Any, tmp_path: Path) -> None:
    response = page.request.post(
        f"{live_server.url}/api/datasets",
        multipart={"file": {"name": "wide.csv", "mimeType": "text/csv", "buffer": wide_csv(tmp_path / "w.csv")}},
        timeout=120_000,
    )
    assert response.status == 201, response.text()
    page.goto(f"{live_server.url}/datasets/{response.json()['id']}/experiments/new", timeout=120_000)
    expect(page.get_by_label("Label column")).to_have_value("outcome")
    count = page.locator("#feature-count")
    expect(count).to_have_text("2,000 of 2,000 selected")

    page.get_by_label("Find a column").fill("gene_19")
    expect(count).to_have_text("2,000 of 2,000 selected · 109 shown")  # gene_19, gene_190-199, gene_1900-1997
    page.get_by_role("button", name="Select none shown").click()
    expect(count).to_have_text("1,891 of 2,000 selected · 109 shown")
    expect(page.locator("#builder-summary")).to_contain_text("1,891 columns")

    page.get_by_label("Find a column").fill("")
    expect(count).to_have_text("1,891 of 2,000 selected")
    page.get_by_role("button", name="Select none shown").click()
    expect(count).to_have_text("0 of 2,000 selected")
    page.get_by_label("Select every column of a kind").select_option("categorical")
    expect(count).to_have_text("2 of 2,000 selected")
    expect(page.get_by_label("site", exact=True)).to_be_checked()
    expect(page.locator("#builder-summary")).to_contain_text("2 columns → 7 inputs")
    page.get_by_role("button", name="Select all shown").click()
    expect(count).to_have_text("2,000 of 2,000 selected")
    expect(page.locator("#builder-summary")).to_contain_text("2,000 columns")
