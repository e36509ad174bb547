"""What the crawl tests share: a link walker over the Django test client, and the catalogue.

``walk`` follows every same-origin ``<a href>`` and ``hx-get`` of every HTML page from the
home page, one URL per view (the first page of each list, one detail page per kind), and
``Catalogue`` tells which rendered texts are still in English on a French page.
"""

import io
import re
import tokenize
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation.template import templatize

MAX_HTML_BYTES = 500 * 1024
# Views never fetched by the walk: they end the session, switch the language or only act.
SKIPPED_VIEWS = {"logout", "set_language", "javascript-catalog"}
SKIPPED_NAMESPACES = {"admin"}  # Django's own back door: only its index is visited
APPS = [
    "crm",
    "setup",
    "contacts",
    "interactions",
    "opportunities",
    "segments",
    "campaigns",
    "reports",
    "api",
    "maillog",
]
GETTEXT_NAMES = {
    "_": 1,
    "gettext": 1,
    "gettext_lazy": 1,
    "gettext_noop": 1,
    "ngettext": 2,
    "ngettext_lazy": 2,
    "pgettext": -1,
    "pgettext_lazy": -1,
    "npgettext": -2,
    "npgettext_lazy": -2,
}
_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{[^{}]*\}")
_SPACES = re.compile(r"\s+")
TEXT_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}


# --- Pages -------------------------------------------------------------------------------


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, bool]] = []  # (url, is an htmx fragment)
        self.loads: list[str] = []  # what the browser fetches: scripts, styles, images …
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in {"script", "style"}:
            self._skip += 1
        if tag == "a" and attributes.get("href"):
            self.links.append((attributes["href"], False))
        if attributes.get("hx-get"):
            self.links.append((attributes["hx-get"], True))
        for name in ("src", "srcset", "poster", "data"):
            if attributes.get(name):
                self.loads.append(attributes[name])
        if tag == "link" and attributes.get("href"):
            self.loads.append(attributes["href"])
        for name in TEXT_ATTRIBUTES:
            if attributes.get(name):
                self.texts.append(attributes[name])
        buttons = {"submit", "button"}
        if tag == "input" and attributes.get("type") in buttons and attributes.get("value"):
            self.texts.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data)


@dataclass
class Page:
    url: str
    view: str
    status: int
    content_type: str
    size: int
    fragment: bool = False
    links: list = field(default_factory=list)
    loads: list = field(default_factory=list)
    texts: list = field(default_factory=list)


def _view_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name or match.func.__name__


def walk(client, *, start: str = "/", origin: str = "http://testserver") -> list[Page]:
    """Every page reachable from ``start`` by links, one per view (and per fragment kind)."""
    queue = deque([(start, False)])
    seen_keys: set[tuple[str, bool]] = set()
    pages: list[Page] = []
    while queue:
        url, fragment = queue.popleft()
        parts = urlsplit(url)
        view = _view_name(parts.path)
        if view is None:
            pages.append(Page(url, "?", 404, "", 0, fragment))
            continue
        namespace = view.split(":")[0] if ":" in view else ""
        if view in SKIPPED_VIEWS or (namespace in SKIPPED_NAMESPACES and view != "admin:index"):
            continue
        key = (view, fragment)
        if key in seen_keys:
            continue
        seen_keys.add(key)
        headers = {"HX-Request": "true"} if fragment else {}
        response = client.get(url, headers=headers)
        content_type = response.get("Content-Type", "")
        body = b"" if getattr(response, "streaming", False) else response.content
        page = Page(url, view, response.status_code, content_type, len(body), fragment)
        pages.append(page)
        if response.status_code in (301, 302) and not fragment:
            queue.append((urljoin(url, response["Location"]), False))
            continue
        if response.status_code != 200 or "text/html" not in content_type:
            continue
        parser = _PageParser()
        parser.feed(body.decode(response.charset or "utf-8", errors="replace"))
        page.links, page.loads, page.texts = parser.links, parser.loads, parser.texts
        for href, is_fragment in parser.links:
            target = urljoin(origin + url, href.strip())
            target_parts = urlsplit(target)
            if target_parts.scheme not in {"http", "https"}:
                continue  # mailto:, tel:, javascript: …
            if f"{target_parts.scheme}://{target_parts.netloc}" != origin:
                continue  # a link out (a contact's web site): followed by nobody here
            path = target_parts.path + (f"?{target_parts.query}" if target_parts.query else "")
            queue.append((path, is_fragment))
    return pages


def outside_loads(page: Page, origin: str = "http://testserver") -> list[str]:
    """What the page would load from another origin (scripts, styles, images, frames)."""
    found = []
    for url in page.loads:
        for candidate in url.split(","):  # srcset
            target = urljoin(origin + page.url, candidate.strip().split(" ")[0])
            parts = urlsplit(target)
            if parts.scheme in {"data", "blob"}:
                continue
            if f"{parts.scheme}://{parts.netloc}" != origin:
                found.append(candidate.strip())
    return found


# --- Catalogue ---------------------------------------------------------------------------


