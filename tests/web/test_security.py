"""Safety defaults: Host check, same-origin writes, CSP, no tracebacks."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import Settings


def test_default_bind_is_loopback() -> None:
    defaults = Settings()
    assert defaults.host == "127.0.0.1"
    assert "testserver" not in defaults.allowed_hosts


def test_foreign_host_header_is_refused(client: TestClient) -> None:
    response = client.get("/api/datasets", headers={"host": "evil.example:8000"})
    assert response.status_code == 400
    assert "name" in response.json()["detail"]


def test_allowed_host_with_port_is_served(client: TestClient) -> None:
    assert client.get("/api/datasets", headers={"host": "127.0.0.1:8000"}).status_code == 200


def test_cross_origin_writes_are_refused(client: TestClient) -> None:
    response = client.post(
        "/api/datasets/samples/iris", headers={"origin": "http://evil.example", "host": "testserver"}
    )
    assert response.status_code == 403
    assert client.get("/api/datasets").json() == []
    fetch_site = client.post("/api/datasets/samples/iris", headers={"sec-fetch-site": "cross-site"})
    assert fetch_site.status_code == 403


def test_same_origin_writes_are_allowed(client: TestClient) -> None:
    response = client.post("/api/datasets/samples/iris", headers={"origin": "http://testserver"})
    assert response.status_code == 201


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ("/", "/api/datasets", "/static/layerlab.css", "/api/datasets/12345"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_scripts(client: TestClient) -> None:
    page = client.get("/").text
    assert "<script>" not in page and "onclick" not in page


def test_unexpected_errors_hide_the_traceback(client: TestClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.web import api_datasets

    def explode(**_kwargs: object) -> None:
        raise RuntimeError("/secret/path/to/database exploded")

    monkeypatch.setattr(api_datasets, "list_datasets", explode)
    with TestClient(client.app, raise_server_exceptions=False) as raw:
        response = raw.get("/api/datasets")
    assert response.status_code == 500
    assert "secret" not in response.text and "Traceback" not in response.text
    assert response.json()["detail"].startswith("Something went wrong")
