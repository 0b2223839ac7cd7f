"""Fair and bounded checking on the department's server: agencies served in turn, one check per
agency at a time, a time budget that stops only the file over it, a cell budget, the checks an
agency may have waiting and its storage in a round (all declared in schemas/limits.json)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fairjobs import events, logged, stuck  # noqa: E402
from serverproc import ROOT, ServerProcess, open_round, upload  # noqa: E402
from xlsx_patch import padded_copy  # noqa: E402

from cchc_xl import spec  # noqa: E402
from cchc_xl.server.worker import Crashed, Workers  # noqa: E402
from cchc_xl.workbook.template import write_template  # noqa: E402

LIMITS = spec.limits()


def _wait_for(pred, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def _starts(log: Path) -> list[str]:
    return [e.split()[0] for e in events(str(log)) if e.endswith(" start")]


@pytest.fixture
def one_slot():
    workers = Workers(jobs=1, seconds=120)
    workers.warm()
    yield workers
    workers.close()


def test_agencies_are_served_in_turn_not_in_arrival_order(one_slot, tmp_path):
    """While agency A's first check runs, A queues three more and B, C, D one each, E two: the
    others get their turn before A's second check; A and E then alternate."""
    log, gate = tmp_path / "log", tmp_path / "gate"
    futures = [one_slot.submit("A", logged, str(log), "A1", str(gate))]
    _wait_for(lambda: "A1 start" in events(str(log)))
    futures += [one_slot.submit("A", logged, str(log), f"A{i}") for i in (2, 3, 4)]
    futures += [one_slot.submit(k, logged, str(log), f"{k}1") for k in "BCD"]
    futures += [one_slot.submit("E", logged, str(log), f"E{i}") for i in (1, 2)]
    assert one_slot.pending("A") == 4 and one_slot.pending("E") == 2 and one_slot.pending("Z") == 0
    gate.touch()
    for f in futures:
        f.result(timeout=60)
    assert _starts(log) == ["A1", "B1", "C1", "D1", "E1", "A2", "E2", "A3", "A4"]
    assert one_slot.pending("A") == 0


def test_one_check_per_agency_while_others_use_the_free_slot(tmp_path):
    workers = Workers(jobs=2, seconds=120)
    try:
        workers.warm()
        log, gate = tmp_path / "log", tmp_path / "gate"
        a1 = workers.submit("A", logged, str(log), "A1", str(gate))
        _wait_for(lambda: "A1 start" in events(str(log)))
        a2 = workers.submit("A", logged, str(log), "A2")
        b = [workers.submit(f"B{i}", logged, str(log), f"B{i}") for i in range(5)]
        for f in b:
            f.result(timeout=60)  # served by the second slot while A's first check still runs
        assert "A2 start" not in events(str(log)) and "A1 end" not in events(str(log))
        gate.touch()
        a1.result(timeout=60), a2.result(timeout=60)
        ev = events(str(log))
        assert ev.index("A1 end") < ev.index("A2 start")
    finally:
        workers.close()


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="process table read from /proc")
def test_time_budget_stops_only_that_check_and_its_reading_process(tmp_path):
    workers = Workers(jobs=2, seconds=1.5)
    try:
        workers.warm()
        pids = tmp_path / "pids"
        stuck_f = workers.submit("A", stuck, str(pids))
        other = workers.submit("B", logged, str(tmp_path / "log"), "B1")
        assert other.result(timeout=60)  # the other agency's check is not held up
        with pytest.raises(Crashed) as exc:
            stuck_f.result(timeout=60)
        assert exc.value.timed_out and exc.value.seconds == 1.5
        worker_pid, reader_pid = map(int, pids.read_text().split())
        _wait_for(lambda: _gone(worker_pid) and _gone(reader_pid), 10)
        # the slot got a new worker: the agency's next check runs
        again = workers.submit("A", logged, str(tmp_path / "log"), "A2").result(timeout=60)
        assert again != worker_pid
    finally:
        workers.close()


