"""`LAYERLAB_EXECUTOR=dask`: experiments run as Dask tasks on a cluster.

One server thread claims queued experiments while the cluster has free threads (so a
sweep's runs stay `queued` until a worker can take them, and every worker stays busy),
submits `cluster_task.run_experiment_task` with the dataset's scattered rows, writes
the epochs its runs send (`cluster_channel`), mirrors cancel and pause requests into
each run's control variable, stores each result, and fans a completed run's
cross-validation out as one task per fold. A run whose Dask worker dies ends
`interrupted` with the worker's address; when this server stops, its runs go back to
the queue, and a server that died is found out by the next one (`requeue_dead_cluster_runs`).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.cluster_runs import (
    CLUSTER_WORKER_PREFIX,
    cluster_instances,
    renew_cluster_leases,
    requeue_claims,
    requeue_orphaned_cluster_runs,
    run_controls,
)
from app.db.leases import claim_next_experiment, interrupt_instance_runs, new_claim_token
from app.db.models import CrossValidationStatus, ExperimentStatus
from app.db.session import make_engine, make_session_factory
from app.jobs.cluster_channel import control_value, runs_queue_name
from app.jobs.cluster_inputs import RunInputs, ScatteredData, run_inputs
from app.jobs.cluster_store import (
    LEASE_SECONDS,
    FoldResults,
    apply_message,
    end_run,
    failed_reason,
    store_folds,
    store_result,
)
from app.jobs.cluster_task import run_experiment_task, run_fold_task
from app.jobs.instances import InstanceLock, instances_dir, local_instance_alive

logger = logging.getLogger("layerlab.dask")

TICK_SECONDS = 0.1
CONTROL_EVERY_SECONDS = 0.25
SLOW_EVERY_SECONDS = 1.0
CONNECT_RETRY_SECONDS = 5.0
WORKER_LOST_REASON = (
    "The Dask worker {address} running this experiment stopped unexpectedly (killed, out of memory or "
    "disconnected); press Restart to run it again."
)
CLUSTER_LOST_REASON = "The Dask cluster lost this run ({state}); press Restart to run it again."


@dataclass
class _Run:
    inputs: RunInputs
    worker_id: str
    future: Any
    variable: Any
    address: str | None = None
    control: tuple[bool, str | None] = (False, None)
    version: int = 0
    folds: FoldResults | None = None
    fold_futures: list[Any] = field(default_factory=list)

    @property
    def experiment_id(self) -> int:
        return self.inputs.job.experiment_id

    @property
    def claim_token(self) -> str:
        return self.inputs.job.claim_token


def requeue_dead_cluster_runs(*, session: Session, instances: Path) -> int:
    """At start-up, before dead runs are interrupted: what a previous server's cluster ran is queued again."""
    dead = [instance for instance in cluster_instances(session=session)
            if local_instance_alive(instances, instance) is False]  # (this check removes a dead one's file)
    requeued = requeue_orphaned_cluster_runs(session=session, dead_instances=dead)
    for instance in dead:  # so its other runs, if any, end as the supervisor would end them
        interrupt_instance_runs(session=session, instance_id=instance)
    return requeued


