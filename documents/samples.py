"""Made-up parties, a deal and a calculation: the example values beside the editor and the
template preview. Plain objects with the fields of contacts' models that contacts.parties
reads (the calculation is a real billing model kept in memory), no database."""

import datetime
import html
from decimal import Decimal
from types import SimpleNamespace

from django.utils.html import strip_tags
from django.utils.text import Truncator

from billing import money
from billing.models import Calculation, CalculationLine, Unit

from .tags import TAGS, build_tags

KINDS = {
    "legal": "юрлицо",
    "entrepreneur": "ИП",
    "person": "физлицо",
}


def _bank(**extra):
    fields = {
        "bank_name": "ПАО Сбербанк, г. Москва",
        "bik": "044525225",
        "correspondent_account": "30101810400000000225",
        "settlement_account": "40702810938000012345",
    }
    return SimpleNamespace(**(fields | extra))


def sample_client(kind: str = "legal") -> SimpleNamespace:
    if kind == "entrepreneur":
        return SimpleNamespace(
            kind="entrepreneur",
            name="ИП Соколов Алексей Петрович",
            full_name="Индивидуальный предприниматель Соколов Алексей Петрович",
            person_name="Соколов Алексей Петрович",
            inn="500100732259",
            ogrnip="304500116000157",
            ogrnip_date=datetime.date(2004, 3, 12),
            okpo="0123456789",
            registration_address="141100, Московская обл., г. Щёлково, ул. Свирская, д. 5, кв. 12",
            postal_address="",
            signatory_name="Соколов Алексей Петрович",
            signatory_name_genitive="Соколова Алексея Петровича",
            phone_e164="+79161234503",
            email="sokolov@example.ru",
            default_bank_account=_bank(settlement_account="40802810938000054321"),
        )
    if kind == "person":
        return SimpleNamespace(
            kind="person",
            name="Морозова Елена Викторовна",
            full_name="Морозова Елена Викторовна",
            person_name="Морозова Елена Викторовна",
            inn="",
            registration_address="123456, г. Москва, ул. Лесная, д. 7, кв. 45",
            postal_address="",
            birth_date=datetime.date(1985, 7, 14),
            passport_series="4510",
            passport_number="123456",
            passport_issued_by="ГУ МВД России по г. Москве",
            passport_issued_date=datetime.date(2015, 2, 1),
            passport_code="770-001",
            phone_e164="+79161234504",
            email="morozova@example.ru",
            default_bank_account=None,
        )
    return SimpleNamespace(
        kind="legal",
        name="ООО «Ромашка»",
        full_name="Общество с ограниченной ответственностью «Ромашка»",
        inn="7707083893",
        kpp="770701001",
        ogrn="1027700132195",
        okpo="12345678",
        legal_address="125009, г. Москва, ул. Тверская, д. 1, офис 10",
        postal_address="125009, г. Москва, а/я 15",
        signatory_position="Генеральный директор",
        signatory_position_genitive="генерального директора",
        signatory_name="Иванов Сергей Николаевич",
        signatory_name_genitive="Иванова Сергея Николаевича",
        basis_kind="charter",
        chief_accountant="",
        phone_e164="+74951234567",
        email="info@romashka.example.ru",
        default_bank_account=_bank(),
    )


def sample_seller() -> SimpleNamespace:
    return SimpleNamespace(
        kind="legal",
        name="ООО «Веб-студия»",
        full_name="Общество с ограниченной ответственностью «Веб-студия»",
        inn="7736207543",
        kpp="773601001",
        ogrn="1027739850962",
        okpo="",
        legal_address="119021, г. Москва, ул. Льва Толстого, д. 16",
        postal_address="",
        signatory_position="Генеральный директор",
        signatory_position_genitive="генерального директора",
        signatory_name="Волкова Ольга Андреевна",
        signatory_name_genitive="Волковой Ольги Андреевны",
        basis_kind="charter",
        chief_accountant="Кузнецова Мария Ивановна",
        phone_e164="+74957397000",
        email="hello@studio.example.ru",
        default_bank_account=_bank(
            bank_name="АО «Т-Банк», г. Москва",
            bik="044525974",
            correspondent_account="30101810145250000974",
            settlement_account="40702810110000098765",
        ),
    )


