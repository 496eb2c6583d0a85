"""The experiment builder page: label, features, split, network and training, then Train."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.config import Settings
from app.data.csv_options import CsvError, ReadOptions
from app.data.leakage import leaking_columns
from app.data.table_files import load_table
from app.db.datasets import dataset_path
from app.db.experiments import get_experiment
from app.db.models import Dataset
from app.services import experiments
from app.specs import ExperimentSpec, validation_messages
from app.web.builder_fields import FIELD_IDS, layer_field_ids
from app.web.builder_state import (
    MAX_BUILDER_LAYERS,
    BuilderState,
    apply_layer_operation,
    default_label,
    initial_state,
    state_from_form,
)
from app.web.builder_training import refresh_for_new_label
from app.web.deps import SessionDep, SettingsDep, dataset_or_404
from app.web.forms import WideFormDep
from app.web.htmx import go_to, is_htmx, render
from app.web.ids import MAX_ID, PathId

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=32)
def _leaking(path: Path, options_json: str, label: str, candidates: tuple[str, ...]) -> frozenset[str]:
    try:
        frame = load_table(path, ReadOptions.from_dict(json.loads(options_json)))
    except CsvError:
        return frozenset()
    return frozenset(leaking_columns(frame, label, list(candidates)))


def leaking_for(dataset: Dataset, label: str, datasets_dir: Path) -> set[str]:
    """Columns that give the label away; computed once per dataset and label."""
    names = tuple(column["name"] for column in dataset.profile.get("columns", []))
    if label not in names:
        return set()
    path = dataset_path(datasets_dir=datasets_dir, dataset=dataset)
    options = json.dumps(dataset.read_options, sort_keys=True)  # hashable, for the cache
    return set(_leaking(path, options, label, names))


def _render_builder(request: Request, state: BuilderState, status_code: int = 200) -> HTMLResponse:
    """The whole page, with every reason Train cannot start yet."""
    template = "_builder_form.html" if request.headers.get("hx-request") == "true" else "builder.html"
    return render(request, template, status_code=status_code, state=state, dataset=state.dataset,
                  max_layers=MAX_BUILDER_LAYERS)


def _render_updates(request: Request, state: BuilderState, form: FormData, options_stale: bool,
                    status_code: int = 200) -> HTMLResponse:
    """Only what depends on the inputs (diagram, counts, hints, marks on bad fields): never an input."""
    flags_stale = str(form.get("flags-for", "")) != state.label
    return render(request, "_builder_updates.html", status_code=status_code, state=state, dataset=state.dataset,
                  flags_stale=flags_stale, options_stale=options_stale,
                  layer_fields=layer_field_ids(len(state.layers)), field_ids=FIELD_IDS)


def _add_spec_problems(state: BuilderState, settings: Settings) -> None:
    """What stops Train, the same checks as the service that queues it (too large to train
    here included), said before Train is pressed."""
    if not state.label:
        state.problems.append("Choose what to predict (the label) first.")
    elif not state.problems:
        try:
            spec = ExperimentSpec.model_validate(state.spec_dict)
        except ValidationError as error:
            state.problems = [message.rstrip(".") + "." for message in validation_messages(error)]
        else:
            state.problems = experiments.spec_problems(spec, state.dataset, settings)


@router.get("/datasets/{dataset_id}/experiments/new", response_class=HTMLResponse)
def new_experiment(
    dataset_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    from_experiment: Annotated[int | None, Query(alias="from", ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    dataset = dataset_or_404(session, dataset_id)
    spec = None
    if from_experiment is not None:
        source = get_experiment(session=session, experiment_id=from_experiment)
        if source is not None and source.dataset_id == dataset.id:
            spec = ExperimentSpec.model_validate(source.spec)
    label = spec.label if spec else default_label(dataset)
    leaking = leaking_for(dataset, label, settings.datasets_dir)
    state = initial_state(dataset, leaking, spec)
    _add_spec_problems(state, settings)
    return _render_builder(request, state)


@router.post("/datasets/{dataset_id}/builder")
def builder_change(
    dataset_id: PathId, request: Request, session: SessionDep, settings: SettingsDep, form: WideFormDep
) -> Response:
    """A change answers with the parts that depend on it; `op=train` creates the experiment.

    Without JavaScript (a plain form post) the whole page comes back instead.
    """
    dataset = dataset_or_404(session, dataset_id)
    label = str(form.get("label", ""))
    state = state_from_form(dataset, form, leaking_for(dataset, label, settings.datasets_dir))
    options_stale = refresh_for_new_label(state, form)
    operation = str(form.get("op", ""))
    if operation.startswith(("add", "remove-", "up-", "down-")) and not is_htmx(request):  # the page moves its own rows
        apply_layer_operation(state, operation)
    _add_spec_problems(state, settings)
    if operation != "train":
        if is_htmx(request):
            return _render_updates(request, state, form, options_stale)
        return _render_builder(request, state)
    if state.problems:
        if is_htmx(request):
            return _render_updates(request, state, form, options_stale, status_code=422)
        return _render_builder(request, state, status_code=422)
    spec = ExperimentSpec.model_validate(state.spec_dict)
    experiment = experiments.queue_experiment(session, settings, dataset, spec)
    return go_to(request, f"/experiments/{experiment.id}")

