"""Proposals and contracts: the «Документы» panel of the deal card, the staff pages of one
document (preview, editor, PDF) and its actions. The client's pages are in public_views.

Both kinds share these views; the URLconf passes `kind` ("proposal" or "contract") and the
document's id as `<kind>_pk`."""

import html

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import strip_tags
from django.utils.http import content_disposition_header
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from billing.models import Calculation
from crm import media
from crm.pdf import pdf_label, pdf_store, render_pdf
from deals import document_links, panels, roles
from deals.clients.access import may_see_personal_data
from deals.forms import AnnulForm
from deals.models import Deal

from . import services
from .forms import DocumentBodyForm, DocumentCreateForm
from .models import NEWEST_FIRST, Contract, DocumentTemplate, Proposal
from .rendering import (
    document_html,
    document_tags,
    live_html,
    load_parties,
    media_names,
    page_context,
    pdf_page,
)
from .tags import TAGS, missing_tags
from .views import tag_palette

MODELS = {"proposal": Proposal, "contract": Contract}
CLIENT_PAGE_LIMIT = 100


PERSONAL_DATA_HIDDEN = (
    "Текст зафиксирован с персональными данными клиента, а копии без них у этого документа "
    "нет: его видят создавший клиента, руководитель и менеджер, которому клиент доверен со "
    "сделкой."
)


def _deals():
    return Deal.objects.select_related("manager", "client", "stage")


def _get_deal_for_user(request, pk) -> Deal:
    return get_object_or_404(_deals().visible_to(request.user), pk=pk)


def _get_deal_for_edit(request, pk) -> Deal:
    """Documents are made and sent on the deal's behalf: its owner and the head."""
    return roles.get_deal_for_edit(request, pk, _deals())


def _get_document_for_user(request, pk, kind: str, ids: dict):
    return _document_of(_get_deal_for_user(request, pk), kind, ids)


def _get_document_for_edit(request, pk, kind: str, ids: dict):
    return _document_of(_get_deal_for_edit(request, pk), kind, ids)


def _document_of(deal: Deal, kind: str, ids: dict):
    documents = (
        MODELS[kind]
        .objects.filter(deal=deal)
        .select_related("calculation", "template", "created_by", "sent_by")
    )
    document = get_object_or_404(documents, pk=ids[f"{kind}_pk"])
    document.deal = deal
    return document


def _personal(request, deal: Deal) -> bool:
    """Whether this user sees the client's personal data in the deal's documents: the
    client card's rule, deals.clients.access.may_see_personal_data."""
    return may_see_personal_data(request.user, deal.client)


def _hide_links(documents, *, personal: bool) -> None:
    """The client's link opens the complete copy: not shown to whom it would reveal
    personal data (they may still e-mail it to the client's contact)."""
    for document in documents:
        document.link_hidden = not personal and document.has_personal_data


def _back(request, document):
    """To the document's preview when the action was taken there, else to its card entry."""
    if request.POST.get("back") == "detail":
        return redirect(document.get_absolute_url())
    return redirect(document.card_url())


def _missing(document, *, seller, client) -> list:
    """The tags of a draft that would be empty for this deal: warned about before sending."""
    tags = document_tags(document, seller=seller, client=client)
    return [TAGS[name] for name in missing_tags(document.body, tags)]


def _palette(document, *, personal: bool) -> list:
    """The tags beside the editor with this deal's own values instead of made-up ones."""
    seller, client = load_parties(document.deal)
    tags = document_tags(document, seller=seller, client=client, personal=personal)
    palette = []
    for group, items in tag_palette():
        rows = []
        for name, label, example in items:
            if TAGS[name].block:
                value = example
            else:
                text = html.unescape(strip_tags(tags[name].replace("<br>", "; ")))
                value = Truncator(" ".join(text.split())).chars(90) or "пусто для этой сделки"
            rows.append((name, label, value))
        palette.append((group, rows))
    return palette


