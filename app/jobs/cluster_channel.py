"""How a Dask task and the server talk while a run trains.

Up: one distributed `Queue` per server (`runs_queue_name`) carries each run's messages,
tagged with its claim token: `started` (the worker's address), `epoch` (one epoch's
row), `paused` / `resumed`. The server writes them to the database, so the pages,
the API and the event stream read them as they read a local worker's.

Down: one distributed `Variable` per run (`control_name`) holds what the person asked:
`{"cancel": bool, "pause": None | "pause" | "step", "version": n}`. The training loop
polls it between batches and epochs (cooperative cancel), and a task whose future was
cancelled or released (its server gone) stops as well.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.data.numbers import finite
from app.db.models import PauseControl
from app.engine import EpochReport, Network
from app.jobs.inspection_recorder import InspectionRecorder, probe_sample

CONTROL_POLL_SECONDS = 0.25
PAUSE_POLL_SECONDS = 0.2


def runs_queue_name(instance_id: str) -> str:
    return f"layerlab-runs-{instance_id}"


def control_name(claim_token: str) -> str:
    return f"layerlab-control-{claim_token}"


def control_value(*, cancel: bool, pause: str | None, version: int) -> dict[str, Any]:
    return {"cancel": cancel, "pause": pause, "version": version}


class TaskChannel(Protocol):
    def send(self, kind: str, **payload: Any) -> None: ...

    def control(self) -> dict[str, Any]: ...

    def abandoned(self) -> bool: ...


class DaskChannel:
    """The task's side, inside a Dask worker: the queue up, the control variable down."""

    def __init__(self, queue: str, control: str, experiment_id: int, claim_token: str) -> None:
        from distributed import Queue, Variable, get_worker
        from distributed.worker import thread_state

        self._worker = get_worker()
        self._key = thread_state.key
        self._queue = Queue(queue)
        self._control = Variable(control)
        self._tag = {"experiment_id": experiment_id, "claim_token": claim_token}
        self._last: dict[str, Any] = control_value(cancel=False, pause=None, version=0)

    @property
    def address(self) -> str:
        return str(self._worker.address)

    def send(self, kind: str, **payload: Any) -> None:
        self._queue.put({"kind": kind, **self._tag, **payload})

    def control(self) -> dict[str, Any]:
        with contextlib.suppress(TimeoutError):  # a slow scheduler: keep what we last knew
            self._last = self._control.get(timeout=5)
        return self._last

    def abandoned(self) -> bool:
        """The future was cancelled, or released because no client wants it any more."""
        task = self._worker.state.tasks.get(self._key)
        return task is None or task.state != "executing"


@dataclass
class ChannelProgress:
    """The training loop's callbacks for a run on the cluster (the local runner's `_Progress`)."""

    channel: TaskChannel
    seed: int
    best_epoch: int | None = None
    cancelled: bool = False
    abandoned: bool = False
    recorder: InspectionRecorder | None = None
    last_check: float = field(default_factory=time.monotonic)
    used_version: int = -1  # the control version whose step was already taken
    stepping: bool = False

    def attach(self, net: Network, rows: Any, input_names: list[str]) -> None:
        self.recorder = InspectionRecorder(net, probe_sample(rows, seed=self.seed), input_names)

    def on_epoch(self, report: EpochReport) -> None:
        if report.improved:  # the engine's verdict: the loss or the chosen early-stopping metric
            self.best_epoch = report.epoch
        inspection = self.recorder.after_epoch(report) if self.recorder else None
        self.channel.send(
            "epoch", best_epoch=self.best_epoch,
            row={"epoch": report.epoch, "train_loss": finite(report.train_loss),
                 "val_loss": finite(report.val_loss), "train_metric": finite(report.train_metric),
                 "val_metric": finite(report.val_metric), "seconds": report.seconds,
                 "inspection": inspection},
        )
        self._hold_while_paused(report.epoch, inspection is not None)

    def _hold_while_paused(self, epoch: int, inspected: bool) -> None:
        control = self._read()
        asked = control["pause"] == PauseControl.PAUSE or self.stepping
        self.stepping = False
        if self.cancelled or not asked:
            return
        if not inspected and self.recorder is not None:  # show the epoch it stopped at
            self.channel.send("inspection", epoch=epoch, inspection=self.recorder.snapshot(epoch))
        self.channel.send("paused")
        while not self.abandoned:
            time.sleep(PAUSE_POLL_SECONDS)
            control = self._read()
            step = control["pause"] == PauseControl.STEP and control["version"] != self.used_version
            if self.cancelled or control["pause"] is None or step:
                if step:
                    self.used_version, self.stepping = control["version"], True
                self.channel.send("resumed")
                return

    def _read(self) -> dict[str, Any]:
        control = self.channel.control()
        self.cancelled = self.cancelled or bool(control["cancel"])
        self.abandoned = self.abandoned or self.channel.abandoned()
        self.last_check = time.monotonic()
        return control

    def should_stop(self) -> bool:
        if not (self.cancelled or self.abandoned) and time.monotonic() - self.last_check >= CONTROL_POLL_SECONDS:
            self._read()
        return self.cancelled or self.abandoned
