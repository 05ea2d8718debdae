from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import services
from billing.models import Calculation, CalculationLine
from billing.money import VatMode
from billing.services import LineData
from billing.tax import TaxPolicy
from deals.models import Deal, DealEvent

from .utils import calc_post


def new_url(deal):
    return reverse("calculations:create", args=[deal.pk])


def detail_url(calc):
    return reverse("calculations:detail", args=[calc.deal_id, calc.pk])


def save(deal, lines, **kwargs):
    return services.calculation_save(deal=deal, by=deal.manager, lines=lines, **kwargs)


def line(name="Работы", quantity="1", price="1000", **kwargs):
    return LineData(name=name, quantity=Decimal(quantity), price=Decimal(price), **kwargs)


def plain(text: str) -> str:
    """Money is grouped with no-break spaces; tests compare it as a person reads it."""
    return text.replace("\xa0", " ")


def budget_events(deal):
    return [
        plain(text)
        for text in DealEvent.objects.filter(deal=deal, kind="budget")
        .order_by("at", "pk")
        .values_list("text", flat=True)
    ]


def test_it_saves_a_calculation_and_writes_its_total_into_the_budget(client_a, deal_a, catalog):
    data = calc_post(
        [
            {
                "catalog_item": str(catalog["site"].pk),
                "name": "Разработка сайта",
                "unit_code": "876",
                "price": "120 000,00",
            },
            {"name": "Доработки по ТЗ", "quantity": "1,5", "unit_code": "356", "price": "2500"},
        ],
        title="Базовый",
    )
    response = client_a.post(new_url(deal_a), data)

    calc = Calculation.objects.get(deal=deal_a)
    assert response.status_code == 302
    assert response["Location"] == detail_url(calc)
    assert (calc.number, calc.version, calc.title, calc.is_current) == (1, 1, "Базовый", True)
    assert calc.total == Decimal("123750.00")
    # VAT 22 % included, line by line: 21 639,34 + 676,23
    assert calc.total_vat == Decimal("22315.57")
    assert calc.total_without_vat == Decimal("101434.43")
    assert (calc.vat_mode, calc.vat_rate) == (VatMode.INCLUDED, Decimal("22"))
    first, second = calc.lines.all()
    assert (first.name, first.unit, first.catalog_item_id) == (
        "Разработка сайта",
        "усл. ед",
        catalog["site"].pk,
    )
    assert (second.quantity, second.unit, second.amount) == (
        Decimal("1.5"),
        "ч",
        Decimal("3750.00"),
    )
    deal_a.refresh_from_db()
    assert deal_a.budget == Decimal("123750.00")
    assert budget_events(deal_a) == ["Бюджет: 100 000,00 → 123 750,00 ₽, по расчёту №1"]

    page = client_a.get(response["Location"])
    assert "Расчёт №1 сохранён. Бюджет сделки: 123 750,00 ₽." in plain(page.text)
    card = client_a.get(deal_a.get_absolute_url())
    assert "123 750,00" in plain(card.text)
    assert "Расчёт №1" in plain(card.text)
    assert "Бюджет: 100 000,00 → 123 750,00 ₽, по расчёту №1" in plain(card.text)


def test_the_preview_shows_what_saving_stores(client_a, deal_a):
    data = calc_post(
        [
            {"name": "Товар", "quantity": "3", "price": "99,99", "discount": "7"},
            {"name": "Лицензия", "price": "12345.67"},
        ]
    )
    preview = client_a.post(reverse("calculations:preview", args=[deal_a.pk]), data)
    assert preview.status_code == 200
    assert 'id="calc-total">12 624,64' in plain(preview.text)
    assert "В том числе НДС 22 %" in plain(preview.text)
    assert "2 276,58" in plain(preview.text)
    # each row's sum comes back as an out-of-band swap
    row = 'id="lines-0-total" class="calc-line-total" hx-swap-oob="true">278,97'
    assert row in plain(preview.text)

    client_a.post(new_url(deal_a), data)
    calc = Calculation.objects.get(deal=deal_a)
    assert (calc.total, calc.total_vat) == (Decimal("12624.64"), Decimal("2276.58"))


