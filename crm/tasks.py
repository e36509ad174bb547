import socket

from celery import shared_task

from .services import bulk_job_finish, bulk_job_start


@shared_task(acks_late=True)
def healthcheck_task(job_id: int) -> None:
    """Mark a BulkJob done, recording which worker ran it: proves the worker sees the database."""
    bulk_job_start(job_id=job_id, total=1)
    bulk_job_finish(job_id=job_id, result={"worker": socket.gethostname()})
