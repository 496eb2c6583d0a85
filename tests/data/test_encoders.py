"""Encoders and imputation against their scikit-learn equivalents."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn import preprocessing as skp
from sklearn.impute import MissingIndicator, SimpleImputer

from app.data.encoder_base import EncodingError
from app.data.encoders import ENCODER_NAMES, default_encoder, encoded_width, encoder_from_dict, make_encoder
from app.data.imputation import Imputer
from app.data.table_encoding import ColumnEncoder, TableEncoder

RNG = np.random.default_rng(0)
NUMBERS = pd.Series(RNG.normal(5, 3, 200))
NEW_NUMBERS = pd.Series(RNG.normal(5, 6, 50))
COLOURS = pd.Series(RNG.choice(["red", "green", "blue", "amber"], 200))
NEW_COLOURS = pd.Series(["red", "violet", "blue", None, "green"])


def _column(values: pd.Series) -> np.ndarray:
    return values.to_numpy().reshape(-1, 1)


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("standardize", skp.StandardScaler()),
        ("minmax", skp.MinMaxScaler()),
        ("scale_pm1", skp.MinMaxScaler(feature_range=(-1, 1))),
    ],
)
def test_scalers_equal_scikit_learn(name: str, reference: object) -> None:
    encoder = make_encoder(name).fit(NUMBERS)
    expected = reference.fit(_column(NUMBERS)).transform(_column(NEW_NUMBERS))  # type: ignore[attr-defined]
    got = encoder.transform(NEW_NUMBERS)
    assert got.dtype == np.float32 and got.shape == (50, 1)
    np.testing.assert_allclose(got, expected.astype(np.float32), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["standardize", "minmax", "scale_pm1"])
def test_constant_column_does_not_divide_by_zero(name: str) -> None:
    constant = pd.Series([3.0] * 5)
    reference = {
        "standardize": skp.StandardScaler(),
        "minmax": skp.MinMaxScaler(),
        "scale_pm1": skp.MinMaxScaler(feature_range=(-1, 1)),
    }[name]
    expected = reference.fit_transform(_column(constant))
    np.testing.assert_allclose(make_encoder(name).fit(constant).transform(constant), expected)


def test_onehot_equals_scikit_learn_and_reports_unseen() -> None:
    encoder = make_encoder("onehot").fit(COLOURS)
    reference = skp.OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    reference.fit(_column(COLOURS))
    known = NEW_COLOURS.fillna("red")
    expected = reference.transform(_column(known))
    got = encoder.transform(known)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)
    assert encoder.categories == list(reference.categories_[0])
    assert encoder.unseen(NEW_COLOURS).tolist() == [False, True, False, False, False]
    assert got[1].sum() == 0  # unseen: all zeros


def test_ordinal_equals_scikit_learn() -> None:
    encoder = make_encoder("ordinal").fit(COLOURS)
    reference = skp.OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
    reference.fit(_column(COLOURS))
    known = NEW_COLOURS.fillna("red")
    np.testing.assert_array_equal(encoder.transform(known), reference.transform(_column(known)))


def test_binarize_equals_label_binarizer() -> None:
    values = pd.Series(RNG.choice(["no", "yes"], 40))
    expected = skp.LabelBinarizer().fit(values).transform(values)
    np.testing.assert_array_equal(make_encoder("binarize").fit(values).transform(values), expected)
    booleans = pd.Series([True, False, True])
    assert make_encoder("binarize").fit(booleans).transform(booleans).ravel().tolist() == [1, 0, 1]


def test_binarize_refuses_three_values() -> None:
    with pytest.raises(EncodingError, match="at most two values"):
        make_encoder("binarize").fit(COLOURS)


def test_numeric_encoder_refuses_text_with_column_name() -> None:
    with pytest.raises(EncodingError, match='Column "colour": .*text such as'):
        ColumnEncoder("colour", "standardize").fit(COLOURS)


def test_categories_match_across_number_spellings() -> None:
    encoder = make_encoder("onehot").fit(pd.Series([1, 2, 3]))
    np.testing.assert_array_equal(
        encoder.transform(pd.Series(["2", 3.0])), [[0, 1, 0], [0, 0, 1]]
    )


@pytest.mark.parametrize("name", ENCODER_NAMES)
def test_inverse_transform_round_trips_and_dict_is_json(name: str) -> None:
    values = {
        "binarize": pd.Series(["no", "yes", "yes", "no"]),
        "onehot": COLOURS,
        "ordinal": COLOURS,
    }.get(name, NUMBERS)
    encoder = make_encoder(name).fit(values)
    restored = encoder_from_dict(json.loads(json.dumps(encoder.to_dict())))
    block = restored.transform(values)
    np.testing.assert_array_equal(block, encoder.transform(values))
    assert block.shape == (len(values), encoder.width)
    back = restored.inverse_transform(block)
    if name in ("standardize", "minmax", "scale_pm1", "robust", "quantile", "passthrough"):
        np.testing.assert_allclose(back, values.to_numpy(), rtol=1e-5, atol=1e-5)
    else:
        assert back.tolist() == values.tolist()


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
def test_imputer_equals_simple_imputer(strategy: str) -> None:
    values = pd.Series([1.0, np.nan, 4.0, 4.0, 10.0, np.nan, 2.0])
    imputer = Imputer(strategy, add_indicator=True).fit(values)  # type: ignore[arg-type]
    reference = SimpleImputer(strategy=strategy, fill_value=0 if strategy == "constant" else None)
    expected = reference.fit_transform(_column(values)).ravel()
    np.testing.assert_allclose(imputer.transform(values).to_numpy(dtype=float), expected)
    indicator = MissingIndicator().fit_transform(_column(values)).astype(np.float32)
    np.testing.assert_array_equal(imputer.indicator(values), indicator)
    again = Imputer.from_dict(json.loads(json.dumps(imputer.to_dict())))
    np.testing.assert_array_equal(again.transform(values), imputer.transform(values))


def test_imputer_most_frequent_text_ties_go_to_smallest() -> None:
    values = pd.Series(["b", "a", None, "b", "a"], dtype=object)
    imputer = Imputer("most_frequent").fit(values)
    expected = SimpleImputer(strategy="most_frequent").fit(_column(values)).statistics_[0]
    assert imputer.statistic == expected == "a"


def test_table_encoder_imputes_adds_indicator_and_serialises() -> None:
    frame = pd.DataFrame(
        {"age": [20.0, np.nan, 40.0, 30.0], "colour": ["red", "blue", None, "red"], "n": [1, 2, 3, 4]}
    )
    table = TableEncoder({"age": "standardize", "colour": "onehot", "n": "minmax"}).fit(frame)
    X = table.transform(frame)
    assert X.dtype == np.float32 and X.shape == (4, table.width) == (4, 2 + 3 + 1)
    assert table.output_names() == [
        "age", "age is missing", "colour=blue", "colour=red", "colour is missing", "n",
    ]
    assert table.blocks()["colour"] == slice(2, 5)
    assert X[1, 0] == 0.0 and X[1, 1] == 1.0  # the mean, standardized, and the indicator
    restored = TableEncoder.from_dict(json.loads(json.dumps(table.to_dict())))
    np.testing.assert_array_equal(restored.transform(frame), X)
    new = pd.DataFrame({"age": [25.0], "colour": ["green"], "n": [9]})
    assert restored.unseen_counts(new) == {"colour": 1}


def test_defaults_and_widths() -> None:
    assert default_encoder("numeric") == "standardize"
    assert default_encoder("categorical") == "onehot"
    assert default_encoder("boolean") == "binarize"
    assert default_encoder("id") is None and default_encoder("text") is None
    assert encoded_width("onehot", distinct=4) == 4
    assert encoded_width("onehot", distinct=4, missing=3) == 5
    assert encoded_width("standardize", distinct=100) == 1
