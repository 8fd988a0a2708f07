"""Hostile uploads against the app as it is deployed: `kontaktpflege serve` with its worker.

The web process only stores each file and answers other requests at once; the worker that
reads the file stays under 300 MB (its peak, VmHWM) and settles every job. Real processes,
real HTTP, the files the hostile-upload tests build.
"""

from __future__ import annotations

import http.cookiejar
import re
import signal
import time
import urllib.parse
import urllib.request
import uuid

import pytest

from kontaktpflege.core.net import free_port
from kontaktpflege.core.tests.processes import (
    KONTAKTPFLEGE,
    Running,
    manage,
    migrate,
    process_env,
    wait_for,
)
from kontaktpflege.dataio.tests import hostile

SEED = """
from kontaktpflege.accounts.services import user_create
user_create(username="up", email="up@example.org", password="pw-upload-12345")
"""
JOB_STATE = """
from kontaktpflege.dataio.models import ImportJob
print(",".join(ImportJob.objects.order_by("pk").values_list("state", flat=True)))
"""
SETTLED = {"failed", "previewed", "needs_mapping"}


class Browser:
    """A cookie-keeping HTTP client that sends Django's CSRF token like a form would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.status, response.read().decode()

    def _csrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def post(self, path: str, body: bytes, content_type: str) -> int:
        request = urllib.request.Request(
            self.base + path,
            data=body,
            headers={"Content-Type": content_type, "Referer": self.base + path},
        )
        with self.opener.open(request, timeout=60) as response:
            return response.status

    def login(self, username: str, password: str) -> None:
        self.get("/login/")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": self._csrf()}
        body = urllib.parse.urlencode(form).encode()
        self.post("/login/", body, "application/x-www-form-urlencoded")

    def upload(self, name: str, data: bytes) -> int:
        self.get("/data/")
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{self._csrf()}\r\n".encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\n'
            "auto\r\n".encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + b"\r\n",
            f"--{boundary}--\r\n".encode(),
        ]
        return self.post(
            "/data/import/", b"".join(parts), f"multipart/form-data; boundary={boundary}"
        )


def _peak_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        line = next(x for x in status if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


@pytest.mark.django_db(transaction=True)
def test_hostile_uploads_leave_the_web_answering_and_the_worker_under_300_mb(tmp_path, smtp_server):
    env = process_env(tmp_path, smtp_server.port)
    migrate(env)
    manage(env, "shell", "-c", SEED)
    port = free_port()
    serve = Running([KONTAKTPFLEGE, "serve", "--port", str(port), "--no-migrate"], env)
    try:
        prefix = "Background worker started (PID "
        wait_for(lambda: prefix in serve.output, what="the worker")
        worker = int(re.search(r"Background worker started \(PID (\d+)\)", serve.output)[1])
        browser = Browser(f"http://127.0.0.1:{port}")
        wait_for(lambda: _answers(browser), what="the web server")
        browser.login("up", "pw-upload-12345")
        slowest = 0.0
        files = [
            ("huge-dimension.xlsx", hostile.xlsx_with_huge_dimension()),
            ("far-cells.xlsx", hostile.xlsx_with_far_cells()),
            ("folded.vcf", hostile.vcard_with_folded_note()),
            ("Connections.zip", hostile.linkedin_zip_bomb()),
        ]
        slowest = 0.0
        web = int(re.search(r"Spawning worker-1 with PID: (\d+)", serve.output)[1])
        for name, data in files:
            start = time.monotonic()
            assert browser.upload(name, data) == 200  # the redirect to the job page, followed
            slowest = max(slowest, time.monotonic() - start)  # storing, not reading, the file
            # While the worker reads the file, the web process answers other pages at once.
            for _ in range(3):
                start = time.monotonic()
                status, page = browser.get("/")
                slowest = max(slowest, time.monotonic() - start)
                assert status == 200 and 'id="agenda"' in page
        wait_for(
            lambda: set(_states(env)) <= SETTLED, timeout=180, what="the worker to settle them"
        )
        states = _states(env)
        assert len(states) == len(files)
        assert "failed" in states  # the zip bomb is refused; the others are read within bounds
        assert _peak_mb(worker) < 300, f"worker peak {_peak_mb(worker):.0f} MB"
        assert _peak_mb(web) < 300, f"web process peak {_peak_mb(web):.0f} MB"
        # Safety bound from the issue (under 5 s), not a performance target.
        assert slowest < 5, f"a request took {slowest:.1f} s while a hostile file was read"
    finally:
        serve.stop(signal.SIGTERM)


def _states(env: dict[str, str]) -> list[str]:
    """The jobs' states, read by a child process (the shell prints a banner first)."""
    return manage(env, "shell", "-c", JOB_STATE).strip().splitlines()[-1].split(",")


def _answers(browser: Browser) -> bool:
    try:
        return browser.get("/login/")[0] == 200
    except OSError:
        return False
