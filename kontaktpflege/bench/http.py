"""A tiny keep-alive HTTP session with cookies and CSRF, for benchmarks (no dependency)."""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit


@dataclass
class Response:
    """What the benchmarks look at: the status, the headers and the body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Session:
    """One persistent connection to one server; cookies kept like a browser would."""

    def __init__(self, base_url: str, timeout: float = 30) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def request(
        self, method: str, url: str, body: bytes | None = None, headers: dict | None = None
    ) -> Response:
        path = urlsplit(url)._replace(scheme="", netloc="").geturl() or "/"
        all_headers = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=all_headers)
                raw = conn.getresponse()
                data = raw.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.close()  # the server closed a kept-alive connection: retry once
                if attempt == 2:
                    raise
        for value in raw.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)

    def get(self, url: str) -> Response:
        return self.request("GET", url)

    def post(self, url: str, data: dict[str, str]) -> Response:
        """A form POST with Django's CSRF token from the cookie."""
        token = self.cookies.get("csrftoken", "")
        body = urlencode({"csrfmiddlewaretoken": token, **data}).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": token,
            "Referer": f"http://{self.host}:{self.port}/",
        }
        return self.request("POST", url, body, headers)

    def login(self, username: str, password: str) -> None:
        """Log in through the login form; raises when the server refuses."""
        self.get("/login/")
        response = self.post("/login/", {"username": username, "password": password})
        if response.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login as {username} failed ({response.status})")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
