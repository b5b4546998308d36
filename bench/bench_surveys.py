"""Survey benchmark (アンケート, issue #19 item 7).

The app under gunicorn with durable PostgreSQL (production settings, Redis cache) behind one
trusted reverse proxy (``BEHIND_PROXY=1``, ``TRUSTED_PROXY_HOPS=1``): each respondent sends its
own ``X-Forwarded-For`` address, so the anonymous write limits count per respondent as they would
in production. ``BENCH_SURVEY_RESPONDENTS`` (2,000) anonymous respondents start at once, each on
its own keep-alive connection (``devtools.loadgen.Conn``), and answer an open 20-question survey
(radio, likert, multiple choice up to N, matrix, ranking, select, free text) as a browser does:
GET the questions (CSRF cookie and the survey's signed browser cookie), POST the answers, POST
the confirmation. Prints responses/s, p50/p99 of a whole response and of each POST, errors
(anything but the expected answers; a confirmation counts as done only when it redirects to the
done page), lost responses (done without a submitted row, from a check query), the pgbench
reference.

Then the results: ``BENCH_SURVEY_RESULTS_N`` (100,000) responses of the same survey are inserted
with SQL (INSERT … SELECT over generate_series, not through the app) and the results are
computed in process (``survey_results.compute``, best and median of 3) and fetched through
gunicorn (the public results page, 20 questions with charts and breakdowns). Target: < 2 s.

    python bench/bench_surveys.py [--respondents 2000] [--results 100000] [--workers 3] [--threads 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from madoguchi.devtools import servers  # noqa: E402
from madoguchi.devtools.loadgen import Conn  # noqa: E402

CHOICES = [{"value": str(i), "label": f"選択肢{i}"} for i in range(1, 6)]
LIKERT = [{"value": str(i), "label": label} for i, label in enumerate(["不満", "やや不満", "どちらともいえない", "やや満足", "満足"], start=1)]
ROWS = [{"value": f"r{i}", "label": f"項目{i}"} for i in range(1, 4)]
ITEMS = [{"value": str(i), "label": f"施策{i}"} for i in range(1, 5)]
AGES = ["under20", "20s", "30s", "40s", "50s", "60s", "70plus"]
AREAS = ["north", "central", "south", "east", "west"]


def schema() -> dict:
    """20 questions on one page (a long survey answered in one go, then confirmed)."""
    fields = [
        {"key": "age_group", "type": "radio", "label": "年齢", "choices": [{"value": a, "label": a} for a in AGES]},
        {"key": "area", "type": "select", "label": "地区", "choices": [{"value": a, "label": a} for a in AREAS]},
    ]
    fields += [{"key": f"q{i}", "type": "radio", "label": f"設問{i}", "choices": CHOICES} for i in range(1, 7)]
    fields += [{"key": f"l{i}", "type": "likert", "label": f"満足度{i}", "choices": LIKERT} for i in range(1, 4)]
    fields += [{"key": f"c{i}", "type": "checkboxes", "label": f"複数選択{i}", "choices": CHOICES, "max_choices": 3} for i in range(1, 3)]
    fields += [{"key": f"m{i}", "type": "matrix", "label": f"評価{i}", "rows": ROWS, "choices": LIKERT} for i in range(1, 3)]
    fields += [{"key": f"r{i}", "type": "ranking", "label": f"順位{i}", "choices": ITEMS, "max_rank": 3} for i in range(1, 3)]
    fields += [{"key": "follow", "type": "radio", "label": "追加の質問に答えますか", "choices": CHOICES[:2], "required": True}]
    fields += [{"key": "why", "type": "textarea", "label": "理由", "required": False, "show_if": {"field": "follow", "equals": "1"}}]
    fields += [{"key": "comment", "type": "textarea", "label": "ご意見", "required": False}]
    assert len(fields) == 20
    return {"pages": [{"key": "main", "title": "アンケート", "fields": fields}]}


SETUP = """
import json
from madoguchi.core import tenancy
from madoguchi.core.models import Municipality, Section
from madoguchi.participation import survey_demo, surveys
city = Municipality.objects.get(is_default=True)
with tenancy.using(city, database=True):
    section = Section.objects.filter(municipality=city, is_information_policy=True).first()
    s = survey_demo.make_survey(city, section, title="ベンチマークのアンケート", schema=json.loads({schema!r}), age_question="age_group", area_question="area")
    surveys.save_survey(s, plan_item_ids=[], staff=None)
    print("BENCH", json.dumps({{"survey": s.pk}}))
