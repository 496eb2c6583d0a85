"""The portable model: a zip whose predict.py, run with the stdlib and NumPy alone,
predicts exactly what LayerLab predicts for the same new rows."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from app.data.csv_reader import CsvLimits, read_csv_file
from app.engine import load_model
from app.jobs.artifacts import save_outcome
from app.jobs.model_export import MODEL_FORMAT, ModelExportError, build_model_zip
from app.jobs.pipeline import ExperimentOutcome, run_experiment
from app.specs import ExperimentSpec

SHA256 = "ab" * 32
FEATURES = ["age", "income", "score", "visits", "city", "size", "member", "floor", "active"]
ENCODERS = {"age": "standardize", "income": "minmax", "score": "scale_pm1", "visits": "passthrough",
            "city": "onehot", "size": "ordinal", "member": "binarize", "floor": "onehot", "active": "binarize"}
# The dataset's income was written "22,000.50" at upload: predict.py reads it the same way.
READ_OPTIONS = {"number_formats": {"income": {"thousands": ",", "decimal": "."}}}
# Per task: the label and hidden layers covering every hidden activation, dropout and batch norm.
CASES: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "binary": ("churned", [{"units": 8, "activation": "relu", "dropout": 0.2, "batchnorm": True},
                           {"units": 6, "activation": "gelu"}]),
    "multiclass": ("plan", [{"units": 8, "activation": "elu", "batchnorm": True},
                            {"units": 6, "activation": "leaky_relu"}, {"units": 5, "activation": "linear"}]),
    "regression": ("spend", [{"units": 8, "activation": "tanh", "batchnorm": True},
                             {"units": 6, "activation": "sigmoid", "dropout": 0.1}]),
    # A log-transformed label and the robust and quantile encoders, decoded and encoded alike.
    "regression_log": ("bill", [{"units": 8, "activation": "relu", "batchnorm": True}]),
}
EXTRA = {"regression_log": {"encoders": {**ENCODERS, "age": "robust", "income": "quantile"},
                            "training": {"target_transform": "log"}}}


def _table(rows: int = 240, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, rows).round(1)
    income = rng.lognormal(10, 0.5, rows).round(2)
    city = rng.choice(["Oslo", "Lima", "Pune", "Kyiv"], rows).astype(object)
    frame = pd.DataFrame({
        "age": age, "income": income, "score": rng.uniform(0, 100, rows).round(3),
        "visits": rng.integers(0, 20, rows), "city": city,
        "size": rng.choice(["S", "M", "L"], rows), "member": rng.choice(["yes", "no"], rows),
        "floor": rng.integers(1, 5, rows), "active": rng.random(rows) < 0.5,
    })
    frame.loc[rng.choice(rows, 20, replace=False), "age"] = np.nan
    frame.loc[rng.choice(rows, 15, replace=False), "city"] = None
    signal = (age - 40) / 12 + (city == "Oslo") - (city == "Lima")
    frame["churned"] = np.where(signal + rng.normal(0, 0.5, rows) > 0, "yes", "no")
    frame["plan"] = np.array(["basic", "plus", "pro"])[np.digitize(signal, [-0.5, 0.5])]
    frame["spend"] = (income / 100 + 30 * signal + rng.normal(0, 5, rows)).round(2)
    frame["bill"] = (income / 50 * np.exp(signal / 2 + rng.normal(0, 0.2, rows))).round(2)  # positive, skewed
    return frame


def _new_rows_csv(path: Path, *, drop: str | None = None) -> None:
    """New rows with missing values (empty, "NA"), unseen categories and numbers written oddly:
    thousands separators, an exponent, whole numbers as "3.0", booleans in any case."""
    rows = [
        ["id", "age", "income", "score", "visits", "city", "size", "member", "floor", "active", "note"],
        ["1", "35.5", "22,000", "50", "3", "Oslo", "M", "yes", "2", "True", "plain"],
        ["2", "", "18,000.50", "10.25", "0", "Lima", "S", "no", "3.0", "false", "missing age"],
        ["3", "NA", "35,000", "99", "12", "Tokyo", "XL", "yes", "9", "TRUE", "unseen city, size, floor"],
        ["4", "61", "", "0", "7", "", "L", "", "", "", "missing income, city, member, floor, active"],
        ["5", "19.0", "15,000", "7.55e1", "19", "Pune", "M", "no", "1", "False", "exponent"],
        ["6", "48", "27,000", "33", "2", "Kyiv", "L", "maybe", "4", "true", "unseen member"],
        ["7", "-3", "250,000", "120", "40", "Oslo", "S", "yes", "1", "False", "outside training ranges"],
        ["8", "40", "30,000", "null", "5", "Lima", "M", "no", "2", "True", "null score"],
    ]
    if drop is not None:
        at = rows[0].index(drop)
        rows = [row[:at] + row[at + 1:] for row in rows]
    with path.open("w", newline="") as file:
        csv.writer(file).writerows(rows)


def _experiment(task: str, outcome: ExperimentOutcome, spec: ExperimentSpec) -> SimpleNamespace:
    """A stand-in for the Experiment row: the fields the export reads."""
    dataset = SimpleNamespace(name="customers.csv", sha256=SHA256, row_count=240, read_options=READ_OPTIONS)
    return SimpleNamespace(id=7, spec=spec.model_dump(mode="json"), task=task, metrics=outcome.metrics,
                           best_epoch=outcome.training.best_epoch, finished_at=None, dataset=dataset,
                           summary={"split_sizes": outcome.split_sizes, "dropped_rows": 0})


@pytest.fixture(scope="module", params=list(CASES))
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One experiment per task, trained for real, saved, zipped and unzipped."""
    task = request.param.removesuffix("_log")
    label, layers = CASES[request.param]
    extra = EXTRA.get(request.param, {})
    spec = ExperimentSpec.model_validate({
        "dataset_id": 1, "label": label, "task": task, "features": FEATURES,
        "encoders": extra.get("encoders", ENCODERS), "layers": layers,
        "training": {"epochs": 12, "batch_size": 16, "learning_rate": 0.01, **extra.get("training", {})},
    })
    outcome = run_experiment(_table(), spec, importance_repeats=1)
    assert outcome.pipeline.task == task
    root = tmp_path_factory.mktemp(task)
    save_outcome(root / "artifacts", outcome)
    experiment = _experiment(task, outcome, spec)
    data = build_model_zip(experiment=experiment, directory=root / "artifacts")  # type: ignore[arg-type]
    unzipped = root / "model"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(unzipped)
    return SimpleNamespace(task=task, outcome=outcome, zip=data, folder=unzipped, root=root)


