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


# Real names as they come in requisites: the genitive of «в лице …» and the participle of
# «…, действующий на основании …» (a sole proprietor) and «в лице …, действующего на
# основании …» (a signatory). Every one of these the declension is sure of.
M = ("действующий", "действующего")
F = ("действующая", "действующей")
NAME_TABLE = [
    # Russian names with a patronymic
    ("Иванов Иван Иванович", "Иванова Ивана Ивановича", M),
    ("Петров Пётр Петрович", "Петрова Петра Петровича", M),
    ("Соколов Лев Николаевич", "Соколова Льва Николаевича", M),
    ("Толстой Лев Николаевич", "Толстого Льва Николаевича", M),
    ("Достоевский Фёдор Михайлович", "Достоевского Фёдора Михайловича", M),
    ("Пушкин Александр Сергеевич", "Пушкина Александра Сергеевича", M),
    ("Гайдар Аркадий Петрович", "Гайдара Аркадия Петровича", M),
    ("Гоголь Николай Васильевич", "Гоголя Николая Васильевича", M),
    ("Глинка Михаил Иванович", "Глинки Михаила Ивановича", M),
    ("Шевчук Юрий Юлианович", "Шевчука Юрия Юлиановича", M),
    ("Абрамович Роман Аркадьевич", "Абрамовича Романа Аркадьевича", M),
    ("Нуриев Рамиль Маратович", "Нуриева Рамиля Маратовича", M),
    ("Фролов Лука Ильич", "Фролова Луки Ильича", M),
    ("Петрова Анна Сергеевна", "Петровой Анны Сергеевны", F),
    ("Соколова Марина Викторовна", "Соколовой Марины Викторовны", F),
    ("Толстая Софья Андреевна", "Толстой Софьи Андреевны", F),
    ("Трубецкая Екатерина Ивановна", "Трубецкой Екатерины Ивановны", F),
    ("Ильина Ксения Олеговна", "Ильиной Ксении Олеговны", F),
    ("Ульянова Мария Ильинична", "Ульяновой Марии Ильиничны", F),
    ("Шевчук Любовь Ивановна", "Шевчук Любови Ивановны", F),
    ("Абрамович Анна Романовна", "Абрамович Анны Романовны", F),
    # Double-barrelled surnames: both parts are declined
    ("Римский-Корсаков Николай Андреевич", "Римского-Корсакова Николая Андреевича", M),
    ("Салтыков-Щедрин Михаил Евграфович", "Салтыкова-Щедрина Михаила Евграфовича", M),
    ("Мамин-Сибиряк Дмитрий Наркисович", "Мамина-Сибиряка Дмитрия Наркисовича", M),
    ("Римская-Корсакова Надежда Николаевна", "Римской-Корсаковой Надежды Николаевны", F),
    ("Салтыкова-Щедрина Елена Павловна", "Салтыковой-Щедриной Елены Павловны", F),
    ("Петрова-Водкина Анастасия", "Петровой-Водкиной Анастасии", F),
    # -ко, -их, -ых are never declined
    ("Бондаренко Игорь", "Бондаренко Игоря", M),
    ("Бондаренко Ирина Петровна", "Бондаренко Ирины Петровны", F),
    ("Шевченко Тарас Григорьевич", "Шевченко Тараса Григорьевича", M),
    ("Шевченко Ольга", "Шевченко Ольги", F),
    ("Ткаченко Павел Ильич", "Ткаченко Павла Ильича", M),
    ("Черных Илья Петрович", "Черных Ильи Петровича", M),
    ("Седых Никита Сергеевич", "Седых Никиты Сергеевича", M),
    ("Долгих Кузьма Фомич", "Долгих Кузьмы Фомича", M),
    ("Черных Анна Ивановна", "Черных Анны Ивановны", F),
    ("Белых Мария", "Белых Марии", F),
    # оглы and кызы: the father's name and the word after it stay as they are
    ("Мамедов Алиф Гусейн оглы", "Мамедова Алифа Гусейн оглы", M),
    ("Алиев Гейдар Али оглы", "Алиева Гейдара Али оглы", M),
    ("Мамедова Лейла Алиф кызы", "Мамедовой Лейлы Алиф кызы", F),
    # Names without a patronymic: the first name tells the gender
    ("Горький Максим", "Горького Максима", M),
    ("Иванов Илья", "Иванова Ильи", M),
    ("Воробей Алексей", "Воробья Алексея", M),
    ("Гусейнов Шамиль", "Гусейнова Шамиля", M),
    ("Ким Александр", "Кима Александра", M),
    ("Ким Наталья", "Ким Натальи", F),
    ("Цой Виктор Робертович", "Цоя Виктора Робертовича", M),
    ("Цой Анна", "Цой Анны", F),
    ("Ли Мария", "Ли Марии", F),
    ("Жук Сергей", "Жука Сергея", M),
    ("Жук Светлана", "Жук Светланы", F),
    ("Лесная Дарья", "Лесной Дарьи", F),
    ("Кузьмина Любовь", "Кузьминой Любови", F),
    ("Гоголь Мария", "Гоголь Марии", F),
    # Foreign names: a man's surname in a consonant is declined, a woman's is not; a
    # surname or a name in a vowel other than -а/-я is never declined
    ("Смит Джон", "Смита Джона", M),
    ("Смит Мэри", "Смит Мэри", F),
    ("Кох Роберт", "Коха Роберта", M),
    ("Кох Ирина", "Кох Ирины", F),
    ("Мюллер Отто", "Мюллера Отто", M),
    ("Мюллер Анна", "Мюллер Анны", F),
    ("Гюго Виктор", "Гюго Виктора", M),
    ("Дюма Александр", "Дюма Александра", M),
    ("Дюма Натали", "Дюма Натали", F),
    ("Лопес Мария", "Лопес Марии", F),
    ("Окуджава Булат Шалвович", "Окуджавы Булата Шалвовича", M),
    ("Данелия Георгий Николаевич", "Данелии Георгия Николаевича", M),
    # Initials: the surname tells the gender, the initials stay
    ("Иванов И. И.", "Иванова И. И.", M),
    ("Петрова А. С.", "Петровой А. С.", F),
    ("Волкова О.А.", "Волковой О.А.", F),
    ("И. И. Иванов", "И. И. Иванова", M),
    # Letter case as typed is kept
    ("СИДОРОВ ПЁТР", "СИДОРОВА ПЕТРА", M),
]


