"""Workflows of the documents a client gets by link: questionnaires (created from a
template, filled by the client, submitted once), proposals and contracts (created from a
template, edited as a draft without a number, numbered and fixed when sent, answered by the
client once, annulled but never deleted once fixed)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from billing.models import Act, Calculation
from billing.services import act_create, calculation_freeze
from crm.acceptance import acceptance_save, client_says
from crm.models import OutgoingEmail
from crm.notifications import Email, notify
from crm.numbering import next_number
from crm.pdf import pdf_enqueue
from deals import document_links, events
from deals.models import Deal, StageAutomation
from deals.services import deal_advance, timeline_add

from .models import (
    Contract,
    DocumentTemplate,
    Proposal,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireTemplate,
)
from .rendering import live_html, load_parties
from .sanitize import clean_html
from .tags import find_unknown_tags
from .uploads import safe_filename


class QuestionnaireClosed(Exception):
    """The questionnaire was already submitted: its answers cannot change."""


@transaction.atomic
def questionnaire_create(*, deal: Deal, template: QuestionnaireTemplate, by) -> Questionnaire:
    """A copy of the template for this deal: later edits of the template change nothing in
    questionnaires already created."""
    questionnaire = Questionnaire.objects.create(
        deal=deal, template=template, title=template.title, intro=template.intro, created_by=by
    )
    Question.objects.bulk_create(
        [
            Question(
                questionnaire=questionnaire,
                order=index,
                kind=q.kind,
                text=q.text,
                help_text=q.help_text,
                required=q.required,
                choices=list(q.choices),
            )
            for index, q in enumerate(template.questions.order_by("order", "pk"), start=1)
        ]
    )
    timeline_add(
        deal=deal,
        kind="questionnaire.created",
        text=f"Создана анкета «{questionnaire.title}»",
        actor=by,
        url=_card_url(questionnaire),
    )
    return questionnaire


@transaction.atomic
def questionnaire_save_draft(
    *,
    questionnaire: Questionnaire,
    questions: list[Question],
    answers: dict[int, object],
    files: dict[int, UploadedFile],
) -> None:
    """Keep what the client has typed so far; they can come back by the same link.
    Raises QuestionnaireClosed once it is submitted."""
    _lock_open(questionnaire)
    _store(questions, answers, files)
    questionnaire.draft_saved_at = timezone.now()
    questionnaire.save(update_fields=["draft_saved_at", "updated_at"])


@transaction.atomic
def questionnaire_submit(
    *,
    questionnaire: Questionnaire,
    questions: list[Question],
    answers: dict[int, object],
    files: dict[int, UploadedFile],
) -> bool:
    """Store the final answers, note them in the deal timeline and notify the responsible
    manager, all or nothing. Returns False (changing nothing) if it was already submitted."""
    try:
        _lock_open(questionnaire)
    except QuestionnaireClosed:
        return False
    _store(questions, answers, files)
    now = timezone.now()
    questionnaire.submitted_at = now
    questionnaire.draft_saved_at = questionnaire.draft_saved_at or now
    questionnaire.save(update_fields=["submitted_at", "draft_saved_at", "updated_at"])
    deal = questionnaire.deal
    timeline_add(
        deal=deal,
        kind="questionnaire.submitted",
        text=f"Клиент заполнил анкету «{questionnaire.title}»",
        url=_card_url(questionnaire),
        at=now,
    )
    notify(
        user=deal.manager,
        event="client.filled",
        text=f"Клиент заполнил анкету «{questionnaire.title}» · сделка {deal}",
        url=_card_url(questionnaire),
        dedupe_key=f"submitted:documents.questionnaire:{questionnaire.pk}",
        email=Email(
            "questionnaire_submitted",
            {
                "questionnaire": questionnaire,
                "questions": questions,
                "deal": deal,
                "manager": deal.manager,
                "deal_url": _card_url(questionnaire),
            },
        ),
    )
    return True


def _lock_open(questionnaire: Questionnaire) -> None:
    # The row lock orders a draft save racing the final submit.
    locked = Questionnaire.objects.select_for_update().only("submitted_at").get(pk=questionnaire.pk)
    if locked.submitted_at is not None:
        raise QuestionnaireClosed


def _store(questions: list[Question], answers: dict[int, object], files: dict[int, UploadedFile]):
    changed = [q for q in questions if q.pk in answers and q.kind != QuestionKind.FILE]
    for question in changed:
        question.answer = answers[question.pk]
    Question.objects.bulk_update(changed, ["answer"])
    for question in questions:
        upload = files.get(question.pk)
        if upload is None or question.kind != QuestionKind.FILE:
            continue
        old = question.answer_file.name if question.answer_file else ""
        name = safe_filename(upload.name)
        question.answer_file.save(name, upload, save=False)
        question.answer_file_name = name
        question.save(update_fields=["answer_file", "answer_file_name"])
        if old:
            # Only after this transaction commits: a rollback must keep the old file.
            storage = question.answer_file.storage
            transaction.on_commit(lambda old=old, storage=storage: storage.delete(old))


def _card_url(questionnaire: Questionnaire) -> str:
    return f"{questionnaire.deal.get_absolute_url()}#questionnaire-{questionnaire.pk}"


@transaction.atomic
def template_save(*, template: DocumentTemplate) -> DocumentTemplate:
    """Save a template with its body cleaned; a new default of a kind replaces the old."""
    template.body = clean_html(template.body)
    if template.is_default:
        others = DocumentTemplate.objects.filter(kind=template.kind, is_default=True)
        if template.pk:
            others = others.exclude(pk=template.pk)
        others.update(is_default=False)
    template.save()
    return template


# Proposals and contracts


class DocumentClosed(Exception):
    """The document is not in a state that allows this: a draft the client cannot see, a
    version replaced by a newer one, or an answer already given."""


NO_CLIENT = (
    "Договор составляется с клиентом: сначала укажите клиента сделки в разделе "
    "«Клиент и реквизиты»."
)


def proposal_create(*, deal: Deal, template: DocumentTemplate, by) -> Proposal:
    """A draft proposal with the template's text and the deal's current calculation; it
    gets its number when it is fixed."""
    return _document_create(Proposal, deal=deal, template=template, by=by)


def contract_create(*, deal: Deal, template: DocumentTemplate, by) -> Contract:
    """A draft contract; the deal must have a client (ValidationError otherwise)."""
    if deal.client_id is None:
        raise ValidationError(NO_CLIENT)
    return _document_create(Contract, deal=deal, template=template, by=by)


@transaction.atomic
def _document_create(model, *, deal: Deal, template: DocumentTemplate, by):
    if template.kind != model.KIND:
        raise ValidationError("Этот шаблон для документов другого вида.")
    document = model.objects.create(
        deal=deal,
        template=template,
        date=timezone.localdate(),
        calculation=Calculation.objects.current_for(deal),
        body=template.body,
        created_by=by,
    )
    _timeline(
        document,
        "created",
        f"{document.title}: {document.WORDS['created']} по шаблону «{template.name}»",
        by,
    )
    return document


def _locked(document):
    """The document's row, locked for the rest of the transaction."""
    return type(document).objects.select_for_update().select_related("deal").get(pk=document.pk)


