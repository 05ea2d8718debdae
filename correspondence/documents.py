"""What the deal card may attach to a letter: the PDFs of the deal's fixed documents
(invoices, acts, proposals, contracts; not drafts, not annulled) and the deal's files
(deals.models.DealFile)."""

from dataclasses import dataclass

from django.core.files.storage import default_storage

from billing.models import Act, Invoice
from crm.pdf import pdf_store
from deals.models import DealFile
from documents.models import Contract, Proposal


@dataclass(frozen=True)
class Attachable:
    key: str  # "invoice:12"
    label: str
    document: object

    def filename(self) -> str:
        if isinstance(self.document, DealFile):
            return self.document.name
        if hasattr(self.document, "download_name"):
            return self.document.download_name()
        return self.document.pdf_filename()

    def content_type(self) -> str:
        if isinstance(self.document, DealFile):
            return self.document.content_type or "application/octet-stream"
        return "application/pdf"

    def content(self) -> bytes:
        """The file, or the stored PDF rendered now if the worker has not rendered it yet."""
        if isinstance(self.document, DealFile):
            with self.document.file.open("rb") as stored:
                return stored.read()
        if not self.document.pdf_ready:
            pdf_store(self.document)
        with default_storage.open(self.document.pdf.name, "rb") as stored:
            return stored.read()


def attachable(deal) -> list[Attachable]:
    """Five queries whatever the number of documents and files."""
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
    for file in DealFile.objects.filter(deal=deal).order_by("-created_at", "-pk"):
        found.append(Attachable(f"file:{file.pk}", f"Файл «{file.name}»", file))
    return found
