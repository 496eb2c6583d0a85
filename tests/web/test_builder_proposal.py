"""The builder's proposal is LayerLab's one spec proposer: features, encoders, layers and
training settings from the stored profile, sized by the rules of jobs/defaults.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import load_iris

from app.data.profiling import profile_frame
from app.db.models import Dataset
from app.jobs.defaults import propose_layers, propose_training
from app.specs import ExperimentSpec
from app.web.builder_state import initial_state


def _iris() -> pd.DataFrame:
    bunch = load_iris(as_frame=True)
    frame = bunch.frame.drop(columns="target")
    frame.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    frame["species"] = np.asarray(bunch.target_names)[bunch.target]
    frame["garden"] = np.random.default_rng(0).choice(["north", "south", "east"], len(frame))
    frame.loc[[4, 9], "sepal_width"] = np.nan
    return frame


def test_the_proposal_from_a_profile() -> None:
    frame = _iris()
    dataset = Dataset(id=3, row_count=len(frame), profile=profile_frame(frame).to_dict())
    state = initial_state(dataset, set(), label="species")
    spec = ExperimentSpec.model_validate(state.spec_dict)
    assert spec.features == ["sepal_length", "sepal_width", "petal_length", "petal_width", "garden"]
    assert spec.encoders["garden"] == "onehot" and spec.encoders["petal_width"] == "standardize"
    train_rows = state.split_rows["train"]
    assert spec.layers == propose_layers("multiclass", train_rows, state.diagram["inputs"], 3)
    assert spec.training.batch_size == propose_training("multiclass", train_rows).batch_size
