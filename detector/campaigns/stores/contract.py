"""What the engine, batch scans and the API ask of a campaign store, whichever backend holds it.

Every backend links the same way (detector.campaigns.linking.LinkingStore) and supplies only its
storage; callers depend on this protocol, never on a backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, Self

from detector.campaigns.fingerprint import Fingerprint
from detector.campaigns.linking import Campaign


class CampaignStore(Protocol):
    """A store of campaign signatures and counts (salted hashes, never text), shared by its callers."""

    def link(self, fingerprints: Iterable[Fingerprint | None]) -> list[Campaign | None]:
        """Add every copy, then report each one's campaign (None: no other copy known)."""

    def prefill(self, fingerprints: Iterable[Fingerprint | None]) -> None:
        """Index a whole inbox before scoring it, so the first copy already knows later ones."""

    def lookup(self, fp: Fingerprint) -> Campaign | None:
        """The campaign this copy is in or would join; records nothing."""

    def close(self) -> None:
        """Let go of the backend's connection or file."""

    def __enter__(self) -> Self:
        """A store is its own context: leaving it closes it."""

    def __exit__(self, *exc: object) -> None:
        """Close the store."""
