"""Bad files are refused with exit 2 and a one-line Vietnamese reason naming the file — never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cchc_xl.cli import main

BAD = Path(__file__).parent / "data" / "bad"
BAD_FILES = sorted(p for p in BAD.iterdir() if p.is_file())  # the sub-folders: test_hostile_inputs.py


def test_the_corpus_holds_at_least_fifteen_distinct_bad_files():
    import hashlib

    assert len({hashlib.sha256(p.read_bytes()).hexdigest() for p in BAD_FILES}) >= 15


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.name)
def test_validate_refuses_each_bad_file_with_exit_2_and_a_reason(path, capsys):
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr()
    line = out.out.strip()
    assert "\n" not in line and path.name in line
    assert any(w in line for w in ("không", "thiếu", "tệp", "biểu mẫu")), line
    assert "Traceback" not in out.out + out.err


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.name)
def test_export_refuses_each_bad_file_with_exit_2(path, capsys):
    assert main(["export", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert path.name in err and "\n" not in err


def test_json_report_of_a_bad_file_has_one_unreadable_or_wrong_template_issue(capsys):
    import json

    assert main(["validate", "--json", *map(str, BAD_FILES)]) == 2
    reports = json.loads(capsys.readouterr().out)
    assert len(reports) == len(BAD_FILES)
    for rep in reports:
        assert rep["valid"] is False and rep["errors"] == 1
        assert rep["issues"][0]["code"] in ("unreadable", "wrong_template")


def test_a_real_process_prints_no_traceback_and_finishes(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "cchc_xl", "validate", *map(str, BAD_FILES)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert proc.stdout.count("✗") == len(BAD_FILES)


def test_a_missing_file_is_named(capsys):
    assert main(["validate", "khong_co_tep_nay.xlsx"]) == 2
    assert "khong_co_tep_nay.xlsx" in capsys.readouterr().out
