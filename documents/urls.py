from django.urls import path

from . import document_views, public_views, views

app_name = "documents"

# Included at the site root: staff pages nest under the deal, client pages live under /p/.
urlpatterns = [
    path(
        "deals/<int:pk>/questionnaires/new/",
        views.questionnaire_create,
        name="questionnaire_create",
    ),
    path(
        "deals/<int:pk>/questionnaires/<int:questionnaire_pk>/send/",
        views.questionnaire_send,
        name="questionnaire_send",
    ),
    path(
        "deals/<int:pk>/questionnaires/<int:questionnaire_pk>/revoke/",
        views.questionnaire_revoke,
        name="questionnaire_revoke",
    ),
    path(
        "deals/<int:pk>/questionnaires/<int:questionnaire_pk>/new-link/",
        views.questionnaire_new_link,
        name="questionnaire_new_link",
    ),
    path(
        "deals/<int:pk>/questionnaires/<int:questionnaire_pk>/files/<int:question_pk>/",
        views.questionnaire_file,
        name="questionnaire_file",
    ),
    path("p/q/<str:token>/", public_views.questionnaire_public, name="questionnaire_public"),
    path(
        "p/q/<str:token>/files/<int:question_pk>/",
        public_views.questionnaire_public_file,
        name="questionnaire_public_file",
    ),
    path(
        "p/q/<str:token>/logo/",
        public_views.questionnaire_public_logo,
        name="questionnaire_public_logo",
    ),
    path("documents/templates/", views.template_list, name="template_list"),
    path("documents/templates/new/", views.template_create, name="template_create"),
    path("documents/templates/preview/", views.template_preview, name="template_preview_text"),
    path("documents/templates/images/", views.template_image_upload, name="template_image_upload"),
    path("documents/templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("documents/templates/<int:pk>/preview/", views.template_preview, name="template_preview"),
]


# Proposals and contracts: the same views for both kinds, e.g. documents:proposal_send at
# deals/<pk>/proposals/<proposal_pk>/send/ and documents:contract_send at …/contracts/….
DOCUMENT_ACTIONS = [
    ("", document_views.document_detail, "detail"),
    ("edit/", document_views.document_edit, "edit"),
    ("finalize/", document_views.document_finalize, "finalize"),
    ("send/", document_views.document_send, "send"),
    ("revoke/", document_views.document_revoke, "revoke"),
    ("new-link/", document_views.document_new_link, "new_link"),
    ("new-version/", document_views.document_new_version, "new_version"),
    ("use-calculation/", document_views.document_use_calculation, "use_calculation"),
    ("pdf/", document_views.document_pdf, "pdf"),
    ("annul/", document_views.document_annul, "annul"),
    ("delete/", document_views.document_delete, "delete"),
    ("media/<path:file>", document_views.document_media, "media"),
]
for kind in ("proposal", "contract"):
    urlpatterns.append(
        path(
            f"deals/<int:pk>/{kind}s/new/",
            document_views.document_create,
            {"kind": kind},
            name=f"{kind}_create",
        )
    )
    urlpatterns += [
        path(
            f"deals/<int:pk>/{kind}s/<int:{kind}_pk>/{route}",
            view,
            {"kind": kind},
            name=f"{kind}_{action}",
        )
        for route, view, action in DOCUMENT_ACTIONS
    ]

# An act of the services of a contract (billing keeps acts; documents gives it the contract).
urlpatterns.append(
    path(
        "deals/<int:pk>/contracts/<int:contract_pk>/act/",
        document_views.contract_act_create,
        name="contract_act",
    )
)

# The client's pages: a proposal (КП) and a contract (договор) by their tokens.
urlpatterns += [
    path("p/kp/<str:token>/", public_views.proposal_public, name="proposal_public"),
    path("p/kp/<str:token>/pdf/", public_views.proposal_public_pdf, name="proposal_public_pdf"),
    path(
        "p/kp/<str:token>/media/<path:file>",
        public_views.public_media,
        {"kind": "proposal"},
        name="proposal_public_media",
    ),
    path(
        "p/kp/<str:token>/respond/",
        public_views.proposal_public_respond,
        name="proposal_public_respond",
    ),
    path("p/d/<str:token>/", public_views.contract_public, name="contract_public"),
    path("p/d/<str:token>/pdf/", public_views.contract_public_pdf, name="contract_public_pdf"),
    path(
        "p/d/<str:token>/media/<path:file>",
        public_views.public_media,
        {"kind": "contract"},
        name="contract_public_media",
    ),
    path(
        "p/d/<str:token>/accept/",
        public_views.contract_public_accept,
        name="contract_public_accept",
    ),
]
