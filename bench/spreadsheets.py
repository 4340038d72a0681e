"""Spreadsheet import and export at scale, against the floor of a plain bulk insert of the same rows.

    python -m bench.spreadsheets                                  # 10,000 customers, 100,000 follow-up rows
    python -m bench.spreadsheets --customers 100000               # the issue's size: 1,000,000 rows
    python -m bench.spreadsheets --database-url postgresql+psycopg://…   # a private schema there
    python -m bench.spreadsheets --customers 100000 --excel-like  # as Excel saves a team's record

A follow-up record (客户全周期跟进记录表 layout, Chinese headers, a title row) of N customers with
``--rows-per-customer`` follow-ups each is generated once as .xlsx and .csv (``--excel-like``: each
follow-up's content its own text, and the .xlsx's texts in a shared-strings table, which is how
Excel saves a workbook and which an .xlsx reader holds whole). Then, each in a process of its own
on a database of its own (so that the peak memory is the step's own):

* **floor**: the same customers and follow-up rows inserted with one ``executemany`` per 10,000 rows
  (SQLite) or ``COPY`` (PostgreSQL), values prepared beforehand (not timed): the least any import
  of these rows can take;
* **import xlsx** / **import csv**: ``bot.services.spreadsheets.import_file`` as ``followup-bot
  import`` runs it (check pass, one write transaction, second pass for the follow-ups);
* **xlsx read floor**: calamine (python-calamine-plus, the import's reader) streaming every row of
  the .xlsx and doing nothing with them: the least any import of the .xlsx can take before it
  inserts anything. The **xlsx floor** is that read plus the plain floor above;
* **import again**: the csv imported a second time into the database it went into (every customer
  and follow-up already there: compared, nothing written), judged on memory;
* **memory flat as the file grows**: the csv of half the customers imported, and the peak of the
  whole file's import compared with it, as bytes more per added customer (judged when half the
  file is beyond the customers an import keeps in memory, 20,000);
* **export xlsx** / **export csv** of the imported database (streamed: rust_xlsxwriter's
  constant-memory mode through rustpy-xlsxwriter, csv);
* **xlsx write floor**: rust_xlsxwriter in constant-memory mode writing the rows of the .xlsx export
  (read back beforehand, untimed) as plain values and closing: the least an .xlsx export of these
  rows can take with that writer.

Targets (issue 11): import within 3× the floor; export of 100,000 customers under 60 s (smaller
runs are projected linearly); peak memory under 500 MB, flat as the file grows (at most 250 bytes
more per added customer: the import kept 2.3 KB before). Every verdict line says PASS or FAIL and
against which floor; an .xlsx import is judged against both floors (the plain insert, which is the
issue's target, and the xlsx floor, which is what reading .xlsx allows). ``--repeat N`` runs each
timed step N times and keeps the fastest of each (floors and imports alike), for a shared machine.
Peak memory is the larger of a step process's own peak resident memory and the peak of what it
and its children hold together (proportional set sizes, sampled), so an .xlsx import's reader
process counts. Each step also reports its process's CPU seconds (on SQLite the database works
inside the process, so the CPU ratio is the wall-clock ratio without the other processes of a
shared machine; on PostgreSQL the server's work is not in it), and an .xlsx import the CPU
seconds and peak resident memory of its reader process (which unzips and parses the file on
another core): printed, not judged.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import itertools
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import ROOT, TEAMS_FILE, closing_verdict, private_database

TEAM = "East China"
OWNERS = ("U0REP1", "U0REP2", "U0SUPEAST")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
HEADER = ["客户编号", "客户名称", "所属行业", "客户规模", "联系人", "职位", "联系方式", "跟进阶段", "跟进日期", "跟进方式",
          "跟进内容(含需求、方案、反馈等)", "客户反馈(需求变化、疑虑、满意度等)", "下一步计划(时间、动作、负责人)", "当前状态",
          "负责人", "备注"]
STEPS = [("潜在客户开发", "意向客户"), ("需求深挖", "需求确认"), ("方案提供", "谈判中"), ("商务谈判", "意向确认"),
         ("成交签约", "成交"), ("售后维护", "维护中")]
METHODS = ("电话", "线上会议", "面谈", "邮件", "微信")
INDUSTRIES = ("互联网", "制造业", "零售", "物流", "医疗", "能源")
CONTENT = ("客户计划升级客户管理系统，初步意向高，关注数据分析功能与交付周期。",
           "提供定制方案（含功能清单、报价25万、交付周期1个月），附3个同行业成功案例。",
           "达成共识：报价22万，分3期付款（40%-40%-20%），交付周期1.5个月。",
           "Called the buyer: budget confirmed for next quarter, waiting for the board.")
TARGET_RATIO = 3.0
TARGET_MEMORY_MB = 500.0
TARGET_EXPORT_S = 60.0
TARGET_EXPORT_CUSTOMERS = 100_000


# The file ------------------------------------------------------------------------------------------


def generated_rows(customers: int, per_customer: int, seed: int, excel_like: bool = False) -> Any:
    """The follow-up record's data rows: each customer's history in date order, one row a follow-up
    (``excel_like``: each follow-up's content its own text, as in a team's real record)."""
    rng = random.Random(seed)
    start = date(2024, 1, 2)
    for n in range(1, customers + 1):
        number = f"CL2024{n:06d}"
        company = f"测试客户{n}有限公司" if n % 2 else f"Bench Customer {n} Ltd"
        industry = INDUSTRIES[n % len(INDUSTRIES)]
        owner = OWNERS[n % len(OWNERS)]
        day = start + timedelta(days=rng.randrange(300))
        for k in range(per_customer):
            stage, status = STEPS[min(k, len(STEPS) - 1)]
            day += timedelta(days=rng.randrange(1, 6))
            yield [number, company, industry, "100-500人", f"联系人{n % 97}", "采购总监", f"138{n:08d}"[:11], stage,
                   day.isoformat(), METHODS[(n + k) % len(METHODS)],
                   f"{number} 第{k + 1}次跟进：{CONTENT[(n + k) % len(CONTENT)]}" if excel_like
                   else f"{CONTENT[(n + k) % len(CONTENT)]} #{k}",
                   "表示关注，希望先了解产品功能模块。", f"{day.month}月{day.day}日后再跟进", status, owner,
                   "线索来源:行业展会" if k == 0 else None]


def write_files(folder: Path, customers: int, per_customer: int, seed: int, formats: Sequence[str],
                excel_like: bool = False) -> dict[str, Path]:
    """The file in each format asked for. The xlsx is written by openpyxl's write-only mode (text in
    inline strings); ``excel_like``, with every follow-up's content its own text and then every
    text moved into a shared-strings table, as Excel saves a workbook (``to_shared_strings``)."""
    from openpyxl import Workbook

    files = {}
    if "csv" in formats:
        files["csv"] = folder / "跟进记录.csv"
        with open(files["csv"], "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["客户全周期跟进记录表"])
            writer.writerow(HEADER)
            writer.writerows(generated_rows(customers, per_customer, seed, excel_like))
    if "xlsx" in formats:
        files["xlsx"] = folder / "跟进记录.xlsx"
        book = Workbook(write_only=True)
        sheet = book.create_sheet("跟进记录")
        sheet.append(["客户全周期跟进记录表"])
        sheet.append(HEADER)
        for row in generated_rows(customers, per_customer, seed, excel_like):
            sheet.append(row)
        book.save(files["xlsx"])
        if excel_like:
            to_shared_strings(files["xlsx"])
    return files


_INLINE_TEXT = re.compile(r'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="inlineStr"><is><t(?: xml:space="preserve")?>(.*?)</t>'
                          r"</is></c>", re.S)


def to_shared_strings(path: Path) -> None:
    """Rewrite an xlsx whose texts are inline strings the way Excel saves it: each distinct text
    once in xl/sharedStrings.xml, the cells pointing at it (a reader holds that table whole)."""
    import zipfile

    index: dict[str, int] = {}

    def shared(match: re.Match[str]) -> str:
        number = index.setdefault(match.group(3), len(index))
        return f'<c r="{match.group(1)}"{match.group(2) or ""} t="s"><v>{number}</v></c>'

    rewritten = path.with_suffix(".shared.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename.startswith("xl/worksheets/"):
                with source.open(item) as read, target.open(item.filename, "w", force_zip64=True) as write:
                    rest, decode = "", codecs.getincrementaldecoder("utf-8")().decode  # a chunk may end mid-character
                    while chunk := read.read(1 << 22):
                        text = rest + decode(chunk)
                        cut = text.rfind("</row>") + len("</row>")
                        rest = text[cut:]
                        write.write(_INLINE_TEXT.sub(shared, text[:cut]).encode())
                    write.write(_INLINE_TEXT.sub(shared, rest).encode())
                continue
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdShared" Type="http://schemas.'
                                    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
                                    b'Target="sharedStrings.xml"/></Relationships>')
            target.writestr(item, data)
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as write:
            write.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
                        f'openxmlformats.org/spreadsheetml/2006/main" count="{len(index)}" '
                        f'uniqueCount="{len(index)}">'.encode())
            for text in index:  # in the order of their numbers
                write.write(f"<si><t>{text}</t></si>".encode())
            write.write(b"</sst>")
    rewritten.replace(path)


# Steps, each in a child process ---------------------------------------------------------------------


def _runtime(database_url: str) -> Any:
    from slack_sdk import WebClient

    from bot.config import load_teams_config
    from bot.runtime import Runtime
    from bot.services.directory import sync_directory
    from storage.db import Database

    db = Database(database_url)
    if db.is_empty():
        db.migrate()
    runtime = Runtime(config=load_teams_config(ROOT / TEAMS_FILE), db=db, slack=WebClient(), clock=lambda: NOW)
    sync_directory(runtime)
    return runtime


def child_import(database_url: str, path: str) -> dict[str, Any]:
    from bot.services.spreadsheets import import_file

    runtime = _runtime(database_url)
    team = runtime.config.team(TEAM)
    started, cpu = time.perf_counter(), time.process_time()
    result = import_file(runtime, Path(path), team=team)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    reader = resource.getrusage(resource.RUSAGE_CHILDREN)  # the .xlsx reader process, once it has ended
    runtime.db.dispose()
    return {"seconds": seconds, "cpu": cpu, "reader_cpu": reader.ru_utime + reader.ru_stime,
            "reader_peak_mb": reader.ru_maxrss / 1024,
            "created": result.created, "followups": result.followups, "summary": result.summary()}


def child_export(database_url: str, path: str) -> dict[str, Any]:
    from bot.services.spreadsheets import export_file, export_format

    runtime = _runtime(database_url)
    started, cpu = time.perf_counter(), time.process_time()
    count = export_file(runtime, Path(path), fmt=export_format(Path(path)), lang="zh-CN", team=runtime.config.team(TEAM))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    runtime.db.dispose()
    return {"seconds": seconds, "cpu": cpu, "customers": count, "bytes": os.path.getsize(path)}


def child_floor(database_url: str, customers: int, per_customer: int, seed: int,
                excel_like: bool = False) -> dict[str, Any]:
    """The same rows, values prepared beforehand, inserted plainly: executemany (SQLite) or COPY (PostgreSQL)."""
    from bot.domain.followups import search_text
    from bot.domain.leads import normalize_company_name

    runtime = _runtime(database_url)
    team_id = runtime.team_ids[TEAM]
    customer_rows: list[tuple[Any, ...]] = []
    followup_rows: list[tuple[Any, ...]] = []
    stamp = NOW.replace(tzinfo=None).isoformat(" ")
    current = None
    for row in generated_rows(customers, per_customer, seed, excel_like):
        if row[0] != current:
            current = row[0]
            # search_text as the import stores it (the customers table may index it for search).
            customer_rows.append((row[0], team_id, row[14], row[1], normalize_company_name(row[1]), row[2], row[3],
                                  "", stamp, "other", "medium", "[]",
                                  search_text(number=row[0], company=row[1], contacts=[row[4]]), row[13], "approved",
                                  False, False, "import", stamp, stamp))
        followup_rows.append((len(customer_rows), row[14], f"{row[8]} 04:00:00", f"{row[8]} 04:00:00", "phone", None,
                              row[10], row[11], row[12], row[13], False))
    customer_columns = ("number", "team_id", "owner_id", "company", "name_key", "industry", "company_size", "need",
                        "acquired_at", "source", "intent", "tags", "search_text", "status", "registration", "paused",
                        "warning", "created_by", "created_at", "updated_at")
    followup_columns = ("customer_id", "author_id", "occurred_at", "logged_at", "method", "stage", "notes", "feedback",
                        "next_step", "status_after", "late")
    engine = runtime.db.engine
    started, cpu = time.perf_counter(), time.process_time()
    with engine.begin() as conn:
        raw: Any = conn.connection.dbapi_connection
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            for table, columns, rows in (("customers", customer_columns, customer_rows),
                                         ("followups", followup_columns, followup_rows)):
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for values in rows:
                        copy.write_row(values)
        else:
            for table, columns, rows in (("customers", customer_columns, customer_rows),
                                         ("followups", followup_columns, followup_rows)):
                statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                for start in range(0, len(rows), 10_000):
                    cursor.executemany(statement, rows[start:start + 10_000])
        cursor.close()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    runtime.db.dispose()
    return {"seconds": seconds, "cpu": cpu, "customers": len(customer_rows), "followups": len(followup_rows)}


def child_xlsx_read(path: str) -> dict[str, Any]:
    """calamine (the import's reader) streaming every row of the first sheet, doing nothing with them."""
    from python_calamine_plus import CalamineWorkbook

    started = time.perf_counter()
    rows = 0
    with CalamineWorkbook.from_path(path) as book:
        for _ in book.stream_sheet_by_index(0):
            rows += 1
    return {"seconds": time.perf_counter() - started, "rows": rows}


def child_xlsx_write(exported: str, path: str) -> dict[str, Any]:
    """rust_xlsxwriter (rustpy-xlsxwriter, the export's writer) in constant-memory mode writing the
    rows of an export as plain values, without formats, and closing: the same cells without
    anything an export does around them. The rows are read back first (untimed) into a temporary
    file of pickled batches; the timed part unpickles them again as the writer pulls them (about a
    tenth of the writer's time), since a million rows held in memory would not fit the machine."""
    import pickle

    from python_calamine_plus import CalamineWorkbook
    from rustpy_xlsxwriter import write_worksheet

    count = 0
    with tempfile.TemporaryFile() as spill:
        with CalamineWorkbook.from_path(exported) as source:
            rows = iter(source.stream_sheet_by_index(0))
            header = [str(cell) for cell in next(rows)]
            while chunk := list(itertools.islice(rows, 10_000)):
                pickle.dump([[None if value == "" else value for value in row] for row in chunk], spill)
                count += len(chunk)
        spill.seek(0)

        def records() -> Any:
            while True:
                try:
                    chunk = pickle.load(spill)  # noqa: S301 - written just above
                except EOFError:
                    return
                for row in chunk:
                    yield dict(zip(header, row, strict=True))

        started = time.perf_counter()
        write_worksheet(records(), path, sheet_name="Customers", autofit=False)
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": count}


CHILDREN: dict[str, Callable[..., dict[str, Any]]] = {
    "import": child_import, "export": child_export, "floor": child_floor, "xlsx_read": child_xlsx_read,
    "xlsx_write": child_xlsx_write}


def best_of(repeat: int, step: str, *args: Any, database: bool = True,
            database_url: str | None = None) -> tuple[dict[str, Any], float]:
    """The fastest of ``repeat`` runs of a step (each on a new private database when it needs one:
    its URL is then the step's first argument), with the highest peak memory of them."""
    runs = []
    for _ in range(repeat):
        if not database:
            runs.append(run_child(step, *args))
            continue
        with private_database(database_url) as url:
            runs.append(run_child(step, url, *args))
    best = min(runs, key=lambda run: run[0]["seconds"])
    return best[0], max(peak for _, peak in runs)


def run_child(step: str, *args: Any) -> tuple[dict[str, Any], float]:
    """Run a step in a process of its own; its result and its peak memory in MB: the larger of its
    own peak resident memory (exact) and the peak of what it and its child processes (an .xlsx
    import's reader) hold together, as proportional set sizes sampled every 0.2 s (pages the
    forked reader shares with the import counted once).

    Not wait4's ru_maxrss: Linux starts a process's figure from the resident size of the process
    it was forked from, so every step would have weighed at least what this process weighs."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "bench.spreadsheets", "--child", step, json.dumps(args)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    sampler = TreeMemory(process.pid)
    sampler.start()
    output = process.stdout.read()
    status = process.wait()
    sampler.stop()
    if status != 0:
        raise SystemExit(f"{step} failed (status {status}); see above")
    result = json.loads(output.strip().splitlines()[-1])
    return result, max(result["own_peak_mb"], sampler.peak_mb)


def own_peak_mb() -> float:
    """This process's peak resident memory since it started its program (VmHWM, Linux)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))


class TreeMemory(threading.Thread):
    """The highest sum of the proportional set sizes (Linux /proc/PID/smaps_rollup) of a process
    and its children, sampled until stopped."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak_mb = pid, every, 0.0
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self.every):
            self.peak_mb = max(self.peak_mb, sum(map(self._pss_mb, self._tree())))

    def stop(self) -> None:
        self._stopped.set()
        self.join()

    def _tree(self) -> list[int]:
        pids, found = [self.pid], 0
        while found < len(pids):
            pid, found = pids[found], found + 1
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as handle:
                        pids += [int(child) for child in handle.read().split()]
            except OSError:  # ended meanwhile
                continue
        return pids

    @staticmethod
    def _pss_mb(pid: int) -> float:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0


# Main ----------------------------------------------------------------------------------------------


def verdict(failures: list[str], target: str, passed: bool, measured: str) -> None:
    """One verdict line: PASS or FAIL, the target (and the floor it is measured against), the figure."""
    print(f"  {'PASS' if passed else 'FAIL'}: {target}: {measured}")
    if not passed:
        failures.append(f"{target}: {measured}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.spreadsheets", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000, help="customers in the file (issue: 100000)")
    parser.add_argument("--rows-per-customer", type=int, default=10, help="follow-up rows per customer")
    parser.add_argument("--formats", default="xlsx,csv", help="file formats to import, comma-separated")
    parser.add_argument("--exports", default="xlsx,csv", help="formats to export the first import to")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--excel-like", action="store_true",
                        help="each follow-up's content its own text, and the .xlsx's texts in a shared-strings table "
                             "as Excel saves them (its reader then holds that table)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each timed step; the fastest is kept")
    parser.add_argument("--database-url", help="PostgreSQL URL to use private schemas in (default: new SQLite files)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        step, raw = args.child
        print(json.dumps({**CHILDREN[step](*json.loads(raw)), "own_peak_mb": own_peak_mb()}))
        return 0
    started = time.perf_counter()
    failures: list[str] = []
    rows = args.customers * args.rows_per_customer
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-sheets-") as tmp:
        folder = Path(tmp)
        mark = time.perf_counter()
        files = write_files(folder, args.customers, args.rows_per_customer, args.seed, formats, args.excel_like)
        sizes = ", ".join(f"{k} {files[k].stat().st_size / 1e6:.1f} MB" for k in formats)
        print(f"file: {args.customers:,} customers, {rows:,} follow-up rows ({sizes}); generated in "
              f"{time.perf_counter() - mark:.1f} s")
        floor, floor_mb = best_of(args.repeat, "floor", args.customers, args.rows_per_customer, args.seed, args.excel_like,
                                  database_url=args.database_url)
        print(f"floor (plain bulk insert of the same {floor['customers']:,} customers + {floor['followups']:,} rows): "
              f"{floor['seconds']:.2f} s (CPU {floor['cpu']:.2f} s), peak {floor_mb:.0f} MB")
        xlsx_floor = None
        if "xlsx" in formats:
            read, read_mb = best_of(args.repeat, "xlsx_read", str(files["xlsx"]), database=False)
            xlsx_floor = read["seconds"] + floor["seconds"]
            print(f"xlsx floor (calamine streaming the {read['rows']:,} rows and nothing else: "
                  f"{read['seconds']:.2f} s, peak {read_mb:.0f} MB; + the plain floor): {xlsx_floor:.2f} s")
        first = True
        peaks: dict[str, float] = {}
        for fmt in formats:
            imported, import_mb = best_of(args.repeat, "import", str(files[fmt]), database_url=args.database_url)
            ratio = imported["seconds"] / floor["seconds"]
            cpu_ratio = "" if args.database_url else f", x{imported['cpu'] / floor['cpu']:.2f} of the floor's"
            reader_cpu = (f"; reader process CPU {imported['reader_cpu']:.2f} s, peak resident "
                          f"{imported['reader_peak_mb']:.0f} MB with the pages it shares with the import"
                          if imported["reader_cpu"] else "")
            print(f"import {fmt}: {imported['seconds']:.2f} s ({rows / imported['seconds']:,.0f} rows/s), "
                  f"x{ratio:.2f} of the floor (CPU {imported['cpu']:.2f} s{cpu_ratio}"
                  f"{reader_cpu}), peak {import_mb:.0f} MB -- "
                  f"{imported['summary']}")
            if imported["created"] != args.customers or imported["followups"] != rows:
                failures.append(f"import {fmt} wrote {imported['created']} customers and {imported['followups']} "
                                f"follow-ups, not {args.customers} and {rows}")
            verdict(failures, f"import {fmt} within x{TARGET_RATIO:.0f} of the plain floor ({floor['seconds']:.2f} s)",
                    ratio <= TARGET_RATIO, f"x{ratio:.2f}")
            if fmt == "xlsx" and xlsx_floor is not None:
                xlsx_ratio = imported["seconds"] / xlsx_floor
                verdict(failures, f"import xlsx within x{TARGET_RATIO:.0f} of the xlsx floor ({xlsx_floor:.2f} s: "
                        "calamine read + plain insert)", xlsx_ratio <= TARGET_RATIO, f"x{xlsx_ratio:.2f}")
            verdict(failures, f"import {fmt} peak memory under {TARGET_MEMORY_MB:.0f} MB",
                    import_mb < TARGET_MEMORY_MB, f"{import_mb:.0f} MB")
            peaks[fmt] = import_mb
            if not first:
                continue
            first = False
            with private_database(args.database_url) as url:
                run_child("import", url, str(files.get("csv", files[fmt])))  # the data to export (not timed)
                again, again_mb = run_child("import", url, str(files.get("csv", files[fmt])))
                print(f"import again (every customer and follow-up already stored): {again['seconds']:.2f} s "
                      f"(CPU {again['cpu']:.2f} s), peak {again_mb:.0f} MB -- {again['summary']}")
                if again["created"] or again["followups"]:
                    failures.append(f"importing the file again wrote {again['created']} customers and "
                                    f"{again['followups']} follow-ups, not none")
                verdict(failures, f"import again peak memory under {TARGET_MEMORY_MB:.0f} MB", again_mb < TARGET_MEMORY_MB,
                        f"{again_mb:.0f} MB")
                for out in [f.strip() for f in args.exports.split(",") if f.strip()]:
                    runs = [run_child("export", url, str(folder / f"export.{out}")) for _ in range(args.repeat)]
                    done = min((run[0] for run in runs), key=lambda run: run["seconds"])
                    export_mb = max(peak for _, peak in runs)
                    projected = done["seconds"] * TARGET_EXPORT_CUSTOMERS / max(done["customers"], 1)
                    print(f"export {out}: {done['customers']:,} customers in {done['seconds']:.2f} s "
                          f"(CPU {done['cpu']:.2f} s) "
                          f"({done['bytes'] / 1e6:.1f} MB), peak {export_mb:.0f} MB; "
                          f"{TARGET_EXPORT_CUSTOMERS:,} customers projected at {projected:.0f} s")
                    if out == "xlsx":
                        wrote, _ = best_of(args.repeat, "xlsx_write", str(folder / f"export.{out}"),
                                           str(folder / "floor.xlsx"), database=False)
                        floor_projected = wrote["seconds"] * TARGET_EXPORT_CUSTOMERS / max(done["customers"], 1)
                        print(f"xlsx write floor (rust_xlsxwriter constant-memory writing the export's {wrote['rows']:,} "
                              f"rows as plain values and closing): {wrote['seconds']:.2f} s "
                              f"({wrote['rows'] / wrote['seconds']:,.0f} rows/s); {TARGET_EXPORT_CUSTOMERS:,} customers "
                              f"projected at {floor_projected:.0f} s")
                    verdict(failures, f"export {out} of {TARGET_EXPORT_CUSTOMERS:,} customers under "
                            f"{TARGET_EXPORT_S:.0f} s", projected < TARGET_EXPORT_S, f"{projected:.0f} s")
                    verdict(failures, f"export {out} peak memory under {TARGET_MEMORY_MB:.0f} MB",
                            export_mb < TARGET_MEMORY_MB, f"{export_mb:.0f} MB")
        flat_memory(args, folder, failures, "csv" if "csv" in formats else formats[0],
                    full_mb=peaks.get("csv", peaks.get(formats[0], 0.0)))
    return closing_verdict(failures, started)


FLAT_GROWTH_BYTES = 250  # at most this much more peak memory per added customer, beyond the budgets


def flat_memory(args: argparse.Namespace, folder: Path, failures: list[str], fmt: str, *, full_mb: float) -> None:
    """Memory flat as the file grows: the peak importing half the customers (with as many rows
    each), against the peak of the whole file. Judged when half the file is beyond the number of
    customers an import keeps in memory (bot.services.import_store.GROUPS_IN_MEMORY); below it
    memory grows with the customers by design."""
    from bot.services.import_store import GROUPS_IN_MEMORY

    half = args.customers // 2
    if half <= GROUPS_IN_MEMORY:
        print(f"memory flat as the file grows: not judged below {2 * GROUPS_IN_MEMORY + 2:,} customers (the import "
              f"keeps up to {GROUPS_IN_MEMORY:,} in memory)")
        return
    smaller = folder / "half"
    smaller.mkdir(exist_ok=True)
    files = write_files(smaller, half, args.rows_per_customer, args.seed, [fmt], args.excel_like)
    imported, half_mb = best_of(1, "import", str(files[fmt]), database_url=args.database_url)
    growth = (full_mb - half_mb) * 1024 * 1024 / (args.customers - half)
    print(f"import {fmt} of {half:,} customers: {imported['seconds']:.2f} s, peak {half_mb:.0f} MB; the whole file "
          f"{full_mb:.0f} MB: {growth:,.0f} bytes more per added customer")
    verdict(failures, f"import memory flat as the file grows (at most {FLAT_GROWTH_BYTES} bytes more per added "
            "customer)", growth <= FLAT_GROWTH_BYTES, f"{growth:,.0f} bytes")


if __name__ == "__main__":
    sys.exit(main())
