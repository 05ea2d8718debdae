"""The client's link to a document (a crm.models.PublicLink: questionnaire, proposal,
contract, invoice) in the deal it belongs to: the client opens it, the manager sends its
link, revokes it or issues a new one. Each writes the deal timeline and, where the manager
should know, notifies them (crm.notifications). Apps after deals call these with their own
documents, and build their send, revoke and new-link views with link_views()."""

import secrets
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from contacts.models import ContactEmail, Seller
from crm import media
from crm.mail import email_queue
from crm.models import OutgoingEmail, PublicLink
from crm.notifications import Email, notify
from crm.public import record_open

from . import events
from .forms import DocumentSendForm
from .models import Deal
from .services import timeline_add


def _label(document: PublicLink) -> str:
    return f"{document._meta.app_label}.{document._meta.model_name}"


def _kind(document: PublicLink, action: str) -> str:
    return f"{document._meta.model_name}.{action}"


def _card_url(deal: Deal, document: PublicLink) -> str:
    return f"{deal.get_absolute_url()}#{document._meta.model_name}-{document.pk}"


def document_opened(*, document: PublicLink, request: HttpRequest) -> bool:
    """Record that the client opened the document's page (call it on GET of the public
    view). On the client's first open the deal timeline gets «Клиент открыл …» and the
    responsible manager a notification. Staff previews count nothing. Returns True on the first
    open."""
    with transaction.atomic():
        first = record_open(document, request)
        if not first:
            return False
        deal = document.link_deal()
        title = document.link_title()
        timeline_add(
            deal=deal,
            kind=_kind(document, "opened"),
            text=f"Клиент открыл {title}",
            url=_card_url(deal, document),
        )
        events.client_document(event="document.opened", document=document)
        notify(
            user=deal.manager,
            event="client.opened",
            text=f"Клиент открыл {title} · сделка {deal}",
            url=_card_url(deal, document),
            dedupe_key=f"opened:{_label(document)}:{document.pk}",
            email=Email(
                "client_opened",
                {
                    "deal": deal,
                    "manager": deal.manager,
                    "title": title,
                    "opened_at": document.first_opened_at,
                    "deal_url": deal.get_absolute_url(),
                },
            ),
        )
    return True


def page_context(document: PublicLink, *, logo_url: str | None = None) -> dict:
    """The frame of a client's page of the document: the seller's name and logo in the
    header and the page title, the deal's manager (name, position, phone, e-mail) in the
    footer. The logo comes through the document's own link (`<its public URL name>_logo`,
    see logo_response), since the media storage is not open to clients; `logo_url` gives
    another address, such as the logo a sent document was fixed with."""
    # The active seller (Seller.objects.active()) without its bank accounts: one query.
    seller = Seller.objects.filter(is_active=True).only("name", "logo").first()
    if logo_url is None:
        logo_url = ""
        if seller is not None and seller.logo:
            name = f"{document.public_url_name}_logo"
            logo_url = reverse(name, kwargs={"token": document.token})
    return {
        "brand_name": seller.name if seller is not None else "",
        "brand_logo_url": logo_url,
        "manager": document.link_deal().manager,
    }


def logo_response() -> HttpResponse:
    """The seller's logo for a client page (the view finds the document by its link
    first)."""
    seller = Seller.objects.active()
    if seller is None or not seller.logo:
        raise Http404
    return media.picture(seller.logo.name)


def document_recipients(deal: Deal) -> list[str]:
    """E-mail addresses of the deal's contact persons, in one query."""
    return list(
        ContactEmail.objects.filter(contact__deals=deal)
        .order_by("contact__name", "pk")
        .values_list("email", flat=True)
        .distinct()
    )


def new_send_nonce() -> str:
    """Put in the send form: a double-click sends once, a later deliberate resend goes."""
    return secrets.token_hex(8)


