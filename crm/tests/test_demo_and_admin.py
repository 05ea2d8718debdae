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
