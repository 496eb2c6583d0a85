"""torch_model.py in the zip: PyTorch, fed the same new rows, gives LayerLab's probabilities.
Skipped where PyTorch (a benchmark-only tool, never a dependency) is absent."""

from __future__ import annotations

import csv
import importlib.util
import io
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import numpy as np
import pytest

from app.data.csv_reader import CsvLimits, read_csv_file
from app.jobs.artifacts import save_outcome
from app.jobs.model_export import build_model_zip
from app.jobs.pipeline import run_experiment
from app.specs import ExperimentSpec

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed: `.tools/bin/pip --python .venv/bin/python install torch==2.13.0`")

FEATURES = ["age", "city", "size", "member", "visits"]
ENCODERS = {"age": "standardize", "city": "onehot", "size": "ordinal", "member": "binarize", "visits": "minmax"}
CASES: dict[str, tuple[str, list[dict[str, Any]]]] = {
    "binary": ("churned", [{"units": 8, "activation": "relu", "dropout": 0.2, "batchnorm": True},
                           {"units": 6, "activation": "gelu"}, {"units": 4, "activation": "sigmoid"}]),
    "multiclass": ("plan", [{"units": 8, "activation": "elu", "batchnorm": True},
                            {"units": 6, "activation": "leaky_relu"}, {"units": 5, "activation": "linear"}]),
    "regression": ("spend", [{"units": 8, "activation": "tanh", "batchnorm": True, "dropout": 0.1}]),
}
NEW_ROWS = [
    ["age", "city", "size", "member", "visits"],
    ["35.5", "Oslo", "M", "yes", "3"], ["", "Lima", "S", "no", "0"], ["NA", "Tokyo", "XL", "yes", "12"],
    ["61", "", "L", "", "7"], ["19.0", "Pune", "", "no", "19"], ["48", "Kyiv", "L", "maybe", "40"],
]


def _table(rows: int = 200) -> Any:
    import pandas as pd

    rng = np.random.default_rng(0)
    age = rng.normal(40, 12, rows).round(1)
    city = rng.choice(["Oslo", "Lima", "Pune", "Kyiv"], rows).astype(object)
    frame = pd.DataFrame({"age": age, "city": city, "size": rng.choice(["S", "M", "L"], rows),
                          "member": rng.choice(["yes", "no"], rows), "visits": rng.integers(0, 20, rows)})
    frame.loc[rng.choice(rows, 20, replace=False), "age"] = np.nan
    frame.loc[rng.choice(rows, 15, replace=False), "city"] = None
    signal = (age - 40) / 12 + (city == "Oslo") - (city == "Lima")
    frame["churned"] = np.where(signal + rng.normal(0, 0.5, rows) > 0, "yes", "no")
    frame["plan"] = np.array(["basic", "plus", "pro"])[np.digitize(signal, [-0.5, 0.5])]
    frame["spend"] = (30 * signal + rng.normal(0, 5, rows)).round(2)
    return frame


def _load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"torch_model_{path.parent.name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("task", list(CASES))
def test_torch_model_reproduces_layerlab(task: str, tmp_path: Path) -> None:
    label, layers = CASES[task]
    spec = ExperimentSpec.model_validate({
        "dataset_id": 1, "label": label, "task": task, "features": FEATURES, "encoders": ENCODERS,
        "layers": layers, "training": {"epochs": 6, "batch_size": 16, "learning_rate": 0.02}})
    outcome = run_experiment(_table(), spec, importance_repeats=1)
    save_outcome(tmp_path / "artifacts", outcome)
    experiment = SimpleNamespace(id=1, spec=spec.model_dump(mode="json"), metrics=outcome.metrics, best_epoch=1,
                                 finished_at=None, summary={},
                                 dataset=SimpleNamespace(name="d.csv", sha256="0" * 64, row_count=200, read_options={}))
    data = build_model_zip(experiment=experiment, directory=tmp_path / "artifacts")  # type: ignore[arg-type]
    folder = tmp_path / f"model_{task}"
    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    with (tmp_path / "new.csv").open("w", newline="") as file:
        csv.writer(file).writerows(NEW_ROWS)
    expected = outcome.pipeline.predict(outcome.network, read_csv_file(tmp_path / "new.csv", CsvLimits()).frame)

    module = _load_module(folder / "torch_model.py")
    model, net = module.load_network(folder)
    assert isinstance(net, torch.nn.Sequential)
    got = module.predict(model, net, module.encode_rows(model, module.read_csv(tmp_path / "new.csv")))
    assert list(got) == list(expected.columns)
    script = subprocess.run([sys.executable, str(folder / "torch_model.py"), str(tmp_path / "new.csv")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert script.returncode == 0, script.stderr
    assert script.stdout.splitlines()[0] == ",".join(expected.columns) and len(script.stdout.splitlines()) == 7
    if task == "regression":
        np.testing.assert_allclose(got["predicted"], expected["predicted"].to_numpy(float), rtol=1e-5)
        return
    assert got["predicted"] == list(expected["predicted"])
    for column in expected.columns[1:]:
        np.testing.assert_allclose(got[column], expected[column].to_numpy(float), atol=1e-5)
