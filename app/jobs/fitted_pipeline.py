"""The part of an experiment a trained model keeps: the fitted encoders and the label codec,
to encode new rows and decode the network's outputs (JSON via to_dict / from_dict)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from app.data.table_encoding import TableEncoder
from app.data.tasks import LabelCodec, label_codec_from_dict
from app.engine import Network

# Per task: the output activation and the loss.
OUTPUT_OF_TASK = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}
LOSS_OF_TASK = {
    "binary": "binary_crossentropy",
    "multiclass": "categorical_crossentropy",
    "regression": "mse",
}


@dataclass
class FittedPipeline:
    """Encoders fitted on the training split, and the label's codec."""

    label: str
    task: str
    task_explanation: str
    table: TableEncoder
    label_codec: LabelCodec

    @property
    def features(self) -> list[str]:
        return self.table.features

    @property
    def feature_names(self) -> list[str]:
        """One name per input column of the network, e.g. "island=Biscoe"."""
        return self.table.output_names()

    @property
    def n_inputs(self) -> int:
        return self.table.width

    @property
    def n_outputs(self) -> int:
        return len(self.label_codec.classes) if self.task == "multiclass" else 1

    @property
    def output_activation(self) -> str:
        return OUTPUT_OF_TASK[self.task]

    loss: str = ""  # the engine's loss; by default the task's (LOSS_OF_TASK)

    def __post_init__(self) -> None:
        self.loss = self.loss or LOSS_OF_TASK[self.task]

    def transform_new_rows(self, frame: pd.DataFrame) -> np.ndarray:
        """The network's inputs for these rows, shape (n, n_inputs), float32."""
        return self.table.transform(frame)

    def unseen_values(self, frame: pd.DataFrame) -> dict[str, int]:
        """Per feature, how many of these rows hold a category not seen in training."""
        return self.table.unseen_counts(frame)

    def predict(self, net: Network, frame: pd.DataFrame) -> pd.DataFrame:
        """Decoded predictions for new rows: "predicted", plus "probability: <class>" columns."""
        return self.decode(net.predict(self.transform_new_rows(frame)))

    def decode(self, outputs: np.ndarray) -> pd.DataFrame:
        """Network outputs (n, n_outputs) as labels or original units, with probabilities."""
        columns: dict[str, Any] = {"predicted": self.label_codec.decode(outputs)}
        probabilities = self.label_codec.probabilities(outputs)
        if probabilities is not None:
            for i, name in enumerate(self.label_codec.classes):
                columns[f"probability: {name}"] = probabilities[:, i]
        return pd.DataFrame(columns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "task": self.task,
            "task_explanation": self.task_explanation,
            "features": self.table.to_dict(),
            "label_codec": self.label_codec.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FittedPipeline:
        return cls(
            data["label"],
            data["task"],
            data["task_explanation"],
            TableEncoder.from_dict(data["features"]),
            label_codec_from_dict(data["label_codec"]),
        )
