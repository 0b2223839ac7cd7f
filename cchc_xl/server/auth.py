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
    def __init__(self, store):
        self.store = store

    def create(self, user: str) -> tuple[str, str]:
        sid, csrf = new_token(), new_token()
        self.store.execute("INSERT INTO sessions(id_hash, user, csrf, expires_at) VALUES(?, ?, ?, ?)",
                           token_hash(sid), user, csrf, time.time() + SESSION_SECONDS)
        self.store.execute("DELETE FROM sessions WHERE expires_at < ?", time.time())
        return sid, csrf

    def get(self, sid: str | None):
        if not sid:
            return None
        row = self.store.one("SELECT user, csrf, expires_at FROM sessions WHERE id_hash=?", token_hash(sid))
        if row is None or row["expires_at"] < time.time():
            return None
        return row

    def end(self, sid: str | None) -> None:
        if sid:
            self.store.execute("DELETE FROM sessions WHERE id_hash=?", token_hash(sid))


class RateLimit:
    """At most ``count`` events per ``seconds`` for one key (a sliding window, in memory)."""

    def __init__(self, count: int, seconds: float):
        self.count, self.seconds = count, seconds
        self.events: dict[str, deque] = {}
        self.lock = threading.Lock()

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
