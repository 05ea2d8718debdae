"""Client pages as a manager and the head of sales use them."""

import pytest
from django.urls import reverse

from contacts.models import BankAccount, Client, RequisiteChange
from deals import services
from deals.models import DealEvent

from .conftest import ACCOUNT, ENTREPRENEUR, LEGAL, PERSON, form_data

CREATE = reverse("clients:create")


def edit_data(client, values, accounts=()):
    """The edit form as the page shows it for this client, with `values` changed."""
    existing = [
        {
            "id": str(a.pk),
            "client": str(client.pk),
            "bank_name": a.bank_name,
            "bik": a.bik,
            "correspondent_account": a.correspondent_account,
            "settlement_account": a.settlement_account,
            "is_default": "on" if a.is_default else "",
        }
        for a in client.bank_accounts.all()
    ]
    return form_data(values, [*existing, *accounts], initial=len(existing))


class TestCreate:
    def test_it_creates_a_legal_entity_with_its_bank_account(self, client_a, manager_a):
        response = client_a.post(CREATE, form_data(LEGAL, [{**ACCOUNT, "is_default": "on"}]))
        client = Client.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("clients:detail", args=[client.pk])
        assert client.kind == "legal"
        assert client.created_by == manager_a
        assert (client.inn, client.kpp, client.ogrn) == ("7707083893", "773601001", "1027700132195")
        assert client.signatory_name_genitive == "Петрова Сергея Николаевича"
        assert client.signatory_position_genitive == "генерального директора"
        assert client.phones == ["+74957654321"]
        assert client.default_bank_account.settlement_account == ACCOUNT["settlement_account"]
        page = client_a.get(reverse("clients:detail", args=[client.pk])).text
        assert "ООО «Ромашка»" in page and "7707083893" in page and "44525225" in page

    def test_it_creates_a_sole_proprietor(self, client_a):
        response = client_a.post(CREATE, form_data(ENTREPRENEUR, [ACCOUNT]))
        assert response.status_code == 302
        client = Client.objects.get()
        assert client.name == "ИП Соколова Марина Викторовна"
        assert client.full_name == "Индивидуальный предприниматель Соколова Марина Викторовна"
        assert client.signatory_name_genitive == "Соколовой Марины Викторовны"
        assert client.basis == (
            "записи в ЕГРИП (ОГРНИП 304500116000157 от 12\xa0марта\xa02004\xa0г.)"
        )
        # A single account becomes the default even when nobody ticked it.
        assert client.default_bank_account.is_default

    def test_it_creates_an_individual_with_a_passport(self, client_a):
        response = client_a.post(CREATE, form_data(PERSON))
        assert response.status_code == 302
        client = Client.objects.get()
        assert client.name == "Кузьмин Андрей Павлович"
        assert (client.passport_series, client.passport_code) == ("4510", "770-001")
        assert client.passport.startswith("серия 45 10 № 123456, выдан ГУ МВД России")
        assert client.inn == ""

    def test_it_explains_a_wrong_inn_in_russian_and_keeps_the_input(self, client_a):
        data = form_data({**LEGAL, "inn": "7707083894", "ogrn": "1027700132196"}, [ACCOUNT])
        response = client_a.post(CREATE, data)
        assert response.status_code == 400
        assert "ИНН: неверное контрольное число" in response.text
        assert "ОГРН: неверное контрольное число" in response.text
        assert 'value="7707083894"' in response.text
        assert 'value="Петров Сергей Николаевич"' in response.text
        assert not Client.objects.exists() and not BankAccount.objects.exists()

    def test_it_rejects_an_account_that_does_not_match_the_bik(self, client_a):
        bad = {**ACCOUNT, "settlement_account": "40702810938000012346"}
        response = client_a.post(CREATE, form_data(LEGAL, [bad]))
        assert response.status_code == 400
        assert "Расчётный счёт не подходит к БИК 044525225" in response.text
        assert not Client.objects.exists()

    def test_it_names_the_missing_fields_of_the_chosen_type(self, client_a):
        response = client_a.post(
            CREATE, form_data({"kind": "entrepreneur", "basis_kind": "charter"})
        )
        assert response.status_code == 400
        for label in ("ФИО", "ИНН", "ОГРНИП", "Адрес регистрации"):
            assert f"Заполните поле «{label}»." in response.text
        assert "Заполните поле «КПП»." not in response.text

    def test_it_saves_with_a_warning_about_an_unusual_account(self, client_a):
        account = {**ACCOUNT, "settlement_account": "40802810438000054321"}
        response = client_a.post(CREATE, form_data(LEGAL, [account]), follow=True)
        assert response.status_code == 200
        assert Client.objects.count() == 1
        assert "обычно 40702" in response.text

    def test_it_asks_for_a_proxy_number_and_date(self, client_a):
        response = client_a.post(CREATE, form_data({**LEGAL, "basis_kind": "proxy"}))
        assert response.status_code == 400
        assert "Укажите номер и дату доверенности." in response.text
        data = {**LEGAL, "basis_kind": "proxy", "poa_number": "7", "poa_date": "2026-01-15"}
        client_a.post(CREATE, form_data(data))
        assert Client.objects.get().basis == "доверенности № 7 от 15\xa0января\xa02026\xa0г."


