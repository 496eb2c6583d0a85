"""HTML pages. Full pages include the same `_partials` that htmx requests receive."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.data.csv_reader import CsvError
from app.data.samples import sample_datasets
from app.db.datasets import delete_dataset, list_datasets
from app.web.dataset_uploads import dataset_from_sample, dataset_from_upload
from app.web.deps import SessionDep, SettingsDep, dataset_or_404
from app.web.uploads import UploadError

router = APIRouter(include_in_schema=False)


def _render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _go_to(request: Request, url: str) -> Response:
    """Navigate after a successful action: htmx follows HX-Redirect, forms follow 303."""
    if _is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _home(request: Request, session: SessionDep, status_code: int = 200, error: str | None = None) -> HTMLResponse:
    return _render(
        request,
        "index.html",
        status_code=status_code,
        datasets=list_datasets(session=session),
        samples=sample_datasets(),
        error=error,
    )


def _upload_failed(request: Request, session: SessionDep, status_code: int, message: str) -> HTMLResponse:
    if _is_htmx(request):
        return _render(request, "_upload_error.html", status_code=status_code, error=message)
    return _home(request, session, status_code=status_code, error=message)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    return _home(request, session)


@router.post("/datasets/upload")
async def upload(request: Request, settings: SettingsDep, session: SessionDep) -> Response:
    try:
        dataset = await dataset_from_upload(request, settings, session)
    except UploadError as exc:
        return _upload_failed(request, session, exc.status_code, exc.detail)
    except CsvError as exc:
        return _upload_failed(request, session, 422, exc.message)
    return _go_to(request, f"/datasets/{dataset.id}")


@router.post("/datasets/samples/{key}")
async def add_sample(key: str, request: Request, settings: SettingsDep, session: SessionDep) -> Response:
    try:
        dataset = await dataset_from_sample(key, settings, session)
    except KeyError:
        return _upload_failed(request, session, 404, f"There is no sample dataset called “{key}”.")
    return _go_to(request, f"/datasets/{dataset.id}")



@router.get("/datasets/{dataset_id}", response_class=HTMLResponse)
def dataset_page(dataset_id: int, request: Request, session: SessionDep) -> HTMLResponse:
    dataset = dataset_or_404(session, dataset_id)
    return _render(request, "dataset.html", dataset=dataset, profile=dataset.profile)


@router.post("/datasets/{dataset_id}/delete")
def delete(dataset_id: int, request: Request, settings: SettingsDep, session: SessionDep) -> Response:
    dataset = dataset_or_404(session, dataset_id)
    delete_dataset(session=session, datasets_dir=settings.datasets_dir, dataset=dataset)
    return _go_to(request, "/")
