"""Deterministic idempotency keys: the same records at the same revisions always give the same key.

A batch's key is built from the sorted set of (record type, local id, revision) it carries, the operation,
and a digest of the body sent, so a retried batch (even by another process after a crash) is rebuilt with
the key it had, and the package replays its first answer instead of acting twice (Xero remembers a key for
about six minutes: ../shared/reference/xero.md 3.2). The body digest keeps the key honest when the same
revisions are sent differently (the settings changed between two attempts): Xero refuses a key reused
with another body ("Idempotency Key: K is used with a different request."), so such a batch gets a key of
its own. ``generation`` moves on after the package *answered* an error, which Xero would otherwise replay
for the rest of the window; ``refusals`` does the same across runs: a record the package refused is sent
again (after the cause was fixed there) under a key of its own, not one whose refusal Xero still holds.

Keys are never the only guard: they are forgotten after minutes, so after any ambiguous failure the engine
looks the records up in the package before creating them again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

#: Xero's limit on an Idempotency-Key (xero.md 3.2).
MAX_KEY_LENGTH = 128
KEY_PREFIX = "lb1"


def body_digest(body: Any) -> str:
    """A stable digest of what is sent (keys sorted, Decimals as text)."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def request_key(
    operation: str,
    members: Iterable[tuple[str, int, int]],
    *,
    body: Any = None,
    generation: int = 0,
    refusals: Iterable[tuple[str, int, int]] = (),
) -> str:
    """The idempotency key of one request.

    ``operation`` names what is done ("create invoices", "pay", ...); ``members`` are the (record type,
    local id, revision) the request carries, in any order; ``body`` what is sent; ``refusals`` (record
    type, local id, times refused) for members the package refused before (none: the key is unchanged).

    >>> a = request_key("create", [("invoice", 2, 3), ("invoice", 1, 1)])
    >>> a == request_key("create", [("invoice", 1, 1), ("invoice", 2, 3)])
    True
    >>> a == request_key("create", [("invoice", 1, 2), ("invoice", 2, 3)])
    False
    >>> a == request_key("create", [("invoice", 1, 1), ("invoice", 2, 3)], refusals=[("invoice", 2, 1)])
    False
    """
    parts = [
        operation,
        *(f"{kind}:{local_id}@{revision}" for kind, local_id, revision in sorted(set(members))),
    ]
    if body is not None:
        parts.append(body_digest(body))
    if generation:
        parts.append(f"g{generation}")
    parts.extend(f"refused {kind}:{id_}x{times}" for kind, id_, times in sorted(set(refusals)) if times)
    digest = hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()
    key = f"{KEY_PREFIX}-{digest}"
    assert len(key) <= MAX_KEY_LENGTH
    return key
