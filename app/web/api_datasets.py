"""JSON API for datasets: upload, samples, list, one, delete."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from app.data.samples import sample_datasets
from app.db.datasets import list_datasets
from app.services import datasets
from app.web.dataset_uploads import dataset_from_upload
from app.web.deps import SessionDep, SettingsDep, dataset_or_404
from app.web.ids import PathId
from app.web.serializers import dataset_detail, dataset_summary

router = APIRouter(prefix="/api/datasets", tags=["datasets"])


@router.post("", status_code=status.HTTP_201_CREATED, summary="Upload a CSV; returns the dataset and its profile")
async def upload_dataset(request: Request, settings: SettingsDep, session: SessionDep) -> dict[str, Any]:
    dataset = await dataset_from_upload(request, settings, session)
    return await run_in_threadpool(dataset_detail, dataset)


@router.get("/samples", summary="The bundled sample datasets")
def list_samples() -> list[dict[str, Any]]:
    return [asdict(sample) for sample in sample_datasets()]


@router.post("/samples/{key}", status_code=status.HTTP_201_CREATED, summary="Add a sample as a dataset")
async def add_sample(key: str, settings: SettingsDep, session: SessionDep) -> dict[str, Any]:
    return await run_in_threadpool(lambda: dataset_detail(datasets.add_sample(session, settings, key)))


@router.get("", summary="All datasets, newest first")
def list_all(session: SessionDep) -> list[dict[str, Any]]:
    return [dataset_summary(dataset) for dataset in list_datasets(session=session)]


@router.get("/{dataset_id}", summary="One dataset with its profile")
def one(dataset_id: PathId, session: SessionDep) -> dict[str, Any]:
    return dataset_detail(dataset_or_404(session, dataset_id))


@router.patch("/{dataset_id}", summary="Choose which tokens mean missing; returns the re-profiled dataset")
async def patch(dataset_id: PathId, request: Request, settings: SettingsDep, session: SessionDep) -> dict[str, Any]:
    dataset = await run_in_threadpool(dataset_or_404, session, dataset_id)
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # not JSON, or nested too deep to read
        raise HTTPException(422, 'Send a JSON object such as {"missing_tokens": ["NA", "?"]}.') from None
    if not isinstance(body, dict) or set(body) != {"missing_tokens"}:
        raise HTTPException(422, 'Send a JSON object with one field, "missing_tokens", a list of short texts.')

    tokens = body["missing_tokens"]
    chosen = await run_in_threadpool(datasets.choose_missing_tokens, session, settings, dataset, tokens)
    return await run_in_threadpool(dataset_detail, chosen)


class SheetChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sheet: str = Field(min_length=1, max_length=31, description="The name of one of the workbook's sheets.")


@router.post(
    "/{dataset_id}/sheets", status_code=status.HTTP_201_CREATED,
    summary="Another sheet of a workbook dataset as a new dataset; returns it with its profile",
)
def read_sheet(dataset_id: PathId, choice: SheetChoice, settings: SettingsDep, session: SessionDep) -> dict[str, Any]:
    return dataset_detail(datasets.add_sheet(session, settings, dataset_or_404(session, dataset_id), choice.sheet))


@router.delete(
    "/{dataset_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a dataset, its experiments and files"
)
def delete(dataset_id: PathId, settings: SettingsDep, session: SessionDep) -> None:
    datasets.delete(session, settings, dataset_or_404(session, dataset_id))
