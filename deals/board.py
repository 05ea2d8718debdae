"""The board: the deals a user sees, in one column per stage. What it reads is kept flat
whatever the size of the deals table: the newest cards of each column come from one index
scan per stage, and the count and sum of each column from StageTotal (kept by the database
in step with every change of a deal), never from a scan of the deals.

Later apps add marks to the cards (an issued or paid invoice) with register_marks(): a
function (deal ids) -> {deal id: [Mark]} that runs one query whatever the number of ids."""

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, F, OuterRef, Subquery, Sum, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from crm import formats

from .models import Deal, Stage, StageTotal, Task

COLUMN_SIZE = 30
User = get_user_model()


@dataclass(frozen=True)
class Mark:
    """A badge on a card. A mark with a `warning` makes the board ask before the deal is
    lost or moved back to an earlier stage."""

    label: str
    color: str = "secondary"
    warning: str = ""


_markers: list[Callable[[list[int]], dict[int, list[Mark]]]] = []


def register_marks(func: Callable[[list[int]], dict[int, list[Mark]]]) -> None:
    if func not in _markers:
        _markers.append(func)


def marks(deal_ids: list[int]) -> dict[int, list[Mark]]:
    found: dict[int, list[Mark]] = {}
    if not deal_ids:
        return found
    for func in _markers:
        for deal_id, deal_marks in func(deal_ids).items():
            found.setdefault(deal_id, []).extend(deal_marks)
    return found


def move_warnings(deal: Deal, stage: Stage) -> list[str]:
    """What to confirm before the move: a deal with an issued or paid invoice that is lost
    or sent back to an earlier stage (a won deal reopened included)."""
    backwards = stage.is_lost or (
        stage.is_open and (not deal.stage.is_open or stage.order < deal.stage.order)
    )
    if not backwards or stage.pk == deal.stage_id:
        return []
    return [m.warning for m in marks([deal.pk]).get(deal.pk, []) if m.warning]


@dataclass
class Column:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal("0")
    deals: list = field(default_factory=list)
    # Won and lost columns show their count and sum; their cards are read on request.
    collapsed: bool = False
    total_text: str = ""
    total_exact: str = ""


def columns(
    user,
    stages: list[Stage],
    params: Mapping,
    *,
    only: Iterable[int] | None = None,
    expanded: Iterable[int] = (),
) -> list[Column]:
    """The board's columns for the user, filtered by the board's form (manager, source,
    «без задачи»). `only` limits them to some stages (the two a move touched); `expanded`
    names closed stages whose cards are shown."""
    wanted = [s for s in stages if only is None or s.pk in set(only)]
    expanded = set(expanded)
    cols = [Column(stage=s, collapsed=not s.is_open and s.pk not in expanded) for s in wanted]
    deals = Deal.objects.visible_to(user).filtered(params)
    rows = _newest(deals, [c.stage for c in cols if not c.collapsed])
    cards = _cards(rows, user, stages)
    for col in cols:
        col.deals = cards.get(col.stage.pk, [])
    sums = _totals(user, deals, params, [c.stage.pk for c in cols])
    for col in cols:
        col.count, col.total = sums.get(col.stage.pk, (0, Decimal("0")))
        col.total_text = rubles_short(col.total)
        col.total_exact = formats.money(col.total)
    return cols


def rubles_short(value: Decimal) -> str:
    """A sum as a column or a card shows it: «850 000 ₽», «12,3 млн ₽», «1,25 млрд ₽»."""
    value = Decimal(value or 0)
    for size, unit in ((Decimal(10) ** 9, "млрд"), (Decimal(10) ** 6, "млн")):
        if abs(value) >= size:
            short = f"{value / size:.2f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{short}\N{NO-BREAK SPACE}{unit}\N{NO-BREAK SPACE}₽"
    whole = f"{value.quantize(Decimal(1), ROUND_HALF_UP):,}".replace(",", "\N{NO-BREAK SPACE}")
    return f"{whole}\N{NO-BREAK SPACE}₽"


CARD_FIELDS = ("id", "created_at", "title", "budget", "stage_id", "manager_id", "client__name")


def _newest(deals, stages: list[Stage]) -> list[tuple]:
    """The newest cards of each column with their next open task: one index scan per
    stage, sent as one query."""
    next_due = Subquery(
        Task.objects.filter(deal=OuterRef("pk"), done_at__isnull=True)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    deals = deals.annotate(next_due=next_due)
    parts = [
        deals.filter(stage=stage)
        .order_by("-created_at", "-id")
        .values_list(*CARD_FIELDS, "next_due")[:COLUMN_SIZE]
        for stage in stages
    ]
    if not parts:
        return []
    if len(parts) == 1:
        rows = parts[0]
    elif connection.features.supports_slicing_ordering_in_compound:
        rows = parts[0].union(*parts[1:], all=True).order_by()
    else:
        rows = (
            deals.filter(stage__in=stages)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("stage_id")],
                    order_by=[F("created_at").desc(), F("id").desc()],
                )
            )
            .filter(rank__lte=COLUMN_SIZE)
            .values_list(*CARD_FIELDS, "next_due")
        )
    return sorted(rows, key=lambda row: (row[4], row[1], row[0]), reverse=True)


