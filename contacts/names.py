"""The one Russian grammar of the project: personal names and positions, initials, the
genitive case for «в лице …» and the words that agree with a person's or an organisation's
gender («действующего», «именуемая»).

Names are declined with petrovich; a signatory's position («Генеральный директор») by a
small rule that covers the usual titles. Both results are suggestions a person may edit.
"""

import functools
import re

from petrovich.enums import Case, Gender
from petrovich.main import Petrovich

WORD_RE = re.compile(r"\S+")
CONSONANTS = "бвгджзклмнпрстфхцчшщ"
# After these letters Russian spelling writes «и», never «ы».
HUSHING_AND_VELAR = "гкхжшчщ"


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


def is_female(fio: str) -> bool:
    """By the patronymic, else the surname; an unknown gender counts as male, the form
    documents use by default."""
    return guess_gender(fio) == Gender.FEMALE


def agreeing(fio: str, masculine: str, feminine: str) -> str:
    """The word that agrees with the person: agreeing(fio, "действующего", "действующей")."""
    return feminine if is_female(fio) else masculine


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
    if lower.endswith(("ь", "й")):
        return word[:-1] + "я"
    if lower.endswith("а"):
        return word[:-1] + ("и" if lower[-2:-1] in HUSHING_AND_VELAR else "ы")
    if lower.endswith("я"):
        return word[:-1] + "и"
    if lower[-1] in CONSONANTS:
        return word + "а"
    # A foreign or abbreviated title («CEO», «ИП») is not declined.
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
    """«Генеральный директор» → «генерального директора»; «Председатель правления» →
    «председателя правления». Adjectives before the first noun and that noun change;
    the words after it already stand in the genitive. Inside a sentence a title is
    written in lower case, unless it starts with an abbreviation («ИТ-директор»)."""
    words = WORD_RE.findall(position or "")
    result = []
    for i, word in enumerate(words):
        if word.lower().endswith(("ый", "ий", "ой")):
            result.append(_adjective_genitive(word))
            continue
        result.append(_noun_genitive(word))
        result.extend(words[i + 1 :])
        break
    text = " ".join(result)
    if len(text) > 1 and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


# The word that says what an organisation is, by the gender of the participle it takes.
NEUTER_ORGANISATIONS = {
    "общество",
    "предприятие",
    "учреждение",
    "партнёрство",
    "партнерство",
    "товарищество",
    "бюро",
}
FEMININE_ORGANISATIONS = {"организация", "компания", "ассоциация", "корпорация", "коллегия"}
MASCULINE_ORGANISATIONS = {"фонд", "кооператив", "союз", "институт", "университет"}


def organisation_participle(full_name: str) -> str:
    """«именуемое», «именуемая» or «именуемый»: the participle agrees with the first word
    of the name that says what the organisation is («Общество …», «Автономная
    некоммерческая организация …», «Фонд …»)."""
    for word in (full_name or "").lower().replace("«", " ").split():
        if word in NEUTER_ORGANISATIONS:
            return "именуемое"
        if word in FEMININE_ORGANISATIONS:
            return "именуемая"
        if word in MASCULINE_ORGANISATIONS:
            return "именуемый"
    return "именуемое"


# Women's names that end in a soft sign (other names ending in a consonant, -ь or -й are
# men's), and men's names that end in -а or -я (other such names are women's). Short forms
# («Саша», «Женя») decline alike for both.
FEMININE_SOFT_NAMES = {"любовь", "нинель", "адель", "ассоль", "эсфирь", "юдифь", "рахиль"}
MASCULINE_A_NAMES = {
    "илья",
    "никита",
    "кузьма",
    "фома",
    "савва",
    "лука",
    "данила",
    "гаврила",
    "фока",
    "миша",
    "лёша",
    "алёша",
    "гоша",
    "дима",
    "вова",
    "паша",
    "петя",
    "ваня",
    "федя",
    "коля",
    "толя",
    "юра",
    "серёжа",
    "стёпа",
}


def first_name_gender(first: str) -> Gender | None:
    name = (first or "").strip().lower()
    if not name or not name.isalpha():
        return None
    if name in FEMININE_SOFT_NAMES:
        return Gender.FEMALE
    if name in MASCULINE_A_NAMES:
        return Gender.MALE
    if name[-1] in "ая":
        return Gender.FEMALE
    return Gender.MALE


def name_genitive(first: str, last: str = "") -> str:
    """A person named first name first, as users are: «Игорь Кузнецов» → «Игоря
    Кузнецова», «Анна» → «Анны». The gender comes from the surname, else the first name."""
    first, last = (first or "").strip(), (last or "").strip()
    gender = guess_gender(f"{last} {first}") if last else None
    gender = gender or first_name_gender(first)
    p = _petrovich()
    parts = []
    if first:
        parts.append(p.firstname(first, Case.GENITIVE, gender))
    if last:
        parts.append(p.lastname(last, Case.GENITIVE, gender))
    return " ".join(parts)
