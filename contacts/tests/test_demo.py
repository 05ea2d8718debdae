import io

import pytest
from django.core.management import call_command

from contacts.forms import BankAccountForm, ClientForm
from contacts.models import Client, Seller
from deals.models import Deal


@pytest.mark.django_db
def test_demo_has_a_valid_seller_and_a_valid_client_of_each_type(stages):
    call_command("demo", stdout=io.StringIO())
    call_command("demo", stdout=io.StringIO())  # idempotent
    seller = Seller.objects.active()
    assert seller is not None and seller.default_bank_account is not None
    clients = list(Client.objects.order_by("kind"))
    assert sorted(c.kind for c in clients) == ["entrepreneur", "legal", "person"]
    for client in [*clients]:
        data = {
            name: (value.isoformat() if hasattr(value, "isoformat") else value)
            for name in ClientForm._meta.fields
            if (value := getattr(client, name)) is not None
        }
        form = ClientForm(data=data, instance=client)
        assert form.is_valid(), (client, form.errors)
        assert client.missing_for_documents() == []
        for account in client.bank_accounts.all():
            account_form = BankAccountForm(
                data={
                    f: getattr(account, f)
                    for f in ("bank_name", "bik", "correspondent_account", "settlement_account")
                }
            )
            assert account_form.is_valid(), account_form.errors
        assert Deal.objects.filter(client=client).count() == 1
