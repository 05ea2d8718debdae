"""Every tag of the registry, for each legal form where its value differs; filling,
escaping and the checks made before saving and before sending."""

import datetime
import re

import pytest
from django.utils import timezone

from crm.formats import date_long
from documents.tags import (
    TAGS,
    find_template_syntax,
    find_unknown_tags,
    missing_tags,
    render_document,
    render_tags,
    suggest_tag,
    used_tags,
)

from .conftest import PARTIES, calculation, deal, entrepreneur, legal, person, seller


def nb(text: str) -> str:
    """Money and rates use a no-break space between digit groups and before «%», «руб.»
    and «копеек»."""
    return re.sub(r"(?<=\d) (?=\d|%|руб\.|коп)", "\u00a0", text)


PASSPORT = (
    "серия 45 10 № 123456, выдан ГУ МВД России по г. Москве 1\xa0февраля\xa02015\xa0г., "
    "код подразделения 770-001"
)
# key → (legal entity, sole proprietor, individual), for client.<key> and seller.<key>
PARTY_EXPECTED = {
    "name": ("ООО «Ромашка»", "ИП Соколова Анна Петровна", "Морозов Пётр Ильич"),
    "full_name": (
        "Общество с ограниченной ответственностью «Ромашка»",
        "Индивидуальный предприниматель Соколова Анна Петровна",
        "Морозов Пётр Ильич",
    ),
    "inn": ("7707083893", "500100732259", ""),
    "kpp": ("770701001", "", ""),
    "ogrn": ("1027700132195", "", ""),
    "ogrnip": ("", "304500116000157", ""),
    "ogrnip_date": ("", "12\xa0марта\xa02004\xa0г.", ""),
    "okpo": ("12345678", "0123456789", ""),
    "legal_address": (
        "125009, г. Москва, ул. Тверская, д. 1",
        "141100, г. Щёлково, ул. Свирская, д. 5",
        "123456, г. Москва, ул. Лесная, д. 7, кв. 45",
    ),
    "postal_address": ("125009, г. Москва, а/я 15", "", ""),
    "phone": ("+7 495 123-45-67", "+7 916 123-45-03", ""),
    "email": ("info@romashka.ru", "sokolova@example.ru", "morozov@example.ru"),
    "bank.name": ("ПАО Сбербанк", "ПАО Сбербанк", ""),
    "bank.bik": ("044525225", "044525225", ""),
    "bank.corr_account": ("30101810400000000225", "30101810400000000225", ""),
    "bank.account": ("40702810938000012345", "40802810938000054321", ""),
    "signatory_position": ("Генеральный директор", "Индивидуальный предприниматель", ""),
    "signatory_position_genitive": (
        "генерального директора",
        "индивидуального предпринимателя",
        "",
    ),
    "signatory_name": (
        "Иванов Сергей Николаевич",
        "Соколова Анна Петровна",
        "Морозов Пётр Ильич",
    ),
    "signatory_name_genitive": ("Иванова Сергея Николаевича", "Соколовой Анны Петровны", ""),
    "basis": ("Устава", "записи в ЕГРИП (ОГРНИП 304500116000157 от 12\xa0марта\xa02004\xa0г.)", ""),
    "passport": ("", "", PASSPORT),
    "birth_date": ("", "", "14\xa0июля\xa01985\xa0г."),
    "preamble": (
        "Общество с ограниченной ответственностью «Ромашка» в лице генерального директора "
        "Иванова Сергея Николаевича, действующего на основании Устава, именуемое в дальнейшем",
        "Индивидуальный предприниматель Соколова Анна Петровна, действующая на основании "
        "записи в ЕГРИП (ОГРНИП 304500116000157 от 12\xa0марта\xa02004\xa0г.), "
        "именуемая в дальнейшем",
        f"Морозов Пётр Ильич, паспорт: {PASSPORT}, зарегистрированный по адресу: 123456, "
        "г. Москва, ул. Лесная, д. 7, кв. 45, именуемый в дальнейшем",
    ),
    "requisites": (
        "<strong>Общество с ограниченной ответственностью «Ромашка»</strong><br>"
        "ООО «Ромашка»<br>ИНН 7707083893 / КПП 770701001<br>ОГРН 1027700132195<br>"
        "ОКПО 12345678<br>Юридический адрес: 125009, г. Москва, ул. Тверская, д. 1<br>"
        "Почтовый адрес: 125009, г. Москва, а/я 15<br>Р/с 40702810938000012345<br>"
        "в ПАО Сбербанк<br>К/с 30101810400000000225<br>БИК 044525225<br>"
        "Тел. +7 495 123-45-67, info@romashka.ru",
        "<strong>Индивидуальный предприниматель Соколова Анна Петровна</strong><br>"
        "ИНН 500100732259<br>ОГРНИП 304500116000157 от 12\xa0марта\xa02004\xa0г.<br>"
        "ОКПО 0123456789<br>Адрес регистрации: 141100, г. Щёлково, ул. Свирская, д. 5<br>"
        "Р/с 40802810938000054321<br>в ПАО Сбербанк<br>К/с 30101810400000000225<br>"
        "БИК 044525225<br>Тел. +7 916 123-45-03, sokolova@example.ru",
        f"<strong>Морозов Пётр Ильич</strong><br>Дата рождения: 14\xa0июля\xa01985\xa0г.<br>"
        f"Паспорт: {PASSPORT}<br>Адрес регистрации: 123456, г. Москва, ул. Лесная, д. 7, "
        "кв. 45<br>morozov@example.ru",
    ),
    "signature": (
        "Генеральный директор<br>_______________ / Иванов С. Н. /",
        "Индивидуальный предприниматель<br>_______________ / Соколова А. П. /",
        # A blank first line where the others have a position: the lines stay level.
        "\xa0<br>_______________ / Морозов П. И. /",
    ),
}
KINDS = ("legal", "entrepreneur", "person")
OTHER_PARTY = legal(
    name="ООО «Другая»",
    full_name="Общество с ограниченной ответственностью «Другая»",
    inn="7736207543",
    kpp="773601001",
    ogrn="1027739850962",
)


