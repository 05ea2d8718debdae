"""A sent proposal or contract keeps the text it was sent with: later changes of how a party
is written, of the requisites or of the seller's tax never reach it."""

from django.utils.html import strip_tags

from billing import tax
from billing.money import TaxRegime
from contacts import services as contact_services
from contacts.models import Client
from documents import services
from documents.rendering import live_html, load_parties

from .conftest import default_template


def text_of(html: str) -> str:
    return " ".join(strip_tags(html).replace("\xa0", " ").split())


def test_a_sent_contract_keeps_its_text(
    anon, contract, sent, deal_ready, real_seller, manager_a, save_calculation
):
    client = deal_ready.client
    # A genitive stored the way requisites were written before titles were put in lower
    # case inside «в лице …».
    Client.objects.filter(pk=client.pk).update(signatory_position_genitive="Генерального директора")
    fixed = sent(contract)
    stored = fixed.sent_html
    assert "в лице Генерального директора Петрова Сергея Николаевича" in text_of(stored)
    assert "в том числе НДС 22 % — 41 006,56 руб." in text_of(stored)

    # The requisites are saved again (the genitive is declined anew), the seller stops
    # charging VAT and the deal gets a new calculation.
    client.refresh_from_db()
    client.signatory_position_genitive = ""
    contact_services.client_save(client=client, by=manager_a)
    tax.seller_tax_save(seller=real_seller, regime=TaxRegime.USN, by=None)
    save_calculation(deal_ready, manager_a)
    draft = services.contract_create(
        deal=deal_ready, template=default_template("contract"), by=manager_a
    )
    seller, buyer = load_parties(deal_ready)
    now = text_of(live_html(draft, seller=seller, client=buyer))
    assert "в лице генерального директора Петрова Сергея Николаевича" in now
    assert "НДС не облагается в связи с применением упрощённой системы налогообложения" in now

    fixed.refresh_from_db()
    assert fixed.sent_html == stored
    page = text_of(anon.get(fixed.public_path()).content.decode())
    assert "в лице Генерального директора Петрова Сергея Николаевича" in page
    assert "в том числе НДС 22 % — 41 006,56 руб." in page
    assert "НДС не облагается" not in page
