"""Settings that are fine on a laptop and a hole on a real site stop the start.

Such a check is an error tagged START, not a deploy-only warning: Django runs it before every
management command (check, migrate, runserver), and gunicorn, which runs no system checks,
loads crm.wsgi, which calls refuse_unsafe_start(): the same checks decide in both places.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

START = "start"


@checks.register(START)
def secret_key_is_not_embedded(app_configs, **kwargs):
    if settings.DEBUG or settings.SECRET_KEY != settings.EMBEDDED_SECRET_KEY:
        return []
    return [
        checks.Error(
            "SECRET_KEY is the key embedded in crm/settings.py: anyone who has read the source "
            "can forge sessions, client links and signed payment notifications.",
            hint="Set SECRET_KEY in the environment to a long random string, e.g. the output "
            "of: python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
            id="crm.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def webhooks_stay_outside(app_configs, **kwargs):
    if not settings.WEBHOOK_ALLOW_LOOPBACK:
        return []
    return [
        checks.Warning(
            "WEBHOOK_ALLOW_LOOPBACK is on: webhooks may be posted to this machine's own "
            "services (127.0.0.1), which an endpoint's address must never reach.",
            hint="It is for the tests' local receiver only: unset WEBHOOK_ALLOW_LOOPBACK.",
            id="crm.W002",
        )
    ]


def refuse_unsafe_start() -> None:
    """Raise ImproperlyConfigured with the messages of the START checks that fail (those
    silenced in SILENCED_SYSTEM_CHECKS aside, as `manage.py check` does)."""
    errors = [
        message
        for message in checks.run_checks(tags=[START])
        if message.is_serious() and not message.is_silenced()
    ]
    if errors:
        raise ImproperlyConfigured("\n".join(str(message) for message in errors))
