"""Acts («акт выполненных работ (оказанных услуг)»): created from an invoice or from a
calculation (a contract's, through documents), fixed with a number, sent to the client by
link, signed by the client online or marked signed on paper, and annulled (never deleted)
once numbered. Signing hands over the invoices the act closes (invoice_deliver), which sends
the closing receipt of an online prepayment."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.acceptance import acceptance_save
from crm.formats import date_long
from crm.formats import money as format_money
from crm.models import OutgoingEmail
from crm.notifications import Email, notify
from crm.numbering import next_number
from crm.pdf import pdf_enqueue
from deals import document_links, events
from deals.models import Deal
from deals.services import timeline_add

from .. import money
from ..models import Act, ActLine, Calculation, Invoice, InvoiceLine
from .calculations import MAX_AMOUNT
from .invoices import _invoice_content, _snapshot_parties
from .receipts import invoice_deliver


class ActClosed(Exception):
    """The act is not in a state that allows this: a draft the client cannot see, or one
    already signed or annulled."""


def _copy_lines(lines: Sequence[InvoiceLine]) -> list[ActLine]:
    return [
        ActLine(
            position=position,
            name=line.name,
            unit_code=line.unit_code,
            unit=line.unit,
            quantity=line.quantity,
            price=line.price,
            discount=line.discount,
            amount=line.amount,
            vat_rate=line.vat_rate,
            vat_exempt=line.vat_exempt,
            vat=line.vat,
            total=line.total,
        )
        for position, line in enumerate(lines, start=1)
    ]


def _live_act_of(invoice: Invoice) -> Act | None:
    return invoice.acts.live().order_by("-pk").first()


def _open_invoices(deal: Deal, calculation: Calculation) -> list[Invoice]:
    """The deal's issued invoices of this calculation that no standing act closes yet."""
    closed = Act.invoices.through.objects.filter(~Q(act__status=Act.Status.ANNULLED)).values(
        "invoice_id"
    )
    return list(
        Invoice.objects.filter(deal=deal, calculation=calculation)
        .exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.ANNULLED])
        .exclude(pk__in=closed)
    )


def _check_period(date: datetime.date, start, end) -> None:
    if start and end and start > end:
        raise ValidationError({"period_start": "Начало периода позже его конца."})
    if (end or start) and (end or start) > date:
        raise ValidationError(
            {"period_end": "Услуги не могут быть оказаны позже даты акта: проверьте период."}
        )


@transaction.atomic
def act_create(
    *,
    deal: Deal,
    by,
    invoice: Invoice | None = None,
    calculation: Calculation | None = None,
    basis: str = "",
    date: datetime.date | None = None,
) -> Act:
    """A draft act of the deal (no number until it is fixed): from an issued invoice, whose
    lines it copies and which it closes, or from a calculation (a contract's), whose lines
    it copies under the seller's regime and which closes the deal's issued invoices of that
    calculation. Raises ValidationError with Russian messages."""
    date = date or timezone.localdate()
    if invoice is not None:
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.deal_id != deal.pk:
            raise ValidationError("Этот счёт относится к другой сделке.")
        if invoice.is_draft or invoice.is_annulled:
            raise ValidationError(
                f"{invoice.title}: {invoice.get_status_display().lower()}. Акт составляется "
                "по выставленному или оплаченному счёту."
            )
        existing = _live_act_of(invoice)
        if existing is not None:
            raise ValidationError(
                f"По счёту уже есть {existing.link_title()}. Чтобы составить другой, "
                "удалите черновик или аннулируйте акт."
            )
        vat_mode, vat_note = invoice.vat_mode, invoice.vat_note
        lines = _copy_lines(list(invoice.lines.all()))
        closes = [invoice]
        basis = basis or invoice.basis or invoice.title
        calculation = invoice.calculation
    elif calculation is not None:
        vat_mode, vat_note, invoice_lines = _invoice_content(
            deal=deal, calculation=calculation, lines=()
        )
        lines = _copy_lines(invoice_lines)
        closes = _open_invoices(deal, calculation)
    else:
        raise ValidationError("Акт составляется по счёту или по расчёту договора.")
    act = Act(
        deal=deal,
        date=date,
        period_end=date,
        basis=basis.strip()[:300],
        calculation=calculation,
        vat_mode=vat_mode,
        vat_note=vat_note,
        subtotal=sum((line.amount for line in lines), money.ZERO),
        total_vat=sum((line.vat for line in lines), money.ZERO),
        total=sum((line.total for line in lines), money.ZERO),
        created_by=by,
    )
    if act.total <= 0:
        raise ValidationError("Сумма акта должна быть больше нуля.")
    if act.total >= MAX_AMOUNT:
        raise ValidationError("Сумма акта слишком велика.")
    _snapshot_parties(act, deal)
    act.save()
    for line in lines:
        line.act = act
    ActLine.objects.bulk_create(lines)
    act.invoices.set(closes)
    if invoice is not None:
        source = f" по счёту № {invoice.number}"
    else:
        source = f" по расчёту {calculation.short_label}"
        source += f" (основание: {act.basis})" if act.basis else ""
    timeline_add(
        deal=deal,
        kind="act.created",
        text=f"Создан черновик акта{source} на {format_money(act.total)} ₽",
        actor=by,
        url=act.card_url(),
    )
    return act


