"""Inside the network: pause, step and resume a run; its recorded snapshots with hints; and
what a trained model does as its features move (decision surface, dependence curves)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from sqlalchemy.orm import Session

from app.config import Settings
from app.db.experiments import experiment_dir
from app.db.inspection import inspection_snapshots
from app.db.models import Experiment
from app.db.pausing import PauseConflict, request_pause, request_resume, request_step
from app.jobs.experiment_data import load_experiment_frame
from app.jobs.explanations import TrainingRows, UnknownFeature, training_rows
from app.jobs.inspection_hints import hints
from app.jobs.predictions import TrainedModel
from app.services.errors import ServiceError
from app.services.predictions import trained_model

Control = Literal["pause", "step", "resume"]
CONTROLS = {"pause": request_pause, "step": request_step, "resume": request_resume}


def control(session: Session, experiment: Experiment, action: Control) -> Experiment:
    """Pause after the current epoch, step one epoch while paused, or resume; 409 when the
    run's state does not allow it."""
    try:
        CONTROLS[action](session=session, experiment=experiment)
    except PauseConflict as exc:
        raise ServiceError(409, str(exc)) from exc
    return experiment


def inspection_of(session: Session, experiment: Experiment) -> dict[str, Any]:
    """Every recorded snapshot in epoch order, the input names and the hints."""
    snapshots = inspection_snapshots(session=session, experiment_id=experiment.id)
    inputs = next((snapshot["inputs"] for snapshot in snapshots if "inputs" in snapshot), [])
    return {
        "id": experiment.id,
        "status": experiment.status,
        "epochs_done": experiment.epochs_done,
        "inputs": inputs,
        "epochs": [{key: value for key, value in snapshot.items() if key != "inputs"} for snapshot in snapshots],
        "hints": hints(snapshots),
    }


def explain(
    settings: Settings, experiment: Experiment, explanation: Callable[[TrainedModel, TrainingRows], dict[str, Any]]
) -> dict[str, Any]:
    """Run `explanation` on the model and its training rows (read as the experiment read them);
    422 for a feature or value the model cannot take. CPU work: call it from a worker thread."""
    model = trained_model(settings, experiment)
    frame = load_experiment_frame(settings.datasets_dir, experiment)
    try:
        return explanation(model, training_rows(frame, experiment_dir(settings.experiments_dir, experiment.id)))
    except UnknownFeature as exc:
        raise ServiceError(422, str(exc)) from exc
