"""A client accepts a document by its link (a crm.models.ClientAcceptance: a contract, an
act). The record is the typed full name, the time, the IP address, the browser and the
SHA-256 of the exact PDF the client was offered; a copy of that PDF is kept, and the stored
PDF is rendered again with the record on it.

    locked = Act.objects.select_for_update().get(pk=act.pk)
    locked.status = Act.Status.ACCEPTED
    acceptance_save(locked, name=form.cleaned_data["full_name"], ip=client_ip(request),
                    user_agent=request.headers.get("User-Agent", ""), also=["status"])
"""

import hashlib
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.utils import timezone

from .formats import date_long
from .models import ClientAcceptance
from .pdf import pdf_enqueue, pdf_store


def client_says(ip: str, user_agent: str) -> tuple[str, str]:
    """The address and the browser as stored: cut to their fields, the browser on one line."""
    return (ip or "")[:64], " ".join((user_agent or "").split())[:500]


def acceptance_save(
    document: ClientAcceptance,
    *,
    name: str,
    ip: str = "",
    user_agent: str = "",
    also: Iterable[str] = (),
) -> None:
    """Record the acceptance on the document's row (locked by the caller, in its
    transaction) and save it with the caller's own changed fields `also`. The PDF the client
    was offered is rendered now if the worker has not yet; once the transaction commits the
    worker renders the stored PDF again, with the acceptance on it."""
    if not document.pdf_ready:
        pdf_store(document)
    with document.pdf.open("rb") as file:
        original = file.read()
    document.accepted_at = timezone.now()
    document.accepted_name = " ".join(name.split())
    document.accepted_ip, document.accepted_user_agent = client_says(ip, user_agent)
    document.accepted_pdf_sha256 = hashlib.sha256(original).hexdigest()
    document.accepted_pdf.save(document.pdf_filename(), ContentFile(original), save=False)
    fields = ["accepted_at", "accepted_name", "accepted_ip", "accepted_user_agent"]
    fields += ["accepted_pdf_sha256", "accepted_pdf", *also]
    if hasattr(document, "updated_at"):
        fields.append("updated_at")
    document.save(update_fields=list(dict.fromkeys(fields)))
    pdf_enqueue(document)


def acceptance_lines(document) -> list[tuple[str, str]]:
    """The acceptance record as (label, value) lines, for the page, the PDF stamp, the deal
    card and the manager's e-mail; empty before the acceptance."""
    if not getattr(document, "accepted_at", None):
        return []
    at = timezone.localtime(document.accepted_at)
    offset = at.strftime("%z")
    return [
        ("ФИО", document.accepted_name),
        (
            "Дата и время",
            f"{date_long(at)}, {at:%H:%M:%S} (UTC{offset[:3]}:{offset[3:]})",
        ),
        ("IP-адрес", document.accepted_ip),
        ("Браузер", document.accepted_user_agent or "не передан"),
        ("SHA-256 принятого PDF", document.accepted_pdf_sha256),
    ]