def _lock(act: Act) -> Act:
    return (
        Act.objects.select_for_update(of=("self",))
        .select_related("deal", "deal__manager")
        .get(pk=act.pk)
    )


@transaction.atomic
def act_update(
    *,
    act: Act,
    by,
    date: datetime.date,
    period_start: datetime.date | None,
    period_end: datetime.date | None,
    basis: str = "",
) -> Act:
    """Change a draft's date, period of services and basis; its lines stay those of the
    invoice or calculation it was made from."""
    locked = _lock(act)
    if not locked.is_draft:
        raise ValidationError("Зафиксированный акт не меняется: аннулируйте его и создайте новый.")
    _check_period(date, period_start, period_end)
    locked.date, locked.basis = date, basis.strip()
    locked.period_start, locked.period_end = period_start, period_end
    locked.save(update_fields=["date", "basis", "period_start", "period_end", "updated_at"])
    return locked


def act_fix_problems(act: Act) -> list[str]:
    """What keeps a draft from being fixed, in Russian (empty when nothing)."""
    problems = []
    if not act.seller_data:
        problems.append("Заполните реквизиты компании-исполнителя (раздел «Наши реквизиты»).")
    if not act.buyer_data:
        problems.append("Укажите клиента сделки: он будет заказчиком в акте.")
    return problems


@transaction.atomic
def act_fix(*, act: Act, by) -> Act:
    """Fix a draft: it takes the next number of the year of its date, both parties'
    requisites are copied as they are now, its link starts working and its PDF is rendered
    by a worker. Safe to call on a fixed act."""
    locked = _lock(act)
    if not locked.is_draft:
        return locked
    _snapshot_parties(locked, locked.deal)
    problems = act_fix_problems(locked)
    if problems:
        raise ValidationError(problems)
    locked.year = locked.date.year
    locked.number = next_number(kind=Act.KIND, year=locked.year)
    locked.status = Act.Status.SENT
    locked.fixed_at = timezone.now()
    locked.fixed_by = by
    locked.save(
        update_fields=["seller_data", "buyer_data", "year", "number", "status", "fixed_at"]
        + ["fixed_by", "updated_at"]
    )
    timeline_add(
        deal=locked.deal,
        kind="act.fixed",
        text=f"{locked.title} на {format_money(locked.total)} ₽ зафиксирован: клиент видит "
        "его по ссылке",
        actor=by,
        url=locked.card_url(),
    )
    pdf_enqueue(locked)
    return locked


@transaction.atomic
def act_send(*, act: Act, to: str, by, nonce: str = "") -> OutgoingEmail | None:
    """Fix the act if it is a draft and e-mail its link to `to`, with the PDF attached when
    it is ready. None when this very send (nonce) was already queued."""
    act = act_fix(act=act, by=by)
    if act.is_annulled:
        raise ValidationError("Акт аннулирован: отправлять его клиенту нельзя.")
    attachments = []
    if act.pdf_ready:
        try:
            with act.pdf.open("rb") as file:
                attachments.append((act.download_name(), file.read(), "application/pdf"))
        except FileNotFoundError:
            pass
    return document_links.document_send(
        document=act, to=to, by=by, nonce=nonce, attachments=attachments
    )


def _hand_over(act: Act, by) -> None:
    """The invoices the act closes are handed over: a closing receipt for an online
    prepayment (billing.services.receipts)."""
    for invoice in act.invoices.exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.ANNULLED]):
        invoice_deliver(invoice=invoice, by=by)


