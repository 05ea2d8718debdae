"""Client pages, the seller's requisites and the client panel of the deal card."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from contacts import banks, companies, names, requisites, services
from contacts.forms import (
    ClientBankAccountFormSet,
    ClientForm,
    SellerBankAccountFormSet,
    SellerForm,
)
from contacts.models import Client, Contact, Seller
from crm.public import rate_limited
from crm.staff import head_required

from .. import panels, roles
from ..models import Deal
from .access import (
    clients_for_picker,
    clients_visible_to,
    exact_inn,
    may_edit_client,
    may_see_personal_data,
)
from .services import deal_set_client

PAGE_SIZE = 50
DEAL_LIMIT = 100
CHANGE_LIMIT = 100


def _get_client_for_user(request, pk) -> Client:
    return get_object_or_404(
        clients_visible_to(request.user)
        .select_related("created_by")
        .prefetch_related("bank_accounts"),
        pk=pk,
    )


CLIENT_EDIT_REFUSED = (
    "Менять реквизиты клиента могут его создатель, руководитель и менеджер, которому клиент "
    "доверен со сделкой. Привязка клиента к своей сделке по ИНН этого права не даёт: "
    "обратитесь к руководителю."
)


def _get_client_for_edit(request, pk) -> Client:
    client = _get_client_for_user(request, pk)
    if not may_edit_client(request.user, client):
        raise PermissionDenied(CLIENT_EDIT_REFUSED)
    return client


def _get_deal_for_edit(request, pk) -> Deal:
    """The client panel changes the deal: only its owner and the head (deals.roles)."""
    return roles.get_deal_for_edit(request, pk, Deal.objects.select_related("client"))


def _valid(*forms_) -> bool:
    """Validate every form (not stopping at the first) so all errors are shown at once."""
    return all([f.is_valid() for f in forms_])


def _status(*forms_) -> int:
    return 400 if any(f.is_bound and not f.is_valid() for f in forms_) else 200


# Clients


class ClientFilterForm(forms.Form):
    q = forms.CharField(label="Поиск", required=False)
    kind = forms.ChoiceField(
        label="Тип", choices=[("", "Все типы"), *Client.Kind.choices], required=False
    )


def client_list(request):
    form = ClientFilterForm(request.GET or None)
    visible_deals = Deal.objects.visible_to(request.user).filter(client=OuterRef("pk"))
    deal_count = visible_deals.order_by().values("client").annotate(n=Count("pk")).values("n")
    clients = clients_visible_to(request.user).annotate(
        deal_count=Coalesce(Subquery(deal_count, output_field=IntegerField()), 0)
    )
    if form.is_valid():
        clients = clients.search(form.cleaned_data["q"])
        if form.cleaned_data["kind"]:
            clients = clients.filter(kind=form.cleaned_data["kind"])
    page = Paginator(clients.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deals/clients/client_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def _client_url(client: Client) -> str:
    return reverse("clients:detail", args=[client.pk])


def _duplicate_context(request, form, deal: Deal | None = None) -> dict:
    """The existing client a duplicate ИНН points to, linked only if the user may open it;
    on a deal card, with the action that attaches it to the deal instead."""
    duplicate = getattr(form, "duplicate", None)
    if duplicate is None:
        return {"duplicate": None, "duplicate_visible": False}
    visible = clients_visible_to(request.user).filter(pk=duplicate.pk).exists()
    return {
        "duplicate": duplicate,
        "duplicate_visible": visible,
        "duplicate_url": _client_url(duplicate) if visible else "",
        "duplicate_attach_url": reverse("deals:client_set", args=[deal.pk]) if deal else "",
    }


def _save_client(request, form, formset) -> tuple[Client | None, list[str]]:
    """Save through the service; returns the client (None on a duplicate caught by the
    database) and the soft warnings to show."""
    kept, deleted = formset.accounts()
    try:
        client = services.client_save(
            client=form.apply_contacts(),
            by=request.user,
            accounts=kept,
            deleted_accounts=deleted,
        )
    except IntegrityError:
        # Another person saved the same ИНН a moment ago.
        form.add_error("inn", "Клиент с таким ИНН уже есть: обновите страницу и найдите его.")
        return None, []
    return client, form.warnings + formset.warnings(client.kind)


def _warn(request, warnings: list[str]) -> None:
    for warning in warnings:
        messages.warning(request, warning)


def client_create(request):
    client = Client(created_by=request.user)
    form = ClientForm(request.POST or None, instance=client)
    formset = ClientBankAccountFormSet(request.POST or None, instance=client, prefix="accounts")
    if request.method == "POST" and _valid(form, formset):
        client, warnings = _save_client(request, form, formset)
        if client is not None:
            _warn(request, warnings)
            messages.success(request, f"Клиент «{client}» создан.")
            return redirect(_client_url(client))
    context = {"form": form, "formset": formset, **_duplicate_context(request, form)}
    return render(request, "deals/clients/client_form.html", context, status=_status(form, formset))


def client_edit(request, pk):
    client = _get_client_for_edit(request, pk)
    show_personal = may_see_personal_data(request.user, client)
    form = ClientForm(request.POST or None, instance=client, show_personal=show_personal)
    formset = ClientBankAccountFormSet(request.POST or None, instance=client, prefix="accounts")
    if request.method == "POST" and _valid(form, formset):
        saved, warnings = _save_client(request, form, formset)
        if saved is not None:
            _warn(request, warnings)
            messages.success(request, "Реквизиты клиента сохранены.")
            return redirect(_client_url(saved))
    context = {
        "form": form,
        "formset": formset,
        "client": client,
        **_duplicate_context(request, form),
    }
    return render(request, "deals/clients/client_form.html", context, status=_status(form, formset))


def client_detail(request, pk):
    client = _get_client_for_user(request, pk)
    user = request.user
    show_personal = may_see_personal_data(user, client)
    visible_deals = Deal.objects.visible_to(user)
    deals = list(
        visible_deals.filter(client=client)
        .with_activity()
        .select_related("stage", "manager", "client")
        .with_row_contacts()
        .order_by("-created_at", "-pk")[:DEAL_LIMIT]
    )
    # The client's own contacts and those of the client's deals this user can see.
    on_a_deal = Exists(visible_deals.filter(client=client, contacts=OuterRef("pk")))
    contacts = list(
        Contact.objects.filter(Q(client=client) | on_a_deal)
        .prefetch_related("phones", "emails")
        .order_by("name", "pk")
    )
    # An individual's bank account is personal data; a company's is on every invoice.
    accounts_hidden = client.is_person and not show_personal
    accounts = [
        {
            "account": account,
            "warnings": requisites.account_warnings(
                account=account.settlement_account, bik=account.bik, kind=client.kind
            ),
        }
        for account in ([] if accounts_hidden else client.bank_accounts.all())
    ]
    changes = [
        {"change": change, "lines": change.lines(show_personal=show_personal)}
        for change in client.changes.select_related("by")[:CHANGE_LIMIT]
    ]
    return render(
        request,
        "deals/clients/client_detail.html",
        {
            "client": client,
            "show_personal": show_personal,
            "accounts_hidden": accounts_hidden,
            "may_edit": may_edit_client(user, client),
            "deals": deals,
            "deal_limit": DEAL_LIMIT,
            "contacts": contacts,
            "accounts": accounts,
            "changes": changes,
            "missing": client.missing_for_documents(),
            "panels": panels.render_client_list(request, client),
        },
    )


@require_GET
def genitive(request):
    """The genitive of a name or a position, for the form's script to suggest."""
    value = request.GET.get("value", "")[:200]
    decline = names.decline_position if request.GET.get("what") == "position" else names.decline_fio
    declined = decline(value)
    return JsonResponse({"value": declined.text, "sure": declined.sure})


