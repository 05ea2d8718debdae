import uuid

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from crm import media
from crm.staff import head_required
from deals import document_links, panels, roles
from deals.models import Deal

from . import services
from .forms import (
    IMAGE_FORMATS,
    DocumentTemplateForm,
    PreviewForm,
    QuestionnaireCreateForm,
    TemplateImageForm,
)
from .models import DocumentTemplate, QuestionKind, Questionnaire, QuestionnaireTemplate
from .rendering import IMAGES_FOLDER
from .samples import KINDS, sample_tags, tag_examples
from .tags import TAGS, find_unknown_tags, grouped_tags, missing_tags, render_document


def _get_deal_for_user(request, pk) -> Deal:
    return get_object_or_404(Deal.objects.visible_to(request.user).select_related("manager"), pk=pk)


def _get_deal_for_edit(request, pk) -> Deal:
    """Questionnaires are sent on the deal's behalf: its owner and the head (deals.roles)."""
    return roles.get_deal_for_edit(request, pk, Deal.objects.select_related("manager"))


def _get_questionnaire_for_user(request, pk, questionnaire_pk) -> Questionnaire:
    return _questionnaire_of(_get_deal_for_user(request, pk), questionnaire_pk)


def _get_questionnaire_for_edit(request, pk, questionnaire_pk) -> Questionnaire:
    return _questionnaire_of(_get_deal_for_edit(request, pk), questionnaire_pk)


def _questionnaire_of(deal: Deal, questionnaire_pk) -> Questionnaire:
    questionnaire = get_object_or_404(deal.questionnaires.all(), pk=questionnaire_pk)
    questionnaire.deal = deal
    return questionnaire


def _back(questionnaire: Questionnaire):
    return redirect(f"{questionnaire.deal.get_absolute_url()}#questionnaire-{questionnaire.pk}")


# The panel on the deal card


def deal_panel(request, deal) -> dict:
    """Context of the «Анкеты» panel: four queries whatever the number of questionnaires."""
    return {
        "deal": deal,
        "questionnaires": list(Questionnaire.objects.for_deal_card(deal)),
        "templates": list(QuestionnaireTemplate.objects.filter(active=True).only("pk", "title")),
        "recipients": panels.recipients(deal),
        "nonce": document_links.new_send_nonce(),
    }


# Staff actions, each nested under a deal the user may see


@require_POST
def questionnaire_create(request, pk):
    deal = _get_deal_for_edit(request, pk)
    form = QuestionnaireCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("template", ["Проверьте форму."])))
        return redirect(f"{deal.get_absolute_url()}#panel-questionnaires")
    questionnaire = services.questionnaire_create(
        deal=deal, template=form.cleaned_data["template"], by=request.user
    )
    messages.success(
        request,
        f"Анкета «{questionnaire.title}» создана. Скопируйте ссылку или отправьте её клиенту.",
    )
    return _back(questionnaire)


questionnaire_send, questionnaire_revoke, questionnaire_new_link = document_links.link_views(
    get_document=_get_questionnaire_for_edit,
    back=lambda request, questionnaire: _back(questionnaire),
    what="анкету",
)


def questionnaire_file(request, pk, questionnaire_pk, question_pk):
    questionnaire = _get_questionnaire_for_user(request, pk, questionnaire_pk)
    return _file_response(questionnaire, question_pk)


def _file_response(questionnaire: Questionnaire, question_pk) -> HttpResponse:
    question = get_object_or_404(
        questionnaire.questions.filter(kind=QuestionKind.FILE), pk=question_pk
    )
    if not question.answer_file:
        raise Http404
    try:
        # Always as an attachment: what the client uploaded is never opened as a page.
        return media.download(
            question.answer_file.name,
            filename=question.answer_file_name or "file",
            attachment=True,
        )
    except FileNotFoundError:
        raise Http404 from None


def _get_template(pk) -> DocumentTemplate:
    # Templates are the head of sales' business: every view here is @head_required.
    return get_object_or_404(DocumentTemplate, pk=pk)


def tag_palette() -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The tags beside the editor, by group: (name, label, example)."""
    examples = tag_examples()
    return [
        (group, [(t.name, t.label, examples[t.name]) for t in tags])
        for group, tags in grouped_tags()
    ]


@head_required
def template_list(request):
    templates = DocumentTemplate.objects.all()
    return render(request, "documents/documenttemplate_list.html", {"templates": templates})


@head_required
def template_create(request):
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in DocumentTemplate.Kind.values else {}
    form = DocumentTemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        template = services.template_save(template=form.save(commit=False))
        messages.success(request, f"Шаблон «{template.name}» создан.")
        return redirect("documents:template_edit", pk=template.pk)
    return _form_page(request, form, None)


@head_required
def template_edit(request, pk):
    template = _get_template(pk)
    form = DocumentTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        services.template_save(template=form.save(commit=False))
        messages.success(request, f"Шаблон «{template.name}» сохранён.")
        return redirect("documents:template_edit", pk=template.pk)
    return _form_page(request, form, template)


def _form_page(request, form, template):
    context = {"form": form, "template": template, "palette": tag_palette()}
    status = 400 if form.errors else 200
    return render(request, "documents/documenttemplate_form.html", context, status=status)


@head_required
def template_preview(request, pk=None):
    """The template filled with made-up values, for a client of the chosen legal form.
    A POST previews the unsaved text of the editor."""
    template = _get_template(pk) if pk else None
    form = PreviewForm(request.POST if request.method == "POST" else request.GET)
    form.is_valid()
    body = form.cleaned_data.get("body") if request.method == "POST" else None
    if body is None:
        if template is None:
            raise Http404
        body = template.body
    kind = form.cleaned_data.get("client_kind") or "legal"
    tags = sample_tags(kind)
    context = {
        "template": template,
        "document": render_document(body, tags),
        "unknown": find_unknown_tags(body),
        "missing": [TAGS[name] for name in missing_tags(body, tags)],
        "kinds": KINDS,
        "kind": kind,
        "kind_label": KINDS[kind],
        "body": body if request.method == "POST" else None,
    }
    return render(request, "documents/documenttemplate_preview.html", context)


@require_POST
@head_required
def template_image_upload(request):
    """An image for a template, stored in the project's media; answers {"url": …}."""
    form = TemplateImageForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"error": form.errors["image"][0]}, status=400)
    image = form.cleaned_data["image"]
    extension = IMAGE_FORMATS[image.image.format]
    image.seek(0)
    name = default_storage.save(f"{IMAGES_FOLDER}{uuid.uuid4().hex}.{extension}", image)
    # The project's address under MEDIA_URL with either storage (crm.views.media_file), never
    # a link to the bucket: the text keeps it for good.
    return JsonResponse({"url": default_storage.url(name)})
