"""Background work of the recruiting side (tasks take ids and call a service)."""

from __future__ import annotations

from django_tasks import task

from kontaktpflege.recruiting.cv import cv_extract


@task()
def cv_extract_task(document_id: int) -> None:
    """Read an uploaded CV's text for tags and search (or record why it cannot be read)."""
    cv_extract(document_id=document_id)
