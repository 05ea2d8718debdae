"""Demo requisites: our company (the seller) and one client of each type. The numbers are
made up but carry valid check digits; the banks are real."""

import datetime

from crm.models import User

from . import services
from .models import BankAccount, Client, Seller

SBER = {
    "bank_name": "ПАО Сбербанк, г. Москва",
    "bik": "044525225",
    "correspondent_account": "30101810400000000225",
}
TBANK = {
    "bank_name": "АО «ТБанк», г. Москва",
    "bik": "044525974",
    "correspondent_account": "30101810145250000974",
}

SELLER = {
    "kind": Seller.Kind.LEGAL,
    "name": "ООО «Пиксель»",
    "full_name": "Общество с ограниченной ответственностью «Пиксель»",
    "inn": "7712345671",
    "kpp": "771201001",
    "ogrn": "1157746123457",
    "legal_address": "125009, г. Москва, ул. Тверская, д. 7, офис 12",
    "postal_address": "125009, г. Москва, ул. Тверская, д. 7, офис 12",
    "signatory_position": "Генеральный директор",
    "signatory_name": "Волков Дмитрий Андреевич",
    "chief_accountant": "Орлова Елена Викторовна",
    "phone": "+74951234567",
    "email": "info@pixel.example.ru",
    "site": "https://pixel.example.ru",
}
SELLER_ACCOUNT = {**SBER, "settlement_account": "40702810938000012345"}

CLIENTS = [
    (
        {
            "kind": Client.Kind.LEGAL,
            "name": "ООО «Ромашка»",
            "full_name": "Общество с ограниченной ответственностью «Ромашка»",
            "inn": "5003123458",
            "kpp": "500301001",
            "ogrn": "1105003123455",
            "okpo": "12345678",
            "legal_address": "142703, Московская обл., г. Видное, ул. Школьная, д. 14",
            "signatory_position": "Генеральный директор",
            "signatory_name": "Петров Сергей Николаевич",
            "chief_accountant": "Лебедева Татьяна Игоревна",
            "phones": ["+74957654321"],
            "emails": ["office@romashka.example.ru"],
        },
        {**TBANK, "settlement_account": "40702810210000123456"},
    ),
    (
        {
            "kind": Client.Kind.ENTREPRENEUR,
            "person_name": "Соколова Марина Викторовна",
            "inn": "771234567859",
            "ogrnip": "318774600123452",
            "ogrnip_date": datetime.date(2018, 4, 17),
            "registration_address": "117335, г. Москва, ул. Гарибальди, д. 21, кв. 40",
            "phones": ["+79161234509"],
            "emails": ["sokolova@example.ru"],
        },
        {**SBER, "settlement_account": "40802810438000054321"},
    ),
    (
        {
            "kind": Client.Kind.PERSON,
            "person_name": "Кузьмин Андрей Павлович",
            "inn": "772345678901",
            "birth_date": datetime.date(1985, 3, 14),
            "passport_series": "4510",
            "passport_number": "123456",
            "passport_issued_by": "ГУ МВД России по г. Москве",
            "passport_issued_date": datetime.date(2015, 6, 10),
            "passport_code": "770-001",
            "registration_address": "129226, г. Москва, ул. Сельскохозяйственная, д. 3, кв. 15",
            "phones": ["+79031234510"],
            "emails": ["kuzmin@example.ru"],
        },
        {**SBER, "settlement_account": "40817810838000098765"},
    ),
]
CLIENT_INNS = [values["inn"] for values, _ in CLIENTS]


def load(stdout):
    head = User.objects.filter(username="head").first()
    manager = User.objects.filter(username="manager").first()
    if not Seller.objects.exists():
        seller = services.seller_save(
            seller=Seller(**SELLER, is_active=True),
            by=head,
            accounts=[BankAccount(**SELLER_ACCOUNT, is_default=True)],
        )
        stdout.write(f"Реквизиты продавца: {seller}")
    for values, account in CLIENTS:
        if Client.objects.filter(inn=values["inn"]).exists():
            continue
        client = services.client_save(
            client=Client(**values, created_by=manager),
            by=manager,
            accounts=[BankAccount(**account, is_default=True)],
        )
        stdout.write(f"Клиент: {client}")
