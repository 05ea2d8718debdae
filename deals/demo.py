import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from contacts.demo import CLIENT_INNS
from contacts.models import Client, Contact
from crm.models import User

from . import services
from .clients.services import deal_set_client
from .models import Deal, LeadSource, LossReason, Source, Stage

TITLES = [
    "Сайт-визитка для стоматологии",
    "Интернет-магазин детской одежды",
    "Редизайн корпоративного сайта",
    "Лендинг для курсов английского",
    "Доработка каталога на 1С-Битрикс",
    "Мобильная версия сайта автосервиса",
    "SEO-аудит и продвижение",
    "Контекстная реклама для фитнес-клуба",
    "Техподдержка сайта на год",
    "Сайт для юридической фирмы",
    "Портал для застройщика",
    "Личный кабинет клиента",
    "Интеграция сайта с CRM",
    "Сайт ресторана с онлайн-бронированием",
    "Каталог стройматериалов",
]
PEOPLE = [
    ("Сергей Иванов", "директор", "+79161234501"),
    ("Мария Петрова", "маркетолог", "+79161234502"),
    ("Алексей Соколов", "владелец", "+79161234503"),
    ("Елена Морозова", "руководитель отдела", "+79161234504"),
    ("Дмитрий Новиков", "менеджер проекта", "+79161234505"),
    ("Татьяна Лебедева", "главный бухгалтер", "+79161234506"),
    ("Павел Козлов", "ИТ-директор", "+79161234507"),
    ("Наталья Попова", "администратор", "+79161234508"),
]
DEMO_SOURCE = "Сайт студии"


def load(stdout):
    manager = User.objects.get(username="manager")
    manager2 = User.objects.get(username="manager2")
    source, _ = LeadSource.objects.get_or_create(
        name=DEMO_SOURCE,
        defaults={"manager": manager, "site_url": "https://studio.example.ru"},
    )
    if settings.CRM_DEMO_SITE_KEY and source.key != settings.CRM_DEMO_SITE_KEY:
        source.key = settings.CRM_DEMO_SITE_KEY
        source.save(update_fields=["key"])
    if not Deal.objects.exists():
        _deals(manager, manager2, source)
    _link_demo_clients(manager)
    if not Deal.objects.filter(description=FUNNEL_DEMO).exists():
        _funnel_history(manager, manager2)


def _deals(manager, manager2, source):
    rng = random.Random(2026)
    now = timezone.now()
    open_stages = list(Stage.objects.filter(kind=Stage.Kind.OPEN))
    won = Stage.objects.filter(kind=Stage.Kind.WON).first()
    lost = Stage.objects.filter(kind=Stage.Kind.LOST).first()
    reasons = list(LossReason.objects.filter(active=True))
    contacts = []
    for name, position, phone in PEOPLE:
        contact = Contact(name=name, position=position, created_by=manager)
        login = phone[-2:]
        services.contact_save(
            contact=contact, phones=[phone], emails=[f"client{login}@example.ru"], by=manager
        )
        contacts.append(contact)

    for i in range(30):
        who = manager if i % 3 else manager2
        created = now - timedelta(days=rng.randint(1, 175), hours=rng.randint(0, 8))
        deal = services.deal_create(
            title=TITLES[i % len(TITLES)] + ("" if i < len(TITLES) else " (второй этап)"),
            manager=who,
            by=who,
            source=rng.choice([Source.PHONE, Source.EMAIL, Source.WEBSITE, Source.VISIT]),
            budget=Decimal(rng.randrange(40, 900) * 1000),
            lead_source=source if i % 5 == 0 else None,
            at=created,
        )
        services.contact_link(deal=deal, contact=contacts[i % len(contacts)], by=who, at=created)
        if i % 4 == 0:
            services.contact_link(
                deal=deal, contact=contacts[(i + 3) % len(contacts)], by=who, at=created
            )
        services.comment_add(
            deal=deal,
            author=who,
            text="Клиент описал задачу по телефону, договорились прислать бриф.",
            at=created + timedelta(hours=1),
        )
        # Walk the deal along the pipeline; some skip a stage, some are lost or won.
        depth = rng.randint(0, len(open_stages) - 1)
        at = created
        for stage in open_stages[1 : depth + 1]:
            if rng.random() < 0.15:
                continue
            at = min(at + timedelta(days=rng.randint(1, 9)), now - timedelta(hours=1))
            services.deal_move(deal=deal, stage=stage, by=who, at=at)
        fate = rng.random()
        if fate < 0.3 and reasons:
            at = min(at + timedelta(days=rng.randint(1, 6)), now - timedelta(minutes=30))
            services.deal_move(
                deal=deal,
                stage=lost,
                by=who,
                loss_reason=rng.choice(reasons),
                comment="Клиент отказался, подробности в переписке.",
                at=at,
            )
        elif fate < 0.5 and depth >= 3:
            at = min(at + timedelta(days=rng.randint(1, 6)), now - timedelta(minutes=30))
            services.deal_move(deal=deal, stage=won, by=who, at=at)
        else:
            # Open deals: most have a next step, a few are overdue, a few have none.
            if i % 7 == 3:
                continue
            due = now + timedelta(days=rng.randint(-3, 7), hours=rng.randint(1, 8))
            task = services.task_create(
                deal=deal,
                author=who,
                assignee=manager2 if i % 6 == 1 else who,
                kind=rng.choice(["call", "meeting", "email"]),
                text="Созвониться и обсудить смету",
                due_at=due,
            )
            if i % 5 == 2:
                services.task_complete(task=task, by=who, result="Клиент ждёт КП до пятницы.")


