"""Where media lives (MEDIA_STORAGE_URL) and who reads it by its address under /media/."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from crm.storage import media_storage

YANDEX = "endpoint_url=https://storage.yandexcloud.net&region=ru-central1"


def test_without_an_address_media_stays_in_the_local_folder():
    assert media_storage("", signed_url_seconds=60) == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


def test_an_s3_address_gives_a_private_bucket_with_short_signed_links():
    storage = media_storage(
        f"s3://AKIA123:abc%2Fdef%2Bghi@crm-media/production?{YANDEX}", signed_url_seconds=90
    )
    assert storage["BACKEND"] == "crm.s3.PrivateS3Storage"
    assert storage["OPTIONS"] == {
        "bucket_name": "crm-media",
        "location": "production",
        "endpoint_url": "https://storage.yandexcloud.net",
        "region_name": "ru-central1",
        "access_key": "AKIA123",
        "secret_key": "abc/def+ghi",
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 90,
        "signature_version": "s3v4",
        "file_overwrite": False,
    }


def test_without_keys_in_the_address_the_usual_aws_variables_are_left_to_read():
    options = media_storage(f"s3://crm-media?{YANDEX}", signed_url_seconds=60)["OPTIONS"]
    assert "access_key" not in options and "secret_key" not in options
    assert options["location"] == ""


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://storage.yandexcloud.net/crm-media", "must be empty or look like s3://"),
        # An unencoded "/" in the secret key cuts the address short: the message says how
        # to write it and does not repeat the address with its key.
        ("s3://AKIA123:abc/def@crm-media", "%2F"),
        ("s3://AKIA123@crm-media", "write both keys"),
        (f"s3://crm-media?{YANDEX}&acl=public-read", "unknown parameter 'acl'"),
        ("s3://crm-media?addressing_style=dns", "addressing_style is one of"),
        ("s3://crm-media?endpoint_url=storage.yandexcloud.net", "http(s) address"),
    ],
)
def test_a_wrong_address_stops_the_start_with_a_clear_message(url, message):
    with pytest.raises(ImproperlyConfigured) as error:
        media_storage(url, signed_url_seconds=60)
    assert message in str(error.value)
    assert "abc" not in str(error.value)


def test_production_reads_the_address_from_the_environment():
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "a-real-secret-key-" + "x7Q!" * 12,
        "ALLOWED_HOSTS": "crm.example.ru",
        "MEDIA_STORAGE_URL": f"s3://crm-media/production?{YANDEX}",
        "MEDIA_SIGNED_URL_SECONDS": "45",
    }
    code = (
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.bucket_name, s.location, s.querystring_expire, "
        "s.default_acl, s.url('seller/лого 1.png'))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "PrivateS3Storage",
        "crm-media",
        "production",
        "45",
        "None",
        "/media/seller/%D0%BB%D0%BE%D0%B3%D0%BE%201.png",
    ]


# The /media/ address, with the local folder


@pytest.fixture
def files(db):
    return {
        "logo": default_storage.save("seller/logo.png", ContentFile(b"\x89PNG logo")),
        "picture": default_storage.save("documents/images/plan.png", ContentFile(b"\x89PNG")),
        "pdf": default_storage.save("pdf/documents/contract/abc/dogovor.pdf", ContentFile(b"%PDF")),
    }


def test_staff_pages_load_the_logo_by_its_media_address(client_b, files):
    response = client_b.get(default_storage.url(files["logo"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.getvalue() == b"\x89PNG logo"


def test_template_pictures_by_their_media_address_are_for_the_head_who_edits_templates(
    client_b, client_head, files
):
    # A manager sees them inside a document of a deal of theirs, through its own address
    # (documents/tests/test_staff_document_media.py).
    url = default_storage.url(files["picture"])
    assert client_b.get(url).status_code == 404
    response = client_head.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert not response.get("Content-Disposition", "").startswith("attachment")
    assert response.getvalue() == b"\x89PNG"


def test_nobody_signed_out_reads_media(anon, files):
    for name in files.values():
        response = anon.get(default_storage.url(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_a_manager_gets_no_document_by_its_media_address_a_head_does(client_b, client_head, files):
    url = default_storage.url(files["pdf"])
    assert client_b.get(url).status_code == 404
    response = client_head.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="dogovor.pdf"'
    assert response.getvalue() == b"%PDF"


def test_a_path_that_leaves_the_picture_folder_is_refused(client_b, client_head, files):
    assert client_b.get("/media/documents/images/../../" + files["pdf"]).status_code == 404
    assert client_b.get("/media/documents/images/%2E%2E/%2E%2E/" + files["pdf"]).status_code == 404
    assert client_head.get("/media/../crm/settings.py").status_code == 404
    assert client_b.get("/media/seller/missing.png").status_code == 404
