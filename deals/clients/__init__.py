"""The customers' pages: the client list, card and requisites form (/clients/…), the
seller's own requisites, the «Клиент» panel of the deal card, who sees which client
(access.py) and attaching a client to a deal (services.py). Here, not in contacts, because
a client's page lists the client's deals; it imports contacts, crm and the rest of deals."""
