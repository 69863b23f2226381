"""A user's own rules about senders ("this sender is not cold", "this sender sends spam with a smile").

The engine takes them as an argument (as Presidio's analyzer takes an allow list) and turns a rule that
matches a message's sender into an ordinary hit, USER_ALLOWED_SENDER or USER_DENIED_SENDER, that the
policy obeys: the verdict is the user's (personal or smile), the score stays the model's. Every shell
applies them the same way: `sincere score --rules FILE` and `sincere scan --rules FILE` read a list
(`SenderList.load`), the API looks each sender up in its store of salted hashes (api.feedback).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from detector.message import Person
from detector.reasons import USER_ALLOWED_SENDER, USER_DENIED_SENDER
from detector.signals import Hit

ALLOW, DENY = "allow", "deny"
RULE_CODES = {ALLOW: USER_ALLOWED_SENDER, DENY: USER_DENIED_SENDER}
"""The hit each rule raises; the verdict it imposes is in the reason catalogue (detector.reasons)."""


class SenderRulesError(ValueError):
    """The rules file cannot be read or has a wrong shape (the message names the file and the entry)."""


def sender_identity(sender: Any) -> str | None:
    """What names a sender across messages: the e-mail address, else the profile URL."""
    if isinstance(sender, Person):
        sender = {"email": sender.email, "profile_url": sender.profile_url}
    if not isinstance(sender, Mapping):
        return None
    email, profile = sender.get("email"), sender.get("profile_url")
    if isinstance(email, str) and email.strip():
        return "email:" + email.strip().lower()
    if isinstance(profile, str) and profile.strip():
        return "profile:" + profile.strip().lower().rstrip("/")
    return None


class SenderRules:
    """Whose messages a user has already judged. A subclass says how a sender's rule is looked up."""

    def rule_for(self, identity: str) -> str | None:
        """ALLOW, DENY or None for a `sender_identity` value."""
        raise NotImplementedError

    def hit(self, sender: Person) -> Hit | None:
        """The user's rule about this message's sender as a hit for the policy, None when there is none."""
        identity = sender_identity(sender)
        rule = self.rule_for(identity) if identity is not None else None
        return Hit(RULE_CODES[rule], data={"rule": rule}) if rule is not None else None


def _entry_identity(entry: str) -> str:
    """A rules-file entry as `sender_identity` writes it: an address, a profile URL, or `domain:` for a bare domain."""
    value = entry.strip()
    if "@" in value.lstrip("@"):
        return sender_identity({"email": value})  # type: ignore[return-value]
    if "/" in value:
        return sender_identity({"profile_url": value})  # type: ignore[return-value]
    return "domain:" + value.lstrip("@").lower()


@dataclass(frozen=True)
class SenderList(SenderRules):
    """Rules from lists of senders: e-mail addresses, profile URLs, or bare domains (every address at it).

    An address's own rule wins over its domain's.
    """

    allow: frozenset[str] = field(default_factory=frozenset)
    deny: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, allow: Iterable[str] = (), deny: Iterable[str] = (), origin: str = "rules") -> SenderList:
        """Normalise the entries; one sender both allowed and denied is an error, not a silent choice."""
        allowed, denied = (frozenset(_entry_identity(e) for e in entries) for entries in (allow, deny))
        both = sorted(allowed & denied)
        if both:
            raise SenderRulesError(f"{origin}: {', '.join(both)} is both allowed and denied")
        return cls(allowed, denied)

    @classmethod
    def load(cls, path: Path) -> SenderList:
        """Read a YAML or JSON file `{allow: [...], deny: [...]}` (either list may be left out)."""
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise SenderRulesError(f"{path}: cannot be read ({exc.__class__.__name__})") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise SenderRulesError(f"{path}: not valid YAML or JSON{where}") from None
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise SenderRulesError(f"{path}: must be a mapping with 'allow' and/or 'deny' lists")
        unknown = sorted(str(k) for k in data if k not in (ALLOW, DENY))
        if unknown:
            raise SenderRulesError(f"{path}: unknown key(s) {', '.join(unknown)}; only 'allow' and 'deny' are read")
        lists = {}
        for key in (ALLOW, DENY):
            entries = data.get(key) or []
            if not isinstance(entries, list):
                raise SenderRulesError(f"{path}: '{key}' must be a list of senders")
            for i, entry in enumerate(entries):
                if not isinstance(entry, str) or not entry.strip():
                    raise SenderRulesError(f"{path}: '{key}[{i}]' must be a non-empty string (an address, profile URL or domain)")
            lists[key] = entries
        return cls.of(lists[ALLOW], lists[DENY], str(path))

    def rule_for(self, identity: str) -> str | None:
        """The sender's own rule, else (for an address) its domain's."""
        keys = [identity]
        if identity.startswith("email:") and "@" in identity:
            keys.append("domain:" + identity.rsplit("@", 1)[1])
        for key in keys:
            if key in self.allow:
                return ALLOW
            if key in self.deny:
                return DENY
        return None
