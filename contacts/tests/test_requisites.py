"""The check digits and formats on real published numbers and on one-digit changes."""

import datetime

import pytest

from contacts import requisites as r

INVALID = r.InvalidRequisite


def one_digit_changes(number: str, position: int) -> list[str]:
    """Every number that differs from `number` in the digit at `position`."""
    return [
        number[:position] + d + number[position + 1 :]
        for d in "0123456789"
        if d != number[position]
    ]


class TestInn:
    def test_it_accepts_sberbank_and_a_person(self):
        assert r.check_inn("7707083893") == "7707083893"
        assert r.check_inn("500100732259") == "500100732259"

    def test_it_strips_spaces_people_paste(self):
        assert r.check_inn(" 7707 083 893 ") == "7707083893"

    @pytest.mark.parametrize("bad", one_digit_changes("7707083893", 9) + ["7707083883"])
    def test_it_rejects_a_changed_digit_of_a_company_inn(self, bad):
        with pytest.raises(INVALID, match="ИНН: неверное контрольное число"):
            r.check_inn(bad)

    @pytest.mark.parametrize("bad", ["500100732258", "500100732269", "500100742259"])
    def test_it_rejects_a_changed_digit_of_a_personal_inn(self, bad):
        with pytest.raises(INVALID, match="ИНН"):
            r.check_inn(bad)

    def test_it_requires_the_length_of_the_type(self):
        with pytest.raises(INVALID, match="должно быть 10 цифр, введено 12"):
            r.check_inn("500100732259", length=10)
        with pytest.raises(INVALID, match="должно быть 12 цифр, введено 10"):
            r.check_inn("7707083893", length=12)

    def test_it_names_letters(self):
        with pytest.raises(INVALID, match="ИНН: допустимы только цифры"):
            r.check_inn("77070838A3")


class TestOgrn:
    def test_it_accepts_sberbank(self):
        assert r.check_ogrn("1027700132195") == "1027700132195"

    @pytest.mark.parametrize("bad", one_digit_changes("1027700132195", 12) + ["1027700132185"])
    def test_it_rejects_a_changed_digit(self, bad):
        with pytest.raises(INVALID, match="ОГРН: неверное контрольное число"):
            r.check_ogrn(bad)

    def test_it_rejects_a_record_number_that_is_not_an_ogrn(self):
        # 2… is a ГРН of a later record, not a registration number.
        with pytest.raises(INVALID, match="первая цифра должна быть 1 или 5"):
            r.check_ogrn("2027700132195")

    def test_it_wants_thirteen_digits(self):
        with pytest.raises(INVALID, match="13 цифр, введено 12"):
            r.check_ogrn("102770013219")


class TestOgrnip:
    def test_it_accepts_a_published_number(self):
        assert r.check_ogrnip("304500116000157") == "304500116000157"

    def test_it_takes_the_last_digit_of_a_remainder_above_nine(self):
        # 30477100330766 mod 13 = 11: the check digit is 1, which python-stdnum 2.2 rejects.
        assert int("30477100330766") % 13 == 11
        assert r.check_ogrnip("304771003307661") == "304771003307661"

    @pytest.mark.parametrize("bad", one_digit_changes("304500116000157", 14) + ["304500116000167"])
    def test_it_rejects_a_changed_digit(self, bad):
        with pytest.raises(INVALID, match="ОГРНИП: неверное контрольное число"):
            r.check_ogrnip(bad)

    def test_it_wants_a_three_first(self):
        with pytest.raises(INVALID, match="первая цифра должна быть 3"):
            r.check_ogrnip("104500116000157")


class TestKppBikOkpo:
    @pytest.mark.parametrize("good", ["773601001", "7736AB001", "770 101 001"])
    def test_it_accepts_kpp_formats(self, good):
        assert r.check_kpp(good) == good.replace(" ", "")

    def test_it_upper_cases_kpp_letters(self):
        assert r.check_kpp("7736ab001") == "7736AB001"

    @pytest.mark.parametrize("bad", ["77360100", "7736010011", "77A601001", "773601A01"])
    def test_it_rejects_bad_kpp(self, bad):
        with pytest.raises(INVALID, match="КПП: 9 знаков"):
            r.check_kpp(bad)

    def test_it_accepts_a_bik(self):
        assert r.check_bik("044525225") == "044525225"

    @pytest.mark.parametrize("bad", ["04452522", "0445252250", "04452522O"])
    def test_it_rejects_bad_bik(self, bad):
        with pytest.raises(INVALID, match="БИК"):
            r.check_bik(bad)

    def test_it_accepts_sberbank_okpo(self):
        assert r.check_okpo("00032537") == "00032537"

    @pytest.mark.parametrize("bad", ["00032536", "00032637", "0003253"])
    def test_it_rejects_bad_okpo(self, bad):
        with pytest.raises(INVALID, match="ОКПО"):
            r.check_okpo(bad)