@transaction.atomic
def document_send(
    *, document: PublicLink, to: str, by, nonce: str = "", attachments=()
) -> OutgoingEmail | None:
    """E-mail the document's link to the client at `to` and note it in the timeline.
    Returns None when this very send (same nonce) was already queued."""
    if not document.is_link_active:
        raise ValidationError("Ссылка не действует: выпустите новую и отправьте её.")
    deal = document.link_deal()
    title = document.link_title()
    sender = by or deal.manager
    email = email_queue(
        event_key=f"link:{_label(document)}:{document.pk}:{nonce or new_send_nonce()}",
        to=to,
        template="client_link",
        reply_to=sender.email,
        context={
            "deal": deal,
            "manager": sender,
            "title": title,
            "url": document.public_url(),
            "expires_at": document.expires_at,
        },
        attachments=attachments,
    )
    if email is not None:
        timeline_add(
            deal=deal,
            kind=_kind(document, "sent"),
            text=f"Ссылка на {title} отправлена на {email.recipient}",
            actor=by,
            url=_card_url(deal, document),
        )
    return email


@transaction.atomic
def document_revoke(*, document: PublicLink, by) -> None:
    if document.revoked_at is not None:
        return
    document.revoke()
    deal = document.link_deal()
    timeline_add(
        deal=deal,
        kind=_kind(document, "revoked"),
        text=f"Ссылка на {document.link_title()} отозвана",
        actor=by,
        url=_card_url(deal, document),
    )


@transaction.atomic
def document_new_link(*, document: PublicLink, by) -> str:
    """Issue a new link; the old one stops working. Returns the new public URL."""
    document.rotate_token()
    deal = document.link_deal()
    timeline_add(
        deal=deal,
        kind=_kind(document, "new_link"),
        text=f"Выпущена новая ссылка на {document.link_title()}, прежняя больше не действует",
        actor=by,
        url=_card_url(deal, document),
    )
    return document.public_url()


# The staff's views of a link: the same three for every kind of document


def link_views(
    *,
    get_document: Callable[..., PublicLink],
    back: Callable[[HttpRequest, PublicLink], HttpResponse],
    what: str,
    send: Callable[..., OutgoingEmail | None] = document_send,
    sent_note: Callable[[OutgoingEmail], str] = lambda email: "",
) -> tuple[Callable, Callable, Callable]:
    """The send, revoke and new-link views (POST only) of one kind of document.

    `get_document(request, **url_kwargs)` fetches the document through its access check,
    `back(request, document)` is where every action returns, `what` names the document in
    the messages («анкету», «документ», «счёт»). `send` takes document, to, by and nonce
    and may attach a file or refuse with a ValidationError; `sent_note(email)` ends the
    «sent» message (« с PDF во вложении»)."""

    @require_POST
    def send_view(request, **kwargs):
        document = get_document(request, **kwargs)
        form = DocumentSendForm(request.POST, recipients=document_recipients(document.link_deal()))
        if not form.is_valid():
            messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
            return back(request, document)
        try:
            email = send(
                document=document,
                to=form.cleaned_data["to"],
                by=request.user,
                nonce=form.cleaned_data["nonce"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if email is None:
                messages.info(request, "Эта ссылка уже отправлена на этот адрес.")
            else:
                messages.success(
                    request, f"Ссылка на {what} отправлена на {email.recipient}{sent_note(email)}."
                )
        return back(request, document)

    @require_POST
    def revoke_view(request, **kwargs):
        document = get_document(request, **kwargs)
        document_revoke(document=document, by=request.user)
        messages.success(request, f"Ссылка отозвана: клиент больше не откроет {what} по ней.")
        return back(request, document)

    @require_POST
    def new_link_view(request, **kwargs):
        document = get_document(request, **kwargs)
        document_new_link(document=document, by=request.user)
        messages.success(request, "Готова новая ссылка. Прежняя больше не открывается.")
        return back(request, document)

    return send_view, revoke_view, new_link_view
