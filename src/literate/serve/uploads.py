"""A multipart upload streamed straight into a private folder, under a size limit.

Starlette's own form parsing spools every file to the system temporary folder and reads the
whole body before the endpoint sees it; here the file part goes only to ``folder`` and the
request is refused (413) as soon as it passes ``max_bytes``, without reading the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from literate.reader.documents import SUFFIXES

MAX_FIELD_BYTES = 1000  # task, engine, dpi: short values
MAX_FIELDS = 16
FORM_SLACK = 64 * 1024  # multipart headers and the small fields around the file


class Refused(Exception):
    """A request the server will not take: its HTTP ``status`` and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class Upload:
    path: Path | None = None  # the file, inside the private folder
    name: str = "upload"  # the client's file name, reduced to a safe base name
    size: int = 0
    fields: dict[str, str] = field(default_factory=dict)


def safe_name(raw: str) -> str:
    """A client's file name as a plain base name: no folders, no control characters."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()[:200]
    return name if name not in ("", ".", "..") else "upload"


def _limit_line(max_bytes: int) -> str:
    return f"the upload is larger than the limit of {max_bytes / 2**20:.4g} MB"


class _Receiver:
    """The parser's callbacks: headers of each part, the file part to disk, fields to memory."""

    def __init__(self, folder: Path, max_bytes: int):
        self.folder, self.max_bytes = folder, max_bytes
        self.upload = Upload()
        self._header, self._value = b"", b""
        self._disposition = b""
        self._name: str | None = None
        self._file: BinaryIO | None = None
        self._data = bytearray()

    def on_part_begin(self) -> None:
        self._disposition, self._name, self._data = b"", None, bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        if self._header.lower() == b"content-disposition":
            self._disposition = self._value
        self._header, self._value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name")
        if name is None:
            raise Refused(400, "a form part has no name")
        self._name = name.decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.upload.fields) >= MAX_FIELDS:
                raise Refused(400, f"more than {MAX_FIELDS} form fields")
            return
        if self._name != "file":
            raise Refused(400, f"a file in the form field {self._name!r}: send it as 'file'")
        if self.upload.path is not None:
            raise Refused(400, "more than one file: send one file per request")
        self.upload.name = safe_name(options[b"filename"].decode("utf-8", "replace"))
        suffix = Path(self.upload.name).suffix.lower()
        self.upload.path = self.folder / f"upload{suffix if suffix in SUFFIXES else ''}"
        self._file = open(self.upload.path, "xb")  # noqa: SIM115 - closed in on_part_end/close

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self.upload.size += end - start
            if self.upload.size > self.max_bytes:
                raise Refused(413, _limit_line(self.max_bytes))
            self._file.write(data[start:end])
            return
        if len(self._data) + end - start > MAX_FIELD_BYTES:
            raise Refused(400, f"the form field {self._name!r} is too long")
        self._data += data[start:end]

    def on_part_end(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        elif self._name is not None:
            self.upload.fields[self._name] = self._data.decode("utf-8", "replace").strip()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


async def receive_upload(request: Request, folder: Path, max_bytes: int) -> Upload:
    """Stream the request's multipart body: the part named ``file`` into ``folder``, the
    other parts as short text fields. Raises ``Refused`` (400, or 413 past the limit)."""
    kind, params = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise Refused(400, "send the file as multipart/form-data in the field 'file'")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + FORM_SLACK:
        raise Refused(413, _limit_line(max_bytes))
    receiver = _Receiver(folder, max_bytes)
    callbacks = {
        name: getattr(receiver, name)
        for name in (
            "on_part_begin", "on_header_field", "on_header_value", "on_header_end",
            "on_headers_finished", "on_part_data", "on_part_end",
        )
    }  # fmt: skip
    parser = MultipartParser(params[b"boundary"], callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError as e:
        raise Refused(400, f"malformed multipart body ({e})") from None
    finally:
        receiver.close()
    if receiver.upload.path is None:
        raise Refused(400, "no file: send it in the form field 'file'")
    return receiver.upload