def _cards(rows: list[tuple], user, stages: list[Stage]) -> dict[int, list]:
    """The cards by stage, newest first, each as its finished HTML. Two more queries
    whatever the number of cards: the marks, and the names of managers of cards that are
    not the user's. A card is written by Card.html() rather than by the template engine,
    which spends about 0.1 ms on each of two hundred cards."""
    if not rows:
        return {}
    found = marks([row[0] for row in rows])
    foreign = {row[5] for row in rows if row[5] != user.pk}
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=foreign)} if foreign else {}
    open_stages = {s.pk for s in stages if s.is_open}
    now = timezone.now()
    detail = reverse("deals:detail", args=[0]).removesuffix("0/")
    by_stage: dict[int, list] = {}
    for pk, _, title, budget, stage_id, manager_id, client, due in rows:
        card = Card(
            pk=pk,
            title=title,
            url=f"{detail}{pk}/",
            budget=budget,
            client=client or "",
            manager=names.get(manager_id, ""),
            next_due=due,
            is_open=stage_id in open_stages,
            marks=found.get(pk, []),
        )
        by_stage.setdefault(stage_id, []).append(card.html(now))
    return by_stage


@dataclass
class Card:
    pk: int
    title: str
    url: str
    budget: Decimal
    client: str = ""
    manager: str = ""  # shown when the deal is someone else's
    next_due: datetime.datetime | None = None
    is_open: bool = True
    marks: list = field(default_factory=list)

    def html(self, now: datetime.datetime) -> SafeString:
        """Title, client, budget, the next task's date and the badges; «⋯» opens the page's
        one stage menu. Every value people type goes through escape()."""
        pk, title = self.pk, escape(self.title)
        idle = " deal-idle" if self.is_open and self.next_due is None else ""
        warning = " ".join(m.warning for m in self.marks if m.warning)
        warning = f' data-warning="{escape(warning)}"' if warning else ""
        who = " · ".join(x for x in (self.client, self.manager) if x)
        who = f'<div class="board-card-client">{escape(who)}</div>' if who else ""
        if self.next_due is not None:
            late = self.next_due < now
            when = timezone.localtime(self.next_due).strftime("%d.%m %H:%M")
            due = (
                f'<span class="board-card-due{" is-overdue" if late else ""}" '
                f'title="Ближайшая задача">{"просрочена " if late else ""}{when}</span>'
            )
        elif self.is_open:
            due = '<span class="badge text-bg-warning">нет задачи</span>'
        else:
            due = ""
        badges = "".join(
            f'<span class="badge text-bg-{escape(m.color)}">{escape(m.label)}</span>'
            for m in self.marks
        )
        return mark_safe(  # noqa: S308 (every value is escaped above)
            f'<article class="board-card{idle}" id="deal-{pk}" data-deal="{pk}"'
            f' data-title="№{pk} {title}"{warning} draggable="true">'
            '<div class="board-card-top">'
            f'<a class="board-card-title" href="{self.url}" draggable="false">{title}</a>'
            f'<button type="button" class="board-card-menu" id="deal-menu-{pk}"'
            ' aria-haspopup="menu" aria-expanded="false"'
            f' aria-label="Перевести сделку №{pk} на другой этап">⋯</button></div>'
            f'{who}<div class="board-card-foot">'
            f'<span class="board-card-budget">{rubles_short(self.budget)}</span>'
            f"{due}{badges}</div></article>"
        )


def _totals(user, deals, params: Mapping, stage_ids: list[int]) -> dict[int, tuple]:
    """Count and sum of each column. StageTotal holds every deal by stage, manager and
    source; Deal.objects.visible_to still decides what is counted: the head of sales sees
    every deal (all the rows), a manager their own deals (their rows) and, counted from the
    deals themselves, the few others they see through an open task. «Без задачи» depends on
    tasks, which StageTotal does not follow: it is counted from the open deals."""
    if params.get("no_task"):
        return _aggregate(deals.filter(stage_id__in=stage_ids))
    rows = StageTotal.objects.filter(stage_id__in=stage_ids)
    if params.get("manager"):
        rows = rows.filter(manager=params["manager"])
    if params.get("source"):
        rows = rows.filter(source=params["source"])
    others = None
    if not user.is_head:
        rows = rows.filter(manager=user)
        held = Task.objects.filter(assignee=user, done_at__isnull=True).values("deal_id")
        others = deals.filter(pk__in=held, stage_id__in=stage_ids).exclude(manager=user)
    sums = {
        row["stage_id"]: (row["n"] or 0, row["total"] or Decimal("0"))
        for row in rows.values("stage_id").annotate(n=Sum("deals"), total=Sum("budget"))
    }
    if others is not None:
        for stage_id, (n, total) in _aggregate(others).items():
            had_n, had_total = sums.get(stage_id, (0, Decimal("0")))
            sums[stage_id] = (had_n + n, had_total + total)
    return sums


def _aggregate(deals) -> dict[int, tuple]:
    return {
        row["stage_id"]: (row["n"], row["total"] or Decimal("0"))
        for row in deals.order_by().values("stage_id").annotate(n=Count("pk"), total=Sum("budget"))
    }
