"""Acts: created from an invoice's page, their staff page nested under the deal, and their
actions (edit a draft, fix, send the link, sign on paper, annul, delete a draft, PDF). The
client's pages are in public_views; an act from a contract is created by documents."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from crm import media
from crm.pdf import pdf_label, pdf_store, render_pdf
from crm.staff import require_head
from deals import document_links

from . import services
from .forms import ActAnnulForm, ActForm, ActSignForm
from .invoice_views import _get_deal_for_edit, _get_deal_for_user, _get_invoice_for_edit
from .models import Act


def _get_act_for_user(request, pk, act_pk) -> Act:
    return _act_of(_get_deal_for_user(request, pk), act_pk)


def _get_act_for_edit(request, pk, act_pk) -> Act:
    """Acts are made, sent and signed on the deal's behalf: its owner and the head."""
    return _act_of(_get_deal_for_edit(request, pk), act_pk)


def _act_of(deal, act_pk) -> Act:
    act = get_object_or_404(
        deal.acts.select_related("created_by", "fixed_by", "signed_marked_by", "annulled_by"),
        pk=act_pk,
    )
    act.deal = deal
    return act


def _back(act: Act):
    return redirect(act.get_absolute_url())


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_POST
def act_create_from_invoice(request, pk, invoice_pk):
    invoice = _get_invoice_for_edit(request, pk, invoice_pk)
    try:
        act = services.act_create(deal=invoice.deal, by=request.user, invoice=invoice)
    except ValidationError as exc:
        messages.error(request, "Акт не создан. " + _error_text(exc))
        return redirect(invoice.get_absolute_url())
    messages.success(
        request,
        "Черновик акта готов. Проверьте период оказания услуг и отправьте акт клиенту.",
    )
    return _back(act)


def act_detail(request, pk, act_pk):
    act = _get_act_for_user(request, pk, act_pk)
    return render(
        request,
        "billing/act_detail.html",
        {
            "act": act,
            "deal": act.deal,
            "invoices": list(act.invoices.all()),
            "problems": services.act_fix_problems(act) if act.is_draft else [],
            "recipients": document_links.document_recipients(act.deal),
            "nonce": document_links.new_send_nonce(),
            "sign_form": ActSignForm(initial={"signed_on": timezone.localdate()}),
            "annul_form": ActAnnulForm(),
            "can_annul": act.awaits_client or (act.is_signed and request.user.is_head),
        },
    )


def act_edit(request, pk, act_pk):
    act = _get_act_for_edit(request, pk, act_pk)
    if not act.is_draft:
        messages.error(
            request, "Зафиксированный акт не меняется: аннулируйте его и создайте новый."
        )
        return _back(act)
    initial = {
        "date": act.date,
        "period_start": act.period_start,
        "period_end": act.period_end,
        "basis": act.basis,
    }
    form = ActForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.act_update(act=act, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Черновик акта сохранён.")
            return _back(act)
    return render(
        request,
        "billing/act_form.html",
        {"act": act, "deal": act.deal, "form": form},
        status=400 if form.errors else 200,
    )


def _add_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@require_POST
def act_fix(request, pk, act_pk):
    act = _get_act_for_edit(request, pk, act_pk)
    try:
        act = services.act_fix(act=act, by=request.user)
    except ValidationError as exc:
        messages.error(request, "Акт не зафиксирован. " + _error_text(exc))
    else:
        messages.success(
            request, f"{act.title} зафиксирован. Скопируйте ссылку или отправьте её клиенту."
        )
    return _back(act)


def _send_act(*, document: Act, to: str, by, nonce: str):
    return services.act_send(act=document, to=to, by=by, nonce=nonce)


act_send, act_revoke, act_new_link = document_links.link_views(
    get_document=_get_act_for_edit,
    back=lambda request, act: _back(act),
    what="акт",
    send=_send_act,
    sent_note=lambda email: (
        " с PDF во вложении"
        if email.attachments.exists()
        else " (PDF ещё готовится, в письме только ссылка)"
    ),
)


@require_POST
def act_sign(request, pk, act_pk):
    act = _get_act_for_edit(request, pk, act_pk)
    form = ActSignForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return _back(act)
    try:
        services.act_sign_on_paper(
            act=act, signed_on=form.cleaned_data["signed_on"], by=request.user
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"{act.title} отмечен подписанным на бумаге.")
    return _back(act)


@require_POST
def act_annul(request, pk, act_pk):
    act = _get_act_for_edit(request, pk, act_pk)
    if act.is_signed:
        # What a signed act handed over stays: undoing it is the head of sales' decision.
        require_head(request)
    form = ActAnnulForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return _back(act)
    try:
        services.act_annul(act=act, by=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"{act.title} аннулирован. Его номер больше не используется.")
    return _back(act)


@require_POST
def act_delete(request, pk, act_pk):
    act = _get_act_for_edit(request, pk, act_pk)
    try:
        services.act_delete(act=act, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _back(act)
    messages.success(request, "Черновик акта удалён.")
    return redirect(f"{act.deal.get_absolute_url()}#panel-invoices")


@require_GET
def act_pdf(request, pk, act_pk):
    """The stored PDF; a draft's is rendered on the spot and not kept. For an act the
    client signed online, ?original=1 gives the PDF exactly as they signed it."""
    act = _get_act_for_user(request, pk, act_pk)
    if act.is_draft:
        data = render_pdf(act.pdf_html(draft=True), label=f"{pdf_label(act)} (draft)")
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            False, act.download_name(" (черновик)")
        )
        return response
    if request.GET.get("original") and act.accepted_pdf:
        return _file(act.accepted_pdf.name, act.download_name(" (подписанный)"))
    if not act.pdf_ready:
        # The worker has not rendered it yet: staff do not wait for it twice.
        pdf_store(act)
    return _file(act.pdf.name, act.download_name())


def _file(name: str, filename: str, *, attachment: bool = False):
    try:
        return media.download(
            name, filename=filename, attachment=attachment, content_type="application/pdf"
        )
    except FileNotFoundError:
        raise Http404 from None
