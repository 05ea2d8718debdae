"""What the template body may hold after nh3."""

import pytest

from documents.sanitize import clean_html


def test_formatting_lists_tables_and_headings_are_kept():
    html = (
        "<h1>Договор</h1><h2>1. Предмет</h2><p><strong>а</strong><b>б</b><em>в</em><i>г</i>"
        '<u>д</u><s>е</s><br></p><ul><li>раз</li></ul><ol start="3"><li>три</li></ol>'
        "<blockquote>цитата</blockquote><hr>"
        '<table><thead><tr><th colspan="2">Шапка</th></tr></thead>'
        '<tbody><tr><td rowspan="2">1</td><td>2</td></tr></tbody></table>'
    )
    assert clean_html(html) == html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>текст<script>alert(1)</script></p>", "<p>текст</p>"),
        ("<style>p { display: none }</style><p>текст</p>", "<p>текст</p>"),
        ('<p style="color: red" class="x" id="y">текст</p>', "<p>текст</p>"),
        ('<p onclick="steal()">текст</p>', "<p>текст</p>"),
        (
            '<img src="/media/documents/images/a.png" onerror="steal()">',
            '<img src="/media/documents/images/a.png">',
        ),
        ('<iframe src="https://evil.example"></iframe><p>т</p>', "<p>т</p>"),
        ("<div><span>текст</span></div>", "текст"),
        ("<!-- заметка --><p>т</p>", "<p>т</p>"),
        ('<td colspan="abc">x</td>', "x"),
    ],
)
def test_scripts_styles_handlers_and_other_markup_are_removed(dirty, clean):
    assert clean_html(dirty) == clean


@pytest.mark.parametrize(
    ("href", "kept"),
    [
        ("https://example.ru/price", True),
        ("http://example.ru", True),
        ("mailto:sales@example.ru", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("/deals/1/", False),
        ("ftp://example.ru/file", False),
    ],
)
def test_links_keep_only_http_https_and_mailto(href, kept):
    html = clean_html(f'<p><a href="{href}">ссылка</a></p>')
    assert ("href=" in html) is kept
    assert 'rel="noopener noreferrer"' in html


@pytest.mark.parametrize(
    ("src", "kept"),
    [
        ("/media/documents/images/logo.png", True),
        ("/static/favicon.svg", True),
        ("https://evil.example/pixel.png", False),
        ("//evil.example/pixel.png", False),
        ("data:image/png;base64,AAAA", False),
        ("/media/../crm/settings.py", False),
        ("/deals/1/", False),
        ("file:///etc/passwd", False),
    ],
)
def test_images_come_only_from_the_projects_own_files(src, kept):
    html = clean_html(f'<p><img src="{src}" alt="лого"></p>')
    assert (f'src="{src}"' in html) is kept
    if not kept:
        assert "<img" not in html


def test_a_no_break_space_inside_tag_braces_becomes_a_space():
    assert clean_html("<p>{{&nbsp;client.inn\u00a0}}&nbsp;руб.</p>") == (
        "<p>{{ client.inn }}&nbsp;руб.</p>"
    )
