from decimal import Decimal

import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.admin import CatalogItemResource
from billing.models import CatalogGroup, CatalogItem, Unit


def item_post(**overrides):
    data = {
        "name": "Разработка лендинга",
        "group": "",
        "kind": "service",
        "unit": "876",
        "price": "45 000,50",
        "vat_rate": "",
        "sku": "LND-1",
        "description": "",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_the_head_adds_and_edits_catalog_items(client_head, db):
    response = client_head.post(reverse("billing:catalog_create"), item_post())
    assert response.status_code == 302
    item = CatalogItem.objects.get(sku="LND-1")
    assert (item.name, item.unit, item.price, item.vat_rate) == (
        "Разработка лендинга",
        Unit.SERVICE,
        Decimal("45000.50"),
        None,
    )
    response = client_head.post(
        reverse("billing:catalog_edit", args=[item.pk]),
        item_post(price="50000", vat_rate="10.00", active=""),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.price, item.vat_rate, item.active) == (Decimal("50000"), Decimal("10"), False)


def test_a_manager_may_look_at_the_catalog_but_not_change_it(client_a, catalog):
    listing = client_a.get(reverse("billing:catalog"))
    assert listing.status_code == 200
    assert "Разработка сайта" in listing.text
    assert reverse("billing:catalog_create") not in listing.text
    assert reverse("billing:catalog_edit", args=[catalog["site"].pk]) not in listing.text

    assert client_a.get(reverse("billing:catalog_create")).status_code == 403
    response = client_a.post(reverse("billing:catalog_create"), item_post())
    assert response.status_code == 403
    assert "Это может только руководитель отдела продаж." in response.text
    assert not CatalogItem.objects.filter(sku="LND-1").exists()

    edit = reverse("billing:catalog_edit", args=[catalog["site"].pk])
    assert client_a.post(edit, item_post(price="1")).status_code == 403
    catalog["site"].refresh_from_db()
    assert catalog["site"].price == Decimal("120000")
    assert client_a.post(reverse("billing:group_create"), {"name": "X"}).status_code == 403
    group = CatalogGroup.objects.get()
    assert client_a.get(reverse("billing:group_edit", args=[group.pk])).status_code == 403


def test_the_catalog_menu_entry_is_shown(client_a, db):
    response = client_a.get(reverse("deals:list"))
    assert f'href="{reverse("billing:catalog")}">Каталог</a>' in response.text


def test_bad_catalog_input_gets_russian_messages_and_keeps_the_input(client_head, catalog):
    response = client_head.post(
        reverse("billing:catalog_create"),
        item_post(name="", price="10,999", sku="WEB-1"),
    )
    assert response.status_code == 400
    assert "Введите наименование." in response.text
    assert "Цена — в рублях и копейках: не больше двух знаков после запятой." in response.text
    assert "Такой артикул уже есть в каталоге." in response.text
    assert 'value="10,999"' in response.text
    response = client_head.post(reverse("billing:catalog_create"), item_post(price="-1"))
    assert "Цена не может быть отрицательной." in response.text
    assert CatalogItem.objects.count() == 3


def test_groups_are_created_and_filter_the_list(client_head, catalog):
    response = client_head.post(reverse("billing:group_create"), {"name": "Хостинг", "order": 5})
    group = CatalogGroup.objects.get(name="Хостинг")
    assert response.status_code == 302
    catalog["ssl"].group = group
    catalog["ssl"].save()
    listing = client_head.get(reverse("billing:catalog"), {"group": group.pk})
    assert "SSL-сертификат" in listing.text
    assert "Разработка сайта" not in listing.text
    duplicate = client_head.post(reverse("billing:group_create"), {"name": "Хостинг", "order": 1})
    assert "Группа с таким названием уже есть." in duplicate.text


def test_items_off_sale_are_hidden_unless_asked_for(client_a, catalog):
    catalog["hour"].active = False
    catalog["hour"].save()
    assert "Программирование" not in client_a.get(reverse("billing:catalog")).text
    shown = client_a.get(reverse("billing:catalog"), {"inactive": "on"})
    assert "Программирование" in shown.text
    assert "снято с продажи" in shown.text


def test_the_catalog_list_runs_the_same_queries_for_2_and_50_items(client_head, db):
    groups = [CatalogGroup.objects.create(name=f"Группа {i}") for i in range(3)]

    def make(n):
        CatalogItem.objects.all().delete()
        CatalogItem.objects.bulk_create(
            CatalogItem(name=f"Позиция {i}", price=Decimal(i), group=groups[i % 3])
            for i in range(n)
        )
        with CaptureQueriesContext(connection) as ctx:
            response = client_head.get(reverse("billing:catalog"))
        assert response.text.count("Позиция ") == n
        return len(ctx.captured_queries)

    assert make(2) == make(50)


def test_import_reads_labels_codes_and_new_groups(db):
    CatalogGroup.objects.create(name="Дизайн")
    data = tablib.Dataset(
        ["", "DES-9", "Баннер", "Дизайн", "Услуга", "55", "1500.00", "", "1"],
        ["", "HST-9", "Хостинг", "Хостинг и домены", "service", "мес", "990", "22", "1"],
        headers=["id", "sku", "name", "group", "kind", "unit", "price", "vat_rate", "active"],
    )
    result = CatalogItemResource().import_data(data, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    banner = CatalogItem.objects.get(sku="DES-9")
    assert (banner.unit, banner.kind, banner.group.name, banner.vat_rate) == (
        "055",
        "service",
        "Дизайн",
        None,
    )
    hosting = CatalogItem.objects.get(sku="HST-9")
    assert (hosting.unit, hosting.vat_rate, hosting.group.name) == (
        "362",
        Decimal("22"),
        "Хостинг и домены",
    )


def test_import_refuses_unknown_units_and_rates(db):
    data = tablib.Dataset(
        ["", "X-1", "Что-то", "", "Услуга", "бочка", "10", "18", "1"],
        headers=["id", "sku", "name", "group", "kind", "unit", "price", "vat_rate", "active"],
    )
    result = CatalogItemResource().import_data(data, dry_run=True)
    assert result.has_validation_errors()
    messages = str(result.invalid_rows[0].error_dict)
    assert "Неизвестное значение «бочка»" in messages
    assert "Ставка НДС 18 не действует" in messages
    assert not CatalogItem.objects.exists()


def test_export_to_xlsx_and_back(catalog):
    exported = CatalogItemResource().export()
    assert exported.headers == [
        "id",
        "sku",
        "name",
        "group",
        "kind",
        "unit",
        "price",
        "vat_rate",
        "active",
    ]
    row = exported.dict[[r["sku"] for r in exported.dict].index("SSL")]
    assert (row["unit"], row["kind"], row["vat_rate"]) == ("год", "Товар", "10")
    xlsx = exported.export("xlsx")
    CatalogItem.objects.filter(sku="SSL").update(price=Decimal("1"))
    again = tablib.Dataset().load(xlsx, format="xlsx")
    result = CatalogItemResource().import_data(again, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert CatalogItem.objects.get(sku="SSL").price == Decimal("3500")
    # CSV carries Russian number formatting («3 500,00») and comes back the same
    CatalogItem.objects.filter(sku="SSL").update(price=Decimal("1"))
    csv = tablib.Dataset().load(exported.export("csv"), format="csv")
    result = CatalogItemResource().import_data(csv, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert CatalogItem.objects.get(sku="SSL").price == Decimal("3500")
    assert CatalogItem.objects.count() == 3


def test_admin_offers_csv_and_xlsx(client, catalog):
    from crm.models import User

    admin = User.objects.create_superuser("root", "root@example.ru", "root")
    client.force_login(admin)
    page = client.get(reverse("admin:billing_catalogitem_import"))
    assert page.status_code == 200
    assert "csv" in page.text and "xlsx" in page.text
    response = client.post(
        reverse("admin:billing_catalogitem_export"),
        {
            "format": "0",
            "resource": "0",
            **{f"catalogitemresource_{f}": "on" for f in ["id", "sku", "name", "price"]},
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "SSL-сертификат" in response.content.decode()


def test_exports_write_typed_formulas_as_text(client, catalog):
    import io

    from openpyxl import load_workbook

    from crm.models import User

    formula = '=HYPERLINK("http://evil.example","Скидка")'
    CatalogItem.objects.filter(sku="SSL").update(name=formula, sku="-2+3")
    admin = User.objects.create_superuser("root", "root@example.ru", "root")
    client.force_login(admin)
    fields = {f"catalogitemresource_{f}": "on" for f in ["id", "sku", "name", "price"]}
    xlsx = client.post(
        reverse("admin:billing_catalogitem_export"), {"format": "1", "resource": "0", **fields}
    )
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [row for row in sheet.iter_rows(min_row=2) if row[2].value.startswith("'=")]
    (name_cell,) = [row[2] for row in cells]
    assert (name_cell.data_type, name_cell.value) == ("s", "'" + formula)
    csv = client.post(
        reverse("admin:billing_catalogitem_export"), {"format": "0", "resource": "0", **fields}
    )
    text = csv.content.decode()
    assert "'=HYPERLINK(" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    # Figures alone cannot call a function or read a cell: they stay as typed.
    assert ",-2+3," in text
