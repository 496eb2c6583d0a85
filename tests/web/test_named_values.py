"""Statuses, tasks and column kinds are named once and shared: the contract lists exactly
those values, and the experiment page reads the finished statuses from the server."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from app.data.column_kinds import COLUMN_KINDS
from app.data.tasks import TASKS
from app.db.models import CrossValidationStatus, ExperimentStatus
from app.web.templating import KIND_LABELS

STATIC = Path(__file__).resolve().parents[2] / "static"


def _enum(document: dict[str, Any], model: str, field: str) -> list[str]:
    schemas = document["components"]["schemas"]
    schema = schemas[model]["properties"][field]
    options = schema.get("anyOf", [schema])
    for option in options:
        target = schemas[option["$ref"].rsplit("/", 1)[1]] if "$ref" in option else option
        if "enum" in target:
            return list(target["enum"])
    raise AssertionError(f"{model}.{field} lists no values: {schema}")


def test_statuses_are_strings_and_split_into_active_and_finished() -> None:
    assert ExperimentStatus.QUEUED == "queued" and f"{ExperimentStatus.COMPLETED}" == "completed"
    assert set(ExperimentStatus) == ExperimentStatus.ACTIVE | ExperimentStatus.FINISHED
    assert not ExperimentStatus.ACTIVE & ExperimentStatus.FINISHED
    assert ExperimentStatus.LEASED < ExperimentStatus.ACTIVE


def test_the_contract_lists_the_named_values(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert _enum(document, "ExperimentSummary", "status") == list(ExperimentStatus)
    assert _enum(document, "LeaderboardRun", "status") == list(ExperimentStatus)
    assert _enum(document, "ExperimentSummary", "task") == list(TASKS)
    assert _enum(document, "StoredColumn", "kind") == list(COLUMN_KINDS)
    assert _enum(document, "CrossValidation", "status") == list(CrossValidationStatus)
    assert set(KIND_LABELS) == set(COLUMN_KINDS)  # every kind has a label on the pages


def test_experiment_page_reads_the_finished_statuses_from_the_server(client: TestClient) -> None:
    csv = "x,y\n" + "".join(f"{i % 7},{i % 2}\n" for i in range(40))
    dataset_id = client.post("/api/datasets", files={"file": ("d.csv", io.BytesIO(csv.encode()), "text/csv")}).json()[
        "id"]
    experiment_id = client.post("/api/experiments", json={"dataset_id": dataset_id, "label": "y"}).json()["id"]
    page = client.get(f"/experiments/{experiment_id}").text
    found = re.search(r'data-finished-statuses="([^"]*)"', page)
    assert found and set(html.unescape(found.group(1)).split()) == ExperimentStatus.FINISHED
    script = (STATIC / "experiment.js").read_text()
    assert "finishedStatuses" in script
    assert not any(f'"{status}"' in script for status in ("failed", "cancelled", "interrupted"))
