import copy
import datetime
import re
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from contacts.forms import ContactForm
from contacts.models import Contact
from crm.public import client_ip, rate_limited
from crm.rows import row_url, short_datetime
from crm.staff import head_required, safe_next

from . import board as deal_board
from . import (
    intake,
    pagination,
    panels,
    roles,
    schedule,
    services,
    task_calendar_grid,
    timeline,
)
from .contacts import contacts_visible_to, responsible_for
from .forms import (
    BoardFilterForm,
    CommentForm,
    DateTimeLocalInput,
    DealFilterForm,
    DealForm,
    DealMoveForm,
    LeadForm,
    TaskCompleteForm,
    TaskForm,
)
from .models import Comment, Deal, Stage, Task

PAGE_SIZE = 50
SORTS = {
    "-created": (["-created_at", "-pk"], [datetime.datetime, int]),
    "created": (["created_at", "pk"], [datetime.datetime, int]),
    "-budget": (["-budget", "-pk"], [Decimal, int]),
    "budget": (["budget", "pk"], [Decimal, int]),
    "title": (["title", "pk"], [str, int]),
}
# A card shows the nearest tasks and the first contacts; «Показать все» brings the rest.
CARD_TASKS = 10
CARD_CONTACTS = 5


def _deals():
    return Deal.objects.select_related("stage", "manager", "client", "loss_reason", "lead_source")


def _get_deal_for_user(request, pk) -> Deal:
    return get_object_or_404(_deals().visible_to(request.user), pk=pk)


def _get_deal_for_edit(request, pk) -> Deal:
    """A deal the user sees (404) and may change (403 for a task holder): deals.roles."""
    return roles.get_deal_for_edit(request, pk, _deals())


def _get_task_for_edit(request, deal_pk, task_pk) -> Task:
    """A task to change (text, type, assignee, due): on a deal the user may change."""
    deal = _get_deal_for_edit(request, deal_pk)
    return get_object_or_404(Task.objects.select_related("deal", "assignee"), pk=task_pk, deal=deal)


def _get_task_to_complete(request, deal_pk, task_pk) -> Task:
    """A task the user may complete: their own, or any on a deal they may change."""
    deal = _get_deal_for_user(request, deal_pk)
    task = get_object_or_404(Task.objects.select_related("assignee"), pk=task_pk, deal=deal)
    task.deal = deal
    if not roles.may_complete_task(request.user, task):
        raise PermissionDenied(roles.NOT_YOUR_TASK)
    return task


def _get_contact_for_edit(request, deal_pk, contact_pk) -> tuple[Deal, Contact]:
    deal = _get_deal_for_edit(request, deal_pk)
    return deal, get_object_or_404(deal.contacts.all(), pk=contact_pk)


def _visible(request, deal) -> bool:
    return Deal.objects.visible_to(request.user).filter(pk=deal.pk).exists()


# Deals


