"""Throttling and 5xx from S3 are retried with backoff: a proxy on 127.0.0.1 answers the first try of every request
with 503 SlowDown (or 500), then lets the retry through to the local S3."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from audioflan_ray.storage import Root, StorageOptions
from tests.conftest import SAMPLES, offline_guard, run_cli
from tests.integration.conftest import make_bucket, upload_tree

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


class BrokenObjectProxy(FlakyProxy):
    """Answers 503 SlowDown to every GET of the objects whose key holds one of ``broken`` (while it is non-empty),
    and passes everything else through: a fault that outlasts every retry (here: one recording's audio)."""

    broken: list[str]

    def _handle(self) -> None:
        if self.command == "GET" and any(b in self.path for b in self.broken):
            with self.lock:
                self.seen.discard((self.command, self.path))
            self.failures.append(503)
            msg = b"<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>"
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(503)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        with self.lock:
            self.seen.add((self.command, self.path))  # no injected first failure: only the broken object fails
        super()._handle()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle


def test_a_persistent_503_fails_the_build_and_the_rerun_commits_everything(s3_endpoint: str, tmp_path: Path) -> None:
    offline_guard()
    upload_tree(s3_endpoint, SAMPLES / "vctk", "s3://persistent/vctk")
    make_bucket(s3_endpoint, "persistent-out")
    host, port = s3_endpoint.removeprefix("http://").split(":")
    handler = type(
        "B",
        (BrokenObjectProxy,),
        {"upstream": (host, int(port)), "seen": set(), "failures": [], "broken": ["wav48/p238"]},
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = f"http://127.0.0.1:{server.server_address[1]}"
    args = [
        "sources=[{recipe: vctk, root: s3://persistent/vctk}]",
        "output.uri=s3://persistent-out/build",
        "audio.simulate.noise=null",
        "build.tasks=[Automatic Speech Recognition, Text to Speech]",
        f"storage.endpoint_url={proxy}",
        "storage.retries=2",
        "ray.max_task_retries=1",
        "ray.plan_unit_recordings=1",
    ]
    try:
        failed = run_cli("build", *args)
        assert failed.returncode == 1, failed.stderr[-3000:]
        assert "TransientError" in failed.stderr and "nothing was committed" in failed.stderr, failed.stderr[-6000:]
        root = Root("s3://persistent-out/build", StorageOptions(endpoint_url=s3_endpoint))
        assert not root.exists("manifest.json") and len(handler.failures) >= 2
        handler.broken.clear()  # the fault clears
        rerun = run_cli("build", *args)
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert "already complete (resumed)" in rerun.stderr
        local = run_cli(
            "build",
            f"sources=[{{recipe: vctk, root: {SAMPLES / 'vctk'}}}]",
            *args[2:4],
            f"output.uri={tmp_path / 'local'}",
        )
        assert local.returncode == 0, local.stderr[-3000:]
        full = json.loads(local.stdout.splitlines()[-1])["instances"]
        assert json.loads(rerun.stdout.splitlines()[-1])["instances"] == full > 0
    finally:
        server.shutdown()
