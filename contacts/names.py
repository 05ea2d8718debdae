"""Russian personal names and positions: initials and the genitive case for «в лице …».

Names are declined with petrovich; a signatory's position («Генеральный директор») by a
small rule that covers the usual titles. Both results are suggestions a person may edit.
"""

import functools
import re

from petrovich.enums import Case, Gender
from petrovich.main import Petrovich

WORD_RE = re.compile(r"\S+")


@functools.cache
def _petrovich() -> Petrovich:
    return Petrovich()


def split_fio(fio: str) -> tuple[str, str, str]:
    """«Иванов Иван Иванович» → (last, first, middle); missing parts are empty."""
    parts = (fio or "").split()
    last = parts[0] if parts else ""
    first = parts[1] if len(parts) > 1 else ""
    middle = " ".join(parts[2:])
    return last, first, middle


def guess_gender(fio: str) -> Gender | None:
    last, first, middle = split_fio(fio)
    patronymic = middle.lower()
    if patronymic.endswith(("вич", "ьич", "ич", "оглы", "улы")):
        return Gender.MALE
    if patronymic.endswith(("вна", "чна", "шна", "кызы", "гызы")):
        return Gender.FEMALE
    surname = last.lower()
    if surname.endswith(("ова", "ева", "ёва", "ина", "ына", "ская", "цкая")):
        return Gender.FEMALE
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын", "ский", "цкий")):
        return Gender.MALE
    return None


def fio_genitive(fio: str) -> str:
    """«Иванов Иван Иванович» → «Иванова Ивана Ивановича»."""
    last, first, middle = split_fio(fio)
    if not last:
        return ""
    gender = guess_gender(fio)
    p = _petrovich()
    parts = [p.lastname(last, Case.GENITIVE, gender)]
    if first:
        parts.append(p.firstname(first, Case.GENITIVE, gender))
    if middle:
        parts.append(p.middlename(middle, Case.GENITIVE, gender))
    return " ".join(parts)


def fio_initials(fio: str) -> str:
    """«Иванов Иван Иванович» → «Иванов И. И.»."""
    last, first, middle = split_fio(fio)
    initials = " ".join(f"{part[0]}." for part in (first, middle) if part)
    return f"{last} {initials}".strip()


def _noun_genitive(word: str) -> str:
    lower = word.lower()
    if lower.endswith("ь"):
        return word[:-1] + "я"
    if lower.endswith("й"):
        return word[:-1] + "я"
    if lower.endswith("а"):
        return word[:-1] + "ы"
    if lower.endswith("я"):
        return word[:-1] + "и"
    if lower[-1:] in "бвгджзклмнпрстфхцчшщ":
        return word + "а"
    return word


def _adjective_genitive(word: str) -> str:
    lower = word.lower()
    if lower.endswith(("ый", "ой")):
        return word[:-2] + "ого"
    if lower.endswith(("жий", "ший", "чий", "щий")):
        return word[:-2] + "его"
    if lower.endswith("ий"):
        # гий, кий, хий take -ого; the soft stems (-ний) take -его.
        return word[:-2] + ("ого" if lower[-3:-2] in "гкх" else "его")
    return word


def position_genitive(position: str) -> str:
    """«Генеральный директор» → «Генерального директора»; «Председатель правления» →
    «Председателя правления». Adjectives before the first noun and that noun change;
    the words after it already stand in the genitive."""
    words = WORD_RE.findall(position or "")
    result = []
    for i, word in enumerate(words):
        if word.lower().endswith(("ый", "ий", "ой")):
            result.append(_adjective_genitive(word))
            continue
        result.append(_noun_genitive(word))
        result.extend(words[i + 1 :])
        break
    return " ".join(result)
