"""Locust users of `kontaktpflege loadtest` (run by locust in its own process, not imported).

KP_LOAD_MODE=app: a logged-in user on Today, the people list, a search and the API, in
turn (equal shares). KP_LOAD_MODE=floor: the minimal Django view /health/live/ on the same server.
Users carry the session cookie KP_LOAD_SESSION (made by the command: logging 16 users in at
once would time the password hash); the API uses the token KP_LOAD_TOKEN.
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, constant, task

SEARCHES = ["Müller", "Schmidt", "anna", "GmbH", "Berlin", "Weber", "Design", "ö"]


class AppUser(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", os.environ["KP_LOAD_SESSION"])
        self.auth = {"Authorization": f"Bearer {os.environ['KP_LOAD_TOKEN']}"}

    @task
    def round_of_pages(self) -> None:
        """Each page in turn: equal shares, and every one of them runs from the first round."""
        self.client.get("/", name="Today")
        self.client.get("/people/", name="people list")
        self.client.get("/people/", params={"q": random.choice(SEARCHES)}, name="search")
        self.client.get(
            "/api/v1/people", params={"limit": 50}, headers=self.auth, name="API people"
        )


class FloorUser(HttpUser):
    wait_time = constant(0)

    @task
    def live(self) -> None:
        self.client.get("/health/live/", name="minimal view")


# locust runs every user class it finds; the mode keeps one.
if os.environ.get("KP_LOAD_MODE", "app") == "floor":
    del AppUser
else:
    del FloorUser
