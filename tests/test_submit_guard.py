"""Every kind of page carries the script that shows a submit at work and refuses a second
click (static/js/submit_guard.js), and the stylesheet of form marks: staff pages, client
pages by link and the admin, where imports run."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

GUARD = "js/submit_guard.js"


@pytest.fixture
def superuser(db):
    from crm.models import User

    return User.objects.create_superuser("root", "root@example.ru", "root")


def test_staff_pages_carry_the_guard_and_the_form_marks(client_a, stages):
    page = client_a.get(reverse("deals:create"))
    assert page.status_code == 200
    assert GUARD in page.text and "css/forms.css" in page.text


def test_the_login_page_and_client_pages_carry_the_guard(client):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert GUARD in page.text


def test_the_admin_import_page_carries_the_guard(client, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:contacts_client_import"))
    assert page.status_code == 200
    assert GUARD in page.text
    from django.contrib import admin

    assert str(admin.site.site_header) in page.text  # the admin keeps its own header


def test_the_guard_and_the_marks_are_static_files():
    assert finders.find(GUARD) and finders.find("css/forms.css")