def test_the_preview_counts_the_valid_lines_and_names_the_bad_ones(client_a, deal_a):
    data = calc_post(
        [{"name": "Дизайн", "price": "25000"}, {"name": "Вёрстка", "quantity": "-2", "price": "1"}]
    )
    preview = client_a.post(reverse("calculations:preview", args=[deal_a.pk]), data)
    assert 'id="calc-total">25 000,00' in plain(preview.text)
    assert "Не учтены строки с ошибками: 1." in plain(preview.text)
    assert "Количество не может быть отрицательным." in plain(preview.text)


def test_a_whole_calculation_discount_is_spread_over_the_lines(client_a, deal_a):
    data = calc_post(
        [{"name": f"Этап {i}", "price": "100"} for i in range(1, 4)],
        discount="10",
        discount_kind="amount",
    )
    client_a.post(new_url(deal_a), data)
    calc = Calculation.objects.get(deal=deal_a)
    assert calc.total == Decimal("290.00")
    assert calc.discount_total == Decimal("10.00")
    shares = list(calc.lines.values_list("discount_share", flat=True))
    assert shares == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert sum(calc.lines.values_list("total", flat=True)) == calc.total
    page = plain(client_a.get(detail_url(calc)).text)
    assert 'id="lines-0-total" class="calc-line-total">100,00' in page
    assert "−10,00" in page and 'id="calc-total">290,00' in page


def test_vat_follows_the_seller_mode(client_a, deal_a, monkeypatch):
    monkeypatch.setattr("billing.tax.seller_policy", lambda: TaxPolicy(vat_mode=VatMode.ON_TOP))
    client_a.post(new_url(deal_a), calc_post([{"name": "Сайт", "price": "100000"}]))
    calc = Calculation.objects.get(deal=deal_a)
    assert calc.vat_mode == VatMode.ON_TOP
    assert (calc.total_without_vat, calc.total_vat, calc.total) == (
        Decimal("100000.00"),
        Decimal("22000.00"),
        Decimal("122000.00"),
    )
    deal_a.refresh_from_db()
    assert deal_a.budget == Decimal("122000.00")


def test_catalog_changes_do_not_alter_a_saved_calculation(client_a, deal_a, catalog):
    item = catalog["hour"]
    client_a.post(
        new_url(deal_a),
        calc_post(
            [
                {
                    "catalog_item": str(item.pk),
                    "name": item.name,
                    "price": "2500",
                    "quantity": "4",
                    "unit_code": "356",
                }
            ]
        ),
    )
    item.name, item.price = "Программирование (новая цена)", Decimal("4000")
    item.save()
    calc = Calculation.objects.get(deal=deal_a)
    line_ = calc.lines.get()
    assert (line_.name, line_.price, calc.total) == (
        "Программирование",
        Decimal("2500.00"),
        Decimal("10000.00"),
    )
    item.delete()
    assert calc.lines.get().name == "Программирование"


