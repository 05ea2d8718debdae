"""The console e-mail backend of local runs (EMAIL_URL unset or consolemail://): each message
as a person reads it — sender, recipients, the decoded subject, the plain-text body and the
attachments' names and sizes — instead of the raw MIME with base64 bodies and encoded words.

It reads the message Django would send (EmailMessage.message()), so what is shown is what an
SMTP server would get."""

from email import message_from_bytes, policy

from django.core.mail.backends import console

SEPARATOR = "=" * 79


class EmailBackend(console.EmailBackend):
    def write_message(self, message):
        self.stream.write(render(message))


def render(message) -> str:
    msg = message_from_bytes(message.message().as_bytes(), policy=policy.default)
    lines = [SEPARATOR]
    headers = [
        ("От", msg["From"]),
        ("Кому", msg["To"]),
        ("Копия", msg["Cc"]),
        ("Скрытая копия", ", ".join(message.bcc)),  # never a header of the sent message
        ("Ответ на", msg["Reply-To"]),
        ("Тема", msg["Subject"]),
    ]
    for label, value in headers:
        if value:
            lines.append(f"{label}: {' '.join(str(value).split())}")
    lines.append("")
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        if body.get_content_type() == "text/html":
            lines.append("(только HTML-версия)")
        lines.append(body.get_content().rstrip("\n"))
    # The HTML alternative of the body is not an attachment; files are.
    attachments = [
        part
        for part in msg.iter_attachments()
        if part.get_filename() or part.get_content_type() != "text/html"
    ]
    if attachments:
        lines.append("")
    for part in attachments:
        size = _size(len(part.get_payload(decode=True) or b""))
        name = part.get_filename() or "без имени"
        lines.append(f"Вложение: {name} ({part.get_content_type()}, {size})")
    lines.append(SEPARATOR)
    return "\n".join(lines) + "\n"


def _size(length: int) -> str:
    if length < 1024:
        return f"{length} Б"
    if length < 1024 * 1024:
        return f"{length / 1024:.1f} КБ".replace(".", ",")
    return f"{length / 1024 / 1024:.1f} МБ".replace(".", ",")
