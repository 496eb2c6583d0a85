"""Choosing a dataset's missing-value tokens: PATCH /api/datasets/{id}, the page form, experiments."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db.experiments import get_experiment
from app.db.session import make_engine, make_session_factory
from app.jobs.experiment_data import load_experiment_frame

HOUSES = "price,veneer,area\n" + "".join(
    f"{100 + i},{'None' if i % 3 else 'Stone'},{'NA' if i % 5 == 0 else 50 + i}\n" for i in range(30)
)


def upload(client: TestClient, content: str = HOUSES) -> dict:
    response = client.post("/api/datasets", files={"file": ("houses.csv", io.BytesIO(content.encode()), "text/csv")})
    assert response.status_code == 201, response.text
    return response.json()


def column(body: dict, name: str) -> dict:
    return next(column for column in body["columns"] if column["name"] == name)


def test_the_default_rule_and_its_notes(client: TestClient) -> None:
    body = upload(client)
    assert body["missing_tokens"] is None
    assert column(body, "area")["kind"] == "integer" and column(body, "area")["missing"] == 6
    assert any('"NA" (6)' in note for note in column(body, "area")["notes"])
    veneer = column(body, "veneer")
    assert veneer["missing"] == 0
    assert "`None` appears 20 times in this column: a category or missing?" in veneer["notes"]
    assert any('"area"' in notice and "6 values" in notice for notice in body["notices"])


def test_patch_recomputes_and_stores_the_profile(client: TestClient) -> None:
    dataset = upload(client)
    response = client.patch(f"/api/datasets/{dataset['id']}", json={"missing_tokens": ["None", "NA"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["missing_tokens"] == ["None", "NA"]
    assert column(body, "veneer")["missing"] == 20
    assert column(body, "veneer")["kind"] == "constant"
    assert not any("category or missing" in note for note in column(body, "veneer")["notes"])
    stored = client.get(f"/api/datasets/{dataset['id']}").json()
    assert stored["missing_tokens"] == ["None", "NA"] and column(stored, "veneer")["missing"] == 20


def test_an_empty_choice_keeps_every_token_as_a_value(client: TestClient) -> None:
    dataset = upload(client)
    body = client.patch(f"/api/datasets/{dataset['id']}", json={"missing_tokens": []}).json()
    assert body["missing_tokens"] == []
    assert column(body, "area")["kind"] == "categorical" and column(body, "area")["missing"] == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"missing_tokens": "NA"},
        {"missing_tokens": [1, 2]},
        {"missing_tokens": [""]},
        {"missing_tokens": ["x" * 41]},
        {"missing_tokens": ["NA"] * 51},
        {"tokens": ["NA"]},
        [],
    ],
)
def test_bad_input_is_a_sentence_and_changes_nothing(client: TestClient, payload: object) -> None:
    dataset = upload(client)
    response = client.patch(f"/api/datasets/{dataset['id']}", json=payload)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.endswith(".")
    assert client.get(f"/api/datasets/{dataset['id']}").json() == dataset


def test_patch_of_an_unknown_dataset_is_404(client: TestClient) -> None:
    assert client.patch("/api/datasets/999", json={"missing_tokens": []}).status_code == 404


def test_the_dataset_page_form_sets_the_tokens(client: TestClient) -> None:
    dataset = upload(client)
    page = client.get(f"/datasets/{dataset['id']}").text
    assert 'name="missing_tokens"' in page and 'hx-post="/datasets/' in page
    response = client.post(
        f"/datasets/{dataset['id']}/missing-tokens",
        data={"missing_tokens": "None, NA"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "None, NA" in response.text  # the fragment shows the choice in force
    assert client.get(f"/api/datasets/{dataset['id']}").json()["missing_tokens"] == ["None", "NA"]


def test_the_page_form_refuses_bad_input_with_a_sentence(client: TestClient) -> None:
    dataset = upload(client)
    response = client.post(
        f"/datasets/{dataset['id']}/missing-tokens", data={"missing_tokens": "x" * 41}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "at most 40 characters" in response.text
    assert client.get(f"/api/datasets/{dataset['id']}").json()["missing_tokens"] is None


def _spec(dataset_id: int) -> dict:
    return {
        "dataset_id": dataset_id,
        "label": "price",
        "features": ["area"],
        "training": {"epochs": 2},
    }


def test_experiments_keep_the_tokens_in_force_when_created(client: TestClient, settings: Settings) -> None:
    dataset = upload(client)
    first = client.post("/api/experiments", json=_spec(dataset["id"]))
    assert first.status_code == 202, first.text
    client.patch(f"/api/datasets/{dataset['id']}", json={"missing_tokens": []})
    second = client.post("/api/experiments", json=_spec(dataset["id"]))
    assert client.get(f"/api/experiments/{first.json()['id']}").json()["missing_tokens"] is None
    assert client.get(f"/api/experiments/{second.json()['id']}").json()["missing_tokens"] == []
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        before = get_experiment(session=session, experiment_id=first.json()["id"])
        after = get_experiment(session=session, experiment_id=second.json()["id"])
        assert before is not None and after is not None
        assert load_experiment_frame(settings.datasets_dir, before)["area"].isna().sum() == 6
        assert load_experiment_frame(settings.datasets_dir, after)["area"].isna().sum() == 0
    engine.dispose()
