from django.urls import path

from . import views
from .clients import urls as client_urls

app_name = "deals"

urlpatterns = [
    path("deals/", views.deal_list, name="list"),
    path("deals/new/", views.deal_create, name="create"),
    path("deals/board/", views.board, name="board"),
    path("deals/tasks/my/", views.my_tasks, name="my_tasks"),
    path("deals/tasks/team/", views.team_tasks, name="team_tasks"),
    path("deals/tasks/calendar/", views.task_calendar, name="task_calendar"),
    path("deals/tasks/due/", views.task_due, name="task_due"),
    path("deals/<int:pk>/", views.deal_detail, name="detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="edit"),
    path("deals/<int:pk>/move/", views.deal_move, name="move"),
    path("deals/<int:pk>/board-move/", views.board_move, name="board_move"),
    path("deals/<int:pk>/tasks/new/", views.task_create, name="task_create"),
    path("deals/<int:pk>/tasks/<int:task_pk>/edit/", views.task_edit, name="task_edit"),
    path(
        "deals/<int:pk>/tasks/<int:task_pk>/complete/",
        views.task_complete,
        name="task_complete",
    ),
    path("deals/<int:pk>/timeline/", views.deal_timeline, name="timeline"),
    path("deals/<int:pk>/comments/new/", views.comment_create, name="comment_create"),
    path(
        "deals/<int:pk>/comments/<int:comment_pk>/edit/",
        views.comment_edit,
        name="comment_edit",
    ),
    path(
        "deals/<int:pk>/comments/<int:comment_pk>/delete/",
        views.comment_delete,
        name="comment_delete",
    ),
    *client_urls.deal_urlpatterns,
    path("deals/<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("deals/<int:pk>/contacts/link/", views.contact_link, name="contact_link"),
    path(
        "deals/<int:pk>/contacts/<int:contact_pk>/edit/",
        views.contact_edit,
        name="contact_edit",
    ),
    path(
        "deals/<int:pk>/contacts/<int:contact_pk>/remove/",
        views.contact_unlink,
        name="contact_unlink",
    ),
    path("api/leads/", views.lead_intake, name="lead_intake"),
]
