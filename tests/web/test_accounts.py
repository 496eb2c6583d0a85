"""Accounts (LAYERLAB_AUTH=password): sign-in, sessions, tokens, users, adoption; none changes nothing."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app import cli
from app.config import Settings
from app.db.models import AuditEvent, Dataset, User
from app.db.session import make_engine, make_session_factory
from app.main import create_app
from tests.web.accounts_helpers import (
    ADMIN,
    ADMIN_PASSWORD,
    CSV,
    PASSWORD,
    password_server,
    queue,
    sign_in,
    upload,
)


def _rows(settings: Settings, model: type) -> list:  # type: ignore[type-arg]
    engine = make_engine(settings.resolved_database_url)
    with make_session_factory(engine)() as session:
        rows = list(session.scalars(select(model)).all())
    engine.dispose()
    return rows


def test_without_accounts_there_are_no_account_routes(client: TestClient) -> None:
    assert client.get("/login").status_code == 404
    assert client.post("/api/session", json={"username": "a", "password": "b"}).status_code == 404
    assert client.get("/api/datasets").status_code == 200  # and everything else opens as before


def test_the_server_refuses_a_public_address_without_accounts(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LAYERLAB_AUTH", "none")
    monkeypatch.setattr(cli.uvicorn, "run", lambda *args, **kwargs: pytest.fail("the server started"))
    with pytest.raises(SystemExit) as refused:
        cli.main(["serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path)])
    message = str(refused.value.code)
    assert "0.0.0.0" in message and "LAYERLAB_AUTH=password" in message and "127.0.0.1" in message
    assert not (tmp_path / "layerlab.db").exists()  # refused before anything started


def test_the_server_listens_on_loopback_without_accounts(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LAYERLAB_AUTH", "none")
    started: list[str] = []
    monkeypatch.setattr(cli.uvicorn, "run", lambda *args, **kwargs: started.append(kwargs["host"]))
    cli.main(["serve", "--host", "127.0.0.1", "--data-dir", str(tmp_path)])
    monkeypatch.setenv("LAYERLAB_AUTH", "password")
    cli.main(["serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path)])
    assert started == ["127.0.0.1", "0.0.0.0"]


def test_first_admin_is_created_with_an_argon2_hash(settings: Settings) -> None:
    with password_server(settings, members=()):
        pass
    [admin] = _rows(settings, User)
    assert admin.username == ADMIN and admin.role == "admin"
    assert admin.password_hash.startswith("$argon2id$") and ADMIN_PASSWORD not in admin.password_hash


def test_a_password_server_needs_a_first_admin(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"auth": "password"}))
    try:
        with TestClient(app):
            raise AssertionError("the server started without any account")
    except Exception as error:  # the lifespan's refusal
        assert "LAYERLAB_ADMIN_USERNAME" in str(error)


def test_sign_in_sets_a_strict_http_only_cookie(settings: Settings) -> None:
    with password_server(settings, members=()) as server:
        response = server.app_client.post("/api/session", json={"username": ADMIN, "password": ADMIN_PASSWORD})
        assert response.status_code == 200 and response.json()["username"] == ADMIN
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
        over_https = TestClient(server.app_client.app, base_url="https://testserver")
        response = over_https.post("/api/session", json={"username": ADMIN, "password": ADMIN_PASSWORD})
        assert "; secure" in response.headers["set-cookie"].lower()


def test_anonymous_requests_get_401_or_the_login_page(settings: Settings) -> None:
    with password_server(settings, members=()) as server:
        anonymous = server.app_client
        response = anonymous.get("/api/datasets")
        assert response.status_code == 401 and "Sign in" in response.json()["detail"]
        response = anonymous.get("/experiments?x=1", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login?next=/experiments%3Fx%3D1"
        assert anonymous.get("/login").status_code == 200
        assert anonymous.get("/static/layerlab.css").status_code == 200
        assert anonymous.get("/", headers={"hx-request": "true"}).headers["hx-redirect"] == "/login"


def test_wrong_passwords_are_refused_then_rate_limited(settings: Settings) -> None:
    with password_server(settings, members=()) as server:
        anonymous = server.app_client
        for _ in range(5):
            response = anonymous.post("/api/session", json={"username": ADMIN, "password": "wrong-password"})
            assert response.status_code == 401 and response.json()["detail"] == "The username or the password is wrong."
        response = anonymous.post("/api/session", json={"username": ADMIN, "password": ADMIN_PASSWORD})
        assert response.status_code == 429 and "wait" in response.json()["detail"]
        response = anonymous.post("/api/session", json={"username": "nobody", "password": "wrong-password"})
        assert response.status_code == 401  # an unknown name is refused like a wrong password
    actions = [event.action for event in _rows(settings, AuditEvent)]
    assert actions.count("login.failed") == 6 and "login.limited" in actions


def test_sign_out_ends_the_session(settings: Settings) -> None:
    with password_server(settings, members=("ana",)) as server:
        ana = server["ana"]
        cookie = ana.cookies.get("layerlab_session")
        assert ana.delete("/api/session").status_code == 204
        stale = TestClient(ana.app, cookies={"layerlab_session": cookie})
        assert stale.get("/api/datasets").status_code == 401


def test_tokens_are_shown_once_work_as_bearer_and_can_be_revoked(settings: Settings) -> None:
    with password_server(settings, members=("ana",)) as server:
        ana = server["ana"]
        dataset_id = upload(ana)
        created = ana.post("/api/tokens", json={"name": "notebook"})
        assert created.status_code == 201
        token = created.json()["token"]
        listed = ana.get("/api/tokens").json()
        assert [row["name"] for row in listed] == ["notebook"] and "token" not in listed[0]
        bearer = TestClient(ana.app, headers={"Authorization": f"Bearer {token}"})
        assert bearer.get(f"/api/datasets/{dataset_id}").status_code == 200
        assert ana.get("/api/tokens").json()[0]["last_used_at"] is not None
        assert ana.delete(f"/api/tokens/{created.json()['id']}").status_code == 204
        assert bearer.get(f"/api/datasets/{dataset_id}").status_code == 401
        wrong = TestClient(ana.app, headers={"Authorization": "Bearer ll_not-a-token"})
        assert wrong.get("/api/datasets").status_code == 401


def test_only_admins_create_users_and_bad_input_is_a_sentence(settings: Settings) -> None:
    with password_server(settings, members=("ana",)) as server:
        body = {"username": "carl", "password": PASSWORD, "role": "member"}
        assert server["ana"].post("/api/users", json=body).status_code == 403
        admin = server[ADMIN]
        for change, detail in [({"password": "short"}, "at least 8"), ({"role": "boss"}, "not one of"),
                               ({"username": "ana"}, "already a user"), ({"username": "a b"}, "username")]:
            response = admin.post("/api/users", json=body | change)
            assert response.status_code in (409, 422) and detail in response.json()["detail"]
        assert admin.post("/api/users", json=body).status_code == 201
        assert sign_in(TestClient(admin.app), "carl", PASSWORD).get("/api/datasets").json() == []


def test_the_first_admin_adopts_the_work_of_a_single_user_server(settings: Settings) -> None:
    with TestClient(create_app(settings)) as single:
        dataset_id = upload(single)
        experiment_id = queue(single, dataset_id)
    with password_server(settings, members=("ana",)) as server:
        admin, ana = server[ADMIN], server["ana"]
        assert admin.get(f"/api/experiments/{experiment_id}").status_code == 200
        assert ana.get(f"/api/datasets/{dataset_id}").status_code == 404
    [dataset] = _rows(settings, Dataset)
    [admin_user] = [user for user in _rows(settings, User) if user.username == ADMIN]
    assert dataset.owner_id == admin_user.id


def test_a_shared_dataset_is_read_only_for_others_and_their_runs_are_theirs(settings: Settings) -> None:
    with password_server(settings) as server:
        ana, ben = server["ana"], server["ben"]
        dataset_id = upload(ana)
        anas_run = queue(ana, dataset_id)
        assert ben.post("/api/experiments", json={"dataset_id": dataset_id, "label": "kind"}).status_code == 422
        assert ben.put(f"/api/datasets/{dataset_id}/shared", json={"shared": True}).status_code == 404
        assert ana.put(f"/api/datasets/{dataset_id}/shared", json={"shared": True}).json() == {"shared": True}
        assert ben.get(f"/api/datasets/{dataset_id}").status_code == 200
        bens_run = queue(ben, dataset_id)
        assert [row["id"] for row in ben.get("/api/experiments").json()] == [bens_run]
        assert ana.get(f"/api/experiments/{bens_run}").status_code == 404
        assert ben.get(f"/api/experiments/{anas_run}").status_code == 404
        response = ben.delete(f"/api/datasets/{dataset_id}")
        assert response.status_code == 403 and "shared read-only" in response.json()["detail"]
        response = ben.patch(f"/api/datasets/{dataset_id}", json={"missing_tokens": ["?"]})
        assert response.status_code == 403
        assert ben.put(f"/api/datasets/{dataset_id}/shared", json={"shared": False}).status_code == 403
        assert ben.get(f"/api/experiments/{bens_run}").json()["status"] == "queued"  # nothing changed
        assert ana.get(f"/api/datasets/{dataset_id}").json()["name"] == "pets.csv"
    actions = [event.action for event in _rows(settings, AuditEvent)]
    assert "share" in actions


def test_deletes_are_audited(settings: Settings) -> None:
    with password_server(settings, members=("ana",)) as server:
        ana = server["ana"]
        dataset_id = upload(ana)
        assert ana.delete(f"/api/datasets/{dataset_id}").status_code == 204
    events = [(event.actor, event.action, event.detail) for event in _rows(settings, AuditEvent)]
    assert ("ana", "delete", f"dataset {dataset_id}") in events




def test_uploads_stop_at_the_storage_quota_leaving_nothing_behind(settings: Settings) -> None:
    size = len(CSV.encode())
    with password_server(settings, quota_mb=1.5 * size / 1024 / 1024) as server:
        ana, ben = server["ana"], server["ben"]
        upload(ana)
        files = sorted(path.name for path in settings.datasets_dir.iterdir())
        response = ana.post("/api/datasets", files={"file": ("more.csv", io.BytesIO(CSV.encode()), "text/csv")})
        assert response.status_code == 413 and "storage quota" in response.json()["detail"]
        assert len(ana.get("/api/datasets").json()) == 1
        assert sorted(path.name for path in settings.datasets_dir.iterdir()) == files
        response = ana.post("/datasets/upload", files={"file": ("more.csv", io.BytesIO(CSV.encode()), "text/csv")},
                            headers={"hx-request": "true"})
        assert response.status_code == 413 and 'role="alert"' in response.text and "quota" in response.text
        upload(ben)  # the quota is per account
