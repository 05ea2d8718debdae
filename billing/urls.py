from django.urls import path

from . import act_views, invoice_views, public_views, views, webhooks

app_name = "billing"

# Included at the site root: the catalog and the invoice list under /billing/, invoices nest
# under their deal, client pages live under /p/.
urlpatterns = [
    path("billing/catalog/", views.catalog_list, name="catalog"),
    path("billing/catalog/new/", views.catalog_item_create, name="catalog_create"),
    path("billing/catalog/<int:item_pk>/edit/", views.catalog_item_edit, name="catalog_edit"),
    path("billing/catalog/groups/new/", views.catalog_group_create, name="group_create"),
    path(
        "billing/catalog/groups/<int:group_pk>/edit/",
        views.catalog_group_edit,
        name="group_edit",
    ),
    path("billing/tax/", views.seller_tax_edit, name="seller_tax"),
    path("billing/invoices/", invoice_views.invoice_list, name="invoice_list"),
    path(
        "billing/payments/notify/<str:provider>/",
        webhooks.payment_notify,
        name="payment_notify",
    ),
    path("deals/<int:pk>/invoices/new/", invoice_views.invoice_create, name="invoice_create"),
    path(
        "deals/<int:pk>/invoices/<int:invoice_pk>/",
        invoice_views.invoice_detail,
        name="invoice_detail",
    ),
    path(
        "deals/<int:pk>/invoices/<int:invoice_pk>/edit/",
        invoice_views.invoice_edit,
        name="invoice_edit",
    ),
    path(
        "deals/<int:pk>/invoices/<int:invoice_pk>/issue/",
        invoice_views.invoice_issue,
        name="invoice_issue",
    ),
    path(
        "deals/<int:pk>/invoices/<int:invoice_pk>/annul/",
        invoice_views.invoice_annul,
        name="invoice_annul",
    ),
    path(
        "deals/<int:pk>/invoices/<int:invoice_pk>/delete/",
        invoice_views.invoice_delete,
        name="invoice_delete",
    ),
    path(
        "deals/<int:pk>/invoices/<int:invoice_pk>/send/",
        invoice_views.invoice_send,
        name="invoice_send",
    ),
    path(
        "deals/<int:pk>/invoices/<int:invoice_pk>/revoke/",
        invoice_views.invoice_revoke,
        name="invoice_revoke",
    ),
    path(
        "deals/<int:pk>/invoices/<int:invoice_pk>/new-link/",
        invoice_views.invoice_new_link,
        name="invoice_new_link",
    ),
    path(
        "deals/<int:pk>/invoices/<int:invoice_pk>/pdf/",
        invoice_views.invoice_pdf,
        name="invoice_pdf",
    ),
    path(
        "deals/<int:pk>/invoices/<int:invoice_pk>/payments/new/",
        invoice_views.payment_create,
        name="payment_create",
    ),
    path(
        "deals/<int:pk>/invoices/<int:invoice_pk>/payments/<int:payment_pk>/undo/",
        invoice_views.payment_undo,
        name="payment_undo",
    ),
    path(
        "deals/<int:pk>/invoices/<int:invoice_pk>/act/",
        act_views.act_create_from_invoice,
        name="act_create_from_invoice",
    ),
    path("deals/<int:pk>/acts/<int:act_pk>/", act_views.act_detail, name="act_detail"),
    path("deals/<int:pk>/acts/<int:act_pk>/edit/", act_views.act_edit, name="act_edit"),
    path("deals/<int:pk>/acts/<int:act_pk>/fix/", act_views.act_fix, name="act_fix"),
    path("deals/<int:pk>/acts/<int:act_pk>/send/", act_views.act_send, name="act_send"),
    path("deals/<int:pk>/acts/<int:act_pk>/revoke/", act_views.act_revoke, name="act_revoke"),
    path(
        "deals/<int:pk>/acts/<int:act_pk>/new-link/",
        act_views.act_new_link,
        name="act_new_link",
    ),
    path("deals/<int:pk>/acts/<int:act_pk>/sign/", act_views.act_sign, name="act_sign"),
    path("deals/<int:pk>/acts/<int:act_pk>/annul/", act_views.act_annul, name="act_annul"),
    path("deals/<int:pk>/acts/<int:act_pk>/delete/", act_views.act_delete, name="act_delete"),
    path("deals/<int:pk>/acts/<int:act_pk>/pdf/", act_views.act_pdf, name="act_pdf"),
    path("p/i/<str:token>/", public_views.invoice_public, name="invoice_public"),
    path("p/i/<str:token>/pdf/", public_views.invoice_public_pdf, name="invoice_public_pdf"),
    path("p/i/<str:token>/pay/", public_views.invoice_public_pay, name="invoice_public_pay"),
    path("p/a/<str:token>/", public_views.act_public, name="act_public"),
    path("p/a/<str:token>/pdf/", public_views.act_public_pdf, name="act_public_pdf"),
    path("p/a/<str:token>/accept/", public_views.act_public_accept, name="act_public_accept"),
    path("p/i/<str:token>/logo/", public_views.invoice_public_logo, name="invoice_public_logo"),
    path(
        "p/pay/sandbox/<str:payment_id>/",
        public_views.sandbox_payment,
        name="sandbox_payment",
    ),
]
