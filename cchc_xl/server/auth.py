"""Who may do what: the department's password and sessions, bearer tokens, CSRF, rate limits.

Passwords are stored with scrypt (hashlib, a standard memory-hard key-derivation function);
tokens (sessions, agency links, the API token) are random secrets of 192 bits compared through
their SHA-256, so the database never holds a session or API token in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque

SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
SESSION_SECONDS = 8 * 3600


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${key.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, key = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(key) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), key)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def bearer(headers) -> str | None:
    value = headers.get("authorization") or ""
    kind, _, token = value.partition(" ")
    return token.strip() or None if kind.lower() == "bearer" else None


class Keys:
    """The server secret behind the CSRF tokens of agency pages and of the sign-in form."""

    def __init__(self, secret: bytes):
        self.secret = secret

    def sign(self, purpose: str) -> str:
        return hmac.new(self.secret, purpose.encode("utf-8"), hashlib.sha256).hexdigest()

    def verify(self, purpose: str, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.sign(purpose), given)


class Sessions:
    """Department sessions: one per sign-in, listed and ended per officer (``accounts``)."""

    def __init__(self, store):
        self.store = store

    def create(self, user: str, ip: str | None = None) -> tuple[str, str]:
        from cchc_xl.server.storage import now

        sid, csrf = new_token(), new_token()
        self.store.execute("INSERT INTO sessions(id_hash, user, csrf, expires_at, created_at, ip) "
                           "VALUES(?, ?, ?, ?, ?, ?)",
                           token_hash(sid), user, csrf, time.time() + SESSION_SECONDS, now(), ip)
        self.store.execute("DELETE FROM sessions WHERE expires_at < ?", time.time())
        return sid, csrf

    def get(self, sid: str | None):
        """The session with its officer (name, role, must_change); None when ended, expired or the
        account is locked or removed."""
        if not sid:
            return None
        row = self.store.one("SELECT s.id_hash, s.user, s.csrf, s.expires_at, u.role, u.full_name, u.must_change "
                             "FROM sessions s JOIN users u ON u.name = s.user "
                             "WHERE s.id_hash=? AND u.disabled=0", token_hash(sid))
        if row is None or row["expires_at"] < time.time():
            return None
        return row

    def end(self, sid: str | None) -> None:
        if sid:
            self.store.execute("DELETE FROM sessions WHERE id_hash=?", token_hash(sid))

    def end_all(self, user: str, keep: str | None = None) -> int:
        """End every session of ``user`` (but ``keep``, a session id); returns how many ended."""
        with self.store.tx() as db:
            return db.execute("DELETE FROM sessions WHERE user=? AND id_hash IS NOT ?", (user, token_hash(keep)
                              if keep else None)).rowcount

    def open_of(self, user: str) -> list:
        return self.store.all("SELECT created_at, ip, expires_at FROM sessions WHERE user=? AND expires_at>=? "
                              "ORDER BY created_at DESC", user, time.time())


class RateLimit:
    """At most ``count`` events per ``seconds`` for one key (a sliding window, in memory)."""

    def __init__(self, count: int, seconds: float):
        self.count, self.seconds = count, seconds
        self.events: dict[str, deque] = {}
        self.lock = threading.Lock()

    def _trim(self, key: str, t: float) -> deque:
        q = self.events.setdefault(key, deque())
        while q and q[0] <= t - self.seconds:
            q.popleft()
        return q

    def retry_after(self, key: str) -> int:
        """0 when ``key`` may act now; else the seconds until its oldest counted event expires."""
        t = time.monotonic()
        with self.lock:
            q = self._trim(key, t)
            return 0 if len(q) < self.count else max(1, int(q[0] + self.seconds - t + 0.999))

    def record(self, key: str) -> None:
        """Count one event (a failed sign-in) without asking whether it is allowed."""
        with self.lock:
            self._trim(key, time.monotonic()).append(time.monotonic())

    def allow(self, key: str) -> bool:
        t = time.monotonic()
        with self.lock:
            q = self.events.setdefault(key, deque())
            while q and q[0] <= t - self.seconds:
                q.popleft()
            if len(q) >= self.count:
                return False
            q.append(t)
            if len(self.events) > 50_000:  # bounded memory under a flood of keys
                self.events = {k: v for k, v in self.events.items() if v and v[-1] > t - self.seconds}
            return True
