"""The one Russian grammar of the project: personal names and positions, initials, the
genitive case for «в лице …» and the words that agree with a person's or an organisation's
gender («действующего», «именуемая»).

Names are declined with petrovich, which needs the person's gender: it comes from the
patronymic, else from the first name, else from the surname. A position («Генеральный
директор», «Заведующая») is declined by a small rule that covers the usual titles. Every
result says whether the grammar is sure of it (`Declension.sure`): when it is not (a name of
either gender, an unknown foreign name, a surname that families decline differently), the
form shows the suggestion for a person to check before documents use it.
"""

import functools
import re
from dataclasses import dataclass

from petrovich.enums import Case, Gender
from petrovich.main import Petrovich
from petrovich.rules import load_rules

WORD_RE = re.compile(r"\S+")
# «И.», «И.И.», «А.-Б.»: initials are written as they are, never declined.
INITIALS_RE = re.compile(r"^(?:[A-ZА-ЯЁ]\.-?)+$", re.IGNORECASE)
VOWELS = "аеёиоуыэюя"
CONSONANTS = "бвгджзклмнпрстфхцчшщ"
# After these letters Russian spelling writes «и», never «ы».
HUSHING_AND_VELAR = "гкхжшчщ"
HUSHING = "жшчщ"
CHECK_HINT = "Проверьте склонение"


@dataclass(frozen=True)
class Declension:
    """A declined name or position, and whether the grammar is sure of it."""

    text: str
    sure: bool = True


@functools.cache
def _petrovich() -> Petrovich:
    return Petrovich()


@functools.cache
def _surname_exceptions() -> frozenset[str]:
    """The surnames petrovich knows by heart («Дюма», «Тома»): its answer for them is sure."""
    rules = load_rules().lastname.exceptions
    return frozenset(test for rule in rules if not rule.tags for test in rule.tests)


def _words(text: str) -> frozenset[str]:
    """A set of lower-case words, «ё» written as «е» (people type either)."""
    return frozenset(text.replace("ё", "е").split())


# First names whose gender their ending does not tell. Ending rules: a name in -а/-я is a
# woman's, in a consonant or -й a man's; in -ь or another vowel it must be listed here.
MALE_NAMES = _words(
    """никита илья кузьма фома лука савва данила гаврила фока ерёма емеля мирза муса иса
    мустафа хамза шота гия заза зия миша гриша паша коля вася петя дима вова лёша алёша
    серёжа лёва ваня сеня федя юра костя митя толя боря гоша жора гена тима рома
    игорь лазарь шамиль рамиль наиль камиль джамиль халиль исмаиль эмиль рауль даниэль
    рафаэль михаэль габриэль мигель мануэль самуэль марсель василь авель израиль
    отто бруно марио педро антонио хосе анри али гоги уго пабло карло франко абу
    тео клаудио фабио ромео данте эрнесто джо"""
)
FEMALE_NAMES = _words(
    """любовь нинель адель ассоль жизель рахиль эсфирь юдифь руфь агарь изабель мирабель
    эстер ирэн кэтрин кэтлин элизабет маргарет джейн энн мэрилин хелен рэйчел гвен
    айгуль айгюль гульнар назгуль шахназ гульшат бибигуль айгюн
    мэри натали софи жюли келли молли салли эмили люси нелли элли полли долли нино
    тамрико кето ноэми наоми эми джуди кэти бетти мари"""
)
# Either gender: «Саша», «Женя».
EITHER_NAMES = _words("саша женя валя слава шура сима ли ким")
# A woman's names in -ь declined like «Любовь» → «Любови»; petrovich leaves other names in
# -ль as they are («Айгюль»), which families do either way.
FEMALE_SOFT_DECLINED = _words(
    "любовь нинель рахиль эсфирь юдифь руфь агарь адель ассоль жизель изабель мирабель"
)

MALE_PATRONYMIC_WORDS = ("оглы", "улы", "уулу", "угли")
FEMALE_PATRONYMIC_WORDS = ("кызы", "гызы", "кизи")
# Particles that belong to the surname: «фон Браун», «ван дер Берг», «де Голль».
SURNAME_PARTICLES = _words("фон ван дер де ди да дю ле ла дель ибн бен аль эль")

