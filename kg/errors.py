"""One exception hierarchy for the core; messages say what to do next."""


class KGError(Exception):
    """Base class of every error the core raises on purpose."""


class DocumentError(KGError):
    """A document could not be read or holds no usable text."""


class StoreError(KGError):
    """The store could not be opened, read or written."""


class StoreLockedError(StoreError):
    """Another process holds the store open for writing."""


class QueryError(KGError):
    """A SPARQL query is malformed or cannot run (the parser's message is kept)."""


class ReadOnlyError(QueryError):
    """An update was sent where only queries are allowed."""


class NotFoundError(KGError):
    """A named thing (saved query, resource, graph) does not exist."""


class ParameterError(KGError):
    """A saved-query parameter is missing, unknown or has the wrong type."""