"""

CHECK = """
import json
from madoguchi.core import tenancy
from madoguchi.core.models import Municipality
from madoguchi.participation.survey_models import SurveyAnswer, SurveyResponse
city = Municipality.objects.get(is_default=True)
with tenancy.using(city, database=True):
    qs = SurveyResponse.objects.filter(survey_id={survey})
    print("BENCH", json.dumps({{"submitted": qs.filter(submitted_at__isnull=False).count(), "drafts": qs.filter(submitted_at__isnull=True).count(), "answers": SurveyAnswer.objects.filter(survey_id={survey}).count()}}))
"""

# 100,000 responses in SQL: one INSERT … SELECT per kind of question (the app's own path was
# measured above; this only fills the table the results read).
FILL = """
import json, time
from django.db import connection
from madoguchi.core import tenancy
from madoguchi.core.models import Municipality
from madoguchi.participation.survey_models import SurveyAnswer, SurveyResponse
city = Municipality.objects.get(is_default=True)
n, survey = {n}, {survey}
R, A = SurveyResponse._meta.db_table, SurveyAnswer._meta.db_table
ages, areas = {ages!r}, {areas!r}
started = time.perf_counter()
with tenancy.using(city, database=True), connection.cursor() as cur:
    cur.execute(
        f"INSERT INTO {{R}} (municipality_id, survey_id, browser_key, channel, answers, page, age_group, area, extra, created_at, updated_at, submitted_at) "
        f"SELECT %s, %s, 'fill' || g, 'web', '{{{{}}}}', 1, (%s::text[])[1 + (g::bigint * 7919) %% %s], (%s::text[])[1 + (g::bigint * 104729) %% %s], '', now(), now(), now() "
        f"FROM generate_series(1, %s) g",
        [city.pk, survey, ages, len(ages), areas, len(areas), n],
    )
    cols = "municipality_id, survey_id, response_id, question, value, text, age_group, area, extra"
    src = f"FROM {{R}} r WHERE r.survey_id = %s AND r.browser_key LIKE 'fill%%'"
    def ins(question, value_sql, where=""):
        cur.execute(f"INSERT INTO {{A}} ({{cols}}) SELECT r.municipality_id, r.survey_id, r.id, %s, {{value_sql}}, '', r.age_group, r.area, '' {{src}} {{where}}", [question, survey])
    ins("age_group", "r.age_group")
    ins("area", "r.area")
    for i in range(1, 7):
        ins(f"q{{i}}", f"(1 + (r.id * {{i + 3}}) %% 5)::text")
    for i in range(1, 4):
        ins(f"l{{i}}", f"(1 + (r.id * {{i + 11}} / 3) %% 5)::text")
    for i in range(1, 3):
        ins(f"c{{i}}", "'*'")
        ins(f"c{{i}}", f"(1 + (r.id * {{i}}) %% 5)::text")
        ins(f"c{{i}}", f"(1 + (r.id * {{i}} + 2) %% 5)::text", "AND r.id %% 2 = 0")
    for i in range(1, 3):
        for row in ("r1", "r2", "r3"):
            ins(f"m{{i}}", f"'{{row}}:' || (1 + (r.id + {{len(row) + i}}) %% 5)::text")
    for i in range(1, 3):
        for rank in (1, 2, 3):
            ins(f"r{{i}}", f"(1 + (r.id + {{rank}}) %% 4)::text || ':{{rank}}'")
    ins("follow", "(1 + r.id %% 2)::text")
    cur.execute(f"INSERT INTO {{A}} ({{cols}}) SELECT r.municipality_id, r.survey_id, r.id, 'comment', '', 'ベンチマークの自由記述 ' || r.id, r.age_group, r.area, '' {{src}} AND r.id %% 10 = 0", [survey])
    cur.execute(f"ANALYZE {{A}}")
    cur.execute(f"ANALYZE {{R}}")
