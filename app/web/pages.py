"""HTML pages. Full pages include the same `_partials` that htmx requests receive."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.data.samples import sample_datasets
from app.db.datasets import list_datasets
from app.db.experiments import list_experiments
from app.db.models import Dataset
from app.services import datasets
from app.services.errors import ServiceError
from app.web.dataset_uploads import dataset_from_upload
from app.web.deps import SessionDep, SettingsDep, dataset_or_404
from app.web.forms import FormDep
from app.web.htmx import go_to, is_htmx, render
from app.web.ids import PathId
from app.web.serializers import experiment_summary

router = APIRouter(include_in_schema=False)


def _home(request: Request, session: SessionDep, status_code: int = 200, error: str | None = None) -> HTMLResponse:
    return render(
        request,
        "index.html",
        status_code=status_code,
        datasets=list_datasets(session=session),
        samples=sample_datasets(),
        error=error,
    )


def _upload_failed(request: Request, session: SessionDep, status_code: int, message: str) -> HTMLResponse:
    if is_htmx(request):
        return render(request, "_upload_error.html", status_code=status_code, error=message)
    return _home(request, session, status_code=status_code, error=message)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    return _home(request, session)


@router.post("/datasets/upload")
async def upload(request: Request, settings: SettingsDep, session: SessionDep) -> Response:
    try:
        dataset = await dataset_from_upload(request, settings, session)
    except ServiceError as exc:
        return await run_in_threadpool(_upload_failed, request, session, exc.status_code, exc.detail)
    return go_to(request, f"/datasets/{dataset.id}")


@router.post("/datasets/samples/{key}")
def add_sample(key: str, request: Request, settings: SettingsDep, session: SessionDep) -> Response:
    try:
        dataset = datasets.add_sample(session, settings, key)
    except ServiceError as exc:
        return _upload_failed(request, session, exc.status_code, exc.detail)
    return go_to(request, f"/datasets/{dataset.id}")


def _dataset_context(session: SessionDep, dataset: Dataset) -> dict[str, object]:
    experiments = [experiment_summary(e) for e in list_experiments(session=session, dataset_id=dataset.id)]
    return {"dataset": dataset, "profile": dataset.profile, "experiments": experiments}


@router.get("/datasets/{dataset_id}", response_class=HTMLResponse)
def dataset_page(dataset_id: PathId, request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "dataset.html", **_dataset_context(session, dataset_or_404(session, dataset_id)))


@router.post("/datasets/{dataset_id}/missing-tokens")
def missing_tokens(
    dataset_id: PathId, request: Request, settings: SettingsDep, session: SessionDep, form: FormDep
) -> Response:
    """The page form's twin of PATCH /api/datasets/{id}: tokens separated by commas."""
    dataset = dataset_or_404(session, dataset_id)
    text = str(form.get("missing_tokens") or "")
    tokens = [token.strip() for token in text.split(",") if token.strip()]
    try:
        dataset = datasets.choose_missing_tokens(session, settings, dataset, tokens)
    except ServiceError as exc:
        template = "_dataset_profile.html" if is_htmx(request) else "dataset.html"
        return render(request, template, status_code=exc.status_code, tokens_error=exc.detail, tokens_text=text,
                      **_dataset_context(session, dataset))
    if not is_htmx(request):
        return go_to(request, f"/datasets/{dataset.id}")
    return render(request, "_dataset_profile.html", dataset=dataset, profile=dataset.profile)


@router.post("/datasets/{dataset_id}/sheets")
def read_sheet(
    dataset_id: PathId, request: Request, settings: SettingsDep, session: SessionDep, form: FormDep
) -> Response:
    """The page form's twin of POST /api/datasets/{id}/sheets: the new dataset's page, or this one with the sentence."""
    dataset = dataset_or_404(session, dataset_id)
    try:
        added = datasets.add_sheet(session, settings, dataset, form.get("sheet"))
    except ServiceError as exc:
        return render(request, "dataset.html", status_code=exc.status_code, sheet_error=exc.detail,
                      **_dataset_context(session, dataset))
    return go_to(request, f"/datasets/{added.id}")


@router.post("/datasets/{dataset_id}/delete")
def delete(dataset_id: PathId, request: Request, settings: SettingsDep, session: SessionDep) -> Response:
    datasets.delete(session, settings, dataset_or_404(session, dataset_id))
    return go_to(request, "/")


@router.get("/api", response_class=HTMLResponse)
def api_page(request: Request) -> HTMLResponse:
    """The JSON API, listed from the app's own OpenAPI schema so it never drifts."""
    operations = [
        {"method": method.upper(), "path": path, "summary": operation.get("summary", "")}
        for path, methods in request.app.openapi()["paths"].items()
        for method, operation in methods.items()
    ]
    return render(request, "api.html", operations=operations, section="api")