def deal_list(request):
    form = DealFilterForm(request.GET or None)
    deals = Deal.objects.visible_to(request.user).with_activity().as_rows()
    if form.is_valid():
        deals = deals.filtered(form.cleaned_data)
        sort = form.cleaned_data.get("sort") or "-created"
    else:
        sort = "-created"
    order, kinds = SORTS[sort]
    deals = deals.with_row_contacts()
    page = pagination.paginate(
        deals,
        order=order,
        kinds=kinds,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=PAGE_SIZE,
    )
    query = request.GET.copy()
    query.pop("after", None)
    query.pop("before", None)
    return render(
        request,
        "deals/deal_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def deal_create(request):
    form = DealForm(request.POST or None, initial={"manager": request.user})
    if request.method == "POST" and form.is_valid():
        deal = services.deal_create(by=request.user, **form.cleaned_data)
        messages.success(request, f"Сделка №{deal.pk} создана. Поставьте по ней задачу.")
        return redirect(deal)
    return render(request, "deals/deal_form.html", {"form": form}, status=_status(form))


def deal_edit(request, pk):
    deal = _get_deal_for_edit(request, pk)
    form = DealForm(request.POST or None, instance=deal)
    if request.method == "POST" and form.is_valid():
        deal = services.deal_update(deal=deal, by=request.user, **form.cleaned_data)
        if not _visible(request, deal):
            # Handed over: the deal is the new manager's now.
            messages.success(
                request, f"Сделка №{deal.pk} передана: теперь за неё отвечает {deal.manager}."
            )
            return redirect("deals:list")
        messages.success(request, "Сделка сохранена.")
        return redirect(deal)
    return render(
        request, "deals/deal_form.html", {"form": form, "deal": deal}, status=_status(form)
    )


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


def deal_detail(request, pk):
    deal = _get_deal_for_user(request, pk)
    return render(request, "deals/deal_detail.html", _card_context(request, deal))


def _card_context(request, deal, show: str | None = None, **forms) -> dict:
    """Everything the card shows, fetched once: the panels of later apps receive the deal
    with what they share (deals.panels.shared), not each their own copy. The forms of
    folded sections («Поставить задачу», «Добавить контакт») come on demand, unless one
    comes back with errors."""
    tasks = list(deal.tasks.select_related("assignee").order_by("done_at", "due_at", "pk"))
    contacts = list(deal.contacts.prefetch_related("phones", "emails"))
    _row_urls(deal, contacts, edit_url="deals:contact_edit", unlink_url="deals:contact_unlink")
    stages = list(Stage.objects.all())
    open_tasks = [t for t in tasks if t.done_at is None]
    may_edit = roles.may_edit_deal(request.user, deal)
    tasks_shown = tasks if request.GET.get("tasks") == "all" else tasks[:CARD_TASKS]
    contacts_shown = contacts if request.GET.get("contacts") == "all" else contacts[:CARD_CONTACTS]
    contact_form = forms.get("contact_form")
    move_form = forms.get("move_form")
    return {
        "deal": deal,
        "may_edit": may_edit,
        "tasks": tasks_shown,
        "tasks_count": len(tasks),
        "tasks_more": len(tasks) - len(tasks_shown),
        "open_tasks": open_tasks,
        "next_task": min(open_tasks, key=lambda t: (t.due_at, t.pk), default=None),
        "has_open_task": bool(open_tasks),
        "contacts": contacts_shown,
        "all_contacts": contacts,
        "contacts_more": len(contacts) - len(contacts_shown),
        "stepper": _stepper(stages, deal),
        "move_form": move_form,
        "lost_stage": _lost_stage(stages, move_form),
        "task_form": forms.get("task_form"),
        "comment_form": forms.get("comment_form") or CommentForm(),
        **(_contact_form_context(contact_form) if contact_form else {}),
        **_timeline_context(
            request, deal, show=request.GET.get("timeline", "") if show is None else show
        ),
        "panels": panels.render_list(request, deal, shared={"recipients": _recipients(contacts)}),
        "now": timezone.now(),
    }


def _row_urls(deal: Deal, rows: list, **names: str) -> None:
    """Give each row of the card its links (row.edit_url = the URL of deals:contact_edit for
    the deal and the row), each pattern reversed once (crm.rows.row_url)."""
    for attr, name in names.items():
        for row in rows:
            setattr(row, attr, row_url(name, deal.pk, row.pk))


def _recipients(contacts: list[Contact]) -> list[str]:
    """document_links.document_recipients from the contacts the card has already loaded."""
    emails = sorted((c.name, e.pk, e.email) for c in contacts for e in c.emails.all())
    return [email for _, _, email in emails]


def _stepper(stages: list[Stage], deal: Deal) -> list[dict]:
    """The pipeline as steps: open stages in order, then the won and lost ones; a step
    before the current one is passed (a closed deal has passed every open stage)."""
    current = next((s for s in stages if s.pk == deal.stage_id), deal.stage)
    steps = []
    for stage in sorted(stages, key=lambda s: (not s.is_open, s.is_lost, s.order, s.pk)):
        if stage.pk == current.pk:
            state = "current"
        elif stage.is_open and (
            not current.is_open
            or (stage.order, stage.pk)
            < (
                current.order,
                current.pk,
            )
        ):
            state = "passed"
        else:
            state = "ahead"
        steps.append({"stage": stage, "state": state})
    return steps


def _lost_stage(stages: list[Stage], move_form) -> Stage | None:
    """The lost stage whose form (reason and comment) the card shows open: the one a move
    came back from with errors."""
    if move_form is None or not move_form.is_bound:
        return None
    stage = getattr(move_form, "cleaned_data", {}).get("stage")
    return stage if stage is not None and stage.is_lost else None


def _timeline_context(request, deal, *, show: str, offset: int = 0) -> dict:
    rows = list(timeline.events_for_card(deal, show=show, offset=offset))
    events, more = rows[: timeline.PAGE_SIZE], len(rows) > timeline.PAGE_SIZE
    now = timezone.now()
    for event in events:
        comment = event.comment
        event.may_change = comment is not None and comment.may_change(request.user, now)
    return {
        "events": events,
        "timeline_show": show if show in timeline.FILTERS else "",
        "timeline_filters": timeline.FILTERS.values(),
        "timeline_next": offset + timeline.PAGE_SIZE if more else None,
    }


@require_GET
def deal_timeline(request, pk):
    """The timeline narrowed to one kind (comments, tasks, documents, money, stages) or its
    next page: a piece of the card for htmx, the card itself for a plain link."""
    deal = _get_deal_for_user(request, pk)
    show = request.GET.get("show", "")
    if not request.htmx:
        return render(request, "deals/deal_detail.html", _card_context(request, deal, show=show))
    try:
        offset = max(0, int(request.GET.get("offset", "0")))
    except ValueError:
        offset = 0
    context = {"deal": deal, **_timeline_context(request, deal, show=show, offset=offset)}
    template = "deals/includes/_timeline_events.html" if offset else "deals/includes/_timeline.html"
    if not offset:
        context["comment_form"] = CommentForm()
    return render(request, template, context)


def deal_move(request, pk):
    deal = _get_deal_for_edit(request, pk)
    stage = Stage.objects.filter(pk=request.GET.get("stage") or 0).first() or deal.stage
    form = DealMoveForm(request.POST or None, initial={"stage": stage})
    if request.method == "GET" and request.htmx:
        # The card's stepper asks for a lost stage's reason and comment in place.
        return render(request, "deals/includes/_stage_lost_form.html", {"deal": deal, "form": form})
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_move(deal=deal, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"Сделка №{deal.pk}: этап «{form.cleaned_data['stage']}».")
            return redirect(safe_next(request, deal.get_absolute_url()))
    if request.method == "POST" and request.POST.get("from") == "card":
        # A move from the card's stepper that needs more (a lost deal's reason and comment):
        # the card again, with the step's form open and what was typed kept.
        return render(
            request,
            "deals/deal_detail.html",
            _card_context(request, deal, move_form=form),
            status=400,
        )
    return render(
        request,
        "deals/deal_move.html",
        {"deal": deal, "form": form, "next": safe_next(request, "")},
        status=_status(form),
    )


def board(request):
    form = BoardFilterForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {}
    stages = list(Stage.objects.all())
    if request.htmx and request.GET.get("column"):
        # «Показать сделки» / «Свернуть» of a won or lost column.
        stage = next((s for s in stages if str(s.pk) == request.GET["column"]), None)
        if stage is None:
            return HttpResponseBadRequest("Такого этапа нет: обновите страницу.")
        expanded = [] if request.GET.get("collapse") else [stage.pk]
        columns = deal_board.columns(
            request.user, stages, params, only=[stage.pk], expanded=expanded
        )
        return render(
            request,
            "deals/includes/_board_column.html",
            _board_context(request, form, column=columns[0]),
        )
    columns = deal_board.columns(request.user, stages, params)
    return render(
        request,
        "deals/deal_board.html",
        _board_context(
            request,
            form,
            columns=columns,
            stages=stages,
            loss_form=DealMoveForm(),
            move_url=reverse("deals:board_move", args=[0]),
        ),
    )


def _board_context(request, form, **extra) -> dict:
    query = {k: v for k, v in form.data.items() if k in form.fields and v} if form.is_bound else {}
    return {
        "form": form,
        "query": urlencode(query),
        "board_url": reverse("deals:board"),
        "list_url": reverse("deals:list"),
        **extra,
    }


@require_POST
def board_move(request, pk):
    """A card dropped on another column, or a stage chosen in its menu. Answers the two
    columns (swapped out of band, the scroll stays where it was); 400 with the loss form
    and its errors; 409 with what to confirm first (an issued or paid invoice); 403, 404
    or 422 with the reason the card goes back."""
    try:
        deal = _get_deal_for_edit(request, pk)
    except PermissionDenied as exc:
        return _board_refusal(str(exc), status=403)
    form = DealMoveForm(request.POST)
    stage = form.fields["stage"].queryset.filter(pk=request.POST.get("stage") or None).first()
    if stage is None:
        return _board_refusal("Такого этапа нет: обновите страницу.", status=422)
    if not form.is_valid():
        if stage.is_lost:
            return _board_loss_form(request, form)
        reasons = [e for errors in form.errors.values() for e in errors]
        return _board_refusal(" ".join(reasons), status=422)
    warnings = deal_board.move_warnings(deal, stage)
    if warnings and not request.POST.get("confirmed"):
        return _board_refusal(" ".join(warnings), status=409)
    previous = deal.stage_id
    try:
        services.deal_move(deal=deal, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        if stage.is_lost:
            return _board_loss_form(request, form)
        return _board_refusal(" ".join(exc.messages), status=422)
    filters = BoardFilterForm(request.GET or None)
    touched = {previous, stage.pk}
    if str(request.POST.get("from_stage", "")).isdigit():
        touched.add(int(request.POST["from_stage"]))
    expanded = [int(x) for x in request.POST.getlist("expanded") if x.isdigit()]
    columns = deal_board.columns(
        request.user,
        list(Stage.objects.all()),
        filters.cleaned_data if filters.is_valid() else {},
        only=touched,
        expanded=expanded,
    )
    response = render(
        request,
        "deals/includes/_board_moved.html",
        _board_context(
            request,
            filters,
            columns=columns,
            status=f"Сделка №{deal.pk} «{deal.title}»: этап «{stage}».",
        ),
    )
    response["HX-Reswap"] = "none"
    return response


def _board_loss_form(request, form) -> HttpResponse:
    return render(request, "deals/includes/_board_loss_fields.html", {"form": form}, status=400)


def _board_refusal(reason: str, *, status: int) -> HttpResponse:
    return HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")


# Tasks


def _task_form(request, data=None) -> TaskForm:
    return TaskForm(data, initial={"assignee": request.user, "due_at": schedule.default_due()})


def task_create(request, pk):
    deal = _get_deal_for_edit(request, pk)
    if request.method != "POST":
        # The card's folded «Поставить задачу» asks for its form when opened.
        context = {"deal": deal, "task_form": _task_form(request)}
        if request.htmx:
            return render(request, "deals/includes/_task_form.html", context)
        return render(request, "deals/task_new.html", context)
    form = TaskForm(request.POST)
    if form.is_valid():
        services.task_create(deal=deal, author=request.user, **form.cleaned_data)
        messages.success(request, "Задача поставлена.")
        return redirect(deal.get_absolute_url() + "#tasks")
    return render(
        request, "deals/deal_detail.html", _card_context(request, deal, task_form=form), status=400
    )


def task_edit(request, pk, task_pk):
    task = _get_task_for_edit(request, pk, task_pk)
    context = {"task": task, "deal": task.deal, "next": safe_next(request, "")}
    if task.is_done:
        status = 400 if request.method == "POST" else 200
        return render(request, "deals/task_form.html", context, status=status)
    # The form works on a copy: the page names the task as it is stored, whatever was typed.
    form = TaskForm(request.POST or None, instance=copy.copy(task))
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(task=task, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Задача сохранена.")
            return redirect(safe_next(request, task.deal.get_absolute_url() + "#tasks"))
    return render(request, "deals/task_form.html", {**context, "form": form}, status=_status(form))


def task_complete(request, pk, task_pk):
    task = _get_task_to_complete(request, pk, task_pk)
    form = TaskCompleteForm(request.POST or None, initial={"next_due": schedule.default_due()})
    if request.method == "POST" and form.is_valid():
        services.task_complete(task=task, by=request.user, **form.cleaned_data)
        if not _visible(request, task.deal):
            # The task was why they saw the deal: its card would answer 404 now.
            messages.success(
                request,
                f"Задача выполнена. Сделка №{task.deal.pk} «{task.deal.title}» вам больше не "
                "видна: её ведёт ответственный менеджер.",
            )
            return redirect("deals:my_tasks")
        if form.cleaned_data["next_text"]:
            messages.success(request, "Задача выполнена, следующая поставлена.")
        else:
            messages.success(request, "Задача выполнена.")
        return redirect(safe_next(request, task.deal.get_absolute_url() + "#tasks"))
    return render(
        request,
        "deals/task_complete.html",
        {"task": task, "deal": task.deal, "form": form, "next": safe_next(request, "")},
        status=_status(form),
    )


FIELD_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,59}$")


@require_GET
def task_due(request):
    """The due field filled by a preset button («Через час», «Завтра в 10:00», «В
    понедельник»): htmx swaps this input for the form's own. The moment is counted here, in
    TIME_ZONE, not by the browser's clock."""
    preset = request.GET.get("preset", "")
    name = request.GET.get("name", "due_at")
    field_id = request.GET.get("id", f"id_{name}")
    if preset not in schedule.PRESETS or not (
        FIELD_NAME_RE.match(name) and FIELD_NAME_RE.match(field_id)
    ):
        return HttpResponseBadRequest("Неизвестный срок.")
    due = timezone.localtime(schedule.preset_due(preset))
    widget = DateTimeLocalInput(attrs={"class": "datetimelocalinput form-control"})
    return HttpResponse(widget.render(name, due, attrs={"id": field_id}))


MY_TASKS_GROUP_SIZE = 100
# What a row of «Мои задачи» shows of a task, its deal and its author.
MY_TASK_FIELDS = [
    "kind",
    "text",
    "due_at",
    "done_at",
    "deal_id",
    "author_id",
    "deal__title",
    "author__username",
    "author__first_name",
    "author__last_name",
]


def my_tasks(request):
    now = timezone.localtime()
    day_end = now.replace(hour=23, minute=59, second=59, microsecond=0)
    mine = Task.objects.filter(assignee=request.user, done_at__isnull=True)
    counts = mine.aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        today=Count("pk", filter=Q(due_at__gte=now, due_at__lte=day_end)),
        upcoming=Count("pk", filter=Q(due_at__gt=day_end)),
    )
    rows = mine.select_related("deal", "author").only(*MY_TASK_FIELDS).order_by("due_at", "pk")
    limit = MY_TASKS_GROUP_SIZE
    groups = [
        {
            "title": title,
            "color": color,
            "total": counts[key],
            "tasks": list(rows.filter(condition)[:limit]),
        }
        for key, title, color, condition in [
            ("overdue", "Просроченные", "danger", Q(due_at__lt=now)),
            ("today", "Сегодня", "primary", Q(due_at__gte=now, due_at__lte=day_end)),
            ("upcoming", "Предстоящие", "secondary", Q(due_at__gt=day_end)),
        ]
    ]
    here = row_url("deals:my_tasks")
    rows = engines["jinja2"].get_template("deals/task_rows.html")
    for group in groups:
        for task in group["tasks"]:
            task.due_text = short_datetime(task.due_at)
        # Autoescaped by Jinja2: safe to put in the page as it is.
        group["rows"] = mark_safe(  # noqa: S308
            rows.render(
                {"tasks": group["tasks"], "now": now, "user_pk": request.user.pk, "here": here}
            )
        )
    idle = (
        Deal.objects.filter(manager=request.user, stage__kind=Stage.Kind.OPEN)
        .without_open_task()
        .select_related("stage")
        .only("title", "stage__name")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "deals/task_my.html",
        {"groups": groups, "idle_deals": idle, "now": now},
    )


TEAM_TASKS_PER_PERSON = 30


@head_required
@require_GET
def team_tasks(request):
    """The head of sales' view: every person's open tasks, those with the most overdue
    first, counted in one aggregate query."""
    now = timezone.localtime()
    day_end = now.replace(hour=23, minute=59, second=59, microsecond=0)
    open_q = Q(tasks__done_at__isnull=True)
    people = list(
        get_user_model()
        .objects.annotate(
            overdue=Count("tasks", filter=open_q & Q(tasks__due_at__lt=now)),
            today=Count(
                "tasks", filter=open_q & Q(tasks__due_at__gte=now, tasks__due_at__lte=day_end)
            ),
            upcoming=Count("tasks", filter=open_q & Q(tasks__due_at__gt=day_end)),
            total=Count("tasks", filter=open_q),
        )
        .filter(Q(is_active=True, role=get_user_model().Role.MANAGER) | Q(total__gt=0))
        .order_by("-overdue", "-total", "first_name", "last_name", "pk")
    )
    ranked = Task.objects.filter(done_at__isnull=True).annotate(
        rank=Window(RowNumber(), partition_by=[F("assignee_id")], order_by=[F("due_at").asc()])
    )
    tasks = ranked.filter(rank__lte=TEAM_TASKS_PER_PERSON).select_related("deal", "deal__stage")
    by_person: dict[int, list] = {}
    for task in tasks.order_by("due_at", "pk"):
        by_person.setdefault(task.assignee_id, []).append(task)
    rows = [{"person": p, "tasks": by_person.get(p.pk, [])} for p in people]
    totals = {
        key: sum(getattr(p, key) for p in people)
        for key in ("overdue", "today", "upcoming", "total")
    }
    return render(
        request,
        "deals/task_team.html",
        {"rows": rows, "totals": totals, "now": now, "limit": TEAM_TASKS_PER_PERSON},
    )


@require_GET
def task_calendar(request):
    """My tasks, or the team's for the head of sales, on a week or a month grid."""
    view = "month" if request.GET.get("view") == "month" else "week"
    day = task_calendar_grid.parse_day(request.GET.get("date"))
    grid = task_calendar_grid.build(view, day)
    tasks = Task.objects.filter(due_at__gte=grid.starts, due_at__lt=grid.ends)
    team = request.user.is_head and request.GET.get("scope") == "team"
    person = None
    if team and request.GET.get("manager", "").isdigit():
        person = get_user_model().objects.filter(pk=request.GET["manager"]).first()
    if not team:
        tasks = tasks.filter(assignee=request.user)
    elif person is not None:
        tasks = tasks.filter(assignee=person)
    tasks = list(
        tasks.select_related("deal", "assignee").order_by("due_at", "pk")[
            : task_calendar_grid.MAX_TASKS + 1
        ]
    )
    cut = len(tasks) > task_calendar_grid.MAX_TASKS
    grid.place(tasks[: task_calendar_grid.MAX_TASKS])
    scope = {}
    if team:
        scope["scope"] = "team"
        if person is not None:
            scope["manager"] = person.pk
    return render(
        request,
        "deals/task_calendar.html",
        {
            "grid": grid,
            "view": view,
            "team": team,
            "person": person,
            "people": get_user_model().objects.filter(is_active=True) if team else [],
            "cut": cut,
            "scope_query": urlencode(scope),
            "now": timezone.now(),
        },
    )


# Comments


@require_POST
def comment_create(request, pk):
    deal = _get_deal_for_user(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.comment_add(deal=deal, author=request.user, text=form.cleaned_data["text"])
        form = CommentForm()
        if not request.htmx:
            return redirect(deal.get_absolute_url() + "#timeline")
    elif not request.htmx:
        return render(
            request,
            "deals/deal_detail.html",
            _card_context(request, deal, comment_form=form),
            status=400,
        )
    return _timeline_response(request, deal, form, status=200 if not form.errors else 400)


def _timeline_response(request, deal, comment_form=None, status=200):
    show = request.POST.get("show", "") or request.GET.get("show", "")
    context = {
        "deal": deal,
        "comment_form": comment_form or CommentForm(),
        **_timeline_context(request, deal, show=show),
    }
    return render(request, "deals/includes/_timeline.html", context, status=status)


def _get_comment_to_change(request, deal_pk, comment_pk) -> tuple[Deal, Comment]:
    """A comment of a deal the user sees (404 otherwise) that they may still change: their
    own, within COMMENT_EDIT_MINUTES (403 otherwise, with the reason)."""
    deal = _get_deal_for_user(request, deal_pk)
    comment = get_object_or_404(deal.comments.filter(deleted_at__isnull=True), pk=comment_pk)
    if not comment.may_change(request.user):
        raise PermissionDenied(
            services.COMMENT_WINDOW_CLOSED.format(minutes=settings.COMMENT_EDIT_MINUTES)
        )
    return deal, comment


def comment_edit(request, pk, comment_pk):
    deal, comment = _get_comment_to_change(request, pk, comment_pk)
    form = CommentForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        services.comment_edit(comment=comment, by=request.user, text=form.cleaned_data["text"])
        if request.htmx:
            # The form sits in its timeline row; the answer is the whole timeline.
            response = _timeline_response(request, deal)
            response["HX-Retarget"] = "#timeline-block"
            response["HX-Reswap"] = "outerHTML"
            return response
        messages.success(request, "Комментарий изменён.")
        return redirect(deal.get_absolute_url() + "#timeline")
    context = {"deal": deal, "comment": comment, "form": form}
    template = "deals/includes/_comment_edit.html" if request.htmx else "deals/comment_form.html"
    return render(request, template, context, status=_status(form))


@require_POST
def comment_delete(request, pk, comment_pk):
    deal, comment = _get_comment_to_change(request, pk, comment_pk)
    services.comment_delete(comment=comment, by=request.user)
    if request.htmx:
        return _timeline_response(request, deal)
    messages.success(request, "Комментарий удалён.")
    return redirect(deal.get_absolute_url() + "#timeline")


# Contacts


def _contact_form(request, data=None) -> ContactForm:
    """The new-contact form of a card: it offers as duplicates only contacts the user may see."""
    return ContactForm(data, visible=contacts_visible_to(request.user))


def _contact_form_context(form: ContactForm) -> dict:
    """The form, and whom to ask about matching contacts the user may not see (nothing of
    those contacts themselves)."""
    elsewhere = None
    if form.elsewhere is not None:
        elsewhere = {"manager": responsible_for(form.elsewhere)}
    return {"contact_form": form, "contact_elsewhere": elsewhere}


def _contacts_response(request, deal, form=None, status=200):
    if not request.htmx:
        if status == 200:
            return redirect(deal.get_absolute_url() + "#contacts")
        return render(
            request,
            "deals/deal_detail.html",
            _card_context(request, deal, contact_form=form),
            status=status,
        )
    contacts = list(deal.contacts.prefetch_related("phones", "emails"))
    _row_urls(deal, contacts, edit_url="deals:contact_edit", unlink_url="deals:contact_unlink")
    context = {"deal": deal, "contacts": contacts, "may_edit": True}
    if form is not None:
        context.update(_contact_form_context(form))
    return render(request, "deals/includes/_contacts.html", context, status=status)


def contact_create(request, pk):
    deal = _get_deal_for_edit(request, pk)
    if request.method != "POST":
        # The card's folded «Добавить контакт» asks for its form when opened.
        context = {"deal": deal, **_contact_form_context(ContactForm())}
        if request.htmx:
            return render(request, "deals/includes/_contact_new.html", context)
        return render(request, "deals/contact_new.html", context)
    form = _contact_form(request, request.POST)
    if form.is_valid():
        services.contact_save(
            contact=form.save(commit=False),
            phones=form.cleaned_data["phones_text"],
            emails=form.cleaned_data["emails_text"],
            deal=deal,
            by=request.user,
        )
        return _contacts_response(request, deal)
    return _contacts_response(request, deal, form, status=400)


@require_POST
def contact_link(request, pk):
    deal = _get_deal_for_edit(request, pk)
    # Only a contact the duplicate check offered: one the user may see, sharing a phone or
    # e-mail typed here.
    form = ContactForm(request.POST)
    form.is_valid()
    candidates = contacts_visible_to(request.user).matching(
        phones=form.cleaned_data.get("phones_text") or [],
        emails=form.cleaned_data.get("emails_text") or [],
    )
    contact = get_object_or_404(candidates, pk=request.POST.get("contact"))
    services.contact_link(deal=deal, contact=contact, by=request.user)
    return _contacts_response(request, deal)


def contact_edit(request, pk, contact_pk):
    deal, contact = _get_contact_for_edit(request, pk, contact_pk)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        services.contact_save(
            contact=form.save(commit=False),
            phones=form.cleaned_data["phones_text"],
            emails=form.cleaned_data["emails_text"],
            by=request.user,
        )
        response = _contacts_response(request, deal)
        if request.htmx:
            response["HX-Retarget"] = "#contacts-block"
        return response
    template = "deals/includes/_contact_edit.html" if request.htmx else "deals/contact_form.html"
    return render(
        request,
        template,
        {"deal": deal, "contact": contact, "form": form},
        status=_status(form),
    )


@require_POST
def contact_unlink(request, pk, contact_pk):
    deal, contact = _get_contact_for_edit(request, pk, contact_pk)
    services.contact_unlink(deal=deal, contact=contact, by=request.user)
    return _contacts_response(request, deal)


# Website intake


@login_not_required
@csrf_exempt
@require_POST
def lead_intake(request):
    """POST /api/leads/: JSON or a plain form post from a website, authenticated by the
    source key (Authorization: Bearer <key>, or a `key` field in a form). A browser posting
    the website's form gets pages; scripts get JSON."""
    posted = intake.read_post(request)
    html = posted.is_form and (
        posted.key_in_form or "text/html" in request.headers.get("Accept", "")
    )
    ip = client_ip(request)
    over_ip_limit = rate_limited(f"intake-ip:{ip}", settings.INTAKE_IP_RATE_PER_MINUTE)
    source = intake.find_source(posted.key)
    if source is None:
        if over_ip_limit:
            return _lead_answer(request, 429, errors=intake.TOO_MANY, html=html)
        errors = {"key": ["Неверный или отсутствующий ключ."]}
        return _lead_answer(request, 401, errors=errors, html=html)
    result = intake.lead_receive(
        source=source,
        posted=posted,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        remote_addr=ip or None,
        over_ip_limit=over_ip_limit,
    )
    return _lead_answer(
        request,
        result.status,
        errors=result.errors,
        deal_id=result.deal_id,
        source=source,
        html=html,
    )


def _lead_answer(request, status, *, errors=None, deal_id=None, source=None, html=False):
    if not html:
        body = {"id": deal_id} if status < 300 else {"errors": errors or {}}
        response = JsonResponse(body, status=status)
    elif status < 300:
        if source.thanks_url:
            return HttpResponseRedirect(source.thanks_url)
        return render(request, "deals/lead_thanks.html", {"source": source})
    elif status == 429:
        response = render(request, "deals/lead_limited.html", status=429)
    else:
        labels = {name: field.label for name, field in LeadForm.base_fields.items()}
        problems = [
            (labels.get(name, ""), message)
            for name, messages in (errors or {}).items()
            for message in messages
        ]
        referer = request.headers.get("Referer", "")
        back = referer if referer.startswith(("https://", "http://")) else ""
        context = {"problems": problems, "back_url": back or (source and source.site_url)}
        response = render(request, "deals/lead_error.html", context, status=status)
    if status == 429:
        response["Retry-After"] = "60"
    return response
