"""Read source files (.txt, .md, .html, .pdf) into Documents: clean text plus metadata.

The text a Document carries is the text every character offset of the graph refers to,
so all normalisation (line endings, Unicode NFC, markup removal) happens here, once.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from kg.errors import DocumentError
from kg.model import Document

__all__ = [
    "DEFAULT_MAX_BYTES",
    "LIST_SUFFIXES",
    "MEDIA_TYPES",
    "SUPPORTED_SUFFIXES",
    "collect_paths",
    "html_to_text",
    "max_document_bytes",
    "read_document",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MEDIA_TYPES: dict[str, str] = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".pdf": "application/pdf",
}
SUPPORTED_SUFFIXES = frozenset(MEDIA_TYPES)
LIST_SUFFIXES = frozenset({".list", ".lst"})
# Share of control characters above which decoded text is taken for binary data.
_MAX_CONTROL_SHARE = 0.05
_TITLE_MAX = 200
_ISO_DATE = re.compile(r"((?:19|20)\d\d)-([01]\d)-([0-3]\d)")


def max_document_bytes(settings: object | None = None) -> int:
    """The size limit for one document: the setting, else KG_MAX_DOCUMENT_MB, else 5 MB."""
    value = getattr(settings, "max_document_bytes", None)
    if value:
        return int(value)
    env = os.environ.get("KG_MAX_DOCUMENT_MB")
    if env:
        try:
            return int(float(env) * 1024 * 1024)
        except ValueError:
            log.warning("ignoring KG_MAX_DOCUMENT_MB=%r: not a number", env)
    return DEFAULT_MAX_BYTES


# --------------------------------------------------------------------------- paths


def collect_paths(inputs: Iterable[Path | str]) -> list[Path]:
    """Expand folders (recursively, supported files, sorted) and .list/.lst files into paths.

    A list file holds one path per line (blank lines and ``#`` comments skipped; relative
    paths are relative to the list file's folder). Files named explicitly are kept whatever
    their suffix, and paths that do not exist are kept too, so that reading them reports
    the problem for that file alone. Duplicates are dropped, first occurrence wins.
    """
    out: list[Path] = []
    seen: set[Path] = set()
    lists_seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            out.append(path)

    def visit(path: Path) -> None:
        if path.is_dir():
            found = [
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ]
            for p in sorted(found, key=lambda p: p.as_posix()):
                add(p)
        elif path.suffix.lower() in LIST_SUFFIXES and path.is_file():
            key = path.resolve()
            if key in lists_seen:
                return
            lists_seen.add(key)
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise DocumentError(f"{path.name}: cannot read the list of paths: {exc}") from exc
            for line in lines:
                entry = line.strip()
                if entry and not entry.startswith("#"):
                    target = Path(entry).expanduser()
                    visit(target if target.is_absolute() else path.parent / target)
        else:
            add(path)

    for item in inputs:
        visit(Path(item))
    return out


# --------------------------------------------------------------------------- reading


def read_document(path: Path | str, *, max_bytes: int | None = None) -> Document:
    """Read one file into a Document whose id is the file name; DocumentError says why not."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    limit = max_bytes if max_bytes is not None else max_document_bytes()
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise DocumentError(f"{name}: file not found ({path}).") from exc
    except OSError as exc:
        raise DocumentError(f"{name}: unreadable: {exc.strerror or exc}.") from exc
    if path.is_dir():
        raise DocumentError(f"{name}: is a folder, not a file.")
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(
            f"{name}: unsupported format '{suffix or '(no suffix)'}'; "
            f"use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}."
        )
    if size > limit:
        raise DocumentError(
            f"{name}: too large ({size / 1048576:.1f} MB; the limit is {limit / 1048576:.1f} MB, "
            f"set KG_MAX_DOCUMENT_MB to change it)."
        )
    if size == 0:
        raise DocumentError(f"{name}: empty file, no text to read.")
    if suffix == ".pdf":
        doc = _read_pdf(path)
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DocumentError(f"{name}: unreadable: {exc.strerror or exc}.") from exc
        if suffix in (".html", ".htm"):
            doc = _read_html(path, data)
        elif suffix in (".md", ".markdown"):
            doc = _read_markdown(path, data)
        else:
            doc = _read_text(path, data)
    if not doc.text.strip():
        raise DocumentError(f"{name}: no text (the file is empty or holds only whitespace).")
    return doc


def _normalise(text: str) -> str:
    """One form for every text: no BOM, '\\n' line ends, NFC, no trailing spaces at line ends."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _looks_binary(text: str) -> bool:
    """True when too many characters are control characters (tab, newline, form feed aside)."""
    if not text:
        return False
    sample = text[:65536]
    controls = sum(
        1 for c in sample
        if (ord(c) < 32 and c not in "\t\n\r\f\v") or 0x7F <= ord(c) < 0xA0
    )
    return controls / len(sample) > _MAX_CONTROL_SHARE


def _decode(name: str, data: bytes, declared: str | None = None) -> str:
    """Decode bytes as UTF-8 (or a declared charset), else cp1252/latin-1 with a warning."""
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(f"{name}: binary data (NUL bytes), not text.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"{name}: undecodable UTF-16 text: {exc.reason}.") from exc
    encodings = ["utf-8"]
    if declared and declared.lower().replace("_", "-") not in ("utf-8", "utf8"):
        encodings.insert(0, declared)
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _looks_binary(text):
            raise DocumentError(f"{name}: binary data (control characters), not text.")
        return text
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            raise DocumentError(f"{name}: binary data (undecodable as UTF-8), not text.")
        log.warning("%s: not UTF-8; read as %s, check the characters.", name, encoding)
        return text
    raise DocumentError(f"{name}: undecodable text.")  # pragma: no cover - latin-1 never fails


def _first_line_title(text: str) -> str | None:
    for line in text.split("\n"):
        line = line.strip()
        if line:
            return line if len(line) <= _TITLE_MAX else None
    return None


def _read_text(path: Path, data: bytes) -> Document:
    text = _normalise(_decode(path.name, data))
    return Document(
        id=path.name, text=text, path=str(path), title=_first_line_title(text),
        format=MEDIA_TYPES[path.suffix.lower()],
    )


# --------------------------------------------------------------------------- dates


def _parse_date(value: object) -> date | None:
    """A date from an ISO-like string, a date or a datetime (None when there is none)."""
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    match = _ISO_DATE.search(str(value or ""))
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


# --------------------------------------------------------------------------- markdown

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", re.DOTALL)
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_EMPHASIS = re.compile(
    r"(\*\*|__)(\S(?:.*?\S)?)\1"
    r"|(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])"
    r"|(?<![\w_])_(\S(?:[^_]*?\S)?)_(?![\w_])"
)
_MD_CODE = re.compile(r"`([^`]*)`")
_MD_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MD_FENCE = re.compile(r"^\s*(```|~~~)")


def _markdown_text(source: str) -> str:
    """Markdown to plain text: headings, emphasis, links and code marks dropped; lists kept."""
    source = _MD_COMMENT.sub("", source)
    lines: list[str] = []
    for line in source.split("\n"):
        if _MD_FENCE.match(line):
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            line = heading.group(1)
        line = _MD_IMAGE.sub(lambda m: m.group(1), line)
        line = _MD_LINK.sub(lambda m: m.group(1), line)
        line = _MD_CODE.sub(lambda m: m.group(1), line)
        line = _MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or m.group(4) or "", line)
        if re.fullmatch(r"\s*([-*_=])(\s*\1){2,}\s*", line):  # rules and setext underlines
            line = ""
        lines.append(line)
    return "\n".join(lines)


def _read_markdown(path: Path, data: bytes) -> Document:
    source = _decode(path.name, data).lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    meta: dict = {}
    front = _FRONT_MATTER.match(source)
    if front:
        import yaml

        try:
            loaded = yaml.safe_load(front.group(1))
            meta = loaded if isinstance(loaded, dict) else {}
        except yaml.YAMLError:
            log.warning("%s: front matter is not valid YAML; ignored.", path.name)
        source = source[front.end():]
    title = meta.get("title")
    if not title:
        for line in source.split("\n"):
            heading = _MD_HEADING.match(line)
            if heading:
                title = _markdown_text(heading.group(1)).strip()
                break
    text = _normalise(_markdown_text(source))
    source_url = meta.get("url") or meta.get("source") or meta.get("canonical")
    return Document(
        id=path.name, text=text, path=str(path),
        title=str(title).strip() if title else _first_line_title(text),
        date=_parse_date(meta.get("date")),
        source=str(source_url) if source_url else None,
        format="text/markdown",
        language=str(meta.get("lang") or meta.get("language") or "en"),
    )


# --------------------------------------------------------------------------- html

_SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "iframe", "nav", "aside", "footer",
    "form", "button", "select", "textarea", "head", "object", "canvas", "map",
})
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "blockquote",
    "pre", "figure", "figcaption", "address", "hr", "br", "details", "summary", "body", "caption",
})
_LINE_TAGS = frozenset({"br", "li", "tr", "dt", "dd", "caption", "figcaption", "summary"})
_LINE, _PARA = "\x00L", "\x00P"  # break markers (NUL cannot be in the decoded text)
_BREAKS = re.compile(r"(?:[ \t]*\x00[LP][ \t]*)+")
_VOID_TAGS = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
})
_DATE_META = (
    "article:published_time", "og:article:published_time", "datepublished", "date",
    "dc.date", "dc.date.issued", "dcterms.date", "dcterms.issued", "dcterms.created",
    "pubdate", "publishdate", "publish_date", "publication_date", "citation_publication_date",
    "sailthru.date", "article.published", "og:updated_time", "article:modified_time",
)


class _HTMLText(HTMLParser):
    """Collects the visible text of a page (main/article preferred) and its metadata."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.open_tags: Counter[str] = Counter()  # tags on the stack: O(1) checks on deep pages
        self.skip_at: int | None = None  # stack depth of the element whose content is skipped
        self.pre_depth = 0
        self.main_at: int | None = None  # stack depth of the main/article element
        self.main_seen = False
        self.body: list[str] = []
        self.main: list[str] = []
        self.row: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.title_parts: list[str] | None = None
        self.title = ""
        self.h1 = ""
        self.h1_parts: list[str] | None = None
        self.meta: dict[str, str] = {}
        self.canonical = ""
        self.lang = ""
        self.time_datetime = ""

    # where text goes
    def _emit(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text)
            return
        self.body.append(text)
        if self.main_at is not None:
            self.main.append(text)

    def _break(self, tag: str = "br") -> None:
        if self.cell is None:
            self._emit(_LINE if tag in _LINE_TAGS else _PARA)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "html" and a.get("lang"):
            self.lang = a["lang"]
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and "content" in a:
                self.meta.setdefault(key, a["content"].strip())
            return
        if tag == "link":
            if "canonical" in a.get("rel", "").lower().split() and a.get("href"):
                self.canonical = self.canonical or a["href"].strip()
            return
        if tag == "title":
            self.title_parts = []
            return
        if tag in _VOID_TAGS and tag not in ("br", "hr"):
            return
        if tag in ("br", "hr"):
            if self.skip_at is None:
                self._break(tag)
            return
        self.stack.append(tag)
        self.open_tags[tag] += 1
        if self.skip_at is not None:
            return
        if tag in _SKIP_TAGS or (tag == "header" and self.main_at is None) or "hidden" in a:
            self.skip_at = len(self.stack)
            return
        if tag == "time" and a.get("datetime") and not self.time_datetime:
            self.time_datetime = a["datetime"]
        if (tag in ("main", "article") or a.get("role") == "main") and not self.main_seen:
            self.main_at = len(self.stack)
            self.main_seen = True
        if tag == "pre":
            self.pre_depth += 1
        if tag == "h1" and not self.h1:
            self.h1_parts = []
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag in _BLOCK_TAGS:
            self._break(tag)
            if tag == "li":
                self._emit("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            if self.title_parts is not None:
                self.title = " ".join("".join(self.title_parts).split())
            self.title_parts = None
            return
        if tag in _VOID_TAGS or not self.open_tags[tag]:
            return
        # close everything opened after this tag (browsers' forgiving nesting)
        while self.stack:
            open_tag = self.stack.pop()
            self.open_tags[open_tag] -= 1
            self._close(open_tag)
            if open_tag == tag:
                break

    def _close(self, tag: str) -> None:
        if self.skip_at is not None:
            if len(self.stack) < self.skip_at:
                self.skip_at = None
            return
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
            return
        if tag == "tr" and self.row is not None:
            cells = [c for c in self.row if c]
            self.row = None
            if cells:
                self._break(tag)
                if len(cells) == 2:  # a key/value row, as factsheets are laid out
                    self._emit(f"{cells[0].rstrip(':')}: {cells[1]}")
                else:
                    self._emit(" | ".join(cells))
                self._break(tag)
            return
        if tag == "h1" and self.h1_parts is not None:
            self.h1 = " ".join("".join(self.h1_parts).split())
            self.h1_parts = None
        if tag == "pre":
            self.pre_depth = max(0, self.pre_depth - 1)
        if tag in _BLOCK_TAGS:
            self._break(tag)
        if self.main_at is not None and len(self.stack) < self.main_at:
            self.main_at = None

    def handle_data(self, data: str) -> None:
        if self.title_parts is not None:
            self.title_parts.append(data)
            return
        if self.skip_at is not None:
            return
        if self.h1_parts is not None:
            self.h1_parts.append(data)
        if self.pre_depth:
            self._emit(data)
        else:
            self._emit(re.sub(r"\s+", " ", data))


def _squeeze(parts: list[str]) -> str:
    """Join collected pieces; one blank line at most between blocks, no edge spaces."""
    joined = _BREAKS.sub(lambda m: "\n\n" if "P" in m.group() else "\n", "".join(parts))
    lines = [line.strip() for line in joined.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _html_charset(data: bytes) -> str | None:
    match = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", data[:4096], re.I)
    return match.group(1).decode("ascii") if match else None


def html_to_text(html: str) -> tuple[str, dict[str, str]]:
    """Visible main text of an HTML page and its metadata (title, date, url, lang)."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    text = _squeeze(parser.main) if parser.main_seen else ""
    if len(text) < 0.2 * len(_squeeze(parser.body)):  # an empty or token <article>
        text = _squeeze(parser.body)
    meta = parser.meta
    title = meta.get("og:title") or parser.title or parser.h1 or meta.get("dc.title", "")
    when = next((meta[k] for k in _DATE_META if meta.get(k)), "") or parser.time_datetime
    url = parser.canonical or meta.get("og:url", "")
    return text, {"title": title, "date": when, "url": url, "lang": parser.lang}


def _trafilatura_text(html: str) -> str | None:
    """Main text by trafilatura when it is installed (None when not, or when it finds none)."""
    try:
        import trafilatura
    except ImportError:
        return None
    try:
        return trafilatura.extract(html, include_comments=False, include_tables=True)
    except Exception as exc:  # noqa: BLE001 - a third-party extractor; fall back to ours
        log.warning("trafilatura failed (%s); using the built-in HTML extractor.", exc)
        return None


def _read_html(path: Path, data: bytes) -> Document:
    html = _decode(path.name, data, _html_charset(data))
    text, meta = html_to_text(html)
    better = _trafilatura_text(html)
    if better and better.strip():
        text = better
    return Document(
        id=path.name, text=_normalise(text), path=str(path),
        title=meta["title"] or None, date=_parse_date(meta["date"]),
        source=meta["url"] or None, format="text/html",
        language=(meta["lang"].split("-")[0].lower() or "en"),
    )


# --------------------------------------------------------------------------- pdf


def _read_pdf(path: Path) -> Document:
    name = path.name
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError as exc:
        raise DocumentError(
            f"{name}: reading PDF needs the 'pypdf' package: pip install pypdf"
        ) from exc
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception as exc:  # noqa: BLE001 - pypdf raises several kinds here
                raise DocumentError(f"{name}: encrypted PDF; decrypt it first.") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except DocumentError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(f"{name}: not a readable PDF: {exc}") from exc
    text = _normalise("\n\n".join(p.strip("\n") for p in pages))
    if not text.strip():
        raise DocumentError(f"{name}: the PDF has no text layer (a scan?); run OCR first.")
    title = None
    when = None
    if info is not None:
        title = (info.title or "").strip() or None
        try:
            when = _parse_date(info.creation_date)
        except (ValueError, TypeError):
            when = None
    return Document(
        id=name, text=text, path=str(path), title=title or _first_line_title(text), date=when,
        format="application/pdf",
    )