FEMALE_SURNAME_ENDINGS = ("ова", "ева", "ёва", "ина", "ына", "ская", "цкая", "ая", "яя")
MALE_SURNAME_ENDINGS = ("ов", "ев", "ёв", "ин", "ын", "ский", "цкий", "ый")
# A surname in -а/-я after a consonant is declined («Глинка» → «Глинки», «Окуджава» →
# «Окуджавы») unless the stress falls on the ending («Дюма»): only these endings are safe.
DECLINED_A_SURNAME_ENDINGS = ("ава", "ява", "ия", "ка", "га", "ха")
# Surnames with a vowel that may drop out: «Кравец» → «Кравца» or «Кравеца».
FLEETING_VOWEL_ENDINGS = ("ец", "ёк", "ек", "ок", "яц")


@dataclass(frozen=True)
class _Fio:
    """A full name split into its parts; initials are kept apart and never declined."""

    surname: str = ""
    first: str = ""
    middle: str = ""
    # The initials and the order they were written in: «И. И. Иванов» or «Иванов И. И.».
    initials: str = ""
    initials_first: bool = False


def _parse(fio: str) -> _Fio:
    words = WORD_RE.findall(fio or "")
    if not words:
        return _Fio()
    leading = []
    while words and INITIALS_RE.match(words[0]) and len(words) > 1:
        leading.append(words.pop(0))
    if leading:
        return _Fio(surname=" ".join(words), initials=" ".join(leading), initials_first=True)
    surname = [words.pop(0)]
    while surname[-1] in SURNAME_PARTICLES and words:
        surname.append(words.pop(0))
    if words and all(INITIALS_RE.match(word) for word in words):
        return _Fio(surname=" ".join(surname), initials=" ".join(words))
    first = words[0] if words else ""
    return _Fio(surname=" ".join(surname), first=first, middle=" ".join(words[1:]))


def split_fio(fio: str) -> tuple[str, str, str]:
    """«Иванов Иван Иванович» → (last, first, middle); missing parts are empty."""
    parts = _parse(fio)
    return parts.surname, parts.first, parts.middle


def _gender_by_patronymic(middle: str) -> Gender | None:
    lower = middle.lower()
    if lower.endswith(("ич", *MALE_PATRONYMIC_WORDS)):
        return Gender.MALE
    if lower.endswith(("вна", "чна", "шна", *FEMALE_PATRONYMIC_WORDS)):
        return Gender.FEMALE
    return None


def _name_key(first: str) -> str:
    """How a first name is looked up: lower case, «е» for «ё», the first part of a double
    name («Анна-Мария», «Жан-Поль»)."""
    return first.lower().replace("ё", "е").split("-")[0]


def _gender_by_first_name(first: str) -> Gender | None:
    lower = _name_key(first)
    if not lower or INITIALS_RE.match(first) or lower in EITHER_NAMES:
        return None
    for known, gender in ((MALE_NAMES, Gender.MALE), (FEMALE_NAMES, Gender.FEMALE)):
        if lower in known:
            return gender
    if lower.endswith(("гуль", "гюль")):
        return Gender.FEMALE
    if lower[-1] in "ая":
        return Gender.FEMALE
    if lower[-1] in CONSONANTS or lower[-1] == "й":
        return Gender.MALE
    return None


def _gender_by_surname(surname: str) -> Gender | None:
    lower = surname.lower().split("-")[-1]
    if lower.endswith(FEMALE_SURNAME_ENDINGS):
        return Gender.FEMALE
    # «Толстой», but not «Цой» or «Хой».
    if lower.endswith(MALE_SURNAME_ENDINGS) or (lower.endswith("ой") and len(lower) > 4):
        return Gender.MALE
    return None


# A second word with these endings is a surname: the name was written first («Анна
# Иванова»), and the parts cannot be told apart for sure.
SURNAME_LIKE_ENDINGS = ("ов", "ова", "ёв", "ёва", "ский", "ская", "цкий", "цкая")


def _looks_like_surname(word: str) -> bool:
    lower = word.lower()
    return lower.endswith(SURNAME_LIKE_ENDINGS) or (
        len(lower) > 4 and lower.endswith(("ев", "ева", "ой"))
    )


def _gender(parts: _Fio) -> tuple[Gender | None, bool]:
    """The gender and whether the parts of the name agree about it."""
    found = [
        g
        for g in (
            _gender_by_patronymic(parts.middle),
            _gender_by_first_name(parts.first),
            _gender_by_surname(parts.surname),
        )
        if g is not None
    ]
    if not found:
        return None, False
    return found[0], len(set(found)) == 1


def guess_gender(fio: str) -> Gender | None:
    """By the patronymic, else the first name, else the surname; None when none tells."""
    return _gender(_parse(fio))[0]


