"""How the Redis campaign store lays its data out: the key scheme, the server-side scripts and the
expiry, in one place for the store and its bulk prefill.

Keys, under a prefix (default `sincere:cmp:`):
  meta           hash: the fingerprint scheme and the salt
  lock           the writers' lock
  m:MEMBER       the campaign id of a message (its salted member key, hex)
  c:CID          hash: last_seen, copies, recipients, slot_types, bands_at
  r:CID          list: the campaign's signatures (little-endian uint32)
  u:CID          set: its salted recipient hashes
  f:CID          set: its salted identity fills
  b:BAND         set: the campaigns holding a signature band (or audio key)
"""

from __future__ import annotations

from collections.abc import Iterable

BAND_MEMBERS = "local out = {} for i, key in ipairs(KEYS) do out[i] = redis.call('SMEMBERS', key) end return out"
ADD_TO_BANDS = """local ttl = tonumber(ARGV[2])
for _, key in ipairs(KEYS) do
  redis.call('SADD', key, ARGV[1])
  if ttl > 0 then redis.call('EXPIRE', key, ttl) end
end
return #KEYS"""
EXPIRE_ALL = "for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, ARGV[1]) end return #KEYS"
"""Server-side loops over a signature's 32 band keys: one command instead of 32 or 64."""
BAND_REFRESH_S = 3600.0
"""Band keys of a busy campaign get their expiry pushed back at most this often."""


class RedisLayout:
    """The key names, registered scripts and expiry of one store on one Redis connection."""

    def __init__(self, client, prefix: str, ttl_s: float | None):
        self.prefix = prefix
        self.expiry_s = int(ttl_s) if ttl_s is not None else None
        """Seconds every key lives after its campaign was last seen (None: forever)."""
        self.band_members = client.register_script(BAND_MEMBERS)
        self.add_to_bands = client.register_script(ADD_TO_BANDS)
        self.expire_all = client.register_script(EXPIRE_ALL)

    def _key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def meta(self) -> str:
        """The hash holding the fingerprint scheme and the salt."""
        return self._key("meta")

    def lock(self) -> str:
        """The writers' lock."""
        return self._key("lock")

    def member(self, member_hex: str) -> str:
        """A message's campaign id, by its salted member key in hex."""
        return self._key("m", member_hex)

    def campaign(self, cid: str) -> str:
        """The campaign's counts hash."""
        return self._key("c", cid)

    def campaigns_pattern(self) -> str:
        """SCAN pattern matching every campaign's counts hash."""
        return self._key("c", "*")

    def reps(self, cid: str) -> str:
        """The campaign's signatures."""
        return self._key("r", cid)

    def readers(self, cid: str) -> str:
        """The campaign's salted recipient hashes."""
        return self._key("u", cid)

    def fills(self, cid: str) -> str:
        """The campaign's salted identity fills."""
        return self._key("f", cid)

    def bands(self, keys: Iterable[int]) -> list[str]:
        """The band sets of these signature bands (or audio keys)."""
        return [self._key("b", str(key)) for key in keys]

    def campaign_keys(self, cid: str) -> tuple[str, ...]:
        """The keys that live and expire with a campaign (besides its members and bands)."""
        return self.campaign(cid), self.reps(cid), self.readers(cid), self.fills(cid)

    def expire(self, pipe, *keys: str) -> None:
        """Queue each key's expiry on `pipe`, when the store expires keys at all."""
        if self.expiry_s is not None:
            for key in keys:
                pipe.expire(key, self.expiry_s)
