"""The inbox owner: who "you" are in every message, from --me or the most common recipient.

The owner becomes each record's `recipient`, which the identity-slot signal matches against
(name, company, title), so "Hi Jane, loved what Acme is doing" is seen as a filled merge slot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from email.utils import parseaddr
from typing import Any

SAMPLE = 5000
"""Owner inference looks at this many messages from the start of the inbox."""


@dataclass(frozen=True)
class Owner:
    """Who the inbox belongs to: name and address identify them, company and title only describe them."""

    name: str | None = None
    email: str | None = None
    company: str | None = None
    title: str | None = None

    @classmethod
    def parse(cls, me: str | None, company: str | None = None, title: str | None = None) -> Owner:
        """`--me "Jane Doe <jane@x.com>"`, `--me jane@x.com` or `--me "Jane Doe"`."""
        me = (me or "").strip()
        name, email = (me, "") if "@" not in me else parseaddr(me)
        return cls(name=name.strip() or None, email=email.strip().lower() or None, company=company, title=title)

    @property
    def is_empty(self) -> bool:
        """Whether neither name nor address is known, so the owner is still to be inferred."""
        return not (self.name or self.email)

    def filled_from(self, inferred: Owner) -> Owner:
        """This owner, with a name or address it lacks taken from the inferred one."""
        return Owner(self.name or inferred.name, self.email or inferred.email, self.company, self.title)

    def recipient(self) -> dict[str, str] | None:
        """The contract `recipient` object."""
        if self.is_empty and not (self.company or self.title):
            return None
        parts = (self.name or "").split()
        fields = {"name": self.name, "first_name": parts[0] if parts else None,
                  "last_name": parts[-1] if len(parts) > 1 else None,
                  "email": self.email, "company": self.company, "title": self.title}
        return {k: v for k, v in fields.items() if v}

    def as_dict(self) -> dict[str, Any]:
        """The fields as JSON values, for a checkpoint or the account state (`Owner(**d)` reads them back)."""
        return asdict(self)


def infer(rows: Iterable[dict[str, Any]]) -> Owner:
    """The most common recipient address (Delivered-To, else To) and the name most often shown with it."""
    addresses: Counter[str] = Counter()
    names: Counter[tuple[str, str]] = Counter()
    bare_names: Counter[str] = Counter()
    for row in rows:
        for name, email in row.get("_to") or ():
            if email:
                addresses[email] += 1
                if name:
                    names[(email, name)] += 1
            elif name:
                bare_names[name] += 1
    if addresses:
        email = addresses.most_common(1)[0][0]
        shown = [(n, c) for (e, n), c in names.items() if e == email]
        return Owner(name=max(shown, key=lambda nc: nc[1])[0] if shown else None, email=email)
    if bare_names:
        return Owner(name=bare_names.most_common(1)[0][0])
    return Owner()
