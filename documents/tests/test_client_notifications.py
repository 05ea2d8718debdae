"""What a client does with a document reaches the deal's manager as a notification once,
and by e-mail as the manager chose (by default, as before: by e-mail too)."""

import pytest
from django.urls import reverse

from crm import notifications
from crm.models import Notification, OutgoingEmail

from .test_contracts import NAME, accept
from .test_proposals import respond
from .test_questionnaires import public


def told(user):
    return list(Notification.objects.filter(user=user).values_list("event", "text", "url"))


def app_only(user, event):
    notifications.preferences_save(user=user, email={event: False})


def test_the_first_open_notifies_the_manager_once(anon, client_a, manager_a, proposal, sent):
    proposal = sent(proposal)
    OutgoingEmail.objects.all().delete()
    for _ in range(3):
        anon.get(proposal.public_path())
    deal = proposal.deal
    assert told(manager_a) == [
        (
            "client.opened",
            f"Клиент открыл {proposal.link_title()} · сделка {deal}",
            f"{deal.get_absolute_url()}#proposal-{proposal.pk}",
        )
    ]
    assert OutgoingEmail.objects.get().template == "client_opened"
    assert 'data-unread="1"' in client_a.get(reverse("deals:list")).text


def test_a_manager_who_wants_it_in_the_app_only_gets_no_email(anon, manager_a, proposal, sent):
    proposal = sent(proposal)
    OutgoingEmail.objects.all().delete()
    app_only(manager_a, "client.opened")
    anon.get(proposal.public_path())
    assert [event for event, _, _ in told(manager_a)] == ["client.opened"]
    assert not OutgoingEmail.objects.exists()


def test_a_filled_questionnaire_notifies_once(anon, manager_a, questionnaire, answers):
    for _ in range(2):
        anon.post(public(questionnaire), {**answers, "action": "submit"})
    deal = questionnaire.deal
    assert told(manager_a) == [
        (
            "client.filled",
            f"Клиент заполнил анкету «{questionnaire.title}» · сделка {deal}",
            f"{deal.get_absolute_url()}#questionnaire-{questionnaire.pk}",
        ),
    ]
    assert OutgoingEmail.objects.filter(template="questionnaire_submitted").count() == 1


def test_a_filled_questionnaire_in_the_app_only(anon, manager_a, questionnaire, answers):
    app_only(manager_a, "client.filled")
    anon.post(public(questionnaire), {**answers, "action": "submit"})
    assert Notification.objects.filter(event="client.filled").count() == 1
    assert not OutgoingEmail.objects.filter(template="questionnaire_submitted").exists()


@pytest.mark.parametrize(
    "action, event, verb",
    [("accept", "client.accepted", "принял"), ("decline", "client.declined", "отклонил")],
)
def test_an_answer_to_the_proposal_notifies_once(
    anon, manager_a, proposal, sent, action, event, verb
):
    proposal = sent(proposal)
    respond(anon, proposal, action=action, comment="Подумаем")
    respond(anon, proposal, action="accept")  # a second tab: changes nothing
    [notification] = Notification.objects.filter(event__in=["client.accepted", "client.declined"])
    assert notification.event == event and notification.user == manager_a
    assert notification.text == f"Клиент {verb} {proposal.link_title()} · сделка {proposal.deal}"
    assert OutgoingEmail.objects.filter(template="proposal_responded").count() == 1


def test_a_declined_proposal_in_the_app_only(anon, manager_a, proposal, sent):
    proposal = sent(proposal)
    app_only(manager_a, "client.declined")
    respond(anon, proposal, action="decline", comment="Дорого")
    assert Notification.objects.filter(event="client.declined").count() == 1
    assert not OutgoingEmail.objects.filter(template="proposal_responded").exists()


def test_an_accepted_contract_notifies_once(anon, client_a, manager_a, contract, sent):
    contract = sent(contract)
    accept(anon, contract, full_name=NAME, consent="on")
    accept(anon, contract, full_name=NAME, consent="on")
    [notification] = Notification.objects.filter(event="client.accepted")
    assert notification.user == manager_a
    assert notification.text == (
        f"Клиент согласился с условиями: {contract.link_title()} · сделка {contract.deal}"
    )
    assert OutgoingEmail.objects.filter(template="contract_accepted").count() == 1
    # The manager clicks it in the list: it is read and the deal card opens at the contract.
    response = client_a.get(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == contract.card_url()
    notification.refresh_from_db()
    assert notification.is_read
