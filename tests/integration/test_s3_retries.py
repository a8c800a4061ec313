"""Throttling and 5xx from S3 are retried with backoff: a proxy on 127.0.0.1 answers the first try of every request
with 503 SlowDown (or 500), then lets the retry through to the local S3."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from audioflan_ray.storage import Root, StorageOptions
from tests.integration.conftest import make_bucket

pytestmark = pytest.mark.integration


class FlakyProxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int]
    seen: set[tuple[str, str]]
    failures: list[int]
    lock = threading.Lock()

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        key = (self.command, self.path)
        with self.lock:
            first = key not in self.seen
            self.seen.add(key)
        if first:
            code = 503 if len(self.failures) % 2 == 0 else 500
            self.failures.append(code)
            msg = b"<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>"
            head = self.command == "HEAD"
            self.send_response(code)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", "0" if head else str(len(msg)))
            self.end_headers()
            if not head:
                self.wfile.write(msg)
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("expect", "connection")}
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection") and not (
                k.lower() == "content-length" and self.command != "HEAD"
            ):
                self.send_header(k, v)
        if self.command != "HEAD":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def flaky(s3_endpoint: str) -> Iterator[tuple[str, list[int]]]:
    host, port = s3_endpoint.removeprefix("http://").split(":")
    handler = type("H", (FlakyProxy,), {"upstream": (host, int(port)), "seen": set(), "failures": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.failures
    finally:
        server.shutdown()


def test_writes_and_reads_survive_throttling_and_5xx(s3_endpoint: str, flaky: tuple[str, list[int]]) -> None:
    proxy, failures = flaky
    make_bucket(s3_endpoint, "flaky")
    root = Root("s3://flaky/out", StorageOptions(endpoint_url=proxy))
    payload = bytes(range(256)) * 40000  # ~10 MB: a multipart upload with several parts
    with root.open("shards/a.tar", "wb") as f:
        for i in range(0, len(payload), 1 << 20):
            f.write(payload[i : i + (1 << 20)])
    root.write_bytes_atomic("manifest.json", b'{"ok": true}')
    assert root.read_bytes("shards/a.tar") == payload
    assert root.read_bytes("manifest.json") == b'{"ok": true}'
    assert root.find("shards") == {"shards/a.tar": len(payload)}
    assert len(failures) >= 5 and 503 in failures and 500 in failures
