"""What frames a client's page and an e-mail to the client: the seller's name and logo at the
top, the manager from «Мой профиль» at the bottom, in the proposal's contacts and in the
signature of the link e-mail."""

from django.core import mail
from django.urls import reverse

from .conftest import CONTACT_EMAIL

PROFILE = {
    "first_name": "Анна",
    "last_name": "Смирнова",
    "position": "Менеджер проектов",
    "phone": "+7 916 123 45 67",
    "email": "anna@pixel.example.ru",
    "email_signature": "",
}


def _profile(client, **changes):
    response = client.post(reverse("profile"), {**PROFILE, **changes})
    assert response.status_code == 302


def test_the_proposal_carries_the_phone_from_the_profile(client_a, anon, proposal, sent):
    _profile(client_a)
    proposal = sent(proposal)
    assert "Телефон: +7 916 123-45-67" in proposal.sent_html
    assert "E-mail: anna@pixel.example.ru" in proposal.sent_html
    page = anon.get(proposal.public_path()).text
    assert "Телефон: +7 916 123-45-67" in page


def test_the_client_page_shows_the_seller_on_top_and_the_manager_below(
    client_a, anon, proposal, sent, real_seller
):
    _profile(client_a)
    proposal = sent(proposal)
    page = anon.get(proposal.public_path()).text
    header = page[page.index('<header class="public-header">') : page.index("</header>")]
    assert f"{real_seller.name}" in header
    assert f'src="/p/kp/{proposal.token}/media/{real_seller.logo.name}"' in header
    assert f"<title>{proposal.title} · {real_seller.name}</title>" in page
    footer = page[page.index('<footer class="public-footer">') :]
    assert "Анна Смирнова" in footer and "Менеджер проектов" in footer
    assert 'href="tel:+79161234567">+7 916 123-45-67</a>' in footer
    assert 'href="mailto:anna@pixel.example.ru"' in footer


def test_the_questionnaire_has_the_logo_through_its_own_link(anon, questionnaire, real_seller):
    page = anon.get(questionnaire.public_path()).text
    logo = reverse("documents:questionnaire_public_logo", args=[questionnaire.token])
    assert f'src="{logo}"' in page
    response = anon.get(logo)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    questionnaire.revoke()
    assert anon.get(logo).status_code == 404


def test_without_a_logo_the_header_names_the_seller_and_shows_no_picture(
    anon, questionnaire, real_seller
):
    real_seller.logo = ""
    real_seller.save()
    page = anon.get(questionnaire.public_path()).text
    header = page[page.index('<header class="public-header">') : page.index("</header>")]
    assert real_seller.name in header and "<img" not in header
    logo = reverse("documents:questionnaire_public_logo", args=[questionnaire.token])
    assert anon.get(logo).status_code == 404


def test_the_link_email_ends_with_the_managers_own_signature(
    client_a, proposal, django_capture_on_commit_callbacks
):
    _profile(client_a, email_signature="С уважением,\nАнна Смирнова\n<Студия «Пиксель»>")
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(proposal.urls["send"], {"to": CONTACT_EMAIL, "nonce": "n1"})
    [message] = mail.outbox
    assert message.body.rstrip().endswith("С уважением,\nАнна Смирнова\n<Студия «Пиксель»>")
    html = message.alternatives[0][0]
    assert "С уважением,<br>Анна Смирнова<br>&lt;Студия «Пиксель»&gt;" in html


def test_without_a_signature_the_email_signs_with_name_position_and_phone(
    client_a, proposal, django_capture_on_commit_callbacks
):
    _profile(client_a)
    with django_capture_on_commit_callbacks(execute=True):
        client_a.post(proposal.urls["send"], {"to": CONTACT_EMAIL, "nonce": "n2"})
    [message] = mail.outbox
    assert "С уважением,\nАнна Смирнова, Менеджер проектов\n+7 916 123-45-67" in message.body
