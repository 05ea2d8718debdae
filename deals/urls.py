from django.urls import include, path

from . import client_urls, views

app_name = "deals"

urlpatterns = [
    path("", views.deal_list, name="list"),
    path("new/", views.deal_create, name="create"),
    path("board/", views.board, name="board"),
    path("tasks/my/", views.my_tasks, name="my_tasks"),
    path("<int:pk>/", views.deal_detail, name="detail"),
    path("<int:pk>/edit/", views.deal_edit, name="edit"),
    path("<int:pk>/move/", views.deal_move, name="move"),
    path("<int:pk>/tasks/new/", views.task_create, name="task_create"),
    path("<int:pk>/tasks/<int:task_pk>/complete/", views.task_complete, name="task_complete"),
    path("<int:pk>/comments/new/", views.comment_create, name="comment_create"),
    path("<int:pk>/client/", include(client_urls.deal_urlpatterns)),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:pk>/contacts/link/", views.contact_link, name="contact_link"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact_edit"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/remove/",
        views.contact_unlink,
        name="contact_unlink",
    ),
]
