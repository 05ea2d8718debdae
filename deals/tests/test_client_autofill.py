"""Bank details filled from the БИК on the client, seller and deal card forms."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from contacts.models import BankAccount, Client, Seller

from .conftest import ACCOUNT, LEGAL, form_data, settlement_account

SAMPLE = Path(__file__).resolve().parents[2] / "contacts" / "tests" / "data" / "ed807_sample.xml"
CREATE = reverse("clients:create")
BANK = reverse("clients:bank")
TBANK = "044525974"


@pytest.fixture
def bik_directory(db):
    call_command("load_bik", str(SAMPLE), stdout=io.StringIO())


def field_error(html: str, name: str) -> str:
    """The error crispy renders under the field `name`."""
    match = re.search(rf'id="error_\d+_id_{re.escape(name)}"[^>]*>(.*?)</', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


class TestBankFromBik:
    def test_the_bank_name_and_correspondent_account_come_from_the_directory(
        self, client_a, bik_directory
    ):
        account = {"bik": TBANK, "settlement_account": settlement_account(1, TBANK)}
        response = client_a.post(CREATE, form_data(LEGAL, [account]))
        assert response.status_code == 302
        saved = BankAccount.objects.get()
        assert saved.bank_name == 'АО "ТБанк", г. Москва'
        assert saved.correspondent_account == "30101810145250000974"

    def test_a_bank_name_typed_by_hand_is_kept(self, client_a, bik_directory):
        account = {**ACCOUNT, "bank_name": "Сбербанк, Москва"}
        assert client_a.post(CREATE, form_data(LEGAL, [account])).status_code == 302
        assert BankAccount.objects.get().bank_name == "Сбербанк, Москва"

    def test_a_bik_missing_from_the_directory_is_refused_next_to_the_field(
        self, client_a, bik_directory
    ):
        account = {**ACCOUNT, "bik": "044525226"}
        response = client_a.post(CREATE, form_data(LEGAL, [account]))
        assert response.status_code == 400
        assert field_error(response.text, "accounts-0-bik").startswith(
            "БИК 044525226 нет в справочнике БИК Банка России"
        )
        assert not Client.objects.exists()

    def test_a_closed_bank_is_refused(self, client_a, bik_directory, tmp_path):
        text = SAMPLE.read_bytes().decode("cp1251")
        newer = tmp_path / "newer.xml"
        newer.write_bytes(text.replace('BIC="044525225"', 'BIC="044525999"').encode("cp1251"))
        call_command("load_bik", str(newer), stdout=io.StringIO())
        response = client_a.post(CREATE, form_data(LEGAL, [ACCOUNT]))
        assert response.status_code == 400
        assert "исключён из справочника" in field_error(response.text, "accounts-0-bik")

    def test_a_correspondent_account_other_than_the_directorys_is_refused(
        self, client_a, bik_directory
    ):
        account = {
            "bik": TBANK,
            "correspondent_account": "30101810900000000974",
            "settlement_account": settlement_account(1, TBANK),
        }
        response = client_a.post(CREATE, form_data(LEGAL, [account]))
        assert response.status_code == 400
        assert field_error(response.text, "accounts-0-correspondent_account") == (
            f"По справочнику БИК Банка России корреспондентский счёт банка с БИК {TBANK} — "
            "30101810145250000974. Проверьте цифры или оставьте поле пустым."
        )

    def test_the_key_of_the_settlement_account_is_still_checked(self, client_a, bik_directory):
        account = {"bik": TBANK, "settlement_account": "40702810938000012345"}
        response = client_a.post(CREATE, form_data(LEGAL, [account]))
        assert response.status_code == 400
        assert "Расчётный счёт не подходит к БИК 044525974" in response.text

    def test_an_account_saved_before_its_bank_left_the_directory_does_not_block_editing(
        self, client_a, manager_a, make_client, tmp_path
    ):
        client = make_client(manager_a)
        text = SAMPLE.read_bytes().decode("cp1251").replace('BIC="044525225"', 'BIC="044525999"')
        newer = tmp_path / "newer.xml"
        newer.write_bytes(text.encode("cp1251"))
        call_command("load_bik", str(newer), stdout=io.StringIO())
        account = client.default_bank_account
        data = form_data(
            {**LEGAL, "name": "ООО «Ромашка-2»"},
            [
                {
                    "id": str(account.pk),
                    "client": str(client.pk),
                    "bank_name": account.bank_name,
                    "bik": account.bik,
                    "correspondent_account": account.correspondent_account,
                    "settlement_account": account.settlement_account,
                    "is_default": "on",
                }
            ],
            initial=1,
        )
        response = client_a.post(reverse("clients:edit", args=[client.pk]), data)
        assert response.status_code == 302, response.text
        client.refresh_from_db()
        assert client.name == "ООО «Ромашка-2»"

    def test_the_seller_form_fills_the_bank_too(self, client_head, bik_directory):
        values = {k: v for k, v in LEGAL.items() if k not in ("phones_text", "emails_text")}
        account = {"bik": TBANK, "settlement_account": settlement_account(2, TBANK)}
        response = client_head.post(reverse("clients:seller"), form_data(values, [account]))
        assert response.status_code == 302
        saved = Seller.objects.active().default_bank_account
        assert saved.bank_name == 'АО "ТБанк", г. Москва'
        assert saved.correspondent_account == "30101810145250000974"

    def test_the_deal_card_fills_the_bank_too(self, client_a, deal_a, bik_directory):
        account = {"bik": TBANK, "settlement_account": settlement_account(3, TBANK)}
        response = client_a.post(
            reverse("deals:client_create", args=[deal_a.pk]),
            form_data(LEGAL, [account], prefix="client"),
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        assert BankAccount.objects.get().bank_name == 'АО "ТБанк", г. Москва'


class TestWithoutDirectory:
    """Before the directory is loaded only the structure of the numbers is checked."""

    def test_a_bik_that_is_not_russian_is_refused(self, client_a):
        account = {**ACCOUNT, "bik": "144525225"}
        response = client_a.post(CREATE, form_data(LEGAL, [account]))
        assert response.status_code == 400
        assert "начинается с 04" in field_error(response.text, "accounts-0-bik")
        assert not Client.objects.exists()

    def test_a_correspondent_account_of_another_bank_is_refused(self, client_a):
        account = {**ACCOUNT, "correspondent_account": "30101810800000000746"}
        response = client_a.post(CREATE, form_data(LEGAL, [account]))
        assert response.status_code == 400
        assert "последние три цифры должны быть 225" in field_error(
            response.text, "accounts-0-correspondent_account"
        )

    def test_the_bank_name_and_correspondent_account_must_be_typed(self, client_a):
        account = {"bik": ACCOUNT["bik"], "settlement_account": ACCOUNT["settlement_account"]}
        response = client_a.post(CREATE, form_data(LEGAL, [account]))
        assert response.status_code == 400
        assert field_error(response.text, "accounts-0-bank_name") == "Укажите банк."
        assert field_error(response.text, "accounts-0-correspondent_account") == (
            "Укажите корреспондентский счёт."
        )


class TestBankEndpoint:
    def test_it_gives_the_bank_of_a_bik(self, client_a, bik_directory):
        assert client_a.get(BANK, {"bik": TBANK}).json() == {
            "loaded": True,
            "bank_name": 'АО "ТБанк", г. Москва',
            "correspondent_account": "30101810145250000974",
        }

    def test_a_bank_of_russia_branch_has_no_correspondent_account(self, client_a, bik_directory):
        assert client_a.get(BANK, {"bik": "044525000"}).json() == {
            "loaded": True,
            "bank_name": "ГУ Банка России по ЦФО, г. Москва",
            "correspondent_account": "",
        }

    def test_it_explains_an_unknown_or_malformed_bik(self, client_a, bik_directory):
        unknown = client_a.get(BANK, {"bik": "044525226"}).json()
        assert unknown["error"].startswith("БИК 044525226 нет в справочнике")
        malformed = client_a.get(BANK, {"bik": "04452522"}).json()
        assert malformed["error"] == "БИК: должно быть 9 цифр, введено 8."

    def test_without_a_directory_it_fills_nothing(self, client_a, db):
        assert client_a.get(BANK, {"bik": "044525225"}).json() == {"loaded": False}
        assert (
            client_a.get(BANK, {"bik": "144525225"})
            .json()["error"]
            .startswith("БИК: у российского банка")
        )

    def test_it_needs_a_login(self, anon, bik_directory):
        assert anon.get(BANK, {"bik": TBANK}).status_code == 302

    def test_every_bank_account_form_knows_it(self, client_a, client_head, deal_a):
        attribute = f'data-bank-url="{BANK}"'
        assert attribute in client_a.get(CREATE).text
        assert attribute in client_head.get(reverse("clients:seller")).text
        panel = client_a.get(
            reverse("deals:client_create", args=[deal_a.pk]), headers={"HX-Request": "true"}
        )
        assert attribute in panel.text
        assert 'data-bik="1"' in panel.text
