"""An upload becomes a dataset: the request streams to a file here, the service does the rest."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from app.config import Settings
from app.db.models import Dataset
from app.services import datasets
from app.web.uploads import receive_csv_upload


async def dataset_from_upload(request: Request, settings: Settings, session: Session) -> Dataset:
    """Raises ServiceError (an UploadError too), leaving nothing behind."""
    received = await receive_csv_upload(
        request, temp_dir=settings.datasets_dir, limit_bytes=settings.max_upload_bytes, with_sha256=True
    )
    # Parsing and profiling are CPU work, storing is database work: neither on the event loop.
    return await run_in_threadpool(
        datasets.add_file, session, settings, received.path, received.filename, received.sheet, received.sha256
    )