def test_a_new_variant_leaves_the_budget_until_it_is_made_current(client_a, deal_a):
    first = save(deal_a, [line(price="120000")])
    response = client_a.post(
        new_url(deal_a),
        calc_post([{"name": "Большой вариант", "price": "148500"}], make_current=False),
    )
    second = Calculation.objects.get(deal=deal_a, number=2)
    assert response.status_code == 302
    assert not second.is_current
    deal_a.refresh_from_db()
    assert deal_a.budget == Decimal("120000.00")

    response = client_a.post(reverse("calculations:make_current", args=[deal_a.pk, second.pk]))
    assert response.status_code == 302
    deal_a.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert deal_a.budget == Decimal("148500.00")
    assert (first.is_current, second.is_current) == (False, True)
    assert budget_events(deal_a)[-1] == "Бюджет: 120 000,00 → 148 500,00 ₽, по расчёту №2"
    assert Calculation.objects.current_for(deal_a) == second
    events = list(
        DealEvent.objects.filter(deal=deal_a, kind="calculation").values_list("text", flat=True)
    )
    assert "Текущим выбран расчёт №2" in events
    assert "Создан расчёт №2 на 148\xa0500,00 ₽" in events

    client_a.post(reverse("calculations:make_current", args=[deal_a.pk, first.pk]))
    deal_a.refresh_from_db()
    assert deal_a.budget == Decimal("120000.00")
    assert Calculation.objects.current_for(deal_a) == first


def test_editing_the_current_calculation_moves_the_budget_in_place(client_a, deal_a):
    calc = save(deal_a, [line(price="50000")])
    response = client_a.post(
        detail_url(calc), calc_post([{"name": "Работы", "price": "50000", "quantity": "2"}])
    )
    assert response.status_code == 302
    calc.refresh_from_db()
    assert calc.total == Decimal("100000.00")
    assert Calculation.objects.filter(deal=deal_a).count() == 1
    assert CalculationLine.objects.filter(calculation=calc).count() == 1
    deal_a.refresh_from_db()
    assert deal_a.budget == Decimal("100000.00")


def test_a_frozen_calculation_is_not_changed_in_place(client_a, deal_a):
    calc = save(deal_a, [line(name="Сайт", price="120000")], title="Основной")
    services.calculation_freeze(calculation=calc)
    frozen_at = Calculation.objects.get(pk=calc.pk).frozen_at

    page = client_a.get(detail_url(calc))
    assert "Сохранить как новую версию" in plain(page.text)
    assert "заморожен" in plain(page.text)

    response = client_a.post(
        detail_url(calc),
        calc_post([{"name": "Сайт", "price": "120000"}, {"name": "SEO", "price": "28500"}]),
    )
    old = Calculation.objects.get(pk=calc.pk)
    new = Calculation.objects.exclude(pk=calc.pk).get(deal=deal_a)
    assert response["Location"] == detail_url(new)
    assert (old.total, old.is_frozen, old.frozen_at, old.is_current) == (
        Decimal("120000.00"),
        True,
        frozen_at,
        False,
    )
    assert list(old.lines.values_list("name", flat=True)) == ["Сайт"]
    assert (new.number, new.version, new.parent_id, new.is_current, new.is_frozen) == (
        1,
        2,
        calc.pk,
        True,
        False,
    )
    assert new.total == Decimal("148500.00")
    deal_a.refresh_from_db()
    assert deal_a.budget == Decimal("148500.00")
    assert budget_events(deal_a)[-1].endswith("по расчёту №1, версия 2")
    followed = client_a.get(response["Location"])
    assert "уже использован в документах и не меняется" in plain(followed.text)
    assert "Новая версия расчёта" in plain(followed.text)


def test_freezing_twice_keeps_the_first_moment(deal_a):
    calc = save(deal_a, [line()])
    first = services.calculation_freeze(calculation=calc).frozen_at
    assert services.calculation_freeze(calculation=calc).frozen_at == first


def test_a_new_version_of_a_variant_that_is_not_current_stays_aside(deal_a):
    current = save(deal_a, [line(price="100")])
    variant = save(deal_a, [line(price="200")])
    services.calculation_freeze(calculation=variant)
    version = save(deal_a, [line(price="300")], calculation=variant)
    assert (version.number, version.version, version.is_current) == (2, 2, False)
    assert Calculation.objects.current_for(deal_a) == current
    assert Deal.objects.get(pk=deal_a.pk).budget == Decimal("100.00")