def _timeline(document, action: str, text: str, actor=None) -> None:
    timeline_add(
        deal=document.deal,
        kind=f"{document.KIND}.{action}",
        text=text,
        actor=actor,
        url=document.card_url(),
    )


@transaction.atomic
def document_save_body(*, document, body: str, by):
    """Store the manager's edit of a draft's text (already checked by the form)."""
    locked = _locked(document)
    if not locked.is_draft:
        raise DocumentClosed
    locked.body = clean_html(body)
    locked.save(update_fields=["body", "updated_at"])
    _timeline(locked, "edited", f"{locked.title}: текст изменён", by)
    return locked


@transaction.atomic
def document_use_current_calculation(*, document, by):
    """Point a draft at the deal's current calculation (the manager chose another one
    since the draft was created)."""
    locked = _locked(document)
    if not locked.is_draft:
        raise DocumentClosed
    current = Calculation.objects.current_for(locked.deal)
    if current is not None and current.pk != locked.calculation_id:
        locked.calculation = current
        locked.save(update_fields=["calculation", "updated_at"])
        _timeline(locked, "edited", f"{locked.title}: взят {current.label.lower()}", by)
    return locked


@transaction.atomic
def document_finalize(*, document, by):
    """Fix the document's content: it is dated today and, unless it is a later version of
    a number, numbered from the counter of this year; the filled HTML is stored and is what
    the client sees from now on, its calculation is frozen, its PDF is rendered by a worker,
    and an earlier version of the same number is marked replaced. Safe to call on a fixed
    document."""
    locked = _locked(document)
    if locked.is_fixed:
        return locked
    if isinstance(locked, Contract) and locked.deal.client_id is None:
        raise ValidationError(NO_CLIENT)
    if document_versions(locked).filter(status="annulled").exists():
        raise ValidationError(f"{locked.title}: документ с этим номером аннулирован.")
    unknown = find_unknown_tags(locked.body)
    if unknown:
        raise ValidationError(
            "В тексте есть неизвестные метки: " + ", ".join(f"{{{{ {u} }}}}" for u in unknown)
        )
    if locked.calculation is not None:
        calculation_freeze(calculation=locked.calculation)
    seller, client = load_parties(locked.deal)
    now = timezone.now()
    locked.date = timezone.localdate()
    if locked.sequence is None:
        # Under the lock of this row and of the year's counter, in this transaction.
        locked.year = locked.date.year
        locked.sequence = next_number(kind=locked.KIND, year=locked.year)
    locked.status = locked.Status.SENT
    locked.sent_html = str(live_html(locked, seller=seller, client=client))
    locked.masked_html = str(live_html(locked, seller=seller, client=client, personal=False))
    locked.seller_logo = seller.logo.name if seller is not None and seller.logo else ""
    locked.sent_at = now
    locked.sent_by = by
    locked.save(
        update_fields=["year", "sequence", "date", "sent_html", "masked_html", "seller_logo"]
        + ["status", "sent_at", "sent_by", "updated_at"]
    )
    replaced = document_versions(locked).filter(replaced_at__isnull=True).exclude(pk=locked.pk)
    replaced = replaced.exclude(status=locked.Status.DRAFT)
    replaced.update(replaced_at=now)
    text = f"{locked.title}: {locked.WORDS['fixed']}, клиент видит именно этот текст"
    if locked.version > 1:
        text += "; прежняя редакция больше не принимается"
    _timeline(locked, "fixed", text, by)
    pdf_enqueue(locked)
    return locked