class TestTypeSwitch:
    def test_the_form_marks_fields_by_type_for_the_script(self, client_a):
        page = client_a.get(CREATE).text
        assert "js/client-form.js" in page
        assert 'data-kind-switch="1"' in page
        assert 'data-kinds="legal"' in page  # КПП, ОГРН
        assert 'data-kinds="person"' in page  # passport
        assert 'data-kinds="entrepreneur"' in page  # ОГРНИП
        assert "<script>" not in page  # the policy forbids inline scripts

    def test_fields_typed_under_another_type_are_not_saved(self, client_a):
        response = client_a.post(CREATE, form_data({**LEGAL, **PERSON, "inn": ""}))
        assert response.status_code == 302
        client = Client.objects.get()
        assert client.kind == "person"
        assert (client.kpp, client.ogrn, client.legal_address) == ("", "", "")
        assert client.name == "Кузьмин Андрей Павлович"

    def test_switching_an_organisation_to_an_individual_clears_its_requisites(
        self, client_a, manager_a, make_client
    ):
        client = make_client(manager_a, inn="7707083893", kpp="773601001", ogrn="1027700132195")
        data = edit_data(client, {**LEGAL, **PERSON, "inn": ""})
        response = client_a.post(reverse("clients:edit", args=[client.pk]), data)
        assert response.status_code == 302
        client.refresh_from_db()
        assert client.kind == "person"
        assert (client.kpp, client.ogrn, client.signatory_position) == ("", "", "")
        change = client.changes.first()
        labels = {c["label"]: c for c in change.changes}
        assert labels["Тип"]["old"] == "Юридическое лицо"
        assert labels["КПП"] == {**labels["КПП"], "old": "773601001", "new": ""}


class TestEdit:
    @pytest.mark.parametrize("values", [LEGAL, ENTREPRENEUR, PERSON], ids=lambda v: v["kind"])
    def test_each_type_is_edited_and_the_change_logged(self, client_a, manager_a, values):
        client_a.post(CREATE, form_data(values, [ACCOUNT]))
        client = Client.objects.get()
        new_address = "г. Тула, ул. Ленина, д. 1"
        field = "legal_address" if values["kind"] == "legal" else "registration_address"
        response = client_a.post(
            reverse("clients:edit", args=[client.pk]),
            edit_data(client, {**values, field: new_address}),
        )
        assert response.status_code == 302
        client.refresh_from_db()
        assert getattr(client, field) == new_address
        change = client.changes.first()
        assert change.by == manager_a and change.action == RequisiteChange.Action.CHANGED
        assert [c["new"] for c in change.changes] == [new_address]
        page = client_a.get(reverse("clients:detail", args=[client.pk])).text
        assert f"→ {new_address}" in page

    def test_the_default_account_moves_and_accounts_are_deleted(
        self, client_a, manager_a, make_client
    ):
        client = make_client(manager_a, accounts=2)
        first, second = client.bank_accounts.order_by("pk")
        data = edit_data(client, {**LEGAL, "inn": "", "kpp": "", "ogrn": ""})
        data.update(
            {
                "inn": "7707083893",
                "kpp": "773601001",
                "ogrn": "1027700132195",
                "accounts-0-is_default": "",
                "accounts-1-is_default": "on",
            }
        )
        response = client_a.post(reverse("clients:edit", args=[client.pk]), data)
        assert response.status_code == 302
        assert client.default_bank_account == second
        data["accounts-1-DELETE"] = "on"
        client_a.post(reverse("clients:edit", args=[client.pk]), data)
        assert list(client.bank_accounts.all()) == [first]
        first.refresh_from_db()
        assert first.is_default
        lines = [c["label"] for c in client.changes.first().changes]
        assert lines == ["Банковский счёт", "Банковский счёт"]

    def test_two_default_accounts_are_refused(self, client_a):
        accounts = [{**ACCOUNT, "is_default": "on"}, {**ACCOUNT, "is_default": "on"}]
        accounts[1]["settlement_account"] = "40702810238000012346"
        response = client_a.post(CREATE, form_data(LEGAL, accounts))
        assert response.status_code == 400
        assert "Основным может быть только один счёт." in response.text


