import secrets
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from contacts.models import Client, Contact, ContactEmail, ContactPhone
from crm.models import TimeStampedModel
from crm.rows import row_url

from . import history, schedule


class Stage(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", "В работе"
        WON = "won", "Успешно"
        LOST = "lost", "Проиграна"

    name = models.CharField("название", max_length=100)
    order = models.PositiveIntegerField("порядок", default=0, db_index=True)
    kind = models.CharField("вид", max_length=8, choices=Kind, default=Kind.OPEN)

    class Meta:
        verbose_name = "этап"
        verbose_name_plural = "этапы воронки"
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        """A stage moved in the pipeline or of another kind changes which stage is the
        furthest each deal was at: that is recounted in the same transaction."""
        with transaction.atomic():
            before = None
            if not self._state.adding:
                before = Stage.objects.filter(pk=self.pk).values("order", "kind").first()
            super().save(*args, **kwargs)
            if before and before != {"order": self.order, "kind": self.kind}:
                history.history_refresh(deal_model=Deal, change_model=StageChange, moves=False)

    @property
    def is_open(self) -> bool:
        return self.kind == self.Kind.OPEN

    @property
    def is_lost(self) -> bool:
        return self.kind == self.Kind.LOST

    @property
    def is_won(self) -> bool:
        return self.kind == self.Kind.WON

    @classmethod
    def first_open(cls) -> "Stage":
        return cls.objects.filter(kind=cls.Kind.OPEN).order_by("order", "pk").first()


class LossReason(models.Model):
    name = models.CharField("причина", max_length=200)
    order = models.PositiveIntegerField("порядок", default=0)
    active = models.BooleanField("используется", default=True)

    class Meta:
        verbose_name = "причина отказа"
        verbose_name_plural = "причины отказа"
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


def _event_stage(verbose_name: str, event: str) -> models.ForeignKey:
    return models.ForeignKey(
        Stage,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        # Losing needs a person's reason and comment: not something an event does.
        limit_choices_to={"kind__in": [Stage.Kind.OPEN, Stage.Kind.WON]},
        help_text=f"Когда {event}, открытая сделка на более раннем этапе переходит на этот "
        "(назад и из закрытых сделок — никогда). Пусто — этап не меняется.",
    )


class StageAutomation(models.Model):
    """The stage each business event moves a deal to (through services.deal_advance).
    One row, edited in the admin."""

    proposal_accepted_stage = _event_stage(
        "этап после принятия КП", "клиент принимает коммерческое предложение"
    )
    contract_accepted_stage = _event_stage(
        "этап после принятия договора", "клиент соглашается с условиями договора"
    )
    invoice_paid_stage = _event_stage("этап после оплаты счёта", "счёт оплачен полностью")

    class Meta:
        verbose_name = "переходы этапов по событиям"
        verbose_name_plural = "переходы этапов по событиям"

    def __str__(self):
        return "Переходы этапов по событиям"

    @classmethod
    def load(cls) -> "StageAutomation":
        """The one row, created empty the first time it is asked for."""
        rows = cls.objects.select_related(
            "proposal_accepted_stage", "contract_accepted_stage", "invoice_paid_stage"
        )
        row, _ = rows.get_or_create(pk=1)
        return row


class Source(models.TextChoices):
    PHONE = "phone", "Звонок"
    EMAIL = "email", "E-mail"
    VISIT = "visit", "Визит в офис"
    WEBSITE = "website", "Сайт"
    OTHER = "other", "Другое"


# The columns of a deal in a table of many (DealQuerySet.as_rows).
ROW_FIELDS = [
    "title",
    "source",
    "budget",
    "created_at",
    "updated_at",
    "stage_changed_at",
    "closed_at",
    "client_entrusted",
    "lead_source_id",
    "stage__name",
    "stage__order",
    "stage__kind",
    "manager__username",
    "manager__first_name",
    "manager__last_name",
    "manager__role",
    "manager__is_active",
    "client__name",
    "client__kind",
    "loss_reason__name",
]


class DealQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The one rule of who sees what: a head of sales sees every deal; a manager sees the
        deals they are responsible for and those where they hold an open task. What each of
        them may do there is deals.roles."""
        if not user.is_authenticated:
            return self.none()
        if user.is_head:
            return self.all()
        holds_task = Task.objects.filter(deal=OuterRef("pk"), assignee=user, done_at__isnull=True)
        return self.filter(Q(manager=user) | Exists(holds_task))

    _activity = False

    def _clone(self):
        clone = super()._clone()
        clone._activity = self._activity
        return clone

    def with_activity(self):
        """Deals with has_open_task and has_overdue_task set: counted for the fetched rows
        only, in one query after them. (As Exists() subqueries beside a LIMIT, PostgreSQL
        hashes every open task of the database to answer a page of 50.)"""
        clone = self._chain()
        clone._activity = True
        return clone

    def as_rows(self):
        """Deals for a table of many: with their stage, manager, client and loss reason, and
        only the columns a row shows (not the description, a client's requisites or a
        user's account)."""
        return self.select_related("stage", "manager", "client", "loss_reason").only(*ROW_FIELDS)

    def with_row_contacts(self):
        """The contacts a row names, with their phones: names and numbers only."""
        phones = ContactPhone.objects.only("contact_id", "number", "display")
        contacts = Contact.objects.only("name").prefetch_related(
            models.Prefetch("phones", queryset=phones)
        )
        return self.prefetch_related(models.Prefetch("contacts", queryset=contacts))

    def without_open_task(self):
        """Deals on which nobody holds an open task."""
        return self.filter(~Exists(Task.objects.filter(deal=OuterRef("pk"), done_at__isnull=True)))

    def _fetch_all(self):
        fetched = self._result_cache is None
        super()._fetch_all()
        if fetched and self._activity and self._result_cache:
            mark_activity([row for row in self._result_cache if isinstance(row, Deal)])

    def open(self):
        return self.filter(stage__kind=Stage.Kind.OPEN)

    def search(self, q: str):
        """Deals whose title contains q, or with a contact whose name or e-mail contains it,
        or whose phone contains its digits (four or more; a leading 8 of eleven reads +7)."""
        q = (q or "").strip()
        if not q:
            return self
        contact_match = Q(name__icontains=q) | Exists(
            ContactEmail.objects.filter(contact=OuterRef("pk"), email__icontains=q)
        )
        digits = "".join(c for c in q if c.isdigit())
        if len(digits) >= 4:
            if len(digits) == 11 and digits[0] == "8":
                digits = "7" + digits[1:]
            contact_match |= Exists(
                ContactPhone.objects.filter(contact=OuterRef("pk"), number__contains=digits)
            )
        return self.filter(
            Q(title__icontains=q)
            | Exists(Contact.objects.filter(contact_match, deals=OuterRef("pk")).values("pk")[:1])
        )

    def filtered(self, params: Mapping):
        """The deal list's filters: the cleaned data of deals.forms.DealFilterForm."""
        deals = self
        for field in ("stage", "manager", "source", "loss_reason"):
            if params.get(field):
                deals = deals.filter(**{field: params[field]})
        if params.get("date_from"):
            deals = deals.filter(created_at__date__gte=params["date_from"])
        if params.get("date_to"):
            deals = deals.filter(created_at__date__lte=params["date_to"])
        open_tasks = Task.objects.filter(deal=OuterRef("pk"), done_at__isnull=True)
        if params.get("no_task"):
            deals = deals.filter(~Exists(open_tasks), stage__kind=Stage.Kind.OPEN)
        if params.get("overdue"):
            deals = deals.filter(Exists(open_tasks.filter(due_at__lt=timezone.now())))
        return deals.search(params.get("q") or "")


def mark_activity(deals: list["Deal"]) -> None:
    """Set has_open_task and has_overdue_task on these deals, in one query."""
    if not deals:
        return
    now = timezone.now()
    flags = {
        row["deal_id"]: row
        for row in Task.objects.filter(deal__in=[d.pk for d in deals], done_at__isnull=True)
        .order_by()
        .values("deal_id")
        .annotate(overdue=models.Count("pk", filter=Q(due_at__lt=now)))
    }
    for deal in deals:
        row = flags.get(deal.pk)
        deal.has_open_task = row is not None
        deal.has_overdue_task = bool(row and row["overdue"])


class Deal(models.Model):
    title = models.CharField("название", max_length=255)
    source = models.CharField("источник", max_length=16, choices=Source, default=Source.PHONE)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ответственный",
        on_delete=models.PROTECT,
        related_name="deals",
    )
    stage = models.ForeignKey(
        Stage, verbose_name="этап", on_delete=models.PROTECT, related_name="deals"
    )
    budget = models.DecimalField(
        "бюджет, ₽", max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    description = models.TextField("описание", blank=True)
    client = models.ForeignKey(
        Client,
        verbose_name="клиент",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
    )
    # Attaching a client someone else created (by its ИНН) must not open its personal data:
    # see deals.clients.access.may_see_personal_data.
    client_entrusted = models.BooleanField(
        "клиент доверен ответственному",
        default=False,
        help_text="Клиента привязал тот, кто сам видит его персональные данные (создатель "
        "клиента, руководитель): ответственный за сделку видит паспорт и меняет реквизиты "
        "клиента. Привязка чужого клиента по ИНН этого не даёт.",
    )
    contacts = models.ManyToManyField(
        Contact, verbose_name="контактные лица", blank=True, related_name="deals"
    )
    loss_reason = models.ForeignKey(
        LossReason,
        verbose_name="причина отказа",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deals",
    )
    lead_source = models.ForeignKey(
        "LeadSource",
        verbose_name="сайт",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
    )
    created_at = models.DateTimeField("создана", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("изменена", auto_now=True)
    stage_changed_at = models.DateTimeField("этап с", default=timezone.now)
    closed_at = models.DateTimeField("закрыта", null=True, blank=True)
    # Kept by deals.history from the stage history, for the funnel report.
    furthest_stage = models.ForeignKey(
        Stage,
        verbose_name="самый дальний этап",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    was_won = models.BooleanField("была выиграна", default=False, editable=False)

    objects = DealQuerySet.as_manager()

    class Meta:
        verbose_name = "сделка"
        verbose_name_plural = "сделки"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["manager", "-created_at"], name="deal_manager_created"),
            models.Index(fields=["stage", "-created_at"], name="deal_stage_created"),
        ]

    def __str__(self):
        return f"№{self.pk} {self.title}"

    def get_absolute_url(self):
        return row_url("deals:detail", self.pk)

    @property
    def number(self) -> str:
        return str(self.pk)

    @property
    def is_closed(self) -> bool:
        return not self.stage.is_open

    def may_annul_documents(self, user) -> bool:
        """Annulling a numbered document of the deal (an invoice, a proposal, a contract) is
        for the deal's owner and the head of sales; a manager who only holds a task on the
        deal sees its documents but may not."""
        return bool(user.is_authenticated and (user.is_head or self.manager_id == user.pk))


class StageChange(models.Model):
    """Every move of a deal between stages: the history the funnel report is built from."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage,
        verbose_name="с этапа",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_stage = models.ForeignKey(
        Stage, verbose_name="на этап", on_delete=models.PROTECT, related_name="+"
    )
    loss_reason = models.ForeignKey(
        LossReason,
        verbose_name="причина отказа",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField("когда", default=timezone.now)
    # Kept by deals.history: the stay at from_stage is [entered_at, at), at to_stage
    # [at, left_at).
    entered_at = models.DateTimeField("на прежнем этапе с", null=True, blank=True, editable=False)
    left_at = models.DateTimeField("ушла с этапа", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "смена этапа"
        verbose_name_plural = "история этапов"
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["deal", "at"], name="stagechange_deal_at"),
            models.Index(fields=["at", "to_stage"], name="stagechange_at_stage"),
        ]

    def __str__(self):
        return f"{self.deal_id}: {self.from_stage} → {self.to_stage}"


class Task(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", "Звонок"
        MEETING = "meeting", "Встреча"
        EMAIL = "email", "Письмо"
        OTHER = "other", "Другое"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="tasks")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="исполнитель",
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="автор",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField("тип", max_length=16, choices=Kind, default=Kind.CALL)
    text = models.CharField("что сделать", max_length=500)
    due_at = models.DateTimeField("срок")
    created_at = models.DateTimeField("создана", default=timezone.now)
    done_at = models.DateTimeField("выполнена", null=True, blank=True)
    result = models.TextField("результат", blank=True)

    class Meta:
        verbose_name = "задача"
        verbose_name_plural = "задачи"
        ordering = ["done_at", "due_at", "pk"]
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_at"], name="task_assignee_open"),
            models.Index(fields=["deal", "done_at"], name="task_deal_open"),
            models.Index(fields=["due_at"], name="task_due"),
        ]

    def __str__(self):
        return self.text

    @property
    def edit_url(self) -> str:
        return row_url("deals:task_edit", self.deal_id, self.pk)

    @property
    def complete_url(self) -> str:
        return row_url("deals:task_complete", self.deal_id, self.pk)

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_at < timezone.now()


class Comment(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="автор",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField("комментарий")
    created_at = models.DateTimeField("создан", default=timezone.now)
    edited_at = models.DateTimeField("изменён", null=True, blank=True)
    deleted_at = models.DateTimeField("удалён", null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто удалил",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "комментарий"
        verbose_name_plural = "комментарии"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["deal", "-created_at"], name="comment_deal_created")]

    def __str__(self):
        return self.text[:60]

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def editable_until(self):
        return self.created_at + timedelta(minutes=settings.COMMENT_EDIT_MINUTES)

    def may_change(self, user, now=None) -> bool:
        """Only the author corrects or deletes a comment, and only for COMMENT_EDIT_MINUTES
        after writing it: the head of sales included, nobody puts words in someone else's
        mouth or takes them back, and after the window a comment is part of the record."""
        return (
            user.is_authenticated
            and self.author_id == user.pk
            and not self.is_deleted
            and (now or timezone.now()) < self.editable_until()
        )


class DealEvent(models.Model):
    """One row of the deal's timeline. Every app writes here through
    deals.services.timeline_add, so the card shows one feed in one query."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("когда", default=timezone.now)
    kind = models.CharField("вид", max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField("текст")
    url = models.CharField("ссылка", max_length=500, blank=True)
    # The comment an event shows: an edit changes both, a deletion leaves the event as a trace.
    comment = models.OneToOneField(
        Comment,
        verbose_name="комментарий",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event",
    )

    class Meta:
        verbose_name = "событие сделки"
        verbose_name_plural = "лента сделок"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["deal", "-at"], name="dealevent_deal_at")]

    def __str__(self):
        return f"{self.kind}: {self.text[:60]}"


def new_source_key() -> str:
    return secrets.token_urlsafe(32)


class LeadSource(TimeStampedModel):
    """A website (or another automatic source) that posts leads to /api/leads/ with its own
    key, and the head of sales' rules for its leads: who gets them, how soon the first call
    is due, what a repeat lead does."""

    class Routing(models.TextChoices):
        FIXED = "fixed", "Всегда одному менеджеру"
        ROUND_ROBIN = "round_robin", "По очереди среди активных менеджеров"

    name = models.CharField("название", max_length=200)
    key = models.CharField("ключ API", max_length=64, unique=True, default=new_source_key)
    routing = models.CharField(
        "кому отдавать заявки", max_length=16, choices=Routing, default=Routing.FIXED
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ответственный за заявки",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Получает все заявки; при очереди — только когда в ней нет ни одного "
        "активного менеджера.",
    )
    pool = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="очередь",
        blank=True,
        related_name="+",
        help_text="Менеджеры, между которыми заявки распределяются по очереди. Пусто — все "
        "активные менеджеры. Уволенный (неактивный) пропускается.",
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="последним получил заявку",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    first_task_minutes = models.PositiveIntegerField(
        "срок первого звонка, минут",
        default=30,
        help_text="Задача «Связаться с клиентом» ставится ответственному на столько минут "
        "рабочего времени после заявки (заявка в пятницу в 20:00 — в понедельник утром).",
    )
    work_hours = models.CharField(
        "рабочие часы",
        max_length=20,
        blank=True,
        validators=[schedule.validate_hours],
        help_text="Например 9:00-18:00, по времени TIME_ZONE. Пусто — как в настройках "
        "(WORK_HOURS).",
    )
    work_days = models.CharField(
        "рабочие дни",
        max_length=20,
        blank=True,
        validators=[schedule.validate_days],
        help_text="Дни недели от 1 (пн) до 7 (вс): 1-5 или 1,2,3,4,5,6. Пусто — как в "
        "настройках (WORK_DAYS).",
    )
    attach_repeat_leads = models.BooleanField(
        "повторную заявку — в открытую сделку",
        default=True,
        help_text="Заявка с телефона или e-mail, у которого уже есть открытая сделка, "
        "добавляется в неё комментарием, и её ответственный получает уведомление. "
        "Выключено — на каждую заявку новая сделка.",
    )
    site_url = models.URLField("адрес сайта", blank=True)
    thanks_url = models.URLField(
        "страница «спасибо» на сайте",
        blank=True,
        help_text="Куда вернуть посетителя после отправки HTML-формы.",
    )
    active = models.BooleanField("принимает заявки", default=True)

    class Meta:
        verbose_name = "сайт (источник заявок)"
        verbose_name_plural = "сайты (источники заявок)"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def work_time(self) -> "schedule.WorkTime":
        return schedule.work_time(self.work_hours, self.work_days)


class LeadRequest(models.Model):
    """Every request a website sent, kept whatever became of it."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Получена"
        CREATED = "created", "Создана сделка"
        ATTACHED = "attached", "Добавлена в открытую сделку"
        INVALID = "invalid", "Ошибка в данных"
        SPAM = "spam", "Спам (ловушка)"
        FAILED = "failed", "Сбой обработки"
        LIMITED = "limited", "Отложена: лимит заявок"

    source = models.ForeignKey(LeadSource, on_delete=models.PROTECT, related_name="requests")
    received_at = models.DateTimeField("получена", default=timezone.now, db_index=True)
    idempotency_key = models.CharField("Idempotency-Key", max_length=200, blank=True)
    # SHA-256 of the posted fields: a key replayed with other fields is refused (422).
    body_hash = models.CharField("хеш данных", max_length=64, blank=True, editable=False)
    payload = models.JSONField("данные", default=dict)
    remote_addr = models.GenericIPAddressField("IP", null=True, blank=True)
    status = models.CharField(
        "статус", max_length=16, choices=Status, default=Status.RECEIVED, db_index=True
    )
    errors = models.JSONField("ошибки", default=dict, blank=True)
    deal = models.ForeignKey(
        Deal, verbose_name="сделка", on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        verbose_name = "заявка с сайта"
        verbose_name_plural = "заявки с сайтов"
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="leadrequest_idempotency",
            )
        ]

    def __str__(self):
        return f"{self.source}: {self.received_at:%d.%m.%Y %H:%M}"


class StageTotal(models.Model):
    """How many deals, and for how much, each stage holds per manager and source: what the
    board's columns add up without reading the deals. The database keeps these rows in step
    with deals_deal itself (triggers of migration 0008, in the same transaction as every
    insert, update and delete, the bulk ones and the admin's included), so no code path can
    forget them. Rows are never read one by one: deals.board sums them."""

    stage = models.ForeignKey(
        Stage, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    source = models.CharField(max_length=16)
    deals = models.BigIntegerField(default=0)
    budget = models.DecimalField(max_digits=20, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        verbose_name = "итог этапа"
        verbose_name_plural = "итоги этапов"
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "manager", "source"], name="stagetotal_stage_manager_source"
            )
        ]

    def __str__(self):
        return f"{self.stage_id}/{self.manager_id}/{self.source}: {self.deals}"
