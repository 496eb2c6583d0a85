"""Sweep pages: the builder (with a live count and estimate), the live leaderboard, the list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.db.experiments import get_experiment, list_experiments
from app.db.models import Dataset, Sweep
from app.db.sweeps import list_sweeps
from app.jobs.sweep_estimates import duration_text
from app.jobs.sweeps import SPACE_KEYS, SPACE_LABELS, SweepRequest, show_value
from app.services import sweeps
from app.services.errors import ServiceError
from app.services.spec_checks import problems_with_spec
from app.services.sweeps import sweep_detail, sweep_effects, sweep_summary
from app.specs import ExperimentSpec, validation_messages
from app.web.builder import leaking_for
from app.web.builder_state import default_label, initial_state, label_explanation
from app.web.deps import SessionDep, SettingsDep, dataset_or_404, sweep_or_404
from app.web.forms import FormDep
from app.web.htmx import fragment_or_page, go_to, is_htmx, render
from app.web.ids import MAX_ID, PathId, QueryId, parse_id
from app.web.serializers import experiment_summary
from app.web.sweeps import effect_charts

router = APIRouter(include_in_schema=False)

SPACE_HINTS = {
    "hidden_layers": "How many hidden layers, e.g. 1, 2. Each is a copy of the base's first layer.",
    "units": "Units in every hidden layer, e.g. 16, 64, 256.",
    "activation": "e.g. relu, tanh, gelu.",
    "dropout": "Share of units dropped while training, e.g. 0, 0.2.",
    "batchnorm": "on, off.",
    "optimizer": "e.g. adam, sgd, momentum.",
    "learning_rate": "e.g. 0.0003, 0.001, 0.01. Too high burns, too low crawls.",
    "batch_size": "Rows per step, e.g. 16, 64.",
    "weight_decay": "L2 pull towards small weights, e.g. 0, 0.001, 0.01.",
}
CHOOSE_LABEL_FIRST = "Choose what to predict (the label) first."
SORT_KEYS = ("rank", "validation", "done", "config", *SPACE_KEYS)


@dataclass
class SweepForm:
    """What the builder shows: the chosen base, the typed values, and what they make."""

    base_choice: str = "proposal"
    label: str | None = None  # None: the base's own label
    explanation: str = ""
    epochs: str = ""
    values: dict[str, str] = field(default_factory=dict)
    strategy: str = "grid"
    samples: str = "10"
    repeats: str = "2"
    problems: list[str] = field(default_factory=list)
    request: SweepRequest | None = None


def _split_values(text: str) -> list[str] | None:
    items = [item.strip() for item in text.replace(";", ",").split(",")]
    items = [item for item in items if item]
    return items or None


def _base_spec(
    dataset: Dataset, session: SessionDep, settings: SettingsDep, choice: str, label: str | None = None
) -> ExperimentSpec | None:
    """The base experiment (or the proposal), predicting `label` when one is given.

    None when no label is given and none stands out: the person picks it first.
    """
    spec = None
    chosen_id = parse_id(choice)
    if chosen_id is not None:
        experiment = get_experiment(session=session, experiment_id=chosen_id)
        if experiment is not None and experiment.dataset_id == dataset.id:
            spec = ExperimentSpec.model_validate(experiment.spec)
    target = label if label is not None else (spec.label if spec else default_label(dataset))
    if not target:
        return None
    leaking = leaking_for(dataset, target, settings.datasets_dir)
    return ExperimentSpec.model_validate(initial_state(dataset, leaking, spec, label=target).spec_dict)


def _read_form(dataset: Dataset, form: FormData, session: SessionDep, settings: SettingsDep) -> SweepForm:
    raw_label = form.get("label")
    state = SweepForm(
        base_choice=str(form.get("base", "proposal")),
        label=str(raw_label) if raw_label is not None else None,
        epochs=str(form.get("epochs", "")).strip(),
        values={key: str(form.get(key, "")) for key in SPACE_KEYS},
        strategy=str(form.get("strategy", "grid")),
        samples=str(form.get("samples", "")).strip(),
        repeats=str(form.get("repeats", "")).strip(),
    )
    spec = _base_spec(dataset, session, settings, state.base_choice, state.label)
    if spec is None:
        state.problems = [CHOOSE_LABEL_FIRST]
        return state
    state.label = spec.label
    state.explanation = label_explanation(dataset, spec)
    base = spec.model_dump(mode="json")
    if state.epochs:
        base["training"]["epochs"] = state.epochs
    space = {key: items for key in SPACE_KEYS if (items := _split_values(state.values[key])) is not None}
    data: dict[str, Any] = {"base": base, "space": space, "strategy": state.strategy, "repeats": state.repeats or 1}
    if state.strategy == "random":
        data["samples"] = state.samples or None
    try:
        state.request = SweepRequest.model_validate(data)
    except ValidationError as error:
        state.problems = [_sentence(message, space) for message in validation_messages(error)]
    state.problems += problems_with_spec(spec, dataset)
    return state


def _sentence(message: str, space: dict[str, list[str]]) -> str:
    """`space.units.1: Input should be…` → `Units per layer, “abc”: input should be…`."""
    where, _, text = message.partition(": ")
    parts = where.split(".")
    if not text:
        where, text = "", message
    elif parts[0] == "space" and len(parts) == 3 and parts[1] in space and parts[2].isascii() and parts[2].isdigit():
        where = f"{SPACE_LABELS[parts[1]]}, “{space[parts[1]][int(parts[2])]}”"
    elif parts[0] == "space" and len(parts) >= 2:
        where = SPACE_LABELS.get(parts[1], parts[1])
    elif where == "base.training.epochs":
        where = "Epochs"
    elif where in ("repeats", "samples"):
        where = where.capitalize()
    sentence = f"{where[:1].upper()}{where[1:]}: {text[:1].lower()}{text[1:]}" if where else text[:1].upper() + text[1:]
    return sentence.rstrip(".") + "."


def _preview(request: Request, session: SessionDep, settings: SettingsDep, dataset: Dataset, state: SweepForm,
             status_code: int = 200) -> dict[str, Any]:
    context: dict[str, Any] = {
        "state": state, "dataset": dataset, "estimate": None, "duration": None, "workers": settings.workers
    }
    if state.request is not None and not state.problems:
        try:
            guess = sweeps.estimate_sweep(session, settings, state.request, dataset)
        except ServiceError as error:
            state.problems = [error.detail]
        else:
            context["estimate"], context["duration"] = guess, duration_text(guess.seconds)
    return context


def _bases(session: SessionDep, dataset: Dataset) -> list[dict[str, Any]]:
    return [experiment_summary(e) for e in list_experiments(session=session, dataset_id=dataset.id)]


@router.get("/datasets/{dataset_id}/sweeps/new", response_class=HTMLResponse)
def new_sweep(
    dataset_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    from_experiment: Annotated[int | None, Query(alias="from", ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    dataset = dataset_or_404(session, dataset_id)
    bases = _bases(session, dataset)
    choice = str(from_experiment) if from_experiment else (str(bases[0]["id"]) if bases else "proposal")
    base = _base_spec(dataset, session, settings, choice)
    state = SweepForm(base_choice=choice, epochs=str(base.training.epochs) if base else "")
    state.values = {key: "" for key in SPACE_KEYS}
    if base is None:
        state.label, state.problems = "", [CHOOSE_LABEL_FIRST]
    else:
        state.label, state.explanation = base.label, label_explanation(dataset, base)
    return render(request, "sweep_new.html", dataset=dataset, bases=bases, base=base, state=state,
                  labels=SPACE_LABELS, hints=SPACE_HINTS, estimate=None, duration=None, section="sweeps",
                  workers=settings.workers)


@router.post("/datasets/{dataset_id}/sweeps/preview", response_class=HTMLResponse)
def preview(
    dataset_id: PathId, request: Request, session: SessionDep, settings: SettingsDep, form: FormDep
) -> HTMLResponse:
    dataset = dataset_or_404(session, dataset_id)
    state = _read_form(dataset, form, session, settings)
    return render(request, "_sweep_preview.html", **_preview(request, session, settings, dataset, state))


@router.post("/datasets/{dataset_id}/sweeps")
def create(
    dataset_id: PathId, request: Request, session: SessionDep, settings: SettingsDep, form: FormDep
) -> Response:
    dataset = dataset_or_404(session, dataset_id)
    state = _read_form(dataset, form, session, settings)
    context = _preview(request, session, settings, dataset, state)
    sweep = None
    if not state.problems and state.request is not None:
        try:
            sweep = sweeps.start_sweep(session, settings, state.request, dataset)
        except ServiceError as error:  # a configuration over the budget, say: said beside the form
            state.problems = [error.detail]
    if sweep is None:
        if is_htmx(request):
            return render(request, "_sweep_preview.html", status_code=422, **context)
        base = _base_spec(dataset, session, settings, state.base_choice, state.label)
        return render(request, "sweep_new.html", status_code=422, bases=_bases(session, dataset), base=base,
                      labels=SPACE_LABELS, hints=SPACE_HINTS, section="sweeps", **context)
    return go_to(request, f"/sweeps/{sweep.id}")


def _sorted(rows: list[dict[str, Any]], sort: str, order: str) -> list[dict[str, Any]]:
    def key(row: dict[str, Any]) -> Any:
        if sort == "rank":
            value = row["rank"]
        elif sort == "validation":
            value = row["validation_mean"]
        elif sort == "done":
            value = row["done"]
        elif sort == "config":
            value = row["config"]
        else:
            value = row["values"].get(sort)
        return (value is None, value if not isinstance(value, str) else value.lower())

    ranked = sorted(rows, key=key)
    if order == "desc":
        present = [row for row in ranked if key(row)[0] is False][::-1]
        return present + [row for row in ranked if key(row)[0] is True]
    return ranked


def _live_context(session: SessionDep, sweep: Sweep, sort: str = "rank", order: str = "asc") -> dict[str, Any]:
    sort = sort if sort in SORT_KEYS else "rank"
    order = "desc" if order == "desc" else "asc"
    detail = sweep_detail(session, sweep)
    metric = "R²" if detail["metric"] == "r2" else "Accuracy" if detail["metric"] else "Validation metric"
    return {
        "sweep": sweep,
        "detail": detail,
        "dataset": sweep.dataset,
        "rows": _sorted(detail["leaderboard"], sort, order),
        "keys": list(sweep.configs[0]) if sweep.configs else [],
        "labels": SPACE_LABELS,
        "metric_name": metric,
        "charts": effect_charts(sweep_effects(session, sweep), metric),
        "sort": sort,
        "order": order,
        "active": detail["status"] in ("queued", "running"),
        "estimate": duration_text(sweep.estimate_seconds) if sweep.estimate_seconds is not None else None,
        "show_value": show_value,
        "section": "sweeps",
    }


@router.get("/sweeps/{sweep_id}", response_class=HTMLResponse)
def sweep_page(sweep_id: PathId, request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "sweep.html", **_live_context(session, sweep_or_404(session, sweep_id)))


@router.get("/sweeps/{sweep_id}/live", response_class=HTMLResponse)
def sweep_live(
    sweep_id: PathId, request: Request, session: SessionDep, sort: str = "rank", order: str = "asc"
) -> HTMLResponse:
    return render(request, "_sweep_live.html", **_live_context(session, sweep_or_404(session, sweep_id), sort, order))


def _sorting(form: FormData) -> tuple[str, str]:
    return str(form.get("sort", "rank")), str(form.get("order", "asc"))


@router.post("/sweeps/{sweep_id}/cancel")
def cancel(sweep_id: PathId, request: Request, session: SessionDep, form: FormDep) -> Response:
    sweep = sweeps.cancel(session, sweep_or_404(session, sweep_id))
    return fragment_or_page(request, "_sweep_live.html", f"/sweeps/{sweep_id}",
                            lambda: _live_context(session, sweep, *_sorting(form)))


@router.post("/sweeps/{sweep_id}/reveal")
def reveal(sweep_id: PathId, request: Request, session: SessionDep, form: FormDep) -> Response:
    sweep = sweeps.reveal(session, sweep_or_404(session, sweep_id), parse_id(str(form.get("config", ""))))
    return fragment_or_page(request, "_sweep_live.html", f"/sweeps/{sweep_id}",
                            lambda: _live_context(session, sweep, *_sorting(form)))


@router.post("/sweeps/{sweep_id}/promote")
def promote(sweep_id: PathId, request: Request, session: SessionDep, settings: SettingsDep, form: FormDep) -> Response:
    sweep = sweep_or_404(session, sweep_id)
    experiment = sweeps.promote(session, settings, sweep, parse_id(str(form.get("config", ""))))
    return go_to(request, f"/experiments/{experiment.id}")


@router.get("/sweeps", response_class=HTMLResponse)
def sweeps_list(
    request: Request, session: SessionDep, dataset_id: QueryId = None
) -> HTMLResponse:
    dataset = dataset_or_404(session, dataset_id) if dataset_id else None
    rows = [sweep_summary(session, sweep) for sweep in list_sweeps(session=session, dataset_id=dataset_id)]
    return render(request, "sweeps.html", sweeps=rows, dataset=dataset, section="sweeps")