class TestDuplicates:
    def test_the_same_inn_and_kpp_is_refused_with_a_link(self, client_a, manager_a, make_client):
        existing = make_client(manager_a, inn="7707083893", kpp="773601001")
        response = client_a.post(CREATE, form_data(LEGAL))
        assert response.status_code == 400
        assert f"Клиент с таким ИНН и КПП уже есть: «{existing.name}»." in response.text
        assert f'href="{reverse("clients:detail", args=[existing.pk])}"' in response.text
        assert Client.objects.count() == 1

    def test_a_branch_with_another_kpp_is_a_new_client(self, client_a, manager_a, make_client):
        make_client(manager_a, inn="7707083893", kpp="773601001")
        response = client_a.post(CREATE, form_data({**LEGAL, "kpp": "770201001"}))
        assert response.status_code == 302
        assert Client.objects.count() == 2

    def test_a_manager_who_cannot_see_the_existing_client_gets_no_link(
        self, client_b, manager_a, make_client
    ):
        existing = make_client(manager_a, kind="entrepreneur", inn="500100732259")
        response = client_b.post(CREATE, form_data(ENTREPRENEUR))
        assert response.status_code == 400
        assert f"Клиент с таким ИНН уже есть: «{existing.name}»." in response.text
        assert reverse("clients:detail", args=[existing.pk]) not in response.text
        assert "Привязать его к сделке" not in response.text  # no deal to attach it to

    def test_editing_keeps_its_own_inn(self, client_a, manager_a, make_client):
        client = make_client(manager_a, inn="7707083893", kpp="773601001", ogrn="1027700132195")
        response = client_a.post(
            reverse("clients:edit", args=[client.pk]), edit_data(client, LEGAL)
        )
        assert response.status_code == 302


class TestAccess:
    def test_another_manager_gets_404_on_every_client_url(
        self, client_b, manager_a, make_client, deal_a
    ):
        client = make_client(manager_a, kind="person")
        services.deal_create(title="Другая", manager=manager_a, by=manager_a, client=client)
        for url in (
            reverse("clients:detail", args=[client.pk]),
            reverse("clients:edit", args=[client.pk]),
        ):
            assert client_b.get(url).status_code == 404
            assert client_b.post(url, edit_data(client, PERSON)).status_code == 404
        client.refresh_from_db()
        assert client.name.startswith("Петров")
        assert client.pk not in [
            c.pk for c in client_b.get(reverse("clients:list")).context["page"]
        ]

    def test_a_manager_sees_the_client_of_a_deal_they_hold_a_task_on(
        self, client_b, manager_a, manager_b, make_client, future
    ):
        client = make_client(manager_a)
        deal = services.deal_create(title="Сайт", manager=manager_a, by=manager_a, client=client)
        services.task_create(
            deal=deal,
            author=manager_a,
            assignee=manager_b,
            kind="call",
            text="Позвонить",
            due_at=future,
        )
        assert client_b.get(reverse("clients:detail", args=[client.pk])).status_code == 200

    def test_the_head_sees_every_client(self, client_head, manager_a, make_client):
        client = make_client(manager_a)
        assert client_head.get(reverse("clients:detail", args=[client.pk])).status_code == 200


