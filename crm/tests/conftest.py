from crm.testing import (  # noqa: F401
    celery_broker_down,
    celery_in_process,
    fast_password_hashing,
)
