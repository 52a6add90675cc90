"""Benchmark: a 100 MB upload to a live server, and how much the server's memory grows.

    .venv/bin/python -m bench.upload [--megabytes 100] [--json bench/results/upload.json]

One uvicorn process serves ``create_app`` below: a single action that takes one file (its body
limit raised to 128 MiB for this action only) and stores it through ``Storage`` in a temporary
folder. The client streams a multipart body in 1 MiB chunks (it never holds the file either).
The server's ``VmRSS`` and ``VmHWM`` (peak resident set) are read from ``/proc/<pid>/status``
after a warm-up upload (so imports and first-call allocations are not counted) and again after
the large upload; the figure is the peak's growth over the resident set before it. Target:
< 20 MB. The file's bytes are checked on disk afterwards, so a fast wrong answer cannot pass.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import httpx
import msgspec
from litestar import Litestar

from authstage import AuthstagePlugin, FileRule, Storage, UploadedFile, action
from authstage.ids import action_id
from bench.processes import free_port, wait_until_serving

__all__ = ["create_app", "main"]

ROOT = Path(__file__).resolve().parent.parent
SECRET = "upload-bench-secret-0123456789abcdef0123456789"
NAME = "bench.store_upload"
_MIB = 1 << 20


class Stored(msgspec.Struct):
    key: str
    size: int


@action(public=True, name=NAME, max_body_size=128 * _MIB)
async def store_upload(file: Annotated[UploadedFile, FileRule(max_size=120 * _MIB)]) -> Stored:
    """Store the upload as it is."""
    stored = await Storage().save(file, prefix="bench/")
    return Stored(key=stored.key, size=stored.size)


def create_app() -> Litestar:
    """The benchmark's app (uvicorn factory)."""
    return Litestar(plugins=[AuthstagePlugin(actions=[store_upload])])


def _memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


def _body(boundary: str, size: int, digest: hashlib._Hash) -> Iterator[bytes]:
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    block = os.urandom(_MIB)
    for _ in range(size // _MIB):
        digest.update(block)
        yield block
    yield f"\r\n--{boundary}--\r\n".encode()


def _upload(url: str, megabytes: int) -> tuple[dict[str, object], str, float]:
    boundary = "benchboundary7d3f"
    digest = hashlib.sha256()
    started = time.perf_counter()
    response = httpx.post(
        f"{url}/_action",
        content=_body(boundary, megabytes * _MIB, digest),
        headers={
            "authstage-action": action_id(NAME, SECRET.encode()),
            "content-type": f"multipart/form-data; boundary={boundary}",
        },
        timeout=300,
    )
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    data: dict[str, object] = response.json()["data"]
    return data, digest.hexdigest(), elapsed


def run(megabytes: int) -> dict[str, object]:
    """Serve, upload, measure; the figures as a dict."""
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "AUTHSTAGE_SECRET": SECRET,
            "AUTHSTAGE_STORAGE_URL": Path(folder).as_uri(),
        }
        command = [sys.executable, "-m", "uvicorn", "--factory", "bench.upload:create_app"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        process = subprocess.Popen(command, cwd=ROOT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(process, port, seconds=30)
            _upload(url, 1)  # warm-up: imports, first allocations
            before = _memory(process.pid)
            data, sha, elapsed = _upload(url, megabytes)
            after = _memory(process.pid)
        finally:
            process.terminate()
            process.wait(10)
        stored = Path(folder) / str(data["key"])
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha, "stored bytes differ"
    growth = after["VmHWM"] - before["VmRSS"]
    return {
        "upload_mb": megabytes,
        "seconds": round(elapsed, 2),
        "rss_before_mb": round(before["VmRSS"] / _MIB, 1),
        "peak_after_mb": round(after["VmHWM"] / _MIB, 1),
        "rss_after_mb": round(after["VmRSS"] / _MIB, 1),
        "peak_growth_mb": round(growth / _MIB, 1),
        "target_growth_mb": 20,
        "ok": growth < 20 * _MIB,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--json", type=Path, default=ROOT / "bench/results/upload.json")
    args = parser.parse_args()
    result = run(args.megabytes)
    args.json.write_bytes(msgspec.json.format(msgspec.json.encode(result)) + b"\n")
    print(msgspec.json.format(msgspec.json.encode(result)).decode())


if __name__ == "__main__":
    main()
