"""Background tasks of the import: take an id, call a service."""

from __future__ import annotations

from django_tasks import task

from kontaktpflege.dataio.services import import_parse, import_run


@task()
def import_run_task(job_id: int) -> None:
    """Import a confirmed file with progress; it stops when cancelled."""
    import_run(job_id=job_id)


@task()
def import_parse_task(job_id: int) -> None:
    """Read an uploaded file and save its preview (or the reason it cannot be read)."""
    import_parse(job_id=job_id)


@task()
def import_recover() -> int:
    """Run by the scheduler: start again the imports whose worker died (see the service)."""
    from kontaktpflege.dataio.services import import_recover_stale

    return import_recover_stale()