class TestAccounts:
    """Keys against the БИК, rule of the Bank of Russia of 8 September 1997 No. 515."""

    def test_it_accepts_the_worked_example_of_the_rule(self):
        assert r.check_settlement_account("40602810700000000025", "049805746")

    def test_it_computes_the_key_of_the_worked_example(self):
        assert r.account_key("40602810700000000025", "746") == "7"

    @pytest.mark.parametrize(
        "bad",
        one_digit_changes("40602810700000000025", 8)
        + one_digit_changes("40602810700000000025", 19)[:3]
        + ["40602810700000000026"],
    )
    def test_it_rejects_a_changed_digit_of_the_settlement_account(self, bad):
        with pytest.raises(INVALID, match="Расчётный счёт не подходит к БИК 049805746"):
            r.check_settlement_account(bad, "049805746")

    def test_it_rejects_the_right_account_with_another_bik(self):
        with pytest.raises(INVALID, match="контрольный ключ"):
            r.check_settlement_account("40602810700000000025", "049805747")

    def test_it_accepts_correspondent_accounts(self):
        assert r.check_correspondent_account("30101810800000000746", "049805746")
        assert r.check_correspondent_account("30101810400000000225", "044525225")

    def test_it_rejects_a_changed_key_of_a_correspondent_account(self):
        with pytest.raises(INVALID, match="не сходится контрольный ключ"):
            r.check_correspondent_account("30101810500000000225", "044525225")

    def test_it_rejects_a_correspondent_account_of_another_bank(self):
        with pytest.raises(INVALID, match="последние три цифры должны быть 225"):
            r.check_correspondent_account("30101810800000000746", "044525225")

    def test_it_wants_a_correspondent_account_of_a_bank(self):
        with pytest.raises(INVALID, match="начинается с 301"):
            r.check_correspondent_account("40702810400000000225", "044525225")

    def test_it_wants_twenty_digits(self):
        with pytest.raises(INVALID, match="Расчётный счёт: должно быть 20 цифр, введено 19"):
            r.check_settlement_account("4060281070000000002", "049805746")

    def test_it_does_not_check_keys_of_treasury_accounts_but_warns(self):
        assert r.check_settlement_account("03100643000000017300", "004525988")
        warnings = r.account_warnings(account="03100643000000017300", bik="004525988", kind="")
        assert "ключи счетов не проверялись" in warnings[0]

    def test_it_warns_about_an_unusual_prefix_for_the_client_type(self):
        legal = r.account_warnings(account="40802810438000054321", bik="044525225", kind="legal")
        assert len(legal) == 1 and "обычно 40702" in legal[0]
        ip = r.account_warnings(
            account="40702810938000012345", bik="044525225", kind="entrepreneur"
        )
        assert "обычно 40802" in ip[0]
        person = r.account_warnings(account="40702810938000012345", bik="044525225", kind="person")
        assert "обычно 40817" in person[0]

    def test_it_does_not_warn_about_usual_prefixes(self):
        assert (
            r.account_warnings(account="40702810938000012345", bik="044525225", kind="legal") == []
        )
        assert (
            r.account_warnings(account="40802810438000054321", bik="044525225", kind="entrepreneur")
            == []
        )
        assert (
            r.account_warnings(account="40817810838000098765", bik="044525225", kind="person") == []
        )


class TestPassport:
    def test_it_accepts_series_number_and_code(self):
        assert r.check_passport_series("45 10") == "4510"
        assert r.check_passport_number("123456") == "123456"
        assert r.check_subdivision_code("770-001") == "770-001"
        assert r.check_subdivision_code("770001") == "770-001"

    @pytest.mark.parametrize("bad", ["451", "45100", "45A0"])
    def test_it_rejects_a_bad_series(self, bad):
        with pytest.raises(INVALID, match="Серия паспорта"):
            r.check_passport_series(bad)

    @pytest.mark.parametrize("bad", ["12345", "1234567"])
    def test_it_rejects_a_bad_number(self, bad):
        with pytest.raises(INVALID, match="Номер паспорта"):
            r.check_passport_number(bad)

    @pytest.mark.parametrize("bad", ["77-0001", "7700011", "770_001", "77O-001"])
    def test_it_rejects_a_bad_subdivision_code(self, bad):
        with pytest.raises(INVALID, match="Код подразделения"):
            r.check_subdivision_code(bad)

    def test_it_checks_the_dates(self):
        today = datetime.date(2026, 3, 1)
        r.check_passport_dates(
            issued=datetime.date(2015, 6, 10), birth=datetime.date(1985, 3, 14), today=today
        )
        with pytest.raises(INVALID, match="в будущем"):
            r.check_passport_dates(issued=datetime.date(2026, 3, 2), birth=None, today=today)
        with pytest.raises(INVALID, match="с 14 лет"):
            r.check_passport_dates(
                issued=datetime.date(1995, 1, 1), birth=datetime.date(1985, 3, 14), today=today
            )


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)


class TestTypedDigits:
    """Numbers pasted from PDFs, Word or phone keyboards come with other Unicode digits."""

    def test_full_width_and_superscript_digits_become_plain_ones(self):
        assert r.check_inn(full_width("7707083893")) == "7707083893"
        assert r.check_bik("04452522⁵") == "044525225"
        assert r.check_kpp("７７３６０１００１") == "773601001"
        assert r.check_kpp("7736ＡＢ001") == "7736AB001"
        assert r.check_subdivision_code("７７０-００１") == "770-001"

    def test_the_account_keys_are_checked_with_a_superscript_in_the_bik(self):
        assert (
            r.check_correspondent_account("30101810400000000225", r.check_bik("04452522⁵"))
            == "30101810400000000225"
        )

    @pytest.mark.parametrize(
        "check, value",
        [
            (r.check_inn, "٧٧٠٧٠٨٣٨٩٣"),  # Arabic-Indic
            (r.check_bik, "०४४५२५२२५"),  # Devanagari
            (r.check_kpp, "٧٧٣٦٠١٠٠١"),
            (r.check_passport_number, "١٢٣٤٥٦"),
            (r.check_subdivision_code, "٧٧٠-٠٠١"),
        ],
    )
    def test_digits_of_other_scripts_are_refused_with_a_message(self, check, value):
        with pytest.raises(INVALID):
            check(value)

    @pytest.mark.parametrize("value", ["7707\x00083893", "7" * 5000, "①②③④⑤⑥⑦⑧⑨"])
    def test_nul_long_and_circled_input_is_refused(self, value):
        with pytest.raises(INVALID):
            r.check_inn(value)
