from django.urls import path

from . import views

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
    path("p/q/<str:token>/", views.questionnaire_public, name="questionnaire_public"),
    path(
        "p/q/<str:token>/files/<int:question_pk>/",
        views.questionnaire_public_file,
        name="questionnaire_public_file",
    ),
]
