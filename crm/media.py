"""Uploaded files served through Django, only to users allowed to see the record that owns them.

Every ``FileField``/``ImageField`` of the project's models is an owner: a request for
``/media/<path>`` finds the record whose field stores ``<path>`` (narrowed by the field's
``upload_to`` prefix) and needs the ``view`` permission of that record's model. Files that are
not a safe raster image are sent as ``Content-Disposition: attachment``; every answer carries
``X-Content-Type-Options: nosniff`` and a ``sandbox`` Content-Security-Policy, so a file a
browser would render anyway runs no script in the product's origin.

A front proxy can send the bytes instead of Python (see docs/operations.md):
``MEDIA_ACCEL_REDIRECT_PREFIX`` (nginx ``X-Accel-Redirect``, an ``internal`` location that
maps to ``MEDIA_ROOT``) or ``MEDIA_SENDFILE_HEADER`` (e.g. ``X-Sendfile`` for Apache or
lighttpd). Django then only checks the permission and sets the headers.
"""

import mimetypes
from functools import cache
from pathlib import Path
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.db import models
from django.http import FileResponse, Http404, HttpResponse
from django.utils.encoding import iri_to_uri

from crm.validators import IMAGE_EXTENSIONS, looks_like_image

SAFE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
# Types a browser would render or run: never sent under their own type.
ACTIVE_TYPES = {
    "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
    "text/javascript", "application/javascript",
}  # fmt: skip


@cache
def file_owners() -> list[tuple[str, type[models.Model], str]]:
    """(upload_to prefix, model, field name) of every file field, longest prefix first."""
    owners = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField) and not callable(field.upload_to):
                prefix = str(field.upload_to).split("%", 1)[0]
                owners.append((prefix, model, field.name))
    return sorted(owners, key=lambda owner: len(owner[0]), reverse=True)


def owning_model(name: str) -> type[models.Model] | None:
    """The model of a record whose file field stores ``name``; None when no record does."""
    for prefix, model, field_name in file_owners():
        if name.startswith(prefix) and model._default_manager.filter(**{field_name: name}).exists():
            return model
    return None


def _resolve(name: str) -> Path:
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise Http404
    return path


def _disposition(path: Path, content_type: str) -> bool:
    """True when the file may be shown inline: a raster image by extension AND content."""
    extension = path.suffix.lower().lstrip(".")
    if extension not in IMAGE_EXTENSIONS or content_type not in SAFE_IMAGE_TYPES:
        return False
    with path.open("rb") as handle:
        return looks_like_image(handle.read(16))


def media_file(request, path: str):
    """GET ``/media/<path>``: the file, if the user may view the record that owns it."""
    name = path.lstrip("/")
    model = owning_model(name)
    if model is None:
        raise Http404
    opts = model._meta
    if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        # Same answer as a missing file: no way to probe which names exist.
        raise Http404
    file_path = _resolve(name)
    content_type = mimetypes.guess_type(file_path.name)[0] or "application/octet-stream"
    inline = _disposition(file_path, content_type)
    if not inline and content_type in ACTIVE_TYPES:
        content_type = "application/octet-stream"
    accel_prefix = getattr(settings, "MEDIA_ACCEL_REDIRECT_PREFIX", "")
    sendfile_header = getattr(settings, "MEDIA_SENDFILE_HEADER", "")
    if accel_prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = iri_to_uri(accel_prefix.rstrip("/") + "/" + quote(name))
    elif sendfile_header:
        response = HttpResponse(content_type=content_type)
        response[sendfile_header] = str(file_path)
    else:
        response = FileResponse(
            file_path.open("rb"), content_type=content_type, as_attachment=not inline
        )
    if accel_prefix or sendfile_header:
        disposition = "inline" if inline else "attachment"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(file_path.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=300"
    return response
