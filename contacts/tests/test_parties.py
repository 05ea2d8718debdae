"""How a party is written (contacts.parties): the copy an invoice keeps, the lines read from
such a copy, and the text of contracts, from saved clients and sellers."""

import datetime

import pytest

from contacts import parties, services
from contacts.demo import CLIENTS, SELLER, SELLER_ACCOUNT
from contacts.models import BankAccount, Client, Seller

# What invoices have stored since they were introduced: the copy must keep these keys and
# values, or invoices issued from now on would read differently from the earlier ones.
SELLER_COPY = {
    "kind": "legal",
    "name": "ООО «Пиксель»",
    "full_name": "Общество с ограниченной ответственностью «Пиксель»",
    "inn": "7712345671",
    "kpp": "771201001",
    "address": "125009, г. Москва, ул. Тверская, д. 7, офис 12",
    "phone": "+7 495 123-45-67",
    "phone_e164": "+74951234567",
    "email": "info@pixel.example.ru",
    "signatory_position": "Генеральный директор",
    "signatory_name": "Волков Дмитрий Андреевич",
    "signatory_initials": "Волков Д. А.",
    "chief_accountant": "Орлова Елена Викторовна",
    "chief_accountant_initials": "Орлова Е. В.",
    "bank_name": "ПАО Сбербанк, г. Москва",
    "bik": "044525225",
    "correspondent_account": "30101810400000000225",
    "settlement_account": "40702810938000012345",
}
ENTREPRENEUR_COPY = {
    "kind": "entrepreneur",
    "name": "ИП Соколова Марина Викторовна",
    "full_name": "Индивидуальный предприниматель Соколова Марина Викторовна",
    "inn": "771234567859",
    "kpp": "",
    "address": "117335, г. Москва, ул. Гарибальди, д. 21, кв. 40",
    "phone": "+7 916 123-45-09",
    "phone_e164": "+79161234509",
    "email": "sokolova@example.ru",
    "signatory_position": "Индивидуальный предприниматель",
    "signatory_name": "Соколова Марина Викторовна",
    "signatory_initials": "Соколова М. В.",
    "chief_accountant": "",
    "chief_accountant_initials": "",
    "bank_name": "ПАО Сбербанк, г. Москва",
    "bik": "044525225",
    "correspondent_account": "30101810400000000225",
    "settlement_account": "40802810438000054321",
}


@pytest.fixture
def demo_seller(db):
    services.seller_save(
        seller=Seller(**SELLER, is_active=True),
        by=None,
        accounts=[BankAccount(**SELLER_ACCOUNT, is_default=True)],
    )
    return Seller.objects.active()


@pytest.fixture
def demo_client(db):
    by_kind = {values["kind"]: (values, account) for values, account in CLIENTS}

    def make(kind):
        values, account = by_kind[kind]
        client = services.client_save(
            client=Client(**values), by=None, accounts=[BankAccount(**account, is_default=True)]
        )
        return Client.objects.prefetch_related("bank_accounts").get(pk=client.pk)

    return make


def test_the_invoice_copy_of_a_seller_keeps_the_keys_and_values_invoices_have(demo_seller):
    assert parties.snapshot(demo_seller) == SELLER_COPY


def test_the_invoice_copy_of_a_sole_proprietor(demo_client):
    assert parties.snapshot(demo_client("entrepreneur")) == ENTREPRENEUR_COPY


def test_an_individual_is_copied_without_a_position_and_nobody_is_an_empty_copy(demo_client):
    copy = parties.snapshot(demo_client("person"))
    assert (copy["kind"], copy["name"], copy["signatory_position"], copy["kpp"]) == (
        "person",
        "Кузьмин Андрей Павлович",
        "",
        "",
    )
    assert parties.snapshot(None) == {}


