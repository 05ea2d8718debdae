"""The tag set and its rendering, questionnaires, proposals and contracts. Documents imports
crm, contacts, deals and billing (never analytics), and moves a deal only through deals'
services; it offers its accepted contracts to billing as invoice bases (billing.bases)."""
