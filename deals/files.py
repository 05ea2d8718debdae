"""The deal card's files: upload (several at once, by drag and drop or the file picker),
download, thumbnails of pictures, delete. Who sees the deal (Deal.objects.visible_to) sees
and downloads its files; who may change it (deals.roles) uploads; deleting is
roles.may_delete_file. Files are never reached by a public address: every download passes
through these views, and with a bucket the browser gets a short-lived signed link."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from crm import media, uploads

from . import roles, services
from .models import Deal, DealFile

PANEL_TEMPLATE = "deals/includes/_files_panel.html"


def _get_deal_for_user(request, pk) -> Deal:
    return get_object_or_404(Deal.objects.visible_to(request.user), pk=pk)


def _get_file_for_user(request, deal_pk, file_pk) -> DealFile:
    """A file of a deal the user sees: 404 for anyone else, whatever the numbers."""
    deal = _get_deal_for_user(request, deal_pk)
    file = get_object_or_404(DealFile.objects.select_related("uploaded_by"), pk=file_pk, deal=deal)
    file.deal = deal
    return file


def panel_context(user, deal: Deal, *, errors: list[str] = ()) -> dict:
    """What the files panel shows: two queries whatever the number of files."""
    files = list(deal.files.select_related("uploaded_by"))
    may_edit = roles.may_edit_deal(user, deal)
    for file in files:
        file.deal = deal
        file.may_delete = roles.may_delete_file(user, file)
        file.human_size = uploads.human_size(file.size)
    return {
        "deal": deal,
        "files": files,
        "files_may_upload": may_edit,
        "file_errors": list(errors),
        "file_accept": uploads.accept_attr(settings.DEAL_FILE_TYPES),
        "file_types_label": uploads.types_label(settings.DEAL_FILE_TYPES),
        "file_max_mb": settings.DEAL_FILE_MAX_MB,
    }


def _panel(request, deal: Deal, *, errors: list[str] = (), status: int = 200):
    context = panel_context(request.user, deal, errors=errors)
    return render(request, PANEL_TEMPLATE, context, status=status)


def _wants_panel(request) -> bool:
    # The card's script (static/js/deal-files.js) and htmx ask for the panel alone; a form
    # posted without scripts comes back to the card.
    return bool(request.htmx) or request.headers.get("X-Requested-With") == "XMLHttpRequest"


@require_POST
def file_upload(request, pk):
    deal = roles.get_deal_for_edit(request, pk)
    uploaded = request.FILES.getlist("files")
    errors: list[str] = []
    added = 0
    if not uploaded:
        errors.append("Выберите файлы или перетащите их сюда.")
    for upload in uploaded:
        try:
            services.deal_file_add(
                deal=deal,
                name=upload.name,
                content=upload,
                user=request.user,
                content_type=upload.content_type or "",
            )
        except ValidationError as error:
            errors.extend(error.messages)
        else:
            added += 1
    if _wants_panel(request):
        return _panel(request, deal, errors=errors, status=400 if errors and not added else 200)
    if added:
        messages.success(request, f"Файлов добавлено: {added}.")
    for error in errors:
        messages.error(request, error)
    return redirect(deal.get_absolute_url() + "#files")


@require_safe
def file_download(request, pk, file_pk):
    file = _get_file_for_user(request, pk, file_pk)
    try:
        return media.download(
            file.file.name, filename=file.name, attachment=True, content_type=file.content_type
        )
    except FileNotFoundError:
        raise Http404 from None


@require_safe
def file_thumbnail(request, pk, file_pk):
    file = _get_file_for_user(request, pk, file_pk)
    if not file.thumbnail:
        raise Http404
    return media.picture(file.thumbnail.name)


@require_POST
def file_delete(request, pk, file_pk):
    file = _get_file_for_user(request, pk, file_pk)
    if not roles.may_delete_file(request.user, file):
        raise PermissionDenied(roles.FILE_DELETE_REFUSED)
    services.deal_file_delete(file=file, user=request.user)
    if _wants_panel(request):
        return _panel(request, file.deal)
    messages.success(request, f"Файл «{file.name}» удалён.")
    return redirect(file.deal.get_absolute_url() + "#files")