@transaction.atomic
def act_accept(*, act: Act, name: str, ip: str = "", user_agent: str = "") -> Act:
    """The client signs the act by its link: their full name, the time, IP, browser and
    the SHA-256 of the exact PDF they signed are recorded (crm.acceptance), the deal's
    timeline and the manager learn of it, and the invoices it closes are handed over.
    Raises ActClosed if it cannot be signed (any more)."""
    locked = _lock(act)
    if not locked.awaits_client:
        raise ActClosed
    locked.status = Act.Status.ACCEPTED
    acceptance_save(locked, name=name, ip=ip, user_agent=user_agent, also=["status"])
    timeline_add(
        deal=locked.deal,
        kind="act.accepted",
        text=f"Клиент подписал {locked.link_title()} по ссылке. Подписал: {locked.accepted_name}",
        url=locked.card_url(),
        at=locked.accepted_at,
    )
    events.client_document(
        event="document.accepted", document=locked, accepted_by=locked.accepted_name
    )
    _email_accepted(locked)
    _hand_over(locked, None)
    return locked


def _email_accepted(act: Act) -> None:
    """Tell the deal's manager that the client signed the act (crm.notifications: in the
    app, and by e-mail as they chose)."""
    deal = act.deal
    notify(
        user=deal.manager,
        event="client.accepted",
        text=f"Клиент подписал {act.link_title()} · сделка {deal}",
        url=act.card_url(),
        dedupe_key=f"accepted:billing.act:{act.pk}",
        email=Email(
            "act_accepted",
            {
                "deal": deal,
                "manager": deal.manager,
                "title": act.link_title(),
                "act": act,
                "deal_url": act.card_url(),
            },
        ),
    )


@transaction.atomic
def act_sign_on_paper(*, act: Act, signed_on: datetime.date, by) -> Act:
    """The manager marks a fixed act signed on paper: the date on the signed copy and who
    marked it are recorded, and the invoices it closes are handed over."""
    locked = _lock(act)
    if locked.is_draft:
        raise ValidationError("Сначала зафиксируйте акт: подписывают акт с номером.")
    if not locked.awaits_client:
        raise ValidationError(f"{locked.title}: {locked.get_status_display().lower()}.")
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": "Дата подписания не может быть в будущем."})
    if signed_on < locked.date:
        raise ValidationError({"signed_on": "Акт не может быть подписан раньше своей даты."})
    locked.status = Act.Status.SIGNED
    locked.signed_on = signed_on
    locked.signed_marked_by = by
    locked.signed_marked_at = timezone.now()
    locked.save(
        update_fields=["status", "signed_on", "signed_marked_by", "signed_marked_at"]
        + ["updated_at"]
    )
    timeline_add(
        deal=locked.deal,
        kind="act.signed",
        text=f"{locked.title} подписан на бумаге {date_long(signed_on)}",
        actor=by,
        url=locked.card_url(),
    )
    _hand_over(locked, by)
    return locked


@transaction.atomic
def act_annul(*, act: Act, by, reason: str = "") -> Act:
    """Annul a fixed act: it keeps its number, the client sees it annulled and can no
    longer sign it. What a signed act handed over stays handed over."""
    locked = _lock(act)
    if locked.is_draft:
        raise ValidationError("Черновик не аннулируют: его можно просто удалить.")
    if locked.is_annulled:
        return locked
    locked.status = Act.Status.ANNULLED
    locked.annulled_at = timezone.now()
    locked.annulled_by = by
    locked.annul_reason = " ".join(reason.split())[:300]
    locked.save(
        update_fields=["status", "annulled_at", "annulled_by", "annul_reason", "updated_at"]
    )
    because = f". Причина: {locked.annul_reason}" if locked.annul_reason else ""
    timeline_add(
        deal=locked.deal,
        kind="act.annulled",
        text=f"{locked.title} аннулирован, его номер больше не используется{because}",
        actor=by,
        url=locked.card_url(),
    )
    return locked


@transaction.atomic
def act_delete(*, act: Act, by) -> None:
    """Delete a draft; an act with a number is never deleted, only annulled."""
    locked = _lock(act)
    if not locked.is_draft:
        raise ValidationError("Акт с номером не удаляется: его можно только аннулировать.")
    timeline_add(
        deal=locked.deal,
        kind="act.deleted",
        text=f"Удалён черновик акта на {format_money(locked.total)} ₽",
        actor=by,
        url=locked.deal.get_absolute_url(),
    )
    locked.delete()