def _link_demo_clients(manager):
    """Give the demo clients (made by contacts.demo) a deal each, once."""
    clients = list(Client.objects.filter(inn__in=CLIENT_INNS).order_by("pk"))
    if not clients or Deal.objects.filter(client__in=clients).exists():
        return
    deals = Deal.objects.filter(manager=manager, client__isnull=True).order_by("created_at")
    for deal, client in zip(deals, clients, strict=False):
        deal_set_client(deal=deal, client=client, by=manager)


def summary(stdout):
    source = LeadSource.objects.filter(name=DEMO_SOURCE).first()
    if source is not None:
        stdout.write(f"Ключ сайта «{source.name}» для /api/leads/: {source.key}")


FUNNEL_DEMO = "Демо-сделка: история этапов для отчёта «Воронка продаж»."
# Where and why deals are lost, as a small web studio sees it: each open stage (by position)
# with the loss reasons typical there.
LOSSES_BY_STAGE = {
    0: ["Спам или ошибочная заявка", "Не выходит на связь"],
    1: ["Нет бюджета", "Задача неактуальна", "Не выходит на связь"],
    2: ["Нет бюджета", "Задача неактуальна"],
    3: ["Дорого", "Выбрали конкурента"],
    4: ["Выбрали конкурента", "Дорого"],
    5: ["Нет бюджета"],
}
LEAVE_STAGE = [0.72, 0.7, 0.75, 0.6, 0.8, 0.85]  # chance to move on from each open stage


def _funnel_history(manager, manager2):
    """About 90 more deals over the last six months whose histories make a readable funnel:
    losses at every stage with the reasons typical there, skipped stages, a few deals lost
    and taken up again, wins after a contract and an invoice."""
    rng = random.Random(2027)
    now = timezone.now()
    open_stages = list(Stage.objects.filter(kind=Stage.Kind.OPEN))
    won = Stage.objects.filter(kind=Stage.Kind.WON).first()
    lost = Stage.objects.filter(kind=Stage.Kind.LOST).first()
    reasons = {r.name: r for r in LossReason.objects.filter(active=True)}
    if not open_stages or won is None or lost is None or not reasons:
        return
    for i in range(90):
        who = manager if i % 5 in (0, 2, 4) else manager2
        created = now - timedelta(days=rng.uniform(1, 180))
        deal = services.deal_create(
            title=f"{TITLES[i % len(TITLES)]} ({i + 1})",
            manager=who,
            by=who,
            source=rng.choice([Source.PHONE, Source.EMAIL, Source.WEBSITE, Source.VISIT]),
            budget=Decimal(rng.randrange(30, 1200) * 1000),
            description=FUNNEL_DEMO,
            at=created,
        )
        at, position, reopened = created, 0, False
        while True:
            at = at + timedelta(days=rng.uniform(0.5, 9))
            if at >= now - timedelta(hours=1):
                break  # still open at this stage
            if rng.random() > LEAVE_STAGE[position]:
                names = [n for n in LOSSES_BY_STAGE.get(position, []) if n in reasons]
                reason = reasons[rng.choice(names)] if names else rng.choice(list(reasons.values()))
                services.deal_move(
                    deal=deal,
                    stage=lost,
                    by=who,
                    loss_reason=reason,
                    comment=f"Отказ: {reason.name.lower()}.",
                    at=at,
                )
                if reopened or rng.random() > 0.08:
                    break
                # The client came back: the deal is taken up again a stage further on.
                reopened = True
                at = at + timedelta(days=rng.uniform(3, 15))
                if at >= now - timedelta(hours=1):
                    break
                position = min(position + 1, len(open_stages) - 1)
                services.deal_move(deal=deal, stage=open_stages[position], by=who, at=at)
                continue
            if position == len(open_stages) - 1:
                services.deal_move(deal=deal, stage=won, by=who, at=at)
                break
            step = 2 if position in (1, 3) and rng.random() < 0.15 else 1  # skips a stage
            position = min(position + step, len(open_stages) - 1)
            services.deal_move(deal=deal, stage=open_stages[position], by=who, at=at)
        if rng.random() < 0.8:
            deal.refresh_from_db()
            if deal.stage.is_open:
                services.task_create(
                    deal=deal,
                    author=who,
                    assignee=who,
                    kind=rng.choice(["call", "meeting", "email"]),
                    text="Следующий шаг по сделке",
                    due_at=now + timedelta(days=rng.randint(-2, 6), hours=rng.randint(1, 8)),
                )
