"""Stream a multipart upload's `file` part straight to disk, enforcing the size limit.

Starlette's form parser would spool the whole body before we could look at its
size; this reads the request stream chunk by chunk and stops at the limit.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from app.data.digests import StreamingSha256
from app.services.errors import ServiceError

MULTIPART_OVERHEAD_BYTES = 64 * 1024  # headers and boundaries around the file part
PART_PATTERNS = ("upload-*.part", "sample-*.part")  # files being received, before they become datasets


def remove_stray_parts(directory: Path) -> int:
    """Delete the parts a killed server left behind (no upload is in flight at start-up)."""
    removed = 0
    for pattern in PART_PATTERNS:
        for part in directory.glob(pattern):
            part.unlink(missing_ok=True)
            removed += 1
    return removed


class UploadError(ServiceError):
    """An upload refused before it is read: too large, not a form, cut short."""


@dataclass(frozen=True)
class ReceivedFile:
    path: Path
    filename: str
    size: int
    sheet: str | None = None  # the optional `sheet` field: which sheet of a workbook to read
    sha256: str | None = None  # the file's digest, taken while it arrived (when asked for)


SHEET_FIELD_BYTES = 256


def _megabytes(limit_bytes: int) -> str:
    return f"{limit_bytes / (1024 * 1024):g} MB"


_CALLBACKS = (
    "on_part_begin",
    "on_header_field",
    "on_header_value",
    "on_header_end",
    "on_headers_finished",
    "on_part_data",
    "on_part_end",
)


class _FilePartCollector:
    """Callbacks for MultipartParser that keep the part named `file`."""

    def __init__(self, sink: IO[bytes], limit_bytes: int, digest: StreamingSha256 | None) -> None:
        self.sink = sink
        self.digest = digest
        self.limit_bytes = limit_bytes
        self.size = 0
        self.filename: str | None = None
        self._headers: dict[bytes, bytes] = {}
        self._field = b""
        self._value = b""
        self._in_file = False
        self._in_sheet = False
        self.sheet: bytes | None = None

    def on_part_begin(self) -> None:
        self._headers = {}
        self._in_file = False
        self._in_sheet = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = self._value = b""

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        if params.get(b"name") == b"file" and self.filename is None:
            self._in_file = True
            self.filename = params.get(b"filename", b"upload.csv").decode("utf-8", "replace")
        elif params.get(b"name") == b"sheet" and self.sheet is None:
            self._in_sheet = True
            self.sheet = b""

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_sheet and self.sheet is not None:
            self.sheet += data[start:end]
            if len(self.sheet) > SHEET_FIELD_BYTES:
                raise UploadError(422, "The sheet name is too long; a sheet name has at most 31 characters.")
            return
        if not self._in_file:
            return
        self.size += end - start
        if self.size > self.limit_bytes:
            raise UploadError(413, f"The file is larger than the {_megabytes(self.limit_bytes)} limit.")
        chunk = memoryview(data)[start:end]  # a view: no copy of every chunk
        self.sink.write(chunk)
        if self.digest is not None:
            self.digest.feed(chunk)

    def on_part_end(self) -> None:
        self._in_file = False
        self._in_sheet = False


async def receive_csv_upload(
    request: Request, *, temp_dir: Path, limit_bytes: int, with_sha256: bool = False
) -> ReceivedFile:
    """Write the request's `file` part to a temporary file in `temp_dir` and return it;
    `with_sha256`: hash it as it arrives (a dataset records its file's digest).

    The caller owns the returned file and must delete or move it.
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in params:
        raise UploadError(415, 'Send the CSV as a multipart form upload with a field named "file".')
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit_bytes + MULTIPART_OVERHEAD_BYTES:
        raise UploadError(413, f"The file is larger than the {_megabytes(limit_bytes)} limit.")

    # Not a `with` here: the file must outlive this function when the upload succeeds.
    handle = tempfile.NamedTemporaryFile(dir=temp_dir, prefix="upload-", suffix=".part", delete=False)  # noqa: SIM115
    path = Path(handle.name)
    digest = StreamingSha256() if with_sha256 else None
    try:
        with handle:
            collector = _FilePartCollector(handle, limit_bytes, digest)
            callbacks = {name: getattr(collector, name) for name in _CALLBACKS}
            parser = MultipartParser(params[b"boundary"], callbacks)  # type: ignore[arg-type]
            async for chunk in request.stream():
                parser.write(chunk)
            parser.finalize()
        if collector.filename is None:
            raise UploadError(400, 'The upload has no field named "file"; choose a CSV file to send.')
        sheet = collector.sheet.decode("utf-8", "replace").strip() if collector.sheet else None
        sha256 = await run_in_threadpool(digest.hexdigest) if digest is not None else None
        return ReceivedFile(
            path=path, filename=collector.filename, size=collector.size, sheet=sheet or None, sha256=sha256
        )
    except UploadError:
        path.unlink(missing_ok=True)
        raise
    except Exception as exc:  # a malformed multipart body, or the client went away
        path.unlink(missing_ok=True)
        raise UploadError(400, "The upload was cut short or is not a valid form upload; try again.") from exc
    except BaseException:  # cancelled (the server is stopping): still leave nothing behind
        path.unlink(missing_ok=True)
        raise
    finally:
        if digest is not None:
            digest.close()
