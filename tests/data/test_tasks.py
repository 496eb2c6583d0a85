"""Task detection and label encoding and decoding."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from app.data.tasks import TaskError, detect_task, label_codec_from_dict, make_label_codec, resolve_task


def test_detects_binary_multiclass_regression() -> None:
    survived = detect_task(pd.Series([0, 1, 1, None]), "survived")
    assert survived.task == "binary"
    assert survived.explanation.startswith("survived has 2 values: this is binary classification")
    assert detect_task(pd.Series(["a", "b", "c"])).task == "multiclass"
    assert detect_task(pd.Series([3, 4, 5, 6, 7, 3])).task == "multiclass"
    price = detect_task(pd.Series(np.linspace(0, 1, 50)), "price")
    assert price.task == "regression" and "regression" in price.explanation
    assert detect_task(pd.Series(range(40))).task == "regression"


def test_overrides_and_refusals() -> None:
    assert resolve_task("regression", pd.Series([1, 2, 3, 1])).task == "regression"
    assert resolve_task("multiclass", pd.Series(["y", "n"])).task == "multiclass"
    with pytest.raises(TaskError, match="holds text"):
        resolve_task("regression", pd.Series(["a", "b", "c"]))
    with pytest.raises(TaskError, match="needs exactly 2"):
        resolve_task("binary", pd.Series(["a", "b", "c"]))
    with pytest.raises(TaskError, match="nothing to learn"):
        detect_task(pd.Series([5, 5, 5]))


def _round_trip(codec):  # type: ignore[no-untyped-def]
    return label_codec_from_dict(json.loads(json.dumps(codec.to_dict())))


def test_binary_codec() -> None:
    labels = pd.Series(["no", "yes", "yes", "no"])
    codec = _round_trip(make_label_codec("binary").fit(labels))
    target = codec.encode(labels)
    assert target.dtype == np.float32 and target.ravel().tolist() == [0, 1, 1, 0]
    outputs = np.array([[0.2], [0.9], [0.6], [0.4]], dtype=np.float32)
    assert codec.decode(outputs).tolist() == ["no", "yes", "yes", "no"]
    np.testing.assert_allclose(codec.probabilities(outputs)[:, 1], outputs.ravel())


def test_multiclass_codec() -> None:
    labels = pd.Series(["setosa", "virginica", "versicolor"])
    codec = _round_trip(make_label_codec("multiclass").fit(labels))
    assert codec.classes == ["setosa", "versicolor", "virginica"]
    assert codec.encode(labels).tolist() == [0, 2, 1]
    assert codec.encode(labels).dtype == np.int64
    outputs = np.eye(3, dtype=np.float32)[[2, 0]]
    assert codec.decode(outputs).tolist() == ["virginica", "setosa"]


def test_regression_codec_standardizes_and_decodes_to_original_units() -> None:
    y = pd.Series([100.0, 200.0, 300.0, 400.0])
    codec = _round_trip(make_label_codec("regression").fit(y))
    target = codec.encode(y)
    assert target.shape == (4, 1) and target.dtype == np.float32
    assert abs(float(target.mean())) < 1e-6 and abs(float(target.std()) - 1) < 1e-6
    np.testing.assert_allclose(codec.decode(target), y.to_numpy(), rtol=1e-6)
    assert codec.probabilities(target) is None


def test_binary_codec_decides_at_its_threshold_and_keeps_it() -> None:
    from app.data.tasks import BinaryLabelCodec, label_codec_from_dict

    codec = BinaryLabelCodec().fit(pd.Series(["bad", "good", "good"]))
    outputs = np.array([[0.2], [0.4], [0.9]], dtype=np.float32)
    assert list(codec.decode(outputs)) == ["bad", "bad", "good"]
    codec.threshold = 0.3
    assert list(codec.decode(outputs)) == ["bad", "good", "good"]
    again = label_codec_from_dict(codec.to_dict())
    assert again.threshold == 0.3 and list(again.decode(outputs)) == ["bad", "good", "good"]
    older = {key: value for key, value in codec.to_dict().items() if key != "threshold"}
    assert label_codec_from_dict(older).threshold == 0.5  # models saved before thresholds existed
