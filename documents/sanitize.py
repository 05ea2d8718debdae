"""The HTML a template may hold, cleaned with nh3 (ammonia): formatting, lists, tables,
links and images from the project's own files; no scripts, styles or event handlers."""

import re
from urllib.parse import urlsplit

import nh3
from django.conf import settings

ALLOWED_TAGS = {
    *(f"h{level}" for level in range(1, 7)),
    "p",
    "br",
    "hr",
    "b",
    "strong",
    "i",
    "em",
    "u",
    "s",
    "ul",
    "ol",
    "li",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "img",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
LINK_SCHEMES = {"http", "https", "mailto"}
NUMERIC_ATTRIBUTES = {"colspan", "rowspan", "width", "height", "start"}
# Inside {{ … }} a no-break space (the editor types one after another space) is a space.
_TAG_BRACES_RE = re.compile(r"\{\{[^{}]*\}\}")
# An image whose address was refused is dropped rather than left as an empty frame.
_IMG_WITHOUT_SRC_RE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def own_file_url(url: str) -> bool:
    """A path under MEDIA_URL or STATIC_URL of this site, and nothing that could leave it."""
    if any(c in url for c in "\\\"'<>") or ".." in url or url.startswith("//"):
        return False
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return False
    return parts.path.startswith((settings.MEDIA_URL, settings.STATIC_URL))


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if own_file_url(value) else None
    if tag == "a" and attribute == "href":
        return value if urlsplit(value.strip()).scheme.lower() in LINK_SCHEMES else None
    if attribute in NUMERIC_ATTRIBUTES:
        return value if value.isdigit() and 0 < int(value) <= 2000 else None
    return value


def _tag_spaces(match: re.Match) -> str:
    return match.group(0).replace("&nbsp;", " ").replace("\u00a0", " ")


def clean_html(html: str) -> str:
    cleaned = nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=LINK_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer",
    )
    cleaned = _IMG_WITHOUT_SRC_RE.sub("", cleaned)
    return _TAG_BRACES_RE.sub(_tag_spaces, cleaned).strip()
