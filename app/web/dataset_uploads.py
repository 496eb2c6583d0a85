"""The one path by which an upload or a sample becomes a stored dataset."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from anyio import to_thread
from sqlalchemy.orm import Session
from starlette.requests import Request

from app.config import Settings
from app.data.csv_reader import CsvLimits
from app.data.missing_tokens import validate_tokens
from app.data.samples import write_sample_csv
from app.db.datasets import set_missing_tokens, store_dataset
from app.db.models import Dataset
from app.web.uploads import receive_csv_upload


def _limits(settings: Settings) -> CsvLimits:
    return CsvLimits(max_rows=settings.max_rows, max_columns=settings.max_columns)


def _store_then_clean(
    settings: Settings, session: Session, path: Path, name: str, sheet: str | None = None
) -> Dataset:
    try:
        return store_dataset(
            session=session,
            datasets_dir=settings.datasets_dir,
            upload_path=path,
            original_name=name,
            limits=_limits(settings),
            sheet=sheet,
        )
    finally:
        path.unlink(missing_ok=True)  # already moved into place on success


async def dataset_from_upload(request: Request, settings: Settings, session: Session) -> Dataset:
    """Raises UploadError or CsvError, leaving nothing behind."""
    received = await receive_csv_upload(request, temp_dir=settings.datasets_dir, limit_bytes=settings.max_upload_bytes)
    # Parsing and profiling are CPU work: keep them off the event loop.
    return await to_thread.run_sync(
        _store_then_clean, settings, session, received.path, received.filename, received.sheet
    )


async def dataset_from_sample(key: str, settings: Settings, session: Session) -> Dataset:
    """Raises KeyError for an unknown sample."""
    descriptor, name = tempfile.mkstemp(dir=settings.datasets_dir, prefix="sample-", suffix=".part")
    os.close(descriptor)
    path = Path(name)
    try:
        name = write_sample_csv(key, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return await to_thread.run_sync(_store_then_clean, settings, session, path, name)


async def choose_missing_tokens(dataset: Dataset, tokens: object, settings: Settings, session: Session) -> Dataset:
    """Validate the person's tokens and re-profile the dataset with them.

    Raises ValueError (a sentence) for bad tokens or CsvError; nothing is changed then."""
    chosen = validate_tokens(tokens)
    return await to_thread.run_sync(
        lambda: set_missing_tokens(
            session=session,
            datasets_dir=settings.datasets_dir,
            dataset=dataset,
            limits=_limits(settings),
            tokens=chosen,
        )
    )
