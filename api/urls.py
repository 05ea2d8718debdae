"""/api/v1/: the router's resources, the OpenAPI schema and its documentation page."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import document_views, money_views, views

app_name = "api"

router = SimpleRouter()
router.register("deals", views.DealViewSet, basename="deal")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("comments", views.CommentViewSet, basename="comment")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("clients", views.ClientViewSet, basename="client")
router.register("stages", views.StageViewSet, basename="stage")
router.register("loss-reasons", views.LossReasonViewSet, basename="loss_reason")
router.register("catalog", views.CatalogViewSet, basename="catalog_item")
router.register("users", views.UserViewSet, basename="user")
router.register("calculations", money_views.CalculationViewSet, basename="calculation")
router.register("invoices", money_views.InvoiceViewSet, basename="invoice")
router.register("payments", money_views.PaymentViewSet, basename="payment")
router.register("proposals", document_views.ProposalViewSet, basename="proposal")
router.register("contracts", document_views.ContractViewSet, basename="contract")
router.register(
    "document-templates", document_views.DocumentTemplateViewSet, basename="document_template"
)


def _public(view):
    """The API answers 401 itself (DRF); the site's login redirect is for pages."""
    view.login_required = False
    return view


class SchemaView(SpectacularAPIView):
    """The schema of what is served, with the docs page open to anyone signed in."""


class DocsView(SpectacularSwaggerSplitView):
    template_name = "api/docs.html"


v1 = [
    *router.urls,
    path("schema/", _public(SchemaView.as_view()), name="schema"),
    # A page for people: without a session it sends them to the login form.
    path("docs/", login_required(DocsView.as_view(url_name="api:schema")), name="docs"),
]
for pattern in router.urls:
    _public(pattern.callback)


@csrf_exempt
def not_found(request, rest=""):
    """Anything else under /api/v1/ answers in the API's shape, not with the site's page."""
    return JsonResponse({"errors": {"__all__": [NOT_FOUND]}}, status=404)


NOT_FOUND = "Такого адреса в API нет. Список адресов — в /api/v1/schema/."
v1.append(re_path(r"^(?P<rest>.*)$", _public(not_found)))

urlpatterns = [path("api/v1/", include(v1))]