class TestPassport:
    @pytest.fixture
    def person(self, manager_a, manager_b, make_client, future):
        client = make_client(manager_a, kind="person", passport_number="654321")
        deal = services.deal_create(title="Сайт", manager=manager_a, by=manager_a, client=client)
        # manager_b sees the client through a task, but is not responsible for the deal.
        services.task_create(
            deal=deal,
            author=manager_a,
            assignee=manager_b,
            kind="call",
            text="Звонок",
            due_at=future,
        )
        return client

    def test_it_is_hidden_from_a_manager_who_only_holds_a_task(self, client_b, person):
        detail = client_b.get(reverse("clients:detail", args=[person.pk]))
        assert detail.status_code == 200
        assert "654321" not in detail.text
        assert "Паспортные данные видят только" in detail.text
        edit = client_b.get(reverse("clients:edit", args=[person.pk]))
        assert "654321" not in edit.text and "passport_number" not in edit.text

    def test_it_is_masked_in_the_change_log_for_them(self, client_b, person):
        page = client_b.get(reverse("clients:detail", args=[person.pk])).text
        assert "Номер паспорта: — → •••• (скрыто)" in page

    def test_they_may_not_change_the_client(self, client_b, person):
        data = edit_data(
            person,
            {
                "kind": "person",
                "person_name": "Петров Пётр Петрович",
                "registration_address": "г. Тверь",
                "basis_kind": "charter",
            },
        )
        response = client_b.post(reverse("clients:edit", args=[person.pk]), data)
        assert response.status_code == 403
        assert "Менять реквизиты клиента могут" in response.text
        person.refresh_from_db()
        assert person.passport_number == "654321" and person.registration_address != "г. Тверь"
        page = client_b.get(reverse("clients:detail", args=[person.pk])).text
        assert reverse("clients:edit", args=[person.pk]) not in page

    def test_it_is_shown_to_the_responsible_manager_and_the_head(
        self, client_a, client_head, person
    ):
        for c in (client_a, client_head):
            page = c.get(reverse("clients:detail", args=[person.pk])).text
            assert "№ 654321" in page
            assert "Номер паспорта: — → 654321" in page

    def test_it_is_never_in_the_list(self, client_head, person):
        page = client_head.get(reverse("clients:list")).text
        assert person.name in page and "654321" not in page and "4510" not in page


class TestList:
    def test_it_finds_by_name_in_any_case_and_by_inn(self, client_a, manager_a, make_client):
        romashka = make_client(manager_a, name="ООО «Ромашка»", inn="7707083893")
        other = make_client(manager_a, name="ООО «Василёк»")
        url = reverse("clients:list")
        assert list(client_a.get(url, {"q": "ромашка"}).context["page"]) == [romashka]
        assert list(client_a.get(url, {"q": "77070"}).context["page"]) == [romashka]
        assert list(client_a.get(url, {"q": "василек"}).context["page"]) == [other]

    def test_it_filters_by_type(self, client_a, manager_a, make_client):
        make_client(manager_a)
        ip = make_client(manager_a, kind="entrepreneur")
        page = client_a.get(reverse("clients:list"), {"kind": "entrepreneur"}).context["page"]
        assert list(page) == [ip]

    @pytest.mark.parametrize("rows", [2, 50])
    def test_its_query_count_does_not_grow(
        self, client_a, manager_a, make_client, rows, django_assert_num_queries
    ):
        for _ in range(rows):
            c = make_client(manager_a)
            services.deal_create(title="Сайт", manager=manager_a, by=manager_a, client=c)
        # session, user, count, page, the bell's unread count
        with django_assert_num_queries(5):
            response = client_a.get(reverse("clients:list"))
        assert response.status_code == 200
        assert len(response.context["page"]) == rows
        assert ">1</td>" in response.text  # deals per client


class TestDetail:
    @pytest.mark.parametrize("rows", [2, 50])
    def test_its_query_count_does_not_grow(
        self, client_a, manager_a, make_client, rows, django_assert_num_queries
    ):
        from contacts.models import Contact

        client = make_client(manager_a, accounts=rows)
        for i in range(rows):
            deal = services.deal_create(
                title=f"Сайт {i}", manager=manager_a, by=manager_a, client=client
            )
            contact = Contact.objects.create(name=f"Контакт {i}", client=client)
            services.contact_save(
                contact=contact, phones=[f"+7916123{i:04d}"], emails=[], deal=deal
            )
        # session, user, client, its accounts, deals, their open tasks, their contacts and
        # phones, the client's contacts with phones and e-mails, the change log (the creator
        # sees the passport without a query); the documents section: proposals, contracts;
        # the bell's unread count
        with django_assert_num_queries(14):
            response = client_a.get(reverse("clients:detail", args=[client.pk]))
        assert response.status_code == 200
        assert len(response.context["deals"]) == rows
        assert len(response.context["contacts"]) == rows
        assert len(response.context["accounts"]) == rows
        assert "Контакт 1" in response.text and "Сайт 1" in response.text


