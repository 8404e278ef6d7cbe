"""A replay in the order filings arrived (`process --received-on` per day):
scanned contracts whose names carry OCR slips make no phantom agency, even
when the slip came in before the agency's real name was on file; agencies
whose names are one unlike character or a word apart stay two."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from pipeline.batch import outputs_for
from pipeline.digest import REVIEW_DIR_NAME, build_digest
from pipeline.ledger import Ledger
from pipeline.settings import Settings
from pipeline.watch import Watcher

from .fixtures import name_slips as slips


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, list[slips.Filing]], list[set[str]]]:
    tmp = tmp_path_factory.mktemp("slips")
    days = slips.replay_days(tmp / "made")
    settings = Settings(inbox=tmp / "inbox", outbox=tmp / "outbox", state=tmp / "state", stable_seconds=0.1, workers=2)
    ledger = Ledger(settings.ledger_path)
    folders_after = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", "")  # Word documents only: the folders are what this test is about, not the PDFs
        hook = outputs_for(settings)
        try:
            for day, filings in days.items():
                settings.inbox.mkdir(parents=True, exist_ok=True)
                for f in filings:
                    shutil.copy(f.path, settings.inbox / f.path.name)
                Watcher(settings, ledger, hook, received_on=dt.date.fromisoformat(day)).run_once()
                folders_after.append({p.name for p in settings.outbox.iterdir() if p.is_dir()} - {REVIEW_DIR_NAME})
        finally:
            ledger.close()
    return settings, days, folders_after


@pytest.mark.ocr
@pytest.mark.cjk_font
@pytest.mark.slow
def test_replay_makes_one_folder_per_real_agency(replayed) -> None:
    settings, days, folders_after = replayed
    real = {f.agency for filings in days.values() for f in filings}
    # the first day's slip had no agency on file to be taken as: a folder of its own for now
    assert slips.JIAAN_SLIP in folders_after[0]
    # once the real name is on file the slip joins it, and its folder goes
    assert folders_after[-1] == real
    assert (settings.outbox / slips.JIAAN / "回执").is_dir()
    assert len(list((settings.outbox / slips.JIAAN / "回执").glob("*.txt"))) == 2  # the letter's and the contract's


@pytest.mark.ocr
@pytest.mark.cjk_font
@pytest.mark.slow
def test_the_ledger_keeps_what_the_page_showed_and_the_digest_counts_real_agencies(replayed) -> None:
    settings, days, _ = replayed
    ledger = Ledger(settings.ledger_path, lock=False)
    try:
        records = list(ledger.records())
    finally:
        ledger.close()
    real = {f.agency for filings in days.values() for f in filings}
    assert {r.fields.agency_name for r in records} == real
    by_source = {r.source: r for r in records}
    slipped = by_source["a4.pdf"]
    [note] = [i for i in slipped.issues if i.code == "NAME_RESOLVED"]
    assert slips.JIAAN_SLIP in note.message and note.severity == "info"
    assert slipped.names_read["agency_name"] == slips.JIAAN_SLIP
    junk = by_source["b4.pdf"]
    assert junk.fields.agency_name == slips.ZHONGHENG
    assert by_source["b3.pdf"].fields.agency_name == slips.DINGAN  # read clearly: not taken as 江苏达安
    digest = build_digest(records, dt.date(2021, 3, 31))
    assert {row.name for row in digest.agencies} == real
