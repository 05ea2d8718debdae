"""Proposals and contracts through the API: read, create from a template, send the client's
link, by documents' own services (a sent draft is fixed and numbered first)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from deals import roles
from deals.document_links import document_recipients
from deals.forms import DocumentSendForm
from documents import services as documents
from documents.models import Contract, DocumentTemplate, Proposal

from .base import IDEMPOTENCY_PARAMETER, ApiViewSet, read, write
from .forms import form_data, valid_form
from .idempotency import idempotent
from .pagination import NEWEST
from .views import _deal_from_body, _int_param, _list


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    deal = serializers.IntegerField(source="deal_id")
    template = serializers.IntegerField(source="template_id", allow_null=True)
    calculation = serializers.IntegerField(source="calculation_id", allow_null=True)
    title = serializers.CharField()
    number = serializers.CharField(source="number_label")
    version = serializers.IntegerField()
    status = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    first_opened_at = serializers.DateTimeField(allow_null=True)
    open_count = serializers.IntegerField()
    client_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_client_url(self, document) -> str | None:
        if document.is_draft or not document.is_link_active:
            return None
        return document.public_url()


class TemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentTemplate
        fields = ["id", "kind", "name", "active"]


class DocumentCreateSerializer(serializers.Serializer):
    deal = serializers.IntegerField()
    template = serializers.IntegerField(help_text="Шаблон этого вида документа.")


class DocumentSendSerializer(serializers.Serializer):
    to = serializers.EmailField(help_text="E-mail одного из контактных лиц сделки.")


def _document_views(model, create):
    noun = model.NOUN if hasattr(model, "NOUN") else ""

    @extend_schema_view(
        list=_list(
            serializer=DocumentSerializer(many=True),
            parameters=[OpenApiParameter("deal", int, description="Документы одной сделки.")],
        ),
        retrieve=extend_schema(responses=read(DocumentSerializer)),
    )
    class DocumentViewSet(ApiViewSet):
        serializer_class = DocumentSerializer

        def get_queryset(self):
            return model.objects.visible_to(self.request.user).select_related("deal")

        def keyset(self, request):
            return NEWEST

        def list(self, request):
            found = self.get_queryset()
            if (deal := _int_param(request, "deal")) is not None:
                found = found.filter(deal_id=deal)
            page = self.paginate_queryset(found)
            return self.get_paginated_response(self.get_serializer(page, many=True).data)

        def retrieve(self, request, pk=None):
            return Response(self.get_serializer(self.get_object()).data)

        @extend_schema(
            request=DocumentCreateSerializer,
            responses=write(DocumentSerializer, 201),
            parameters=[IDEMPOTENCY_PARAMETER],
            description=f"Черновик ({noun}) по шаблону, с текущим расчётом сделки.",
        )
        @idempotent
        def create(self, request):
            deal = _deal_from_body(request)
            roles.require_deal_edit(request.user, deal)
            body = DocumentCreateSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            template = (
                DocumentTemplate.objects.active()
                .of_kind(model.KIND)
                .filter(pk=body.validated_data["template"])
                .first()
            )
            if template is None:
                raise ValidationError({"template": ["Нет такого действующего шаблона."]})
            document = create(deal=deal, template=template, by=request.user)
            return Response(self.get_serializer(document).data, status=201)

        @extend_schema(
            request=DocumentSendSerializer,
            responses=write(DocumentSerializer),
            parameters=[IDEMPOTENCY_PARAMETER],
            description="Отправить клиенту ссылку на документ; черновик сначала "
            "фиксируется и получает номер.",
        )
        @action(detail=True, methods=["post"])
        @idempotent
        def send(self, request, pk=None):
            document = self.get_object()
            roles.require_deal_edit(request.user, document.deal)
            recipients = document_recipients(document.deal)
            data = form_data(request.data)
            # The key of the request stands for the form's nonce: a retry sends once.
            data["nonce"] = request.headers.get("Idempotency-Key", "")[:32]
            valid_form(DocumentSendForm(data, recipients=recipients))
            documents.document_send(
                document=document, to=data["to"], by=request.user, nonce=data["nonce"]
            )
            return Response(self.get_serializer(model.objects.get(pk=document.pk)).data)

    DocumentViewSet.__name__ = f"{model.__name__}ViewSet"
    DocumentViewSet.__qualname__ = DocumentViewSet.__name__
    DocumentViewSet.__doc__ = (
        f"{model._meta.verbose_name_plural.capitalize()} сделок, которые вы видите."
    )
    return DocumentViewSet


ProposalViewSet = _document_views(Proposal, documents.proposal_create)
ContractViewSet = _document_views(Contract, documents.contract_create)


@extend_schema_view(
    list=_list(
        serializer=TemplateSerializer(many=True),
        parameters=[OpenApiParameter("kind", str, enum=DocumentTemplate.Kind.values)],
    ),
    retrieve=extend_schema(responses=read(TemplateSerializer)),
)
class DocumentTemplateViewSet(ApiViewSet):
    """Шаблоны документов (для создания КП и договоров)."""

    serializer_class = TemplateSerializer

    def get_queryset(self):
        return DocumentTemplate.objects.all()

    def keyset(self, request):
        return ["pk"], [int]

    def list(self, request):
        templates = self.get_queryset()
        if kind := request.query_params.get("kind"):
            templates = templates.of_kind(kind)
        page = self.paginate_queryset(templates)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)
