"""What the deal card may attach to a letter: the PDFs of the deal's fixed documents
(invoices, acts, proposals, contracts; not drafts, not annulled) and the deal's files."""

from dataclasses import dataclass

from django.core.files.storage import default_storage

from billing.models import Act, Invoice
from crm.pdf import pdf_store
from documents.models import Contract, Proposal


@dataclass(frozen=True)
class Attachable:
    key: str  # "invoice:12"
    label: str
    document: object

    def filename(self) -> str:
        if hasattr(self.document, "download_name"):
            return self.document.download_name()
        return self.document.pdf_filename()

    def content(self) -> bytes:
        """The stored PDF, rendered now if the worker has not rendered it yet."""
        if not self.document.pdf_ready:
            pdf_store(self.document)
        with default_storage.open(self.document.pdf.name, "rb") as stored:
            return stored.read()


def attachable(deal) -> list[Attachable]:
    """Four queries whatever the number of documents."""
    found = []
    for invoice in (
        Invoice.objects.filter(deal=deal)
        .exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.ANNULLED])
        .order_by("pk")
    ):
        found.append(Attachable(f"invoice:{invoice.pk}", invoice.title, invoice))
    for act in (
        Act.objects.filter(deal=deal, number__isnull=False)
        .exclude(status=Act.Status.ANNULLED)
        .order_by("pk")
    ):
        found.append(Attachable(f"act:{act.pk}", act.title, act))
    for kind, model in (("proposal", Proposal), ("contract", Contract)):
        for document in (
            model.objects.filter(deal=deal).exclude(status__in=["draft", "annulled"]).order_by("pk")
        ):
            found.append(Attachable(f"{kind}:{document.pk}", document.title, document))
    return found
