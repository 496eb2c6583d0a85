"""Pages that list datasets or show an experiment do not read datasets' profiles:
a profile is a large JSON document, parsed on every request it is loaded by."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from app.config import Settings
from app.db.datasets import list_datasets
from app.db.experiments import get_experiment
from app.db.session import make_engine, make_session_factory

pytestmark = pytest.mark.databases  # on SQLite and on PostgreSQL


def test_lists_and_experiments_leave_the_profile_unread_until_asked(client: TestClient, settings: Settings) -> None:
    csv = "x1,x2,kind\n" + "".join(f"{i % 7},{i % 5},{'a' if i % 2 else 'b'}\n" for i in range(60))
    dataset = client.post("/api/datasets", files={"file": ("d.csv", io.BytesIO(csv.encode()), "text/csv")}).json()
    experiment = client.post("/api/experiments", json={"dataset_id": dataset["id"], "label": "kind"}).json()
    engine = make_engine(settings.resolved_database_url)
    try:
        with make_session_factory(engine)() as session:
            (listed,) = list_datasets(session=session)
            assert "profile" in inspect(listed).unloaded
            loaded = get_experiment(session=session, experiment_id=experiment["id"])
            assert loaded is not None
            assert "profile" in inspect(loaded.dataset).unloaded
            assert loaded.dataset.profile["columns"][0]["name"] == "x1"  # read when asked
    finally:
        engine.dispose()
    assert client.get("/").status_code == 200
    assert client.get(f"/datasets/{dataset['id']}").status_code == 200
