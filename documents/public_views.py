"""The client's pages under /p/: a questionnaire, a proposal and a contract by their links,
with their files, pictures and PDFs."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from crm import media
from crm.pdf import pdf_enqueue
from crm.public import client_ip, get_by_token_or_404, public_view
from deals import document_links

from . import services
from .document_views import MODELS, _file
from .forms import AnswerForm, ContractAcceptForm, ProposalResponseForm, initial_answers
from .models import Contract, Proposal, Questionnaire
from .rendering import page_context, with_media_prefix
from .uploads import ACCEPT_ATTR, ALLOWED_LABEL, max_bytes
from .views import _file_response

# Questionnaires


@public_view
def questionnaire_public(request, token):
    questionnaire = get_by_token_or_404(
        Questionnaire.objects.select_related("deal", "deal__manager"), token
    )
    questions = list(questionnaire.questions.all())
    if questionnaire.is_submitted:
        if request.method == "POST":
            return redirect(request.path)
        document_links.document_opened(document=questionnaire, request=request)
        return _render_questionnaire(request, questionnaire, questions, form=None)

    if request.method != "POST":
        document_links.document_opened(document=questionnaire, request=request)
        form = AnswerForm(initial=initial_answers(questions), questions=questions, final=False)
        return _render_questionnaire(request, questionnaire, questions, form=form)

    final = request.POST.get("action") == "submit"
    form = AnswerForm(request.POST, request.FILES, questions=questions, final=final)
    valid = form.is_valid()
    answers, files = form.valid_answers(), form.valid_files()
    try:
        if valid and final:
            services.questionnaire_submit(
                questionnaire=questionnaire, questions=questions, answers=answers, files=files
            )
            messages.success(request, "Спасибо! Ответы отправлены, менеджер с вами свяжется.")
            return redirect(request.path)
        services.questionnaire_save_draft(
            questionnaire=questionnaire, questions=questions, answers=answers, files=files
        )
    except services.QuestionnaireClosed:
        return redirect(request.path)
    if valid:
        messages.success(request, "Черновик сохранён. Вернуться к анкете можно по этой же ссылке.")
        return redirect(request.path)
    return _render_questionnaire(request, questionnaire, questions, form=form, status=400)


@public_view
def questionnaire_public_file(request, token, question_pk):
    questionnaire = get_by_token_or_404(Questionnaire.objects.all(), token)
    return _file_response(questionnaire, question_pk)


@public_view
@require_GET
def questionnaire_public_logo(request, token):
    get_by_token_or_404(Questionnaire.objects.all(), token)
    return document_links.logo_response()


def _render_questionnaire(request, questionnaire, questions, *, form, status=200):
    return render(
        request,
        "documents/questionnaire_public.html",
        document_links.page_context(questionnaire)
        | {
            "questionnaire": questionnaire,
            "questions": questions,
            "form": form,
            "upload_accept": ACCEPT_ATTR,
            "upload_types": ALLOWED_LABEL,
            "upload_max_mb": max_bytes() // (1024 * 1024),
            "staff_preview": request.user.is_authenticated,
        },
        status=status,
    )


# Proposals and contracts


def _public_document(model, token: str):
    document = get_by_token_or_404(model.objects.select_related("deal", "deal__manager"), token)
    if document.is_draft:
        raise Http404
    return document


def _public_page_context(document) -> dict:
    """The document's context with its images (the logo, pictures in the text) addressed
    through its own link: the media storage is not open to clients."""
    prefix = reverse(
        f"documents:{document.KIND}_public_media", args=[document.token, "-"]
    ).removesuffix("-")
    context = page_context(document, with_media_prefix(document.fixed_html(), prefix))
    context["logo_url"] = prefix + document.seller_logo if document.seller_logo else ""
    # The header shows the logo the document was fixed with, as its text does.
    return context | document_links.page_context(document, logo_url=context["logo_url"])


def _render_public(request, document, *, form, status: int = 200):
    context = _public_page_context(document) | {
        "form": form,
        "staff_preview": request.user.is_authenticated,
    }
    template = f"documents/{document.KIND}_public.html"
    return render(request, template, context, status=status)


def _staff_cannot_answer(request, document):
    messages.error(
        request,
        "Вы вошли как сотрудник: ответить на документ может только клиент по своей ссылке.",
    )
    return redirect(document.public_path())


@public_view
def proposal_public(request, token):
    proposal = _public_document(Proposal, token)
    document_links.document_opened(document=proposal, request=request)
    form = ProposalResponseForm() if proposal.awaits_client else None
    return _render_public(request, proposal, form=form)


@public_view
@require_POST
def proposal_public_respond(request, token):
    proposal = _public_document(Proposal, token)
    if request.user.is_authenticated:
        return _staff_cannot_answer(request, proposal)
    if not proposal.awaits_client:
        return redirect(proposal.public_path())
    form = ProposalResponseForm(request.POST)
    if not form.is_valid():
        return _render_public(request, proposal, form=form, status=400)
    try:
        services.proposal_respond(
            proposal=proposal,
            accept=form.accepted,
            comment=form.cleaned_data["comment"],
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except services.DocumentClosed:
        return redirect(proposal.public_path())
    if form.accepted:
        messages.success(request, "Спасибо! Вы приняли предложение, менеджер свяжется с вами.")
    else:
        messages.success(request, "Спасибо за ответ! Менеджер получил ваш комментарий.")
    return redirect(proposal.public_path())


@public_view
def contract_public(request, token):
    contract = _public_document(Contract, token)
    document_links.document_opened(document=contract, request=request)
    form = ContractAcceptForm() if contract.awaits_client else None
    return _render_public(request, contract, form=form)


@public_view
@require_POST
def contract_public_accept(request, token):
    contract = _public_document(Contract, token)
    if request.user.is_authenticated:
        return _staff_cannot_answer(request, contract)
    if not contract.awaits_client:
        return redirect(contract.public_path())
    form = ContractAcceptForm(request.POST)
    if not form.is_valid():
        return _render_public(request, contract, form=form, status=400)
    try:
        services.contract_accept(
            contract=contract,
            name=form.cleaned_data["full_name"],
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except services.DocumentClosed:
        return redirect(contract.public_path())
    messages.success(request, "Спасибо! Вы согласились с условиями договора, мы уже знаем.")
    return redirect(contract.public_path())


@public_view
def public_media(request, token, file, kind):
    """A picture of the document (its logo, an image in its text), by the document's link;
    nothing else in the media storage is reachable this way."""
    document = _public_document(MODELS[kind], token)
    if file not in document.pdf_media():
        raise Http404
    return media.picture(file)


def _public_pdf(request, model, token):
    document = _public_document(model, token)
    if not document.pdf_ready:
        pdf_enqueue(document)
        context = _public_page_context(document)
        response = render(request, "documents/document_pdf_pending.html", context, status=202)
        response["Retry-After"] = "30"
        return response
    return _file(document.pdf, document.download_name(), attachment=True)


@public_view
def proposal_public_pdf(request, token):
    return _public_pdf(request, Proposal, token)


@public_view
def contract_public_pdf(request, token):
    return _public_pdf(request, Contract, token)
