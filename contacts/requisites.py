"""Russian requisites: check digits and formats, as pure functions with no database.

Each `check_*` function takes what a person typed, returns the normalised value (digits
only, upper case where letters are allowed) and raises `InvalidRequisite` with a Russian
message that names the field and says what is wrong. `account_warnings` gives the soft
warnings that never block saving.

ИНН and ОГРН (13 digits) are checked by python-stdnum, the maintained reference
implementation. ОГРНИП is checked here: stdnum 2.2 takes the remainder modulo 13 without
its last digit and so rejects valid numbers whose remainder is 11 or 12. python-stdnum has
no КПП, БИК, ОКПО, account or passport checks, so those are written here too.
"""

import datetime
import re

from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

from crm.formats import typed_text

LEGAL = "legal"
ENTREPRENEUR = "entrepreneur"
PERSON = "person"
# What a legal entity's signatory acts on (Requisites.Basis).
CHARTER = "charter"
PROXY = "proxy"

# [0-9], not \d: \d also matches the digits of other scripts (٣, ३), which are refused.
KPP_RE = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")
SUBDIVISION_RE = re.compile(r"[0-9]{3}-[0-9]{3}")
DIGITS_RE = re.compile(r"[0-9]+")
SPACES_RE = re.compile(r"[\s\-]+")

# Weights of the account key (Bank of Russia rule of 8 September 1997 No. 515).
ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[:23]

# Usual settlement account prefixes (balance account of the second order) by client type.
USUAL_ACCOUNT_PREFIXES = {
    LEGAL: ("40701", "40702", "40703"),
    ENTREPRENEUR: ("40802",),
    PERSON: ("40817", "40820", "423", "426"),
}
USUAL_PREFIX_TEXT = {
    LEGAL: "40702 (у коммерческой организации)",
    ENTREPRENEUR: "40802 (у индивидуального предпринимателя)",
    PERSON: "40817 (у физического лица)",
}


class InvalidRequisite(ValueError):
    """A requisite that fails its format or check digits; str() is the Russian message."""


def only_digits(value: str | None) -> str:
    """Drop the spaces and dashes people type inside long numbers."""
    return SPACES_RE.sub("", typed_text(value))


def _digits(value: str | None, label: str, lengths: tuple[int, ...]) -> str:
    text = only_digits(value)
    if not DIGITS_RE.fullmatch(text):
        raise InvalidRequisite(f"{label}: допустимы только цифры.")
    if len(text) not in lengths:
        expected = " или ".join(str(n) for n in lengths)
        raise InvalidRequisite(f"{label}: должно быть {expected} цифр, введено {len(text)}.")
    return text


def check_inn(value: str | None, *, length: int | None = None) -> str:
    """ИНН: 10 digits for an organisation, 12 for a person or a sole proprietor."""
    text = _digits(value, "ИНН", (length,) if length else (10, 12))
    try:
        stdnum_inn.validate(text)
    except StdnumError as exc:
        raise InvalidRequisite(
            "ИНН: неверное контрольное число — проверьте, нет ли опечатки в цифрах."
        ) from exc
    return text


def ogrnip_check_digit(first14: str) -> str:
    """The last digit of the remainder of the first 14 digits divided by 13."""
    return str(int(first14) % 13 % 10)


def ogrn_check_digit(first12: str) -> str:
    return str(int(first12) % 11 % 10)


def check_ogrn(value: str | None) -> str:
    """ОГРН of an organisation: 13 digits, first 1 or 5, check digit modulo 11."""
    text = _digits(value, "ОГРН", (13,))
    if text[0] not in "15":
        raise InvalidRequisite("ОГРН: первая цифра должна быть 1 или 5.")
    try:
        stdnum_ogrn.validate(text)
    except StdnumError as exc:
        raise InvalidRequisite(
            "ОГРН: неверное контрольное число — проверьте, нет ли опечатки в цифрах."
        ) from exc
    return text


def check_ogrnip(value: str | None) -> str:
    """ОГРНИП: 15 digits, first 3, check digit = (first 14 digits mod 13) mod 10."""
    text = _digits(value, "ОГРНИП", (15,))
    if text[0] != "3":
        raise InvalidRequisite("ОГРНИП: первая цифра должна быть 3.")
    if ogrnip_check_digit(text[:14]) != text[14]:
        raise InvalidRequisite(
            "ОГРНИП: неверное контрольное число — проверьте, нет ли опечатки в цифрах."
        )
    return text


def check_kpp(value: str | None) -> str:
    """КПП: 9 characters, NNNNXXNNN, where XX are digits or capital Latin letters."""
    text = only_digits(value).upper()
    if not KPP_RE.fullmatch(text):
        raise InvalidRequisite(
            "КПП: 9 знаков — 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры "
            "(например, 773601001)."
        )
    return text


def okpo_check_digit(body: str) -> str:
    def remainder(start: int) -> int:
        return sum(int(d) * ((i + start - 1) % 10 + 1) for i, d in enumerate(body)) % 11

    r = remainder(1)
    if r == 10:
        r = remainder(3)
    return "0" if r == 10 else str(r)


