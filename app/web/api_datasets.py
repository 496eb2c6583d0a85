"""JSON API for datasets: upload, samples, list, one, delete."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from app.data.samples import SampleInfo, sample_datasets
from app.db.datasets import list_datasets
from app.db.models import Dataset
from app.services import datasets
from app.web.contract.common import error_responses
from app.web.contract.datasets import DatasetDetail, DatasetSummary
from app.web.dataset_uploads import dataset_from_upload
from app.web.deps import SessionDep, SettingsDep, dataset_or_404
from app.web.ids import PathId
from app.web.serializers import dataset_detail, dataset_summary

router = APIRouter(prefix="/api/datasets", tags=["datasets"])


def _detail(dataset: Dataset) -> DatasetDetail:
    """Blocking (the profile loads and is validated): call it from a thread in async routes."""
    return DatasetDetail.model_validate(dataset_detail(dataset))


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Upload a CSV; returns the dataset and its profile",
    responses=error_responses(400, 413, 415, 422),
)
async def upload_dataset(request: Request, settings: SettingsDep, session: SessionDep) -> DatasetDetail:
    dataset = await dataset_from_upload(request, settings, session)
    return await run_in_threadpool(_detail, dataset)


@router.get("/samples", summary="The bundled sample datasets")
def list_samples() -> list[SampleInfo]:
    return list(sample_datasets())


@router.post(
    "/samples/{key}", status_code=status.HTTP_201_CREATED, summary="Add a sample as a dataset",
    responses=error_responses(404),
)
async def add_sample(key: str, settings: SettingsDep, session: SessionDep) -> DatasetDetail:
    return await run_in_threadpool(lambda: _detail(datasets.add_sample(session, settings, key)))


@router.get("", summary="All datasets, newest first")
def list_all(session: SessionDep) -> list[DatasetSummary]:
    return [DatasetSummary.model_validate(dataset_summary(dataset)) for dataset in list_datasets(session=session)]


@router.get("/{dataset_id}", summary="One dataset with its profile", responses=error_responses(404, 422))
def one(dataset_id: PathId, session: SessionDep) -> DatasetDetail:
    return _detail(dataset_or_404(session, dataset_id))


@router.patch(
    "/{dataset_id}", summary="Choose which tokens mean missing; returns the re-profiled dataset",
    responses=error_responses(404, 413, 422),
)
async def patch(dataset_id: PathId, request: Request, settings: SettingsDep, session: SessionDep) -> DatasetDetail:
    dataset = await run_in_threadpool(dataset_or_404, session, dataset_id)
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        raise HTTPException(422, 'Send a JSON object such as {"missing_tokens": ["NA", "?"]}.') from None
    if not isinstance(body, dict) or set(body) != {"missing_tokens"}:
        raise HTTPException(422, 'Send a JSON object with one field, "missing_tokens", a list of short texts.')

    tokens = body["missing_tokens"]
    chosen = await run_in_threadpool(datasets.choose_missing_tokens, session, settings, dataset, tokens)
    return await run_in_threadpool(_detail, chosen)


class SheetChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sheet: str = Field(min_length=1, max_length=31, description="The name of one of the workbook's sheets.")


@router.post(
    "/{dataset_id}/sheets", status_code=status.HTTP_201_CREATED,
    summary="Another sheet of a workbook dataset as a new dataset; returns it with its profile",
    responses=error_responses(404, 413, 422),
)
def read_sheet(dataset_id: PathId, choice: SheetChoice, settings: SettingsDep, session: SessionDep) -> DatasetDetail:
    return _detail(datasets.add_sheet(session, settings, dataset_or_404(session, dataset_id), choice.sheet))


@router.delete(
    "/{dataset_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a dataset, its experiments and files",
    responses=error_responses(404, 422),
)
def delete(dataset_id: PathId, settings: SettingsDep, session: SessionDep) -> None:
    datasets.delete(session, settings, dataset_or_404(session, dataset_id))
