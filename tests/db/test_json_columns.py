"""JSON columns parse with orjson, and what only Python's json writes still reads back."""

from __future__ import annotations

import math
from pathlib import Path

from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, select

from app.db.session import make_engine


def test_json_columns_read_back_nan_infinity_and_ordinary_values(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'json.db'}")
    table = Table("docs", MetaData(), Column("id", Integer, primary_key=True), Column("doc", JSON))
    table.metadata.create_all(engine)
    ordinary = {"name": "é", "values": [1, 2.5, None, True], "nested": {"big": 2**62}}
    with engine.begin() as connection:
        connection.execute(insert(table), [{"id": 1, "doc": ordinary},
                                           {"id": 2, "doc": {"a": math.nan, "b": math.inf}}])
    with engine.connect() as connection:
        rows = dict(connection.execute(select(table.c.id, table.c.doc)).all())
    assert rows[1] == ordinary
    assert math.isnan(rows[2]["a"]) and rows[2]["b"] == math.inf
    assert engine.dialect._json_deserializer.__module__ == "app.db.session"  # ours, not json.loads
