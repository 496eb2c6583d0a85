"""Ingest a table file: read it with guards, profile it, hash it and stage its Parquet copy.

The one place where an upload or a stored file becomes rows and a profile; `db/datasets.py`
only stores what this returns.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from app.data.csv_reader import CsvLimits, ParsedCsv
from app.data.frame_store import frame_path, write_frame
from app.data.profiling import DatasetProfile, profile_frame
from app.data.table_files import read_table_file

HASH_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class IngestedTable:
    """A file read and profiled; its Parquet copy waits at `staged_frame` to move with it."""

    parsed: ParsedCsv
    profile: DatasetProfile
    sha256: str
    staged_frame: Path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def ingest_file(path: Path, limits: CsvLimits, sheet: str | None = None, sha256: str | None = None) -> IngestedTable:
    """Read and profile `path` (CSV, .xlsx, Parquet; `sheet`: a workbook's sheet; `sha256`: its
    digest, when it was taken as the file arrived).

    Hashing the file (unless known) and writing the Parquet copy run on other threads beside
    reading and profiling: each spends most of its time outside the GIL. Raises ``CsvError``
    for a file that cannot be used, leaving no staged copy behind.
    """
    staged = frame_path(path)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            hashing = None if sha256 is not None else pool.submit(_sha256, path)
            parsed = read_table_file(path, limits, sheet=sheet)
            storing = pool.submit(write_frame, parsed.frame, staged, parsed.options.missing_tokens)
            profile = profile_frame(parsed.frame, column_notes=parsed.column_notes, value_counts=parsed.value_counts)
            storing.result()
            digest = hashing.result() if hashing is not None else sha256
            assert digest is not None
            return IngestedTable(parsed, profile, digest, staged)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise


def reingest_with_tokens(
    path: Path, limits: CsvLimits, tokens: list[str], sheet: str | None = None
) -> tuple[ParsedCsv, DatasetProfile]:
    """Re-read a stored file with the person's missing-value tokens, profile it again and
    rewrite its Parquet copy. Raises ``CsvError`` (nothing changed) if it cannot be read."""
    parsed = read_table_file(path, limits, missing_tokens=tokens, sheet=sheet)
    profile = profile_frame(
        parsed.frame, column_notes=parsed.column_notes, missing_tokens=tokens, value_counts=parsed.value_counts
    )
    write_frame(parsed.frame, frame_path(path), tokens)
    return parsed, profile