print("BENCH", json.dumps({{"seconds": time.perf_counter() - started}}))
"""

RESULTS = """
import json, time
from madoguchi.core import tenancy
from madoguchi.core.models import Municipality
from madoguchi.participation import survey_results
from madoguchi.participation.survey_models import Survey
city = Municipality.objects.get(is_default=True)
times = []
with tenancy.using(city, database=True):
    survey = Survey.objects.get(pk={survey})
    for _ in range(3):
        started = time.perf_counter()
        r = survey_results.compute(survey, texts=0)
        times.append(time.perf_counter() - started)
print("BENCH", json.dumps({{"times": times, "total": r.total, "questions": len(r.questions)}}))
"""


def _bench_line(out: str) -> dict:
    return json.loads(next(line for line in out.splitlines() if line.startswith("BENCH ")).split(" ", 1)[1])


def answers(i: int) -> dict[str, list[str] | str]:
    """Respondent ``i``'s form data (deterministic)."""
    data: dict[str, list[str] | str] = {"age_group": AGES[i % 7], "area": AREAS[i % 5]}
    for q in range(1, 7):
        data[f"q{q}"] = str(1 + (i + q) % 5)
    for q in range(1, 4):
        data[f"l{q}"] = str(1 + (i * q) % 5)
    for q in range(1, 3):
        data[f"c{q}"] = sorted({str(1 + (i + q) % 5), str(1 + (i + 2 * q) % 5)})
    for q in range(1, 3):
        for row in ("r1", "r2", "r3"):
            data[f"m{q}__{row}"] = str(1 + (i + len(row) + q) % 5)
    for q in range(1, 3):
        order = [str(1 + (i + k) % 4) for k in range(4)]
        for rank, item in enumerate(order[:3], start=1):
            data[f"r{q}__{item}"] = str(rank)
    data["follow"] = "1" if i % 2 else "2"
    if i % 2:
        data["why"] = f"理由 {i}"
    if i % 5 == 0:
        data["comment"] = f"回答者{i}の意見"
    return data


TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


async def respondent(i: int, host: str, port: int, survey: int, start: asyncio.Event, out: dict) -> None:
    base = f"/participation/surveys/{survey}/"
    conn = Conn(host, port, headers=f"X-Forwarded-For: 10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}\r\n")
    await start.wait()
    began = time.perf_counter()
    try:
        status, body = await conn.get(base + "answer/")
        cookies = dict(conn.last_cookies)
        match = TOKEN.search(body)
        if status != 200 or match is None or "csrftoken" not in cookies:
            out["results"][f"GET {status}"] += 1
            return
        token = match.group(1).decode()
        cookie = "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()) + "\r\n"
        form = {"csrfmiddlewaretoken": token, "page": "0", "action": "next", **answers(i)}
        t = time.perf_counter()
        status, _ = await conn.post(base + "answer/", urlencode(form, doseq=True).encode(), cookie + "Content-Type: application/x-www-form-urlencoded\r\n")
        out["answer"].append(time.perf_counter() - t)
        if status != 302:
            out["results"][f"answer {status}"] += 1
            return
        if conn.last_cookies:  # a browser keeps what every answer sets (a new cookie here is a finding)
            out["results"]["answer set cookies " + ",".join(sorted(k.split("_")[0] for k in conn.last_cookies))] += 1
            cookies.update(conn.last_cookies)
            cookie = "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()) + "\r\n"
        t = time.perf_counter()
        status, _ = await conn.post(
            base + "confirm/", urlencode({"csrfmiddlewaretoken": token}).encode(), cookie + "Content-Type: application/x-www-form-urlencoded\r\n"
        )
        out["confirm"].append(time.perf_counter() - t)
        # Done only when the confirmation redirects to the done page (which itself answers only a
        # submitted response). Before, any 302 counted: the 3 "lost" of the first 2,000 run were
        # redirects of a refused submit (see the participation README).
        where = conn.last_location.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        if status != 302 or where != "done":
            out["results"][f"confirm {status}" + (f" to {where}/" if status == 302 else "")] += 1
            return
        out["results"]["done"] += 1
        out["whole"].append(time.perf_counter() - began)
    except (OSError, asyncio.IncompleteReadError) as exc:
        out["results"][f"error {type(exc).__name__}"] += 1
    finally:
        conn.close()