def _run_predict(folder: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(folder / "predict.py"), *args],
                          cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def _layerlab_predictions(outcome: ExperimentOutcome, path: Path) -> pd.DataFrame:
    frame = read_csv_file(path, CsvLimits()).frame  # read as an upload would be
    assert pd.api.types.is_numeric_dtype(frame["income"])  # "22,000" was read as a number
    return outcome.pipeline.predict(outcome.network, frame)


def test_predict_script_matches_layerlab(exported: SimpleNamespace, tmp_path: Path) -> None:
    _new_rows_csv(tmp_path / "new.csv")
    result = _run_predict(exported.folder, "new.csv", "out.csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with (tmp_path / "out.csv").open(newline="") as file:
        written = list(csv.DictReader(file))
    expected = _layerlab_predictions(exported.outcome, tmp_path / "new.csv")
    assert len(written) == len(expected) == 8
    assert list(written[0]) == ["id", *FEATURES, "note", *expected.columns]
    assert written[2]["note"] == "unseen city, size, floor" and written[1]["income"] == "18,000.50"  # as given
    if exported.task == "regression":
        got = np.array([float(row["predicted"]) for row in written])
        np.testing.assert_allclose(got, expected["predicted"].to_numpy(dtype=float), rtol=1e-6)
        return
    assert [row["predicted"] for row in written] == [str(value) for value in expected["predicted"]]
    for column in expected.columns[1:]:
        got = np.array([float(row[column]) for row in written])
        np.testing.assert_allclose(got, expected[column].to_numpy(dtype=float), rtol=0, atol=1e-6)


def test_predict_script_defaults_to_its_own_folder_and_honours_model(exported: SimpleNamespace,
                                                                     tmp_path: Path) -> None:
    _new_rows_csv(tmp_path / "new.csv")
    elsewhere = tmp_path / "copy"
    elsewhere.mkdir()
    (elsewhere / "predict.py").write_bytes((exported.folder / "predict.py").read_bytes())
    result = _run_predict(elsewhere, "new.csv", "out.csv", "--model", str(exported.folder), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.csv").read_text().count("\n") == 9  # header + 8 rows


def test_missing_feature_column_fails_naming_it(exported: SimpleNamespace, tmp_path: Path) -> None:
    _new_rows_csv(tmp_path / "new.csv", drop="city")
    result = _run_predict(exported.folder, "new.csv", "out.csv", cwd=tmp_path)
    assert result.returncode != 0
    assert '"city"' in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_zip_is_pickle_free_and_self_describing(exported: SimpleNamespace) -> None:
    with zipfile.ZipFile(io.BytesIO(exported.zip)) as archive:
        assert sorted(archive.namelist()) == ["MODEL_CARD.md", "model.json", "model.onnx", "predict.py",
                                                 "torch_model.py", "weights.npz"]
        document = json.loads(archive.read("model.json"))
        weights_bytes = archive.read("weights.npz")
    assert document["format"] == MODEL_FORMAT and document["task"] == exported.task
    assert [feature["name"] for feature in document["features"]] == FEATURES
    with np.load(io.BytesIO(weights_bytes), allow_pickle=False) as weights:
        arrays = {name: weights[name] for name in weights.files}
    assert all(array.dtype == np.float32 for array in arrays.values())
    for layer in [*document["layers"], document["output"]]:
        assert arrays[layer["weight"]].shape[1] == layer["units"]
    assert any(layer["batch_norm"] for layer in document["layers"])
    assert len(document["input_names"]) == arrays[document["layers"][0]["weight"]].shape[0]
    # The engine's own description travels along: LayerLab itself can reload the network.
    net = load_model(document["engine_config"], weights_bytes)
    X = np.random.default_rng(1).normal(size=(5, net.n_inputs)).astype(np.float32)
    np.testing.assert_array_equal(net.predict(X), exported.outcome.network.predict(X))


def test_model_json_spells_out_encoders_imputation_and_label(exported: SimpleNamespace) -> None:
    document = json.loads((exported.folder / "model.json").read_text())
    by_name = {feature["name"]: feature for feature in document["features"]}
    age, city, member = by_name["age"], by_name["city"], by_name["member"]
    assert age["kind"] == "number" and {"shift", "scale"} <= set(age)
    assert age["missing"]["indicator"] is True and age["inputs"] == ["age", "age is missing"]
    assert city["categories"] == ["Kyiv", "Lima", "Oslo", "Pune"] and city["missing"]["fill_key"] in city["categories"]
    assert member["encoder"] == "binarize" and member["missing"]["indicator"] is False
    assert by_name["floor"]["categories"] == [1, 2, 3, 4] and by_name["floor"]["category_keys"] == ["1", "2", "3", "4"]
    assert by_name["active"]["categories"] == [False, True]
    assert by_name["income"]["number_format"] == {"thousands": ",", "decimal": "."}
    assert "number_format" not in age
    label = document["label"]
    if exported.task == "regression":
        assert {"mean", "std"} <= set(label) and document["prediction_columns"] == ["predicted"]
    else:
        assert document["prediction_columns"][1:] == [f"probability: {c}" for c in label["classes"]]


def test_model_card_names_the_data_and_how_to_run(exported: SimpleNamespace) -> None:
    card = (exported.folder / "MODEL_CARD.md").read_text()
    assert SHA256 in card and "customers.csv" in card
    assert "python predict.py new_rows.csv predictions.csv" in card
    sizes = exported.outcome.split_sizes
    assert f"- Rows per split: train {sizes['train']}, validation {sizes['validation']}, test {sizes['test']}" in card
    assert '"seed": 0' in card and "| metric | train | validation | test |" in card
    assert "`python torch_model.py new_rows.csv > predictions.csv`" in card
    assert "`age` (float), `income` (float)" in card and "`city` (string)" in card and "`floor` (float)" in card


def test_export_without_a_saved_model_says_so(tmp_path: Path) -> None:
    experiment = SimpleNamespace(id=3, dataset=SimpleNamespace(read_options={}))
    with pytest.raises(ModelExportError, match="no saved model"):
        build_model_zip(experiment=experiment, directory=tmp_path / "nothing")  # type: ignore[arg-type]


def test_a_binary_model_carries_its_decision_threshold(exported: SimpleNamespace) -> None:
    document = json.loads((exported.folder / "model.json").read_text())
    card = (exported.folder / "MODEL_CARD.md").read_text()
    if exported.task != "binary":
        assert "threshold" not in document["label"] and "Decision threshold" not in card
        return
    threshold = exported.outcome.pipeline.label_codec.threshold
    assert document["label"]["threshold"] == threshold
    positive = document["label"]["classes"][1]
    assert f"Decision threshold: predicts **{positive}** when its probability is at least {threshold:.2f}" in card
