"""Pictures of a proposal or contract on staff pages: loaded through the document's own
address, by whoever sees its deal, never by their media address (that one is the head's,
who edits the templates)."""

import html
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from deals import services as deal_services
from documents import services
from documents.models import Proposal

from .conftest import png_bytes


def with_picture(proposal, image=None):
    name = default_storage.save("documents/images/plan.png", ContentFile(image or png_bytes()))
    services.document_save_body(
        document=proposal,
        body=f'<p>План</p><p><img src="{default_storage.url(name)}" alt="план"></p>',
        by=None,
    )
    return Proposal.objects.get(pk=proposal.pk), name


def media_url(proposal, name):
    return reverse("documents:proposal_media", args=[proposal.deal_id, proposal.pk, name])


def test_the_owner_sees_the_picture_through_the_document_s_address(client_a, proposal):
    proposal, name = with_picture(proposal, png_bytes((0, 90, 0)))

    page = client_a.get(proposal.get_absolute_url())

    assert page.status_code == 200
    assert f'src="{media_url(proposal, name)}"' in page.content.decode()
    assert f'src="/media/{name}"' not in page.content.decode()
    picture = client_a.get(media_url(proposal, name))
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/png"
    assert picture.getvalue() == png_bytes((0, 90, 0))
    assert client_a.get(f"/media/{name}").status_code == 404


def test_another_manager_gets_404_and_a_task_holder_sees_it(
    client_b, proposal, manager_a, manager_b
):
    proposal, name = with_picture(proposal)
    url = media_url(proposal, name)

    assert client_b.get(url).status_code == 404
    deal_services.task_create(
        deal=proposal.deal,
        author=manager_a,
        assignee=manager_b,
        kind="call",
        text="Обсудить КП",
        due_at=timezone.now() + timedelta(days=1),
    )
    assert client_b.get(url).status_code == 200


def test_only_the_document_s_own_pictures_are_reachable(client_a, proposal):
    proposal, _ = with_picture(proposal)
    other = default_storage.save("documents/images/other.png", ContentFile(png_bytes()))
    pdf = default_storage.save("pdf/documents/proposal/x/kp.pdf", ContentFile(b"%PDF"))

    for name in (other, pdf, "documents/images/../../" + pdf, "seller/missing.png"):
        assert client_a.get(media_url(proposal, name)).status_code == 404, name


def test_the_editor_shows_pictures_by_the_document_s_address_and_stores_the_media_one(
    client_a, proposal
):
    proposal, name = with_picture(proposal)
    edit = reverse("documents:proposal_edit", args=[proposal.deal_id, proposal.pk])

    page = client_a.get(edit).content.decode()
    assert html.escape(f'src="{media_url(proposal, name)}"') in page

    response = client_a.post(
        edit, {"body": f'<p>Новый план</p><p><img src="{media_url(proposal, name)}"></p>'}
    )

    assert response.status_code == 302
    body = Proposal.objects.get(pk=proposal.pk).body
    assert f'src="/media/{name}"' in body
    assert "Новый план" in body
