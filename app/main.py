"""create_app(settings): routers, static files, and a lifespan that migrates the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.config import Settings
from app.db.migrations import upgrade_to_head
from app.db.session import make_engine, make_session_factory
from app.jobs.dask_executor import requeue_dead_cluster_runs
from app.jobs.instances import instances_dir
from app.jobs.pool import make_executor
from app.jobs.supervisor import Supervisor, sweep_dead_runs
from app.web import (
    api_datasets,
    api_decisions,
    api_docs,
    api_experiments,
    api_inspection,
    api_results,
    api_sweeps,
    builder,
    cross_validation_pages,
    decision_pages,
    events,
    experiment_pages,
    network_pages,
    pages,
    prediction_pages,
    sweep_pages,
)
from app.web.accounts_app import install_accounts, prepare_accounts
from app.web.body_limit import BodyLimitMiddleware
from app.web.contract.openapi import document_real_errors
from app.web.errors import install_error_handlers
from app.web.experiment_json import FinishedDetails
from app.web.json_bodies import document_json_bodies
from app.web.security import SecurityMiddleware
from app.web.templating import make_templates
from app.web.uploads import remove_stray_parts

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.prepare_directories()
        remove_stray_parts(settings.datasets_dir)
        upgrade_to_head(settings.resolved_database_url)
        engine = make_engine(settings.resolved_database_url)
        app.state.session_factory = make_session_factory(engine)
        prepare_accounts(app.state.session_factory, settings)
        instances = instances_dir(settings.data_dir)
        with app.state.session_factory() as session:  # runs of a previous server of this database
            requeue_dead_cluster_runs(session=session, instances=instances)
            sweep_dead_runs(session=session, instances=instances)
        executor = app.state.executor = make_executor(settings)
        executor.start()
        supervisor = Supervisor(app.state.session_factory, instances, executor)
        supervisor.start()
        try:
            yield
        finally:
            executor.stop()
            supervisor.stop()
            engine.dispose()

    app = FastAPI(
        title="LayerLab",
        summary="Build, train and inspect neural networks on tabular data without code.",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's Swagger UI page loads from a CDN; ours is /api/docs (web/api_docs.py)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.templates = make_templates()
    app.state.finished_details = FinishedDetails()
    install_accounts(app, settings)
    app.add_middleware(BodyLimitMiddleware, limit_bytes=settings.max_json_bytes)
    app.add_middleware(SecurityMiddleware, allowed_hosts=settings.allowed_hosts)
    install_error_handlers(app)
    document_json_bodies(app)
    document_real_errors(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api_datasets.router)
    app.include_router(api_experiments.router)
    app.include_router(api_sweeps.router)
    app.include_router(cross_validation_pages.api_router)
    app.include_router(events.router)
    app.include_router(api_results.router)
    app.include_router(api_decisions.router)
    app.include_router(api_inspection.router)
    app.include_router(api_docs.router)
    app.include_router(pages.router)
    app.include_router(builder.router)
    app.include_router(experiment_pages.router)
    app.include_router(prediction_pages.router)
    app.include_router(decision_pages.router)
    app.include_router(network_pages.router)
    app.include_router(sweep_pages.router)
    app.include_router(cross_validation_pages.router)
    return app
