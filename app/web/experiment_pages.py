"""Experiment pages: the live view (charts fed by SSE), its status panel, and the list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.db.experiments import list_experiments
from app.db.models import ExperimentStatus
from app.services import experiments
from app.services.divergence import divergence_advice
from app.services.sweep_blinding import test_hidden, visible_metrics, visible_summary
from app.specs import MAX_EPOCHS
from app.web.deps import SessionDep, SettingsDep, dataset_or_404, experiment_or_404
from app.web.htmx import fragment_or_page, go_to, render
from app.web.ids import Id, PathId, QueryId
from app.web.serializers import (
    experiment_detail,
    experiment_summary,
    panel_state,
    spec_differences,
)

router = APIRouter(include_in_schema=False)


SPLITS = ("train", "validation", "test")
SplitQuery = Annotated[str, Query(pattern="^(train|validation|test)$")]


def _context(session: SessionDep, experiment_id: PathId, split: str = "test") -> dict[str, object]:
    experiment = experiment_or_404(session, experiment_id)
    advice = divergence_advice(experiment)
    return {
        "experiment": experiment,
        "divergence_advice": advice,
        "info": experiment_detail(session, experiment),
        "dataset": experiment.dataset,
        "finished": experiment.status in ExperimentStatus.FINISHED,
        "results_split": "validation" if split == "test" and test_hidden(experiment) else split,
        "metrics": {} if advice else visible_metrics(experiment) or {},
        "summary": visible_summary(experiment) or {},
        "test_hidden": test_hidden(experiment),
        "max_epochs": MAX_EPOCHS,
        "panel_state": panel_state(experiment),
    }


results_context = _context  # the results fragment's context, for routers that re-render it


@router.get("/experiments/compare", response_class=HTMLResponse)
def compare(request: Request, session: SessionDep, ids: Annotated[list[Id], Query()] = []) -> HTMLResponse:  # noqa: B006
    """Two or more experiments side by side: curves overlaid, specs diffed, metrics in one table."""
    chosen = list(dict.fromkeys(ids))
    if len(chosen) < 2:
        raise HTTPException(422, "Pick at least two experiments to compare.")
    experiments = [experiment_or_404(session, experiment_id) for experiment_id in chosen]
    return render(
        request,
        "compare.html",
        experiments=experiments,
        summaries=[experiment_summary(e) for e in experiments],
        differences=spec_differences([e.spec for e in experiments]),
        section="experiments",
    )


@router.get("/experiments/{experiment_id}", response_class=HTMLResponse)
def experiment_page(
    experiment_id: PathId, request: Request, session: SessionDep, split: SplitQuery = "test"
) -> HTMLResponse:
    return render(request, "experiment.html", **_context(session, experiment_id, split))


@router.get("/experiments/{experiment_id}/panel", response_class=HTMLResponse)
def experiment_panel(experiment_id: PathId, request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "_experiment_panel.html", **_context(session, experiment_id))


@router.get("/experiments/{experiment_id}/results", response_class=HTMLResponse)
def experiment_results(
    experiment_id: PathId, request: Request, session: SessionDep, split: SplitQuery = "test"
) -> HTMLResponse:
    return render(request, "_experiment_results.html", **_context(session, experiment_id, split))


@router.post("/experiments/{experiment_id}/cancel")
def cancel(experiment_id: PathId, request: Request, session: SessionDep) -> Response:
    experiments.cancel(session, experiment_or_404(session, experiment_id))
    return fragment_or_page(request, "_experiment_panel.html", f"/experiments/{experiment_id}",
                            lambda: _context(session, experiment_id))


@router.post("/experiments/{experiment_id}/restart")
def restart(experiment_id: PathId, request: Request, session: SessionDep) -> Response:
    experiments.restart(session, experiment_or_404(session, experiment_id))
    return go_to(request, f"/experiments/{experiment_id}")


@router.post("/experiments/{experiment_id}/continue")
def continue_training(
    experiment_id: PathId, request: Request, session: SessionDep, settings: SettingsDep,
    epochs: Annotated[int, Form(ge=1, le=MAX_EPOCHS)],
) -> Response:
    child = experiments.continue_training(session, settings, experiment_or_404(session, experiment_id), epochs)
    return go_to(request, f"/experiments/{child.id}")


@router.get("/experiments", response_class=HTMLResponse)
def experiments_list(
    request: Request, session: SessionDep, dataset_id: QueryId = None
) -> HTMLResponse:
    dataset = dataset_or_404(session, dataset_id) if dataset_id else None
    rows = [experiment_summary(e) for e in list_experiments(session=session, dataset_id=dataset_id)]
    return render(request, "experiments.html", experiments=rows, dataset=dataset, section="experiments")