def test_a_copy_stored_earlier_reads_as_it_did():
    assert parties.requisites_line(SELLER_COPY) == (
        "ООО «Пиксель», ИНН 7712345671, КПП 771201001, 125009, г. Москва, ул. Тверская, "
        "д. 7, офис 12, тел.: +7\xa0495\xa0123-45-67"
    )
    assert parties.payment_signatures(SELLER_COPY) == [
        ("Руководитель", "Волков Д. А."),
        ("Главный бухгалтер", "Орлова Е. В."),
    ]
    assert parties.payment_signatures(ENTREPRENEUR_COPY) == [
        ("Индивидуальный предприниматель", "Соколова М. В.")
    ]
    alone = {**SELLER_COPY, "chief_accountant_initials": ""}
    assert parties.payment_signatures(alone)[1] == ("Главный бухгалтер", "Волков Д. А.")
    person = {"kind": "person", "name": "Кузьмин Андрей Павлович", "address": "г. Москва"}
    assert parties.requisites_line({**person, "inn": "772345678901"}) == (
        "Кузьмин Андрей Павлович, г. Москва"
    )
    assert parties.requisites_line({}) == ""


def test_a_saved_organisation_acting_by_proxy_is_written_for_a_contract(db):
    client = services.client_save(
        client=Client(
            kind=Client.Kind.LEGAL,
            name="АНО «Развитие»",
            full_name="Автономная некоммерческая организация «Развитие»",
            signatory_position="Директор по развитию",
            signatory_name="Петрова Мария Сергеевна",
            basis_kind=Client.Basis.PROXY,
            poa_number="7",
            poa_date=datetime.date(2026, 3, 5),
        ),
        by=None,
    )
    text = parties.write(Client.objects.get(pk=client.pk))
    assert text.on_behalf == (
        "в лице директора по развитию Петровой Марии Сергеевны, действующей на основании "
        "доверенности № 7 от 5\xa0марта\xa02026\xa0г."
    )
    assert text.preamble.endswith("2026\xa0г., именуемая в дальнейшем")
    assert text.signature == ["Директор по развитию", "_______________ / Петрова М. С. /"]
    assert text.requisites == [
        "Автономная некоммерческая организация «Развитие»",
        "АНО «Развитие»",
    ]


def test_a_client_card_and_documents_name_the_same_basis(demo_client):
    client = demo_client("entrepreneur")
    assert (
        client.basis
        == parties.write(client).basis
        == ("записи в ЕГРИП (ОГРНИП 318774600123452 от 17\xa0апреля\xa02018\xa0г.)")
    )


def test_a_sole_proprietor_without_a_patronymic_acts_in_the_right_gender(db):
    client = services.client_save(
        client=Client(
            kind=Client.Kind.ENTREPRENEUR,
            person_name="Шевченко Ольга",
            ogrnip="304500116000157",
            ogrnip_date=datetime.date(2004, 3, 12),
        ),
        by=None,
    )
    text = parties.write(Client.objects.get(pk=client.pk))
    assert text.preamble.startswith(
        "Индивидуальный предприниматель Шевченко Ольга, действующая на основании записи"
    )
    assert text.preamble.endswith(", именуемая в дальнейшем")
    assert text.signatory_name_genitive == "Шевченко Ольги"


def test_a_name_of_either_gender_agrees_with_the_genitive_a_person_confirmed(db):
    client = services.client_save(
        client=Client(
            kind=Client.Kind.LEGAL,
            name="ООО «Ромашка»",
            full_name="Общество с ограниченной ответственностью «Ромашка»",
            signatory_position="Заведующая",
            signatory_name="Ким Саша",
            signatory_name_genitive="Ким Саши",
        ),
        by=None,
    )
    text = parties.write(Client.objects.get(pk=client.pk))
    assert text.on_behalf == "в лице заведующей Ким Саши, действующей на основании Устава"


def test_an_individuals_signature_has_a_blank_line_where_a_position_stands(demo_client):
    text = parties.write(demo_client("person"))
    # Two lines like the other party's, so the signature lines of both are level.
    assert text.signature == ["\xa0", "_______________ / Кузьмин А. П. /"]
