"""The templates that ship with the product: present on a fresh install, made only of known
tags, and readable documents for every legal form of the client."""

import io
import re

import pytest
from django.core.management import call_command
from django.utils.html import strip_tags

from documents.defaults import SHIPPED, load_default_templates
from documents.models import DocumentTemplate
from documents.tags import find_template_syntax, find_unknown_tags, render_document, used_tags

from .conftest import PARTIES, calculation, entrepreneur, seller

CODES = [code for code, *_ in SHIPPED]
CONTRACT_SECTIONS = [
    "Предмет договора",
    "порядок расчётов",
    "Сроки",
    "Права и обязанности сторон",
    "Ответственность сторон",
    "Порядок разрешения споров",
    "Срок действия договора",
    "Реквизиты и подписи сторон",
]


@pytest.fixture
def shipped(db):
    return {t.code: t for t in DocumentTemplate.objects.filter(code__in=CODES)}


def test_the_migration_installs_the_three_templates_with_one_default_per_kind(shipped):
    assert {code: t.name for code, t in shipped.items()} == {
        "proposal-services": "Коммерческое предложение",
        "contract-services": "Договор оказания услуг",
        "contract-supply": "Договор поставки",
    }
    assert shipped["proposal-services"].is_default and shipped["contract-services"].is_default
    assert not shipped["contract-supply"].is_default
    assert all(t.active for t in shipped.values())


def test_loading_again_adds_nothing_and_the_demo_keeps_them(shipped):
    assert load_default_templates(DocumentTemplate) == 0
    call_command("demo", stdout=io.StringIO())
    call_command("demo", stdout=io.StringIO())
    assert DocumentTemplate.objects.filter(code__in=CODES).count() == 3


def test_a_deleted_shipped_template_comes_back_without_stealing_the_default(shipped):
    shipped["proposal-services"].delete()
    DocumentTemplate.objects.create(
        name="Своё КП", kind="proposal", body="<p>т</p>", is_default=True
    )
    assert load_default_templates(DocumentTemplate) == 1
    restored = DocumentTemplate.objects.get(code="proposal-services")
    assert not restored.is_default


@pytest.mark.parametrize("code", CODES)
def test_a_shipped_template_has_only_known_tags(shipped, code):
    body = shipped[code].body
    assert find_unknown_tags(body) == []
    assert find_template_syntax(body) == []
    assert {"calculation", "calculation.total", "calculation.total_words"} <= set(used_tags(body))
    assert {"seller.requisites", "document.number", "document.date"} <= set(used_tags(body))


@pytest.mark.parametrize("code", ["contract-services", "contract-supply"])
def test_a_shipped_contract_has_numbered_sections_and_both_parties(shipped, code):
    body = shipped[code].body
    headings = re.findall(r"<h2>(\d+)\. ([^<]+)</h2>", body)
    assert [int(n) for n, _ in headings] == list(range(1, len(headings) + 1))
    titles = " | ".join(title for _, title in headings)
    for section in CONTRACT_SECTIONS:
        assert section in titles, section
    for tag in ["seller.preamble", "client.preamble", "client.requisites", "client.signature"]:
        assert tag in used_tags(body)


@pytest.mark.parametrize("kind", list(PARTIES))
@pytest.mark.parametrize("code", CODES)
def test_a_shipped_template_renders_for_each_legal_form_without_leftovers(
    shipped, make_tags, code, kind
):
    client = PARTIES[kind]()
    html = render_document(shipped[code].body, make_tags(client=client))
    text = " ".join(strip_tags(html).split())
    assert "{{" not in html and "}}" not in html
    assert "сто двадцать две тысячи рублей 00 копеек" in text
    assert "Общество с ограниченной ответственностью «Веб-студия»" in text
    assert '<table class="calc-table">' in html
    if code.startswith("contract"):
        preamble = {
            "legal": "«Ромашка» в лице генерального директора Иванова Сергея Николаевича, "
            "действующего на основании Устава, именуемое в дальнейшем «",
            "entrepreneur": "Индивидуальный предприниматель Соколова Анна Петровна, "
            "действующая на основании записи в ЕГРИП",
            "person": "Морозов Пётр Ильич, паспорт: серия 45 10 № 123456",
        }[kind]
        assert preamble in text
        assert {
            "legal": "ИНН 7707083893 / КПП 770701001",
            "entrepreneur": "ОГРНИП 304500116000157",
            "person": "Адрес регистрации: 123456",
        }[kind] in text


def test_a_shipped_contract_reads_right_with_a_sole_proprietor_seller(shipped, make_tags):
    html = render_document(
        shipped["contract-supply"].body,
        make_tags(
            seller=entrepreneur(), client=PARTIES["legal"](), calculation=calculation("none")
        ),
    )
    text = " ".join(strip_tags(html).split())
    assert "именуемая в дальнейшем «Поставщик»" in text
    assert "без НДС" in text
    assert seller().name not in text
