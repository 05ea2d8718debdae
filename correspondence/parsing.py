"""Reading a received message: its addresses, what the sender wrote without the quoted
history, its HTML cleaned with nh3, its attachments, and whether it is a robot's."""

import email
import email.policy
import html
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

import nh3
from django.utils import timezone

from documents.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, clean_html

MSGID_RE = re.compile(r"<[^<>\s]+>")
# What opens the quoted history of a reply, in the clients' mail programs.
QUOTE_HEADERS = [
    re.compile(r"^\s*(On|Le|Am)\s.{4,200}(wrote|a écrit|schrieb)\s*:\s*$", re.IGNORECASE),
    re.compile(r"^.{4,200}\sнаписал(а|\(а\))?\s*:\s*$", re.IGNORECASE),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Исходное сообщение|Пересылаемое сообщение|"
        r"Forwarded message)\s*-{2,}\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*_{10,}\s*$"),
    # Gmail in Russian: «пн, 30 нояб. 2026 г. в 10:00, Анна <sales@…>:»
    re.compile(r"^.{0,200}\d{1,2}:\d{2}.{0,200}<[^<>\s]+@[^<>\s]+>\s*:\s*$"),
]
# Outlook's block: «От: …» then «Отправлено: …» / «Sent: …» a few lines below.
OUTLOOK_FROM_RE = re.compile(r"^\s*\*?(От|From)\s*:\*?\s", re.IGNORECASE)
OUTLOOK_SENT_RE = re.compile(r"^\s*\*?(Отправлено|Sent|Дата|Date)\s*:\*?\s", re.IGNORECASE)
# Where the quoted history starts in the HTML of Gmail, Apple Mail, Thunderbird, Outlook,
# Yandex and Mail.ru (attributes as nh3 keeps them below).
HTML_QUOTE_MARKERS = [
    re.compile(r'<div class="[^"]*gmail_quote', re.IGNORECASE),
    re.compile(r'<blockquote type="cite"', re.IGNORECASE),
    re.compile(r'<div id="(divRplyFwdMsg|appendonsend|mail-app-auto-quote)"', re.IGNORECASE),
    re.compile(r'<div class="[^"]*(moz-cite-prefix|yandex_quote|js-helper)', re.IGNORECASE),
    re.compile(r"-{2,}\s*(Original Message|Исходное сообщение)\s*-{2,}", re.IGNORECASE),
    re.compile(r"<(b|strong)>\s*(От|From)\s*:\s*</(b|strong)>", re.IGNORECASE),
]
BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
# Defects of the MIME structure itself, as the reason names them.
STRUCTURE_DEFECTS = {
    "NoBoundaryInMultipartDefect": "у multipart нет границы частей (boundary)",
    "StartBoundaryNotFoundDefect": "граница частей multipart не найдена в теле",
    "MultipartInvariantViolationDefect": "multipart без частей",
    "CloseBoundaryNotFoundDefect": "письмо оборвано: нет закрывающей границы частей",
}


@dataclass
class Attachment:
    name: str
    content_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass
class ParsedMail:
    message_id: str
    from_name: str
    from_address: str
    to: list[str]
    subject: str
    text: str  # what the sender wrote, without the quoted history
    html: str  # cleaned with nh3, without the quoted history
    in_reply_to: str
    references: list[str]
    date: object
    attachments: list[Attachment] = field(default_factory=list)
    robot_reason: str = ""
    defects: list[str] = field(default_factory=list)

    def all_recipients(self) -> list[str]:
        return self.to


class Unreadable(ValueError):
    """The message cannot be read at all: kept with this reason."""


def parse(raw: bytes) -> ParsedMail:
    if not raw or not raw.strip():
        raise Unreadable("Пустое письмо.")
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; this is a broken byte stream
        raise Unreadable(f"Письмо не читается: {type(exc).__name__}: {exc}") from exc
    try:
        return _parse(msg)
    except Unreadable:
        raise
    except Exception as exc:
        raise Unreadable(f"Структура письма не читается: {type(exc).__name__}: {exc}") from exc


