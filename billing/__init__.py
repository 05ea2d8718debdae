"""The catalog, calculations, invoices, payments and payment providers, the seller's tax
regime and money helpers (VAT, rounding, amount in words). Billing imports only crm,
contacts and deals, and moves a deal only through deals' services; documents and analytics
build on it."""
