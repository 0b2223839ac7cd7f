"""The audit log as the department reads it: who (the officer by name, or the agency), from which
address, did what, in Vietnamese words declared in schemas/server.json, filterable by round and
agency. Rows keep their action keys and JSON details; only the reading turns them into words."""

from __future__ import annotations

import json
from functools import lru_cache

from cchc_xl import spec
from cchc_xl.server.storage import Store

LIMIT = 500
# Rows that concern a round or an agency: the round named in the detail, or a submission or agency
# of it. CASE keeps json_extract away from the free-text details of older rows.
_J = "CASE WHEN json_valid(detail) THEN json_extract(detail, '$.{key}') END"
ROUND_FILTER = (f"({_J.format(key='round')} = :round OR {_J.format(key='submission')} IN "
                f"(SELECT id FROM submissions WHERE round_id = :round) OR {_J.format(key='agency_id')} IN "
                f"(SELECT id FROM agencies WHERE round_id = :round))")
AGENCY_FILTER = (f"({_J.format(key='agency_id')} = :agency OR {_J.format(key='submission')} IN "
                 f"(SELECT id FROM submissions WHERE agency_id = :agency))")
ACTORS = {"API": "Mã truy cập API của Sở Nội vụ", "dòng lệnh": "Dòng lệnh trên máy chủ",
          "máy chủ": "Máy chủ"}
HIDDEN = {"agency_id"}  # said through the agency's name instead


@lru_cache(maxsize=1)
def _words() -> tuple[dict, dict]:
    declared = spec.load("server")
    return ({a["key"]: a["label"] for a in declared["audit_actions"]},
            {d["key"]: d["label"] for d in declared["audit_details"]})


def action_label(key: str) -> str:
    return _words()[0].get(key) or key.replace("_", " ").replace("-", " ").capitalize()


def rows(store: Store, round_id: int | None = None, agency_id: int | None = None, limit: int = LIMIT) -> list:
    where, args = [], {"round": round_id, "agency": agency_id, "limit": limit}
    if round_id is not None:
        where.append(ROUND_FILTER)
    if agency_id is not None:
        where.append(AGENCY_FILTER)
    sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + \
        " ORDER BY id DESC LIMIT :limit"
    with store.lock:
        return store.db.execute(sql, args).fetchall()


def entries(store: Store, round_id: int | None = None, agency_id: int | None = None) -> list[dict]:
    from cchc_xl.server.accounts import display

    people: dict[str, str] = {}
    out = []
    for r in rows(store, round_id, agency_id):
        actor = r["actor"]
        if r["action"] == "dang_nhap_sai":  # the name typed in: never taken for a person or an agency
            out.append({"at": r["at"], "who": f"Người gõ tên đăng nhập “{actor}”", "ip": r["ip"] or "",
                        "action": action_label(r["action"]), "detail": detail_words(store, r["detail"])})
            continue
        if actor not in people:
            people[actor] = ACTORS.get(actor) or (actor[:1].upper() + actor[1:] if actor.startswith("cơ quan ")
                                                  else display(store, actor))
        out.append({"at": r["at"], "who": people[actor], "ip": r["ip"] or "", "action": action_label(r["action"]),
                    "detail": detail_words(store, r["detail"])})
    return out


def detail_words(store: Store, detail: str | None) -> str:
    """``{"submission": 12, "file": "a.xlsx", "errors": 0}`` → “Sở Tài chính, lần tải lên 2; tệp: a.xlsx;
    số lỗi: 0”. Text that is not JSON (older rows, unexpected errors) is shown as it is."""
    if not detail:
        return ""
    try:
        data = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return detail
    labels = _words()[1]
    parts = []
    for key, value in data.items():
        if key in HIDDEN or value is None:
            continue
        if key == "submission":
            parts.append(_submission_words(store, value))
            continue
        if key == "round":
            parts.append(f"đợt {value}")
            continue
        if key == "agencies" and isinstance(value, int):
            parts.append(f"{value} cơ quan")
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value) or "không có"
        parts.append(f"{labels.get(key, key)}: {value}")
    return "; ".join(parts)


def _submission_words(store: Store, sid) -> str:
    row = store.one("SELECT s.agency_id, s.round_id, a.name FROM submissions s JOIN agencies a ON a.id = s.agency_id "
                    "WHERE s.id = ?", sid)
    if row is None:
        return f"bài nộp số {sid}"
    n = store.one("SELECT COUNT(*) AS n FROM submissions WHERE agency_id=? AND id<=?", row["agency_id"], sid)["n"]
    return f"{row['name']} (đợt {row['round_id']}), lần tải lên {n}"
