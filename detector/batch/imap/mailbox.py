"""Where a mailbox is (`imaps://user@host[:port]/FOLDER`), how to log in to it, and a session that
logs in again after a dropped connection.

The password never comes from the command line: `--password-file`, `$SINCERE_IMAP_PASSWORD` or a
prompt; an OAuth2 access token (`--oauth2-token-file`, `$SINCERE_IMAP_OAUTH2_TOKEN`) logs in with
XOAUTH2 instead. Error messages name the user, host and folder, never a secret.
"""

from __future__ import annotations

import getpass
import imaplib
import re
import socket
import ssl
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

PASSWORD_ENV = "SINCERE_IMAP_PASSWORD"
TOKEN_ENV = "SINCERE_IMAP_OAUTH2_TOKEN"
DEFAULT_PORTS = {"imaps": 993, "imap": 143}
LOOPBACK = ("localhost", "127.0.0.1", "::1")
TIMEOUT_S = 60.0
RETRY_DELAYS_S = (1.0, 2.0, 4.0)
"""Waits before each new login after a dropped connection, within one run."""

T = TypeVar("T")


class ImapError(Exception):
    """An IMAP failure whose message is safe to show: no password, no message text."""


class AccessDenied(ImapError):
    """Login refused or TLS not trusted: trying again will not help."""


class ConnectionLost(ImapError):
    """The server could not be reached or went away; what was done so far is kept."""


@dataclass(frozen=True)
class MailboxUrl:
    """The folder a run reads, from `imaps://user@host[:port]/FOLDER`; it also names the account's state."""

    tls: bool
    user: str
    host: str
    port: int
    folder: str = "INBOX"

    @classmethod
    def parse(cls, text: str) -> MailboxUrl:
        """`imaps://user@host[:port]/FOLDER` (FOLDER defaults to INBOX; `imap://` only to this machine)."""
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise ImapError(f"not an IMAP address: {scheme}:// (imaps://user@host/FOLDER)")
        if parts.password is not None:
            raise ImapError(f"put the password in ${PASSWORD_ENV} or --password-file, not in the address")
        try:
            port = parts.port or DEFAULT_PORTS[scheme]
        except ValueError:
            raise ImapError("the port in the IMAP address is not a number") from None
        user, host = unquote(parts.username or ""), parts.hostname or ""
        if not user or not host:
            raise ImapError("the IMAP address needs a user and a host: imaps://user@host/FOLDER")
        if scheme == "imap" and host not in LOOPBACK:
            raise ImapError(f"imap:// would send your password to {host} unencrypted; use imaps://")
        return cls(scheme == "imaps", user, host, port, unquote(parts.path.lstrip("/")) or "INBOX")

    @property
    def mailbox(self) -> str:
        """The account, without the folder: `imaps://user@host:port`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'imaps' if self.tls else 'imap'}://{self.user}@{host}:{self.port}"

    @property
    def account_key(self) -> str:
        """A file name for this account's state folder."""
        return re.sub(r"[^A-Za-z0-9@._-]", "_", f"{self.user}@{self.host}_{self.port}")

    def __str__(self) -> str:
        return f"{self.mailbox}/{self.folder}"


@dataclass(frozen=True)
class Credentials:
    """The password or OAuth2 access token to log in with; kept out of its repr so it never reaches a log."""

    secret: str = field(repr=False)
    oauth2: bool = False

    @classmethod
    def resolve(cls, url: MailboxUrl, password_file: Path | None = None, token_file: Path | None = None,
                environ: dict[str, str] | None = None) -> Credentials:
        """From the token file or $SINCERE_IMAP_OAUTH2_TOKEN (XOAUTH2), else the password file, else
        $SINCERE_IMAP_PASSWORD, else a prompt on a terminal."""
        import os

        environ = os.environ if environ is None else environ
        if token_file or environ.get(TOKEN_ENV):
            return cls(_read_secret(token_file, "token") if token_file else environ[TOKEN_ENV], oauth2=True)
        if password_file:
            return cls(_read_secret(password_file, "password"))
        if environ.get(PASSWORD_ENV):
            return cls(environ[PASSWORD_ENV])
        if sys.stdin.isatty():
            return cls(getpass.getpass(f"IMAP password for {url.user} at {url.host}: "))
        raise AccessDenied(f"no password for {url.user}: set ${PASSWORD_ENV}, use --password-file, "
                           "or run in a terminal to be asked")


def _read_secret(path: Path, what: str) -> str:
    try:
        secret = path.read_text(encoding="utf-8").strip("\r\n")
    except OSError as exc:
        raise AccessDenied(f"cannot read the {what} file {path} ({exc.strerror or type(exc).__name__})") from None
    if not secret:
        raise AccessDenied(f"the {what} file {path} is empty")
    return secret