def test_a_check_given_up_while_waiting_is_not_run(one_slot, tmp_path):
    log, gate = tmp_path / "log", tmp_path / "gate"
    first = one_slot.submit("A", logged, str(log), "A1", str(gate))
    _wait_for(lambda: "A1 start" in events(str(log)))
    dropped = one_slot.submit("B", logged, str(log), "B1")
    kept = one_slot.submit("B", logged, str(log), "B2")
    assert dropped.cancel()
    gate.touch()
    first.result(timeout=60), kept.result(timeout=60)
    assert _starts(log) == ["A1", "B2"]


# ---- the cell budget -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bai")
    doc = json.loads((ROOT / "examples" / "so_tai_chinh_2024_6thang.json").read_text(encoding="utf-8"))
    ok = write_template(d / "So_Tai_chinh.xlsx", report=doc)
    heavy = d / "Bao_cao_nang.xlsx"
    padded_copy(ok, heavy, "Thống kê", LIMITS["check"]["max_cells"] + 2000)
    return {"ok": ok, "heavy": heavy}


def test_the_reader_refuses_a_workbook_over_the_cell_budget_naming_its_sheet(workbooks):
    from cchc_xl.check.validate import validate_file

    budget = LIMITS["check"]["max_cells"]
    rep = validate_file(workbooks["heavy"], display="Bao_cao_nang.xlsx", max_cells=budget)
    assert rep.unreadable and len(rep.issues) == 1
    msg = rep.issues[0].message
    assert msg.startswith("Bao_cao_nang.xlsx: tệp có ") and "trang “Thống kê”" in msg
    assert f"vượt giới hạn {budget:,} ô".replace(",", ".") in msg
    # without the budget (the command line) the same file is read and checked
    assert not validate_file(workbooks["heavy"]).unreadable
    assert not validate_file(workbooks["ok"], max_cells=budget).unreadable


def test_cells_the_quick_count_cannot_see_are_counted_after_reading(workbooks, monkeypatch):
    """An .xls, .ods or .xlsb has no worksheet XML to count before reading: the values read are
    counted (here the quick count is made blind to stand in for such a format)."""
    from cchc_xl.check.validate import validate_file
    from cchc_xl.files import budget

    assert sum(budget.count_package(workbooks["heavy"]).values()) > LIMITS["check"]["max_cells"]
    monkeypatch.setattr(budget, "count_package", lambda path: None)
    rep = validate_file(workbooks["heavy"], display="Bao_cao_nang.xlsx", max_cells=LIMITS["check"]["max_cells"])
    assert rep.unreadable and "vượt giới hạn" in rep.issues[0].message and "“Thống kê”" in rep.issues[0].message


def test_the_annotated_copy_is_bounded_by_the_same_cell_budget(workbooks, tmp_path):
    from cchc_xl.server.worker import annotate

    reason = annotate(str(workbooks["heavy"]), [], str(tmp_path / "x.xlsx"), "Bao_cao_nang.xlsx",
                      LIMITS["check"]["max_cells"])
    assert reason.startswith("Bao_cao_nang.xlsx: không ghi được bản đánh dấu lỗi vì tệp có ")
    assert not (tmp_path / "x.xlsx").exists()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ServerProcess(tmp_path_factory.mktemp("may_chu") / "du_lieu").start()
    yield srv
    srv.stop()