@require_GET
def bank_by_bik(request):
    """The bank of a БИК from the directory, for the form's script to fill the account;
    {"loaded": false} while the directory is empty, {"error": …} for a refused БИК."""
    try:
        bank = banks.find_bank(requisites.check_bik(request.GET.get("bik", "")[:30]))
    except requisites.InvalidRequisite as exc:
        return JsonResponse({"error": str(exc)})
    if bank is None:
        return JsonResponse({"loaded": False})
    return JsonResponse(
        {
            "loaded": True,
            "bank_name": bank.account_bank_name,
            "correspondent_account": bank.correspondent_account,
        }
    )


PARTY_BY_HAND = "заполните реквизиты вручную"
PARTY_BUSY = f"Слишком много запросов к DaData: подождите минуту или {PARTY_BY_HAND}."
PARTY_FAILED = f"DaData сейчас не отвечает — {PARTY_BY_HAND}."


@require_GET
def party_by_inn(request):
    """Offers of a company's details by its ИНН from DaData (when it is set up)."""
    if not companies.enabled():
        raise Http404
    try:
        inn = requisites.check_inn(request.GET.get("inn", "")[:30])
    except requisites.InvalidRequisite as exc:
        return JsonResponse({"offers": [], "note": str(exc)})
    if rate_limited(f"dadata:{request.user.pk}", settings.DADATA_RATE_PER_MINUTE):
        return JsonResponse({"offers": [], "note": PARTY_BUSY}, status=429)
    try:
        offers = companies.find_by_inn(inn)
    except companies.LookupFailed:
        return JsonResponse({"offers": [], "note": PARTY_FAILED}, status=502)
    note = "" if offers else f"По ИНН {inn} в DaData ничего не нашлось — {PARTY_BY_HAND}."
    return JsonResponse({"offers": offers, "note": note})


