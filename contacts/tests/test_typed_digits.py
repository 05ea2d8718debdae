"""Requisites typed with full-width, superscript or other Unicode digits, on the pages and in
the import: stored as plain digits or refused with a message, never a server error."""

import pytest
import tablib

from contacts.models import BankAccount, Client
from contacts.resources import ClientResource

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
LEGAL = {
    "kind": "legal",
    "name": "ООО «Ромашка»",
    "full_name": "Общество с ограниченной ответственностью «Ромашка»",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "legal_address": "г. Москва",
    "signatory_position": "Генеральный директор",
    "signatory_name": "Петров Сергей Николаевич",
    "basis_kind": "charter",
}
ACCOUNT = {
    "bank_name": "ПАО Сбербанк",
    "bik": "044525225",
    "correspondent_account": "30101810400000000225",
    "settlement_account": "40702810938000012345",
}


def form_data(values: dict, accounts: list[dict] = ()) -> dict:
    data = dict(values)
    data.update(
        {
            "accounts-TOTAL_FORMS": str(len(accounts)),
            "accounts-INITIAL_FORMS": "0",
            "accounts-MIN_NUM_FORMS": "0",
            "accounts-MAX_NUM_FORMS": "1000",
        }
    )
    for i, account in enumerate(accounts):
        data.update({f"accounts-{i}-{k}": v for k, v in account.items()})
    return data


CREATE = "/clients/new/"


@pytest.mark.django_db
class TestClientPage:
    def test_a_superscript_digit_in_the_bik_is_read_as_the_digit(self, client_a):
        account = {**ACCOUNT, "bik": "04452522⁵"}
        response = client_a.post(CREATE, form_data(LEGAL, [account]))
        assert response.status_code == 302
        assert BankAccount.objects.get().bik == "044525225"

    def test_arabic_digits_in_the_bik_are_refused_with_a_message(self, client_a):
        account = {**ACCOUNT, "bik": "٠٤٤٥٢٥٢٢٥"}
        response = client_a.post(CREATE, form_data(LEGAL, [account]))
        assert response.status_code == 400
        assert "БИК: допустимы только цифры" in response.text
        assert not Client.objects.exists()

    def test_a_full_width_inn_is_stored_in_plain_digits_and_found_as_a_duplicate(self, client_a):
        wide = {k: v.translate(FULL_WIDTH) for k, v in LEGAL.items() if k in ("inn", "kpp")}
        assert client_a.post(CREATE, form_data({**LEGAL, **wide})).status_code == 302
        assert Client.objects.get().inn == "7707083893"
        again = client_a.post(CREATE, form_data({**LEGAL, **wide, "name": "ООО «Другая»"}))
        assert again.status_code == 400
        assert "Клиент с таким ИНН и КПП уже есть" in again.text
        assert Client.objects.count() == 1

    def test_a_full_width_passport_is_stored_in_plain_digits(self, client_a):
        person = {
            "kind": "person",
            "person_name": "Кузьмин Андрей Павлович",
            "passport_series": "４５ １０",
            "passport_number": "１２３４５６",
            "passport_issued_by": "ГУ МВД России по г. Москве",
            "passport_issued_date": "2015-06-10",
            "passport_code": "７７０-００１",
            "birth_date": "1985-03-14",
            "registration_address": "г. Москва",
            "basis_kind": "charter",
        }
        assert client_a.post(CREATE, form_data(person)).status_code == 302
        client = Client.objects.get()
        assert (client.passport_series, client.passport_number, client.passport_code) == (
            "4510",
            "123456",
            "770-001",
        )


@pytest.mark.django_db
def test_the_import_reads_full_width_and_superscript_digits(head):
    data = tablib.Dataset(
        headers=["ID", "Тип", "Краткое наименование", "Полное наименование", "ИНН", "КПП"]
        + ["ОГРН", "Юридический адрес", "Должность подписанта", "ФИО подписанта", "БИК"]
        + ["Банк", "Корреспондентский счёт", "Расчётный счёт"]
    )
    data.append(
        [
            "",
            "Юридическое лицо",
            LEGAL["name"],
            LEGAL["full_name"],
            "７７０７０８３８９３",
            "７７３６０１００１",
            "１０２７７００１３２１９５",
            "г. Москва",
            "Директор",
            "Петров Сергей Николаевич",
            "04452522⁵",
            "ПАО Сбербанк",
            ACCOUNT["correspondent_account"],
            ACCOUNT["settlement_account"],
        ]
    )
    result = ClientResource().import_data(data, dry_run=False, user=head)
    assert not result.has_errors() and not result.has_validation_errors()
    client = Client.objects.get()
    assert (client.inn, client.kpp, client.ogrn) == ("7707083893", "773601001", "1027700132195")
    assert client.default_bank_account.bik == "044525225"
