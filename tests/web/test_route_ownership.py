"""Every route of the app, walked as another member, as nobody, and with API tokens.

The routes come from the app's own router: a route added later is walked without editing
this test, and a path parameter it does not know how to fill fails it (add it to OWNED_IDS
or to NOT_OWNED below, saying whose object it names).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from app.config import Settings
from tests.web.accounts_helpers import CSV, Server, password_server, queue

SECRET_NAME = "ana-private-3f9c.csv"  # must never appear in what another member is shown
# Routes anyone may open: the sign-in form and its API twin, invite links (with their own token).
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/api/session"), ("GET", "/invite/{token}"),
          ("POST", "/invite/{token}")}
ADMIN_ONLY = re.compile(r"^/(admin|api/users)(/|$)")
# Path parameters that name no one's object: the same for every account.
NOT_OWNED = {"key": "iris", "token": "no-such-invite"}
# A valid request for routes that check their input before the object: the 404 must come from
# the object, not from a missing field. A route that answers 422 to an empty request needs one here.
VALID: dict[tuple[str, str], dict[str, object]] = {
    ("GET", "/api/experiments/{experiment_id}/dependence"): {"params": {"feature": "size"}},
    ("GET", "/api/experiments/{experiment_id}/surface"): {"params": {"x": "size", "y": "price"}},
    ("PUT", "/api/datasets/{dataset_id}/shared"): {"json": {"shared": True}},
    ("POST", "/api/experiments/{experiment_id}/continue"): {"json": {"epochs": 2}},
    ("POST", "/api/sweeps/{sweep_id}/reveal"): {"json": {"config": 1}},
    ("POST", "/experiments/{experiment_id}/continue"): {"data": {"epochs": "2"}},
    ("POST", "/api/datasets/{dataset_id}/sheets"): {"json": {"sheet": "Sheet1"}},
}
SIGN_OUT = {("POST", "/logout"), ("POST", "/logout/everywhere"), ("DELETE", "/api/session")}


@dataclass
class Owned:
    """Ana's objects, by path parameter name."""

    ids: dict[str, int]

    def fill(self, path: str) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in NOT_OWNED:
                return NOT_OWNED[name]
            if name not in self.ids:
                pytest.fail(f"{path}: no rule for the path parameter {name!r}; say whose object it names.")
            return str(self.ids[name])

        return re.sub(r"\{(\w+)(?::\w+)?\}", one, path)


def _routes(server: Server) -> list[tuple[str, str]]:
    """(method, path) of every route, reading ones first, deleting ones last."""
    found = {
        (method, context.path)
        for context in iter_route_contexts(server.app_client.app.routes)
        for method in (context.methods or ())
        if method != "HEAD"
    }
    assert len(found) > 40, "the router should list the app's routes"
    return sorted(found, key=lambda r: (r in SIGN_OUT, r[0] == "DELETE", "delete" in r[1] or "revoke" in r[1],
                                        r[0] != "GET", r[1]))


@pytest.fixture
def ana_and_ben(settings: Settings, run_queued: Callable[[], int]) -> Iterator[tuple[Server, Owned, str]]:
    with password_server(settings) as server:
        ana = server["ana"]
        response = ana.post("/api/datasets", files={"file": (SECRET_NAME, io.BytesIO(CSV.encode()), "text/csv")})
        dataset_id = int(response.json()["id"])
        experiment_id = queue(ana, dataset_id)
        spec = {"dataset_id": dataset_id, "label": "kind", "training": {"epochs": 2}}
        sweep = ana.post("/api/sweeps", json={"base": spec, "space": {"units": [2, 3]}})
        assert sweep.status_code == 202, sweep.text
        run_queued()
        token = ana.post("/api/tokens", json={"name": "script"}).json()
        spare = ana.post("/api/tokens", json={"name": "spare"}).json()  # the one the routes revoke
        ana_id = next(u["id"] for u in server["teacher"].get("/api/users").json() if u["username"] == "ana")
        ids = {"dataset_id": dataset_id, "experiment_id": experiment_id, "sweep_id": int(sweep.json()["id"]),
               "token_id": spare["id"], "user_id": ana_id}
        yield server, Owned(ids), token["token"]