@transaction.atomic
def document_send(*, document, to: str, by, nonce: str = "") -> OutgoingEmail | None:
    """Fix the document if it is a draft and e-mail its link to `to`, with the PDF
    attached when it is ready. None when this very send (nonce) was already queued."""
    document = document_finalize(document=document, by=by)
    if document.is_annulled:
        raise ValidationError(
            f"{document.title} {document.WORDS['annulled']}: ссылку на него не отправляют."
        )
    attachments = []
    if document.pdf_ready:
        with document.pdf.open("rb") as file:
            attachments.append((document.download_name(), file.read(), "application/pdf"))
    return document_links.document_send(
        document=document, to=to, by=by, nonce=nonce, attachments=attachments
    )


@transaction.atomic
def document_new_version(*, document, by):
    """A draft of the next version: the same number, the text of this version, the deal's
    current calculation. If a draft of this number exists already, that one is returned."""
    source = _locked(document)
    model = type(source)
    if source.is_draft:
        return source
    versions = document_versions(source)
    if versions.filter(status=model.Status.ANNULLED).exists():
        raise ValidationError(
            f"{source.title} {source.WORDS['annulled']}: новую редакцию не создать."
        )
    draft = versions.filter(status=model.Status.DRAFT).order_by("-version").first()
    if draft is not None:
        return draft
    version = versions.aggregate(v=Max("version"))["v"] + 1
    new = model.objects.create(
        deal=source.deal,
        template=source.template,
        year=source.year,
        sequence=source.sequence,
        version=version,
        date=timezone.localdate(),
        calculation=Calculation.objects.current_for(source.deal) or source.calculation,
        body=source.body,
        created_by=by,
    )
    _timeline(new, "created", f"{new.title}: новая редакция, черновик", by)
    return new


