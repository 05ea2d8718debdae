"""Requisites on the models: derived fields, properties documents read, the seller, bank
accounts and the change log."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from contacts import services
from contacts.models import BankAccount, Client, RequisiteChange, Seller

SBER = {
    "bank_name": "ПАО Сбербанк",
    "bik": "044525225",
    "correspondent_account": "30101810400000000225",
    "settlement_account": "40702810938000012345",
}


def seller(**values):
    base = {
        "kind": Seller.Kind.LEGAL,
        "name": "ООО «Пиксель»",
        "full_name": "Общество с ограниченной ответственностью «Пиксель»",
        "inn": "7707083893",
        "kpp": "773601001",
        "signatory_position": "Генеральный директор",
        "signatory_name": "Волков Дмитрий Андреевич",
        "is_active": True,
    }
    return Seller(**{**base, **values})


@pytest.mark.django_db
class TestSeller:
    def test_active_returns_the_one_active_seller_with_its_default_account(self, head):
        assert Seller.objects.active() is None
        first = services.seller_save(
            seller=seller(), by=head, accounts=[BankAccount(**SBER, is_default=True)]
        )
        active = Seller.objects.active()
        assert active == first
        assert active.default_bank_account.bik == "044525225"
        assert active.signatory_name_genitive == "Волкова Дмитрия Андреевича"
        assert active.signatory_position_genitive == "генерального директора"
        assert active.signatory_initials == "Волков Д. А."
        assert active.basis == "Устава"

    def test_activating_another_seller_retires_the_first(self, head):
        first = services.seller_save(seller=seller(), by=head)
        second = services.seller_save(seller=seller(name="ИП Волков"), by=head)
        first.refresh_from_db()
        assert not first.is_active and second.is_active
        assert Seller.objects.active() == second

    def test_the_database_refuses_two_active_sellers(self, head):
        services.seller_save(seller=seller(), by=head)
        with pytest.raises(IntegrityError), transaction.atomic():
            seller(name="Второй").save()

    def test_the_database_refuses_an_individual_as_seller(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            seller(kind=Client.Kind.PERSON).save()

    def test_a_sole_proprietor_seller_signs_himself(self, head):
        s = services.seller_save(
            seller=seller(
                kind=Seller.Kind.ENTREPRENEUR,
                person_name="Волков Дмитрий Андреевич",
                inn="500100732259",
                ogrnip="304500116000157",
                ogrnip_date=datetime.date(2004, 3, 12),
            ),
            by=head,
        )
        assert s.name == "ИП Волков Дмитрий Андреевич"
        assert s.kpp == "" and s.signatory_position == "Индивидуальный предприниматель"
        assert s.registration_number == "304500116000157"
        assert s.registration_number_label == "ОГРНИП"


@pytest.mark.django_db
class TestBankAccounts:
    def test_the_database_allows_one_default_per_owner(self, manager_a):
        client = services.client_save(client=Client(name="ООО «А»"), by=manager_a)
        BankAccount.objects.create(client=client, is_default=True, **SBER)
        with pytest.raises(IntegrityError), transaction.atomic():
            BankAccount.objects.create(client=client, is_default=True, **SBER)

    def test_an_account_belongs_to_exactly_one_owner(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            BankAccount.objects.create(**SBER)

    def test_the_service_moves_the_default(self, manager_a):
        client = services.client_save(
            client=Client(name="ООО «А»"),
            by=manager_a,
            accounts=[BankAccount(**SBER, is_default=True), BankAccount(**SBER)],
        )
        first, second = client.bank_accounts.order_by("pk")
        second.is_default = True
        first.is_default = False
        services.bank_accounts_save(owner=client, accounts=[first, second])
        assert client.default_bank_account == second
        services.bank_accounts_save(owner=client, accounts=[first], deleted=[second])
        assert client.default_bank_account == first
        first.refresh_from_db()
        assert first.is_default


@pytest.mark.django_db
class TestChangeLog:
    def test_it_records_creation_and_each_change_with_who(self, manager_a):
        client = services.client_save(
            client=Client(name="ООО «А»", inn="7707083893", kpp="773601001"), by=manager_a
        )
        created = client.changes.get()
        assert created.action == RequisiteChange.Action.CREATED and created.by == manager_a
        assert {"label": "ИНН", "old": "", "new": "7707083893"}.items() <= {
            k: v for c in created.changes if c["field"] == "inn" for k, v in c.items()
        }.items()
        client.kpp = "770201001"
        services.client_save(client=client, by=manager_a)
        change = client.changes.first()
        assert [(c["label"], c["old"], c["new"]) for c in change.changes] == [
            ("КПП", "773601001", "770201001")
        ]

    def test_saving_without_changes_records_nothing(self, manager_a):
        client = services.client_save(client=Client(name="ООО «А»"), by=manager_a)
        services.client_save(client=client, by=manager_a)
        assert client.changes.count() == 1

    def test_passport_values_are_masked_for_those_who_may_not_see_them(self, manager_a):
        client = services.client_save(
            client=Client(
                kind=Client.Kind.PERSON,
                person_name="Кузьмин Андрей Павлович",
                passport_series="4510",
                passport_number="123456",
            ),
            by=manager_a,
        )
        change = client.changes.get()
        hidden = {line["label"]: line["new"] for line in change.lines(show_personal=False)}
        shown = {line["label"]: line["new"] for line in change.lines(show_personal=True)}
        assert hidden["Номер паспорта"] == "•••• (скрыто)"
        assert shown["Номер паспорта"] == "123456"
        assert hidden["ФИО"] == "Кузьмин Андрей Павлович"


class TestDocumentsProperties:
    def test_a_legal_entity_acting_by_proxy(self):
        client = Client(
            kind=Client.Kind.LEGAL,
            name="ООО «А»",
            signatory_position="Коммерческий директор",
            signatory_name="Иванов Иван Иванович",
            basis_kind=Client.Basis.PROXY,
            poa_number="15",
            poa_date=datetime.date(2026, 1, 10),
            legal_address="г. Москва",
        )
        client.normalize()
        assert client.basis == "доверенности № 15 от 10\xa0января\xa02026\xa0г."
        assert client.signatory_position_genitive == "коммерческого директора"
        assert client.address == client.mailing_address == "г. Москва"

    def test_an_individual_has_no_basis_and_a_full_passport_line(self):
        client = Client(
            kind=Client.Kind.PERSON,
            person_name="Кузьмин Андрей Павлович",
            passport_series="4510",
            passport_number="123456",
            passport_issued_by="ГУ МВД России по г. Москве",
            passport_issued_date=datetime.date(2015, 6, 10),
            passport_code="770-001",
            registration_address="г. Москва",
        )
        client.normalize()
        assert client.basis == ""
        assert client.passport == (
            "серия 45 10 № 123456, выдан ГУ МВД России по г. Москве 10\xa0июня\xa02015\xa0г., "
            "код подразделения 770-001"
        )

    def test_the_search_key_ignores_case_and_yo(self):
        client = Client(kind=Client.Kind.LEGAL, name="ООО «Василёк»", inn="7707083893")
        client.normalize()
        assert "василек" in client.search_text and "7707083893" in client.search_text
