from django.apps import AppConfig


class ContactsConfig(AppConfig):
    """Clients and the seller with their requisites and bank accounts, contact persons,
    phones, validators and how a party is written in documents; imports only crm. It has no
    pages of its own: the customers' pages are in deals/clients/."""

    name = "contacts"
    verbose_name = "Контакты"