def _strings(source: str, names=GETTEXT_NAMES) -> list[tuple[str | None, list[str]]]:
    """(context, [msgid, msgid_plural?]) of every gettext call with literal strings."""
    found = []
    tokens = []
    try:
        for t in tokenize.generate_tokens(io.StringIO(source).readline):
            if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                tokens.append(t)
    except (tokenize.TokenError, SyntaxError):  # keep what came before the error
        pass
    for i, token in enumerate(tokens[:-2]):
        if token.type != tokenize.NAME or token.string not in names:
            continue
        if tokens[i + 1].string != "(":
            continue
        args: list[str] = []
        j = i + 2
        current: list[str] = []
        while j < len(tokens):
            t = tokens[j]
            if t.type == tokenize.STRING:
                try:
                    current.append(_literal(t.string))
                except ValueError:
                    break
            elif t.string in {",", ")"} and current:
                args.append("".join(current))
                current = []
                if t.string == ")":
                    break
            else:
                break
            j += 1
        arity = names[token.string]
        wanted = abs(arity) + (1 if arity < 0 else 0)
        if len(args) < wanted:
            continue
        context = args[0] if arity < 0 else None
        messages = args[1:wanted] if arity < 0 else args[:wanted]
        found.append((context, messages))
    return found


def _literal(token: str) -> str:
    import ast

    value = ast.literal_eval(token)
    if not isinstance(value, str):
        raise ValueError(token)
    return value


def _source_files():
    root = Path(settings.BASE_DIR)
    for app in APPS:
        for path in (root / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path, False
        for path in (root / app).rglob("templates/**/*.html"):
            yield path, True
    for path in (root / "templates").rglob("*.html"):
        yield path, True
    for path in (root / "templates").rglob("*.txt"):
        yield path, True


def project_msgids() -> set[tuple[str | None, str, str | None]]:
    """(context, msgid, msgid_plural) of every translatable string of the project's code.

    What ``makemessages`` would put in the catalogues, read from the sources: a string that
    never reached a ``.po`` file is "missing" there, and shows in English on French pages."""
    found = set()
    for path, is_template in _source_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        if is_template:
            if "{% load" not in text or "i18n" not in text:
                continue
            text = templatize(text)
            # Its output is not Python: only the gettext calls are; indentation must not count.
            text = "\n".join(line.lstrip() for line in text.splitlines())
        for context, messages in _strings(text):
            found.add((context, messages[0], messages[1] if len(messages) > 1 else None))
    return found


def _normalize(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _pattern(msgid: str) -> str:
    out, last = [], 0
    for match in _PLACEHOLDER.finditer(msgid):
        out.append(re.escape(_SPACES.sub(" ", msgid[last : match.start()])))
        out.append(r".+?")
        last = match.end()
    out.append(re.escape(_SPACES.sub(" ", msgid[last:])))
    return "".join(out).replace(r"\ ", r"\s+").replace(" ", r"\s+")


def _any(messages) -> re.Pattern:
    """One regular expression matching a whole text that any of ``messages`` could render."""
    patterns = [f"(?:{_pattern(m)})" for m in messages]
    return re.compile("(?:" + "|".join(patterns) + r")\Z" if patterns else r"(?!)")


def _worth_checking(msgid: str) -> bool:
    """Long enough to tell English from data: three letters, or two words around a value
    ("New %(what)s" would match a sales cycle called "New business")."""
    if "\n" in msgid.strip():
        return False
    if _PLACEHOLDER.search(msgid):
        return len(re.findall(r"[A-Za-z]{2,}", _PLACEHOLDER.sub(" ", msgid))) >= 2
    return len(re.findall(r"[A-Za-z]", msgid)) >= 3


class Catalogue:
    """English strings that must not appear on a French page.

    ``untranslated``: the project's msgids French does not translate (empty, missing from
    the ``.po`` files, or never extracted). ``translated``: msgids French translates to
    something else. A text equal to some French translation is never reported: it is French.
    """

    def __init__(self):
        self.untranslated: set[str] = set()
        self.translated: set[str] = set()
        french: set[str] = set()
        with translation.override("fr"):
            for context, msgid, plural in project_msgids():
                for english, count in ((msgid, 1), (plural, 2)):
                    if not english:
                        continue
                    if plural and context is not None:
                        value = translation.npgettext(context, msgid, plural, count)
                    elif plural:
                        value = translation.ngettext(msgid, plural, count)
                    elif context is not None:
                        value = translation.pgettext(context, msgid)
                    else:
                        value = translation.gettext(msgid)
                    french.add(_normalize(value))
                    if not _worth_checking(english):
                        continue
                    (self.translated if value != english else self.untranslated).add(english)
        # The language menu names each language in that language ("English" on French pages).
        french |= {
            translation.get_language_info(code)["name_local"] for code, _ in settings.LANGUAGES
        }
        self.french = french
        english = self.untranslated | self.translated
        self._exact = {_normalize(m): m for m in english if not _PLACEHOLDER.search(m)}
        with_placeholders = sorted(
            (m for m in english if _PLACEHOLDER.search(m)), key=len, reverse=True
        )
        self._patterns = [(m, re.compile(_pattern(m) + r"\Z")) for m in with_placeholders]
        self._any_pattern = _any(with_placeholders)
        self._french_pattern = _any(p for p in self.french if _PLACEHOLDER.search(p))
        self._memo: dict[str, str | None] = {}

    def english_in(self, texts) -> list[str]:
        """The catalogue's English strings found verbatim among ``texts`` (a French page)."""
        found = []
        for raw in texts:
            text = _normalize(raw)
            if text not in self._memo:
                self._memo[text] = self._english(text)
            if self._memo[text]:
                found.append(self._memo[text])
        return found

    def _english(self, text: str) -> str | None:
        if not text or text in self.french:
            return None
        for candidate in (text, text.rstrip(":*? ").strip()):
            if candidate in self._exact and candidate not in self.french:
                return self._exact[candidate]
        if self._any_pattern.match(text) and not self._french_pattern.match(text):
            for msgid, pattern in self._patterns:
                if pattern.match(text):
                    return msgid
        return None
