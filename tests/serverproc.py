"""Start the real server (``cchc-xl serve``, uvicorn) on a free local port, as a subprocess.

Shared by the server tests, the browser test and ``benchmarks/server_load.py``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "test-admin-token-0123456789abcdef"
ADMIN_PASSWORD = "mat-khau-thu-nghiem-2024"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, data_dir: Path, extra: list[str] | None = None, port: int | None = None):
        self.data_dir = Path(data_dir)
        self.extra = extra or []
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = self.data_dir.parent / f"server-{self.port}.log"

    def start(self, timeout: float = 120) -> "ServerProcess":
        env = {**os.environ, "CCHC_XL_ADMIN_TOKEN": ADMIN_TOKEN, "CCHC_XL_ADMIN_PASSWORD": ADMIN_PASSWORD,
               "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self._log = open(self.log, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "cchc_xl", "serve", "--data", str(self.data_dir),
                                      "--port", str(self.port), *self.extra],
                                     env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=str(ROOT))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')}")
            try:
                if httpx.get(self.url + "/dang-nhap", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start")

    def kill9(self) -> None:
        """``kill -9``: no shutdown handler runs."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._reap_workers()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reap_workers()
        self._log.close()

    def _reap_workers(self) -> None:
        # spawned readers notice their parent is gone and exit on their own; give them a moment
        time.sleep(0.5)

    def client(self, token: str | None = ADMIN_TOKEN, **kw) -> httpx.Client:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120, **kw)


def registry_json(path: Path | None = None) -> list[dict]:
    """The sample registry (examples/registry.csv) as the API's ``registry`` list."""
    from cchc_xl.read.registry import load_registry

    return [{"ten": a.name, "ma": a.code, "cap": a.level}
            for a in load_registry(path or ROOT / "examples" / "registry.csv")]


def open_round(client: httpx.Client, year=2024, period="6_thang", deadline="2099-12-31", allow_errors=False,
               registry: list[dict] | None = None) -> dict:
    r = client.post("/api/rounds", json={"year": year, "period": period, "deadline": deadline,
                                         "registry": registry or registry_json(), "allow_errors": allow_errors})
    assert r.status_code == 201, r.text
    return r.json()


def upload(url: str, token: str, path: Path, name: str | None = None, submit: bool = True,
           key: str | None = None) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"}
    if key:
        headers["idempotency-key"] = key
    with open(path, "rb") as fh:
        return httpx.post(url + "/api/submissions", headers=headers,
                          files={"file": (name or path.name, fh)}, data={"submit": "1" if submit else "0"},
                          timeout=120)


def crash_reader(path: str, display: str) -> dict:
    """Stands in for a file that makes the native reading library abort the process."""
    if "crash" in display:
        os._exit(134)
    return {"file": display}
