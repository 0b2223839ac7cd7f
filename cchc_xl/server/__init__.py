"""``cchc-xl serve``: the department's own server (rounds, agency pages, dashboard, JSON API).

Modules: ``app`` (configuration, guards, errors), ``storage`` (SQLite + files, durability),
``auth`` (passwords, sessions, tokens, rate limits), ``access`` (per-request checks),
the actions, shared by pages and API: ``rounds`` (opening a round, its agencies and links),
``submissions`` (uploads, submitting, returning, each agency's state) and ``consolidation``
(consolidating a round); ``pages`` (Jinja2), ``api`` (JSON),
``worker`` (untrusted files read in worker processes), ``chart`` (inline SVG).
Imported only by the ``serve`` command: the rest of the toolkit never needs FastAPI.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path

MISSING = ("Máy chủ cần thêm thư viện: hãy cài bằng lệnh  python -m pip install \"cchc-xl[server]\"  "
           "(FastAPI, uvicorn, python-multipart).")


# POSIX spelling of Vietnam time (UTC+7, no daylight saving): needs no time-zone database
VIETNAM_TZ = "ICT-7"


def vietnam_time() -> None:
    """Local time of the server process, and so of its workers and of the consolidation it runs,
    is Vietnam time whatever the machine's zone (a VPS often keeps UTC): every document the
    server writes — the consolidated workbook's "Tổng hợp lúc", the Word draft's date, the
    buttons' status sheets — is dated as the department reads it."""
    import os
    import time

    os.environ["TZ"] = VIETNAM_TZ
    if hasattr(time, "tzset"):
        time.tzset()


def _config(args):
    from cchc_xl.server.app import Config
    from cchc_xl.server.errors import MB

    return Config(data_dir=Path(args.data), max_upload=int(args.max_upload_mb * MB), public_url=args.public_url,
                  jobs=args.jobs, catalog_dirs=list(args.catalog or []))


def backup(data_dir: str, target: str) -> Path:
    from cchc_xl.server.storage import Store

    store = Store(data_dir)
    try:
        return store.backup(target)
    finally:
        store.close()


def reset_password(data_dir: str) -> str:
    import secrets

    from cchc_xl.server.auth import hash_password
    from cchc_xl.server.errors import ADMIN_USER
    from cchc_xl.server.storage import Store

    store = Store(data_dir)
    try:
        password = secrets.token_urlsafe(12)
        store.execute("INSERT INTO users(name, pw_hash, created_at) VALUES(?, ?, datetime('now')) "
                      "ON CONFLICT(name) DO UPDATE SET pw_hash=excluded.pw_hash, role='quan_tri', disabled=0, "
                      "must_change=0", ADMIN_USER, hash_password(password))  # an administrator again, unlocked
        store.execute("DELETE FROM sessions")
        store.audit("dòng lệnh", "dat_lai_mat_khau")
        return password
    finally:
        store.close()


def seed_demo(config, echo=print) -> tuple[str | None, dict]:
    """A round on the sample registry with the demo's sample workbooks uploaded and submitted."""
    import tempfile

    from cchc_xl.demo import DEMO_KIND, DEMO_YEAR, examples_dir, write_samples
    from cchc_xl.read.agency import UnreadableError, read_file
    from cchc_xl.server import rounds, submissions
    from cchc_xl.server.app import Server

    srv = Server(config)
    try:
        if rounds.rounds(srv.store):
            echo("Thư mục dữ liệu đã có đợt báo cáo; không tạo thêm đợt chạy thử.")
            return None, srv.shown_once
        agencies = rounds.registry_from_file(examples_dir() / "registry.csv")
        deadline = (dt.date.today() + dt.timedelta(days=14)).isoformat()
        rid = rounds.open_round(srv.store, DEMO_YEAR, DEMO_KIND, deadline, agencies, False, "chạy thử",
                                "registry.csv (mẫu)")
        rows = rounds.agencies_of(srv.store, rid)
        with tempfile.TemporaryDirectory() as tmp:
            samples = write_samples(Path(tmp) / "nop")
            for path in samples["files"]:
                if path.parent.name != "nop":  # the demo's older draft stays out
                    continue
                try:
                    ag = read_file(path).report["agency"]  # the demo's own workbooks
                except UnreadableError:
                    continue
                agency = rounds.match_agency(rows, ag)
                if agency is None:
                    continue
                asyncio.run(submissions.accept_upload(srv.store, srv.workers, agency, path.read_bytes(), path.name,
                                                      True, "chạy thử"))
        first = rounds.agencies_of(srv.store, rid)[-1]
        return f"/nop/{first['token']}", srv.shown_once
    finally:
        srv.close()


def serve(args, echo=print) -> int:
    try:
        import fastapi  # noqa: F401
        import multipart  # noqa: F401
        import uvicorn
    except ImportError:
        echo(f"cchc-xl: {MISSING}")
        return 2
    if args.backup:
        out = backup(args.data, args.backup)
        echo(f"Đã sao lưu dữ liệu máy chủ vào {out}")
        return 0
    if args.reset_password:
        echo(f"Mật khẩu mới của tài khoản admin: {reset_password(args.data)}  (chỉ hiện một lần)")
        return 0
    vietnam_time()
    config = _config(args)
    demo_link, shown = seed_demo(config, echo) if args.demo else (None, {})
    from cchc_xl.server.app import create_app

    app = create_app(config)
    server = app.app.state.server
    server.shown_once.update(shown)
    base = args.public_url or f"http://{args.host}:{args.port}"
    echo(f"Máy chủ cchc-xl: {base}  (dữ liệu trong {config.data_dir.resolve()})")
    if "password" in server.shown_once:
        echo(f"Tài khoản Sở Nội vụ: admin, mật khẩu: {server.shown_once['password']}  (chỉ hiện một lần; "
             "đổi bằng  cchc-xl serve --reset-password)")
    if "token" in server.shown_once:
        echo(f"Mã truy cập API (CCHC_XL_ADMIN_TOKEN): {server.shown_once['token']}  (chỉ hiện một lần)")
    if demo_link:
        echo(f"Trang nộp bài mẫu của một cơ quan: {base}{demo_link}")
    server.workers.warm()
    sys.stdout.flush()  # the one-time password must reach a service's log now, not at exit
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, proxy_headers=True,
                forwarded_allow_ips=args.trusted_proxy, log_level="warning")
    return 0