def document_versions(document):
    """Every version of the document's number (a draft without a number is alone)."""
    model = type(document)
    if document.sequence is None:
        return model.objects.filter(pk=document.pk)
    return model.objects.filter(year=document.year, sequence=document.sequence)


@transaction.atomic
def document_annul(*, document, by, reason: str):
    """Annul a fixed proposal or contract: every fixed version of its number is marked
    annulled with who, when and why, keeping the number; a draft of its next version is
    deleted; the client's link says it is annulled and takes no answer; the PDF is rendered
    again with the mark. Only the deal's owner or the head of sales (PermissionDenied);
    a draft is deleted instead (ValidationError)."""
    locked = _locked(document)
    if by is None or not locked.deal.may_annul_documents(by):
        raise PermissionDenied(
            "Аннулировать документ может ответственный за сделку или руководитель."
        )
    if locked.is_draft:
        raise ValidationError("Черновик не аннулируют: он не отправлен, его можно удалить.")
    if locked.is_annulled:
        return locked
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise ValidationError("Укажите причину аннулирования.")
    now = timezone.now()
    model = type(locked)
    versions = document_versions(locked)
    versions.filter(status=model.Status.DRAFT).delete()
    fixed = list(versions.select_for_update().exclude(status=model.Status.ANNULLED))
    for version in fixed:
        version.status = model.Status.ANNULLED
        version.annulled_at, version.annulled_by, version.annul_reason = now, by, reason
        # The PDF without the mark is not handed out any more; the worker renders it again.
        version.pdf_sha256 = ""
    model.objects.bulk_update(
        fixed, ["status", "annulled_at", "annulled_by", "annul_reason", "pdf_sha256"]
    )
    locked.refresh_from_db()
    _timeline(
        locked,
        "annulled",
        f"{locked.title}: {locked.WORDS['annulled']}. Причина: {reason}",
        by,
    )
    for version in fixed:
        pdf_enqueue(version)
    return locked


@transaction.atomic
def document_delete(*, document, by) -> None:
    """Delete a draft: the client has never seen it, and a draft of a first version has no
    number. A fixed document is annulled instead (ValidationError)."""
    locked = _locked(document)
    if not locked.is_draft:
        raise ValidationError(
            f"{locked.title} не удаляется: документ, который видел клиент, можно аннулировать."
        )
    deal = locked.deal
    text = f"Удалён {locked.WORDS['draft_of']}"
    if locked.sequence is not None:
        text += f" № {locked.number_label}"
    locked.delete()
    timeline_add(deal=deal, kind=f"{locked.KIND}.deleted", text=text, actor=by)


