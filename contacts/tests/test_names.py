import pytest

from contacts import names


@pytest.mark.parametrize(
    ("fio", "genitive"),
    [
        ("Иванов Иван Иванович", "Иванова Ивана Ивановича"),
        ("Петрова Анна Сергеевна", "Петровой Анны Сергеевны"),
        ("Черных Илья Петрович", "Черных Ильи Петровича"),
        ("", ""),
    ],
)
def test_it_declines_a_name_into_the_genitive(fio, genitive):
    assert names.fio_genitive(fio) == genitive


@pytest.mark.parametrize(
    ("position", "genitive"),
    [
        ("Генеральный директор", "генерального директора"),
        ("Директор", "директора"),
        ("Исполнительный директор", "исполнительного директора"),
        ("Председатель правления", "председателя правления"),
        ("Управляющий", "управляющего"),
        ("Управляющий партнёр", "управляющего партнёра"),
        ("Вице-президент", "вице-президента"),
        ("Директор по развитию", "директора по развитию"),
        ("Глава", "главы"),
        ("", ""),
    ],
)
def test_it_declines_a_position(position, genitive):
    assert names.position_genitive(position) == genitive


# Where the grammar once copied into documents gave another answer, the correct Russian:
@pytest.mark.parametrize(
    ("position", "genitive"),
    [
        # Inside «в лице …» a title is written in lower case…
        ("Генеральный директор", "генерального директора"),
        # …unless it starts with an abbreviation.
        ("ИТ-директор", "ИТ-директора"),
        # A noun in -й or -я is declined too.
        ("Казначей", "казначея"),
        ("Судья", "судьи"),
        # After г, к, х, ж, ш, ч, щ Russian writes «и», not «ы».
        ("Практикантка", "практикантки"),
        # A title in Latin letters is left as it is, not given a Russian ending.
        ("CEO", "CEO"),
    ],
)
def test_the_one_grammar_gives_the_correct_russian_where_the_copies_disagreed(position, genitive):
    assert names.position_genitive(position) == genitive


@pytest.mark.parametrize(
    ("fio", "acting"),
    [
        ("Петрова Мария Сергеевна", "действующей"),
        ("Иванов Сергей Николаевич", "действующего"),
        # «кызы» and «оглы» are separate words after the father's name.
        ("Гасанлы Айгюль Рашид кызы", "действующей"),
        ("Мамедов Алиф Гусейн оглы", "действующего"),
        ("Ким Александр", "действующего"),
    ],
)
def test_the_participle_agrees_with_the_signatory(fio, acting):
    assert names.agreeing(fio, "действующего", "действующей") == acting


@pytest.mark.parametrize(
    ("full_name", "participle"),
    [
        ("Общество с ограниченной ответственностью «Ромашка»", "именуемое"),
        ("Автономная некоммерческая организация «Развитие»", "именуемая"),
        ("Благотворительный фонд «Помощь»", "именуемый"),
        ("«Ромашка»", "именуемое"),
    ],
)
def test_the_participle_agrees_with_the_kind_of_organisation(full_name, participle):
    assert names.organisation_participle(full_name) == participle


def test_it_makes_initials():
    assert names.fio_initials("Иванов Иван Иванович") == "Иванов И. И."
    assert names.fio_initials("Иванов Иван") == "Иванов И."
    assert names.fio_initials("Мамедов Алиф Гусейн оглы") == "Мамедов А. Г."
    assert names.fio_initials("") == ""


@pytest.mark.parametrize(
    ("first", "last", "genitive"),
    [
        ("Игорь", "Кузнецов", "Игоря Кузнецова"),
        ("Анна", "Смирнова", "Анны Смирновой"),
        ("Анна", "", "Анны"),
        ("Борис", "", "Бориса"),
        ("Илья", "Черных", "Ильи Черных"),
        ("Любовь", "", "Любови"),
        ("Никита", "Белов", "Никиты Белова"),
        ("", "", ""),
    ],
)
def test_it_declines_a_first_name_first_into_the_genitive(first, last, genitive):
    assert names.name_genitive(first, last) == genitive
