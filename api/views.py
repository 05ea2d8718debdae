"""The REST API, v1: thin views over the apps' own rules. Each queryset is the user's visible
rows (Deal.objects.visible_to, clients_visible_to, contacts_visible_to); each change is
checked by deals.roles, validated by the pages' form and done by the app's service, so the
API can do exactly what the pages can, with the same timeline entries and e-mails."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from billing.models import CatalogItem
from contacts import services as contact_services
from contacts.forms import ClientForm, ContactForm
from contacts.models import Client
from deals import listing, roles, services
from deals.clients.access import (
    clients_visible_to,
    exact_inn,
    may_edit_client,
    may_see_personal_data,
)
from deals.clients.services import deal_set_client
from deals.clients.views import CLIENT_EDIT_REFUSED, ClientFilterForm
from deals.contacts import contacts_visible_to
from deals.forms import (
    CommentForm,
    DealFilterForm,
    DealForm,
    DealMoveForm,
    TaskCompleteForm,
    TaskForm,
)
from deals.models import Comment, Deal, DealEvent, LossReason, Stage, Task

from . import serializers as out
from .base import (
    IDEMPOTENCY_PARAMETER,
    LIST_ERRORS,
    ApiViewSet,
    read,
    write,
)
from .forms import form_data, form_serializer, valid_form
from .idempotency import idempotent
from .pagination import NEWEST

NO_DEAL = "Сделки с таким номером нет, или она вам не видна."


def _list(**kwargs):
    return extend_schema(responses={200: kwargs.pop("serializer"), **LIST_ERRORS}, **kwargs)


def _deal_from_body(request, field: str = "deal") -> Deal:
    """The deal a body names, among those the user sees; a 400 at the field otherwise."""
    raw = request.data.get(field) if isinstance(request.data, dict) else None
    if raw in (None, ""):
        raise ValidationError({field: ["Укажите сделку."]})
    try:
        return Deal.objects.visible_to(request.user).select_related("stage").get(pk=int(raw))
    except (Deal.DoesNotExist, TypeError, ValueError):
        raise ValidationError({field: [NO_DEAL]}) from None


def _filter_form(form_class, request):
    form = form_class(request.query_params)
    return valid_form(form)


def _bool_param(request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise ValidationError({name: ["Ожидается true или false."]})


def _int_param(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) > 2**31:
        raise ValidationError({name: ["Ожидается номер (целое число)."]})
    return int(raw)


# Deals

DealBody = form_serializer(DealForm, "DealCreate")
DealPatchBody = form_serializer(DealForm, "DealUpdate", partial=True)
MoveBody = form_serializer(DealMoveForm, "DealMove")
DEAL_FILTERS = [
    OpenApiParameter(name, description=str(field.label), required=False, type=_type)
    for name, field, _type in [
        (n, f, bool if n in ("no_task", "overdue") else str)
        for n, f in DealFilterForm.base_fields.items()
    ]
]


class DealClientSerializer(serializers.Serializer):
    client = serializers.IntegerField(allow_null=True, help_text="Клиент; null — отвязать.")
    inn = serializers.CharField(
        required=False,
        help_text="Полный ИНН клиента, которого вы не видите: так его можно привязать, "
        "как и в карточке сделки.",
    )


class TimelineEventSerializer(serializers.ModelSerializer):
    actor = out.UserShortSerializer(read_only=True, allow_null=True)

    class Meta:
        model = DealEvent
        fields = ["id", "at", "kind", "text", "actor"]


@extend_schema_view(
    list=_list(serializer=out.DealSerializer(many=True), parameters=DEAL_FILTERS),
    retrieve=extend_schema(responses=read(out.DealSerializer)),
)
class DealViewSet(ApiViewSet):
    """Сделки: видны свои (и те, где у вас открытая задача); руководителю — все."""

    serializer_class = out.DealSerializer

    def get_queryset(self):
        return Deal.objects.visible_to(self.request.user).select_related(
            "stage", "manager", "client", "loss_reason"
        )

    def keyset(self, request):
        return listing.sort_order(getattr(self, "_sort", listing.DEFAULT_SORT))

    def list(self, request):
        cleaned = _filter_form(DealFilterForm, request)
        self._sort = cleaned.get("sort") or listing.DEFAULT_SORT
        # Other systems read every deal unless they ask for a status (the list page opens on
        # the deals in work).
        cleaned = {**cleaned, "status": cleaned.get("status") or "all"}
        deals = listing.sortable(self.get_queryset().filtered(cleaned), self._sort)
        page = self.paginate_queryset(deals)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def _for_edit(self) -> Deal:
        deal = self.get_object()
        roles.require_deal_edit(self.request.user, deal)
        return deal

    def _answer(self, deal, status=200):
        deal = (
            self.get_queryset()
            .model.objects.select_related("stage", "manager", "client", "loss_reason")
            .get(pk=deal.pk)
        )
        return Response(self.get_serializer(deal).data, status=status)

    @extend_schema(
        request=DealBody,
        responses=write(out.DealSerializer, 201),
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        data = form_data(request.data)
        data.setdefault("manager", str(request.user.pk))
        data.setdefault("source", "other")
        data.setdefault("budget", "0")
        cleaned = valid_form(DealForm(data))
        deal = services.deal_create(by=request.user, **cleaned)
        return self._answer(deal, status=201)

    @extend_schema(
        request=DealPatchBody,
        responses=write(out.DealSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def partial_update(self, request, pk=None):
        deal = self._for_edit()
        initial = {
            "title": deal.title,
            "source": deal.source,
            "manager": deal.manager_id,
            "budget": deal.budget,
            "description": deal.description,
        }
        cleaned = valid_form(DealForm(form_data(request.data, initial=initial), instance=deal))
        deal = services.deal_update(deal=deal, by=request.user, **cleaned)
        return self._answer(deal)

    @extend_schema(
        request=MoveBody,
        responses=write(out.DealSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
        description="Перевести сделку на этап. Проигрыш — с причиной отказа (loss_reason) "
        "и комментарием.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def move(self, request, pk=None):
        deal = self._for_edit()
        cleaned = valid_form(DealMoveForm(form_data(request.data)))
        deal = services.deal_move(deal=deal, by=request.user, **cleaned)
        return self._answer(deal)

    @extend_schema(
        request=DealClientSerializer,
        responses=write(out.DealSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
        description="Привязать клиента к сделке (null — отвязать).",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def client(self, request, pk=None):
        deal = self._for_edit()
        body = DealClientSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        client = None
        if body.validated_data["client"] is not None:
            allowed = clients_visible_to(request.user)
            inn = exact_inn(body.validated_data.get("inn", ""))
            if inn:
                allowed = allowed | Client.objects.filter(inn=inn)
            client = allowed.filter(pk=body.validated_data["client"]).first()
            if client is None:
                raise ValidationError(
                    {"client": ["Клиента с таким номером нет, или он вам не виден."]}
                )
        deal = deal_set_client(deal=deal, client=client, by=request.user)
        return self._answer(deal)

    @extend_schema(
        responses=read(
            inline_serializer(
                "PaginatedTimelineEventList",
                {
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": TimelineEventSerializer(many=True),
                },
            )
        ),
        parameters=[
            OpenApiParameter("after", str, description="Курсор из ссылки next."),
            OpenApiParameter("before", str, description="Курсор из ссылки previous."),
            OpenApiParameter("page_size", int, description="Строк на странице."),
        ],
        description="Лента сделки: события от новых к старым.",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def timeline(self, request, pk=None):
        deal = self.get_object()
        events = deal.events.select_related("actor").order_by("-at", "-pk")
        self.keyset = lambda request: (["-at", "-pk"], [datetime.datetime, int])
        from .pagination import KeysetPagination

        paginator = KeysetPagination()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response(TimelineEventSerializer(page, many=True).data)


# Tasks

TaskBody = form_serializer(
    TaskForm, "TaskCreate", extra={"deal": serializers.IntegerField(help_text="Сделка.")}
)
TaskPatchBody = form_serializer(TaskForm, "TaskUpdate", partial=True)
TaskCompleteBody = form_serializer(TaskCompleteForm, "TaskComplete")


@extend_schema_view(
    list=_list(
        serializer=out.TaskSerializer(many=True),
        parameters=[
            OpenApiParameter("deal", int, description="Задачи одной сделки."),
            OpenApiParameter("assignee", int, description="Задачи одного исполнителя."),
            OpenApiParameter("done", bool, description="true — выполненные, false — открытые."),
        ],
    ),
    retrieve=extend_schema(responses=read(out.TaskSerializer)),
)
class TaskViewSet(ApiViewSet):
    """Задачи сделок, которые вы видите."""

    serializer_class = out.TaskSerializer

    def get_queryset(self):
        visible = Deal.objects.visible_to(self.request.user)
        return Task.objects.filter(deal__in=visible.values("pk")).select_related(
            "assignee", "author", "deal"
        )

    def keyset(self, request):
        return ["due_at", "pk"], [datetime.datetime, int]

    def list(self, request):
        tasks = self.get_queryset()
        if (deal := _int_param(request, "deal")) is not None:
            tasks = tasks.filter(deal_id=deal)
        if (assignee := _int_param(request, "assignee")) is not None:
            tasks = tasks.filter(assignee_id=assignee)
        done = _bool_param(request, "done")
        if done is not None:
            tasks = tasks.filter(done_at__isnull=not done)
        page = self.paginate_queryset(tasks)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def _answer(self, task, status=200):
        return Response(
            self.get_serializer(self.get_queryset().get(pk=task.pk)).data, status=status
        )

    @extend_schema(
        request=TaskBody,
        responses=write(out.TaskSerializer, 201),
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        deal = _deal_from_body(request)
        roles.require_deal_edit(request.user, deal)
        data = form_data({k: v for k, v in request.data.items() if k != "deal"})
        data.setdefault("assignee", str(request.user.pk))
        data.setdefault("kind", Task.Kind.CALL)
        cleaned = valid_form(TaskForm(data))
        task = services.task_create(deal=deal, author=request.user, **cleaned)
        return self._answer(task, status=201)

    @extend_schema(
        request=TaskPatchBody,
        responses=write(out.TaskSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def partial_update(self, request, pk=None):
        task = self.get_object()
        # Changing a task (its assignee above all) is for whoever may change the deal: a
        # task holder completes their task but does not hand it on.
        roles.require_deal_edit(request.user, task.deal)
        initial = {
            "text": task.text,
            "kind": task.kind,
            "assignee": task.assignee_id,
            "due_at": task.due_at.replace(second=0, microsecond=0),
        }
        form = TaskForm(form_data(request.data, initial=initial), instance=task)
        cleaned = valid_form(form)
        task = services.task_update(task=Task.objects.get(pk=task.pk), by=request.user, **cleaned)
        return self._answer(task)

    @extend_schema(
        request=TaskCompleteBody,
        responses=write(out.TaskSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
        description="Выполнить задачу с результатом и, если нужно, поставить следующую.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request, pk=None):
        task = self.get_object()
        if not roles.may_complete_task(request.user, task):
            raise PermissionDenied(roles.NOT_YOUR_TASK)
        cleaned = valid_form(TaskCompleteForm(form_data(request.data)))
        task = services.task_complete(task=task, by=request.user, **cleaned)
        return Response(
            self.get_serializer(
                Task.objects.select_related("assignee", "author").get(pk=task.pk)
            ).data
        )


# Comments

CommentBody = form_serializer(
    CommentForm, "CommentCreate", extra={"deal": serializers.IntegerField(help_text="Сделка.")}
)


@extend_schema_view(
    list=_list(
        serializer=out.CommentSerializer(many=True),
        parameters=[OpenApiParameter("deal", int, description="Комментарии одной сделки.")],
    ),
    retrieve=extend_schema(responses=read(out.CommentSerializer)),
)
class CommentViewSet(ApiViewSet):
    """Комментарии в ленте сделок, которые вы видите. Оставить комментарий может каждый,
    кто видит сделку."""

    serializer_class = out.CommentSerializer

    def get_queryset(self):
        visible = Deal.objects.visible_to(self.request.user)
        return Comment.objects.filter(deal__in=visible.values("pk")).select_related("author")

    def keyset(self, request):
        return NEWEST

    def list(self, request):
        comments = self.get_queryset()
        if (deal := _int_param(request, "deal")) is not None:
            comments = comments.filter(deal_id=deal)
        page = self.paginate_queryset(comments)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        request=CommentBody,
        responses=write(out.CommentSerializer, 201),
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        deal = _deal_from_body(request)
        cleaned = valid_form(CommentForm(form_data({"text": request.data.get("text")})))
        comment = services.comment_add(deal=deal, author=request.user, text=cleaned["text"])
        return Response(self.get_serializer(comment).data, status=201)


# Contacts

CONTACT_LISTS = {"phones": "phones_text", "emails": "emails_text"}
CONTACT_RENAMES = {"phones_text": "phones", "emails_text": "emails"}
_strings = serializers.ListField(child=serializers.CharField(), required=False)
ContactBody = form_serializer(
    ContactForm,
    "ContactCreate",
    exclude=("phones_text", "emails_text"),
    extra={
        "deal": serializers.IntegerField(help_text="Сделка, к которой добавить контакт."),
        "phones": _strings,
        "emails": _strings,
    },
)
ContactPatchBody = form_serializer(
    ContactForm,
    "ContactUpdate",
    exclude=("phones_text", "emails_text", "create_anyway"),
    partial=True,
    extra={"phones": _strings, "emails": _strings},
)


@extend_schema_view(
    list=_list(
        serializer=out.ContactSerializer(many=True),
        parameters=[OpenApiParameter("deal", int, description="Контакты одной сделки.")],
    ),
    retrieve=extend_schema(responses=read(out.ContactSerializer)),
)
class ContactViewSet(ApiViewSet):
    """Контактные лица сделок, которые вы видите."""

    serializer_class = out.ContactSerializer

    def get_queryset(self):
        return contacts_visible_to(self.request.user).prefetch_related("phones", "emails")

    def list(self, request):
        contacts = self.get_queryset()
        if (deal := _int_param(request, "deal")) is not None:
            contacts = contacts.filter(deals=deal)
        page = self.paginate_queryset(contacts)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def _answer(self, contact, status=200):
        return Response(
            self.get_serializer(self.get_queryset().get(pk=contact.pk)).data, status=status
        )

    @extend_schema(
        request=ContactBody,
        responses=write(out.ContactSerializer, 201),
        parameters=[IDEMPOTENCY_PARAMETER],
        description="Новое контактное лицо сделки. Если контакт с тем же телефоном или "
        "e-mail уже есть, ответ 400 называет его; create_anyway=true создаёт новый всё равно.",
    )
    @idempotent
    def create(self, request):
        deal = _deal_from_body(request)
        roles.require_deal_edit(request.user, deal)
        body = {k: v for k, v in request.data.items() if k != "deal"}
        form = ContactForm(
            form_data(body, lists=CONTACT_LISTS), visible=contacts_visible_to(request.user)
        )
        cleaned = valid_form(form, CONTACT_RENAMES)
        contact = services.contact_save(
            contact=form.save(commit=False),
            phones=cleaned["phones_text"],
            emails=cleaned["emails_text"],
            deal=deal,
            by=request.user,
        )
        return self._answer(contact, status=201)

    @extend_schema(
        request=ContactPatchBody,
        responses=write(out.ContactSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def partial_update(self, request, pk=None):
        contact = self.get_object()
        # A contact is changed through a deal it serves that the user may change.
        served = Deal.objects.visible_to(request.user).filter(contacts=contact)
        if not any(roles.may_edit_deal(request.user, deal) for deal in served):
            raise PermissionDenied(roles.TASK_HOLDER_REFUSED)
        initial = {
            "name": contact.name,
            "position": contact.position,
            "messengers": contact.messengers,
            "note": contact.note,
            "phones_text": "\n".join(p.number for p in contact.phones.all()),
            "emails_text": "\n".join(e.email for e in contact.emails.all()),
        }
        form = ContactForm(
            form_data(request.data, initial=initial, lists=CONTACT_LISTS), instance=contact
        )
        cleaned = valid_form(form, CONTACT_RENAMES)
        contact = services.contact_save(
            contact=form.save(commit=False),
            phones=cleaned["phones_text"],
            emails=cleaned["emails_text"],
            by=request.user,
        )
        return self._answer(contact)


# Clients

CLIENT_LISTS = {"phones": "phones_text", "emails": "emails_text"}
ClientBody = form_serializer(
    ClientForm,
    "ClientCreate",
    exclude=("phones_text", "emails_text"),
    extra={"phones": _strings, "emails": _strings},
)
ClientPatchBody = form_serializer(
    ClientForm,
    "ClientUpdate",
    exclude=("phones_text", "emails_text"),
    partial=True,
    extra={"phones": _strings, "emails": _strings},
)
DUPLICATE_INN = "Клиент с таким ИНН уже есть: найдите его в списке клиентов."


@extend_schema_view(
    list=_list(
        serializer=out.ClientSerializer(many=True),
        parameters=[
            OpenApiParameter("q", str, description="Название, ИНН, телефон или e-mail."),
            OpenApiParameter("kind", str, enum=[k for k, _ in Client.Kind.choices]),
        ],
    ),
    retrieve=extend_schema(responses=read(out.ClientSerializer)),
)
class ClientViewSet(ApiViewSet):
    """Клиенты с реквизитами и банковскими счетами. Персональные данные (паспорт, дата
    рождения, счёт физлица) видны тем же, кому и в карточке клиента."""

    serializer_class = out.ClientSerializer

    def get_queryset(self):
        return clients_visible_to(self.request.user).prefetch_related("bank_accounts")

    def keyset(self, request):
        return ["name", "pk"], [str, int]

    def get_serializer_context(self):
        user = self.request.user
        return {
            **super().get_serializer_context(),
            "personal": lambda c: may_see_personal_data(user, c),
        }

    def list(self, request):
        cleaned = _filter_form(ClientFilterForm, request)
        clients = self.get_queryset().search(cleaned["q"])
        if cleaned["kind"]:
            clients = clients.filter(kind=cleaned["kind"])
        page = self.paginate_queryset(clients)
        # A list never shows personal data, as on the pages.
        context = {**self.get_serializer_context(), "personal": lambda c: False}
        return self.get_paginated_response(
            out.ClientSerializer(page, many=True, context=context).data
        )

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def _save(self, form, status):
        try:
            client = contact_services.client_save(
                client=form.apply_contacts(), by=self.request.user
            )
        except IntegrityError:
            raise ValidationError({"inn": [DUPLICATE_INN]}) from None
        return Response(
            self.get_serializer(self.get_queryset().get(pk=client.pk)).data, status=status
        )

    @extend_schema(
        request=ClientBody,
        responses=write(out.ClientSerializer, 201),
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def create(self, request):
        data = form_data(request.data, lists=CLIENT_LISTS)
        data.setdefault("kind", Client.Kind.LEGAL)
        data.setdefault("basis_kind", Client.Basis.CHARTER)
        form = ClientForm(data, instance=Client(created_by=request.user))
        valid_form(form, CONTACT_RENAMES)
        return self._save(form, 201)

    @extend_schema(
        request=ClientPatchBody,
        responses=write(out.ClientSerializer),
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @idempotent
    def partial_update(self, request, pk=None):
        client = self.get_object()
        if not may_edit_client(request.user, client):
            raise PermissionDenied(CLIENT_EDIT_REFUSED)
        unbound = ClientForm(instance=client)
        initial = {name: unbound[name].value() for name in unbound.fields}
        initial["phones_text"] = "\n".join(client.phones)
        initial["emails_text"] = "\n".join(client.emails)
        form = ClientForm(
            form_data(request.data, initial=initial, lists=CLIENT_LISTS), instance=client
        )
        valid_form(form, CONTACT_RENAMES)
        return self._save(form, 200)


# Reference lists: the pipeline, loss reasons, the catalog, the team.


@extend_schema_view(
    list=_list(serializer=out.StageSerializer(many=True)),
    retrieve=extend_schema(responses=read(out.StageSerializer)),
)
class StageViewSet(ApiViewSet):
    """Этапы воронки по порядку."""

    serializer_class = out.StageSerializer
    queryset = Stage.objects.all()

    def keyset(self, request):
        return ["order", "pk"], [int, int]

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)


@extend_schema_view(
    list=_list(serializer=out.LossReasonSerializer(many=True)),
    retrieve=extend_schema(responses=read(out.LossReasonSerializer)),
)
class LossReasonViewSet(StageViewSet):
    """Причины отказа (active=false — больше не предлагается)."""

    serializer_class = out.LossReasonSerializer
    queryset = LossReason.objects.all()


@extend_schema_view(
    list=_list(
        serializer=out.CatalogItemSerializer(many=True),
        parameters=[
            OpenApiParameter("q", str, description="Наименование или артикул."),
            OpenApiParameter("active", bool, description="Только в продаже (true) или снятые."),
        ],
    ),
    retrieve=extend_schema(responses=read(out.CatalogItemSerializer)),
)
class CatalogViewSet(ApiViewSet):
    """Каталог товаров и услуг."""

    serializer_class = out.CatalogItemSerializer

    def get_queryset(self):
        return CatalogItem.objects.all()

    def keyset(self, request):
        return ["name", "pk"], [str, int]

    def list(self, request):
        items = self.get_queryset().search(request.query_params.get("q", ""))
        active = _bool_param(request, "active")
        if active is not None:
            items = items.filter(active=active)
        page = self.paginate_queryset(items)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)


@extend_schema_view(
    list=_list(serializer=out.UserSerializer(many=True)),
    retrieve=extend_schema(responses=read(out.UserSerializer)),
)
class UserViewSet(ApiViewSet):
    """Сотрудники: ответственные и исполнители."""

    serializer_class = out.UserSerializer

    def get_queryset(self):
        return get_user_model().objects.all()

    def keyset(self, request):
        return ["pk"], [int]

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(responses=read(out.UserSerializer))
    @action(detail=False, methods=["get"], pagination_class=None)
    def me(self, request):
        return Response(self.get_serializer(request.user).data)
