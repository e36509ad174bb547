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
    "eml", "msg", "json", "zip", "png", "jpg", "jpeg", "gif", "webp",
]  # fmt: skip
# Never accepted, whatever the form: a browser renders or runs them (HTML, SVG, XML, scripts).
ACTIVE_EXTENSIONS = ["html", "htm", "xhtml", "shtml", "xml", "xsl", "svg", "svgz", "js", "mjs"]
IMAGE_EXTENSIONS = ["png", "jpg", "jpeg", "gif", "webp"]
IMPORT_EXTENSIONS = ["csv", "vcf"]  # contact import (contacts.imports): CSV and vCard
UPLOAD_EXTENSIONS = sorted(
    set(DOCUMENT_EXTENSIONS) | set(IMAGE_EXTENSIONS) | set(IMPORT_EXTENSIONS)
)

FILE_TOO_LARGE = gettext_noop("The file %(name)s is %(size)s; the limit is %(limit)s.")
FILE_CONTENT_REFUSED = gettext_noop(
    "The file %(name)s contains a web page, an SVG image or a script, which is not accepted "
    "as an attachment."
)
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


# The "scriptable" signatures of the WHATWG MIME Sniffing standard (section 7.1, rules for
# identifying an unknown MIME type): what a browser would take for HTML or XML once leading
# whitespace is skipped, compared case-insensitively and followed by a space or ">".
_SCRIPTABLE_TAGS = (
    b"<!doctype html", b"<html", b"<head", b"<script", b"<iframe", b"<h1", b"<div", b"<font",
    b"<table", b"<a", b"<style", b"<title", b"<b", b"<body", b"<br", b"<p", b"<!--",
)  # fmt: skip
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")


def looks_like_image(head: bytes) -> bool:
    """The first bytes are those of a PNG, JPEG, GIF or WebP file."""
    return head.startswith(_IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def looks_scriptable(head: bytes) -> bool:
    """A browser sniffing these bytes would render them as HTML, XML or SVG."""
    text = head.lstrip(b"\t\n\x0c\r ").lower()
    if text.startswith(b"\xef\xbb\xbf"):
        text = text[3:].lstrip(b"\t\n\x0c\r ")
    if text.startswith((b"<?xml", b"<svg")):
        return True
    for tag in _SCRIPTABLE_TAGS:
        if text.startswith(tag) and text[len(tag) : len(tag) + 1] in (b" ", b">", b""):
            return True
    return False


def _read_head(value, size: int = 1024) -> bytes:
    handle = getattr(value, "file", value)
    try:
        position = handle.tell()
    except (AttributeError, OSError, ValueError):
        position = None
    try:
        handle.seek(0)
        head = handle.read(size)
    except (AttributeError, OSError, ValueError):
        return b""
    finally:
        if position is not None:
            handle.seek(position)
    return head if isinstance(head, bytes) else head.encode()


@deconstructible
class ActiveContentValidator:
    """Refuse an HTML, XML, SVG or script file by its extension AND by its first bytes."""

    def __call__(self, value) -> None:
        name = getattr(value, "name", "") or ""
        extension = Path(name).suffix.lower().lstrip(".")
        if extension in ACTIVE_EXTENSIONS or looks_scriptable(_read_head(value)):
            raise ValidationError(
                _(FILE_CONTENT_REFUSED),
                code="file_content_refused",
                params={"name": Path(name).name},
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, ActiveContentValidator)


def attachment_validators(max_bytes: int | None = None) -> list:
    """For a document FileField (model or form field)."""
    return [
        FileExtensionValidator(allowed_extensions=DOCUMENT_EXTENSIONS),
        ActiveContentValidator(),
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
    ActiveContentValidator()(uploaded)
    FileSizeValidator()(uploaded)
