"""Phone numbers of clients and contact persons follow crm.phones, which staff profiles share."""

from crm.phones import DEFAULT_REGION, InvalidPhone, format_phone, normalize_phone

__all__ = ["DEFAULT_REGION", "InvalidPhone", "format_phone", "normalize_phone"]
