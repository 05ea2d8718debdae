from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from contacts.models import Seller
from crm.formats import date_long
from deals.models import Deal, Stage, StageAutomation

from . import services
from .models import Calculation, CatalogGroup, CatalogItem, Invoice, Payment, Unit
from .payments import get_provider
from .services import LineData

GROUPS = ["Разработка", "Дизайн", "Продвижение", "Хостинг и домены", "Поддержка"]

# sku, group, name, kind, unit, price, vat rate (None: the seller's default)
CATALOG = [
    ("WEB-001", "Разработка", "Разработка сайта-визитки", "service", Unit.SERVICE, "60000", None),
    (
        "WEB-002",
        "Разработка",
        "Разработка корпоративного сайта",
        "service",
        Unit.SERVICE,
        "180000",
        None,
    ),
    (
        "WEB-003",
        "Разработка",
        "Разработка интернет-магазина",
        "service",
        Unit.SERVICE,
        "350000",
        None,
    ),
    ("WEB-004", "Разработка", "Вёрстка страницы по макету", "service", Unit.PIECE, "7500", None),
    ("WEB-005", "Разработка", "Программирование (час)", "service", Unit.HOUR, "2500", None),
    ("WEB-006", "Разработка", "Интеграция с 1С", "service", Unit.SERVICE, "45000", None),
    ("WEB-007", "Разработка", "Подключение онлайн-оплаты", "service", Unit.SERVICE, "15000", None),
    ("DES-001", "Дизайн", "Дизайн главной страницы", "service", Unit.PIECE, "25000", None),
    ("DES-002", "Дизайн", "Дизайн внутренней страницы", "service", Unit.PIECE, "9000", None),
    ("DES-003", "Дизайн", "Разработка логотипа", "service", Unit.SERVICE, "30000", None),
    ("DES-004", "Дизайн", "Адаптивная версия макетов", "service", Unit.SERVICE, "20000", None),
    ("SEO-001", "Продвижение", "SEO-аудит сайта", "service", Unit.SERVICE, "20000", None),
    ("SEO-002", "Продвижение", "SEO-продвижение", "service", Unit.MONTH, "35000", None),
    (
        "SEO-003",
        "Продвижение",
        "Настройка контекстной рекламы",
        "service",
        Unit.SERVICE,
        "18000",
        None,
    ),
    ("SEO-004", "Продвижение", "Копирайтинг (1000 знаков)", "service", Unit.PIECE, "800", None),
    ("HST-001", "Хостинг и домены", "Хостинг, тариф «Бизнес»", "service", Unit.MONTH, "990", None),
    ("HST-002", "Хостинг и домены", "Регистрация домена .ru", "service", Unit.YEAR, "890", None),
    ("HST-003", "Хостинг и домены", "SSL-сертификат", "good", Unit.YEAR, "3500", None),
    ("SUP-001", "Поддержка", "Техническая поддержка", "service", Unit.HOUR, "2000", None),
    (
        "SUP-002",
        "Поддержка",
        "Поддержка сайта, пакет 10 часов",
        "service",
        Unit.MONTH,
        "18000",
        None,
    ),
    (
        "SUP-003",
        "Поддержка",
        "Обучение сотрудников работе с сайтом",
        "service",
        Unit.HOUR,
        "3000",
        None,
    ),
]

# Calculations for the first open deals: (sku, quantity, line discount %) per line.
ESTIMATES = [
    [("WEB-002", "1", "0"), ("DES-001", "1", "0"), ("DES-002", "4", "10"), ("HST-002", "1", "0")],
    [("WEB-003", "1", "0"), ("WEB-007", "1", "0"), ("WEB-006", "1", "0"), ("HST-001", "12", "0")],
    [("WEB-001", "1", "0"), ("DES-003", "1", "0"), ("HST-003", "1", "0")],
    [("SEO-001", "1", "0"), ("SEO-002", "6", "5"), ("SEO-004", "20", "0")],
    [("SUP-002", "12", "0"), ("SUP-001", "7.5", "0")],
]


def load(stdout):
    groups = {}
    for order, name in enumerate(GROUPS, start=1):
        groups[name], _ = CatalogGroup.objects.get_or_create(name=name, defaults={"order": order})
    for sku, group, name, kind, unit, price, vat_rate in CATALOG:
        CatalogItem.objects.get_or_create(
            sku=sku,
            defaults={
                "group": groups[group],
                "name": name,
                "kind": kind,
                "unit": unit,
                "price": Decimal(price),
                "vat_rate": vat_rate,
            },
        )
    if not Calculation.objects.exists():
        _calculations(stdout)
    load_invoices(stdout)