def _errors(form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


# The «Документы» panel of the deal card


def deal_panel(request, deal) -> dict:
    """Context of the panel: a fixed number of queries whatever the number of documents."""
    parties = None  # the seller and the client: only a draft's empty tags need them
    personal = _personal(request, deal)
    current = panels.shared(
        deal, "current_calculation", lambda: Calculation.objects.current_for(deal)
    )
    templates = list(DocumentTemplate.objects.active().only("pk", "name", "kind", "is_default"))
    kinds = []
    # Which tags are empty depends on the parties and the calculation, not on the number or
    # the date: the values are built once per calculation, not once per draft.
    tags_by_calculation: dict = {}
    for kind, model in MODELS.items():
        documents = list(model.objects.for_deal_card(deal))
        # Only a draft's empty tags read the lines of its calculation: one query, if any.
        prefetch_related_objects([d for d in documents if d.is_draft], "calculation__lines")
        for document in documents:
            document.deal = deal
            if document.is_draft:
                if document.calculation_id not in tags_by_calculation:
                    if parties is None:
                        parties = load_parties(deal)
                    seller, client = parties
                    tags_by_calculation[document.calculation_id] = document_tags(
                        document, seller=seller, client=client
                    )
                tags = tags_by_calculation[document.calculation_id]
                document.missing = [TAGS[name] for name in missing_tags(document.body, tags)]
        _hide_links(documents, personal=personal)
        kinds.append(
            {
                "kind": kind,
                "label": "Коммерческие предложения" if kind == "proposal" else "Договоры",
                "groups": _by_number(documents),
                "templates": sorted(
                    (t for t in templates if t.kind == kind), key=lambda t: not t.is_default
                ),
            }
        )
    return {
        "deal": deal,
        "kinds": kinds,
        "current_calculation": current,
        "has_client": deal.client_id is not None,
        "recipients": panels.recipients(deal),
        "nonce": document_links.new_send_nonce(),
        "can_annul": deal.may_annul_documents(request.user),
    }


def _by_number(documents: list) -> list[dict]:
    """Versions of one number together, the newest first: [{"latest", "earlier"}]. A draft
    without a number stands alone."""
    groups: dict[tuple, list] = {}
    for document in documents:
        key = (document.year, document.sequence) if document.sequence else ("draft", document.pk)
        groups.setdefault(key, []).append(document)
    return [{"latest": versions[0], "earlier": versions[1:]} for versions in groups.values()]


# The documents of a client, on the client's page


def client_panel(request, client) -> dict:
    """Proposals and contracts of the client's deals that this user may see."""
    deals = Deal.objects.visible_to(request.user).filter(client=client)
    rows = []
    for kind, model in MODELS.items():
        documents = (
            model.objects.filter(deal__in=deals)
            .filter(Q(replaced_at__isnull=True) | Q(status=model.Status.ACCEPTED))
            .select_related("deal")
            .order_by(*NEWEST_FIRST)[:CLIENT_PAGE_LIMIT]
        )
        rows += [{"kind": kind, "doc": document} for document in documents]
    rows.sort(key=lambda row: (row["doc"].created_at, row["doc"].pk), reverse=True)
    return {"rows": rows[:CLIENT_PAGE_LIMIT], "limit": CLIENT_PAGE_LIMIT}


# Staff actions, each nested under a deal the user may see


@require_POST
def document_create(request, pk, kind):
    deal = _get_deal_for_edit(request, pk)
    form = DocumentCreateForm(request.POST, kind=kind)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return redirect(f"{deal.get_absolute_url()}#panel-documents")
    create = services.proposal_create if kind == "proposal" else services.contract_create
    try:
        document = create(deal=deal, template=form.cleaned_data["template"], by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{deal.get_absolute_url()}#panel-documents")
    messages.success(
        request, f"{document.title}: черновик готов. Проверьте текст и отправьте клиенту."
    )
    return redirect(document.get_absolute_url())


def document_detail(request, pk, kind, **ids):
    """The document as the client will see it, with the warnings and the actions."""
    document = _get_document_for_user(request, pk, kind, ids)
    personal = _personal(request, document.deal)
    if document.is_draft:
        seller, client = load_parties(document.deal)
        html = live_html(document, seller=seller, client=client, personal=personal)
        # Only the names of empty tags are shown: checked on the complete values.
        document.missing = _missing(document, seller=seller, client=client)
    else:
        html = document.fixed_html(personal=personal)
    _hide_links([document], personal=personal)
    context = page_context(document, html or "") | {
        "personal_data_hidden": PERSONAL_DATA_HIDDEN if html is None else "",
        "kind": kind,
        "deal": document.deal,
        "recipients": document_links.document_recipients(document.deal),
        "nonce": document_links.new_send_nonce(),
        "current_calculation": Calculation.objects.current_for(document.deal),
        "versions": list(
            services.document_versions(document)
            .order_by("-version")
            .only("pk", "deal_id", "version", "status", "date", "replaced_at")
        ),
        "can_annul": document.deal.may_annul_documents(request.user),
    }
    return render(request, "documents/document_detail.html", context)


def document_edit(request, pk, kind, **ids):
    document = _get_document_for_edit(request, pk, kind, ids)
    if not document.is_draft:
        messages.info(
            request,
            "Отправленный документ не меняется: создайте новую редакцию, её можно будет "
            "изменить и отправить.",
        )
        return redirect(document.get_absolute_url())
    form = DocumentBodyForm(request.POST or None, initial={"body": document.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.document_save_body(
                document=document, body=form.cleaned_data["body"], by=request.user
            )
        except services.DocumentClosed:
            messages.error(request, "Документ уже отправлен: изменения не сохранены.")
        else:
            messages.success(request, "Текст сохранён.")
        return redirect(document.get_absolute_url())
    context = {
        "doc": document,
        "deal": document.deal,
        "form": form,
        "palette": _palette(document, personal=_personal(request, document.deal)),
    }
    status = 400 if form.errors else 200
    return render(request, "documents/document_edit.html", context, status=status)


@require_POST
def document_finalize(request, pk, kind, **ids):
    document = _get_document_for_edit(request, pk, kind, ids)
    try:
        document = services.document_finalize(document=document, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"{document.title}: текст зафиксирован. Скопируйте ссылку или отправьте её клиенту.",
        )
    return _back(request, document)


def _get_document(request, pk, kind, **ids):
    return _get_document_for_edit(request, pk, kind, ids)


document_send, document_revoke, document_new_link = document_links.link_views(
    get_document=_get_document,
    back=_back,
    what="документ",
    send=services.document_send,
    sent_note=lambda email: " с PDF во вложении" if email.attachments.exists() else "",
)


@require_POST
def document_new_version(request, pk, kind, **ids):
    document = _get_document_for_edit(request, pk, kind, ids)
    if document.is_draft:
        return redirect(document.urls["edit"])
    try:
        draft = services.document_new_version(document=document, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(request, document)
    messages.success(
        request,
        f"{draft.title}: черновик новой редакции. Отправленная редакция не изменится, пока "
        "вы не отправите эту.",
    )
    return redirect(draft.urls["edit"])


@require_POST
def contract_act_create(request, pk, contract_pk):
    contract = _get_document_for_edit(request, pk, "contract", {"contract_pk": contract_pk})
    try:
        act = services.contract_act_create(contract=contract, by=request.user)
    except ValidationError as exc:
        messages.error(request, "Акт не создан. " + " ".join(exc.messages))
        return redirect(contract.card_url())
    messages.success(
        request,
        "Черновик акта по договору готов. Проверьте период оказания услуг и отправьте акт клиенту.",
    )
    return redirect(act.get_absolute_url())


@require_POST
def document_annul(request, pk, kind, **ids):
    document = _get_document_for_user(request, pk, kind, ids)
    if not document.deal.may_annul_documents(request.user):
        raise PermissionDenied(
            "Аннулировать документ может ответственный за сделку или руководитель."
        )
    form = AnnulForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return _back(request, document)
    try:
        document = services.document_annul(
            document=document, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"{document.title} {document.WORDS['annulled']}. Номер остаётся за ним, клиент по "
            "ссылке видит отметку об аннулировании и ответить не может.",
        )
    return _back(request, document)


@require_POST
def document_delete(request, pk, kind, **ids):
    document = _get_document_for_edit(request, pk, kind, ids)
    try:
        services.document_delete(document=document, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(request, document)
    messages.success(request, f"{document.WORDS['draft_of'].capitalize()} удалён.")
    return redirect(f"{document.deal.get_absolute_url()}#panel-documents")


@require_POST
def document_use_calculation(request, pk, kind, **ids):
    document = _get_document_for_edit(request, pk, kind, ids)
    try:
        document = services.document_use_current_calculation(document=document, by=request.user)
    except services.DocumentClosed:
        messages.error(request, "Документ уже отправлен: его расчёт не меняется.")
    else:
        messages.success(request, "В документ подставлен текущий расчёт сделки.")
    return _back(request, document)


def document_pdf(request, pk, kind, **ids):
    """The stored PDF; a draft's PDF is rendered on the spot and not kept. For an accepted
    contract, ?original=1 gives the PDF exactly as the client accepted it."""
    document = _get_document_for_user(request, pk, kind, ids)
    personal = _personal(request, document.deal)
    if document.is_draft:
        return _pdf_on_the_spot(document, personal=personal, draft=True)
    if not personal and document.has_personal_data:
        # The stored PDF is the client's complete copy: this reader gets one masked now.
        if document.fixed_html(personal=False) is None:
            messages.error(request, PERSONAL_DATA_HIDDEN)
            return redirect(document.get_absolute_url())
        return _pdf_on_the_spot(document, personal=False, draft=False)
    if request.GET.get("original") and getattr(document, "accepted_pdf", None):
        return _file(document.accepted_pdf, document.download_name(" (принятый)"))
    if not document.pdf_ready:
        # The worker has not rendered it yet: staff do not wait for it twice.
        pdf_store(document)
    return _file(document.pdf, document.download_name())


def _pdf_on_the_spot(document, *, personal: bool, draft: bool) -> HttpResponse:
    """A PDF rendered now and not kept: a draft's, or a sent document's with the client's
    personal data masked."""
    html = document_html(document, personal=personal)
    suffix = " (черновик)" if draft else (" (без персональных данных)" if not personal else "")
    data = render_pdf(
        pdf_page(document, html, draft=draft),
        allowed_media=media_names(document, html),
        label=f"{pdf_label(document)} ({'draft' if draft else 'masked'})",
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, document.download_name(suffix)
    )
    return response


def _file(field, filename: str, *, attachment: bool = False) -> HttpResponse:
    try:
        return media.download(
            field.name, filename=filename, attachment=attachment, content_type="application/pdf"
        )
    except FileNotFoundError:
        raise Http404 from None
