"""The server's refusals and the few constants every part of it shares.

A leaf: it imports nothing of the server, so the app factory, the routers and the actions all
read it without importing one another back.
"""

from __future__ import annotations

MB = 1024 * 1024
ADMIN_USER = "admin"


class ServiceError(Exception):
    """A refusal with a Vietnamese reason and the HTTP status it maps to."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


class NeedLogin(Exception):
    """A department page asked for without a session: go to the sign-in page."""


class NeedNewPassword(Exception):
    """The officer signed in with a temporary password: the password page comes first."""


class Refused(Exception):
    """401/403/413/429 with a Vietnamese reason (JSON for the API, a page otherwise); ``headers``
    such as Retry-After go with the answer."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def sentence(message: str) -> str:
    """A message as a sentence: capital first letter, closing full stop."""
    message = (message or "").strip()
    if not message:
        return message
    first = message.split(" ", 1)[0]
    if "." not in first.rstrip(".:") and "/" not in first:  # a file name keeps the user's own spelling
        message = message[0].upper() + message[1:]
    return message if message[-1] in ".!?…" else message + "."


def too_large_text(limit: int) -> str:
    return (f"Tệp tải lên quá lớn (giới hạn {limit // MB} MB). Biểu mẫu CCHC thường chỉ vài trăm KB; "
            "hãy kiểm tra lại tệp (ảnh chèn vào, trang thừa).")
