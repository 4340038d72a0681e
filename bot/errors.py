"""Exceptions that services raise and handlers turn into a message for the user."""

from __future__ import annotations

from typing import Any


class UserFacingError(Exception):
    """Carries a catalog key and its values; the handler renders it in the user's language."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class NotAuthorized(UserFacingError):
    pass


class NotFound(UserFacingError):
    pass


class InvalidInput(Exception):
    """Field errors, keyed by field (= block id), each a catalog key and values."""

    def __init__(self, errors: dict[str, tuple[str, dict[str, Any]]]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


class AlreadyDecided(Exception):
    def __init__(self, state: str, decided_by: str | None, decided_at: Any) -> None:
        super().__init__(state)
        self.state = state
        self.decided_by = decided_by
        self.decided_at = decided_at


class OutOfDate(UserFacingError):
    """A button value or a modal's private_metadata we cannot read: an old or forged message."""
