from email.utils import parseaddr

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from crm.models import OutgoingEmail
from deals import roles
from deals.models import Deal

from . import documents, services
from .forms import DealEmailForm
from .models import DealEmail

PANEL_LETTERS = 10


def _get_deal_for_user(request, pk) -> Deal:
    return get_object_or_404(Deal.objects.visible_to(request.user), pk=pk)


def _get_email_for_user(request, pk, email_pk) -> DealEmail:
    deal = _get_deal_for_user(request, pk)
    return get_object_or_404(DealEmail.objects.select_related("author"), deal=deal, pk=email_pk)


def _with_delivery(letters: list[DealEmail]) -> list[DealEmail]:
    """Each outgoing letter's row in the outbox (sent, waiting, failed), in one query."""
    keys = {f"deal_email:{letter.pk}": letter for letter in letters if letter.direction == "out"}
    for row in OutgoingEmail.objects.filter(event_key__in=keys).only(
        "event_key", "status", "sent_at", "last_error"
    ):
        keys[row.event_key].delivery = row
    return letters


def deal_panel(request, deal) -> dict:
    """The card's «Переписка»: the latest letters, whether each went out, and «Написать
    письмо». Two queries."""
    letters = _with_delivery(list(deal.emails.select_related("author")[: PANEL_LETTERS + 1]))
    return {
        "letters": letters[:PANEL_LETTERS],
        "more": len(letters) > PANEL_LETTERS,
        "may_write": roles.may_edit_deal(request.user, deal),
    }


def _recipients(deal) -> list[tuple[str, str]]:
    return [
        (email.email, f"{contact.name} <{email.email}>")
        for contact in deal.contacts.prefetch_related("emails").order_by("name", "pk")
        for email in contact.emails.all()
    ]


def email_compose(request, pk):
    deal = roles.get_deal_for_edit(request, pk, Deal.objects.select_related("manager"))
    recipients = _recipients(deal)
    attachable = documents.attachable(deal)
    initial = {}
    last = deal.emails.filter(direction=DealEmail.Direction.IN).order_by("-at", "-pk").first()
    if last is not None:
        subject = last.subject if last.subject.lower().startswith("re:") else f"Re: {last.subject}"
        initial["subject"] = subject[:200]
        sender = parseaddr(last.from_address)[1]
        initial["recipients"] = [r for r, _ in recipients if r == sender]
    elif len(recipients) == 1:
        initial["recipients"] = [recipients[0][0]]
    form = DealEmailForm(
        request.POST or None, recipients=recipients, attachable=attachable, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            email = services.deal_email_send(
                deal=deal,
                by=request.user,
                recipients=data["recipients"],
                subject=data["subject"],
                body_html=data["body"],
                attachments=form.chosen_attachments(),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"Письмо «{email.subject}» отправляется: {email.to}.")
            return redirect(f"{deal.get_absolute_url()}#panel-mail")
    return render(
        request,
        "correspondence/email_compose.html",
        {
            "deal": deal,
            "form": form,
            "has_recipients": bool(recipients),
            "signature": request.user.email_signature,
            "reply_address": services.reply_address(deal) if request.method == "GET" else "",
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_GET
def email_detail(request, pk, email_pk):
    email = _get_email_for_user(request, pk, email_pk)
    return render(
        request,
        "correspondence/email_detail.html",
        {
            "deal": email.deal,
            "letter": _with_delivery([email])[0],
            "may_write": roles.may_edit_deal(request.user, email.deal),
        },
    )
