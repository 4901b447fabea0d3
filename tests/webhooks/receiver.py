"""A webhook receiver for the tests: an HTTP server on 127.0.0.1 (a free port) in a thread,
recording every request and answering 500 as long as it is told to fail."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    """One request: its headers, body, and the status it was answered."""

    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """What the receiver got, and how it answers: `failures` more 500s (-1: always)."""

    url: str
    failures: int = 0
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        """Record a request and choose its status."""
        with self.lock:
            status = 500 if self.failures != 0 else 200
            if self.failures > 0:
                self.failures -= 1
            self.received.append(Received(headers, body, status))
            return status


@contextmanager
def receiver(failures: int = 0) -> Iterator[Receiver]:
    """A running receiver, stopped when the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = state.answer({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test reads what was received."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hook", failures=failures)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
