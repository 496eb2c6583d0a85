"""The builder's training options: proposals explained, choices read into the spec."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient

from tests.web.test_builder import form_of, post, replace

RARE = "x,z,loan\n" + "".join(f"{i % 13},{i % 7},{'bad' if i % 10 == 0 else 'good'}\n" for i in range(200))
PRICES = "rooms,price\n" + "".join(
    f"{1 + i % 6},{(1 + i % 6) * 1000 + i * 13.5 if i % 9 else 250000 + i:.1f}\n" for i in range(200)
)


def _upload(client: TestClient, name: str, text: str) -> int:
    response = client.post("/api/datasets", files={"file": (name, io.BytesIO(text.encode()), "text/csv")})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _select(page: str, name: str) -> str:
    return dict(form_of(page))[name]


def test_rare_class_gets_balanced_weights_proposed_with_the_reason(client: TestClient) -> None:
    dataset_id = _upload(client, "loans.csv", RARE)
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    assert _select(page, "class_weight") == "balanced"
    assert "The rarest class is 10% of the rows" in page
    assert 'name="target_transform"' not in page  # regression only
    metrics = dict.fromkeys(["loss", "balanced_accuracy", "f1_macro", "roc_auc"])
    assert all(f'<option value="{name}"' in page for name in metrics)
    assert '<option value="r2"' not in page


def test_skewed_positive_label_gets_log_proposed(client: TestClient) -> None:
    dataset_id = _upload(client, "houses.csv", PRICES)
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    assert _select(page, "target_transform") == "log"
    assert "“price” is positive and skewed" in page
    assert 'name="class_weight"' not in page


def test_balanced_data_is_left_alone(client: TestClient) -> None:
    even = "x,y\n" + "".join(f"{i},{'a' if i % 2 else 'b'}\n" for i in range(100))
    page = client.get(f"/datasets/{_upload(client, 'even.csv', even)}/experiments/new").text
    assert _select(page, "class_weight") == "none" and "rarest class" not in page


def test_chosen_options_reach_the_spec(client: TestClient) -> None:
    dataset_id = _upload(client, "houses.csv", PRICES)
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    chosen = {"schedule": "cosine", "regression_loss": "huber", "early_stopping_metric": "mae",
              "initializer": "he_normal", "clip_norm": "1.5", "target_transform": "none"}
    fields = [(name, value) for name, value in form_of(page) if name not in chosen] + list(chosen.items())
    response = post(client, dataset_id, fields + [("op", "train")])
    assert response.status_code == 204, response.text
    (experiment,) = client.get(f"/api/experiments?dataset_id={dataset_id}").json()
    training = client.get(f"/api/experiments/{experiment['id']}").json()["spec"]["training"]
    assert {name: training[name] for name in chosen} == chosen | {"clip_norm": 1.5}


def test_a_bad_clip_norm_disables_train_with_a_sentence(client: TestClient) -> None:
    dataset_id = _upload(client, "houses.csv", PRICES)
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    fields = [(name, value) for name, value in form_of(page) if name != "clip_norm"] + [("clip_norm", "-2")]
    rendered = post(client, dataset_id, fields).text
    assert "gradient clipping needs a norm above 0" in rendered


def test_a_new_label_brings_its_own_options_and_other_changes_leave_them_alone(client: TestClient) -> None:
    table = "rooms,loan,price\n" + "".join(
        f"{1 + i % 6},{'bad' if i % 10 == 0 else 'good'},{(1 + i % 6) * 1000 + i * 13.5 if i % 9 else 250000 + i:.1f}\n"
        for i in range(200))
    dataset_id = _upload(client, "both.csv", table)
    page = client.get(f"/datasets/{dataset_id}/experiments/new").text
    assert _select(page, "target_transform") == "log"  # "price" is proposed as the label
    fields = [(name, value) for name, value in form_of(page) if name != "schedule"] + [("schedule", "cosine")]
    untouched = post(client, dataset_id, fields).text
    assert 'id="training-options"' not in untouched  # the inputs are never sent back unasked
    relabelled = post(client, dataset_id, replace(fields, label="loan", task="auto")).text
    assert 'id="training-options"' in relabelled and 'hx-swap-oob="true"' in relabelled
    assert 'name="target_transform"' not in relabelled
    assert 'value="balanced" selected' in relabelled and "The rarest class is 10% of the rows" in relabelled
    assert '<option value="cosine" selected' in relabelled  # a choice that fits both tasks stays