def check_okpo(value: str | None) -> str:
    """ОКПО: 8 digits for an organisation (10 for a sole proprietor), with a check digit."""
    text = _digits(value, "ОКПО", (8, 10))
    if okpo_check_digit(text[:-1]) != text[-1]:
        raise InvalidRequisite(
            "ОКПО: неверное контрольное число — проверьте, нет ли опечатки в цифрах."
        )
    return text


def check_bik(value: str | None) -> str:
    """БИК: 9 digits."""
    return _digits(value, "БИК", (9,))


def check_bik_country(bik: str) -> str:
    """The structural check used while the БИК directory is not loaded: a Russian bank's
    БИК starts with the country code 04. The treasury's БИКs (00…, 02…) pass only through
    the loaded directory, which lists them."""
    if not bik.startswith("04"):
        raise InvalidRequisite(
            "БИК: у российского банка БИК начинается с 04 (например, 044525225). "
            "Другие БИК (например, казначейства) принимаются, когда загружен справочник "
            "БИК Банка России."
        )
    return bik


def _account_key_sum(number23: str) -> int:
    return sum(int(d) * w % 10 for d, w in zip(number23, ACCOUNT_WEIGHTS, strict=True))


def account_key(account: str, prefix: str) -> str:
    """The key (9th digit) an account must have, computed with the key set to 0."""
    zeroed = account[:8] + "0" + account[9:]
    return str(_account_key_sum(prefix + zeroed) % 10 * 3 % 10)


def _is_credit_organisation(bik: str) -> bool:
    # Accounts in credit organisations: БИК 04XXXXXXX with the last three digits 050–999.
    return bik.startswith("04") and int(bik[6:]) >= 50


def check_correspondent_account(value: str | None, bik: str) -> str:
    """К/с of a bank in the Bank of Russia: 20 digits, 301…, key against 0 + БИК[4:6]."""
    text = _digits(value, "Корреспондентский счёт", (20,))
    if not _is_credit_organisation(bik):
        return text
    if not text.startswith("301"):
        raise InvalidRequisite("Корреспондентский счёт банка начинается с 301.")
    if text[-3:] != bik[-3:]:
        raise InvalidRequisite(
            f"Корреспондентский счёт не подходит к БИК {bik}: его последние три цифры "
            f"должны быть {bik[-3:]}."
        )
    if _account_key_sum("0" + bik[4:6] + text) % 10:
        raise InvalidRequisite(
            f"Корреспондентский счёт не подходит к БИК {bik}: не сходится контрольный "
            "ключ — проверьте цифры счёта и БИК."
        )
    return text


def check_settlement_account(value: str | None, bik: str) -> str:
    """Р/с held in a bank: 20 digits, key against the last three digits of the БИК."""
    text = _digits(value, "Расчётный счёт", (20,))
    if not _is_credit_organisation(bik):
        return text
    if _account_key_sum(bik[-3:] + text) % 10:
        raise InvalidRequisite(
            f"Расчётный счёт не подходит к БИК {bik}: не сходится контрольный ключ — "
            "проверьте цифры счёта и БИК."
        )
    return text


def account_warnings(*, account: str, bik: str, kind: str) -> list[str]:
    """Soft warnings about a bank account that never block saving."""
    warnings = []
    if bik and not _is_credit_organisation(bik):
        warnings.append(
            f"БИК {bik} не похож на БИК банка (04…, последние цифры от 050): "
            "ключи счетов не проверялись."
        )
    usual = USUAL_ACCOUNT_PREFIXES.get(kind, ())
    if account and usual and not account.startswith(usual):
        warnings.append(
            f"Расчётный счёт {account[:5]}… необычен для этого типа клиента: обычно "
            f"{USUAL_PREFIX_TEXT[kind]}. Проверьте, что это счёт клиента."
        )
    return warnings


def check_passport_series(value: str | None) -> str:
    return _digits(value, "Серия паспорта", (4,))


def check_passport_number(value: str | None) -> str:
    return _digits(value, "Номер паспорта", (6,))


def check_subdivision_code(value: str | None) -> str:
    """Код подразделения: NNN-NNN (six digits typed without the dash are accepted)."""
    text = typed_text(value).strip()
    digits = only_digits(text)
    if (
        DIGITS_RE.fullmatch(digits)
        and len(digits) == 6
        and (text == digits or SUBDIVISION_RE.fullmatch(text))
    ):
        return f"{digits[:3]}-{digits[3:]}"
    raise InvalidRequisite("Код подразделения: шесть цифр в виде 123-456.")


def check_passport_dates(
    *,
    issued: datetime.date | None,
    birth: datetime.date | None,
    today: datetime.date,
) -> None:
    if issued and issued > today:
        raise InvalidRequisite("Дата выдачи паспорта не может быть в будущем.")
    if issued and birth and issued < _add_years(birth, 14):
        raise InvalidRequisite("Паспорт выдаётся с 14 лет: проверьте даты выдачи и рождения.")


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def format_passport_series(series: str) -> str:
    """4510 → «45 10», as the series is printed in the passport."""
    return f"{series[:2]} {series[2:]}" if len(series) == 4 else series
