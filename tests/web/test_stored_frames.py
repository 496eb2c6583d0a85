"""Each dataset is stored as Parquet beside its file; experiments read it, or the file when they must."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient

from app.config import Settings
from app.data.csv_options import ReadOptions
from app.data.csv_reader import load_frame
from app.data.frame_store import frame_path
from app.db.experiments import get_experiment
from app.db.session import make_engine, make_session_factory
from app.jobs import experiment_data
from app.jobs.experiment_data import load_experiment_frame

CSV = "price,veneer,area\n" + "".join(
    f"{100 + i},{'None' if i % 3 else 'Stone'},{'NA' if i % 5 == 0 else 50 + i}\n" for i in range(30)
)
SPEC = {"label": "price", "features": ["area"], "training": {"epochs": 2}}


def upload(client: TestClient) -> dict:
    response = client.post("/api/datasets", files={"file": ("houses.csv", io.BytesIO(CSV.encode()), "text/csv")})
    assert response.status_code == 201, response.text
    return response.json()


def stored(settings: Settings, suffix: str) -> list[Path]:
    return sorted(path for path in (settings.datasets_dir).iterdir() if path.name.endswith(suffix))


def experiment_frame(settings: Settings, experiment_id: int) -> pd.DataFrame:
    engine = make_engine(settings.resolved_database_url)
    try:
        with make_session_factory(engine)() as session:
            experiment = get_experiment(session=session, experiment_id=experiment_id)
            assert experiment is not None
            return load_experiment_frame(settings.datasets_dir, experiment)
    finally:
        engine.dispose()


def test_upload_stores_parquet_that_experiments_read(client: TestClient, settings: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dataset = upload(client)
    [csv_file] = stored(settings, ".csv")
    assert stored(settings, ".frame.parquet") == [frame_path(csv_file)]
    experiment = client.post("/api/experiments", json={"dataset_id": dataset["id"], **SPEC}).json()
    from_csv = load_frame(csv_file, ReadOptions.from_dict(_read_options(settings, dataset["id"])))

    def no_csv(*args: object) -> None:
        raise AssertionError("read the CSV although the Parquet file was there")

    monkeypatch.setattr(experiment_data, "load_table", no_csv)
    pd.testing.assert_frame_equal(experiment_frame(settings, experiment["id"]), from_csv)


def test_other_tokens_or_no_parquet_fall_back_to_the_csv(client: TestClient, settings: Settings) -> None:
    dataset = upload(client)
    before = client.post("/api/experiments", json={"dataset_id": dataset["id"], **SPEC}).json()
    client.patch(f"/api/datasets/{dataset['id']}", json={"missing_tokens": []})
    after = client.post("/api/experiments", json={"dataset_id": dataset["id"], **SPEC}).json()
    assert experiment_frame(settings, after["id"])["area"].isna().sum() == 0  # the rewritten Parquet
    assert experiment_frame(settings, before["id"])["area"].isna().sum() == 6  # the CSV, default rule
    [parquet] = stored(settings, ".frame.parquet")
    parquet.unlink()  # as for a dataset uploaded before Parquet was stored
    assert experiment_frame(settings, after["id"])["area"].isna().sum() == 0


def test_delete_removes_the_parquet_file(client: TestClient, settings: Settings) -> None:
    dataset = upload(client)
    assert client.delete(f"/api/datasets/{dataset['id']}").status_code == 204
    assert list(settings.datasets_dir.iterdir()) == []


def _read_options(settings: Settings, dataset_id: int) -> dict:
    from app.db.datasets import get_dataset

    engine = make_engine(settings.resolved_database_url)
    try:
        with make_session_factory(engine)() as session:
            found = get_dataset(session=session, dataset_id=dataset_id)
            assert found is not None
            return dict(found.read_options)
    finally:
        engine.dispose()
