"""One experiment's JSON, the route every open experiment page polls, kept serialised once it
has finished (its row then changes only when a person changes it: a threshold, a restart).

A reply is keyed by the experiment's id and `DetailVersion` (its row's version, and its
sweep's revealed configuration), read afresh on each request with the principal's view: a
changed row misses, and a row the principal may not read answers 404 before the cache is asked.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from fastapi import Response
from sqlalchemy.orm import Session

from app.db.experiments import DetailVersion, detail_version, get_experiment_alone, version_of
from app.db.models import ExperimentStatus
from app.web.contract.experiments import ExperimentDetail
from app.web.contract_json import contract_json
from app.web.deps import experiment_not_found
from app.web.serializers import experiment_detail

CACHE_BYTES = 32 * 1024 * 1024  # ~500 finished experiments of ~60 kB

CacheKey = tuple[int, DetailVersion]  # the experiment's id, and what its detail depends on


class FinishedDetails:
    """A bounded LRU of finished experiments' JSON bodies, shared by the route's threads."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self._max_bytes = max_bytes
        self._bodies: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> bytes | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, key: CacheKey, body: bytes) -> None:
        if len(body) > self._max_bytes:
            return
        with self._lock:
            old = self._bodies.pop(key, None)
            self._bytes += len(body) - (len(old) if old is not None else 0)
            self._bodies[key] = body
            while self._bytes > self._max_bytes:
                _, evicted = self._bodies.popitem(last=False)
                self._bytes -= len(evicted)


def experiment_json(session: Session, cache: FinishedDetails, experiment_id: int) -> Response:
    """The experiment's detail as JSON: from the cache when its row has not changed since."""
    version = detail_version(session=session, experiment_id=experiment_id)
    if version is None:
        raise experiment_not_found(experiment_id)
    if (body := cache.get((experiment_id, version))) is not None:
        return Response(body, media_type="application/json")
    experiment = get_experiment_alone(session=session, experiment_id=experiment_id)
    if experiment is None:  # deleted since
        raise experiment_not_found(experiment_id)
    response = contract_json(ExperimentDetail.model_validate(experiment_detail(session, experiment)))
    # Finished, with its end stamped: nothing in its detail moves with the clock or the queue.
    if experiment.status in ExperimentStatus.FINISHED and experiment.finished_at is not None:
        cache.put((experiment_id, version_of(experiment)), bytes(response.body))
    return response
