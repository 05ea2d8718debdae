import posixpath

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods, require_safe

from . import media
from .forms import LoginForm, ProfileForm


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


@require_safe
def media_file(request, name):
    """A file by its address under MEDIA_URL (what the storage's url() gives): the pictures
    of staff pages for any signed-in user; any other file for a head of sales only, who sees
    every deal and so every document and upload (the admin links stored PDFs this way).
    Everyone else reaches a file through the view of the object it belongs to."""
    # "images/../pdf/x" would start with a picture folder and still leave it.
    if posixpath.normpath(name) != name or name.startswith(("/", "..")):
        raise Http404
    if name.startswith(media.PAGE_PICTURE_FOLDERS):
        return media.picture(name)
    if not request.user.is_head:
        raise Http404
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
        return render(request, "crm/user_profile.html", {"form": form}, status=400)
    return render(request, "crm/user_profile.html", {"form": form})