@pytest.mark.parametrize("role", ["client", "seller"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("key", list(PARTY_EXPECTED))
def test_each_party_tag_reads_the_party_of_its_role_for_each_legal_form(make_tags, role, kind, key):
    party = PARTIES[kind]()
    tags = make_tags(
        client=party if role == "client" else OTHER_PARTY,
        seller=party if role == "seller" else OTHER_PARTY,
    )
    assert tags[f"{role}.{key}"] == PARTY_EXPECTED[key][KINDS.index(kind)]


@pytest.mark.parametrize("role", ["client", "seller"])
def test_party_tags_are_empty_when_the_party_is_not_set(make_tags, role):
    tags = make_tags(**{role: None})
    assert all(tags[f"{role}.{key}"] == "" for key in PARTY_EXPECTED)


def test_seller_director_and_accountant(make_tags):
    tags = make_tags()
    assert tags["seller.director"] == "Волкова Ольга Андреевна"
    assert tags["seller.accountant"] == "Кузнецова Мария Ивановна"


def test_a_sole_proprietor_seller_signs_himself_and_has_no_accountant(make_tags):
    tags = make_tags(seller=entrepreneur())
    assert tags["seller.director"] == "Соколова Анна Петровна"
    assert tags["seller.accountant"] == ""


def test_the_stand_ins_carry_only_the_field_names_of_the_models():
    """contacts.parties reads model fields; a stand-in with a name no model has would test
    a rule the product never runs."""
    from contacts.models import BankAccount, Client, Seller

    def names(model) -> set[str]:
        return {n for n in dir(model) if not n.startswith("_")} | {
            f.name for f in model._meta.get_fields()
        }

    for kind, make in PARTIES.items():
        assert set(vars(make())) - {"default_bank_account"} <= names(Client), kind
        bank = make().default_bank_account
        assert bank is None or set(vars(bank)) <= names(BankAccount)
    assert set(vars(seller())) - {"default_bank_account"} <= names(Seller)


def test_the_preamble_agrees_with_a_female_signatory_and_the_kind_of_organisation(make_tags):
    client = legal(
        full_name="Автономная некоммерческая организация «Развитие»",
        signatory_position="Директор по развитию",
        signatory_position_genitive="",
        signatory_name="Петрова Мария Сергеевна",
        signatory_name_genitive="Петровой Марии Сергеевны",
        basis_kind="proxy",
        poa_number="7",
        poa_date=datetime.date(2026, 3, 5),
    )
    assert make_tags(client=client)["client.preamble"] == (
        "Автономная некоммерческая организация «Развитие» в лице директора по развитию "
        "Петровой Марии Сергеевны, действующей на основании доверенности № 7 от 5\xa0марта"
        "\xa02026\xa0г., именуемая в дальнейшем"
    )


@pytest.mark.parametrize(
    ("position", "genitive"),
    [
        ("Генеральный директор", "генерального директора"),
        ("Исполнительный директор", "исполнительного директора"),
        ("Председатель правления", "председателя правления"),
        ("Управляющий партнёр", "управляющего партнёра"),
        ("Вице-президент", "вице-президента"),
        ("Директор по развитию", "директора по развитию"),
        ("Глава", "главы"),
    ],
)
def test_a_position_without_a_stored_genitive_is_declined(make_tags, position, genitive):
    client = legal(signatory_position=position, signatory_position_genitive="")
    assert make_tags(client=client)["client.signatory_position_genitive"] == genitive


def test_a_legal_entity_on_its_charter_ignores_a_leftover_power_of_attorney(make_tags):
    client = legal(basis_kind="charter", poa_number="7", poa_date=datetime.date(2026, 3, 5))
    assert make_tags(client=client)["client.basis"] == "Устава"


def test_a_power_of_attorney_without_number_and_date_is_named_alone(make_tags):
    client = legal(basis_kind="proxy", poa_number="", poa_date=None)
    assert make_tags(client=client)["client.basis"] == "доверенности"


def test_a_sole_proprietor_without_ogrnip_has_no_basis_in_the_preamble(make_tags):
    # Not «записи в ЕГРИП (ОГРНИП )»: the missing number shows as a missing tag instead.
    tags = make_tags(client=entrepreneur(ogrnip="", ogrnip_date=None))
    assert tags["client.basis"] == ""
    assert tags["client.preamble"] == (
        "Индивидуальный предприниматель Соколова Анна Петровна, именуемая в дальнейшем"
    )


def test_a_signatory_named_with_kyzy_is_a_woman(make_tags):
    client = legal(
        signatory_name="Гасанлы Айгюль Рашид кызы",
        signatory_name_genitive="Гасанлы Айгюль Рашид кызы",
    )
    assert (
        "Гасанлы Айгюль Рашид кызы, действующей на основании Устава"
        in (make_tags(client=client)["client.preamble"])
    )


def test_a_genitive_left_empty_is_declined_from_the_name(make_tags):
    client = legal(signatory_name_genitive="")
    assert make_tags(client=client)["client.signatory_name_genitive"] == (
        "Иванова Сергея Николаевича"
    )


def test_deal_and_manager_tags(make_tags):
    tags = make_tags()
    assert tags["deal.number"] == "42"
    assert tags["deal.title"] == "Сайт для стоматологии"
    assert tags["deal.budget"] == nb("1 234,50")
    assert tags["deal.budget_words"] == nb("одна тысяча двести тридцать четыре рубля 50 копеек")
    assert tags["manager.name"] == "Анна Смирнова"
    assert tags["manager.position"] == "Менеджер проектов"
    assert tags["manager.phone"] == "+7 916 111-22-33"
    assert tags["manager.email"] == "anna@studio.ru"


def test_a_manager_without_a_name_is_shown_by_login(make_tags):
    d = deal()
    d.manager.first_name = d.manager.last_name = ""
    assert make_tags(deal=d)["manager.name"] == "anna"


def test_document_tags(make_tags):
    tags = make_tags()
    assert tags["document.number"] == "2026-0007"
    assert tags["document.date"] == "5\xa0марта\xa02026\xa0г."
    assert tags["today"] == date_long(timezone.localdate())


def test_a_preview_without_number_and_date_leaves_them_empty(make_tags):
    tags = make_tags(document_number="", document_date=None)
    assert tags["document.number"] == tags["document.date"] == ""


CALC_EXPECTED = {
    # mode: total, total_words, subtotal, vat, vat_rate, vat_label, vat_text
    "included": (
        "122 000,00",
        "сто двадцать две тысячи рублей 00 копеек",
        "100 000,00",
        "22 000,00",
        "22 %",
        "В том числе НДС 22 %",
        "в том числе НДС 22 % — 22 000,00 руб.",
    ),
    "on_top": (
        "148 840,00",
        "сто сорок восемь тысяч восемьсот сорок рублей 00 копеек",
        "122 000,00",
        "26 840,00",
        "22 %",
        "НДС 22 %",
        "в том числе НДС 22 % — 26 840,00 руб.",
    ),
    "none": (
        "122 000,00",
        "сто двадцать две тысячи рублей 00 копеек",
        "122 000,00",
        "",
        "",
        "Без НДС",
        "без НДС",
    ),
}
CALC_KEYS = ("total", "total_words", "subtotal", "vat", "vat_rate", "vat_label", "vat_text")


@pytest.mark.parametrize("mode", list(CALC_EXPECTED))
@pytest.mark.parametrize("key", CALC_KEYS)
def test_calculation_figures_for_each_vat_mode(make_tags, mode, key):
    value = make_tags(calculation=calculation(mode))[f"calculation.{key}"]
    assert value == nb(CALC_EXPECTED[mode][CALC_KEYS.index(key)])


def test_a_discount_and_several_vat_rates_read_as_the_calculator_shows_them(make_tags):
    tags = make_tags(calculation=calculation("on_top", second_rate="10", discount="10"))
    assert tags["calculation.vat_rate"] == nb("22 %, 10 %")
    assert tags["calculation.vat_label"] == nb("НДС 22 %; НДС 10 %")
    # 90 000 × 22 % and 19 800 × 10 %.
    assert tags["calculation.vat_text"] == nb(
        "в том числе НДС 22 % — 19 800,00 руб., НДС 10 % — 1 980,00 руб."
    )
    assert tags["calculation.total"] == nb("131 580,00")
    table = tags["calculation"]
    assert nb("Скидка 10 %:") in table
    assert nb("−12 200,00") in table


@pytest.mark.parametrize(
    ("mode", "totals"),
    [
        ("included", ["Итого: | 122 000,00", "В том числе НДС 22 %: | 22 000,00"]),
        (
            "on_top",
            [
                "Итого без НДС: | 122 000,00",
                "НДС 22 %: | 26 840,00",
                "Всего: | 148 840,00",
            ],
        ),
        ("none", ["Итого: | 122 000,00", "Без НДС | —"]),
    ],
)
def test_the_calculation_tag_is_a_table_with_lines_totals_and_vat(make_tags, mode, totals):
    html = make_tags(calculation=calculation(mode))["calculation"]
    # billing's own table: the calculator page, invoices and documents show the same one.
    assert html.startswith('<table class="calc-table">')
    rows = [
        " | ".join(re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd].*?</t[hd]>", row))
        for row in re.findall(r"<tr.*?</tr>", html, re.S)
    ]
    assert rows[1] == nb("1 | Дизайн главной страницы | 1 | усл.\xa0ед | 100 000,00 | 100 000,00")
    # A line name is text: the markup a person typed is shown, not run.
    assert rows[2] == nb("2 | Вёрстка &lt;шаблонов&gt; | 12,5 | ч | 1 760,00 | 22 000,00")
    assert rows[3:] == [nb(t) for t in totals]


def test_without_a_calculation_its_tags_are_empty(make_tags):
    tags = make_tags(calculation=None)
    assert all(v == "" for k, v in tags.items() if k.startswith("calculation"))


def test_every_tag_in_the_registry_is_pinned_by_a_test_here():
    pinned = {f"{role}.{key}" for role in ("client", "seller") for key in PARTY_EXPECTED}
    pinned |= {f"calculation.{key}" for key in CALC_KEYS} | {"calculation"}
    pinned |= {"seller.director", "seller.accountant", "document.number", "document.date"}
    pinned |= {"today", "deal.number", "deal.title", "deal.budget", "deal.budget_words"}
    pinned |= {"manager.name", "manager.position", "manager.phone", "manager.email"}
    assert pinned == set(TAGS)


def test_every_tag_has_a_russian_label_and_a_group():
    from documents.tags import GROUPS

    for tag in TAGS.values():
        assert tag.group in GROUPS
        assert any("а" <= c <= "я" for c in tag.label.lower()), tag.name


def test_every_tag_has_an_example_value_for_the_list_beside_the_editor():
    from documents.samples import tag_examples

    examples = tag_examples()
    assert set(examples) == set(TAGS)
    assert all(examples.values())


# Filling


def test_render_tags_replaces_tags_with_spaces_or_without(make_tags):
    tags = make_tags()
    body = "<p>ИНН {{client.inn}}, КПП {{  client.kpp  }}</p>"
    assert render_tags(body, tags) == "<p>ИНН 7707083893, КПП 770701001</p>"


def test_an_amount_keeps_the_unit_the_text_writes_after_it_on_its_line(make_tags):
    html = render_tags(
        "<p>Стоимость {{ calculation.total }} руб. ({{ calculation.total_words }}), "
        "скидка {{ calculation.vat_rate }} от {{ document.date }}</p>",
        make_tags(),
    )
    assert html == (
        "<p>Стоимость 122\xa0000,00\xa0руб. (сто двадцать две тысячи рублей 00\xa0копеек), "
        "скидка 22\xa0% от 5\xa0марта\xa02026\xa0г.</p>"
    )


def test_values_are_escaped_and_substituted_once(make_tags):
    client = legal(name='ООО "Ромашка" <script>alert(1)</script>', full_name="{{ seller.inn }}")
    html = render_tags(
        "<p>{{ client.name }} / {{ client.full_name }}</p>", make_tags(client=client)
    )
    assert html == (
        "<p>ООО &quot;Ромашка&quot; &lt;script&gt;alert(1)&lt;/script&gt; / {{ seller.inn }}</p>"
    )


def test_a_block_tag_alone_in_a_paragraph_replaces_the_paragraph(make_tags):
    html = render_tags("<p>Расчёт:</p><p> {{ calculation }} </p><p>Конец</p>", make_tags())
    assert html.startswith('<p>Расчёт:</p><table class="calc-table">')
    assert html.endswith("</table><p>Конец</p>")


def test_a_name_not_in_the_values_stays_as_written():
    assert render_tags("<p>{{ client.inm }}</p>", {}) == "<p>{{ client.inm }}</p>"


def test_render_document_cleans_the_body_before_filling(make_tags):
    html = render_document(
        '<p onclick="x()">{{ client.inn }}<script>alert(1)</script></p>', make_tags()
    )
    assert html == "<p>7707083893</p>"


# Template injection: nothing outside the tag set is reached, nothing runs


def test_attribute_traversal_is_not_a_tag_and_reaches_nothing(make_tags):
    body = "<p>{{ deal.manager.password }}</p>"
    assert find_unknown_tags(body) == ["deal.manager.password"]
    html = render_document(body, make_tags())
    assert "secret-hash" not in html
    assert html == "<p>{{ deal.manager.password }}</p>"


def test_python_expressions_are_refused_and_rendered_as_text(make_tags):
    body = "<p>{{ ''.__class__.__mro__ }} {{ cycler.__init__.__globals__ }}</p>"
    assert find_unknown_tags(body) == ["''.__class__.__mro__", "cycler.__init__.__globals__"]
    html = render_document(body, make_tags())
    assert "<class" not in html and "object" not in html
    assert "{{ ''.__class__.__mro__ }}" in html


def test_template_engine_tags_are_found_and_never_run(make_tags):
    body = "<p>{% load static %}{% debug %}{# note #}{{ client.inn }}</p>"
    assert find_template_syntax(body) == ["{% load static %}", "{% debug %}", "{# note #}"]
    html = render_document(body, make_tags())
    assert html == "<p>{% load static %}{% debug %}{# note #}7707083893</p>"


def test_script_markup_is_removed_before_filling(make_tags):
    html = render_document("<script>document.cookie</script><p>Текст</p>", make_tags())
    assert html == "<p>Текст</p>"


# Checks before saving and before sending


def test_unknown_tags_are_listed_once_each_in_order():
    body = "<p>{{ client.inm }} {{ client.inn }} {{ Client.INN }} {{ client.inm }}</p>"
    assert find_unknown_tags(body) == ["client.inm", "Client.INN"]


def test_a_tag_split_by_formatting_is_reported_by_its_text():
    assert find_unknown_tags("<p>{{ <strong>client</strong>.inn }}</p>") == ["client.inn"]


def test_a_misspelled_tag_gets_a_suggestion():
    assert suggest_tag("client.inm") == "client.inn"
    assert suggest_tag("совсем другое") is None


def test_used_tags_lists_known_tags_once():
    body = "<p>{{ client.inn }} {{ client.kpp }} {{ client.inn }} {{ nope.x }}</p>"
    assert used_tags(body) == ["client.inn", "client.kpp"]


@pytest.mark.parametrize(
    ("client", "missing"),
    [
        (legal, ["client.passport"]),
        (entrepreneur, ["client.kpp", "client.passport"]),
        (person, ["client.kpp", "client.inn"]),
    ],
)
def test_missing_tags_are_those_empty_for_this_client(make_tags, client, missing):
    body = "<p>{{ client.kpp }} {{ client.inn }} {{ client.passport }} {{ client.name }}</p>"
    assert missing_tags(body, make_tags(client=client())) == missing


def test_without_a_client_every_client_tag_is_missing(make_tags):
    body = "<p>{{ client.name }} {{ client.requisites }} {{ seller.name }}</p>"
    assert missing_tags(body, make_tags(client=None)) == ["client.name", "client.requisites"]


def test_build_tags_gives_a_value_for_every_tag_even_with_nothing_set():
    from documents.tags import build_tags

    tags = build_tags(
        deal=None,
        client=None,
        seller=None,
        calculation=None,
        document_number="",
        document_date=None,
    )
    assert set(tags) == set(TAGS)
    assert {k for k, v in tags.items() if v} == {"today"}


def test_document_date_accepts_a_datetime(make_tags):
    moment = datetime.datetime(2026, 3, 5, 23, 0)
    assert make_tags(document_date=moment)["document.date"] == "5\xa0марта\xa02026\xa0г."


def test_a_value_ending_in_a_period_takes_the_period_of_the_text(make_tags):
    tags = make_tags()
    html = render_tags(
        "<p>с {{ document.date }}. {{ calculation.vat_text }}. ИНН {{ client.inn }}.</p>", tags
    )
    assert html == nb(
        "<p>с 5\xa0марта\xa02026\xa0г. в том числе НДС 22 % — 22 000,00 руб. ИНН 7707083893.</p>"
    )