@transaction.atomic
def proposal_respond(
    *, proposal: Proposal, accept: bool, comment: str = "", ip: str = "", user_agent: str = ""
) -> Proposal:
    """The client accepts or declines the proposal by its link: once, then it is closed.
    The deal's timeline and the manager learn of it; accepting may move the deal on.
    Raises DocumentClosed if it cannot be answered (any more)."""
    locked = _locked(proposal)
    if not locked.awaits_client:
        raise DocumentClosed
    now = timezone.now()
    locked.status = Proposal.Status.ACCEPTED if accept else Proposal.Status.DECLINED
    locked.responded_at = now
    locked.response_comment = comment.strip()
    locked.response_ip, locked.response_user_agent = client_says(ip, user_agent)
    locked.save(
        update_fields=["status", "responded_at", "response_comment", "response_ip"]
        + ["response_user_agent", "updated_at"]
    )
    deal = locked.deal
    verb = "принял" if accept else "отклонил"
    text = f"Клиент {verb} {locked.link_title()}"
    if locked.response_comment:
        text += f". Комментарий: {locked.response_comment}"
    _timeline(locked, "accepted" if accept else "declined", text)
    events.client_document(
        event="document.accepted" if accept else "document.declined",
        document=locked,
        comment=locked.response_comment,
    )
    notify(
        user=deal.manager,
        event="client.accepted" if accept else "client.declined",
        text=f"Клиент {verb} {locked.link_title()} · сделка {deal}",
        url=locked.card_url(),
        dedupe_key=f"responded:documents.proposal:{locked.pk}",
        email=Email(
            "proposal_responded",
            {
                "deal": deal,
                "manager": deal.manager,
                "title": locked.link_title(),
                "accepted": accept,
                "comment": locked.response_comment,
                "deal_url": locked.card_url(),
            },
        ),
    )
    if accept:
        deal_advance(
            deal=deal,
            to_stage=StageAutomation.load().proposal_accepted_stage,
            reason=f"клиент принял {locked.link_title()}",
        )
    return locked


@transaction.atomic
def contract_accept(
    *, contract: Contract, name: str, ip: str = "", user_agent: str = ""
) -> Contract:
    """«Согласен с условиями»: record who accepted, when, from where, and the SHA-256 of
    the exact PDF they accepted (rendered now if the worker has not yet); keep a copy of
    that PDF and have the worker stamp the acceptance onto a new one. Raises
    DocumentClosed if the contract cannot be accepted (any more)."""
    locked = _locked(contract)
    if not locked.awaits_client:
        raise DocumentClosed
    locked.status = Contract.Status.ACCEPTED
    acceptance_save(locked, name=name, ip=ip, user_agent=user_agent, also=["status"])
    deal = locked.deal
    _timeline(
        locked,
        "accepted",
        f"Клиент согласился с условиями: {locked.link_title()}. Принял: {locked.accepted_name}",
    )
    events.client_document(
        event="document.accepted", document=locked, accepted_by=locked.accepted_name
    )
    notify(
        user=deal.manager,
        event="client.accepted",
        text=f"Клиент согласился с условиями: {locked.link_title()} · сделка {deal}",
        url=locked.card_url(),
        dedupe_key=f"accepted:documents.contract:{locked.pk}",
        email=Email(
            "contract_accepted",
            {
                "deal": deal,
                "manager": deal.manager,
                "title": locked.link_title(),
                "contract": locked,
                "deal_url": locked.card_url(),
            },
        ),
    )
    deal_advance(
        deal=deal,
        to_stage=StageAutomation.load().contract_accepted_stage,
        reason=f"клиент принял {locked.link_title()}",
    )
    return locked


@transaction.atomic
def contract_act_create(*, contract: Contract, by) -> Act:
    """A draft act of the services of a fixed contract: the lines of its calculation, the
    contract as its basis; it closes the deal's issued invoices of that calculation
    (billing.services.act_create). Raises ValidationError with Russian messages."""
    locked = _locked(contract)
    if locked.is_draft or locked.is_replaced:
        raise ValidationError(
            "Акт составляется по зафиксированному договору, по его действующей редакции."
        )
    if locked.calculation is None:
        raise ValidationError("В договоре нет расчёта: составьте акт на странице счёта.")
    return act_create(deal=locked.deal, by=by, calculation=locked.calculation, basis=locked.title)
