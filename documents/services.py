"""Questionnaire workflows: created from a template in a deal, filled by the client through
its link, submitted once."""

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from crm.mail import email_queue
from deals.models import Deal
from deals.services import timeline_add

from .models import Question, QuestionKind, Questionnaire, QuestionnaireTemplate
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
    """Store the final answers, note them in the deal timeline and e-mail the responsible
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
    email_queue(
        event_key=f"submitted:documents.questionnaire:{questionnaire.pk}",
        to=deal.manager.email,
        template="questionnaire_submitted",
        context={
            "questionnaire": questionnaire,
            "questions": questions,
            "deal": deal,
            "manager": deal.manager,
            "deal_url": _card_url(questionnaire),
        },
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
