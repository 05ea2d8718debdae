import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from crm.models import User
from deals.models import Deal, DealEvent, StageChange


@pytest.mark.django_db
def test_demo_data_loads_twice_without_changes(settings):
    settings.CRM_DEMO_SITE_KEY = "demo-key-123"
    call_command("demo", stdout=io.StringIO())
    counts = [m.objects.count() for m in (User, Deal, StageChange, DealEvent)]
    call_command("demo", stdout=io.StringIO())
    assert [m.objects.count() for m in (User, Deal, StageChange, DealEvent)] == counts
    assert 100 <= Deal.objects.count() <= 140  # 30 worked deals and 90 funnel histories
    assert {"manager", "manager2", "head", "admin"} <= set(
        User.objects.values_list("username", flat=True)
    )
    assert User.objects.get(username="manager").check_password("manager")
    from deals.models import LeadSource

    assert LeadSource.objects.get().key == "demo-key-123"
    assert Deal.objects.filter(stage__kind="lost").exists()
    assert Deal.objects.filter(stage__kind="won").exists()


@pytest.mark.django_db
def test_every_admin_page_opens(client):
    superuser = User.objects.create_superuser("root", "root@example.ru", "root")
    client.force_login(superuser)
    call_command("demo", stdout=io.StringIO())
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change
    assert apps.get_model("deals", "Deal") in admin.site._registry


@pytest.mark.django_db
def test_every_start_prints_the_invoice_link_for_the_served_address_and_the_site_key(
    settings, client
):
    from billing.models import Invoice
    from deals.models import LeadSource

    settings.CRM_DEMO_SITE_KEY = ""  # a random key, kept in the database
    outputs = []
    for site_url in ("http://127.0.0.1:8765", "http://127.0.0.1:8080"):
        settings.SITE_URL = site_url
        out = io.StringIO()
        call_command("demo", stdout=out)
        outputs.append(out.getvalue())
    key = LeadSource.objects.get().key
    invoice = Invoice.objects.filter(status=Invoice.Status.SENT).order_by("pk").first()
    path = f"/p/i/{invoice.token}/"
    first, second = outputs
    assert f"http://127.0.0.1:8765{path}" in first
    assert f"http://127.0.0.1:8080{path}" in second
    for output in outputs:
        assert f"для /api/leads/: {key}" in output
        # After the rest of the output, so the first start's long log does not bury them.
        tail = output.split("Демо-данные готовы.")[1]
        assert path in tail and key in tail
    assert "Пользователь manager" not in second  # nothing is created twice
    page = client.get(path)
    assert page.status_code == 200
    assert invoice.title in page.content.decode()
