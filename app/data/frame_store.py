"""A dataset's rows as read, stored as Parquet beside the uploaded file.

Re-reading a CSV repeats the sniffing, parsing and cleaning; Parquet keeps the cleaned columns
with their types, so experiments load it in a fraction of the time. The file records the
missing-value tokens it was read with (None: the default rule); a reader asking for other
tokens gets None and re-reads the original.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

_TOKENS_KEY = b"layerlab.missing_tokens"
# A row group is encoded whole in memory before it is written: small groups keep a million-row
# upload's peak memory near the frame's own size.
ROW_GROUP_ROWS = 65_536
_DICTIONARY_SAMPLE = 10_000


def frame_path(original: Path) -> Path:
    return original.with_name(f"{original.stem}.frame.parquet")


def write_frame(frame: pd.DataFrame, path: Path, missing_tokens: list[str] | None) -> None:
    """Write atomically: a reader never sees half a file."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[_TOKENS_KEY] = json.dumps(missing_tokens).encode()
    partial = path.with_name(path.name + ".part")
    # Dictionaries only for text columns with few distinct values (a dictionary for a column of
    # codes or timestamps costs a hash of every value for nothing), no compression and no column
    # statistics: this copy is read whole, never filtered, and compressing and summarising it
    # cost more CPU than reading the CSV (it lives beside the uploaded file, in the same order
    # of size).
    columns = zip(table.schema, table.columns, strict=True)
    categories = [field.name for field, column in columns if _repeats_values(column)]
    pq.write_table(
        table.replace_schema_metadata(metadata),
        partial,
        compression="none",
        use_dictionary=categories,
        write_statistics=False,
        row_group_size=ROW_GROUP_ROWS,
    )
    os.replace(partial, path)


def _repeats_values(column: pa.ChunkedArray) -> bool:
    """Is this a text column whose first values repeat (a category rather than a key)?"""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return False
    head = column.slice(0, _DICTIONARY_SAMPLE)
    return pc.count_distinct(head).as_py() <= len(head) // 2


def read_frame(path: Path, missing_tokens: list[str] | None) -> pd.DataFrame | None:
    """The stored rows if they were read with these tokens; None if absent or read otherwise."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid):
        return None
    stored = (schema.metadata or {}).get(_TOKENS_KEY)
    if stored is None or json.loads(stored) != missing_tokens:
        return None
    return pq.read_table(path).to_pandas()
