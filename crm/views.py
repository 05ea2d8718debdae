import posixpath

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import api_tokens, media, notifications, search
from .forms import ApiTokenForm, LoginForm, NotificationPreferencesForm, ProfileForm
from .models import ApiToken, Notification
from .staff import safe_next


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


@require_safe
def media_file(request, name):
    """A file by its address under MEDIA_URL (what the storage's url() gives): the seller's
    logo for any signed-in user; any other file for a head of sales only, who sees every deal
    and so every document and upload (the admin links stored PDFs this way) and edits the
    templates with their pictures. Everyone else reaches a file through the view of the
    object it belongs to."""
    # "images/../pdf/x" would start with a picture folder and still leave it.
    if posixpath.normpath(name) != name or name.startswith(("/", "..")):
        raise Http404
    if name.startswith(media.PAGE_PICTURE_FOLDERS):
        return media.picture(name)
    if not request.user.is_head:
        raise Http404
    if name.startswith(media.HEAD_PICTURE_FOLDERS):
        return media.picture(name)
    try:
        return media.download(name, filename=posixpath.basename(name), attachment=True)
    except FileNotFoundError:
        raise Http404 from None


@require_http_methods(["GET", "POST"])
def profile(request):
    """«Мой профиль»: what clients see of the signed-in user (documents, client pages,
    e-mails). Everyone edits only their own."""
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Профиль сохранён.")
            return redirect("profile")
        return _profile_page(request, form=form, status=400)
    return _profile_page(request, form=form)


def _profile_page(request, *, form=None, token_form=None, new_key="", status=200):
    tokens = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True)
    context = {
        "form": form or ProfileForm(instance=request.user),
        "token_form": token_form or ApiTokenForm(),
        "tokens": tokens.order_by("-created_at", "-pk"),
        "new_key": new_key,
    }
    return render(request, "crm/user_profile.html", context, status=status)


@require_POST
def api_token_create(request):
    """A new personal API key. The page answers with the key itself, once: it is not stored
    and no redirect carries it, so reloading or going back does not show it again."""
    token_form = ApiTokenForm(request.POST)
    if not token_form.is_valid():
        return _profile_page(request, token_form=token_form, status=400)
    active = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True)
    if active.count() >= api_tokens.MAX_ACTIVE_PER_USER:
        token_form.add_error(
            "name",
            f"У вас уже {api_tokens.MAX_ACTIVE_PER_USER} ключей: отзовите ненужный.",
        )
        return _profile_page(request, token_form=token_form, status=400)
    token, key = api_tokens.api_token_create(
        user=request.user, name=token_form.cleaned_data["name"]
    )
    response = _profile_page(request, new_key=key)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def api_token_revoke(request, token_pk):
    token = get_object_or_404(ApiToken, pk=token_pk, user=request.user, revoked_at__isnull=True)
    api_tokens.api_token_revoke(token=token)
    messages.success(request, f"Ключ «{token.name}» отозван: запросы с ним больше не принимаются.")
    return redirect(reverse("profile") + "#api-tokens")


# The notification centre: everyone sees only their own notifications.

PAGE_SIZE = 30


def _get_notification_for_user(request, pk):
    return get_object_or_404(Notification, pk=pk, user=request.user)


@require_safe
def notification_list(request):
    """Newest first, by pages of PAGE_SIZE: ?before=<id> shows those older than that one."""
    rows = Notification.objects.filter(user=request.user)
    before = request.GET.get("before", "")
    if before.isdigit():
        rows = rows.filter(pk__lt=int(before))
    page = list(rows.order_by("-pk")[: PAGE_SIZE + 1])
    older = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    unread = notifications.unread_count(request.user)
    return render(
        request,
        "crm/notification_list.html",
        {
            "page": page[:PAGE_SIZE],
            "older": older,
            "first_page": not before,
            "unread": unread,
            "unread_words": notifications.unread_words(unread),
        },
    )


@require_safe
def notification_open(request, notification_pk):
    """Clicking a notification: it is read, and the person goes where it points."""
    notification = _get_notification_for_user(request, notification_pk)
    notifications.mark_read(
        user=request.user, notifications=Notification.objects.filter(pk=notification.pk)
    )
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("notifications:list")
    return redirect(target)


@require_POST
def notification_read(request, notification_pk):
    notification = _get_notification_for_user(request, notification_pk)
    notifications.mark_read(
        user=request.user, notifications=Notification.objects.filter(pk=notification.pk)
    )
    return redirect(safe_next(request, reverse("notifications:list")))


@require_POST
def notification_read_all(request):
    count = notifications.mark_read(user=request.user)
    if count:
        messages.success(request, "Все уведомления отмечены прочитанными.")
    return redirect(safe_next(request, reverse("notifications:list")))


@require_safe
def notification_bell(request):
    """The bell of the top bar alone, polled by htmx: one indexed query."""
    return render(request, "includes/_notification_bell.html", notifications.bell(request.user))


def notification_settings(request):
    events = notifications.events()
    form = NotificationPreferencesForm(
        request.POST or None,
        events=events,
        initial_email=notifications.preferences(request.user),
    )
    if request.method == "POST" and form.is_valid():
        notifications.preferences_save(user=request.user, email=form.email_choices())
        messages.success(request, "Настройки уведомлений сохранены.")
        return redirect("notifications:settings")
    return render(
        request,
        "crm/notification_settings.html",
        {"form": form, "has_email": bool(request.user.email)},
    )


# The search box of the top bar (crm.search): a list under the box as one types, and a page.

SEARCH_DROPDOWN_LIMIT = 5
SEARCH_PAGE_LIMIT = 30


@require_safe
def search_page(request):
    query = search.Query.parse(request.GET.get("q", ""))
    dropdown = bool(request.htmx)
    limit = SEARCH_DROPDOWN_LIMIT if dropdown else SEARCH_PAGE_LIMIT
    context = {
        "query": query,
        "groups": search.search(request.user, query, limit=limit),
        "min_length": search.MIN_LENGTH,
    }
    if dropdown:
        return render(request, "crm/includes/_search_dropdown.html", context)
    return render(request, "crm/search.html", context)
