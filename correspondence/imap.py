"""Reading mailboxes over IMAP. For each new UID: take the message, store it raw and move
the mailbox's mark past it in one commit, read it in another, and only then mark it read
(or move it) in the mailbox. A worker that dies anywhere in between loses nothing: what
was stored and not read is read on the next poll, what was not stored is taken again, and
(mailbox, UIDVALIDITY, UID) and the Message-ID keep anything from being taken twice."""

import contextlib
import imaplib
import ipaddress
import logging
import re
import ssl
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import services
from .models import IncomingMessage, Mailbox

logger = logging.getLogger(__name__)

UIDVALIDITY_RE = re.compile(rb"UIDVALIDITY (\d+)")
SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")
MB = 1024 * 1024


class MailboxError(Exception):
    """The mailbox cannot be read now (refused login, no SSL, network): said in Russian."""


@dataclass
class PollResult:
    taken: int = 0
    processed: list = field(default_factory=list)


def settings_mailbox() -> dict | None:
    """MAIL_IMAP_URL read: imaps://user:password@host:993/INBOX (imap:// is without SSL)."""
    url = settings.MAIL_IMAP_URL
    if not url:
        return None
    parts = urlsplit(url)
    use_ssl = parts.scheme == "imaps"
    return {
        "host": parts.hostname or "",
        "port": parts.port or (993 if use_ssl else 143),
        "use_ssl": use_ssl,
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "folder": unquote(parts.path.lstrip("/")) or "INBOX",
    }


def mailboxes() -> list[Mailbox]:
    """The active mailboxes, the one of MAIL_IMAP_URL among them (its row made or updated
    here; its password stays in the settings)."""
    found = settings_mailbox()
    if found:
        Mailbox.objects.update_or_create(
            from_settings=True,
            defaults={
                "name": f"{found['username']}@{found['host']} (MAIL_IMAP_URL)"[:200],
                "host": found["host"],
                "port": found["port"],
                "use_ssl": found["use_ssl"],
                "username": found["username"],
                "folder": found["folder"],
                "done_folder": settings.MAIL_IMAP_DONE_FOLDER,
            },
        )
    else:
        Mailbox.objects.filter(from_settings=True).update(active=False)
    return list(Mailbox.objects.filter(active=True).select_related("lead_source"))


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    timeout = settings.MAIL_IMAP_TIMEOUT
    try:
        if mailbox.use_ssl:
            imap = imaplib.IMAP4_SSL(
                mailbox.host,
                mailbox.port,
                ssl_context=ssl.create_default_context(),
                timeout=timeout,
            )
        else:
            if settings.MAIL_IMAP_REQUIRE_SSL or not _loopback(mailbox.host):
                raise MailboxError(
                    "Ящик без SSL не читается: пароль ушёл бы открытым текстом. Включите SSL "
                    "(порт 993); без SSL можно только сервер на этой машине при "
                    "MAIL_IMAP_REQUIRE_SSL=False."
                )
            imap = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=timeout)
        imap.login(mailbox.username, mailbox.imap_password())
    except MailboxError:
        raise
    except imaplib.IMAP4.error as exc:
        raise MailboxError(f"Сервер отказал во входе: {exc}") from exc
    except (OSError, ssl.SSLError) as exc:
        raise MailboxError(f"Сервер IMAP недоступен: {type(exc).__name__}: {exc}") from exc
    return imap


def _uidvalidity(imap: imaplib.IMAP4, folder: str) -> int:
    typ, data = imap.select(_quoted(folder))
    if typ != "OK":
        raise MailboxError(f"Папки «{folder}» нет в ящике.")
    _, values = imap.response("UIDVALIDITY")
    if values and values[0]:
        return int(values[0])
    typ, data = imap.status(_quoted(folder), "(UIDVALIDITY)")
    found = UIDVALIDITY_RE.search(data[0] or b"")
    if not found:
        raise MailboxError("Сервер не сообщил UIDVALIDITY папки.")
    return int(found[1])


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox_poll(*, mailbox: Mailbox, batch: int | None = None) -> PollResult:
    """Take up to `batch` new messages of the mailbox. One poll of a mailbox at a time: the
    lock is renewed with every message, so a poller killed outright holds it no longer than
    MAIL_POLL_LOCK_SECONDS."""
    lock = _lock_key(mailbox)
    if not cache.add(lock, 1, settings.MAIL_POLL_LOCK_SECONDS):
        return PollResult()
    try:
        result = _poll(mailbox, batch or settings.MAIL_POLL_BATCH)
    except MailboxError as exc:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_error=str(exc), last_polled_at=timezone.now()
        )
        raise
    finally:
        cache.delete(lock)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_error="", last_polled_at=timezone.now())
    return result


