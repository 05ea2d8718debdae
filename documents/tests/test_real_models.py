"""The tags filled from the real models: the demo's seller, a client of each legal form with
its bank account, and a saved calculation. A tag that read a wrong attribute name would be
empty here, so every client tag's emptiness is pinned for each legal form."""

import pytest
from django.utils.html import strip_tags

from crm.formats import money
from documents.rendering import document_tags, live_html, load_parties
from documents.tags import TAGS, build_tags

from .conftest import TOTAL, TOTAL_WORDS, default_template, spaced

CLIENT_TAGS = [name for name in TAGS if name.startswith("client.")]
# What is empty for the demo's clients, for each legal form: nothing else may be.
EMPTY = {
    "legal": {"ogrnip", "ogrnip_date", "passport", "birth_date", "postal_address"},
    "entrepreneur": {"kpp", "ogrn", "okpo", "passport", "birth_date", "postal_address"},
    "person": {
        "kpp",
        "ogrn",
        "ogrnip",
        "ogrnip_date",
        "okpo",
        "postal_address",
        "signatory_position",
        "signatory_position_genitive",
        "signatory_name_genitive",
        "basis",
    },
}
# A value of each legal form that only the right attribute can give.
SHOWN = {
    "legal": {
        "client.inn": "5003123458",
        "client.kpp": "500301001",
        "client.ogrn": "1105003123455",
        "client.bank.account": "40702810210000123456",
        "client.bank.corr_account": "30101810145250000974",
        "client.signatory_name_genitive": "Петрова Сергея Николаевича",
        "client.basis": "Устава",
        "client.phone": "+7 495 765-43-21",
        "client.email": "office@romashka.example.ru",
    },
    "entrepreneur": {
        "client.inn": "771234567859",
        "client.ogrnip": "318774600123452",
        "client.ogrnip_date": "17\xa0апреля\xa02018\xa0г.",
        "client.legal_address": "117335, г. Москва, ул. Гарибальди, д. 21, кв. 40",
        "client.bank.account": "40802810438000054321",
        "client.signatory_name_genitive": "Соколовой Марины Викторовны",
        "client.basis": "записи в ЕГРИП (ОГРНИП 318774600123452 от 17\xa0апреля\xa02018\xa0г.)",
    },
    "person": {
        "client.inn": "772345678901",
        "client.passport": "серия 45 10 № 123456, выдан ГУ МВД России по г. Москве "
        "10\xa0июня\xa02015\xa0г., код подразделения 770-001",
        "client.birth_date": "14\xa0марта\xa01985\xa0г.",
        "client.bank.account": "40817810838000098765",
        "client.legal_address": "129226, г. Москва, ул. Сельскохозяйственная, д. 3, кв. 15",
    },
}


@pytest.fixture
def world(deal_a, manager_a, real_seller, make_client, save_calculation):
    def make(kind):
        from deals.clients.services import deal_set_client

        deal = deal_set_client(deal=deal_a, client=make_client(kind), by=manager_a)
        calculation = save_calculation(deal, manager_a)
        seller, client = load_parties(deal)
        return deal, seller, client, calculation

    return make


@pytest.mark.parametrize("kind", ["legal", "entrepreneur", "person"])
def test_every_client_tag_reads_the_real_client_of_each_legal_form(
    world, kind, django_assert_num_queries
):
    deal, seller, client, calculation = world(kind)
    calculation.refresh_from_db()
    list(calculation.line_list)
    deal.manager  # noqa: B018  (the card has it already)
    with django_assert_num_queries(0):
        tags = build_tags(
            deal=deal, client=client, seller=seller, calculation=calculation, document_number="7"
        )
    empty = {name.removeprefix("client.") for name in CLIENT_TAGS if not strip_tags(tags[name])}
    assert empty == EMPTY[kind]
    for name, value in SHOWN[kind].items():
        assert tags[name] == value, name


def test_the_seller_tags_read_the_real_seller(world):
    _, seller, client, calculation = world("legal")
    tags = build_tags(deal=None, client=client, seller=seller, calculation=calculation)
    assert tags["seller.inn"] == "7712345671"
    assert tags["seller.kpp"] == "771201001"
    assert tags["seller.bank.account"] == "40702810938000012345"
    assert tags["seller.bank.name"] == "ПАО Сбербанк, г. Москва"
    assert tags["seller.director"] == "Волков Дмитрий Андреевич"
    assert tags["seller.accountant"] == "Орлова Елена Викторовна"
    assert tags["seller.phone"] == "+7 495 123-45-67"
    assert "Волкова Дмитрия Андреевича, действующего на основании Устава" in tags["seller.preamble"]


def test_the_calculation_tags_read_the_saved_calculation(world):
    _, seller, client, calculation = world("legal")
    tags = build_tags(deal=None, client=client, seller=seller, calculation=calculation)
    assert tags["calculation.total"] == money(TOTAL)
    assert tags["calculation.total_words"] == TOTAL_WORDS
    assert tags["calculation.vat"] == money(calculation.total_vat) == "41\u00a0006,56"
    assert tags["calculation.subtotal"] == money(TOTAL - calculation.total_vat)
    table = tags["calculation"]
    assert "Дизайн внутренней страницы" in table and "10\u00a0%" in table  # line discount
    assert "32\u00a0400,00" in table and "227\u00a0400,00" in table


@pytest.mark.parametrize("kind", ["legal", "entrepreneur", "person"])
def test_a_contract_for_each_legal_form_shows_the_real_requisites(world, manager_a, kind):
    from documents import services

    deal, seller, client, _ = world(kind)
    contract = services.contract_create(
        deal=deal, template=default_template("contract"), by=manager_a
    )
    text = " ".join(strip_tags(live_html(contract, seller=seller, client=client)).split())
    assert "{{" not in text
    # A sole proprietor's preamble names them in the nominative: no genitive in the text.
    for name, value in SHOWN[kind].items():
        if (kind, name) != ("entrepreneur", "client.signatory_name_genitive"):
            assert spaced(value) in text, name
    assert spaced(TOTAL_WORDS) in text
    assert "ИНН 7712345671 / КПП 771201001" in text  # the seller's requisites block
    expected = {
        "legal": "«Ромашка» в лице генерального директора Петрова Сергея Николаевича, "
        "действующего на основании Устава",
        "entrepreneur": "Индивидуальный предприниматель Соколова Марина Викторовна, "
        "действующая на основании записи в ЕГРИП",
        "person": "Кузьмин Андрей Павлович, паспорт: серия 45 10 № 123456",
    }[kind]
    assert expected in text
    tags = document_tags(contract, seller=seller, client=client)
    assert tags["document.number"] == "без номера"  # a draft gets its number when fixed
