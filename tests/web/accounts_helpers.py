"""A password server with an admin and two members, for the account tests."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

ADMIN, ADMIN_PASSWORD = "teacher", "admin-password-1"
PASSWORD = "member-password-1"
CSV = "size,colour,price,kind\n" + "".join(
    f"{i % 7},{['red', 'blue'][i % 2]},{i * 1.5:.1f},{['cat', 'dog', 'fox'][i % 3]}\n" for i in range(60)
)


def password_settings(settings: Settings, **overrides: object) -> Settings:
    values = {"auth": "password", "admin_username": ADMIN, "admin_password": ADMIN_PASSWORD} | overrides
    return Settings(**(settings.model_dump() | values))


@dataclass
class Server:
    app_client: TestClient  # anonymous: no cookie, no token
    clients: dict[str, TestClient]

    def __getitem__(self, username: str) -> TestClient:
        return self.clients[username]


def sign_in(client: TestClient, username: str, password: str) -> TestClient:
    response = client.post("/api/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return client


def upload(client: TestClient, name: str = "pets.csv") -> int:
    response = client.post("/api/datasets", files={"file": (name, io.BytesIO(CSV.encode()), "text/csv")})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def queue(client: TestClient, dataset_id: int, epochs: int = 2) -> int:
    response = client.post("/api/experiments", json={"dataset_id": dataset_id, "label": "kind",
                                                     "training": {"epochs": epochs}})
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


@contextmanager
def password_server(
    settings: Settings, members: tuple[str, ...] = ("ana", "ben"), **overrides: object
) -> Iterator[Server]:
    """One app; a client per account (the admin and each member), all signed in."""
    app = create_app(password_settings(settings, **overrides))
    with TestClient(app) as anonymous:
        clients = {ADMIN: sign_in(TestClient(app), ADMIN, ADMIN_PASSWORD)}
        for member in members:
            response = clients[ADMIN].post("/api/users", json={"username": member, "password": PASSWORD,
                                                               "role": "member"})
            assert response.status_code == 201, response.text
            clients[member] = sign_in(TestClient(app), member, PASSWORD)
        yield Server(anonymous, clients)