@pytest.mark.parametrize(
    ("row", "field_message"),
    [
        (
            {"name": "Работы", "quantity": "-1", "price": "100"},
            "Количество не может быть отрицательным.",
        ),
        (
            {"name": "Работы", "quantity": "0", "price": "100"},
            "Количество должно быть больше нуля.",
        ),
        (
            {"name": "Работы", "quantity": "1,2345", "price": "100"},
            "Количество — не больше трёх знаков после запятой.",
        ),
        (
            {"name": "Работы", "price": "100,123"},
            "Цена — в рублях и копейках: не больше двух знаков после запятой.",
        ),
        ({"name": "Работы", "price": "-5"}, "Цена не может быть отрицательной."),
        ({"name": "Работы", "price": "сто"}, "Введите цену цифрами, например 1 500 или 1 500,50."),
        (
            {"name": "Работы", "price": "100", "discount": "120"},
            "Скидка не может быть больше 100 %.",
        ),
        (
            {
                "name": "Работы",
                "price": "100",
                "quantity": "2",
                "discount": "250",
                "discount_kind": "amount",
            },
            "Скидка больше суммы строки (200,00 ₽).",
        ),
        ({"name": "", "price": "100"}, "Введите наименование."),
        ({"name": "Работы", "price": ""}, "Укажите цену."),
    ],
)
def test_bad_line_input_gets_a_russian_message_and_saves_nothing(
    client_a, deal_a, row, field_message
):
    response = client_a.post(new_url(deal_a), calc_post([{"name": "Дизайн", "price": "9000"}, row]))
    assert response.status_code == 400
    assert field_message in plain(response.text)
    # what the manager typed is still there
    for value in row.values():
        if value and value not in {"amount", "percent"}:
            assert f'value="{value}"' in plain(response.text)
    assert 'value="Дизайн"' in plain(response.text)
    assert not Calculation.objects.exists()
    deal_a.refresh_from_db()
    assert deal_a.budget == Decimal("100000.00")


def test_an_empty_calculation_is_refused(client_a, deal_a):
    response = client_a.post(new_url(deal_a), calc_post([], extra_blank=1, title="Пустой"))
    assert response.status_code == 400
    assert "Добавьте в расчёт хотя бы одну строку." in plain(response.text)
    assert 'value="Пустой"' in plain(response.text)
    assert not Calculation.objects.exists()


def test_removed_lines_are_left_out(client_a, deal_a):
    client_a.post(
        new_url(deal_a),
        calc_post(
            [{"name": "Оставить", "price": "100"}, {"name": "Убрать", "price": "5", "DELETE": True}]
        ),
    )
    calc = Calculation.objects.get()
    assert list(calc.lines.values_list("name", flat=True)) == ["Оставить"]
    assert calc.total == Decimal("100.00")


def test_a_whole_discount_over_the_sum_is_refused_next_to_the_field(client_a, deal_a):
    response = client_a.post(
        new_url(deal_a),
        calc_post([{"name": "Работы", "price": "100"}], discount="150", discount_kind="amount"),
    )
    assert response.status_code == 400
    assert "Скидка больше суммы расчёта (100,00 ₽)." in plain(response.text)
    assert 'value="150"' in plain(response.text)
    assert not Calculation.objects.exists()

    response = client_a.post(
        new_url(deal_a), calc_post([{"name": "Работы", "price": "100"}], discount="101")
    )
    assert "Скидка не может быть больше 100 %." in plain(response.text)


