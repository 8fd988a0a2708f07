"""Mail addresses: the one check for every address we accept or send to."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from kontaktpflege.core.text import strip_invisible


def validate_mail_address(value: str) -> None:
    """An address mail may go to: valid syntax and a host name, never an IP literal.

    Django accepts `root@[10.0.0.5]`; our mail server would relay to that host, so every
    place that accepts or sends to a recipient refuses it here.
    """
    validate_email(value)
    domain = value.rpartition("@")[2]
    if domain.startswith("["):
        raise ValidationError(
            _("Mail to an IP address (%(domain)s) is not allowed; use a domain name.")
            % {"domain": domain[:60]},
            code="ip_literal",
        )


def normalise_email(value: str, *, field: str = "emails") -> str:
    """Validate an email address and lower-case it for matching."""
    email = strip_invisible(value).lower()
    try:
        validate_mail_address(email)
    except ValidationError as exc:
        if exc.code == "ip_literal":
            raise ValidationError({field: exc.messages}) from exc
        raise ValidationError(
            {field: _("“%(value)s” is not a valid email address.") % {"value": value[:100]}}
        ) from exc
    return email
