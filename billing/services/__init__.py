"""Billing's workflows, one module a subject: calculations, invoices, payments. Callers
import them from here (`from billing import services`)."""

from .calculations import (
    MAX_AMOUNT,
    LineData,
    calculation_compute,
    calculation_freeze,
    calculation_make_current,
    calculation_save,
)
from .invoices import (
    invoice_annul,
    invoice_create,
    invoice_date_problem,
    invoice_delete,
    invoice_due_date,
    invoice_issue,
    invoice_issue_problems,
    invoice_update,
)
from .payments import (
    InvoiceNotPayable,
    PaymentStatus,
    invoice_payment_start,
    payment_notification,
    payment_record,
    payment_refresh,
    payment_undo,
)
from .receipts import (
    ReceiptEmailNeeded,
    invoice_deliver,
    payment_receipt,
    receipt_email_needed,
    receipt_send,
    receipt_sweep,
)

__all__ = [
    "MAX_AMOUNT",
    "InvoiceNotPayable",
    "LineData",
    "PaymentStatus",
    "ReceiptEmailNeeded",
    "calculation_compute",
    "calculation_freeze",
    "calculation_make_current",
    "calculation_save",
    "invoice_annul",
    "invoice_create",
    "invoice_date_problem",
    "invoice_delete",
    "invoice_deliver",
    "invoice_due_date",
    "invoice_issue",
    "invoice_issue_problems",
    "invoice_payment_start",
    "invoice_update",
    "payment_notification",
    "payment_receipt",
    "payment_record",
    "payment_refresh",
    "payment_undo",
    "receipt_email_needed",
    "receipt_send",
    "receipt_sweep",
]
