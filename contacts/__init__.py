"""Clients, the seller, their requisites and bank accounts, contact persons, and how a party
is written in documents (contacts.parties, with the one Russian grammar in contacts.names);
contacts imports only crm."""
