"""Cross-validation: folds over training and validation rows, test held out, mean ± std, curves."""

from __future__ import annotations

import io
import json
import re
import threading
from html import unescape

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.config import Settings
from app.data.folds import stratified_folds
from app.data.splits import SplitError
from app.db.session import make_engine, make_session_factory
from app.jobs.cross_validation import cross_validate
from app.jobs.worker import WorkerContext, run_next
from app.specs import ExperimentSpec

HTMX = {"HX-Request": "true"}


def blobs(rows: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    kind = np.where(np.arange(rows) % 3 == 0, "round", "square")
    centre = np.where(kind == "round", 1.5, -1.5)
    return pd.DataFrame({"x1": centre + rng.normal(size=rows), "x2": centre + rng.normal(size=rows), "kind": kind})


def test_folds_hold_out_every_row_once_and_keep_the_mix() -> None:
    strata = np.array(["a"] * 30 + ["b"] * 15)
    folds = stratified_folds(strata, 5, seed=1)
    held = np.concatenate([h for _, h in folds])
    assert sorted(held.tolist()) == list(range(45))
    for train, held_out in folds:
        assert set(train.tolist()).isdisjoint(held_out.tolist())
        assert (strata[held_out] == "b").sum() == 3  # a third of each fold, like the whole
    assert [h.tolist() for _, h in folds] == [h.tolist() for _, h in stratified_folds(strata, 5, seed=1)]


def test_folds_refuse_a_class_smaller_than_k() -> None:
    with pytest.raises(SplitError, match="“b” has only 2"):
        stratified_folds(["a"] * 20 + ["b"] * 2, 3)
    assert len(stratified_folds(["a"] * 20 + ["b"] * 2, 3, stratify=False)) == 3


def test_spec_folds_are_optional_and_bounded() -> None:
    spec = ExperimentSpec(dataset_id=1, label="kind")
    assert "folds" not in spec.model_dump()["split"]  # the DESIGN contract is unchanged
    assert ExperimentSpec.model_validate({"dataset_id": 1, "label": "k", "split": {"folds": 4}}).split.folds == 4
    with pytest.raises(ValidationError, match="between 2 and 10 folds"):
        ExperimentSpec.model_validate({"dataset_id": 1, "label": "k", "split": {"folds": 11}})


def test_cross_validate_scores_each_fold_without_the_test_rows() -> None:
    spec = ExperimentSpec.model_validate(
        {"dataset_id": 1, "label": "kind", "split": {"folds": 3},
         "layers": [{"units": 8}], "training": {"epochs": 6, "batch_size": 16, "learning_rate": 0.02}}
    )
    seen: list[int] = []
    result = cross_validate(blobs(), spec, on_fold=lambda r: seen.append(len(r["folds"])))
    assert result["status"] == "completed" and result["k"] == 3 and seen == [1, 2, 3]
    assert result["test_rows"] == round(120 * 0.12) and result["rows"] == 120 - result["test_rows"]
    assert sum(fold["validation_rows"] for fold in result["folds"]) == result["rows"]
    accuracies = [fold["metrics"]["accuracy"] for fold in result["folds"]]
    assert result["mean"]["accuracy"] == pytest.approx(np.mean(accuracies))
    assert result["std"]["accuracy"] == pytest.approx(np.std(accuracies, ddof=1))
    assert all(len(fold["curve"]) == 6 for fold in result["folds"])
    assert set(result["folds"][0]["curve"][0]) == {"epoch", "train_loss", "val_loss", "train_metric", "val_metric"}


def test_cross_validate_stops_when_asked() -> None:
    spec = ExperimentSpec.model_validate({"dataset_id": 1, "label": "kind", "split": {"folds": 4},
                                         "training": {"epochs": 2}})
    assert cross_validate(blobs(), spec, should_stop=lambda: True)["status"] == "cancelled"


def test_worker_cross_validates_after_the_main_run(client: TestClient, settings: Settings) -> None:
    csv = blobs().to_csv(index=False).encode()
    dataset_id = client.post("/api/datasets", files={"file": ("b.csv", io.BytesIO(csv), "text/csv")}).json()["id"]
    spec = {"dataset_id": dataset_id, "label": "kind", "split": {"folds": 3}, "layers": [{"units": 8}],
            "training": {"epochs": 4, "batch_size": 16}}
    experiment_id = client.post("/api/experiments", json=spec).json()["id"]
    assert client.get(f"/api/experiments/{experiment_id}/cross-validation").json()["status"] == "waiting"
    engine = make_engine(settings.resolved_database_url)
    context = WorkerContext(settings, make_session_factory(engine), "w-cv", threading.Event())
    assert run_next(context) == experiment_id
    engine.dispose()
    assert client.get(f"/api/experiments/{experiment_id}").json()["status"] == "completed"
    result = client.get(f"/api/experiments/{experiment_id}/cross-validation").json()
    assert result["status"] == "completed" and len(result["folds"]) == 3
    assert 0 <= result["mean"]["accuracy"] <= 1
    page = client.get(f"/experiments/{experiment_id}/cross-validation")
    assert page.status_code == 200 and "3 of 3 folds done" in page.text and page.text.count("Fold ") >= 6
    assert "every 2s" not in page.text
    for fold in result["folds"]:  # each fold's chart gets its losses as data, not coordinates
        found = re.search(rf'id="fold-{fold["fold"]}-chart" data-chart="line" data-chart-spec=\'([^\']*)\'', page.text)
        assert found, fold["fold"]
        chart = json.loads(unescape(found.group(1)))
        assert chart["series"][1]["y"] == [point["val_loss"] for point in fold["curve"]]
    panel = client.get(f"/experiments/{experiment_id}").text
    assert "Cross-validation over 3 folds</a>: validation accuracy" in panel and "Sweep from here" in panel
    plain = client.post("/api/experiments", json={**spec, "split": {}}).json()["id"]
    missing = client.get(f"/api/experiments/{plain}/cross-validation")
    assert missing.status_code == 404 and "does not ask for cross-validation" in missing.json()["detail"]


def test_builder_sets_the_folds(client: TestClient) -> None:
    csv = blobs().to_csv(index=False).encode()
    dataset_id = client.post("/api/datasets", files={"file": ("b.csv", io.BytesIO(csv), "text/csv")}).json()["id"]
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    assert 'id="split-folds"' in page and 'placeholder="off"' in page
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and 'type="submit"' not in tag and ('type="checkbox"' not in tag or "checked" in tag):
            fields.setdefault(name.group(1), []).append(value.group(1) if value else "on")
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option value="([^"]*)" selected', body)
        fields.setdefault(name, []).append(selected.group(1) if selected else "")
    bad = client.post(f"/datasets/{dataset_id}/builder", data=fields | {"split-folds": ["12"]}, headers=HTMX)
    assert "between 2 and 10 folds" in bad.text
    response = client.post(
        f"/datasets/{dataset_id}/builder", data=fields | {"split-folds": ["4"], "op": ["train"]}, headers=HTMX
    )
    assert response.status_code == 204, response.text
    (experiment,) = client.get("/api/experiments").json()
    assert client.get(f"/api/experiments/{experiment['id']}").json()["spec"]["split"]["folds"] == 4
    again = client.get(f"/datasets/{dataset_id}/experiments/new?from={experiment['id']}").text
    assert 'name="split-folds" value="4"' in again