def _decline_surname(surname: str, gender: Gender) -> Declension:
    p = _petrovich()
    lower = surname.lower()
    sure = True
    for part in lower.split("-"):
        if part in _surname_exceptions() or part in SURNAME_PARTICLES:
            continue
        if gender == Gender.MALE and part.endswith(FLEETING_VOWEL_ENDINGS):
            sure = False
        if (
            len(part) > 1
            and part[-1] in "ая"
            and part[-2] not in VOWELS
            and not part.endswith(FEMALE_SURNAME_ENDINGS)
            and not part.endswith(DECLINED_A_SURNAME_ENDINGS)
        ):
            sure = False
    return Declension(p.lastname(surname, Case.GENITIVE, gender), sure)


def _decline_first_name(first: str, gender: Gender) -> Declension:
    lower = _name_key(first)
    known = lower in MALE_NAMES or lower in FEMALE_NAMES
    # A name in -ь or in a vowel other than -а/-я is declined only when the grammar knows it.
    sure = known or not (lower.endswith("ь") or lower[-1] in "еёиоуыэю")
    if gender == Gender.FEMALE and lower.endswith("ь"):
        if lower in FEMALE_SOFT_DECLINED:
            return Declension(first[:-1] + ("И" if first.isupper() else "и"), True)
        return Declension(first, False)
    return Declension(_petrovich().firstname(first, Case.GENITIVE, gender), sure)


def _decline_middle(middle: str, gender: Gender) -> Declension:
    lower = middle.lower()
    words = lower.split()
    if words[-1] in MALE_PATRONYMIC_WORDS + FEMALE_PATRONYMIC_WORDS:
        # «Гусейн оглы»: the father's name is already in the genitive.
        return Declension(middle, True)
    sure = _gender_by_patronymic(middle) == gender
    return Declension(_petrovich().middlename(middle, Case.GENITIVE, gender), sure)


def decline_fio(fio: str) -> Declension:
    """«Иванов Иван Иванович» → «Иванова Ивана Ивановича», sure; «Ким Саша» → «Кима Саши»,
    not sure (either gender). A gender nothing tells is taken as male."""
    parts = _parse(fio)
    if not parts.surname:
        return Declension("")
    reversed_order = _looks_like_surname(parts.first)
    if (
        reversed_order
        and not parts.middle
        and not parts.initials
        and not _looks_like_surname(parts.surname)
    ):
        # «Анна Иванова»: decline each word as what it is, keep the order, ask to check.
        swapped = decline_fio(f"{parts.first} {parts.surname}").text.split(" ", 1)
        return Declension(" ".join(reversed(swapped)), False)
    gender, agree = _gender(parts)
    sure = gender is not None and agree and not reversed_order
    gender = gender or Gender.MALE
    # Where the parts disagree, a surname of a clear gender keeps its own («Иванова»).
    declined = [_decline_surname(parts.surname, _gender_by_surname(parts.surname) or gender)]
    if parts.first:
        declined.append(_decline_first_name(parts.first, gender))
    if parts.middle:
        declined.append(_decline_middle(parts.middle, gender))
    words = [d.text for d in declined]
    if parts.initials:
        words.insert(0 if parts.initials_first else 1, parts.initials)
    return Declension(" ".join(words), sure and all(d.sure for d in declined))


def fio_genitive(fio: str) -> str:
    """«Иванов Иван Иванович» → «Иванова Ивана Ивановича»."""
    return decline_fio(fio).text


def _surname_and_name(parts: _Fio, gender: Gender) -> str:
    declined = [_decline_surname(parts.surname, gender)]
    if parts.first:
        declined.append(_decline_first_name(parts.first, gender))
    return " ".join(d.text for d in declined)


def is_female(fio: str, *, genitive: str = "") -> bool:
    """By the patronymic, else the first name, else the surname. When none tells, a
    genitive a person has confirmed may («Ким Саша» → «Ким Саши» is a woman); otherwise the
    name counts as male, the form documents use by default."""
    gender = guess_gender(fio)
    parts = _parse(fio)
    if gender is None and genitive and parts.surname:
        as_woman = _surname_and_name(parts, Gender.FEMALE)
        as_man = _surname_and_name(parts, Gender.MALE)
        said = " ".join(genitive.split())
        return as_woman != as_man and said.startswith(as_woman)
    return gender == Gender.FEMALE


def agreeing(fio: str, masculine: str, feminine: str, *, genitive: str = "") -> str:
    """The word that agrees with the person: agreeing(fio, "действующего", "действующей")."""
    return feminine if is_female(fio, genitive=genitive) else masculine


