"""The department's personal accounts: officers, their roles (schemas/server.json) and passwords.

The administrator adds an officer with a temporary password shown once; the officer must change
it at the first sign-in. Roles decide what an officer may change; every role may read.
"""

from __future__ import annotations

import re
import secrets
from functools import lru_cache

from cchc_xl import spec
from cchc_xl.server.auth import hash_password
from cchc_xl.server.storage import Store, now

ADMIN_ROLE = "quan_tri"
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10


class AccountError(Exception):
    """A refused change to an account, with the Vietnamese reason (a full sentence)."""


@lru_cache(maxsize=1)
def _declared() -> dict:
    return spec.load("server")


def roles() -> list[dict]:
    return _declared()["staff_roles"]


def role_label(key: str | None) -> str:
    return next((r["label"] for r in roles() if r["key"] == key), key or "")


def permissions(role: str | None) -> set[str]:
    return set(next((r["can"] for r in roles() if r["key"] == role), []))


def permission_label(key: str) -> str:
    return next((p["label"] for p in _declared()["staff_permissions"] if p["key"] == key), key)


def refusal(role: str | None, need: str) -> str:
    return (f"Tài khoản vai trò “{role_label(role)}” không được {permission_label(need)}. "
            "Hãy nhờ cán bộ quản trị nếu cần.")


def may(role: str | None, need: str) -> bool:
    return need in permissions(role)


def officers(store: Store) -> list:
    return store.all("SELECT name, full_name, role, must_change, disabled, created_at FROM users ORDER BY name")


def get(store: Store, name: str):
    return store.one("SELECT * FROM users WHERE name=?", name)


def check_password_rules(password: str, name: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
    if password.strip().lower() == name.lower():
        raise AccountError("Mật khẩu không được trùng tên đăng nhập.")


def add(store: Store, name: str, full_name: str, role: str) -> str:
    """A new officer with a temporary password (returned, to be shown once); must change it."""
    name, full_name = (name or "").strip().lower(), " ".join((full_name or "").split())
    if not NAME.match(name):
        raise AccountError("Tên đăng nhập gồm 2–32 chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới.")
    if not full_name or len(full_name) > 100:
        raise AccountError("Hãy ghi họ và tên của cán bộ (tối đa 100 ký tự).")
    if role not in {r["key"] for r in roles()}:
        raise AccountError("Vai trò không hợp lệ.")
    if get(store, name) is not None:
        raise AccountError(f"Tên đăng nhập “{name}” đã có.")
    password = secrets.token_urlsafe(9)
    store.execute("INSERT INTO users(name, pw_hash, created_at, role, full_name, must_change, disabled) "
                  "VALUES(?, ?, ?, ?, ?, 1, 0)", name, hash_password(password), now(), role, full_name)
    return password


def _other_admins(store: Store, name: str) -> int:
    return store.one("SELECT COUNT(*) AS n FROM users WHERE role=? AND disabled=0 AND name<>?", ADMIN_ROLE,
                     name)["n"]


def set_role(store: Store, name: str, role: str) -> None:
    user = _existing(store, name)
    if role not in {r["key"] for r in roles()}:
        raise AccountError("Vai trò không hợp lệ.")
    if user["role"] == ADMIN_ROLE and role != ADMIN_ROLE and not _other_admins(store, name):
        raise AccountError("Phải còn ít nhất một tài khoản quản trị đang hoạt động.")
    store.execute("UPDATE users SET role=? WHERE name=?", role, name)


def set_disabled(store: Store, name: str, disabled: bool) -> None:
    user = _existing(store, name)
    if disabled and user["role"] == ADMIN_ROLE and not _other_admins(store, name):
        raise AccountError("Phải còn ít nhất một tài khoản quản trị đang hoạt động.")
    store.execute("UPDATE users SET disabled=? WHERE name=?", int(disabled), name)
    if disabled:
        store.execute("DELETE FROM sessions WHERE user=?", name)


def temporary_password(store: Store, name: str) -> str:
    _existing(store, name)
    password = secrets.token_urlsafe(9)
    store.execute("UPDATE users SET pw_hash=?, must_change=1 WHERE name=?", hash_password(password), name)
    store.execute("DELETE FROM sessions WHERE user=?", name)
    return password


def change_password(store: Store, name: str, new: str, again: str) -> None:
    if new != again:
        raise AccountError("Hai lần nhập mật khẩu mới không khớp.")
    check_password_rules(new, name)
    store.execute("UPDATE users SET pw_hash=?, must_change=0 WHERE name=?", hash_password(new), name)


def _existing(store: Store, name: str):
    user = get(store, name)
    if user is None:
        raise AccountError("Không có tài khoản này.")
    return user


def display(store: Store, actor: str) -> str:
    """The audit log's words for an actor: “Họ tên (tên đăng nhập)” for an officer, else as recorded."""
    user = get(store, actor)
    if user is not None and user["full_name"]:
        return f"{user['full_name']} ({actor})"
    return actor
