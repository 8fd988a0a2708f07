"""Benchmark "send": production's path, each email woken as its commit wakes it, real workers.

Each queued email calls `outbox_wake` as `message_queue_email`'s commit does (a send task is
enqueued only when none waits). Two `kontaktpflege worker` processes (started as the README
starts them) take the tasks from the database queue and send to a local aiosmtpd server,
which counts what it received. Figures: a send task's time per message it sent (p50, p95)
and the throughput over what the server received (first task started to last message
recorded sent), beside bare smtplib senders doing the same SMTP work (one connection per
message, as many senders as workers). A second run kills one worker with SIGKILL mid-run;
the survivor finishes, the killed worker's row is settled the way the outbox settles a dead
worker's rows, and the server's count of distinct Message-IDs shows any duplicate.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kontaktpflege.bench.registry import BenchContext, Result, pair, scenario
from kontaktpflege.core.net import free_port

# Messages of the timed run and of the run with a killed worker, per scale.
COUNTS = {"XS": (40, 20), "S": (300, 100), "M": (2_000, 300), "L": (2_000, 300)}
WORKERS = 2
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)

FLOOR_SENDER = """
import json, smtplib, sys, time
port, count, tag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
payload = (
    "From: Bench <bench@example.com>\\r\\nTo: floor@example.com\\r\\nSubject: Bench message\\r\\n"
    "Message-ID: <{i}.{tag}@floor.example.com>\\r\\n\\r\\nHallo,\\r\\n\\r\\ndies ist Nachricht {i}."
)
timings, start = [], time.perf_counter()
for i in range(count):
    t = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.sendmail("bench@example.com", ["floor@example.com"], payload.format(i=i, tag=tag))
    timings.append((time.perf_counter() - t) * 1000)
