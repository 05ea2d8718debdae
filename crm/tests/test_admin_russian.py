"""The admin speaks Russian that agrees, tried as a superuser: titles and buttons in the
accusative, counts that agree with the number, no English left, no raw codes or «PK» in
lists, and the histories the funnel report reads cannot be changed."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from contacts.models import Client
from crm.admin import ModelAdmin
from crm.models import User
from deals.models import DealEvent, StageChange


@pytest.fixture
def root(client, db):
    user = User.objects.create_superuser("root", "root@example.ru", "root")
    client.force_login(user)
    return client


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_admin_declines_its_model_name():
    missing = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, ModelAdmin) or not getattr(model_admin, "names", None)
    ]
    assert missing == []


def test_the_deal_list_and_form_read_right(root, deal_a):
    from deals.models import Deal

    page = root.get(changelist(Deal)).text
    assert "<h1>Выберите сделку для изменения</h1>" in page
    assert "Добавить сделку" in page and "Добавить сделка" not in page
    assert "1 сделка" in page
    assert "Filter by" not in page
    assert '<span id="date-hierarchy-label">Создана:</span>' in page
    header = re.search(r"<thead>.*?</thead>", page, re.S).group(0)
    assert ">№<" in header and "PK" not in header and ">ID<" not in header
    add = root.get(reverse("admin:deals_deal_add")).text
    assert "<h1>Добавить сделку</h1>" in add
    assert '<li aria-current="page">Добавить сделку</li>' in add
    change = root.get(reverse("admin:deals_deal_change", args=[deal_a.pk])).text
    assert "<h1>Изменить сделку</h1>" in change


@pytest.mark.parametrize("count, words", [(1, "1 клиент"), (3, "3 клиента"), (5, "5 клиентов")])
def test_counts_agree_with_the_number(root, manager_a, count, words):
    for i in range(count):
        Client.objects.create(kind="legal", name=f"ООО «Ромашка {i}»", created_by=manager_a)
    page = root.get(changelist(Client)).text
    assert re.search(rf"\b{words}\b", page), words
    assert "клиенты\n" not in page


@pytest.mark.parametrize("model", [StageChange, DealEvent])
def test_the_histories_of_the_funnel_are_read_only(root, deal_a, model):
    row = model.objects.filter(deal=deal_a).first()
    assert row is not None
    page = root.get(changelist(model)).text
    assert "для просмотра</h1>" in page
    assert f"Добавить {admin.site._registry[model].names.accusative}" not in page
    meta = model._meta
    assert root.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code == 403
    change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
    view = root.get(change)
    assert view.status_code == 200 and "Просмотреть" in view.text
    assert root.post(change, {}).status_code == 403
    delete = reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[row.pk])
    assert root.post(delete, {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_the_timeline_list_shows_no_raw_codes(root, deal_a):
    page = root.get(changelist(DealEvent)).text
    body = page.split('id="result_list"', 1)[1]
    assert "deal.created" not in body and ">kind<" not in body.lower()


def test_notifications_show_their_event_by_name(root, manager_a):
    from crm.models import Notification
    from crm.notifications import notify

    notify(user=manager_a, event="client.opened", text="Клиент открыл анкету «Бриф»")
    page = root.get(changelist(Notification)).text
    assert "Выберите уведомление для просмотра" in page
    assert "Клиент открыл документ" in page  # the event's label, in the list and the filter
    assert "client.opened" not in page.split('id="result_list"', 1)[1]


def test_no_admin_list_is_left_in_english(root, deal_a):
    english = re.compile(r"\b(Select|Add|Filter by|results?|Show all)\b")
    for model in admin.site._registry:
        page = root.get(changelist(model)).text
        title = re.search(r"<h1>(.*?)</h1>", page).group(1)
        assert title.startswith("Выберите "), (model, title)
        visible = re.sub(r"<[^>]+>", " ", page.split("<body", 1)[1])
        assert not english.search(visible), (model, english.search(visible).group(0))