# The seller (our company)


@head_required
def seller_edit(request):
    seller = Seller.objects.active() or Seller(is_active=True)
    form = SellerForm(request.POST or None, request.FILES or None, instance=seller)
    formset = SellerBankAccountFormSet(request.POST or None, instance=seller, prefix="accounts")
    if request.method == "POST" and _valid(form, formset):
        kept, deleted = formset.accounts()
        seller = services.seller_save(
            seller=form.save(commit=False),
            by=request.user,
            accounts=kept,
            deleted_accounts=deleted,
        )
        _warn(request, form.warnings + formset.warnings(seller.kind))
        messages.success(request, "Реквизиты компании сохранены.")
        return redirect("clients:seller")
    changes = []
    if seller.pk:
        changes = [
            {"change": c, "lines": c.lines(show_personal=True)}
            for c in seller.changes.select_related("by")[:CHANGE_LIMIT]
        ]
    return render(
        request,
        "deals/clients/seller_form.html",
        {"form": form, "formset": formset, "seller": seller, "changes": changes},
        status=_status(form, formset),
    )


# The client panel of the deal card


def client_panel_context(request, deal) -> dict:
    """Context of the deal card's client panel; no queries (the card fetched the client).
    The long creation form is not rendered with the card: it comes when asked for."""
    return {"deal": deal, "client": deal.client}


def _creation_forms() -> dict:
    return {
        "form": ClientForm(prefix="client", instance=Client()),
        "formset": ClientBankAccountFormSet(prefix="client-accounts", instance=Client()),
        "open": True,
    }


def _panel(request, deal, status=200, **extra):
    context = {**client_panel_context(request, deal), **extra}
    return render(
        request, "deals/clients/includes/_client_panel.html", {"panel": context}, status=status
    )


def _back_to_card(deal):
    return redirect(deal.get_absolute_url() + "#panel-client")


@require_GET
def deal_client_search(request, pk):
    deal = _get_deal_for_edit(request, pk)
    q = request.GET.get("q", "")
    found = clients_for_picker(request.user, q)
    return render(
        request,
        "deals/clients/includes/_client_search.html",
        {"deal": deal, "found": found, "q": q, "inn": exact_inn(q)},
    )


@require_POST
def deal_client_set(request, pk):
    deal = _get_deal_for_edit(request, pk)
    # Any client the user sees, or the one whose complete ИНН they typed.
    allowed = clients_visible_to(request.user)
    # The duplicate offer of the create form posts the form's own (prefixed) ИНН field.
    inn = exact_inn(request.POST.get("inn") or request.POST.get("client-inn", ""))
    if inn:
        allowed = allowed | Client.objects.filter(inn=inn)
    client = get_object_or_404(allowed, pk=request.POST.get("client"))
    deal = deal_set_client(deal=deal, client=client, by=request.user)
    if not request.htmx:
        messages.success(request, f"Клиент «{client}» привязан к сделке.")
        return _back_to_card(deal)
    return _panel(request, deal)


@require_POST
def deal_client_unlink(request, pk):
    deal = _get_deal_for_edit(request, pk)
    deal = deal_set_client(deal=deal, client=None, by=request.user)
    if not request.htmx:
        return _back_to_card(deal)
    return _panel(request, deal)


def deal_client_create(request, pk):
    deal = _get_deal_for_edit(request, pk)
    if request.method != "POST":
        if not request.htmx:
            context = {"deal": deal, "panel": {**client_panel_context(request, deal)}}
            context["panel"].update(_creation_forms())
            return render(request, "deals/clients/deal_client_form.html", context)
        return _panel(request, deal, **_creation_forms())
    client = Client(created_by=request.user)
    form = ClientForm(request.POST, prefix="client", instance=client)
    formset = ClientBankAccountFormSet(request.POST, prefix="client-accounts", instance=client)
    if _valid(form, formset):
        client, warnings = _save_client(request, form, formset)
        if client is not None:
            deal = deal_set_client(deal=deal, client=client, by=request.user)
            if not request.htmx:
                _warn(request, warnings)
                messages.success(request, f"Клиент «{client}» создан и привязан к сделке.")
                return _back_to_card(deal)
            return _panel(request, deal, warnings=warnings)
    extra = {
        "form": form,
        "formset": formset,
        "open": True,
        **_duplicate_context(request, form, deal),
    }
    if not request.htmx:
        context = {"deal": deal, "panel": {**client_panel_context(request, deal), **extra}}
        return render(request, "deals/clients/deal_client_form.html", context, status=400)
    return _panel(request, deal, status=400, **extra)