def _lock_key(mailbox: Mailbox) -> str:
    return f"mailbox-poll:{mailbox.pk}"


def _poll(mailbox: Mailbox, batch: int) -> PollResult:
    result = PollResult()
    imap = connect(mailbox)
    try:
        uidvalidity = _uidvalidity(imap, mailbox.folder)
        mailbox.refresh_from_db(fields=["uidvalidity", "last_uid"])
        if mailbox.uidvalidity != uidvalidity:
            # The server renumbered the folder: take it again from the start; the
            # Message-ID keeps what was read before from being added twice.
            Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0

        # Left by a worker that died: stored but not read, or read but not marked.
        left = IncomingMessage.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity)
        for pk in left.filter(status=IncomingMessage.Status.RECEIVED).values_list("pk", flat=True):
            result.processed.append(services.incoming_process(message_id=pk))
        unmarked = left.filter(seen_at__isnull=True).exclude(status=IncomingMessage.Status.RECEIVED)
        for message in unmarked.only("pk", "uid", "status", "size"):
            _mark_done(imap, mailbox, message)

        typ, data = imap.uid("SEARCH", None, f"UID {mailbox.last_uid + 1}:*")
        uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > mailbox.last_uid)
        for uid in uids[:batch]:
            cache.touch(_lock_key(mailbox), settings.MAIL_POLL_LOCK_SECONDS)
            message = _take(imap, mailbox, uidvalidity, uid)
            if message is None:
                continue
            result.taken += 1
            message = services.incoming_process(message_id=message.pk)
            result.processed.append(message)
            _mark_done(imap, mailbox, message)
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            imap.logout()
    return result


def _take(imap, mailbox: Mailbox, uidvalidity: int, uid: int) -> IncomingMessage | None:
    typ, data = imap.uid("FETCH", str(uid), "(RFC822.SIZE)")
    found = SIZE_RE.search(
        b" ".join(p if isinstance(p, bytes) else b" ".join(p) for p in data if p)
    )
    if not found:
        return None  # expunged meanwhile
    size = int(found[1])
    too_big = size > settings.MAIL_MAX_MESSAGE_MB * MB
    part = "BODY.PEEK[HEADER]" if too_big else "BODY.PEEK[]"
    typ, data = imap.uid("FETCH", str(uid), f"({part})")
    raw = next((p[1] for p in data if isinstance(p, tuple)), None)
    if typ != "OK" or raw is None:
        return None
    message, created = services.incoming_store(
        mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, raw=raw, size=size
    )
    if too_big:
        services.incoming_refuse(
            message=message,
            reason=f"Письмо — {size / MB:.1f} МБ, больше {settings.MAIL_MAX_MESSAGE_MB} МБ: "
            "сохранены только заголовки, само письмо осталось в ящике.",
        )
        message.refresh_from_db()
    return message


def _mark_done(imap, mailbox: Mailbox, message: IncomingMessage) -> None:
    """After the commit: read, and moved when the mailbox says so. A message too big to take
    stays unread in place."""
    if message.status == IncomingMessage.Status.RECEIVED:
        return
    if message.size <= settings.MAIL_MAX_MESSAGE_MB * MB:
        imap.uid("STORE", str(message.uid), "+FLAGS", r"(\Seen)")
        if mailbox.done_folder:
            typ, _ = imap.uid("MOVE", str(message.uid), _quoted(mailbox.done_folder))
            if typ != "OK":
                imap.uid("COPY", str(message.uid), _quoted(mailbox.done_folder))
                imap.uid("STORE", str(message.uid), "+FLAGS", r"(\Deleted)")
    IncomingMessage.objects.filter(pk=message.pk).update(seen_at=timezone.now())


def poll_all() -> int:
    """Every active mailbox once; a mailbox that cannot be read does not stop the others
    (its error is on its admin page). Returns how many messages were taken."""
    taken = 0
    for mailbox in mailboxes():
        try:
            taken += mailbox_poll(mailbox=mailbox).taken
        except MailboxError:
            logger.warning("mailbox %s not read", mailbox, exc_info=True)
    return taken
