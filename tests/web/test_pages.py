"""HTML pages and their htmx fragments."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient

CSV = "height,weight,team\n1.80,80,red\n1.65,60,blue\n1.72,71,red\n1.90,95,blue\n"
HTMX = {"hx-request": "true"}


def test_home_invites_the_first_upload(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "No datasets yet" in page.text
    assert 'name="file"' in page.text
    for title in ("Iris", "Wine", "Breast cancer", "Diabetes"):
        assert title in page.text


def test_htmx_upload_redirects_to_the_dataset_page(client: TestClient) -> None:
    response = client.post(
        "/datasets/upload", files={"file": ("team.csv", io.BytesIO(CSV.encode()), "text/csv")}, headers=HTMX
    )
    assert response.status_code == 204
    target = response.headers["hx-redirect"]
    page = client.get(target)
    assert page.status_code == 200
    for text in ("team.csv", "4 rows", "height", "weight", "categorical"):
        assert text in page.text
    assert "team.csv" in client.get("/").text


def test_htmx_upload_error_is_a_fragment_next_to_the_form(client: TestClient) -> None:
    response = client.post("/datasets/upload", files={"file": ("bad.csv", io.BytesIO(b""), "text/csv")}, headers=HTMX)
    assert response.status_code == 422
    assert "error-message" in response.text
    assert "<html" not in response.text


def test_form_upload_without_javascript(client: TestClient) -> None:
    response = client.post(
        "/datasets/upload",
        files={"file": ("team.csv", io.BytesIO(CSV.encode()), "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    failed = client.post("/datasets/upload", files={"file": ("e.csv", io.BytesIO(b""), "text/csv")})
    assert failed.status_code == 422
    assert "<html" in failed.text and "error-message" in failed.text


def test_sample_button_and_delete(client: TestClient) -> None:
    added = client.post("/datasets/samples/wine", headers=HTMX)
    page_url = added.headers["hx-redirect"]
    assert "wine" in client.get(page_url).text.lower()
    deleted = client.post(f"{page_url}/delete", headers=HTMX)
    assert deleted.headers["hx-redirect"] == "/"
    assert client.get(page_url, headers={"accept": "text/html"}).status_code == 404


def test_missing_page_is_a_page(client: TestClient) -> None:
    response = client.get("/datasets/424242", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert "<html" in response.text and "There is no dataset 424242." in response.text