def test_an_upload_over_the_cell_budget_is_refused_with_its_reason(server, workbooks):
    rnd = open_round(server.client())
    a, b = rnd["agencies"][0], rnd["agencies"][1]
    r = upload(server.url, a["token"], workbooks["heavy"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["submitted"] is False and body["validation"]["errors"] == 1
    issue = body["validation"]["issues"][0]
    assert issue["code"] == "unreadable" and issue["message"].startswith("Bao_cao_nang.xlsx: tệp có ")
    assert "vượt giới hạn" in issue["message"]
    ann = server.client(a["token"]).get(f"/api/submissions/{body['submission']}/annotated")
    assert ann.status_code == 409
    # another agency cannot see the refused upload, nor its (refused) annotated copy
    for path in (f"/api/submissions/{body['submission']}", f"/api/submissions/{body['submission']}/annotated"):
        assert server.client(b["token"]).get(path).status_code == 403


# ---- waiting checks and storage, at the service --------------------------------------------------

def _service_round(tmp_path):
    from cchc_xl.server import rounds
    from cchc_xl.server.storage import Store

    store = Store(tmp_path / "du_lieu")
    rid = rounds.open_round(store, 2024, "6_thang", "2099-12-31",
                            [rounds.NewAgency("Sở Tài chính", "STC", "so"), rounds.NewAgency("Sở Nội vụ", "SNV", "so")],
                            False, "thử")
    return store, rounds.agencies_of(store, rid)


def test_an_agency_with_checks_waiting_is_told_to_wait(tmp_path, workbooks):
    """With ``waiting_per_agency`` uploads of its own not yet answered, an agency's next upload is
    refused (429, nothing stored); another agency's is taken; once answered, the agency uploads."""
    from cchc_xl.server import submissions
    from cchc_xl.server.errors import ServiceError

    store, (stc, snv) = _service_round(tmp_path)
    workers = Workers(jobs=1, seconds=120)
    log, gate = tmp_path / "log", tmp_path / "gate"
    data = workbooks["ok"].read_bytes()
    n = LIMITS["check"]["waiting_per_agency"]

    def send(agency, name):
        return submissions.accept_upload(store, workers, agency, data, name, False, "api")

    async def go():
        held = workers.submit("mot-co-quan-khac", logged, str(log), "X", str(gate))  # the one slot is busy
        waiting = [asyncio.create_task(send(stc, f"lan_{i}.xlsx")) for i in range(n)]
        other = asyncio.create_task(send(snv, "So_Noi_vu.xlsx"))
        await asyncio.sleep(0.5)
        with pytest.raises(ServiceError) as exc:
            await send(stc, "them.xlsx")
        stored = store.one("SELECT count(*) AS n FROM submissions")["n"]
        gate.touch()
        await asyncio.wrap_future(held)
        answers = await asyncio.gather(*waiting, other)
        return exc.value, stored, answers, await send(stc, "sau.xlsx")

    try:
        refused, stored, answers, after = asyncio.run(go())
    finally:
        workers.close()
        store.close()
    assert refused.status == 429 and refused.message == LIMITS["messages"]["busy"].format(waiting=n)
    assert stored == 0 and len(answers) == n + 1 and all(a["submission"] for a in answers)
    assert after["validation"]["errors"] == 0


def test_storage_quota_per_agency_per_round(tmp_path, workbooks):
    from cchc_xl.server import rounds, submissions
    from cchc_xl.server.bounds import quota_bytes
    from cchc_xl.server.errors import ServiceError

    store, (stc, snv) = _service_round(tmp_path)
    workers = Workers(jobs=1, seconds=120)
    data = workbooks["ok"].read_bytes()
    try:
        store.execute("INSERT INTO submissions(round_id, agency_id, uploaded_at, original_name, stored_name, size, "
                      "sha256, unreadable, errors, warnings, validation) VALUES(?, ?, '', 'cu.xlsx', 'x', ?, '', 0, 0, "
                      "0, '{}')", stc["round_id"], stc["id"], quota_bytes() - len(data) // 2)
        files_before = sorted(p.name for p in store.files.rglob("*") if p.is_file())
        with pytest.raises(ServiceError) as exc:
            asyncio.run(submissions.accept_upload(store, workers, stc, data, "So_Tai_chinh.xlsx", False, "api"))
        assert exc.value.status == 409
        assert exc.value.message.startswith("Cơ quan đã dùng ") and "dung lượng lưu trữ của đợt này" in exc.value.message
        assert sorted(p.name for p in store.files.rglob("*") if p.is_file()) == files_before
        # another agency of the round, and the same agency in another round, still upload
        ok = asyncio.run(submissions.accept_upload(store, workers, snv, data, "So_Noi_vu.xlsx", False, "api"))
        assert ok["submission"]
        rid2 = rounds.open_round(store, 2024, "nam", "2099-12-31", [rounds.NewAgency("Sở Tài chính", "STC", "so")],
                                 False, "thử")
        stc2 = rounds.agencies_of(store, rid2)[0]
        assert asyncio.run(submissions.accept_upload(store, workers, stc2, data, "a.xlsx", False, "api"))["submission"]
    finally:
        workers.close()
        store.close()

