"""Clients for the client pages' tests: POST data of each type and a factory."""

import pytest

from contacts import services
from contacts.models import BankAccount, Client
from contacts.requisites import account_key

LEGAL = {
    "kind": "legal",
    "name": "ООО «Ромашка»",
    "full_name": "Общество с ограниченной ответственностью «Ромашка»",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "okpo": "00032537",
    "legal_address": "117312, г. Москва, ул. Вавилова, д. 19",
    "signatory_position": "Генеральный директор",
    "signatory_name": "Петров Сергей Николаевич",
    "basis_kind": "charter",
    "phones_text": "+7 495 765-43-21",
    "emails_text": "office@romashka.example.ru",
}
ENTREPRENEUR = {
    "kind": "entrepreneur",
    "person_name": "Соколова Марина Викторовна",
    "inn": "500100732259",
    "ogrnip": "304500116000157",
    "ogrnip_date": "2004-03-12",
    "registration_address": "г. Москва, ул. Гарибальди, д. 21, кв. 40",
    "basis_kind": "charter",
}
PERSON = {
    "kind": "person",
    "person_name": "Кузьмин Андрей Павлович",
    "birth_date": "1985-03-14",
    "passport_series": "45 10",
    "passport_number": "123456",
    "passport_issued_by": "ГУ МВД России по г. Москве",
    "passport_issued_date": "2015-06-10",
    "passport_code": "770-001",
    "registration_address": "г. Москва, ул. Сельскохозяйственная, д. 3, кв. 15",
    "basis_kind": "charter",
}
ACCOUNT = {
    "bank_name": "ПАО Сбербанк",
    "bik": "044525225",
    "correspondent_account": "30101810400000000225",
    "settlement_account": "40702810938000012345",
}


def settlement_account(n: int, bik: str = ACCOUNT["bik"]) -> str:
    """The n-th valid settlement account (40702…) in the bank with this БИК."""
    body = f"40702810038{n:09d}"
    return body[:8] + account_key(body, bik[-3:]) + body[9:]


def form_data(values: dict, accounts: list[dict] = (), prefix: str = "", initial: int = 0):
    """POST data of the client form with its bank account formset."""
    p = f"{prefix}-" if prefix else ""
    ap = f"{prefix}-accounts" if prefix else "accounts"
    data = {f"{p}{k}": v for k, v in values.items()}
    data.update(
        {
            f"{ap}-TOTAL_FORMS": str(len(accounts)),
            f"{ap}-INITIAL_FORMS": str(initial),
            f"{ap}-MIN_NUM_FORMS": "0",
            f"{ap}-MAX_NUM_FORMS": "1000",
        }
    )
    for i, account in enumerate(accounts):
        data.update({f"{ap}-{i}-{k}": v for k, v in account.items()})
    return data


@pytest.fixture
def make_client(db):
    counter = iter(range(1, 10_000))

    def make(user, kind="legal", accounts=1, **values):
        n = next(counter)
        base = {
            "legal": {
                "name": f"ООО «Клиент {n}»",
                "full_name": f"Общество с ограниченной ответственностью «Клиент {n}»",
                "signatory_position": "Директор",
                "signatory_name": "Иванов Иван Иванович",
                "legal_address": "г. Москва",
            },
            "entrepreneur": {"person_name": f"Иванов{n} Иван Иванович"},
            "person": {
                "person_name": f"Петров{n} Пётр Петрович",
                "passport_series": "4510",
                "passport_number": "123456",
                "passport_issued_by": "ОВД",
                "passport_code": "770-001",
            },
        }[kind]
        client = Client(kind=kind, created_by=user, **{**base, **values})
        bank = [
            BankAccount(
                **{
                    **ACCOUNT,
                    "bank_name": f"Банк {i}",
                    "settlement_account": settlement_account(i),
                },
                is_default=(i == 0),
            )
            for i in range(accounts)
        ]
        return services.client_save(client=client, by=user, accounts=bank)

    return make
