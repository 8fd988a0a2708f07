"""Email through Django's email backend: headers, Message-ID, and a send that marks DATA.

With the SMTP backend the envelope is sent step by step (MAIL, RCPT, then DATA) so that the
outbox can record the moment the server may start accepting the message; other backends
(locmem, console, file) get the whole message at once.
"""

from __future__ import annotations

import contextlib
import smtplib
from collections.abc import Callable
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import sanitize_address
from django.utils.translation import gettext as _

from kontaktpflege.accounts.selectors import sender_address_allowed
from kontaktpflege.contacts.validation import validate_mail_address

DEFAULT_MESSAGE_ID_DOMAIN = "kontaktpflege.localhost"


def message_id_domain() -> str:
    """A stable domain for Message-IDs: a setting, else the site's host name."""
    configured = getattr(settings, "MESSAGING_MESSAGE_ID_DOMAIN", "")
    if configured:
        return str(configured)
    host = urlsplit(getattr(settings, "SITE_URL", "")).hostname or ""
    if not host or host.replace(".", "").isdigit() or host == "localhost":
        return DEFAULT_MESSAGE_ID_DOMAIN
    return host


def new_message_id() -> str:
    """A fresh RFC 5322 Message-ID (fixed when the message is created, reused on retry)."""
    return make_msgid(idstring="kp", domain=message_id_domain())


def validate_header(value: str, field: str) -> str:
    """Reject CR/LF (header injection) with a clear field error."""
    value = value or ""
    if "\r" in value or "\n" in value:
        raise ValidationError({field: _("Line breaks are not allowed here.")})
    return value.strip()


def _fallback(user: Any, reply_to: str) -> tuple[str, str]:
    """The site address with the user's name, and the user's address to reply to."""
    default_name, default_addr = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = (user.get_full_name() or user.get_username()) if user is not None else default_name
    own = user.email if user is not None else ""
    return formataddr((name, default_addr)), reply_to or own


def sender_addresses(sender: Any, user: Any) -> tuple[str, str]:
    """The From header (name and address) and Reply-To for a user's sender settings.

    A From address the user may not send as (see `sender_address_allowed`) gives way to
    the site address with the user's name and the user's address as Reply-To.
    """
    allowed = sender.from_email and sender_address_allowed(
        user=user, workspace_id=sender.workspace_id, address=sender.from_email
    )
    if not allowed:
        return _fallback(user, sender.reply_to)
    name = sender.from_name or user.get_full_name() or parseaddr(settings.DEFAULT_FROM_EMAIL)[0]
    return formataddr((name, sender.from_email)), sender.reply_to


def sender_at_send(message: Any) -> tuple[str, str]:
    """From and Reply-To of a queued message, with the sender rule applied again now.

    Approval or verification may have been withdrawn since the message was queued.
    """
    stored = message.from_email or settings.DEFAULT_FROM_EMAIL
    address = parseaddr(stored)[1].lower()
    if address == parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower():
        return stored, message.reply_to
    user = message.created_by
    if user is not None and sender_address_allowed(
        user=user, workspace_id=message.workspace_id, address=address
    ):
        return stored, message.reply_to
    return _fallback(user, message.reply_to)


def build_email(message: Any) -> EmailMessage:
    """The EmailMessage for an OutboundMessage, with Message-ID, Reply-To, List-Unsubscribe."""
    validate_mail_address(message.to_address)  # refused rows fail instead of being relayed
    from_email, reply_to = sender_at_send(message)
    headers = {"Message-ID": message.message_id}
    if message.list_unsubscribe:
        headers["List-Unsubscribe"] = f"<{message.list_unsubscribe}>"
        if message.list_unsubscribe.startswith("https://"):
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=from_email,
        to=[message.to_address],
        reply_to=[reply_to] if reply_to else [],
        headers=headers,
    )


class Session:
    """One open connection of Django's email backend, reused for a batch of messages."""

    def __init__(self) -> None:
        self.backend = get_connection(fail_silently=False)

    def __enter__(self) -> Session:
        self.backend.open()
        return self

    def __exit__(self, *exc: object) -> None:
        # Closing a broken connection must not mask the error that broke it.
        with contextlib.suppress(Exception):
            self.backend.close()

    def send(self, email: EmailMessage, on_data: Callable[[], None]) -> str:
        """Send one message; call `on_data` right before the server may accept it.

        Returns the server's answer to DATA (its queue id, where it gives one).
        """
        smtp = getattr(self.backend, "connection", None)
        if not isinstance(smtp, smtplib.SMTP):
            on_data()
            self.backend.send_messages([email])
            return ""
        encoding = email.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(email.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in email.recipients()]
        payload = email.message().as_bytes(linesep="\r\n")
        return _smtp_transaction(smtp, sender, recipients, payload, on_data)


class RecipientRefused(smtplib.SMTPResponseException):
    """The server refused the (only) recipient; its code tells temporary from permanent."""


def _smtp_transaction(
    smtp: smtplib.SMTP,
    sender: str,
    recipients: list[str],
    payload: bytes,
    on_data: Callable[[], None],
) -> str:
    smtp.ehlo_or_helo_if_needed()
    code, resp = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, resp, sender)
    refused = {}
    for rcpt in recipients:
        code, resp = smtp.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, resp)
    if len(refused) == len(recipients):
        smtp.rset()
        code, resp = next(iter(refused.values()))
        raise RecipientRefused(code, resp)
    try:
        on_data()
    except Exception:
        smtp.rset()  # nothing was sent: leave the connection clean for the next message
        raise
    code, resp = smtp.data(payload)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPDataError(code, resp)
    return resp.decode("utf-8", "replace")[:255]
