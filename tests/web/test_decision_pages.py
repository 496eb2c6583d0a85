"""The results page's decisions and doubts: threshold slider, curve switch, calibration,
largest errors."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable

import numpy as np
import pytest
from fastapi.testclient import TestClient

HTMX = {"hx-request": "true"}
RNG = np.random.default_rng(1)
SIZE = RNG.normal(size=300)
CSV = "size,colour,weight,kind\n" + "".join(
    f"{s:.3f},{['red', 'blue'][i % 2]},{(i * 7) % 50},{'rare' if s + RNG.normal(0, 0.7) > 1.4 else 'common'}\n"
    for i, s in enumerate(SIZE)
)


def _train(client: TestClient, run_queued: Callable[[], int], **spec: object) -> int:
    upload = client.post("/api/datasets", files={"file": ("k.csv", io.BytesIO(CSV.encode()), "text/csv")})
    experiment_id = client.post("/api/experiments", json={"dataset_id": upload.json()["id"], **spec}).json()["id"]
    run_queued()
    return int(experiment_id)


@pytest.fixture
def binary(client: TestClient, run_queued: Callable[[], int]) -> int:
    return _train(client, run_queued, label="kind", training={"epochs": 20, "learning_rate": 0.02})


def test_the_results_page_has_the_slider_the_curve_switch_and_calibration(client: TestClient, binary: int) -> None:
    page = client.get(f"/experiments/{binary}").text
    decision = client.get(f"/api/experiments/{binary}").json()["summary"]["decision"]
    slider = re.search(r'<input type="range" id="threshold-slider"[^>]*>', page)
    assert slider is not None
    assert f'value="{decision["threshold"]:.2f}"' in slider.group(0)
    tp = json.loads(re.search(r'data-tp="([^"]*)"', slider.group(0)).group(1).replace("&#34;", '"'))  # type: ignore[union-attr]
    assert tp == decision["splits"]["test"]["tp"]
    assert "Use this threshold" in page and 'id="threshold-value"' in page
    assert '<select id="curve-class">' in page and "rare (the rarest)" in page
    assert "Calibration" in page and "Brier" in page and 'id="calibration-chart"' in page
    assert 'hx-get="/experiments/' in page and "/errors?split=test" in page
    validation = client.get(f"/experiments/{binary}/results?split=validation", headers=HTMX).text
    assert 'data-split="validation"' in validation and "Validation rows at" in validation


def test_saving_a_threshold_from_the_page_rerenders_the_results(client: TestClient, binary: int) -> None:
    chosen = client.get(f"/api/experiments/{binary}").json()["summary"]["decision"]["chosen"]
    saved = client.post(f"/experiments/{binary}/threshold?split=test", data={"threshold": "0.9"}, headers=HTMX)
    assert saved.status_code == 200 and "<html" not in saved.text
    assert 'value="0.90"' in saved.text and f"Back to the chosen {chosen:.2f}" in saved.text
    assert client.get(f"/api/experiments/{binary}").json()["summary"]["decision"]["threshold"] == 0.9
    reset = client.post(f"/experiments/{binary}/threshold", data={"threshold": "0.9", "reset": "1"}, headers=HTMX)
    assert f'value="{chosen:.2f}"' in reset.text and "Back to the chosen" not in reset.text
    bad = client.post(f"/experiments/{binary}/threshold", data={"threshold": "lots"}, headers=HTMX)
    assert bad.status_code == 422 and "number" in bad.text
    # A plain form (htmx not loaded yet) goes back to the whole page, not a bare fragment.
    plain = client.post(f"/experiments/{binary}/threshold", data={"threshold": "0.8"}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == f"/experiments/{binary}"
    assert client.get(f"/api/experiments/{binary}").json()["summary"]["decision"]["threshold"] == 0.8


def test_the_largest_errors_card(client: TestClient, binary: int, run_queued: Callable[[], int]) -> None:
    card = client.get(f"/experiments/{binary}/errors?split=validation", headers=HTMX).text
    assert 'id="largest-errors"' in card and "the most confident mistakes" in card
    assert '<option value="validation" selected>' in card and "<dt>size</dt>" in card
    regression = _train(client, run_queued, label="weight", training={"epochs": 5})
    card = client.get(f"/experiments/{regression}/errors?split=test", headers=HTMX).text
    assert "largest |actual − predicted|" in card and ">Error<" in card
    assert "Decision threshold" not in client.get(f"/experiments/{regression}").text
    assert client.get(f"/experiments/{regression}/errors?split=nowhere").status_code == 422