def _q(values: list[float]) -> tuple[float, float]:
    if len(values) < 3:
        return (values[0] if values else 0.0,) * 2
    q = statistics.quantiles(sorted(values), n=100)
    return q[49], q[98]


async def run_respondents(base: str, survey: int, n: int) -> tuple[dict, float]:
    host, port = base.removeprefix("http://").split(":")
    out = {"results": Counter(), "answer": [], "confirm": [], "whole": []}
    start = asyncio.Event()
    tasks = [asyncio.create_task(respondent(i, host, int(port), survey, start, out)) for i in range(n)]
    await asyncio.sleep(0.1)
    began = time.monotonic()
    start.set()
    await asyncio.gather(*tasks)
    return out, time.monotonic() - began


def report_respondents(args, out: dict, elapsed: float, check: dict) -> None:
    done = out["results"]["done"]
    errors = sum(v for k, v in out["results"].items() if k != "done" and not k.startswith("answer set cookies"))
    print(
        f"respondents={args.respondents} (all started at once, distinct X-Forwarded-For), 20 questions, gunicorn {args.workers}x{args.threads}, {elapsed:.1f} s"
    )
    print(f"throughput: {done / elapsed:.1f} responses/s (3 requests each)")
    for name in ("whole", "answer", "confirm"):
        p50, p99 = _q(out[name])
        print(f"latency {name}: p50={p50 * 1000:.0f} ms  p99={p99 * 1000:.0f} ms")
    print("answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(out["results"].items())))
    print(
        f"errors: {errors}   lost responses: {done - check['submitted']}   (both must be 0; submitted rows {check['submitted']}, drafts {check['drafts']}, answer rows {check['answers']})"
    )


async def main(args) -> None:
    with servers.postgres(durable=True) as db, servers.redis_server() as redis_url:
        ref = servers.reference_report(db)
        env = servers.app_env(
            db,
            redis_url,
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            DB_CONN_MAX_AGE="60",
            BEHIND_PROXY="1",
            TRUSTED_PROXY_HOPS="1",  # the respondents' X-Forwarded-For is what the limits see
            GUNICORN_CMD_ARGS="--keep-alive 120 --backlog 4096",
        )
        for cmd in (["migrate", "--noinput"], ["createcachetable"], ["load_demo", "--single"]):
            servers.manage(env, *cmd)
        survey = _bench_line(servers.manage(env, "shell", "-c", SETUP.format(schema=json.dumps(schema()))).stdout)["survey"]
        with servers.gunicorn(env, workers=args.workers, threads=args.threads) as base:
            out, elapsed = await run_respondents(base, survey, args.respondents)
            check = _bench_line(servers.manage(env, "shell", "-c", CHECK.format(survey=survey)).stdout)
            report_respondents(args, out, elapsed, check)
            results_survey = _bench_line(servers.manage(env, "shell", "-c", SETUP.format(schema=json.dumps(schema()))).stdout)["survey"]
            filled = servers.manage(env, "shell", "-c", FILL.format(n=args.results, survey=results_survey, ages=AGES, areas=AREAS), check=False)
            if filled.returncode:
                sys.exit("fill failed: " + filled.stderr[-2000:])
            fill = _bench_line(filled.stdout)
            timing = _bench_line(servers.manage(env, "shell", "-c", RESULTS.format(survey=results_survey)).stdout)
            host, port = base.removeprefix("http://").split(":")
            page = []
            conn = Conn(host, int(port))
            for _ in range(3):
                t = time.perf_counter()
                status, body = await conn.get(f"/participation/surveys/{results_survey}/results/")
                page.append((time.perf_counter() - t, status, len(body)))
            conn.close()
    times = sorted(timing["times"])
    print(
        f"results for {timing['total']:,} responses ({timing['questions']} questions, filled in {fill['seconds']:.0f} s): "
        f"compute best {times[0]:.2f} s, median {times[1]:.2f} s (target < 2 s); "
        f"results page through gunicorn " + ", ".join(f"{t:.2f} s ({s}, {n // 1024} KiB)" for t, s, n in page)
    )
    print(ref)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--respondents", type=int, default=int(os.environ.get("BENCH_SURVEY_RESPONDENTS", 2000)))
    parser.add_argument("--results", type=int, default=int(os.environ.get("BENCH_SURVEY_RESULTS_N", 100_000)))
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
