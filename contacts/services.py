"""Saving requisites of clients and of the seller, with their bank accounts and the change
log. Every path that changes requisites (the pages, the admin, the import) comes here."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import banks, parties
from .models import Bank, BankAccount, Client, RequisiteChange, Requisites, Seller
from .phones import format_phone

Snapshot = dict[str, dict]


def _display(owner: Requisites, field: str) -> str:
    value = getattr(owner, field)
    if value is None or value == "":
        return ""
    model_field = owner._meta.get_field(field)
    if model_field.choices:
        return str(getattr(owner, f"get_{field}_display")())
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    if field == "phones":
        return ", ".join(format_phone(p) for p in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def requisites_snapshot(owner: Requisites) -> Snapshot:
    """What the change log compares: each requisite and each bank account as text."""
    personal = set(getattr(owner, "PERSONAL_FIELDS", ()))
    shown = {"kind", *owner.kind_fields(), *owner.DERIVED_FIELDS, "phones", "emails"}
    snapshot = {}
    for field in owner.requisite_field_names():
        if field == "basis_kind":
            # What the signatory really acts on: a company's charter or power of attorney,
            # a sole proprietor's ЕГРИП record; an individual signs for themselves.
            if basis := parties.basis(owner):
                snapshot[field] = {
                    "label": "Действует на основании",
                    "value": basis,
                    "personal": False,
                }
            continue
        if field not in shown and not getattr(owner, field):
            continue
        label = str(owner._meta.get_field(field).verbose_name)
        snapshot[field] = {
            "label": label[:1].upper() + label[1:],
            "value": _display(owner, field),
            "personal": field in personal,
        }
    if owner.pk:
        # An individual's account is personal data; a company's is printed on its invoices.
        account_personal = isinstance(owner, Client) and owner.is_person
        for account in BankAccount.objects.filter(**{_owner_field(owner): owner}):
            snapshot[f"account:{account.pk}"] = {
                "label": "Банковский счёт",
                "value": account.summary(),
                "personal": account_personal,
            }
    return snapshot


def _owner_field(owner: Requisites) -> str:
    return "client" if isinstance(owner, Client) else "seller"


def requisites_log(
    *,
    owner: Requisites,
    before: Snapshot | None,
    by,
    action: str | None = None,
) -> RequisiteChange | None:
    """Record what changed since `before` (None: the owner was just created)."""
    after = requisites_snapshot(owner)
    empty = {"value": ""}
    changes = []
    for key in [*after, *(k for k in (before or {}) if k not in after)]:
        old = (before or {}).get(key, empty)["value"]
        new = after.get(key, empty)["value"]
        if old != new:
            meta = after.get(key) or before[key]
            changes.append(
                {
                    "field": key,
                    "label": meta["label"],
                    "old": old,
                    "new": new,
                    "personal": meta["personal"],
                }
            )
    if before is not None and not changes:
        return None
    if action is None:
        created = before is None
        action = RequisiteChange.Action.CREATED if created else RequisiteChange.Action.CHANGED
    return RequisiteChange.objects.create(
        **{_owner_field(owner): owner}, by=by, action=action, changes=changes
    )


@transaction.atomic
def bank_accounts_save(
    *,
    owner: Requisites,
    accounts: Iterable[BankAccount],
    deleted: Iterable[BankAccount] = (),
) -> list[BankAccount]:
    """Save the owner's accounts (new or changed, with is_default as the person chose) and
    delete the removed ones; exactly one account stays the default."""
    owner_field = _owner_field(owner)
    for account in deleted:
        if account.pk:
            account.delete()
    accounts = list(accounts)
    # Clear the old default first: the database allows one default per owner at a time.
    BankAccount.objects.filter(**{owner_field: owner}).update(is_default=False)
    chosen = next((a for a in accounts if a.is_default), None)
    for account in accounts:
        setattr(account, owner_field, owner)
        account.is_default = False
        account.save()
    if chosen is None:
        chosen = BankAccount.objects.filter(**{owner_field: owner}).order_by("pk").first()
    if chosen is not None:
        BankAccount.objects.filter(pk=chosen.pk).update(is_default=True)
        chosen.is_default = True
    return accounts


@transaction.atomic
def client_save(
    *,
    client: Client,
    by,
    accounts: Iterable[BankAccount] | None = None,
    deleted_accounts: Iterable[BankAccount] = (),
    action: str | None = None,
) -> Client:
    """Create or update a client with its bank accounts (None: leave them as they are)
    and record the change in the client's log."""
    before = None
    if client.pk:
        before = requisites_snapshot(Client.objects.select_for_update().get(pk=client.pk))
    elif by is not None and client.created_by_id is None:
        client.created_by = by
    client.normalize()
    client.save()
    if accounts is not None:
        bank_accounts_save(owner=client, accounts=accounts, deleted=deleted_accounts)
    requisites_log(owner=client, before=before, by=by, action=action)
    return client


@transaction.atomic
def seller_save(
    *,
    seller: Seller,
    by,
    accounts: Iterable[BankAccount] | None = None,
    deleted_accounts: Iterable[BankAccount] = (),
) -> Seller:
    """Save the seller; making it active retires the one that was active before."""
    before = None
    if seller.pk:
        before = requisites_snapshot(Seller.objects.select_for_update().get(pk=seller.pk))
    if seller.is_active:
        others = Seller.objects.select_for_update().filter(is_active=True)
        if seller.pk:
            others = others.exclude(pk=seller.pk)
        others.update(is_active=False)
    seller.normalize()
    seller.save()
    if accounts is not None:
        bank_accounts_save(owner=seller, accounts=accounts, deleted=deleted_accounts)
    requisites_log(owner=seller, before=before, by=by)
    return seller


@dataclass(frozen=True)
class DirectoryLoad:
    total: int
    created: int
    changed: int
    closed: int


@transaction.atomic
def bank_directory_load(*, entries: Iterable[banks.DirectoryEntry]) -> DirectoryLoad:
    """Bring the БИК directory to what the Bank of Russia's file says: add new БИКs, update
    changed ones, reopen returning ones and mark closed those the file no longer lists.
    Loading the same file again changes nothing."""
    now = timezone.now()
    existing = {bank.bik: bank for bank in Bank.objects.select_for_update()}
    new, changed = [], []
    fields = ("name", "city", "correspondent_account", "is_closed")
    for entry in entries:
        values = {field: getattr(entry, field) for field in fields}
        bank = existing.pop(entry.bik, None)
        if bank is None:
            new.append(Bank(bik=entry.bik, updated_at=now, **values))
        elif any(getattr(bank, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(bank, field, value)
            bank.updated_at = now
            changed.append(bank)
    closed = [bank for bank in existing.values() if not bank.is_closed]
    for bank in closed:
        bank.is_closed = True
        bank.updated_at = now
    Bank.objects.bulk_create(new, batch_size=500)
    Bank.objects.bulk_update([*changed, *closed], [*fields, "updated_at"], batch_size=500)
    return DirectoryLoad(
        total=Bank.objects.filter(is_closed=False).count(),
        created=len(new),
        changed=len(changed),
        closed=len(closed),
    )
