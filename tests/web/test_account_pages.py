"""The sign-in, account and admin pages, and invite links."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from app.config import Settings
from app.db.models import Invite, utc_now
from app.db.session import make_engine, make_session_factory
from app.web.templating import filesize
from tests.web.accounts_helpers import ADMIN, ADMIN_PASSWORD, CSV, PASSWORD, password_server, sign_in, upload


def test_the_sign_in_form_signs_in_and_goes_where_the_person_was_going(settings: Settings) -> None:
    with password_server(settings, members=()) as server:
        browser = TestClient(server.app_client.app)
        page = browser.get("/experiments", follow_redirects=True)
        assert page.url.path == "/login" and 'name="next" value="/experiments"' in page.text
        wrong = browser.post("/login", data={"username": ADMIN, "password": "nope-nope", "next": "/experiments"})
        assert wrong.status_code == 401 and "The username or the password is wrong." in wrong.text
        done = browser.post("/login", data={"username": ADMIN, "password": ADMIN_PASSWORD, "next": "/experiments"},
                            follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/experiments"
        elsewhere = browser.post("/login", data={"username": ADMIN, "password": ADMIN_PASSWORD,
                                                 "next": "//evil.example/"}, follow_redirects=False)
        assert elsewhere.headers["location"] == "/"  # never sent to another site
        home = browser.get("/")
        assert f"Signed in as </span>{ADMIN}" in home.text and 'href="/admin"' in home.text
        assert browser.post("/logout", follow_redirects=False).headers["location"] == "/login"
        assert browser.get("/", follow_redirects=False).status_code == 303


def test_without_accounts_the_nav_names_nobody(client: TestClient) -> None:
    page = client.get("/")
    assert "Signed in as" not in page.text and 'href="/admin"' not in page.text


def test_the_account_page_shows_a_new_token_once_and_revokes_it(settings: Settings) -> None:
    with password_server(settings, members=("ana",)) as server:
        ana = server["ana"]
        created = ana.post("/account/tokens", data={"name": "laptop"})
        token = re.search(r'class="new-token">(ll_[^<]+)<', created.text)
        assert created.status_code == 200 and token is not None
        page = ana.get("/account")
        assert "laptop" in page.text and token.group(1) not in page.text
        bearer = TestClient(ana.app, headers={"Authorization": f"Bearer {token.group(1)}"})
        assert bearer.get("/api/datasets").status_code == 200
        token_id = ana.get("/api/tokens").json()[0]["id"]
        ana.post(f"/account/tokens/{token_id}/revoke")
        assert bearer.get("/api/datasets").status_code == 401
        assert "revoked" in ana.get("/account").text


def test_changing_the_password_needs_the_current_one(settings: Settings) -> None:
    with password_server(settings, members=("ana",)) as server:
        ana = server["ana"]
        wrong = ana.post("/account/password", data={"current": "not-it-at-all", "new": "a-new-password"})
        assert wrong.status_code == 422 and "current password is wrong" in wrong.text
        short = ana.post("/account/password", data={"current": PASSWORD, "new": "short"})
        assert short.status_code == 422 and "at least 8" in short.text
        assert ana.post("/account/password", data={"current": PASSWORD, "new": "a-new-password"}).status_code == 200
        sign_in(TestClient(ana.app), "ana", "a-new-password")


def test_admins_manage_users_and_read_the_audit_log(settings: Settings) -> None:
    with password_server(settings, members=("ana",)) as server:
        admin, ana = server[ADMIN], server["ana"]
        assert ana.get("/admin").status_code == 403
        created = admin.post("/admin/users", data={"username": "carl", "password": PASSWORD, "role": "member"})
        assert created.status_code == 200 and "carl can now sign in" in created.text
        duplicate = admin.post("/admin/users", data={"username": "carl", "password": PASSWORD, "role": "member"})
        assert duplicate.status_code == 409 and "already a user" in duplicate.text
        carl_id = next(u["id"] for u in admin.get("/api/users").json() if u["username"] == "carl")
        admin.post(f"/admin/users/{carl_id}/password", data={"password": "reset-password-1"})
        sign_in(TestClient(admin.app), "carl", "reset-password-1")
        assert "carl is now admin" in admin.post(f"/admin/users/{carl_id}/role", data={"role": "admin"}).text
        dataset_id = upload(ana)
        ana.put(f"/api/datasets/{dataset_id}/shared", json={"shared": True})
        log = admin.get("/admin").text
        assert "<td>carl</td>" in log and f'<td class="num">{filesize(len(CSV.encode()))}</td>' in log
        for action in ("login", "user.create", "user.password", "user.role", "share"):
            assert f"<td>{action}</td>" in log


def test_invite_links_create_an_account_once_and_expire(settings: Settings) -> None:
    with password_server(settings, members=()) as server:
        admin = server[ADMIN]
        page = admin.post("/admin/invites", data={"role": "member"})
        link = re.search(r'class="new-token">http://testserver(/invite/[^<]+)<', page.text)
        assert link is not None
        stranger = TestClient(admin.app)
        assert "invited as a member" in stranger.get(link.group(1)).text
        joined = stranger.post(link.group(1), data={"username": "dora", "password": PASSWORD}, follow_redirects=False)
        assert joined.status_code == 303
        sign_in(TestClient(admin.app), "dora", PASSWORD)
        assert stranger.get(link.group(1)).status_code == 404  # used
        old = re.search(r'class="new-token">http://testserver(/invite/[^<]+)<',
                        admin.post("/admin/invites", data={"role": "member"}).text)
        assert old is not None
        engine = make_engine(settings.resolved_database_url)
        with make_session_factory(engine)() as session:
            session.execute(update(Invite).where(Invite.used_at.is_(None))
                            .values(expires_at=utc_now() - timedelta(minutes=1)))
            session.commit()
        engine.dispose()
        expired = stranger.post(old.group(1), data={"username": "eve", "password": PASSWORD})
        assert expired.status_code == 404 and "expired" in expired.text


def test_signing_out_everywhere_ends_every_session(settings: Settings) -> None:
    with password_server(settings, members=("ana",)) as server:
        laptop = server["ana"]
        phone = sign_in(TestClient(laptop.app), "ana", PASSWORD)
        assert phone.post("/logout/everywhere", follow_redirects=False).headers["location"] == "/login"
        assert laptop.get("/api/datasets").status_code == 401
        assert phone.get("/api/datasets").status_code == 401
