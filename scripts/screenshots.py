"""Screenshots of the main pages for the README, taken from a fresh German demo workspace.

  .venv/bin/python scripts/screenshots.py            # writes docs/screenshots/*.png

Builds the demo (`kontaktpflege demo`, scale S, seed 1) in a throw-away SQLite file, serves it
with `kontaktpflege serve` (web server and background worker) on a free local port, and
photographs Today, a person, the
people list and compose at a phone (390×844) and a laptop (1280×900) size in Debian's
Chromium (KP_CHROMIUM, default /usr/bin/chromium) through playwright. Your own database is
never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PY = sys.executable
CHROMIUM = os.environ.get("KP_CHROMIUM", "/usr/bin/chromium")
SIZES = {"phone": (390, 844), "laptop": (1280, 900)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo(env: dict[str, str]) -> str:
    """Migrate the throw-away database, build the demo and return its password."""
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], **run)  # type: ignore[call-overload]
    out = subprocess.run([PY, "manage.py", "load_demo", "--scale", "S", "--seed", "1"], **run)  # type: ignore[call-overload]
    found = re.search(r"password: (\S+)", out.stdout)
    if not found:
        raise SystemExit(f"no password in the demo output:\n{out.stdout}")
    return found.group(1)


def wait_for(url: str) -> None:
    for _attempt in range(600):  # collectstatic and the worker come first
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server at {url} did not start")


def shoot(base: str, password: str) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            # German in the browser's own widgets too (date fields), as in the workspace
            args=["--headless=new", "--no-sandbox", "--disable-gpu", "--lang=de-DE"],
            env={**os.environ, "LANG": "de_DE.UTF-8", "LANGUAGE": "de"},
        )
        for size, (width, height) in SIZES.items():
            context = browser.new_context(
                base_url=base,
                locale="de-DE",
                viewport={"width": width, "height": height},
                color_scheme="light",
            )
            page = context.new_page()
            page.goto("/login/")
            page.fill("#id_username", "demo")
            page.fill("#id_password", password)
            page.click("#main button[type=submit]")
            page.wait_for_url(lambda url: "/login/" not in url)
            page.goto("/")
            first = page.locator("li[data-followup]").first
            person = first.locator("a.followup-person").get_attribute("href")
            write = page.locator("li[data-followup] a.followup-compose").first
            compose = write.get_attribute("href") if write.count() else f"{person}compose/"
            for name, path in (
                ("today", "/"),
                ("person", person),
                ("people", "/people/"),
                ("compose", compose),
            ):
                page.goto(str(path))
                page.wait_for_load_state("networkidle")
                target = OUT / f"{name}-{size}.png"
                page.screenshot(path=str(target))
                print(f"{target.relative_to(ROOT)}  ({path})")
            context.close()
        browser.close()


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group: politely, then for good after 30 seconds."""
    os.killpg(server.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)
    server.wait()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="kp-screenshots-") as tmp:
        env = os.environ | {
            "KP_SQLITE_PATH": str(Path(tmp) / "demo.sqlite3"),
            "KP_DATABASE_URL": "",
        }
        password = demo(env)
        port = free_port()
        command = ["manage.py", "serve_web", "--host", "127.0.0.1", "--port", str(port)]
        server = subprocess.Popen(
            [PY, *command, "--workers", "1", "--no-migrate"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: server, granian and worker
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/login/")
            shoot(base, password)
        finally:
            stop(server)


if __name__ == "__main__":
    main()
