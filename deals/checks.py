"""Settings of the deals app that would break pages at run time are refused at the start."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import schedule


@checks.register()
def working_time_is_readable(app_configs, **kwargs):
    try:
        schedule.work_time()
    except ImproperlyConfigured as exc:
        return [
            checks.Error(
                str(exc),
                hint="WORK_HOURS as 9:00-18:00, WORK_DAYS as 1-5 or 1,2,3,4,5,6 (1 = Monday).",
                id="deals.E001",
            )
        ]
    return []
