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
        ("Генеральный директор", "Генерального директора"),
        ("Директор", "Директора"),
        ("Председатель правления", "Председателя правления"),
        ("Управляющий", "Управляющего"),
    ],
)
def test_it_declines_a_position(position, genitive):
    assert names.position_genitive(position) == genitive


def test_it_makes_initials():
    assert names.fio_initials("Иванов Иван Иванович") == "Иванов И. И."
    assert names.fio_initials("Иванов Иван") == "Иванов И."