def _calculations(stdout):
    items = {item.sku: item for item in CatalogItem.objects.all()}
    deals = list(
        Deal.objects.filter(stage__kind=Stage.Kind.OPEN)
        .select_related("manager")
        .order_by("created_at", "pk")[: len(ESTIMATES)]
    )
    for deal, estimate in zip(deals, ESTIMATES, strict=False):
        lines = [_line(items[sku], quantity, discount) for sku, quantity, discount in estimate]
        calc = services.calculation_save(
            deal=deal, by=deal.manager, lines=lines, title="Основной вариант"
        )
        stdout.write(f"Расчёт для сделки №{deal.pk}: {calc.total} ₽")
    if len(deals) >= 2:
        # A second, cheaper variant on one deal; and a calculation used by a sent proposal
        # (frozen) with a later version on another.
        first, second = deals[0], deals[1]
        services.calculation_save(
            deal=first,
            by=first.manager,
            title="Без дизайна внутренних страниц",
            lines=[_line(items["WEB-002"], "1", "0"), _line(items["HST-002"], "1", "0")],
            discount=Decimal("5"),
        )
        frozen = services.calculation_freeze(calculation=Calculation.objects.current_for(second))
        services.calculation_save(
            deal=second,
            by=second.manager,
            calculation=frozen,
            title="Основной вариант",
            lines=[
                _line(items[sku], quantity, discount)
                for sku, quantity, discount in ESTIMATES[1][:3]
            ],
        )


def _line(item: CatalogItem, quantity: str, discount: str) -> LineData:
    return LineData(
        name=item.name,
        quantity=Decimal(quantity),
        price=item.price,
        unit_code=item.unit,
        discount=Decimal(discount),
        vat_rate=item.vat_rate,
        catalog_item_id=item.pk,
    )


def load_invoices(stdout):
    """On the open demo deals that have a client: an issued invoice whose client link can be
    paid in the sandbox, and an invoice already paid online; and the stage a deal moves to
    when its invoice is paid."""
    settings_row = StageAutomation.load()
    if settings_row.invoice_paid_stage is None:
        settings_row.invoice_paid_stage = (
            Stage.objects.filter(kind=Stage.Kind.WON).order_by("order").first()
        )
        settings_row.save(update_fields=["invoice_paid_stage"])
    if Invoice.objects.exists() or Seller.objects.active() is None:
        return
    deals = list(
        Deal.objects.filter(client__isnull=False, stage__kind=Stage.Kind.OPEN)
        .select_related("manager")
        .order_by("-created_at", "-pk")[:2]
    )
    items = {item.sku: item for item in CatalogItem.objects.all()}
    issued = []
    for number, deal in enumerate(deals):
        calculation = Calculation.objects.current_for(deal)
        if calculation is not None:
            invoice = services.invoice_create(deal=deal, by=deal.manager, calculation=calculation)
        else:
            estimate = ESTIMATES[(number + 2) % len(ESTIMATES)]
            invoice = services.invoice_create(
                deal=deal,
                by=deal.manager,
                lines=[
                    _line(items[sku], quantity, discount) for sku, quantity, discount in estimate
                ],
                basis=f"Договор № {deal.pk}/{timezone.localdate():%y} от "
                f"{date_long(deal.created_at)}",
            )
        issued.append(services.invoice_issue(invoice=invoice, by=deal.manager))
    if len(issued) >= 2:
        _pay_online(issued[1])


def summary(stdout):
    """The client link of the first invoice that can still be paid (the demo's own, until
    someone pays it), with the SITE_URL this start serves."""
    for invoice in Invoice.objects.filter(status__in=Invoice.OPEN_STATUSES).order_by("pk"):
        if invoice.is_link_active:
            stdout.write(
                f"Счёт для клиента (оплачивается в песочнице): {invoice.public_url()} "
                f"— {invoice.title}, сделка №{invoice.deal_id}"
            )
            return


def _pay_online(invoice: Invoice) -> None:
    """Pay as a client would: in the sandbox when it is the provider, else by transfer."""
    if settings.PAYMENT_ONLINE and settings.PAYMENT_PROVIDER == "sandbox":
        services.invoice_payment_start(invoice=invoice, return_url=invoice.public_url())
        payment = invoice.payments.get(status=Payment.Status.PENDING)
        provider = get_provider("sandbox")
        body = provider.complete(payment.provider_payment_id, succeeded=True)
        state = provider.parse_notification(body=body, remote_addr="")
        services.payment_notification(provider=provider.code, state=state)
    else:
        services.payment_record(
            invoice=invoice,
            amount=invoice.total,
            paid_on=timezone.localdate(),
            method=Payment.Method.TRANSFER,
            by=invoice.deal.manager,
        )
