"""The Bank of Russia's БИК directory: loading its ED807 file and looking a БИК up in it."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from contacts import banks
from contacts.models import Bank
from contacts.requisites import InvalidRequisite

SAMPLE = Path(__file__).parent / "data" / "ed807_sample.xml"


def load(path) -> str:
    out = io.StringIO()
    call_command("load_bik", str(path), stdout=out)
    return out.getvalue()


def variant(tmp_path, name: str, *replacements: tuple[str, str]) -> Path:
    """The sample with some text replaced, written in the directory's own encoding."""
    text = SAMPLE.read_bytes().decode("cp1251")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_bytes(text.encode("cp1251"))
    return path


def entry(bik: str) -> str:
    text = SAMPLE.read_bytes().decode("cp1251")
    start = text.index(f'<BICDirectoryEntry BIC="{bik}">')
    end = text.index("</BICDirectoryEntry>", start) + len("</BICDirectoryEntry>")
    return text[start:end]


def directory() -> dict:
    return {
        b.bik: (b.name, b.city, b.correspondent_account, b.is_closed)
        for b in Bank.objects.order_by("bik")
    }


EXPECTED = {
    "044525000": ("ГУ Банка России по ЦФО", "г. Москва", "", False),
    "044525225": ("ПАО Сбербанк", "г. Москва", "30101810400000000225", False),
    "044525974": ('АО "ТБанк"', "г. Москва", "30101810145250000974", False),
    "049805746": ("АО Банк Северный", "г. Якутск", "30101810800000000746", False),
}


@pytest.mark.django_db
class TestLoadBik:
    def test_it_loads_the_windows_1251_xml(self):
        output = load(SAMPLE)
        assert directory() == EXPECTED
        assert "Банков в справочнике: 4 (новых 4, изменено 0, закрыто 0)" in output

    def test_it_loads_the_zip_the_bank_of_russia_publishes(self, tmp_path):
        archive = tmp_path / "20261120_ED807_full.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(SAMPLE, "20261120_ED807_full.xml")
        load(archive)
        assert directory() == EXPECTED

    def test_loading_the_same_file_again_changes_nothing(self):
        load(SAMPLE)
        output = load(SAMPLE)
        assert directory() == EXPECTED
        assert "(новых 0, изменено 0, закрыто 0)" in output

    def test_a_newer_file_updates_closes_and_reopens(self, tmp_path):
        load(SAMPLE)
        newer = variant(
            tmp_path,
            "newer.xml",
            (entry("049805746"), ""),
            ('NameP="ПАО Сбербанк"', 'NameP="ПАО СБЕРБАНК"'),
        )
        output = load(newer)
        assert Bank.objects.get(bik="044525225").name == "ПАО СБЕРБАНК"
        gone = Bank.objects.get(bik="049805746")
        assert gone.is_closed and gone.correspondent_account == "30101810800000000746"
        assert "(новых 0, изменено 1, закрыто 1)" in output
        load(SAMPLE)
        assert directory() == EXPECTED

    def test_a_participant_marked_for_deletion_is_closed(self, tmp_path):
        marked = entry("049805746").replace('ParticipantStatus="PSAC"', 'ParticipantStatus="PSDL"')
        load(variant(tmp_path, "marked.xml", (entry("049805746"), marked)))
        assert Bank.objects.get(bik="049805746").is_closed

    def test_a_file_that_is_not_the_directory_is_refused_and_changes_nothing(self, tmp_path):
        load(SAMPLE)
        other = tmp_path / "other.xml"
        other.write_text('<?xml version="1.0"?><ED101 xmlns="urn:cbr-ru:ed:v2.0"/>')
        with pytest.raises(CommandError, match="нет ни одной записи BICDirectoryEntry"):
            load(other)
        broken = tmp_path / "broken.xml"
        broken.write_bytes(SAMPLE.read_bytes()[:500])
        with pytest.raises(CommandError, match="не удалось прочитать"):
            load(broken)
        empty_zip = tmp_path / "empty.zip"
        with zipfile.ZipFile(empty_zip, "w") as zf:
            zf.writestr("readme.txt", "nothing")
        with pytest.raises(CommandError, match="в архиве нет XML-файла"):
            load(empty_zip)
        with pytest.raises(CommandError, match="файл не найден"):
            load(tmp_path / "missing.xml")
        assert directory() == EXPECTED


@pytest.mark.django_db
class TestFindBank:
    def test_an_empty_directory_leaves_the_structural_checks(self):
        assert banks.find_bank("044525225") is None
        with pytest.raises(InvalidRequisite, match="начинается с 04"):
            banks.find_bank("144525225")

    def test_a_loaded_directory_knows_the_bank(self):
        load(SAMPLE)
        bank = banks.find_bank("044525974")
        assert bank.account_bank_name == 'АО "ТБанк", г. Москва'
        assert bank.correspondent_account == "30101810145250000974"

    def test_a_loaded_directory_refuses_an_unknown_bik(self):
        load(SAMPLE)
        with pytest.raises(InvalidRequisite, match="БИК 044525226 нет в справочнике"):
            banks.find_bank("044525226")

    def test_a_loaded_directory_refuses_a_closed_bank(self, tmp_path):
        load(SAMPLE)
        load(variant(tmp_path, "newer.xml", (entry("049805746"), "")))
        with pytest.raises(InvalidRequisite, match="исключён из справочника"):
            banks.find_bank("049805746")


@pytest.mark.django_db
def test_the_admin_shows_the_directory_read_only(client):
    from django.urls import reverse

    from crm.models import User

    client.force_login(User.objects.create_superuser("root", "root@example.ru", "root"))
    load(SAMPLE)
    listing = client.get(reverse("admin:contacts_bank_changelist"), {"q": "ТБанк"})
    assert listing.status_code == 200
    assert "044525974" in listing.text and "044525225" not in listing.text
    bank = Bank.objects.get(bik="044525974")
    page = client.get(reverse("admin:contacts_bank_change", args=[bank.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.text
