"""Model fields of the project."""

from django.db import models


class StoredGeneratedField(models.GeneratedField):
    """A ``GeneratedField`` stored in the table (``db_persist=True``) whose system check needs
    no database connection.

    Django's check of a GeneratedField first asks whether the server supports *virtual*
    generated columns, which on PostgreSQL reads the server's version: ``manage.py check``,
    ``makemigrations --check`` and every command running the system checks failed with no
    database reachable (the Docker image build, a fresh checkout before ``./scripts/run``).
    A stored column only needs stored support, which ``_check_persistence`` checks from the
    backend's static features. Migrations see a plain ``models.GeneratedField``."""

    def __init__(self, *, expression, output_field, **kwargs):
        kwargs["db_persist"] = True
        super().__init__(expression=expression, output_field=output_field, **kwargs)

    def _check_supported(self, databases):
        return []

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.GeneratedField", args, kwargs
