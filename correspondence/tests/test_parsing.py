"""What a client wrote, without the history their mail program quoted, and robots told apart."""

import pytest

from correspondence import parsing


@pytest.mark.parametrize(
    "text",
    [
        "Согласен.\n\nOn Mon, 30 Nov 2026 at 10:00, Анна <sales@crm.test> wrote:\n> Добрый день",
        "Согласен.\n\nOn Mon, 30 Nov 2026 at 10:00, Анна Смирнова\n<sales@crm.test> wrote:\n> x",
        "Согласен.\n\n30.11.2026, 10:00, Анна Смирнова написал(а):\n> Добрый день",
        "Согласен.\n\nПн, 30 нояб. 2026 г. в 10:00, Анна <sales@crm.test>:\n> Добрый день",
        "Согласен.\n\n-----Original Message-----\nFrom: Анна\nSent: Monday\nДобрый день",
        "Согласен.\n\nОт: Анна Смирнова <sales@crm.test>\nОтправлено: 30 ноября 2026 г.\nТема: x",
        "Согласен.\n> Добрый день\n> Смета во вложении",
    ],
)
def test_it_cuts_the_quoted_history_of_each_mail_program(text):
    assert parsing.strip_quoted(text) == "Согласен."


def test_it_keeps_a_letter_without_history_whole():
    text = "Добрый день!\n\nОт нас: макет и смета.\nСпасибо."
    assert parsing.strip_quoted(text) == text


@pytest.mark.parametrize(
    "html",
    [
        '<p>Ок</p><div class="gmail_quote"><p>Старое</p></div>',
        '<p>Ок</p><blockquote type="cite"><p>Старое</p></blockquote>',
        '<p>Ок</p><div id="divRplyFwdMsg"><b>От:</b> Старое</div>',
        "<p>Ок</p><p>-----Original Message-----</p><p>Старое</p>",
        '<p>Ок</p><div class="yandex_quote">Старое</div>',
    ],
)
def test_it_cuts_the_quoted_history_of_html(html):
    cleaned = parsing.strip_quoted_html(html)
    assert "Ок" in cleaned and "Старое" not in cleaned


def test_html_is_cleaned_of_scripts_handlers_and_remote_pictures():
    cleaned = parsing.strip_quoted_html(
        '<p onclick="x()">Текст</p><script>steal()</script><img src="https://t.example/p.gif">'
        '<a href="javascript:alert(1)">ссылка</a><iframe src="https://evil"></iframe>'
    )
    assert "Текст" in cleaned
    for bad in ("onclick", "steal", "t.example", "javascript", "iframe"):
        assert bad not in cleaned


@pytest.mark.parametrize(
    "header, reason",
    [
        ("Auto-Submitted: auto-replied", "Auto-Submitted"),
        ("Precedence: bulk", "bulk"),
        ("Precedence: junk", "junk"),
        ("Precedence: list", "list"),
        ("X-Autoreply: yes", "X-Autoreply"),
        ("List-Id: <news.shop.test>", "List-Id"),
    ],
)
def test_robots_are_told_apart_with_the_reason(header, reason):
    raw = f"From: a@client.test\r\n{header}\r\nSubject: x\r\n\r\nbody\r\n".encode()
    assert reason in parsing.parse(raw).robot_reason


def test_a_person_is_not_a_robot():
    raw = b"From: a@client.test\r\nAuto-Submitted: no\r\nSubject: x\r\n\r\nbody\r\n"
    assert parsing.parse(raw).robot_reason == ""


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x00\x01\x02 not a message"])
def test_what_is_not_a_message_is_unreadable_with_the_reason(raw):
    with pytest.raises(parsing.Unreadable):
        parsing.parse(raw)


def test_a_broken_mime_structure_is_unreadable_with_the_defect_named():
    raw = (
        b"From: ivan@client.test\r\nSubject: b\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=XYZ\r\n\r\nno boundaries here\r\n"
    )
    with pytest.raises(parsing.Unreadable, match="граница частей multipart не найдена"):
        parsing.parse(raw)


def test_a_broken_encoding_keeps_what_can_be_read():
    raw = (
        b"From: ivan@client.test\r\nSubject: b\r\nContent-Type: text/plain; charset=koi8-xx\r\n"
        b"\r\n" + "Текст".encode("koi8-r") + b"\r\n"
    )
    assert parsing.parse(raw).text
