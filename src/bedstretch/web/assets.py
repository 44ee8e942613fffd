"""The static files (``web/static``: a few small scripts and a style sheet), read once and served
from memory in the event loop.

Starlette's ``StaticFiles`` reads each file in the shared thread pool; when every thread of that
pool waits on a database that stopped answering, the pages' scripts would stall with it. These
answer whatever the database does. The same headers as before: the type, the length, an ETag
(a ``304`` for ``If-None-Match``), ``HEAD`` as ``GET`` without the body.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

__all__ = ["StaticAssets"]

TEXT_TYPES = {".js": "text/javascript", ".css": "text/css"}


class StaticAssets:
    """An ASGI app serving the files directly in ``directory`` (mount it at ``/static``)."""

    def __init__(self, directory: Path) -> None:
        self.files: dict[str, tuple[bytes, list[tuple[bytes, bytes]], bytes]] = {}
        for path in sorted(directory.iterdir()):
            if not path.is_file():
                continue
            data = path.read_bytes()
            kind = TEXT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
            kind = kind or "application/octet-stream"
            if kind.startswith("text/"):
                kind += "; charset=utf-8"
            etag = f'"{hashlib.sha256(data).hexdigest()[:20]}"'.encode()
            headers = [
                (b"content-type", kind.encode()),
                (b"content-length", str(len(data)).encode()),
                (b"etag", etag),
            ]
            self.files[path.name] = (data, headers, etag)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise HTTPException(404)
        root = scope.get("root_path", "")
        path: str = scope["path"]
        name = path[len(root) :] if root and path.startswith(root) else path
        found = self.files.get(name.lstrip("/"))
        if found is None or "/" in name.lstrip("/"):
            raise HTTPException(404)
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        data, headers, etag = found
        sent_tags = Headers(scope=scope).get("if-none-match", "")
        if etag.decode() in {tag.strip() for tag in sent_tags.split(",")}:
            kept = [(k, v) for k, v in headers if k != b"content-length"]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else data})
