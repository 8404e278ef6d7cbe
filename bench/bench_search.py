"""Benchmark of `pipeline search`, run by hand:

    .venv/bin/python bench/bench_search.py [--records 10000] [--runs 7]

Fills a ledger with N records (contracts and report letters of made-up
agencies and clients, each with ~1,500 characters of filing text, as OCR
or a text layer gives it), then times, median of the runs, the library call
(`search.search_lines`: query, filters, records built, snippets) for queries
of 3+ characters (the trigram index), 2 and 1 characters (the index of
single characters), beside the bare SQLite FTS5 query on the same
database in the same run. Target: <= 100 ms over 10,000 records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.ledger import Ledger  # noqa: E402  (after the sys.path line)
from pipeline.models import ContractFields, Record, ReportLetterFields  # noqa: E402
from pipeline.search import search_lines  # noqa: E402

PLACES = ["常州", "武进", "湖塘", "牛塘", "洛阳", "雪堰", "前黄", "礼嘉", "嘉泽", "湟里", "横山桥", "遥观"]
TRADES = ["机械", "电机", "铸造", "化工", "纺织", "精密", "汽车零部件", "紧固件", "塑业", "电子", "包装", "建材"]
WORDS = ["恒兴", "宏图", "锦程", "华泰", "金源", "天成", "永安", "瑞丰", "长江", "新誉", "东方", "润达", "鼎盛"]
CLAUSE = ("根据《中华人民共和国安全生产法》等法律法规的规定，甲方委托乙方对其生产经营单位安全现状进行评价，"
          "经双方协商一致，签订本合同，共同遵守。乙方应按照国家有关标准规范开展评价工作，对评价结论负责。")


def company(rnd: random.Random) -> str:
    return f"{rnd.choice(PLACES)}{rnd.choice(WORDS)}{rnd.choice(WORDS)}{rnd.choice(TRADES)}有限公司"


def fill(ledger: Ledger, n: int) -> None:
    rnd = random.Random(7)
    for i in range(n):
        sha = f"{i:064x}"
        agency = f"常州{rnd.choice(WORDS)}安全技术服务有限公司"
        day = dt.date(2021, 1, 1) + dt.timedelta(days=rnd.randrange(0, 700))
        if i % 10 == 0:
            text = f"安全生产技术服务机构活动开展报告函\n机构名称 {agency}\n" + CLAUSE * 8
            rec = Record(source=f"报告函{i}.pdf", sha256=sha, kind="report_letter", status="accepted",
                         fields=ReportLetterFields(agency_name=agency), text=text)
        else:
            client = company(rnd) if i != n // 2 + 1 else "常州锦华电机有限公司"
            text = f"安全评价服务合同\n甲方（委托方）：{client}\n乙方（受托方）：{agency}\n" + CLAUSE * 8
            rec = Record(source=f"合同{i}.pdf", sha256=sha, kind="contract", status="accepted",
                         fields=ContractFields(agency_name=agency, client_name=client, signed_on=day), text=text)
        ledger.claim(sha, rec.source, day)
        ledger.complete(sha, rec, f"/archive/{rec.source}", None)


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(Path(tmp) / "ledger.sqlite3")
        ledger.db.execute("PRAGMA synchronous=OFF")  # filling only: the pipeline's fsync per filing is not measured here
        t = time.perf_counter()
        fill(ledger, args.records)
        print(f"{args.records} records filed and indexed in {time.perf_counter() - t:.1f} s")
        db = ledger.db
        cases = [("锦华电机", 'SELECT sha256 FROM search WHERE body MATCH \'"锦华电机"\' LIMIT 100'),
                 ("报告函", 'SELECT sha256 FROM search WHERE body MATCH \'"报告函"\' LIMIT 100'),
                 ("报告", 'SELECT rowid FROM search_chars WHERE search_chars MATCH \'"报 告"\' LIMIT 100'),
                 ("锦", 'SELECT rowid FROM search_chars WHERE search_chars MATCH \'"锦"\' LIMIT 100'),
                 ("锦华", 'SELECT rowid FROM search_chars WHERE search_chars MATCH \'"锦 华"\' LIMIT 100'),
                 ("鑫", 'SELECT rowid FROM search_chars WHERE search_chars MATCH \'"鑫"\' LIMIT 100')]
        print(f"{'query':10} {'hits':>5} {'search_lines':>13} {'bare SQLite':>12}")
        for query, bare in cases:
            hits = len(list(search_lines(ledger, query)))
            ours = median_ms(lambda: list(search_lines(ledger, query)), args.runs)
            raw = median_ms(lambda: db.execute(bare).fetchall(), args.runs)
            print(f"{query:10} {hits:5} {ours:10.1f} ms {raw:9.1f} ms")
        ledger.close()


if __name__ == "__main__":
    main()