def _header(msg, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:
        value = msg.get_all(name, [None])[0] if hasattr(msg, "get_all") else None
    return " ".join(str(value or "").split())


def _ids(value: str) -> list[str]:
    return MSGID_RE.findall(value or "")


def _parse(msg: EmailMessage) -> ParsedMail:
    if not msg.keys():
        raise Unreadable("В письме нет заголовков.")
    from_name, from_address = parseaddr(_header(msg, "From"))
    recipients = [
        address.lower()
        for _, address in getaddresses(
            [_header(msg, h) for h in ("To", "Cc", "Delivered-To", "X-Original-To")]
        )
        if "@" in address
    ]
    message_ids = _ids(_header(msg, "Message-ID"))
    try:
        date = parsedate_to_datetime(_header(msg, "Date"))
        if timezone.is_naive(date):
            date = timezone.make_aware(date, timezone.get_current_timezone())
    except (TypeError, ValueError, IndexError):
        date = None
    text, html_body, attachments = _bodies(msg)
    defects = [type(d).__name__ for part in msg.walk() for d in getattr(part, "defects", [])]
    broken = [STRUCTURE_DEFECTS[d] for d in dict.fromkeys(defects) if d in STRUCTURE_DEFECTS]
    if broken and not (text.strip() or html_body.strip() or attachments):
        raise Unreadable(
            "Структура MIME нарушена (" + "; ".join(broken) + "): ни текста, ни вложений "
            "не извлечь. Исходное письмо сохранено."
        )
    html_clean = strip_quoted_html(html_body) if html_body else ""
    # Without a text part the text is read from the HTML, its quoted history cut already.
    text = strip_quoted(text) if text else html_to_text(html_clean)
    return ParsedMail(
        message_id=message_ids[0] if message_ids else "",
        from_name=from_name.strip()[:200],
        from_address=from_address.strip().lower()[:254],
        to=list(dict.fromkeys(recipients)),
        subject=_header(msg, "Subject")[:500],
        text=text,
        html=html_clean,
        in_reply_to=(_ids(_header(msg, "In-Reply-To")) or [""])[0],
        references=_ids(_header(msg, "References")),
        date=date,
        attachments=attachments,
        robot_reason=robot_reason(msg),
        defects=defects,
    )


def _bodies(msg: EmailMessage) -> tuple[str, str, list[Attachment]]:
    text = html_body = ""
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        if (
            disposition == "attachment"
            or (filename and disposition != "inline")
            or (filename and not content_type.startswith("text/"))
        ):
            payload = part.get_payload(decode=True) or b""
            name = " ".join(str(filename or "").split()) or "вложение"
            attachments.append(Attachment(name[:200], content_type, payload))
            continue
        if content_type == "text/plain" and not text:
            text = _text_of(part)
        elif content_type == "text/html" and not html_body:
            html_body = _text_of(part)
    return text, html_body, attachments


def _text_of(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def robot_reason(msg) -> str:
    """Why the message is a robot's (an auto-reply, a mailing list, a bounce), or ""."""
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Автоматическое письмо (Auto-Submitted: {auto})."
    precedence = _header(msg, "Precedence").lower()
    if precedence in BULK_PRECEDENCE:
        return f"Рассылка или автоответ (Precedence: {precedence})."
    for name in ("X-Autoreply", "X-Autorespond"):
        value = _header(msg, name)
        if value:
            return f"Автоответ ({name}: {value})."
    if _header(msg, "List-Id") or _header(msg, "List-Unsubscribe"):
        return "Письмо рассылки (List-Id)."
    if msg.get_content_type() == "multipart/report":
        return "Уведомление о доставке (multipart/report)."
    sender = parseaddr(_header(msg, "From"))[1].lower()
    if sender.split("@")[0] in ("mailer-daemon", "postmaster") or not _header(msg, "From"):
        return "Уведомление почтового сервера (MAILER-DAEMON)."
    return ""


def strip_quoted(text: str) -> str:
    """What the sender wrote: the text up to the first header of a quoted history, without
    «> » lines."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        joined = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line
        if any(p.match(line) or p.match(joined) for p in QUOTE_HEADERS):
            break
        if OUTLOOK_FROM_RE.match(line) and any(
            OUTLOOK_SENT_RE.match(next_line) for next_line in lines[i + 1 : i + 4]
        ):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    result = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", result)


def _keep_markers(html_text: str) -> str:
    attributes = {tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()}
    attributes["div"] = {"class", "id"}
    attributes["blockquote"] = {"type"}
    return nh3.clean(
        html_text,
        tags={*ALLOWED_TAGS, "div", "span"},
        clean_content_tags={"script", "style"},
        attributes=attributes,
        strip_comments=True,
    )


def strip_quoted_html(html_text: str) -> str:
    """The HTML cleaned with the document editor's rules (documents.sanitize), cut where the
    quoted history starts."""
    marked = _keep_markers(html_text)
    starts = [m.start() for p in HTML_QUOTE_MARKERS if (m := p.search(marked)) and m.start()]
    return clean_html(marked[: min(starts, default=len(marked))])


def html_to_text(html_text: str) -> str:
    marked = re.sub(r"(?i)<br\s*/?>", "\n", html_text or "")
    marked = re.sub(r"(?i)</(p|div|h[1-6]|li|tr|blockquote)>", "\n", marked)
    marked = re.sub(r"(?i)</t[dh]>", " ", marked)
    text = html.unescape(nh3.clean(marked, tags=set(), clean_content_tags={"script", "style"}))
    text = "\n".join(line.strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()
