"""The experiment builder page: proposals, flags, live re-rendering and Train."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient

HTMX = {"hx-request": "true"}
CSV = "customer_id,age,plan,region,constant,churned\n" + "".join(
    f"C{i:04d},{20 + i % 50},{['basic', 'pro'][i % 2]},{['north', 'south', 'east'][i % 3]},same,"
    f"{['yes', 'no'][i % 2]}\n"
    for i in range(90)
)


@pytest.fixture
def dataset_id(client: TestClient) -> int:
    response = client.post("/api/datasets", files={"file": ("churn.csv", io.BytesIO(CSV.encode()), "text/csv")})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def form_of(page: str) -> list[tuple[str, str]]:
    """The values the browser would post: inputs, checked boxes and selected options."""
    fields: list[tuple[str, str]] = []
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag:
            continue
        if 'type="checkbox"' in tag and ("checked" not in tag or "disabled" in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields.append((name.group(1), value.group(1) if value else "on"))
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option value="([^"]*)" selected', body)
        fields.append((name, selected.group(1) if selected else ""))
    return fields


def post(client: TestClient, dataset_id: int, fields: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    grouped: dict[str, list[str]] = {}
    for name, value in fields:
        grouped.setdefault(name, []).append(value)
    return client.post(f"/datasets/{dataset_id}/builder", data=grouped, headers=HTMX)


def test_builder_proposes_label_task_and_flags(client: TestClient, dataset_id: int) -> None:
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    assert '<option value="churned" selected>' in page
    assert "binary classification" in page
    assert "ID-like" in page and "constant: the same value" in page
    assert "predicts the label perfectly" in page  # plan mirrors churned exactly
    fields = dict(form_of(page))
    assert "feature" in fields  # some features start checked
    checked = [value for name, value in form_of(page) if name == "feature"]
    assert "0" not in checked and "4" not in checked  # the ID and the constant start unchecked
    assert "parameters to learn" in page


def test_changing_the_label_rerenders_the_form(client: TestClient, dataset_id: int) -> None:
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    fields = [(k, v) for k, v in form_of(page) if k != "label"] + [("label", "age")]
    fragment = post(client, dataset_id, fields)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "regression" in fragment.text


def test_layers_can_be_added_moved_and_removed(client: TestClient, dataset_id: int) -> None:
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    fields = form_of(page)
    before = page.count('name="layer-units"')
    added = post(client, dataset_id, fields + [("op", "add")]).text
    assert added.count('name="layer-units"') == before + 1
    fields = form_of(added)
    units = [value for name, value in fields if name == "layer-units"]
    fields = [(k, v) for k, v in fields if k != "layer-units"] + [("layer-units", u) for u in ["8"] + units[1:]]
    moved = post(client, dataset_id, fields + [("op", "down-0")]).text
    assert [v for k, v in form_of(moved) if k == "layer-units"][1] == "8"
    removed = post(client, dataset_id, form_of(moved) + [("op", "remove-1")])
    assert "8" not in [v for k, v in form_of(removed.text) if k == "layer-units"]


def test_bad_values_disable_train_with_the_reason(client: TestClient, dataset_id: int) -> None:
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    fields = [(k, v) for k, v in form_of(page) if k != "learning_rate"] + [("learning_rate", "fast")]
    fragment = post(client, dataset_id, fields).text
    assert "“fast” is not a number" in fragment
    assert re.search(r'value="train" class="train-button" disabled', fragment)
    trained = post(client, dataset_id, fields + [("op", "train")])
    assert trained.status_code == 422
    assert client.get("/api/experiments").json() == []


def test_train_creates_the_experiment_from_the_form(client: TestClient, dataset_id: int) -> None:
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    response = post(client, dataset_id, form_of(page) + [("op", "train")])
    assert response.status_code == 204, response.text
    (experiment,) = client.get("/api/experiments").json()
    assert response.headers["hx-redirect"] == f"/experiments/{experiment['id']}"
    spec = client.get(f"/api/experiments/{experiment['id']}").json()["spec"]
    assert spec["label"] == "churned"
    assert "customer_id" not in spec["features"] and "constant" not in spec["features"]
    assert spec["encoders"]["region"] == "onehot"
    live = client.get(f"/experiments/{experiment['id']}").text
    assert f'sse-connect="/api/experiments/{experiment["id"]}/events"' in live


def test_duplicate_and_tweak_prefills_the_spec(client: TestClient, dataset_id: int) -> None:
    spec = {
        "dataset_id": dataset_id,
        "label": "region",
        "features": ["age"],
        "layers": [{"units": 7, "activation": "tanh"}],
    }
    experiment_id = client.post("/api/experiments", json=spec).json()["id"]
    page = client.get(f"/datasets/{dataset_id}/experiments/new?from={experiment_id}").text
    assert '<option value="region" selected>' in page
    assert 'name="layer-units" value="7"' in page
    assert '<option value="tanh" selected>' in page