class DaskExecutor:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.instance_id = uuid.uuid4().hex
        self._instance = InstanceLock(instances_dir(settings.data_dir), self.instance_id)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._main, name="layerlab-dask", daemon=True)
        self._runs: dict[str, _Run] = {}  # by claim token: main runs, then their folds
        self._claimed = 0
        self._capacity = 0
        self._timers = {"control": 0.0, "slow": 0.0}
        self.client: Any = None
        self.cluster: Any = None
        self.connected = threading.Event()

    # Life -------------------------------------------------------------------------

    def start(self) -> None:
        self._instance.acquire()
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _connect(self) -> None:
        from distributed import Client, LocalCluster, Queue

        if self._settings.dask_scheduler:
            self.client = Client(self._settings.dask_scheduler, timeout=10)
        else:
            self.cluster = LocalCluster(n_workers=self._settings.workers, threads_per_worker=1, processes=True,
                                        dashboard_address=":0")
            self.client = Client(self.cluster)
        self._queue = Queue(runs_queue_name(self.instance_id), client=self.client)
        self._data = ScatteredData(self.client)

    def _main(self) -> None:
        engine = make_engine(self._settings.resolved_database_url)
        self._sessions: sessionmaker[Session] = make_session_factory(engine)
        try:
            while not self._done.is_set():
                try:
                    self._connect()
                    break
                except Exception:  # no scheduler yet: keep the queue and try again
                    logger.exception("Could not reach the Dask scheduler; trying again")
                    self._done.wait(CONNECT_RETRY_SECONDS)
            if self.client is None:
                return
            self.connected.set()
            while not self._done.wait(TICK_SECONDS):
                try:
                    self.tick()
                except Exception:  # a hiccup of the database or the scheduler must not end the executor
                    logger.exception("The Dask executor failed a round; trying again")
        finally:
            self._shut_down()
            engine.dispose()

    def _shut_down(self) -> None:
        runs = list(self._runs.values())
        self._runs.clear()
        for run in runs:
            self._stop_task(run)
        if runs:
            with self._sessions() as session:
                requeue_claims(session=session, claim_tokens=[run.claim_token for run in runs if run.folds is None])
                for run in runs:
                    if run.folds is not None:
                        store_folds(session=session, experiment_id=run.experiment_id, claim_token=run.claim_token,
                                    result={**run.folds.result, "status": CrossValidationStatus.FAILED,
                                            "error": "The server stopped before cross-validation finished."})
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self._instance.release()

    # One round ----------------------------------------------------------------------

    def tick(self) -> None:
        self._drain()
        for run in list(self._runs.values()):
            if run.folds is None and run.future.done():
                self._drain()  # a task's last messages are queued before its result
                self._finish(run)
            elif run.folds is not None:
                self._collect_folds(run)
        now = time.monotonic()
        if now - self._timers["slow"] >= SLOW_EVERY_SECONDS:
            self._timers["slow"] = now
            self._check_cluster()
        if now - self._timers["control"] >= CONTROL_EVERY_SECONDS:
            self._timers["control"] = now
            self._publish_controls()
            self._fill()

    def _busy(self) -> int:
        return sum(len([f for f in run.fold_futures if not f.done()]) if run.folds else 1
                   for run in self._runs.values())

    def _fill(self) -> None:
        while self._busy() < self._capacity and not self._done.is_set():
            if not self._submit_next():
                return

    def _submit_next(self) -> bool:
        token = new_claim_token()
        self._claimed += 1
        worker_id = f"{CLUSTER_WORKER_PREFIX}{self.instance_id[:16]}:{self._claimed}"
        with self._sessions() as session:
            experiment_id = claim_next_experiment(session=session, worker_id=worker_id, lease_seconds=LEASE_SECONDS,
                                                  claim_token=token, instance_id=self.instance_id,
                                                  max_running_per_owner=self._settings.running_limit_per_owner)
            if experiment_id is None:
                return False
            inputs = run_inputs(session=session, settings=self._settings, experiment_id=experiment_id,
                                claim_token=token, queue=runs_queue_name(self.instance_id))
        from distributed import Variable

        variable = Variable(inputs.job.control, client=self.client)
        run = _Run(inputs, worker_id, None, variable)
        self._publish(run, force=True)
        try:
            data = self._data.future(inputs)
        except (OSError, ValueError) as exc:
            with self._sessions() as session:
                end_run(session=session, experiment_id=experiment_id, claim_token=token,
                        status=ExperimentStatus.FAILED, reason=f"The dataset could not be read: {exc}")
            variable.delete()
            return True
        run.future = self.client.submit(run_experiment_task, inputs.job, data, pure=False,
                                        key=f"layerlab-experiment-{experiment_id}-{token[:8]}")
        self._runs[token] = run
        return True

    def _drain(self) -> None:
        messages = self._queue.get(batch=True)
        if not messages:
            return
        with self._sessions() as session:
            for message in messages:
                run = self._runs.get(message["claim_token"])
                if run is None or run.folds is not None:
                    continue
                if message["kind"] == "started":
                    if run.address is not None and message.get("address") != run.address:
                        self._lose(run, WORKER_LOST_REASON.format(address=run.address))  # Dask ran it again
                        continue
                    run.address = message.get("address")
                apply_message(session=session, message=message, worker_id=run.worker_id)

    def _finish(self, run: _Run) -> None:
        del self._runs[run.claim_token]
        future = run.future
        result: dict[str, Any] | None = None
        with self._sessions() as session:
            if future.status == "finished":
                result = future.result()
                store_result(session=session, experiments_dir=self._settings.experiments_dir,
                             experiment_id=run.experiment_id, claim_token=run.claim_token, result=result)
            elif future.status == "error":
                error = future.exception()
                if type(error).__name__ == "KilledWorker":
                    status, reason = ExperimentStatus.INTERRUPTED, WORKER_LOST_REASON.format(
                        address=run.address or "")
                else:
                    logger.error("Experiment %s failed on the cluster", run.experiment_id, exc_info=error)
                    status, reason = ExperimentStatus.FAILED, failed_reason(error)
                end_run(session=session, experiment_id=run.experiment_id, claim_token=run.claim_token,
                        status=status, reason=reason)
            else:  # cancelled or lost by the scheduler: most often with the worker that ran it
                gone = run.address is not None and run.address not in self._workers()
                reason = (WORKER_LOST_REASON.format(address=run.address) if gone
                          else CLUSTER_LOST_REASON.format(state=future.status))
                end_run(session=session, experiment_id=run.experiment_id, claim_token=run.claim_token,
                        status=ExperimentStatus.INTERRUPTED, reason=reason)
        future.release()
        if result and run.inputs.folds and result["status"] == ExperimentStatus.COMPLETED:
            self._start_folds(run)
        else:
            run.variable.delete()

    # Cross-validation -----------------------------------------------------------------

    def _start_folds(self, run: _Run) -> None:
        k = int(run.inputs.folds or 0)
        run.folds = FoldResults(k)
        with self._sessions() as session:
            if not store_folds(session=session, experiment_id=run.experiment_id, claim_token=run.claim_token,
                               result=run.folds.result):
                run.variable.delete()
                return
        data = self._data.future(run.inputs)
        run.fold_futures = [
            self.client.submit(run_fold_task, dataclasses.replace(run.inputs.job, fold=number), data, pure=False,
                               key=f"layerlab-fold-{run.experiment_id}-{number}-{run.claim_token[:8]}")
            for number in range(1, k + 1)
        ]
        self._runs[run.claim_token] = run

    def _collect_folds(self, run: _Run) -> None:
        assert run.folds is not None
        for future in [f for f in run.fold_futures if f.done()]:
            run.fold_futures.remove(future)
            answer = future.result() if future.status == "finished" else None
            if future.status == "error":
                logger.error("A fold of experiment %s failed on the cluster", run.experiment_id,
                             exc_info=future.exception())
            result = run.folds.add(answer, cancelled=False)
            future.release()
            with self._sessions() as session:
                stored = store_folds(session=session, experiment_id=run.experiment_id,
                                     claim_token=run.claim_token, result=result)
            if not stored or result["status"] != CrossValidationStatus.RUNNING:
                for rest in run.fold_futures:
                    rest.cancel()
                run.fold_futures.clear()
        if not run.fold_futures:
            del self._runs[run.claim_token]
            run.variable.delete()

    # The person's requests, the leases and the workers ----------------------------------

    def _publish(self, run: _Run, force: bool = False, cancel: bool = False, pause: str | None = None) -> None:
        if force or (cancel, pause) != run.control:
            run.control, run.version = (cancel, pause), run.version + 1
            run.variable.set(control_value(cancel=cancel, pause=pause, version=run.version))

    def _publish_controls(self) -> None:
        runs = [run for run in self._runs.values() if run.folds is None]
        with self._sessions() as session:
            controls = run_controls(session=session, experiment_ids=[run.experiment_id for run in runs])
        for run in runs:
            cancel, pause, status = controls.get(run.experiment_id, (True, None, ExperimentStatus.CANCELLED))
            if status not in ExperimentStatus.LEASED:  # deleted, restarted or given up: nothing more to write
                del self._runs[run.claim_token]
                self._stop_task(run)
                run.variable.delete()
                continue
            self._publish(run, cancel=cancel, pause=pause)

    def _workers(self) -> dict[str, Any]:
        return dict(self.client.scheduler_info(n_workers=-1)["workers"])

    def _check_cluster(self) -> None:
        workers = self._workers()
        self._capacity = sum(int(worker.get("nthreads", 1)) for worker in workers.values())
        claims = [run.claim_token for run in self._runs.values()]
        with self._sessions() as session:
            renew_cluster_leases(session=session, claim_tokens=claims, lease_seconds=LEASE_SECONDS)
        for run in list(self._runs.values()):
            if run.folds is None and run.address is not None and run.address not in workers:
                self._lose(run, WORKER_LOST_REASON.format(address=run.address))

    def _lose(self, run: _Run, reason: str) -> None:
        self._runs.pop(run.claim_token, None)
        self._stop_task(run)
        with self._sessions() as session:
            end_run(session=session, experiment_id=run.experiment_id, claim_token=run.claim_token,
                    status=ExperimentStatus.INTERRUPTED, reason=reason)
        run.variable.delete()

    def _stop_task(self, run: _Run) -> None:
        """Ask the task to stop (it polls its control variable) and drop its future."""
        try:
            run.variable.set(control_value(cancel=True, pause=None, version=run.version + 1))
        except Exception:  # the scheduler may be gone already
            logger.debug("Could not reach the control variable of experiment %s", run.experiment_id)
        for future in [run.future, *run.fold_futures]:
            if future is not None:
                future.cancel()
