"""Datasets: the stored file and its row are written together or not at all."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from app.data.csv_reader import ParsedCsv
from app.data.frame_store import frame_path
from app.data.ingest import IngestedTable
from app.data.profiling import DatasetProfile
from app.db.experiments import revoke_active
from app.db.models import Dataset, Experiment
from app.db.ownership import ensure_may_change


def _display_name(original_name: str) -> str:
    # Keep only the last path component a browser might send, and cap its length.
    name = original_name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or "upload.csv")[:255]


def store_dataset(
    *, session: Session, datasets_dir: Path, upload_path: Path, original_name: str, table: IngestedTable
) -> Dataset:
    """Move an ingested file (and its Parquet copy) into place and commit its row, together:
    on any failure nothing is stored and the moved files are removed again."""
    parsed = table.parsed
    stored_name = f"{secrets.token_hex(16)}.{parsed.options.file_format}"
    final_path = datasets_dir / stored_name
    dataset = Dataset(
        name=_display_name(original_name),
        stored_name=stored_name,
        size_bytes=upload_path.stat().st_size,
        sha256=table.sha256,
        row_count=len(parsed.frame),
        column_count=len(parsed.frame.columns),
        read_options=parsed.options.to_dict(),
        notices=list(parsed.notices),
        profile=table.profile.to_dict(),
    )
    session.add(dataset)
    try:
        session.flush()
        upload_path.replace(final_path)
        table.staged_frame.replace(frame_path(final_path))
        session.commit()
    except BaseException:
        for path in (table.staged_frame, final_path, frame_path(final_path)):
            path.unlink(missing_ok=True)
        raise
    return dataset


def store_profile(*, session: Session, dataset: Dataset, parsed: ParsedCsv, profile: DatasetProfile) -> Dataset:
    """Replace a dataset's profile with one read again (other missing-value tokens, say)."""
    dataset.row_count = len(parsed.frame)
    dataset.column_count = len(parsed.frame.columns)
    dataset.read_options = parsed.options.to_dict()
    dataset.notices = list(parsed.notices)
    dataset.profile = profile.to_dict()
    session.commit()
    return dataset


def list_datasets(*, session: Session) -> Sequence[Dataset]:
    """Newest first, for lists: their JSON columns (how each was read, its notices) stay unloaded."""
    query = select(Dataset).options(defer(Dataset.read_options), defer(Dataset.notices))
    return session.scalars(query.order_by(Dataset.created_at.desc(), Dataset.id.desc())).all()


def get_dataset(*, session: Session, dataset_id: int) -> Dataset | None:
    return session.get(Dataset, dataset_id)


def dataset_path(*, datasets_dir: Path, dataset: Dataset) -> Path:
    return datasets_dir / dataset.stored_name


def delete_dataset(*, session: Session, datasets_dir: Path, experiments_dir: Path, dataset: Dataset) -> None:
    """Cancel its jobs, delete the rows (experiments cascade), the files once that has committed."""
    ensure_may_change(dataset)
    path = dataset_path(datasets_dir=datasets_dir, dataset=dataset)
    experiment_ids = session.scalars(select(Experiment.id).where(Experiment.dataset_id == dataset.id)).all()
    revoke_active(session=session, experiment_ids=experiment_ids)  # running workers stop first
    session.delete(dataset)
    session.commit()
    path.unlink(missing_ok=True)
    frame_path(path).unlink(missing_ok=True)
    for experiment_id in experiment_ids:
        shutil.rmtree(experiments_dir / str(experiment_id), ignore_errors=True)
