import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: a production start with an unsafe setting stops here, with
# the same messages as `manage.py check`.
from crm.checks import refuse_unsafe_start  # noqa: E402

refuse_unsafe_start()