def test_the_line_endpoint_prefills_a_row_from_the_catalog(client_a, deal_a, catalog):
    url = reverse("calculations:line", args=[deal_a.pk])
    response = client_a.get(url, {"item": catalog["ssl"].pk, "lines-TOTAL_FORMS": "3"})
    assert response.status_code == 200
    assert 'name="lines-3-name"' in plain(response.text)
    assert 'value="SSL-сертификат"' in plain(response.text)
    assert 'value="3500,00"' in plain(response.text)
    assert '<option value="10.00" selected>' in plain(response.text)
    assert 'id="id_lines-TOTAL_FORMS" hx-swap-oob="true"' in plain(response.text)
    assert 'value="4"' in plain(response.text)
    blank = client_a.get(url, {"lines-TOTAL_FORMS": "0"})
    assert 'name="lines-0-name"' in plain(blank.text)
    catalog["ssl"].active = False
    catalog["ssl"].save()
    assert (
        client_a.get(url, {"item": catalog["ssl"].pk, "lines-TOTAL_FORMS": "1"}).status_code == 404
    )
    refused = client_a.get(url, {"lines-TOTAL_FORMS": "200"})
    assert refused.status_code == 400
    assert "В расчёте может быть не больше 200 строк." in refused.text
    assert refused.text.startswith("<tr>")
    assert client_a.get(url, {"lines-TOTAL_FORMS": "x"}).status_code == 400


def test_catalog_search_finds_cyrillic_words_in_any_case(client_a, deal_a, catalog):
    url = reverse("calculations:catalog", args=[deal_a.pk])
    assert "Разработка сайта" in plain(client_a.get(url, {"q": "разработка"}).text)
    assert "Программирование" in plain(client_a.get(url, {"q": "ПРОГРАММ"}).text)
    assert "SSL-сертификат" in plain(client_a.get(url, {"q": "ssl"}).text)
    nothing = client_a.get(url, {"q": "трактор"})
    assert "В каталоге нет «трактор»" in plain(nothing.text)


def test_a_copy_starts_from_another_calculation(client_a, deal_a):
    calc = save(deal_a, [line(name="Дизайн главной", price="25000")])
    page = client_a.get(new_url(deal_a) + f"?from={calc.pk}")
    assert page.status_code == 200
    assert 'value="Дизайн главной"' in plain(page.text)
    assert "копия расчёта №1" in plain(page.text)


def test_every_calculator_url_is_404_for_another_manager(client_b, deal_a, catalog):
    calc = save(deal_a, [line()])
    pk = deal_a.pk
    gets = [
        new_url(deal_a),
        new_url(deal_a) + f"?from={calc.pk}",
        detail_url(calc),
        reverse("calculations:line", args=[pk]) + "?lines-TOTAL_FORMS=1",
        reverse("calculations:catalog", args=[pk]) + "?q=сайт",
    ]
    for url in gets:
        assert client_b.get(url).status_code == 404, url
    posts = [
        new_url(deal_a),
        detail_url(calc),
        reverse("calculations:preview", args=[pk]),
        reverse("calculations:make_current", args=[pk, calc.pk]),
    ]
    for url in posts:
        assert (
            client_b.post(url, calc_post([{"name": "Взлом", "price": "1"}])).status_code == 404
        ), url
    calc.refresh_from_db()
    assert calc.total == Decimal("1000.00")
    assert Calculation.objects.count() == 1


def test_a_calculation_of_another_deal_is_404(client_a, make_deal, manager_a, deal_a):
    other = make_deal(manager_a, title="Другая сделка")
    calc = save(other, [line()])
    assert (
        client_a.get(reverse("calculations:detail", args=[deal_a.pk, calc.pk])).status_code == 404
    )


def test_the_calculator_page_runs_the_same_queries_for_2_and_50_lines(
    client_a, deal_a, make_deal, manager_a
):
    small = save(deal_a, [line(name=f"Строка {i}") for i in range(2)])
    big_deal = make_deal(manager_a, title="Большая смета")
    big = save(big_deal, [line(name=f"Строка {i}") for i in range(50)])

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            response = client_a.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), response

    small_count, _ = count(detail_url(small))
    big_count, response = count(detail_url(big))
    assert response.text.count('class="calc-line"') == 50
    assert small_count == big_count
    assert big_count <= 12