print(json.dumps({"seconds": time.perf_counter() - start, "timings": timings}))
"""


class _Counter:
    """Counts messages and distinct Message-IDs the server accepted."""

    def __init__(self) -> None:
        self.total = 0
        self.ids: Counter[bytes] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        match = _MESSAGE_ID.search(envelope.content)
        with self.lock:
            self.total += 1
            self.ids[match.group(1) if match else uuid.uuid4().bytes] += 1
        return "250 OK"

    def received(self, message_ids: list[str]) -> tuple[int, int]:
        """(messages received, distinct ones) among these Message-IDs."""
        with self.lock:
            counts = [self.ids.get(m.encode(), 0) for m in message_ids]
        return sum(counts), sum(1 for n in counts if n)


class Batch:
    """Queued messages of one run, to fresh people; each woken as its commit would."""

    def __init__(self, ctx: BenchContext, count: int) -> None:
        from kontaktpflege.contacts.models import EmailAddress, Person
        from kontaktpflege.messaging.delivery import outbox_wake
        from kontaktpflege.messaging.models import OutboundMessage
        from kontaktpflege.messaging.transports.email import new_message_id

        self.tag = uuid.uuid4().hex[:8]
        self.started = timezone.now()
        with transaction.atomic():
            people = Person.objects.bulk_create(
                Person(
                    workspace=ctx.workspace, first_name=f"Bench{i}", last_name=f"Send {self.tag}"
                )
                for i in range(count)
            )
            EmailAddress.objects.bulk_create(
                EmailAddress(
                    workspace=ctx.workspace,
                    person=p,
                    email=f"b{i}.{self.tag}@example.com",
                    is_primary=True,
                )
                for i, p in enumerate(people)
            )
            rows = OutboundMessage.objects.bulk_create(
                OutboundMessage(
                    workspace=ctx.workspace,
                    person=person,
                    created_by=ctx.user,
                    channel="email",
                    state="queued",
                    to_address=f"b{i}.{self.tag}@example.com",
                    from_email="Bench <bench@example.com>",
                    subject=f"Bench message {i}",
                    body=f"Hallo,\n\ndies ist Nachricht {i}.\n\nViele Grüße",
                    idempotency_key=uuid.uuid4().hex,
                    message_id=new_message_id(),
                )
                for i, person in enumerate(people)
            )
        # What each message's own commit does in production (message_queue_email).
        self.woken = [task for _row in rows if (task := outbox_wake())]
        self.people = [p.pk for p in people]
        self.messages = [r.pk for r in rows]
        self.message_ids = [r.message_id for r in rows]

    def rows(self) -> Any:
        from kontaktpflege.messaging.models import OutboundMessage

        return OutboundMessage.objects.filter(person__last_name=f"Send {self.tag}")

    def states(self) -> Counter[str]:
        return Counter(self.rows().values_list("state", flat=True))

    def settled(self) -> bool:
        states = self.states()
        return states["sent"] + states["failed"] == len(self.messages)

    def done(self) -> bool:
        """Every row settled and every task finished (a task ends after its row is sent)."""
        return self.settled() and not self.task_results().filter(finished_at__isnull=True).exists()

    def task_results(self) -> Any:
        """The tasks enqueued since this batch was queued (by it, or by the tasks)."""
        return DBTaskResult.objects.filter(enqueued_at__gte=self.started)

    def cleanup(self) -> None:
        from kontaktpflege.contacts.models import Person
        from kontaktpflege.messaging.models import OutboundMessage
        from kontaktpflege.touchpoints.models import Touchpoint

        sources = [f"message:{pk}" for pk in self.messages]
        for i in range(0, len(sources), 500):
            Touchpoint.objects.filter(source__in=sources[i : i + 500]).delete()
        for i in range(0, len(self.people), 500):
            OutboundMessage.objects.filter(person_id__in=self.people[i : i + 500]).delete()
            Person.objects.filter(pk__in=self.people[i : i + 500]).delete()
        self.task_results().delete()


def worker_env(port: int) -> dict[str, str]:
    """This process's settings for a worker: the same database, mail to the bench server."""
    env = {k: v for k, v in os.environ.items() if k not in ("KP_TASKS_BACKEND", "KP_DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        KP_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        KP_EMAIL_HOST="127.0.0.1",
        KP_EMAIL_PORT=str(port),
        KP_EMAIL_USE_TLS="0",
        KP_EMAIL_HOST_USER="",
        KP_EMAIL_HOST_PASSWORD="",
    )
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["KP_DATABASE_URL"] = f"postgres://{auth}@{host}/{db['NAME']}"
    else:
        env["KP_SQLITE_PATH"] = str(db["NAME"])
    return env


@contextmanager
def workers(port: int, n: int = WORKERS) -> Iterator[list[subprocess.Popen]]:
    """n `kontaktpflege worker` processes; stopped (and reaped) on the way out."""
    script = Path(sys.executable).with_name("kontaktpflege")
    with tempfile.TemporaryFile() as log:
        processes = [
            subprocess.Popen(
                [str(script), "worker", "--no-scheduler"],
                cwd=settings.BASE_DIR,
                env=worker_env(port),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            for _ in range(n)
        ]
        try:
            yield processes
        except Exception:
            log.seek(0)
            sys.stderr.write(log.read()[-3000:].decode("utf-8", "replace"))
            raise
        finally:
            _stop(processes)


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait(condition: Callable[[], bool], timeout: float, what: str, procs: list) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if not any(p.poll() is None for p in procs):
            raise RuntimeError(f"every worker exited while waiting for {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def _timed_run(ctx: BenchContext, counter: _Counter, count: int, procs: list) -> dict[str, Any]:
    """All messages through the workers: per-task times and throughput over the window."""
    batch = Batch(ctx, count)
    try:
        _wait(batch.done, 120 + count, "the timed run", procs)
        results = list(
            batch.task_results().values_list("started_at", "finished_at", "return_value")
        )
        last_sent = max(batch.rows().values_list("sent_at", flat=True))
        received, distinct = counter.received(batch.message_ids)
        states = batch.states()
    finally:
        batch.cleanup()
    window = (last_sent - min(s for s, _f, _n in results)).total_seconds()
    return {
        # A task's time per message it sent (one that found nothing: its whole time).
        "timings": [(f - s).total_seconds() * 1000 / max(n or 0, 1) for s, f, n in results],
        "tasks": len(results),
        "woken": len(batch.woken),
        "rate": distinct / window,
        "received": received,
        "distinct": distinct,
        "sent": states["sent"],
        "failed": states["failed"],
    }


def _killed_run(ctx: BenchContext, counter: _Counter, count: int, procs: list) -> dict[str, Any]:
    """Kill one worker mid-run; the other finishes; the dead one's row is settled."""
    from kontaktpflege.messaging.delivery import outbox_recover_stale, outbox_wake

    batch = Batch(ctx, count)
    try:
        victim, survivor = procs[0], procs[1:]
        _wait(lambda: counter.received(batch.message_ids)[0] >= count // 3, 120, "1/3", procs)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        killed_at, at_kill = timezone.now(), counter.received(batch.message_ids)[0]
        _wait(_survivor_idle(batch, killed_at), 120 + count, "the survivor", survivor)
        # What the outbox does with a dead worker's rows: back to the queue before DATA,
        # "uncertain" after; queued rows whose task died with the worker wake a new task
        # (outbox_recover sends them itself; the scheduler is off here).
        requeued, uncertain = outbox_recover_stale(older_than=dt.timedelta(0))
        if batch.rows().filter(state="queued").exists():
            outbox_wake()
        _wait(batch.settled, 120, "the rows of the killed worker", survivor)
        received, distinct = counter.received(batch.message_ids)
        states = batch.states()
        uncertain_rows = batch.rows().filter(state="failed", data_started_at__isnull=False)
        return {
            "received": received,
            "distinct": distinct,
            "sent": states["sent"],
            "uncertain": uncertain_rows.count(),
            "failed": states["failed"],
            "lost": count - states["sent"] - states["failed"],
            "at_kill": at_kill,
            "requeued": requeued,
            "recovered_uncertain": uncertain,
            "not_received": _sent_not_received(batch, counter),
        }
    finally:
        batch.cleanup()


def _survivor_idle(batch: Batch, killed_at: dt.datetime) -> Callable[[], bool]:
    """True once no task is left to start and only the killed worker's are still "running".

    The survivor is known by the tasks it finished after the kill; when it finished none
    (the kill came at the very end), the queue counts as drained after 3 quiet seconds.
    """
    quiet: dict[str, Any] = {"finished": -1, "since": time.monotonic()}

    def idle() -> bool:
        results = list(batch.task_results().values_list("status", "worker_ids", "finished_at"))
        if any(status == "READY" for status, _ids, _done in results):
            return False
        survivors = {w for _s, ids, done in results if done and done > killed_at for w in ids}
        if survivors:
            running = [set(ids) for status, ids, _done in results if status == "RUNNING"]
            return not any(survivors & ids for ids in running)
        finished = sum(1 for _s, _ids, done in results if done)
        if finished != quiet["finished"]:
            quiet.update(finished=finished, since=time.monotonic())
        return time.monotonic() - quiet["since"] > 3

    return idle


def _sent_not_received(batch: Batch, counter: _Counter) -> int:
    sent = batch.rows().filter(state="sent").values_list("message_id", flat=True)
    return sum(1 for m in sent if counter.received([m])[0] == 0)


def _floor(port: int, count: int) -> dict[str, Any]:
    """Bare smtplib senders, one connection per message, as many as workers, in parallel."""
    each = [count // WORKERS + (1 if i < count % WORKERS else 0) for i in range(WORKERS)]
    senders = [
        subprocess.Popen(
            [sys.executable, "-c", FLOOR_SENDER, str(port), str(n), uuid.uuid4().hex[:8]],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in each
    ]
    outputs = [json.loads(p.communicate(timeout=300)[0]) for p in senders]
    seconds = max(o["seconds"] for o in outputs)
    return {"rate": count / seconds, "timings": [t for o in outputs for t in o["timings"]]}


@scenario("send")
def send(ctx: BenchContext) -> list[Result]:
    """Per-message worker tasks through aiosmtpd beside bare smtplib; a killed worker."""
    from aiosmtpd.controller import Controller

    timed, killed = COUNTS.get(ctx.scale, COUNTS["S"])
    timed = int(ctx.extra.get("send_count") or timed)
    killed = int(ctx.extra.get("send_kill_count") or killed)
    counter = _Counter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with workers(port) as procs:
            run = _timed_run(ctx, counter, timed, procs)
            fault = _killed_run(ctx, counter, killed, procs)
        floor = _floor(port, timed)
    finally:
        controller.stop()
    return _results(timed, killed, run, fault, floor)


def _results(
    timed: int, killed: int, run: dict[str, Any], fault: dict[str, Any], floor: dict[str, Any]
) -> list[Result]:
    results = pair(
        "send: a send task's time per message it sent",
        "ms",
        run["timings"],
        floor["timings"],
        "bare smtplib, one connection per message",
        "",
        what="tasks",
    )
    results.append(
        Result(
            name=f"send {timed:,} emails, {WORKERS} workers (aiosmtpd)",
            figure=round(run["rate"], 1),
            unit="msg/s received",
            floor=round(floor["rate"], 1),
            floor_label=f"{WORKERS} bare smtplib senders",
            target="> 200 msg/s",
            note=(
                f"{timed} queued, {run['woken']} tasks woken by them, {run['tasks']} tasks "
                f"in all; {run['sent']} sent, {run['failed']} failed, "
                f"{run['received']} received, {run['distinct']} distinct Message-IDs"
            ),
        )
    )
    note = (
        f"{killed} queued, one of {WORKERS} workers SIGKILLed after {fault['at_kill']} "
        f"received; {fault['sent']} sent, {fault['uncertain']} uncertain, "
        f"{fault['failed'] - fault['uncertain']} failed otherwise, {fault['lost']} lost; "
        f"{fault['received']} received, {fault['distinct']} distinct Message-IDs, "
        f"{fault['not_received']} marked sent but not received"
    )
    results.append(
        Result(
            name="send: duplicates delivered, a worker killed mid-run",
            figure=fault["received"] - fault["distinct"],
            unit="messages",
            target="0",
            note=note,
        )
    )
    results.append(
        Result(
            name="send: messages neither sent nor settled, a worker killed mid-run",
            figure=fault["lost"] + fault["not_received"],
            unit="messages",
            target="0",
            note=(
                f"recovery: {fault['requeued']} requeued, {fault['recovered_uncertain']} uncertain"
            ),
        )
    )
    return results
