"""Two processes writing the same records at once lose nothing, and the audit
chain they share stays valid."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from mesodesk.storage import open_store

N = 30

WRITER = textwrap.dedent("""
    import pathlib, sys, time
    from mesodesk.storage import open_store

    url, me, n, folder = sys.argv[1], sys.argv[2], int(sys.argv[3]), pathlib.Path(sys.argv[4])
    store = open_store(url)
    (folder / f"ready-{me}").touch()
    deadline = time.monotonic() + 20
    while len(list(folder.glob("ready-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.001)          # both writers start together
    for i in range(n):
        draft = store.save_draft(None, {"patient": {"name": f"{me} {i}"}}, "patient", me)
        store.save_draft(draft, {"patient": {"name": f"{me} {i} edited"}}, "plan", me)
        store.record_event("viewed", me, draft, {"i": i})
    store.close()
""")


def test_two_processes_writing_at_once_lose_nothing(db_url, tmp_path):
    open_store(db_url).close()          # create the schema once, as the window would
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, db_url, name, str(N),
                                 str(tmp_path)], stderr=subprocess.PIPE, text=True)
               for name in ("alpha", "beta")]
    for w in writers:
        _, err = w.communicate(timeout=60)
        assert w.returncode == 0, err
    with open_store(db_url) as store:
        drafts = store.drafts()
        assert len(drafts) == 2 * N
        names = {d.patient_name for d in drafts}
        assert names == {f"{who} {i} edited" for who in ("alpha", "beta") for i in range(N)}
        events = store.audit_events()
        assert len(events) == 2 * 2 * N             # one 'created' and one 'viewed' per draft
        assert [e.seq for e in events] == list(range(1, 4 * N + 1))
        report = store.verify_audit()
        assert report.ok, report.sentence()
        # the writers really did interleave
        who = [e.practitioner for e in events]
        switches = sum(1 for a, b in zip(who, who[1:]) if a != b)
        assert switches >= 1
