"""The catalog, calculations, invoices and payments, the seller's tax regime and money (VAT
modes and their names, rounding, amounts in words); billing imports crm, contacts and deals,
never documents or analytics."""
