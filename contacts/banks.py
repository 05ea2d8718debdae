"""The Bank of Russia's БИК directory: reading its ED807 file and looking a БИК up in it.

The Bank of Russia publishes the directory every business day as an ED807 message (a
windows-1251 XML file, usually zipped): one BICDirectoryEntry per БИК, with ParticipantInfo
(NameP the name, Tnp and Nnp the kind and name of the settlement, ParticipantStatus PSDL
when the participant is being removed) and Accounts (RegulationAccountType CRSA is the
bank's correspondent account, AccountStatus ACAC an active one). `manage.py load_bik`
loads it (contacts.services.bank_directory_load); forms and the БИК endpoint ask
`find_bank`.
"""

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from . import requisites
from .models import Bank

CORRESPONDENT = "CRSA"
ACTIVE_ACCOUNT = "ACAC"
BEING_REMOVED = "PSDL"


class DirectoryError(ValueError):
    """A file that is not a readable ED807 directory; str() is the Russian message."""


@dataclass(frozen=True)
class DirectoryEntry:
    bik: str
    name: str
    city: str
    correspondent_account: str
    is_closed: bool


def _local(tag: str) -> str:
    """The element name without its namespace (urn:cbr-ru:ed:v2.0)."""
    return tag.rsplit("}", 1)[-1]


def _city(kind: str, name: str) -> str:
    """«г. Москва» from Tnp «г» and Nnp «Москва»; compound kinds (ст-ца) keep no dot."""
    kind, name = kind.strip(), name.strip()
    if not name:
        return ""
    if not kind:
        return name
    return f"{kind}. {name}" if kind.isalpha() else f"{kind} {name}"


def _entry(element) -> DirectoryEntry | None:
    bik = element.get("BIC", "")
    info = None
    correspondent = ""
    for child in element:
        name = _local(child.tag)
        if name == "ParticipantInfo":
            info = child
        elif (
            name == "Accounts"
            and child.get("RegulationAccountType") == CORRESPONDENT
            and child.get("AccountStatus", ACTIVE_ACCOUNT) == ACTIVE_ACCOUNT
        ):
            correspondent = child.get("Account", "")
    if info is None or not (len(bik) == 9 and bik.isdigit()):
        return None
    return DirectoryEntry(
        bik=bik,
        name=" ".join(info.get("NameP", "").split()),
        city=_city(info.get("Tnp", ""), info.get("Nnp", "")),
        correspondent_account=correspondent,
        is_closed=info.get("ParticipantStatus") == BEING_REMOVED,
    )


def parse_ed807(stream: IO[bytes]) -> Iterator[DirectoryEntry]:
    """The entries of an ED807 file, read as they come (the full directory is ~20 MB);
    the XML declaration names the encoding (windows-1251)."""
    try:
        # The file is the operator's download from cbr.ru; ElementTree resolves no external
        # entities and the bundled expat refuses entity-expansion bombs.
        for _event, element in ElementTree.iterparse(stream, events=("end",)):  # noqa: S314
            if _local(element.tag) == "BICDirectoryEntry":
                entry = _entry(element)
                element.clear()
                if entry is not None:
                    yield entry
    except ElementTree.ParseError as exc:
        raise DirectoryError(f"не удалось прочитать XML: {exc}") from exc


def read_directory(path: str | Path) -> list[DirectoryEntry]:
    """Every entry of an ED807 file, plain (.xml) or zipped as the Bank of Russia
    publishes it; DirectoryError when the file is not a directory."""
    path = Path(path)
    if not path.is_file():
        raise DirectoryError(f"файл не найден: {path}")
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.lower().endswith(".xml")]
                if not names:
                    raise DirectoryError("в архиве нет XML-файла справочника (ED807)")
                # The daily archive holds one file, e.g. 20261120_ED807_full.xml.
                name = next((n for n in names if "ED807" in n.upper()), names[0])
                with archive.open(name) as stream:
                    entries = list(parse_ed807(stream))
        except zipfile.BadZipFile as exc:
            raise DirectoryError(f"не удалось распаковать архив: {exc}") from exc
    else:
        with path.open("rb") as stream:
            entries = list(parse_ed807(stream))
    if not entries:
        raise DirectoryError(
            "в файле нет ни одной записи BICDirectoryEntry: это не справочник БИК (ED807)"
        )
    return entries


def find_bank(bik: str) -> Bank | None:
    """The bank of a БИК a person typed (9 digits, already checked). Once the directory is
    loaded it decides: a БИК missing from it or closed is refused. Before that only the
    structure is checked and None comes back."""
    bank = Bank.objects.filter(bik=bik).first()
    if bank is None:
        if Bank.objects.exists():
            raise requisites.InvalidRequisite(
                f"БИК {bik} нет в справочнике БИК Банка России — проверьте цифры "
                "или уточните БИК у банка."
            )
        requisites.check_bik_country(bik)
        return None
    if bank.is_closed:
        raise requisites.InvalidRequisite(
            f"БИК {bik} ({bank.name}) исключён из справочника Банка России: банк закрыт "
            "или сменил БИК. Уточните реквизиты."
        )
    return bank
