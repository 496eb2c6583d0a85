"""model.onnx: onnxruntime, fed the raw columns, predicts what LayerLab predicts."""

from __future__ import annotations

import io
import json
import zipfile
from types import SimpleNamespace
from typing import Any

import numpy as np
import onnx
import pandas as pd
import pytest

from app.data.encoder_base import as_numbers
from app.jobs.artifacts import save_outcome
from app.jobs.model_export import _arrays, _saved_model, build_model_onnx, build_model_zip
from app.jobs.onnx_export import OPSETS, OnnxExportError, build_onnx
from app.jobs.pipeline import ExperimentOutcome, run_experiment
from app.specs import ExperimentSpec

ort = pytest.importorskip("onnxruntime", reason="onnxruntime is a test dependency: `make install-dev`")

FEATURES = ["age", "income", "score", "visits", "city", "size", "member", "floor", "active", "grade"]
ENCODERS = {"age": "standardize", "income": "minmax", "score": "scale_pm1", "visits": "passthrough",
            "city": "onehot", "size": "ordinal", "member": "binarize", "floor": "onehot", "active": "binarize",
            "grade": "ordinal"}
# Every hidden activation in each task, with batch norm and dropout somewhere.
CASES: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "binary": ("churned", [{"units": 8, "activation": "relu", "dropout": 0.2, "batchnorm": True},
                           {"units": 6, "activation": "gelu"}, {"units": 5, "activation": "leaky_relu"}]),
    "multiclass": ("plan", [{"units": 8, "activation": "elu", "batchnorm": True},
                            {"units": 6, "activation": "leaky_relu"}, {"units": 5, "activation": "linear"},
                            {"units": 5, "activation": "gelu", "batchnorm": True}]),
    "regression": ("spend", [{"units": 8, "activation": "tanh", "batchnorm": True},
                             {"units": 6, "activation": "sigmoid", "dropout": 0.1},
                             {"units": 4, "activation": "relu"}, {"units": 4, "activation": "elu"}]),
}


def _table(rows: int = 240, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, rows).round(1)
    income = rng.lognormal(10, 0.5, rows).round(2)
    city = rng.choice(["Oslo", "Lima", "Pune", "Kyiv"], rows).astype(object)
    frame = pd.DataFrame({
        "age": age, "income": income, "score": rng.uniform(0, 100, rows).round(3),
        "visits": rng.integers(0, 20, rows).astype(float), "city": city,
        "size": rng.choice(["S", "M", "L"], rows).astype(object), "member": rng.choice(["yes", "no"], rows),
        "floor": rng.integers(1, 5, rows).astype(float), "active": rng.random(rows) < 0.5,
        "grade": rng.choice([1.5, 2.5, 4.0], rows),
    })
    frame.loc[rng.choice(rows, 20, replace=False), "age"] = np.nan
    frame.loc[rng.choice(rows, 15, replace=False), "city"] = None
    frame.loc[rng.choice(rows, 10, replace=False), "size"] = None
    frame.loc[rng.choice(rows, 12, replace=False), "floor"] = np.nan
    signal = (age - 40) / 12 + (city == "Oslo") - (city == "Lima")
    frame["churned"] = np.where(signal + rng.normal(0, 0.5, rows) > 0, "yes", "no")
    frame["plan"] = np.array(["basic", "plus", "pro"])[np.digitize(signal, [-0.5, 0.5])]
    frame["spend"] = (income / 100 + 30 * signal + rng.normal(0, 5, rows)).round(2)
    return frame


def _new_rows() -> pd.DataFrame:
    """Missing numbers, missing and unseen categories (text and numeric), values outside training."""
    nan = np.nan
    return pd.DataFrame({
        "age": [35.5, nan, nan, 61, 19, 48, -3, 40],
        "income": [22000, 18000.5, 35000, nan, 15000, 27000, 250000, 30000],
        "score": [50, 10.25, 99, 0, 75.5, 33, 120, nan],
        "visits": [3, 0, 12, 7, 19, 2, 40, 5],
        "city": ["Oslo", "Lima", "Tokyo", None, "Pune", "Kyiv", "Oslo", "Lima"],
        "size": ["M", "S", "XL", "L", None, "L", "S", "M"],
        "member": ["yes", "no", "yes", None, "no", "maybe", "yes", "no"],
        "floor": [2, 3, 9, nan, 1, 4, 1, 2],
        "active": [True, False, True, None, False, True, False, True],
        "grade": [1.5, 2.5, 3.0, nan, 4.0, 1.5, 2.5, 4.0],
    })


