def __getattr__(name: str):
    # The former name of deals.document_links, while billing's invoice views still import it.
    if name == "client_docs":
        from . import document_links

        return document_links
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