@pytest.mark.parametrize(("fio", "genitive", "participles"), NAME_TABLE)
def test_a_name_is_declined_and_the_participle_agrees(fio, genitive, participles):
    declined = names.decline_fio(fio)
    assert (declined.text, declined.sure) == (genitive, True)
    nominative, genitive_participle = participles
    assert names.agreeing(fio, "действующий", "действующая") == nominative
    assert names.agreeing(fio, "действующего", "действующей") == genitive_participle


def test_the_name_table_is_large_enough_to_mean_something():
    assert len(NAME_TABLE) >= 60


@pytest.mark.parametrize(
    ("fio", "suggestion"),
    [
        # No patronymic and a name of either gender: a man's form is only a guess.
        ("Ким Саша", "Кима Саши"),
        ("Ли Женя", "Ли Жени"),
        # A foreign name the grammar does not know.
        ("Смит Эшли", "Смита Эшли"),
        # The first name and the surname disagree.
        ("Иванова Игорь", "Ивановой Игоря"),
        # A surname in -а/-я: «Окуджава» is declined, «Дюма» and «Золя» are not (the stress
        # falls on the ending); for one the grammar does not know it cannot tell.
        ("Золя Эмиль", "Золи Эмиля"),
        # A fleeting vowel: «Кравец» gives «Кравца» or «Кравеца» as the family writes it.
        ("Кравец Олег", "Кравца Олега"),
        # A woman's name in -ль: «Айгюль» or «Айгюли», as the family writes it.
        ("Гасанлы Айгюль Рашид кызы", "Гасанлы Айгюль Рашид кызы"),
        # The name written before the surname.
        ("Анна Иванова", "Анны Ивановой"),
        # Only a surname of no clear gender.
        ("Бондаренко", "Бондаренко"),
    ],
)
def test_a_declension_the_grammar_is_not_sure_of_is_marked_for_a_person_to_check(fio, suggestion):
    declined = names.decline_fio(fio)
    assert (declined.text, declined.sure) == (suggestion, False)


POSITION_TABLE = [
    ("Генеральный директор", "генерального директора"),
    ("Главный бухгалтер", "главного бухгалтера"),
    ("Заведующая", "заведующей"),
    ("Заведующая складом", "заведующей складом"),
    ("Заведующий отделом продаж", "заведующего отделом продаж"),
    ("Управляющий", "управляющего"),
    ("Управляющая", "управляющей"),
    ("Главная медсестра", "главной медсестры"),
    ("Старшая продавщица", "старшей продавщицы"),
    ("Ведущий специалист", "ведущего специалиста"),
    ("Коммерческий директор", "коммерческого директора"),
    (
        "Исполняющий обязанности генерального директора",
        "исполняющего обязанности генерального директора",
    ),
    ("И. о. генерального директора", "и. о. генерального директора"),
    ("Врио директора", "врио директора"),
    ("Заместитель генерального директора", "заместителя генерального директора"),
    ("Индивидуальный предприниматель", "индивидуального предпринимателя"),
    ("Продавец", "продавца"),
    ("Президент", "президента"),
    ("Руководитель", "руководителя"),
    ("Председатель правления", "председателя правления"),
]


@pytest.mark.parametrize(("position", "genitive"), POSITION_TABLE)
def test_a_position_is_declined_with_its_adjectives(position, genitive):
    declined = names.decline_position(position)
    assert (declined.text, declined.sure) == (genitive, True)


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
