"""A logged e-mail (EML-7) read back from its raw ``.eml`` for the user to see.

Parsed with the standard library (``email``, ``policy.default``). Only text ever reaches the
page: an HTML-only body is reduced to its visible text here and auto-escaped by the template,
so nothing in a message runs in the product's origin. Parts are downloaded one at a time,
always as attachments (``InteractionMessagePartView``).
"""

from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

# Elements whose content is never text, and elements that end a line.
_HIDDEN_TAGS = {"script", "style", "head", "title", "template", "noscript", "svg", "object"}
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p", "pre",
    "section", "table", "tr", "ul",
}  # fmt: skip


class _TextExtractor(HTMLParser):
    """The visible text of an HTML body: tags dropped, scripts and styles skipped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag):
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """The visible text of ``html``, one paragraph per line, blank lines squeezed."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.chunks).splitlines()]
    text, blank = [], False
    for line in lines:
        if line or not blank:
            text.append(line)
        blank = not line
    return "\n".join(text).strip()


@dataclass
class MessagePart:
    index: int
    file_name: str
    content_type: str
    size: int


@dataclass
class LoggedMessage:
    from_: str = ""
    to: str = ""
    cc: str = ""
    date: object = None  # aware datetime, or the raw header text when it cannot be parsed
    subject: str = ""
    body: str = ""
    body_was_html: bool = False
    attachments: list[MessagePart] = field(default_factory=list)


def _parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError, AttributeError):  # malformed: show none
        value = ""
    return str(value or "")


def _attachment_parts(message: EmailMessage) -> list[EmailMessage]:
    """Every part that is not the body shown (attachments and inline files), in order."""
    return list(message.iter_attachments()) if message.is_multipart() else []


def _all_attachments(message: EmailMessage) -> list[EmailMessage]:
    """Attachments of the message and of its nested multiparts, depth first."""
    parts: list[EmailMessage] = []
    for part in _attachment_parts(message):
        if part.is_multipart() and part.get_content_maintype() == "multipart":
            parts.extend(_all_attachments(part))
        else:
            parts.append(part)
    return parts


def _text(part: EmailMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, KeyError):  # unknown charset: best effort
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def message_read(raw: bytes) -> LoggedMessage:
    """Headers, the text body (plain preferred, else HTML reduced to text) and the list of
    attachments of a raw message."""
    message = _parse(raw)
    date_text = _header(message, "Date")
    try:
        date = parsedate_to_datetime(date_text) if date_text else None
    except (TypeError, ValueError):
        date = date_text
    body, was_html = "", False
    body_part = message.get_body(preferencelist=("plain", "html"))
    if body_part is not None:
        body = _text(body_part)
        if body_part.get_content_subtype() == "html":
            body, was_html = html_to_text(body), True
    attachments = [
        MessagePart(
            index=index,
            file_name=part.get_filename() or "",
            content_type=part.get_content_type(),
            size=len(part.get_payload(decode=True) or b"") or len(part.as_bytes()),
        )
        for index, part in enumerate(_all_attachments(message), start=1)
    ]
    return LoggedMessage(
        from_=_header(message, "From"),
        to=_header(message, "To"),
        cc=_header(message, "Cc"),
        date=date,
        subject=_header(message, "Subject"),
        body=body.strip(),
        body_was_html=was_html,
        attachments=attachments,
    )


def message_part(raw: bytes, index: int) -> tuple[str, str, bytes] | None:
    """(file name, content type, bytes) of attachment ``index`` (1-based), or None."""
    parts = _all_attachments(_parse(raw))
    if not 1 <= index <= len(parts):
        return None
    part = parts[index - 1]
    payload = part.get_payload(decode=True)
    if payload is None:  # an attached message (message/rfc822): its bytes as sent
        payload = part.get_content().as_bytes()
    return part.get_filename() or f"part-{index}", part.get_content_type(), payload