def test_another_member_finds_nothing_of_anas_on_any_route(ana_and_ben: tuple[Server, Owned, str]) -> None:
    server, owned, _token = ana_and_ben
    ben = server["ben"]
    problems = []
    for method, path in _routes(server):
        if (method, path) in PUBLIC:
            continue
        url = owned.fill(path)
        response = ben.request(method, url, follow_redirects=False, **VALID.get((method, path), {}))  # type: ignore[arg-type]
        has_ids = "{" in path and any(f"{{{name}" in path for name in owned.ids)
        if ADMIN_ONLY.match(path):
            expected = {403}
        elif has_ids:
            expected = {404}
        else:
            expected = None  # a list or a form of Ben's own: it must not show Ana's work
        if expected is not None and response.status_code not in expected:
            problems.append(f"{method} {url}: {response.status_code}, expected {sorted(expected)}")
        if SECRET_NAME in response.text:
            problems.append(f"{method} {url}: shows Ana's dataset to Ben")
    assert problems == [], "\n".join(problems)
    ana = server["ana"]
    for name in ("dataset_id", "experiment_id", "sweep_id"):  # Ben's requests changed nothing of Ana's
        noun = name.removesuffix("_id") + "s"
        assert ana.get(f"/api/{noun}/{owned.ids[name]}").status_code == 200


def test_nobody_signed_in_gets_401_or_the_login_page_on_every_route(ana_and_ben: tuple[Server, Owned, str]) -> None:
    server, owned, _token = ana_and_ben
    problems = []
    for method, path in _routes(server):
        if (method, path) in PUBLIC:
            continue
        url = owned.fill(path)
        response = server.app_client.request(method, url, follow_redirects=False)
        if path.startswith("/api/"):
            ok = response.status_code == 401 and "Sign in" in response.json()["detail"]
        else:
            ok = response.status_code == 303 and response.headers["location"].startswith("/login?next=")
        if not ok:
            problems.append(f"{method} {url}: {response.status_code}")
    assert problems == []


def test_a_token_opens_every_api_route_and_a_revoked_one_none(ana_and_ben: tuple[Server, Owned, str]) -> None:
    server, owned, token = ana_and_ben
    bearer = TestClient(server.app_client.app, headers={"Authorization": f"Bearer {token}"})
    api_routes = [(m, p) for m, p in _routes(server) if p.startswith("/api/") and (m, p) not in PUBLIC]
    problems = []
    for method, path in api_routes:
        if (method, path) == ("DELETE", "/api/session"):
            continue  # a token is no sign-in session to end
        response = bearer.request(method, owned.fill(path), follow_redirects=False,
                                  **VALID.get((method, path), {}))  # type: ignore[arg-type]
        refused = {401} if ADMIN_ONLY.match(path) else {401, 403}  # Ana is no admin: 403 is the right answer there
        if response.status_code in refused or response.status_code >= 500:
            problems.append(f"{method} {path}: {response.status_code} {response.text[:100]}")
    assert problems == []
    token_id = next(row["id"] for row in server["ana"].get("/api/tokens").json() if row["name"] == "script")
    assert server["ana"].delete(f"/api/tokens/{token_id}").status_code == 204
    for method, path in api_routes:
        response = bearer.request(method, owned.fill(path), follow_redirects=False)
        if response.status_code != 401:
            problems.append(f"revoked: {method} {path}: {response.status_code}")
    assert problems == []


def test_an_admin_sees_every_members_work(ana_and_ben: tuple[Server, Owned, str]) -> None:
    server, owned, _token = ana_and_ben
    admin = server["teacher"]
    for name in ("dataset_id", "experiment_id", "sweep_id"):
        noun = name.removesuffix("_id") + "s"
        assert admin.get(f"/api/{noun}/{owned.ids[name]}").status_code == 200
        assert admin.get(f"/{noun}/{owned.ids[name]}").status_code == 200
    assert SECRET_NAME in admin.get("/").text
