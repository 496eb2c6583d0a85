"""Every route of the app, walked with hostile ids, bodies, queries and headers: never a 5xx.

The routes come from the app's own router and the form field names from the
templates, so routes and forms added later are walked without editing this test.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

HOSTILE_NUMBERS = [
    str(2**63),
    "1" + "0" * 40,
    "-1",
    "²",
    "٣",  # an Arabic-Indic digit: Python's int() reads it, an id must not
    "NaN",
]
DEEP_JSON = b"[" * 50_000 + b"]" * 50_000
BODIES: list[tuple[str, bytes, str]] = [
    ("deep JSON", DEEP_JSON, "application/json"),
    ("broken JSON", b'{"dataset_id": 1, "label": ', "application/json"),
    ("JSON huge ints", f'{{"dataset_id": {2**70}, "label": "x", "config": {2**64}}}'.encode(), "application/json"),
    ("JSON superscript", '{"dataset_id": "²", "label": "²", "config": "²"}'.encode(), "application/json"),
    ("text", "²".encode(), "text/plain"),
    ("multipart without boundary", b"--x\r\n", "multipart/form-data"),
    ("multipart cut short", b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\na,b\n1',
     "multipart/form-data; boundary=b"),
]


def _form_field_names() -> list[str]:
    """Every `name="..."` of the templates, Jinja expressions replaced by 0 (`layers.0.units`)."""
    names: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        for raw in re.findall(r'name="([^"]+)"', template.read_text()):
            names.add(re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "0", raw))
    return sorted(names)


def _form(value: str) -> bytes:
    fields = _form_field_names()
    return "&".join(f"{quote(name)}={quote(value)}" for name in fields).encode()


@pytest.fixture
def hostile_client(settings: Settings, run_queued: Callable[[], int]) -> Iterator[TestClient]:
    """An app holding a dataset, a finished experiment and a finished sweep (all id 1 or more)."""
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        csv = "x,y,label\n" + "".join(f"{i % 7},{i * 0.5},{'ab'[i % 2]}\n" for i in range(40))
        dataset = client.post("/api/datasets", files={"file": ("d.csv", io.BytesIO(csv.encode()), "text/csv")})
        assert dataset.status_code == 201, dataset.text
        spec = {"dataset_id": dataset.json()["id"], "label": "label", "training": {"epochs": 2}}
        assert client.post("/api/experiments", json=spec).status_code == 202
        sweep = client.post("/api/sweeps", json={"base": spec, "space": {"units": [2, 3]}})
        assert sweep.status_code == 202, sweep.text
        run_queued()
        client.app_routes = app.routes  # type: ignore[attr-defined]
        yield client


def _routes(client: TestClient) -> list[tuple[str, str, APIRoute]]:
    """(method, path template, route), reading routes first and deleting ones last."""
    found = [
        (method, context.path, context.original_route)
        for context in iter_route_contexts(client.app_routes)  # type: ignore[attr-defined]
        if isinstance(context.original_route, APIRoute)
        for method in sorted(context.methods or ())
    ]
    assert len(found) > 30, "the router should list the app's routes"
    return sorted(found, key=lambda item: (item[0] == "DELETE", "delete" in item[1], item[0] != "GET", item[1]))


def _fill(path: str, value: str, keep_real: bool) -> str:
    """The path with every parameter set to `value` (or to 1 / "iris" when keeping real ids)."""

    def replace(match: re.Match[str]) -> str:
        if keep_real:
            return "iris" if match.group(1) == "key" else "1"
        return quote(value, safe="")

    return re.sub(r"\{(\w+)(?::\w+)?\}", replace, path)


def _header_bytes(value: str) -> bytes:
    """As a hostile client sends it: one byte per character where it can (`²` is 0xB2)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode()


def _queries(route: APIRoute, value: str) -> str:
    names = [param.alias for param in route.dependant.query_params]
    return "&".join(f"{quote(name)}={quote(value)}" for name in names)


def test_no_route_answers_5xx_to_hostile_input(hostile_client: TestClient) -> None:
    client = hostile_client
    failures: list[str] = []

    def send(method: str, url: str, headers: dict[str, str] | None = None, **kwargs: object) -> None:
        raw_headers = {name: _header_bytes(value) for name, value in (headers or {}).items()}
        response = client.request(method, url, headers=raw_headers, **kwargs)  # type: ignore[arg-type]
        if response.status_code >= 500:
            failures.append(f"{method} {url} {headers or ''}: {response.status_code} {response.text[:120]}")

    for method, path, route in _routes(client):
        has_params = "{" in path
        for value in HOSTILE_NUMBERS if has_params else []:
            url = _fill(path, value, keep_real=False)
            send(method, url, headers={"last-event-id": "²", "hx-request": "true"})
        real = _fill(path, "", keep_real=True)
        for value in HOSTILE_NUMBERS[:4]:
            query = _queries(route, value)
            if query:
                send(method, f"{real}?{query}")
        if method == "GET":
            send(method, real, headers={"last-event-id": str(2**64)})
            continue
        for value in ("²", str(2**64)):
            send(method, real, content=_form(value),
                 headers={"content-type": "application/x-www-form-urlencoded", "hx-request": "true"})
        for _name, body, content_type in BODIES:
            send(method, real, content=body, headers={"content-type": content_type})
    assert not failures, f"{len(failures)} requests answered 5xx:\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("value", [str(2**63), "1" + "0" * 30, "-1", "²", "٣"])
@pytest.mark.parametrize(
    "path",
    ["/api/experiments/{}", "/api/datasets/{}", "/api/sweeps/{}", "/experiments/{}", "/api/experiments/{}/model"],
)
def test_an_impossible_id_is_a_sentence(client: TestClient, path: str, value: str) -> None:
    response = client.get(path.format(quote(value)), headers={"accept": "application/json"})
    assert response.status_code in (404, 422), response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.endswith(".")


@pytest.mark.parametrize("last_event_id", ["²", "1²", str(2**64), "-1", "٣"])
def test_a_garbage_last_event_id_replays_the_whole_stream(hostile_client: TestClient, last_event_id: str) -> None:
    headers = {"last-event-id": _header_bytes(last_event_id)}
    with hostile_client.stream("GET", "/api/experiments/1/events", headers=headers) as response:  # type: ignore[arg-type]
        assert response.status_code == 200
        text = "".join(response.iter_text())
    assert "id: 1\n" in text and "id: 2\n" in text
    assert "event: done" in text
