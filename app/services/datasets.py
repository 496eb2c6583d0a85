"""Dataset use cases: add one (an uploaded file, a bundled sample, another sheet of a workbook),
choose its missing-value tokens, delete it. Reading and profiling happen in `data`, storing in `db`."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from app.config import Settings
from app.data.csv_reader import CsvError, CsvLimits
from app.data.ingest import ingest_file, reingest_with_tokens
from app.data.missing_tokens import validate_tokens
from app.data.samples import write_sample_csv
from app.db.datasets import dataset_path, delete_dataset, store_dataset, store_profile
from app.db.models import Dataset
from app.db.ownership import ensure_may_change
from app.services.errors import ServiceError

SHEET_SEPARATOR = " – "  # a dataset read from another sheet is named "book.xlsx – Costs"


def _limits(settings: Settings) -> CsvLimits:
    return CsvLimits(max_rows=settings.max_rows, max_columns=settings.max_columns)


def add_file(
    session: Session, settings: Settings, path: Path, name: str, sheet: str | None = None, sha256: str | None = None
) -> Dataset:
    """Read, profile and store the file at `path` (in the datasets directory) as dataset `name`;
    `sha256`: its digest when already known (taken as it was uploaded).

    The file is consumed: moved into place, or deleted when it cannot be used (422 with the
    reason); nothing is stored then. CPU work: call it from a worker thread, never the event loop.
    """
    try:
        table = ingest_file(path, _limits(settings), sheet, sha256)
        return store_dataset(
            session=session, datasets_dir=settings.datasets_dir, upload_path=path, original_name=name, table=table
        )
    except CsvError as exc:
        raise ServiceError(422, exc.message) from exc
    finally:
        path.unlink(missing_ok=True)  # already moved into place on success


def add_sample(session: Session, settings: Settings, key: str) -> Dataset:
    """A bundled sample as a new dataset; 404 for a sample that does not exist."""
    descriptor, name = tempfile.mkstemp(dir=settings.datasets_dir, prefix="sample-", suffix=".part")
    os.close(descriptor)
    path = Path(name)
    try:
        shown = write_sample_csv(key, path)
    except KeyError:
        path.unlink(missing_ok=True)
        raise ServiceError(404, f"There is no sample dataset called “{key}”.") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return add_file(session, settings, path, shown)


def add_sheet(session: Session, settings: Settings, dataset: Dataset, sheet: object) -> Dataset:
    """Another sheet of a workbook dataset as a new dataset (the first stays as it is: its
    experiments were built on its columns); 422 for a file that is not a workbook or a sheet
    it does not have. CPU work: call it from a worker thread."""
    options = dataset.read_options or {}
    if options.get("file_format") != "xlsx":
        raise ServiceError(422, "Only an Excel workbook has sheets; this dataset was read from a "
                                f"{str(options.get('file_format', 'csv')).upper()} file.")
    names = list(options.get("sheets") or [])
    if not isinstance(sheet, str) or (names and sheet not in names):
        listed = ", ".join(f"“{name}”" for name in names)
        raise ServiceError(422, f"Choose one of the workbook's sheets: {listed}.")
    descriptor, name = tempfile.mkstemp(dir=settings.datasets_dir, prefix="sheet-", suffix=".part")
    os.close(descriptor)
    copy = Path(name)
    try:
        shutil.copyfile(dataset_path(datasets_dir=settings.datasets_dir, dataset=dataset), copy)
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    workbook_name = dataset.name.split(SHEET_SEPARATOR)[0]  # "book.xlsx", also from "book.xlsx – Costs"
    return add_file(session, settings, copy, f"{workbook_name}{SHEET_SEPARATOR}{sheet}", sheet)


def choose_missing_tokens(session: Session, settings: Settings, dataset: Dataset, tokens: object) -> Dataset:
    """Re-profile the dataset with the person's missing-value tokens; 422 (nothing changed)
    for bad tokens or a file that can no longer be read; 403 for a dataset shared by another account."""
    ensure_may_change(dataset)  # before the stored Parquet copy is rewritten
    try:
        chosen = validate_tokens(tokens)
        parsed, profile = reingest_with_tokens(
            dataset_path(datasets_dir=settings.datasets_dir, dataset=dataset),
            _limits(settings),
            chosen,
            sheet=dataset.read_options.get("sheet"),
        )
    except CsvError as exc:
        raise ServiceError(422, exc.message) from exc
    except ValueError as exc:
        raise ServiceError(422, str(exc)) from exc
    return store_profile(session=session, dataset=dataset, parsed=parsed, profile=profile)


def delete(session: Session, settings: Settings, dataset: Dataset) -> None:
    """The dataset, its experiments (their running jobs stopped first) and every file of theirs."""
    delete_dataset(
        session=session,
        datasets_dir=settings.datasets_dir,
        experiments_dir=settings.experiments_dir,
        dataset=dataset,
    )
