"""Shared by the /v1/upload tests: sample images, a local image host, storage snapshots."""

import http.server
import io
import os
import ssl
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.support.servers import free_port

MIB = 1024 * 1024


# --- images ----------------------------------------------------------------------------------


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), *, noise: bool = False, **save: object) -> bytes:
    """A real image of `fmt` (a Pillow format name)."""
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 90))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_padded_to(total: int) -> bytes:
    """A decodable PNG of exactly `total` bytes: a private ancillary chunk fills it up."""
    png = image_bytes("PNG")
    iend = png_chunk(b"IEND", b"")
    assert png.endswith(iend)
    padding = total - len(png) - 12
    return png[: -len(iend)] + png_chunk(b"thRd", b"\0" * padding) + iend


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims `width` x `height` pixels but carries one tiny compressed row."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def part(data: bytes, name: str = "image.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- storage ---------------------------------------------------------------------------------


def stored_names(prefix: str = "uploads") -> set[str]:
    """Every object under `prefix` in default storage (local folder or S3 bucket)."""
    try:
        dirs, files = default_storage.listdir(prefix)
    except FileNotFoundError:
        return set()
    names = {f"{prefix}/{name}" for name in files}
    for sub in dirs:
        names |= stored_names(f"{prefix}/{sub}")
    return names


def broken_storages(settings, tmp_path) -> dict:
    """The real storage backend pointed somewhere that cannot take a write."""
    default = dict(settings.STORAGES["default"])
    if settings.STORAGE_BACKEND == "s3":
        default["OPTIONS"] = {**default["OPTIONS"], "endpoint_url": f"http://127.0.0.1:{free_port()}"}
    else:
        blocker = tmp_path / "a-file"
        blocker.write_text("not a folder")
        default = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "media")},
        }
    return {**settings.STORAGES, "default": default}


# --- a local image host ----------------------------------------------------------------------

Route = Callable[[http.server.BaseHTTPRequestHandler], None]


def serve(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Route:
    """A route answering `status` with `body` (Content-Length set unless `headers` has one)."""

    def route(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        sent = {"Content-Type": "image/png", "Content-Length": str(len(body)), **(headers or {})}
        for name, value in sent.items():
            if value is not None:
                handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    return route


def redirect(status: int, location: str = "/elsewhere.png") -> Route:
    return serve(b"", status, {"Location": location})


@dataclass
class ImageHost:
    """A threaded HTTP server on 127.0.0.1 serving `routes`; records each request."""

    routes: dict[str, Route]
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@contextmanager
def image_host(routes: dict[str, Route], *, tls: ssl.SSLContext | None = None) -> Iterator[ImageHost]:
    """Serve `routes` on a free loopback port (over TLS with the `tls` server context)."""
    host = ImageHost(routes)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            host.requests.append((self.path, dict(self.headers.items())))
            route = host.routes.get(self.path.split("?", 1)[0])
            (route or serve(b"not found", 404, {"Content-Type": "text/plain"}))(self)
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # the client hung up on purpose (a cut-off or timed-out fetch)

    server = Server(("127.0.0.1", 0), Handler)
    server.image_host = host  # type: ignore[attr-defined]  # routes see `handler.server.image_host`
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    host.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        host.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
