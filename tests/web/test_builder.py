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
    page = re.sub(r"<template.*?</template>", "", page, flags=re.S)
    fields: list[tuple[str, str]] = []
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag:
            continue
        if 'type="checkbox"' in tag and ("checked" not in tag or "disabled" in tag):
            continue
        if 'form="no-form"' in tag or " disabled" in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields.append((name.group(1), value.group(1) if value else "on"))
    for tag, name, body in re.findall(r'(<select [^>]*name="([^"]+)"[^>]*>)(.*?)</select>', page, re.S):
        if " disabled" in tag:
            continue
        selected = re.search(r'<option value="([^"]*)" selected', body)
        fields.append((name, selected.group(1) if selected else ""))
    return fields


def post(client: TestClient, dataset_id: int, fields: list[tuple[str, str]], htmx: bool = True):  # type: ignore[no-untyped-def]
    grouped: dict[str, list[str]] = {}
    for name, value in fields:
        grouped.setdefault(name, []).append(value)
    return client.post(f"/datasets/{dataset_id}/builder", data=grouped, headers=HTMX if htmx else {})


def replace(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    names = {name.replace("_", "-") if name.startswith("split") else name for name in values}
    kept = [(k, v) for k, v in fields if k not in names]
    return kept + [(name.replace("_", "-") if name.startswith("split") else name, v) for name, v in values.items()]


def slot(fragment: str, field_id: str) -> str:
    """The sentence shown under one field (empty when the field is fine)."""
    match = re.search(rf'<small id="{field_id}-error"[^>]*>(.*?)</small>', fragment, re.S)
    assert match, f"no sentence slot for {field_id}"
    return match.group(1)


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


def test_a_change_answers_with_the_dependent_parts_never_an_input(client: TestClient, dataset_id: int) -> None:
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    fragment = post(client, dataset_id, replace(form_of(page), label="age"))
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "regression" in fragment.text
    assert 'id="network-diagram" hx-swap-oob="true"' in fragment.text
    # A new label brings the training options of its task (a regression label: a transform and a
    # loss instead of class weights); outside them, no input comes back.
    options = re.search(r'<fieldset id="training-options".*?</fieldset>', fragment.text, re.S)
    assert options is not None and 'name="regression_loss"' in options.group(0)
    rest = fragment.text.replace(options.group(0), "")
    inputs = re.findall(r"<(?:input|select|textarea)\b[^>]*>", rest)
    assert inputs == ['<input type="hidden" id="flags-for" name="flags-for" value="age" hx-swap-oob="true">']
    same_label = post(client, dataset_id, replace(form_of(page), epochs="12"))
    assert re.findall(r"<(?:input|select|textarea)\b[^>]*>", same_label.text) == []


def test_an_out_of_range_value_is_marked_on_its_field_and_changes_nothing_else(
    client: TestClient, dataset_id: int
) -> None:
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    fragment = post(client, dataset_id, replace(form_of(page), weight_decay="1.5", epochs="30")).text
    assert "not 1.5" in slot(fragment, "weight_decay")
    assert slot(fragment, "epochs") == "" and slot(fragment, "learning_rate") == ""
    assert 'data-ready="no"' in fragment and "Weight decay" in fragment
    full = post(client, dataset_id, replace(form_of(page), weight_decay="1.5", epochs="30"), htmx=False).text
    assert re.search(r'id="weight_decay" name="weight_decay" value="[^"]*"[^>]*aria-invalid="true"', full)
    assert 'id="epochs" name="epochs" value="30"' in full  # the other training fields are not reset
    assert not re.search(r'id="epochs"[^>]*aria-invalid', full)


def test_zero_epochs_makes_the_diagram_and_train_say_why_they_wait(client: TestClient, dataset_id: int) -> None:
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    fragment = post(client, dataset_id, replace(form_of(page), epochs="0")).text
    assert "epochs must be between 1" in slot(fragment, "epochs")
    assert re.search(r'class="diagram-waits"[^>]*>The diagram waits: Epochs', fragment)
    assert re.search(r'id="train-status"[^>]*data-ready="no"', fragment)
    refused = post(client, dataset_id, replace(form_of(page), epochs="0") + [("op", "train")])
    assert refused.status_code == 422 and "epochs must be between 1" in slot(refused.text, "epochs")
    assert client.get("/api/experiments").json() == []


def test_the_previous_label_comes_back_as_a_ticked_feature(client: TestClient, dataset_id: int) -> None:
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    assert re.search(r'<tr class="feature-row[^"]*"[^>]*data-column="churned"[^>]*hidden', page)
    full = post(client, dataset_id, replace(form_of(page), label="region"), htmx=False).text
    churned = re.search(r'<tr [^>]*data-column="churned".*?</tr>', full, re.S).group(0)  # type: ignore[union-attr]
    assert "hidden" not in churned.split(">")[0]
    assert re.search(r'type="checkbox"[^>]*checked', churned)
    assert '<option value="onehot" selected>' in churned or '<option value="binarize" selected>' in churned
    response = post(client, dataset_id, replace(form_of(full), op="train"))
    spec = client.get(f"/api/experiments/{response.headers['hx-redirect'].rsplit('/', 1)[1]}").json()["spec"]
    assert spec["label"] == "region" and "churned" in spec["features"]


def test_layers_can_be_added_moved_and_removed_without_javascript(client: TestClient, dataset_id: int) -> None:
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    fields = form_of(page)
    before = len([name for name, _ in fields if name == "layer-units"])
    added = post(client, dataset_id, fields + [("op", "add")], htmx=False).text
    assert len([name for name, _ in form_of(added) if name == "layer-units"]) == before + 1
    fields = form_of(added)
    units = [value for name, value in fields if name == "layer-units"]
    fields = [(k, v) for k, v in fields if k != "layer-units"] + [("layer-units", u) for u in ["8"] + units[1:]]
    moved = post(client, dataset_id, fields + [("op", "down-0")], htmx=False).text
    assert [v for k, v in form_of(moved) if k == "layer-units"][1] == "8"
    removed = post(client, dataset_id, form_of(moved) + [("op", "remove-1")], htmx=False)
    assert "8" not in [v for k, v in form_of(removed.text) if k == "layer-units"]


def test_bad_values_disable_train_with_the_reason(client: TestClient, dataset_id: int) -> None:
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    fields = [(k, v) for k, v in form_of(page) if k != "learning_rate"] + [("learning_rate", "fast")]
    fragment = post(client, dataset_id, fields).text
    assert "“fast” is not a number" in fragment
    assert "“fast” is not a number" in slot(fragment, "learning_rate")
    assert re.search(r'id="train-status"[^>]*data-ready="no"', fragment)
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
    assert re.search(r'name="layer-units" data-field="units" value="7"', page)
    assert '<option value="tanh" selected>' in page
