"""Validators for uploaded files: size and type (extension), shared by every upload."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Documents users attach to interactions, tasks and segments; images of contacts and people.
DOCUMENT_EXTENSIONS = [
    "pdf", "txt", "csv", "rtf", "odt", "ods", "odp", "doc", "docx", "xls", "xlsx", "ppt", "pptx",
    "eml", "msg", "html", "htm", "xml", "json", "zip", "png", "jpg", "jpeg", "gif", "webp",
]  # fmt: skip
IMAGE_EXTENSIONS = ["png", "jpg", "jpeg", "gif", "webp"]
UPLOAD_EXTENSIONS = sorted(set(DOCUMENT_EXTENSIONS) | set(IMAGE_EXTENSIONS))

FILE_TOO_LARGE = gettext_noop("The file %(name)s is %(size)s; the limit is %(limit)s.")
FILE_TYPE_REFUSED = gettext_noop(
    "The file %(name)s has a type that is not accepted (%(extension)s). Accepted: %(allowed)s."
)


def max_upload_size() -> int:
    return int(getattr(settings, "MAX_UPLOAD_SIZE", 50 * 1024 * 1024))


@deconstructible
class FileSizeValidator:
    """Refuse a file larger than ``max_bytes`` (default: ``settings.MAX_UPLOAD_SIZE``)."""

    def __init__(self, max_bytes: int | None = None):
        self.max_bytes = max_bytes

    def __call__(self, value) -> None:
        limit = self.max_bytes or max_upload_size()
        size = getattr(value, "size", None)
        if size is not None and size > limit:
            raise ValidationError(
                _(FILE_TOO_LARGE),
                code="file_too_large",
                params={
                    "name": Path(getattr(value, "name", "") or "").name,
                    "size": filesizeformat(size),
                    "limit": filesizeformat(limit),
                },
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, FileSizeValidator) and self.max_bytes == other.max_bytes


def file_type_check(name: str, allowed: list[str] = UPLOAD_EXTENSIONS) -> None:
    extension = Path(name or "").suffix.lower().lstrip(".")
    if extension not in allowed:
        raise ValidationError(
            _(FILE_TYPE_REFUSED),
            code="file_type_refused",
            params={
                "name": Path(name or "").name,
                "extension": extension or "—",
                "allowed": ", ".join(allowed),
            },
        )


def attachment_validators(max_bytes: int | None = None) -> list:
    """For a document FileField (model or form field)."""
    return [
        FileExtensionValidator(allowed_extensions=DOCUMENT_EXTENSIONS),
        FileSizeValidator(max_bytes),
    ]


def image_validators(max_bytes: int | None = None) -> list:
    """For an ImageField (Pillow already checks that the content is an image)."""
    return [
        FileExtensionValidator(allowed_extensions=IMAGE_EXTENSIONS),
        FileSizeValidator(max_bytes),
    ]


def upload_check(uploaded) -> None:
    """Both checks on one uploaded file (used by crm.upload_guard for every request)."""
    file_type_check(getattr(uploaded, "name", ""))
    FileSizeValidator()(uploaded)