def unsaved_calculation(
    lines: list[tuple[str, ...]],
    *,
    vat_mode: str = "included",
    vat_rate: str = "22",
    discount: str = "0",
) -> Calculation:
    """A billing Calculation with its lines in memory, never saved: (name, unit code,
    quantity, price[, VAT rate]) per line, every amount computed the way the calculator
    stores it."""
    rate = Decimal(vat_rate)
    parsed = [
        (name, unit, Decimal(q), Decimal(p), Decimal(line_rate[0]) if line_rate else rate)
        for name, unit, q, p, *line_rate in lines
    ]
    totals = money.calculate(
        [money.Line(quantity=q, price=p, vat_rate=r) for _, _, q, p, r in parsed],
        vat_mode=money.VatMode(vat_mode),
        discount=Decimal(discount),
    )
    calculation = Calculation(
        number=1,
        vat_mode=vat_mode,
        vat_rate=rate,
        discount=Decimal(discount),
        subtotal=totals.subtotal,
        discount_total=totals.discount,
        total_without_vat=totals.without_vat,
        total_vat=totals.vat,
        total=totals.total,
    )
    # line_list is a cached property: filling it keeps the lines off the database.
    calculation.__dict__["line_list"] = [
        CalculationLine(
            position=position,
            name=name,
            unit_code=unit,
            unit=Unit(unit).label,
            quantity=quantity,
            price=price,
            vat_rate=result.vat_rate,
            amount=result.amount,
            discount_share=result.discount_share,
            total_without_vat=result.without_vat,
            vat=result.vat,
            total=result.total,
        )
        for position, ((name, unit, quantity, price, _), result) in enumerate(
            zip(parsed, totals.lines, strict=True), start=1
        )
    ]
    return calculation


def sample_calculation() -> Calculation:
    return unsaved_calculation(
        [
            ("Дизайн главной страницы", Unit.SERVICE, "1", "45000.00"),
            ("Вёрстка шаблонов", Unit.PIECE, "6", "8000.00"),
            ("Настройка CMS и перенос контента", Unit.HOUR, "12.5", "2400.00"),
        ]
    )


def sample_deal() -> SimpleNamespace:
    manager = SimpleNamespace(
        first_name="Анна",
        last_name="Смирнова",
        username="manager",
        position="Менеджер по работе с клиентами",
        phone="+79161112233",
        email="manager@studio.example.ru",
    )
    return SimpleNamespace(
        number="128",
        title="Сайт для стоматологической клиники",
        budget=Decimal("120000.00"),
        manager=manager,
    )


def sample_tags(kind: str = "legal") -> dict[str, str]:
    """Values of every tag for a made-up document with a client of this legal form."""
    return build_tags(
        deal=sample_deal(),
        client=sample_client(kind),
        seller=sample_seller(),
        calculation=sample_calculation(),
        document_number="2026-0015",
        document_date=datetime.date(2026, 3, 5),
    )


def tag_examples() -> dict[str, str]:
    """One short plain-text example per tag, from the first legal form for which it has a
    value (a passport exists only for an individual)."""
    by_kind = [sample_tags(kind) for kind in KINDS]
    examples = {}
    for name, tag in TAGS.items():
        if tag.block and name == "calculation":
            examples[name] = "таблица: №, наименование, кол-во, ед., цена, сумма; итоги и НДС"
            continue
        value = next((v for v in (values[name] for values in by_kind) if strip_tags(v)), "")
        text = " ".join(html.unescape(strip_tags(value.replace("<br>", "; "))).split())
        if not text and name.startswith("seller."):
            # The made-up seller is an organisation: a sole proprietor's values are the
            # same as the client's.
            text = examples.get("client." + name.removeprefix("seller."), "")
        examples[name] = Truncator(text).chars(90)
    return examples
