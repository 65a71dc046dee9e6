"""The one exception type business rules raise: a refusal the user can read and act on."""

from __future__ import annotations


class RuleError(Exception):
    """A business rule refused an action. ``str()`` is a sentence for the bookkeeper.

    ``field`` names the input at fault (so an editor can show the message next to it), when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message
