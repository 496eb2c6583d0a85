"""JSON API for datasets: upload, samples, list, one, delete."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from app.data.csv_reader import CsvError
from app.data.samples import SampleInfo, sample_datasets
from app.db.datasets import delete_dataset, list_datasets
from app.web.contract.common import error_responses
from app.web.contract.datasets import DatasetDetail, DatasetSummary
from app.web.dataset_uploads import choose_missing_tokens, dataset_from_sample, dataset_from_upload
from app.web.deps import SessionDep, SettingsDep, dataset_or_404
from app.web.ids import PathId
from app.web.serializers import dataset_detail, dataset_summary
from app.web.uploads import UploadError

router = APIRouter(prefix="/api/datasets", tags=["datasets"])


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Upload a CSV; returns the dataset and its profile",
    responses=error_responses(400, 413, 415, 422),
)
async def upload_dataset(request: Request, settings: SettingsDep, session: SessionDep) -> DatasetDetail:
    try:
        dataset = await dataset_from_upload(request, settings, session)
    except UploadError as exc:
        raise HTTPException(exc.status_code, exc.detail) from exc
    except CsvError as exc:
        raise HTTPException(422, exc.message) from exc
    return DatasetDetail.model_validate(dataset_detail(dataset))


@router.get("/samples", summary="The bundled sample datasets")
def list_samples() -> list[SampleInfo]:
    return list(sample_datasets())


@router.post(
    "/samples/{key}", status_code=status.HTTP_201_CREATED, summary="Add a sample as a dataset",
    responses=error_responses(404),
)
async def add_sample(key: str, settings: SettingsDep, session: SessionDep) -> DatasetDetail:
    try:
        dataset = await dataset_from_sample(key, settings, session)
    except KeyError as exc:
        raise HTTPException(404, f"There is no sample dataset called {key!r}.") from exc
    return DatasetDetail.model_validate(dataset_detail(dataset))


@router.get("", summary="All datasets, newest first")
def list_all(session: SessionDep) -> list[DatasetSummary]:
    return [DatasetSummary.model_validate(dataset_summary(dataset)) for dataset in list_datasets(session=session)]


@router.get("/{dataset_id}", summary="One dataset with its profile", responses=error_responses(404, 422))
def one(dataset_id: PathId, session: SessionDep) -> DatasetDetail:
    return DatasetDetail.model_validate(dataset_detail(dataset_or_404(session, dataset_id)))


@router.patch(
    "/{dataset_id}", summary="Choose which tokens mean missing; returns the re-profiled dataset",
    responses=error_responses(404, 413, 422),
)
async def patch(dataset_id: PathId, request: Request, settings: SettingsDep, session: SessionDep) -> DatasetDetail:
    dataset = dataset_or_404(session, dataset_id)
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        raise HTTPException(422, 'Send a JSON object such as {"missing_tokens": ["NA", "?"]}.') from None
    if not isinstance(body, dict) or set(body) != {"missing_tokens"}:
        raise HTTPException(422, 'Send a JSON object with one field, "missing_tokens", a list of short texts.')
    try:
        dataset = await choose_missing_tokens(dataset, body["missing_tokens"], settings, session)
    except (ValueError, CsvError) as exc:
        raise HTTPException(422, getattr(exc, "message", str(exc))) from exc
    return DatasetDetail.model_validate(dataset_detail(dataset))


@router.delete(
    "/{dataset_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a dataset, its experiments and files",
    responses=error_responses(404, 422),
)
def delete(dataset_id: PathId, settings: SettingsDep, session: SessionDep) -> None:
    dataset = dataset_or_404(session, dataset_id)
    delete_dataset(
        session=session,
        datasets_dir=settings.datasets_dir,
        experiments_dir=settings.experiments_dir,
        dataset=dataset,
    )
