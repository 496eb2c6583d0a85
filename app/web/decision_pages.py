"""htmx fragments of the results page's decisions and doubts: saving a new decision
threshold, and the largest-errors card of a split."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from app.jobs.decisions import ThresholdError, parse_threshold
from app.services import decisions
from app.services.sweep_blinding import test_hidden
from app.web.api_decisions import LimitQuery
from app.web.deps import SessionDep, SettingsDep, experiment_or_404
from app.web.experiment_pages import SplitQuery, results_context
from app.web.forms import FormDep
from app.web.htmx import fragment_or_page, render
from app.web.ids import PathId

router = APIRouter(include_in_schema=False)


@router.post("/experiments/{experiment_id}/threshold", response_class=HTMLResponse)
def save_threshold(
    experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep, form: FormDep,
    split: SplitQuery = "test",
) -> Response:
    experiment = experiment_or_404(session, experiment_id)
    decision = (experiment.summary or {}).get("decision") or {}
    raw = decision.get("chosen") if form.get("reset") else form.get("threshold")
    try:
        threshold = parse_threshold({"threshold": float(str(raw))})
    except (ThresholdError, ValueError) as exc:
        message = str(exc) if isinstance(exc, ThresholdError) else "The threshold must be a number."
        raise HTTPException(422, message) from exc
    decisions.change_threshold(session, settings, experiment, threshold)
    return fragment_or_page(request, "_experiment_results.html", f"/experiments/{experiment_id}",
                            lambda: results_context(session, experiment_id, split))


@router.get("/experiments/{experiment_id}/errors", response_class=HTMLResponse)
def errors_card(
    experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep,
    split: SplitQuery = "test", limit: LimitQuery = 10,
) -> HTMLResponse:
    experiment = experiment_or_404(session, experiment_id)
    errors = decisions.errors_of(settings, experiment, split, limit)
    return render(request, "_results_errors.html", experiment=experiment, errors=errors,
                  test_hidden=test_hidden(experiment))