class TestDealCardPanel:
    def test_the_card_shows_the_panel(self, client_a, deal_a):
        page = client_a.get(deal_a.get_absolute_url()).text
        assert 'id="client-panel"' in page
        assert reverse("deals:client_search", args=[deal_a.pk]) in page

    def test_a_form_with_errors_is_swapped_into_the_card_also_in_debug(
        self, client_a, deal_a, settings
    ):
        # django-htmx's debug helper replaces the whole page with a 400 reply; the card
        # relies on 400 replies being swapped into their form, so the helper stays out.
        settings.DEBUG = True
        page = client_a.get(deal_a.get_absolute_url()).text
        assert "htmx-2.min.js" in page
        assert "django-htmx.js" not in page

    def test_search_finds_visible_clients_by_name_and_inn(
        self, client_a, deal_a, manager_a, manager_b, make_client
    ):
        mine = make_client(manager_a, name="ООО «Ромашка»", inn="7707083893", kpp="773601001")
        theirs = make_client(manager_b, name="ООО «Ромашка-2»")
        url = reverse("deals:client_search", args=[deal_a.pk])
        response = client_a.get(url, {"q": "ромаш"}, headers={"HX-Request": "true"})
        assert response.context["found"] == [mine]
        assert theirs.name not in response.text
        assert client_a.get(url, {"q": "770708"}).context["found"] == [mine]

    def test_the_complete_inn_finds_a_client_created_by_another_manager(
        self, client_a, deal_a, manager_b, make_client
    ):
        theirs = make_client(manager_b, kind="entrepreneur", inn="500100732259")
        url = reverse("deals:client_search", args=[deal_a.pk])
        assert client_a.get(url, {"q": "5001007322"}).context["found"] == []
        response = client_a.get(url, {"q": "500100732259"})
        assert response.context["found"] == [theirs]
        assert 'name="inn" value="500100732259"' in response.text

    def test_picking_a_client_sets_it_and_writes_the_timeline(
        self, client_a, deal_a, manager_a, make_client
    ):
        client = make_client(manager_a, name="ООО «Ромашка»")
        response = client_a.post(
            reverse("deals:client_set", args=[deal_a.pk]),
            {"client": client.pk},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        assert "ООО «Ромашка»" in response.text and "Отвязать" in response.text
        deal_a.refresh_from_db()
        assert deal_a.client == client
        event = DealEvent.objects.filter(deal=deal_a, kind="client").get()
        assert event.text == "Клиент: ООО «Ромашка» (юридическое лицо)"
        assert event.actor == manager_a

    def test_a_client_the_manager_may_not_see_cannot_be_picked_by_id(
        self, client_a, deal_a, manager_b, make_client
    ):
        theirs = make_client(manager_b, kind="entrepreneur", inn="500100732259")
        url = reverse("deals:client_set", args=[deal_a.pk])
        assert client_a.post(url, {"client": theirs.pk}).status_code == 404
        assert client_a.post(url, {"client": theirs.pk, "inn": "7707083893"}).status_code == 404
        assert client_a.post(url, {"client": theirs.pk, "inn": "500100732259"}).status_code == 302
        deal_a.refresh_from_db()
        assert deal_a.client == theirs

    def test_unlinking_clears_the_client(self, client_a, deal_a, manager_a, make_client):
        client = make_client(manager_a, name="ООО «Ромашка»")
        client_a.post(reverse("deals:client_set", args=[deal_a.pk]), {"client": client.pk})
        response = client_a.post(
            reverse("deals:client_unlink", args=[deal_a.pk]), headers={"HX-Request": "true"}
        )
        assert "Клиент не выбран" in response.text
        deal_a.refresh_from_db()
        assert deal_a.client is None
        assert DealEvent.objects.filter(deal=deal_a, text="Клиент отвязан: ООО «Ромашка»").exists()

    def test_a_client_is_created_inside_the_card(self, client_a, deal_a, manager_a):
        data = form_data(ENTREPRENEUR, [ACCOUNT], prefix="client")
        response = client_a.post(
            reverse("deals:client_create", args=[deal_a.pk]), data, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        client = Client.objects.get()
        deal_a.refresh_from_db()
        assert deal_a.client == client and client.created_by == manager_a
        assert client.bank_accounts.count() == 1
        assert "обычно 40802" in response.text  # the account warning, shown in the panel

    def test_errors_stay_in_the_card_form(self, client_a, deal_a):
        data = form_data({**ENTREPRENEUR, "ogrnip": "304500116000158"}, prefix="client")
        response = client_a.post(
            reverse("deals:client_create", args=[deal_a.pk]), data, headers={"HX-Request": "true"}
        )
        assert response.status_code == 400
        assert "ОГРНИП: неверное контрольное число" in response.text
        assert 'value="Соколова Марина Викторовна"' in response.text
        assert not Client.objects.exists()

    def test_a_duplicate_in_the_card_offers_the_existing_client(
        self, client_a, deal_a, manager_b, make_client
    ):
        theirs = make_client(manager_b, kind="entrepreneur", inn="500100732259")
        data = form_data(ENTREPRENEUR, prefix="client")
        response = client_a.post(
            reverse("deals:client_create", args=[deal_a.pk]), data, headers={"HX-Request": "true"}
        )
        assert response.status_code == 400
        assert "Привязать его к сделке" in response.text
        attach = reverse("deals:client_set", args=[deal_a.pk])
        assert f'formaction="{attach}" hx-post="{attach}"' in response.text
        data["client"] = theirs.pk
        client_a.post(reverse("deals:client_set", args=[deal_a.pk]), data)
        deal_a.refresh_from_db()
        assert deal_a.client == theirs

    def test_another_manager_gets_404_on_the_deal_client_urls(
        self, client_b, deal_a, manager_a, make_client
    ):
        client = make_client(manager_a)
        for name, method in (
            ("deals:client_search", "get"),
            ("deals:client_set", "post"),
            ("deals:client_unlink", "post"),
            ("deals:client_create", "post"),
        ):
            url = reverse(name, args=[deal_a.pk])
            response = getattr(client_b, method)(url, {"client": client.pk, "q": "ООО"})
            assert response.status_code == 404, name

    def test_the_card_query_count_does_not_grow_with_clients(
        self, client_a, deal_a, manager_a, make_client, django_assert_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for _ in range(2):
            make_client(manager_a)
        deal_a.client = Client.objects.first()
        deal_a.save()
        with CaptureQueriesContext(connection) as few:
            first = client_a.get(deal_a.get_absolute_url())
        assert first.status_code == 200
        assert 'id="client-panel"' in first.text
        for _ in range(48):
            make_client(manager_a)
        with django_assert_num_queries(len(few)):
            response = client_a.get(deal_a.get_absolute_url())
        assert response.status_code == 200
        assert deal_a.client.name in response.text


class TestSellerAndMenu:
    def test_a_manager_is_told_the_seller_requisites_are_the_heads(self, client_a):
        response = client_a.get(reverse("clients:seller"))
        assert response.status_code == 403
        assert "Это может только руководитель отдела продаж." in response.text
        assert client_a.post(reverse("clients:seller"), {"name": "Чужое"}).status_code == 403

    def test_the_head_edits_the_seller_requisites(self, client_head):
        response = client_head.get(reverse("clients:seller"))
        assert response.status_code == 200
        assert "Реквизиты" in response.text

    def test_the_menu_has_clients_for_everyone_and_the_seller_for_the_head(
        self, client_a, client_head
    ):
        clients = f'href="{reverse("clients:list")}">Клиенты</a>'
        seller = f'href="{reverse("clients:seller")}">Наши реквизиты</a>'
        manager_page = client_a.get(reverse("deals:list")).text
        assert clients in manager_page and seller not in manager_page
        head_page = client_head.get(reverse("deals:list")).text
        assert clients in head_page and seller in head_page


class TestGenitive:
    def test_it_declines_names_and_positions(self, client_a):
        url = reverse("clients:genitive")
        assert client_a.get(url, {"value": "Петрова Анна Сергеевна"}).json() == {
            "value": "Петровой Анны Сергеевны",
            "sure": True,
        }
        assert client_a.get(url, {"what": "position", "value": "Генеральный директор"}).json() == {
            "value": "генерального директора",
            "sure": True,
        }

    def test_it_needs_a_login(self, anon):
        assert anon.get(reverse("clients:genitive"), {"value": "Иванов"}).status_code == 302