@dataclass(frozen=True)
class Folder:
    """A selected folder, as SELECT/EXAMINE reported it."""

    name: str
    uidvalidity: int
    uidnext: int
    permanent_flags: tuple[bytes, ...]
    readonly: bool

    def accepts_keyword(self, keyword: str) -> bool:
        """Whether STORE may add it (read-only, the server lists no PERMANENTFLAGS: assume so)."""
        return self.readonly or b"\\*" in self.permanent_flags or keyword.encode() in self.permanent_flags


DROPPED = (imaplib.IMAP4.abort, OSError, EOFError)
"""What a dead connection raises (socket errors, timeouts, imaplib's abort)."""


class Session:
    """One logged-in connection to one account; `retrying` logs in again after a drop."""

    def __init__(self, url: MailboxUrl, credentials: Credentials, timeout: float = TIMEOUT_S,
                 delays: tuple[float, ...] = RETRY_DELAYS_S):
        self.url, self._credentials, self._timeout, self._delays = url, credentials, timeout, delays
        self._client: IMAPClient | None = None
        self.selected: Folder | None = None
        self._readonly = True

    @property
    def client(self) -> IMAPClient:
        """The connection, logged in on first use; unlike `retrying`, a call on it is not repeated after a drop."""
        if self._client is None:
            self._client = self._login()
        return self._client

    def _login(self) -> IMAPClient:
        url = self.url
        where = f"{url.host}:{url.port}"
        try:
            client = IMAPClient(url.host, url.port, ssl=url.tls, ssl_context=ssl.create_default_context() if url.tls else None,
                                timeout=self._timeout)
        except ssl.SSLCertVerificationError as exc:
            raise AccessDenied(f"TLS: the certificate of {where} is not trusted ({exc.verify_message}); "
                               "a private CA can be named with SSL_CERT_FILE") from None
        except ssl.SSLError as exc:
            raise AccessDenied(f"TLS handshake with {where} failed ({exc.reason or exc}); "
                               "is this the server's imaps port (usually 993)?") from None
        except socket.gaierror as exc:
            raise ConnectionLost(f"cannot find {url.host} ({exc.strerror})") from None
        except DROPPED as exc:
            raise ConnectionLost(f"cannot connect to {where} ({_why(exc)})") from None
        try:
            if self._credentials.oauth2:
                client.oauth2_login(url.user, self._credentials.secret)
            else:
                client.login(url.user, self._credentials.secret)
        except LoginError:
            client.shutdown()
            raise AccessDenied(f"login refused for {url.user} at {url.host}: wrong user name, password or token "
                               "(Gmail and Outlook need an app password or an OAuth2 token)") from None
        except DROPPED as exc:
            raise ConnectionLost(f"{where} closed the connection during login ({_why(exc)})") from None
        return client

    def has(self, capability: str) -> bool:
        """Whether the server announces `capability` (MOVE, UIDPLUS, IDLE, X-GM-EXT-1, ...)."""
        return self.client.has_capability(capability)

    def select(self, folder: str, readonly: bool = True) -> Folder:
        """SELECT (EXAMINE when read-only) `folder`; kept so a new login selects it again."""
        try:
            response = self.client.select_folder(folder, readonly=readonly)
        except DROPPED as exc:
            self.close()
            raise ConnectionLost(f"lost the connection to {self.url.host}:{self.url.port} ({_why(exc)})") from None
        except IMAPClientError as exc:
            raise ImapError(f"cannot open folder {folder!r} on {self.url.host}: {_why(exc)}") from None
        self._readonly = readonly
        self.selected = Folder(folder, int(response[b"UIDVALIDITY"]), int(response.get(b"UIDNEXT", 0) or 0),
                               tuple(response.get(b"PERMANENTFLAGS", ())), readonly)
        return self.selected

    def retrying(self, operation: Callable[[IMAPClient], T]) -> T:
        """Run `operation` on the selected folder; after a drop, log in again (pausing RETRY_DELAYS_S)
        and run it again: operations given here must be safe to repeat (FETCH, SEARCH, STORE)."""
        delays = iter(self._delays)
        while True:
            try:
                if self._client is None:
                    self._client = self._login()
                    self._reselect()
                return operation(self._client)
            except (ConnectionLost, *DROPPED) as exc:
                self.close()
                delay = next(delays, None)
                if delay is None:
                    raise (exc if isinstance(exc, ConnectionLost) else ConnectionLost(
                        f"lost the connection to {self.url.host}:{self.url.port} ({_why(exc)})")) from None
                time.sleep(delay)

    def _reselect(self) -> None:
        if self.selected is None:
            return
        before = self.selected
        now = self.select(before.name, self._readonly)
        if now.uidvalidity != before.uidvalidity:
            raise ImapError(f"the UIDVALIDITY of {before.name!r} changed during the run (the server renumbered "
                            "its messages); run again: the whole folder is then scanned again")

    def close(self) -> None:
        """Log out (or drop the socket when the server is gone already)."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # the connection may be dead; nothing is left to tidy but the socket
            try:
                client.shutdown()
            except Exception:
                pass

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 200 else text[:200] + "…"
