"""The HTML report is self-contained and renders its sections and plots in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from batch_exports import OUTREACH, PERSONAL, email, mbox_entry

from detector.batch.scan import ScanOptions, scan

pytest.importorskip("matplotlib", reason="needs the batch extra: pip install 'sincere[batch]'")
SECTIONS = ("verdicts", "scores", "campaigns", "senders", "over-time", "errors")
PROBE = """<script>window.addEventListener("load", () => {
  const images = [...document.images];
  document.body.dataset.images = images.length;
  document.body.dataset.decoded = images.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.dataset.sections = [...document.querySelectorAll("section > h2")].map(h => h.parentNode.id).join(",");
});</script>"""


def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium)")
    return binary


@pytest.fixture
def report(tmp_path):
    mbox = tmp_path / "inbox.mbox"
    mbox.write_text("".join(mbox_entry(i, email(i, OUTREACH if i % 3 else PERSONAL,
                                                sender=f"Seller {i % 4} <s{i % 4}@vendor.example>"))
                            for i in range(12)) + mbox_entry(12, "\x00binary"))
    path = tmp_path / "report.html"
    scan(ScanOptions(path=mbox, out=tmp_path / "r.parquet", report=path))
    return path


def test_report_is_self_contained(report):
    page = report.read_text(encoding="utf-8")
    assert "<script" not in page and not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page)
    assert all(f'<section id="{s}">' in page for s in SECTIONS)
    assert page.count('src="data:image/png;base64,') == 5  # one plot per section; error rows are tables
    assert "Seller" in page and "binary data, not an e-mail message" in page
    assert "<th>varying slots</th>" in page and "<td class=n>8</td>" in page  # 8 copies of the outreach template
    assert "<td>vendor.example</td>" in page  # a campaign is named by its senders' domain, not only its hash


def test_report_renders_in_headless_chromium(report, tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", probe.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", done.stdout).group(1)
    attrs = dict(re.findall(r'data-(\w+)="([^"]*)"', body))
    assert attrs["sections"] == ",".join(SECTIONS)
    assert attrs["images"] == attrs["decoded"] == "5"


def test_error_reasons_are_counted_as_written_without_their_line(tmp_path):
    import pandas as pd

    from detector.batch.owner import Owner
    from detector.batch.report import COLUMNS, render

    errors = ["in.jsonl line 12: invalid JSON (Expecting value at column 3)",
              "in.jsonl line 40: invalid JSON (Expecting value at column 3)", "too expensive to parse (over 5 s)"]
    frame = pd.DataFrame([{"id": str(i), "source": "in.jsonl", "sender": "a@x.example", "verdict": "error", "error": e, "from_me": False}
                          for i, e in enumerate(errors)]
                         + [{"id": "d", "source": "in.jsonl", "sender": "a@x.example", "verdict": "smile", "score": 0.9, "from_me": False,
                             "sent_at": f"2024-{m:02d}-03T10:00:00+00:00"} for m in (1, 2, 9)], columns=COLUMNS)
    page = render(frame, Owner(), "jsonl")
    assert "<td>invalid JSON (Expecting value at column 3)</td><td class=n>2</td>" in page
    assert "too expensive to parse (over 5 s)" in page and "NDutf" not in page and "over N s" not in page
    assert "<td>2024-09</td>" in page  # months without mail are left out of the table, kept as gaps on the axis


def test_the_readers_note_on_an_mbox_reaches_the_report(tmp_path):
    """An mbox whose `From ` lines outnumber its messages says so in the report too, not only the CLI summary."""
    mbox = tmp_path / "inbox.mbox"
    body = email(0, PERSONAL) + "\nFrom what I hear the offsite moved to Thursday.\n"
    mbox.write_text(mbox_entry(0, body) + mbox_entry(1, email(1, OUTREACH)))
    path = tmp_path / "report.html"
    summary = scan(ScanOptions(path=mbox, out=tmp_path / "r.parquet", report=path))
    assert summary.total == 2 and len(summary.notes) == 1
    page = path.read_text(encoding="utf-8")
    assert "3 lines begin with &#x27;From &#x27; but 2 messages were read" in page