def _experiment(outcome: ExperimentOutcome, spec: ExperimentSpec) -> SimpleNamespace:
    dataset = SimpleNamespace(name="customers.csv", sha256="ab" * 32, row_count=240, read_options={})
    return SimpleNamespace(id=7, spec=spec.model_dump(mode="json"), metrics=outcome.metrics,
                           best_epoch=outcome.training.best_epoch, finished_at=None, dataset=dataset,
                           summary={}, parent_id=None, parent_epochs=None)


@pytest.fixture(scope="module", params=list(CASES))
def trained(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    task = request.param
    label, layers = CASES[task]
    spec = ExperimentSpec.model_validate({
        "dataset_id": 1, "label": label, "task": task, "features": FEATURES, "encoders": ENCODERS,
        "layers": layers, "training": {"epochs": 8, "batch_size": 16, "learning_rate": 0.02},
    })
    outcome = run_experiment(_table(), spec, importance_repeats=1)
    directory = tmp_path_factory.mktemp(task) / "artifacts"
    save_outcome(directory, outcome)
    experiment = _experiment(outcome, spec)
    document, weights = _saved_model(experiment, directory)  # type: ignore[arg-type]
    return SimpleNamespace(task=task, outcome=outcome, experiment=experiment, directory=directory,
                           document=document, weights=_arrays(weights))


def _feeds(session: Any, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The raw columns as a person has them: floats with NaN, or text with "" for missing."""
    feeds = {}
    for node in session.get_inputs():
        column = frame[node.name]
        if node.type == "tensor(float)":
            feeds[node.name] = as_numbers(column).astype(np.float32).reshape(-1, 1)
        else:
            feeds[node.name] = np.array(["" if pd.isna(v) else str(v) for v in column], dtype=object).reshape(-1, 1)
    return feeds


def _run(model_bytes: bytes, frame: pd.DataFrame) -> tuple[Any, dict[str, np.ndarray]]:
    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    return session, dict(zip(names, session.run(None, _feeds(session, frame)), strict=True))


def _both_frames() -> pd.DataFrame:
    return pd.concat([_new_rows(), _table(60, seed=5)[FEATURES]], ignore_index=True)


def test_onnxruntime_matches_layerlab(trained: SimpleNamespace) -> None:
    data = build_model_onnx(experiment=trained.experiment, directory=trained.directory)
    model = onnx.load_from_string(data)
    onnx.checker.check_model(model, full_check=True)
    assert {o.domain: o.version for o in model.opset_import} == OPSETS
    frame = _both_frames()
    session, got = _run(data, frame)
    inputs = {node.name: node.type for node in session.get_inputs()}
    assert list(inputs) == FEATURES
    assert inputs["city"] == inputs["size"] == inputs["member"] == "tensor(string)"
    assert inputs["age"] == inputs["floor"] == inputs["active"] == inputs["grade"] == "tensor(float)"
    assert all(node.shape[1] == 1 for node in session.get_inputs())
    expected = trained.outcome.pipeline.predict(trained.outcome.network, frame)
    if trained.task == "regression":
        assert list(got) == ["label"]
        np.testing.assert_allclose(got["label"], expected["predicted"].to_numpy(float), rtol=1e-5, atol=1e-4)
        return
    props = {p.key: p.value for p in model.metadata_props}
    classes = json.loads(props["classes"])
    assert classes == [str(c) for c in trained.outcome.pipeline.label_codec.classes]
    assert list(got["label"]) == [str(v) for v in expected["predicted"]]
    columns = [f"probability: {c}" for c in trained.outcome.pipeline.label_codec.classes]
    np.testing.assert_allclose(got["probabilities"], expected[columns].to_numpy(float), rtol=0, atol=1e-5)
    assert len(set(got["label"])) > 1  # the rows reach more than one class: the labels say something


def test_stored_threshold_and_target_transform_are_applied(trained: SimpleNamespace) -> None:
    document = json.loads(json.dumps(trained.document))
    frame = _both_frames()
    expected = trained.outcome.pipeline.predict(trained.outcome.network, frame)
    if trained.task == "multiclass":  # neither a decision threshold nor a target transform
        model = build_onnx(document, trained.weights)
        assert "threshold" not in {p.key for p in model.metadata_props}
        return
    if trained.task == "binary":
        positive = expected.iloc[:, 2].to_numpy(float)
        cut = float(np.median(positive))
        document["label"]["threshold"] = cut
        _, got = _run(build_onnx(document, trained.weights).SerializeToString(), frame)
        classes = [str(c) for c in trained.document["label"]["classes"]]
        wanted = [classes[int(p >= cut)] for p in got["probabilities"][:, 1].astype(np.float64)]
        assert list(got["label"]) == wanted and wanted != [classes[int(p > 0.5)] for p in positive]
        return
    # A model trained on log(1 + y), standardized with mean 0.5 and spread 0.1.
    document["label"].update(transform="log", mean=0.5, std=0.1)
    _, got = _run(build_onnx(document, trained.weights).SerializeToString(), frame)
    outputs = trained.outcome.network.predict(trained.outcome.pipeline.transform_new_rows(frame))
    np.testing.assert_allclose(got["label"], np.expm1(outputs.astype(np.float64)[:, 0] * 0.1 + 0.5), rtol=1e-5)


def test_model_onnx_is_in_the_zip(trained: SimpleNamespace) -> None:
    data = build_model_zip(experiment=trained.experiment, directory=trained.directory)  # type: ignore[arg-type]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        model = onnx.load_from_string(archive.read("model.onnx"))
    onnx.checker.check_model(model)
    assert [i.name for i in model.graph.input] == FEATURES


def test_a_feature_named_as_an_output_is_refused_with_a_sentence(trained: SimpleNamespace) -> None:
    document = json.loads(json.dumps(trained.document))
    document["features"][0]["name"] = "label"
    with pytest.raises(OnnxExportError, match='called "label"'):
        build_onnx(document, trained.weights)


def _rank_by_quantiles(x: np.ndarray, quantiles: list[float], references: list[float]) -> np.ndarray:
    """LayerLab's quantile encoder: interpolated ranks, repeated quantiles at their middle rank."""
    q, r = np.asarray(quantiles), np.asarray(references)
    if q.size == 1:
        return np.full(x.shape, 0.5)
    return 0.5 * (np.interp(x, q, r) - np.interp(-x, -q[::-1], -r[::-1]))


@pytest.mark.parametrize("trained", ["regression"], indirect=True)  # the encoder does not depend on the task
@pytest.mark.parametrize("quantiles", [[0.0, 1.0, 1.0, 1.0, 3.0, 5.0], [2.0, 2.0], [4.0], [-1.0, 0.5, 7.25]])
def test_quantile_encoder_ranks_as_layerlab(trained: SimpleNamespace, quantiles: list[float]) -> None:
    document = json.loads(json.dumps(trained.document))
    age = document["features"][0]
    references = np.linspace(0, 1, len(quantiles)).tolist()
    age.update(encoder="quantile", quantiles=quantiles, references=references)
    for key in ("shift", "scale"):
        age.pop(key)
    x = np.array([-3, 0, 0.5, 1, 1.0000001, 2, 3, 4, 5, 6, 0.9999999, np.nan, np.inf], dtype=np.float32)
    frame = pd.DataFrame({name: [_new_rows()[name][0]] * len(x) for name in FEATURES})
    frame["age"] = x
    _, got = _run(build_onnx(document, trained.weights).SerializeToString(), frame)
    # The same network on the ranks computed by LayerLab's formula, missing ones from the fill.
    filled = np.where(np.isfinite(x), x.astype(np.float64), age["missing"]["fill"])
    inputs = trained.outcome.pipeline.transform_new_rows(frame)
    inputs[:, 0] = _rank_by_quantiles(filled, quantiles, references).astype(np.float32)
    assert age["inputs"] == ["age", "age is missing"]
    inputs[:, 1] = ~np.isfinite(x)  # infinity reads as missing, as in predict.py (a CSV's "inf")
    outputs = trained.outcome.network.predict(inputs).astype(np.float64)[:, 0]
    label = trained.document["label"]
    np.testing.assert_allclose(got["label"], outputs * label["std"] + label["mean"], rtol=1e-5, atol=1e-4)
