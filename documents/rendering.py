"""How a proposal or a contract looks: its filled HTML (live while a draft, fixed once it is
sent) and the page around it, the same partial for the client's page and for the PDF."""

import re
from urllib.parse import unquote

from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from contacts.models import Client, Seller
from crm.acceptance import acceptance_lines

from .tags import build_tags, render_document

# An image's address: group 1 is everything up to it, group 2 the address.
# Where the template editor stores pictures (documents.views.template_image_upload).
IMAGES_FOLDER = "documents/images/"
_SRC_RE = re.compile(r"""(<img\b[^>]*?\ssrc=["'])([^"']+)""", re.I)


def load_parties(deal) -> tuple[Seller | None, Client | None]:
    """The active seller and the deal's client, with their bank accounts: every tag of a
    document reads these two without another query."""
    seller = Seller.objects.active()
    client = None
    if deal.client_id is not None:
        client = Client.objects.prefetch_related("bank_accounts").filter(pk=deal.client_id).first()
    return seller, client


def document_tags(document, *, seller, client, personal: bool = True) -> dict[str, str]:
    """The tag values of this document. A draft is dated today: the day it would be sent.
    personal=False masks the client's personal data (the staff who may not see it)."""
    return build_tags(
        deal=document.deal,
        client=client,
        seller=seller,
        calculation=document.calculation,
        document_number=document.number_label,
        document_date=document.date if document.is_fixed else timezone.localdate(),
        personal=personal,
    )


def live_html(document, *, seller, client, personal: bool = True) -> SafeString:
    """The body filled with today's values, as it would be fixed if sent now."""
    tags = document_tags(document, seller=seller, client=client, personal=personal)
    return render_document(document.body, tags)


def document_html(document, *, personal: bool = True) -> SafeString | None:
    """What the document shows: the fixed HTML once sent, the live filling before. With
    personal=False, the client's personal data masked; None for a document fixed before
    masked copies were kept (ClientDocument.fixed_html)."""
    if document.is_fixed:
        return document.fixed_html(personal=personal)
    seller, client = load_parties(document.deal)
    return live_html(document, seller=seller, client=client, personal=personal)


def logo_name(document) -> str:
    """The seller's logo in the media storage: the one fixed with the document, or for a
    draft the active seller's."""
    if document.is_fixed:
        return document.seller_logo
    seller = Seller.objects.active()
    return seller.logo.name if seller is not None and seller.logo else ""


def page_context(document, html: SafeString) -> dict:
    name = logo_name(document)
    return {
        "doc": document,
        "html": html,
        "logo_url": default_storage.url(name) if name else "",
        "acceptance": acceptance_lines(document),
    }


def pdf_page(document, html: SafeString, *, draft: bool = False) -> str:
    """The complete HTML WeasyPrint renders: the client page's partial on A4."""
    context = page_context(document, html) | {"draft": draft}
    return render_to_string("pdf/client_document.html", context)


def with_media_prefix(html: SafeString, prefix: str) -> SafeString:
    """The same HTML with its pictures from the media storage addressed under `prefix`
    (the document's own link) instead of MEDIA_URL."""
    return mark_safe(  # noqa: S308  (only the src attributes of our own output change)
        _SRC_RE.sub(lambda m: _retarget(m, prefix), str(html))
    )


def _retarget(match: re.Match, prefix: str) -> str:
    before, src = match.groups()
    if not src.startswith(settings.MEDIA_URL):
        return match.group(0)
    return before + prefix + src.removeprefix(settings.MEDIA_URL)


def editor_text(body: str, prefix: str) -> str:
    """A stored text for the editor, its pictures under `prefix` (the document's address):
    a plain string, escaped like any other value where the form puts it."""
    return _SRC_RE.sub(lambda m: _retarget(m, prefix), body or "")


def without_media_prefix(html: str, prefix: str) -> str:
    """What the editor posts back after editor_text: its pictures under MEDIA_URL again,
    the one address a stored text keeps."""
    return _SRC_RE.sub(lambda m: _retarget_back(m, prefix), html or "")


def _retarget_back(match: re.Match, prefix: str) -> str:
    before, src = match.groups()
    if not src.startswith(prefix):
        return match.group(0)
    return before + settings.MEDIA_URL + src.removeprefix(prefix)


def media_names(document, html: str) -> list[str]:
    """Files of the media storage the PDF and the client's page may load: the logo and the
    pictures of the text, which come from the folder the editor uploads to. Any other media
    file (a client's upload, another document's PDF) stays out even if the text names it."""
    names = [logo_name(document)]
    images = settings.MEDIA_URL + IMAGES_FOLDER
    for _, src in _SRC_RE.findall(html or ""):
        name = unquote(src.removeprefix(settings.MEDIA_URL))
        if src.startswith(images) and ".." not in name:
            names.append(name)
    return [name for name in dict.fromkeys(names) if name]