def test_the_deal_card_runs_the_same_queries_for_2_and_50_calculations(
    client_a, deal_a, make_deal, manager_a
):
    for _ in range(2):
        save(deal_a, [line()])
    other = make_deal(manager_a, title="Много вариантов")
    for _ in range(50):
        save(other, [line()])

    def count(deal):
        with CaptureQueriesContext(connection) as ctx:
            response = client_a.get(deal.get_absolute_url())
        return len(ctx.captured_queries), response

    small_count, small = count(deal_a)
    big_count, big = count(other)
    assert small_count == big_count
    assert big.text.count('id="calculation-') == 50
    assert "текущий" in plain(small.text)


def test_deleting_a_deal_takes_its_calculations_and_versions(deal_a):
    calc = save(deal_a, [line()])
    services.calculation_freeze(calculation=calc)
    save(deal_a, [line(price="2000")], calculation=calc)
    Deal.objects.filter(pk=deal_a.pk).delete()
    assert not Calculation.objects.exists()
    assert not CalculationLine.objects.exists()


def test_a_sum_too_large_to_store_is_refused(client_a, deal_a):
    rows = [{"name": "Небоскрёб", "quantity": "999999", "price": "999999999"}]
    response = client_a.post(new_url(deal_a), calc_post(rows))
    assert response.status_code == 400
    assert "Сумма расчёта слишком велика." in response.text
    assert not Calculation.objects.exists()
    preview = client_a.post(reverse("calculations:preview", args=[deal_a.pk]), calc_post(rows))
    assert preview.status_code == 200
    assert "Сумма расчёта слишком велика." in preview.text


def test_a_catalog_pick_fills_the_blank_row_it_is_told_of(client_a, deal_a, catalog):
    url = reverse("calculations:line", args=[deal_a.pk])
    response = client_a.get(url, {"item": catalog["ssl"].pk, "row": "0", "lines-TOTAL_FORMS": "2"})
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#row-lines-0"
    assert response["HX-Reswap"] == "outerHTML"
    text = plain(response.text)
    assert 'id="row-lines-0"' in text and 'value="SSL-сертификат"' in text
    assert "TOTAL_FORMS" not in text  # the number of rows stays as it is
    # A row that does not exist yet is not "filled": a new row is added as before.
    added = client_a.get(url, {"item": catalog["ssl"].pk, "row": "5", "lines-TOTAL_FORMS": "2"})
    assert "HX-Retarget" not in added and 'name="lines-2-name"' in plain(added.text)
    junk = client_a.get(url, {"item": catalog["ssl"].pk, "row": "abc", "lines-TOTAL_FORMS": "1"})
    assert junk.status_code == 200 and "HX-Retarget" not in junk


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"discount": "5000"}, "discount", "Скидка не может быть больше 100 %."),
        ({"price": "-1 500"}, "price", "Цена не может быть отрицательной."),
        ({"discount": "-5"}, "discount", "Скидка не может быть отрицательной."),
    ],
)
def test_a_refused_line_is_said_as_it_is_typed(client_a, deal_a, row, field, message):
    data = calc_post([{"name": "Работы", "price": "1000", **row}])
    preview = client_a.post(reverse("calculations:preview", args=[deal_a.pk]), data)
    assert preview.status_code == 200
    text = plain(preview.text)
    assert f'id="lines-0-total" class="calc-line-total" data-error-field="{field}"' in text
    assert message in text
    assert "Не учтены строки с ошибками: 1." in text


def test_a_discount_on_the_whole_calculation_over_100_percent_is_said_as_it_is_typed(
    client_a, deal_a
):
    data = calc_post([{"name": "Работы", "price": "1000"}], discount="5 000")
    preview = client_a.post(reverse("calculations:preview", args=[deal_a.pk]), data)
    assert preview.status_code == 200
    assert 'id="calc-discount-error"' in preview.text
    assert "Скидка не может быть больше 100 %." in plain(preview.text)
