"""The README documents every issue code users and scripts can meet."""

from pathlib import Path

from cchc_xl import spec


def test_readme_lists_every_issue_code():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [code for code in spec.load("issues") if f"`{code}`" not in readme]
    assert not missing
