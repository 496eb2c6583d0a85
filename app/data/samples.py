"""Sample datasets bundled with scikit-learn, written out as CSV files a person could upload.

Class labels are written as their names ("setosa", "malignant"), not as numbers, so the
samples exercise the same reading, profiling and decoding as a user's own file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sklearn import datasets


@dataclass(frozen=True)
class SampleInfo:
    key: str
    title: str
    description: str
    rows: int
    columns: int
    label: str
    task: str


SAMPLES: tuple[SampleInfo, ...] = (
    SampleInfo(
        "iris",
        "Iris flowers",
        "Three species of iris told apart by the length and width of their petals and sepals.",
        150,
        5,
        "species",
        "multiclass",
    ),
    SampleInfo(
        "wine",
        "Wine cultivars",
        "Thirteen chemical measurements of Italian wines from three cultivars.",
        178,
        14,
        "cultivar",
        "multiclass",
    ),
    SampleInfo(
        "breast_cancer",
        "Breast cancer diagnosis",
        "Thirty measurements of cell nuclei in breast tissue images, benign or malignant.",
        569,
        31,
        "diagnosis",
        "binary",
    ),
    SampleInfo(
        "diabetes",
        "Diabetes progression",
        "Age, sex, body mass index, blood pressure and six blood serum measurements predicting "
        "disease progression one year later.",
        442,
        11,
        "progression",
        "regression",
    ),
)


def sample_datasets() -> list[SampleInfo]:
    return list(SAMPLES)


def sample_frame(key: str) -> pd.DataFrame:
    """The sample as a table, its label as the last column; KeyError for an unknown key."""
    info = _info(key)
    return _LOADERS[key](info.label)


def write_sample_csv(key: str, path: Path) -> str:
    """Write the sample to `path` as UTF-8 CSV; return the file name to show, e.g. "iris.csv"."""
    frame = sample_frame(key)
    frame.to_csv(path, index=False)
    return f"{key}.csv"


def _info(key: str) -> SampleInfo:
    for info in SAMPLES:
        if info.key == key:
            return info
    raise KeyError(key)


def _classification(loader: Callable[..., object]) -> Callable[[str], pd.DataFrame]:
    def load(label: str) -> pd.DataFrame:
        bunch = loader(as_frame=True)
        frame = bunch.data.copy()  # type: ignore[attr-defined]
        names = list(bunch.target_names)  # type: ignore[attr-defined]
        frame[label] = [names[code] for code in bunch.target]  # type: ignore[attr-defined]
        return frame

    return load


def _diabetes(label: str) -> pd.DataFrame:
    # The original units (age in years, sex as 1/2, ...) rather than scikit-learn's scaled copy.
    bunch = datasets.load_diabetes(as_frame=True, scaled=False)
    frame = bunch.data.copy()
    frame[label] = bunch.target
    return frame


_LOADERS: dict[str, Callable[[str], pd.DataFrame]] = {
    "iris": _classification(datasets.load_iris),
    "wine": _classification(datasets.load_wine),
    "breast_cancer": _classification(datasets.load_breast_cancer),
    "diabetes": _diabetes,
}
