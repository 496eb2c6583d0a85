"""Services are called with a session and settings, as the routers call them: no HTTP here."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.migrations import upgrade_to_head
from app.db.models import Experiment
from app.db.session import make_engine, make_session_factory


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    """A session on a migrated, empty database in the test's data directory."""
    settings.prepare_directories()
    upgrade_to_head(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as opened:
        yield opened
    engine.dispose()


DIRECTIONS = "size,colour,direction\n" + "".join(
    f"{i % 30 + 0.5},{['red', 'blue', 'green'][i % 3]},{'up' if i % 30 >= 15 else 'down'}\n" for i in range(90)
)


@pytest.fixture
def queue(session: Session, settings: Settings) -> Callable[..., Experiment]:
    """`queue(label)`: a new dataset of 90 rows (size, colour, direction) and a two-epoch
    experiment predicting `label` on it, queued through the services."""
    from app.services import datasets, experiments
    from app.specs import ExperimentSpec

    def make(label: str = "direction") -> Experiment:
        path = settings.datasets_dir / f"upload-{label}.part"
        path.write_text(DIRECTIONS)
        dataset = datasets.add_file(session, settings, path, "directions.csv")
        spec = ExperimentSpec.model_validate({"dataset_id": dataset.id, "label": label, "training": {"epochs": 2}})
        return experiments.queue_experiment(session, settings, dataset, spec)

    return make