def fio_initials(fio: str) -> str:
    """«Иванов Иван Иванович» → «Иванов И. И.»."""
    parts = _parse(fio)
    if parts.initials:
        return f"{parts.surname} {parts.initials}"
    initials = " ".join(f"{part[0]}." for part in (parts.first, parts.middle) if part)
    return f"{parts.surname} {initials}".strip()


# Positions


# Nouns of positions whose genitive no rule gives.
POSITION_NOUNS = {"продавец": "продавца", "кузнец": "кузнеца", "певец": "певца"}


def _noun_genitive(word: str) -> Declension:
    lower = word.lower()
    if lower in POSITION_NOUNS:
        return Declension(_same_case(word, POSITION_NOUNS[lower]))
    if not re.fullmatch(r"[а-яё-]+", lower):
        # A foreign or abbreviated title («CEO», «ИП», «и. о.») is not declined.
        return Declension(word)
    if lower.endswith(FLEETING_VOWEL_ENDINGS):
        return Declension(word + "а", False)
    if lower.endswith("й"):
        return Declension(word[:-1] + "я")
    if lower.endswith("ь"):
        # -тель, -арь are masculine; another noun in -ь may be feminine («-ь» → «-и»).
        return Declension(word[:-1] + "я", lower.endswith(("тель", "арь", "ырь")))
    if lower.endswith("а"):
        return Declension(word[:-1] + ("и" if lower[-2:-1] in HUSHING_AND_VELAR else "ы"))
    if lower.endswith("я"):
        return Declension(word[:-1] + "и")
    if lower[-1] in CONSONANTS:
        return Declension(word + "а")
    # «Атташе», «врио»: not declined.
    return Declension(word)


def _same_case(word: str, form: str) -> str:
    return form[0].upper() + form[1:] if word[:1].isupper() else form


def _adjective_genitive(word: str) -> str | None:
    """The genitive of an adjective (or of a noun declined like one: «Заведующая»), None
    when the word is not one."""
    lower = word.lower()
    if lower.endswith(("ый", "ой")):
        return word[:-2] + "ого"
    if lower.endswith("ий"):
        # гий, кий, хий take -ого; the soft and hushing stems (-ний, -щий) take -его.
        return word[:-2] + ("ого" if lower[-3:-2] in "гкх" else "его")
    if lower.endswith("ая"):
        return word[:-2] + ("ей" if lower[-3:-2] in HUSHING else "ой")
    if lower.endswith("яя"):
        return word[:-2] + "ей"
    return None


def _keeps_capital(word: str) -> bool:
    """A title that starts with an abbreviation («ИТ-директор», «CEO») keeps its capitals."""
    head = re.split(r"[-.]", word)[0]
    return len(head) > 1 and head.isupper()


# Participles that are the head of a title and govern the words after it: «Заведующий
# складом», «Управляющий делами», «Исполняющий обязанности директора».
HEAD_PARTICIPLES = ("заведующ", "управляющ", "исполняющ", "ведающ")
GOVERNED_ENDINGS = ("ом", "ем", "ём", "ами", "ями", "ой", "ей", "ью", "ости")


def _governs_next(adjective: str, following: list[str]) -> bool:
    return bool(
        following
        and adjective.lower().startswith(HEAD_PARTICIPLES)
        and following[0].lower().endswith(GOVERNED_ENDINGS)
    )


def decline_position(position: str) -> Declension:
    """«Генеральный директор» → «генерального директора»; «Заведующая складом» →
    «заведующей складом». Adjectives before the first noun and that noun change; the words
    after it already stand in the genitive. Inside a sentence a title is written in lower
    case, unless it starts with an abbreviation («ИТ-директор»)."""
    words = WORD_RE.findall(position or "")
    result = []
    sure = True
    for i, word in enumerate(words):
        adjective = _adjective_genitive(word) if len(word) > 3 else None
        if adjective is not None:
            result.append(adjective)
            if _governs_next(word, words[i + 1 :]):
                result.extend(words[i + 1 :])
                break
            continue
        noun = _noun_genitive(word)
        result.append(noun.text)
        sure = noun.sure
        result.extend(words[i + 1 :])
        break
    text = " ".join(result)
    if text and not _keeps_capital(text.split()[0]):
        text = text[0].lower() + text[1:]
    return Declension(text, sure)


def position_genitive(position: str) -> str:
    """«Генеральный директор» → «генерального директора» (see decline_position)."""
    return decline_position(position).text


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
