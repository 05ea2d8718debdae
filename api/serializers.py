"""What the API answers with: read-only representations. Writes are validated by the pages'
own forms (api.forms) and done by the apps' services."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import CatalogItem
from contacts.models import BankAccount, Client, Contact
from deals.models import Comment, Deal, LossReason, Stage, Task


class UserShortSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = get_user_model()
        fields = ["id", "name"]


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "name", "first_name", "last_name", "role", "position"]
        fields += ["email", "phone", "is_active"]


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "name", "order", "kind"]


class LossReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = LossReason
        fields = ["id", "name", "order", "active"]


class ClientShortSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "kind", "name", "inn"]


class DealSerializer(serializers.ModelSerializer):
    stage = StageSerializer(read_only=True)
    manager = UserShortSerializer(read_only=True)
    client = ClientShortSerializer(read_only=True, allow_null=True)
    loss_reason = LossReasonSerializer(read_only=True, allow_null=True)
    number = serializers.CharField(read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id",
            "number",
            "title",
            "stage",
            "manager",
            "budget",
            "source",
            "description",
            "client",
            "loss_reason",
            "created_at",
            "updated_at",
            "stage_changed_at",
            "closed_at",
        ]


class TaskSerializer(serializers.ModelSerializer):
    assignee = UserShortSerializer(read_only=True)
    author = UserShortSerializer(read_only=True, allow_null=True)
    deal = serializers.PrimaryKeyRelatedField(read_only=True)
    is_done = serializers.BooleanField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "deal",
            "kind",
            "text",
            "assignee",
            "author",
            "due_at",
            "created_at",
            "done_at",
            "result",
            "is_done",
            "is_overdue",
        ]


class CommentSerializer(serializers.ModelSerializer):
    author = UserShortSerializer(read_only=True, allow_null=True)
    deal = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "deal", "author", "text", "created_at"]


class ContactSerializer(serializers.ModelSerializer):
    phones = serializers.SerializerMethodField()
    emails = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ["id", "name", "position", "phones", "emails", "messengers", "note"]
        fields += ["created_at", "updated_at"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_phones(self, contact) -> list[str]:
        return [p.number for p in contact.phones.all()]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_emails(self, contact) -> list[str]:
        return [e.email for e in contact.emails.all()]


class BankAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = BankAccount
        fields = ["id", "bank_name", "bik", "correspondent_account", "settlement_account"]
        fields += ["is_default"]


REQUISITES = [
    "kind",
    "name",
    "full_name",
    "person_name",
    "inn",
    "kpp",
    "ogrn",
    "okpo",
    "ogrnip",
    "ogrnip_date",
    "legal_address",
    "registration_address",
    "postal_address",
    "signatory_position",
    "signatory_position_genitive",
    "signatory_name",
    "signatory_name_genitive",
    "basis_kind",
    "poa_number",
    "poa_date",
    "chief_accountant",
]


class ClientSerializer(serializers.ModelSerializer):
    """A client with its requisites. Personal data (an individual's passport, birth date and
    bank account) is null unless the caller may see it: `personal_data_visible` says which,
    and deals.clients.access decides."""

    bank_accounts = BankAccountSerializer(many=True, read_only=True, allow_null=True)
    personal_data_visible = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = ["id", *REQUISITES, "phones", "emails", *Client.PERSONAL_FIELDS]
        fields += ["bank_accounts", "personal_data_visible", "created_at", "updated_at"]
        extra_kwargs = {name: {"allow_null": True} for name in Client.PERSONAL_FIELDS}

    def get_personal_data_visible(self, client) -> bool:
        return bool(self.context["personal"](client))

    def to_representation(self, client):
        data = super().to_representation(client)
        if not self.context["personal"](client):
            for name in Client.PERSONAL_FIELDS:
                data[name] = None
            if client.is_person:
                data["bank_accounts"] = None
        return data


class CatalogItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogItem
        fields = "__all__"
