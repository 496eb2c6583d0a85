"""Datasets: the stored file and its row are written together or not at all."""

from __future__ import annotations

import hashlib
import secrets
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.data.csv_reader import CsvLimits, ParsedCsv
from app.data.frame_store import frame_path, write_frame
from app.data.profiling import DatasetProfile, profile_frame
from app.data.table_files import read_table_file
from app.db.experiments import revoke_active
from app.db.models import Dataset, Experiment
from app.db.ownership import ensure_may_change

HASH_CHUNK_BYTES = 1 << 20


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _display_name(original_name: str) -> str:
    # Keep only the last path component a browser might send, and cap its length.
    name = original_name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or "upload.csv")[:255]


def store_dataset(
    *,
    session: Session,
    datasets_dir: Path,
    upload_path: Path,
    original_name: str,
    limits: CsvLimits,
    sheet: str | None = None,
) -> Dataset:
    """Read and profile an uploaded file (CSV, .xlsx, Parquet; `sheet`: a workbook's sheet),
    then move it into place and commit its row.

    Raises ``CsvError`` for a file that cannot be used; the upload file is then
    left for the caller to delete, and nothing is stored.
    """
    staged_frame = frame_path(upload_path)  # the rows as read, for experiments to load quickly
    try:
        parsed, profile, digest = _read_and_profile(upload_path, staged_frame, limits, sheet)
    except BaseException:
        staged_frame.unlink(missing_ok=True)
        raise
    stored_name = f"{secrets.token_hex(16)}.{parsed.options.file_format}"
    final_path = datasets_dir / stored_name
    dataset = Dataset(
        name=_display_name(original_name),
        stored_name=stored_name,
        size_bytes=upload_path.stat().st_size,
        sha256=digest,
        row_count=len(parsed.frame),
        column_count=len(parsed.frame.columns),
        read_options=parsed.options.to_dict(),
        notices=list(parsed.notices),
        profile=profile.to_dict(),
    )
    session.add(dataset)
    try:
        session.flush()
        # The Parquet copy moves into place with the upload.
        upload_path.replace(final_path)
        staged_frame.replace(frame_path(final_path))
        session.commit()
    except BaseException:
        for path in (staged_frame, final_path, frame_path(final_path)):
            path.unlink(missing_ok=True)
        raise
    return dataset


def _read_and_profile(
    upload_path: Path, staged_frame: Path, limits: CsvLimits, sheet: str | None
) -> tuple[ParsedCsv, DatasetProfile, str]:
    """Hashing the upload and writing the Parquet copy run on other threads beside reading
    and profiling: each spends most of its time outside the GIL."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        hashing = pool.submit(_sha256, upload_path)
        parsed = read_table_file(upload_path, limits, sheet=sheet)
        storing = pool.submit(write_frame, parsed.frame, staged_frame, parsed.options.missing_tokens)
        profile = profile_frame(parsed.frame, column_notes=parsed.column_notes, value_counts=parsed.value_counts)
        storing.result()
        return parsed, profile, hashing.result()


def set_missing_tokens(
    *, session: Session, datasets_dir: Path, dataset: Dataset, limits: CsvLimits, tokens: list[str]
) -> Dataset:
    """Re-read the stored file with the person's missing-value tokens and store the new profile.

    Raises ``CsvError`` (nothing changed) if the file can no longer be read within `limits`.
    """
    ensure_may_change(dataset)
    path = dataset_path(datasets_dir=datasets_dir, dataset=dataset)
    parsed = read_table_file(path, limits, missing_tokens=tokens, sheet=dataset.read_options.get("sheet"))
    profile = profile_frame(
        parsed.frame, column_notes=parsed.column_notes, missing_tokens=tokens, value_counts=parsed.value_counts
    )
    dataset.row_count = len(parsed.frame)
    dataset.column_count = len(parsed.frame.columns)
    dataset.read_options = parsed.options.to_dict()
    dataset.notices = list(parsed.notices)
    dataset.profile = profile.to_dict()
    write_frame(parsed.frame, frame_path(path), tokens)
    session.commit()
    return dataset


def list_datasets(*, session: Session) -> Sequence[Dataset]:
    return session.scalars(select(Dataset).order_by(Dataset.created_at.desc(), Dataset.id.desc())).all()


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
