"""What the server sends a cluster run: the job (read from the database) and the rows
(the dataset's Parquet bytes, scattered once per dataset and reused by every run)."""

from __future__ import annotations

import io
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from app.data.frame_store import frame_path, read_frame
from app.db.datasets import dataset_path
from app.db.experiments import experiment_dir, get_experiment
from app.jobs.artifacts import START_DIR
from app.jobs.cluster_channel import control_name
from app.jobs.cluster_task import ClusterJob, read_files
from app.jobs.experiment_data import experiment_read_options, load_rows

KEPT_DATASETS = 4  # scattered datasets kept on the cluster for the next runs


@dataclass(frozen=True)
class RunInputs:
    job: ClusterJob
    data_key: str  # which rows: the dataset, its file and the missing-value tokens
    data_path: Path
    read_options: Any
    folds: int | None


def parquet_bytes(path: Path, read_options: Any) -> bytes:
    """The stored Parquet file as it is when it was read with these tokens; else the rows re-read."""
    stored = frame_path(path)
    if read_frame(stored, read_options.missing_tokens) is not None:
        return stored.read_bytes()
    buffer = io.BytesIO()
    table = pa.Table.from_pandas(load_rows(path, read_options), preserve_index=False)
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def run_inputs(*, session: Session, settings: Any, experiment_id: int, claim_token: str, queue: str) -> RunInputs:
    experiment = get_experiment(session=session, experiment_id=experiment_id)
    assert experiment is not None, "a claimed experiment exists"
    dataset = experiment.dataset
    options = experiment_read_options(experiment)
    kinds = {column["name"]: column["kind"] for column in dataset.profile.get("columns", [])}
    start = None
    if experiment.parent_epoch is not None:
        start = read_files(experiment_dir(settings.experiments_dir, experiment_id) / START_DIR)
    job = ClusterJob(experiment_id, claim_token, dict(experiment.spec), kinds, queue, control_name(claim_token), start)
    key = json.dumps([dataset.id, dataset.sha256, options.missing_tokens])
    path = dataset_path(datasets_dir=settings.datasets_dir, dataset=dataset)
    return RunInputs(job, key, path, options, experiment.spec.get("split", {}).get("folds"))


class ScatteredData:
    """The rows of the last few datasets, scattered once to the cluster: every run of a sweep
    reuses its dataset's future. Scattered again only if the cluster lost every copy."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._kept: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.scattered = 0

    def future(self, inputs: RunInputs) -> Any:
        with self._lock:
            kept = self._kept.get(inputs.data_key)
            if kept is not None and kept.status == "finished":
                self._kept.move_to_end(inputs.data_key)
                return kept
            data = parquet_bytes(inputs.data_path, inputs.read_options)
            # On every worker at once: a worker that dies takes no dataset with it.
            future = self._client.scatter(data, hash=False, broadcast=True)
            self.scattered += 1
            self._kept[inputs.data_key] = future
            while len(self._kept) > KEPT_DATASETS:
                _, old = self._kept.popitem(last=False)
                old.release()  # runs that still need it keep it alive on the scheduler
            return future
