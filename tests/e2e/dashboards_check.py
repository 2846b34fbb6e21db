#!/usr/bin/env python3
"""Checks every Grafana dashboard in a directory against a running Prometheus.

usage: dashboards_check.py PROMETHEUS_URL DASHBOARD_DIR SECONDS

For each dashboard (*.json, Grafana's classic JSON model):
  - its shape: a stable uid and title, schemaVersion, a `datasource`
    variable of type datasource for Prometheus, and every panel and query on
    `${datasource}`;
  - its query variables (label_values(SELECTOR, LABEL)) answered by
    Prometheus with at least one value;
  - every target of every panel (rows' nested panels too), once for each
    combination of its variables' values: the query parses, returns at least
    one series, and every metric it names is one Prometheus scrapes or a
    recording rule Prometheus runs.
Data that is not there yet is polled for (bounded by SECONDS); a query that
does not parse fails at once. Prints one line per dashboard and every
problem; exits 1 on any.
"""
import itertools
import json
import pathlib
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# Grafana's built-in interval variables, as Grafana would fill them in for
# the dashboards' default range (6 hours) at a 15 s scrape interval.
BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "6h"}

# Panels that cannot have data in a short run on one machine, by dashboard
# uid and panel title, and why. Their queries must still parse. Keep short.
ALLOWED_EMPTY = {
    ("frontdoor-certificates", "cert-manager certificates: time left"):
        "cert-manager's own metric (certmanager_certificate_expiration_timestamp_seconds): "
        "only where cert-manager issues the certificates, on Kubernetes",
}

# Series Prometheus makes itself.
BUILTIN_SERIES = {"ALERTS", "ALERTS_FOR_STATE", "up"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or",
            "unless", "bool", "offset", "Inf", "NaN", "inf", "nan", "atan2"}
STABLE_UID = re.compile(r"^frontdoor-[a-z0-9-]{1,30}$")


class BadQuery(Exception):
    """Prometheus refused the query (it does not parse)."""


def api(prom, path, params):
    url = f"{prom}{path}?{urllib.parse.urlencode(params, doseq=True)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.load(r)
    except urllib.error.HTTPError as e:
        try:
            body = json.load(e)
        except ValueError:
            raise BadQuery(f"HTTP {e.code}") from None
        raise BadQuery(f"{body.get('errorType')}: {body.get('error')}") from None
    if body.get("status") != "success":
        raise BadQuery(f"{body.get('errorType')}: {body.get('error')}")
    return body["data"]


def metric_names(expr):
    """The metric names an expression selects (not functions, labels, keywords)."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*", e):
        if e[m.end():].lstrip().startswith("(") or m.group(0) in KEYWORDS:
            continue
        names.add(m.group(0))
    return names


def panels_of(dashboard):
    for p in dashboard.get("panels", []):
        yield p
        yield from p.get("panels", [])  # a collapsed row's panels


def substitute(expr, values):
    def var(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in BUILTINS:
            return BUILTINS[name]
        if name in values:
            return values[name]
        raise KeyError(name)
    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]", var, expr)


def shape_problems(d, path):
    p = []
    if not STABLE_UID.match(str(d.get("uid", ""))):
        p.append(f"uid {d.get('uid')!r}: expected a stable frontdoor-<name> (at most 40 characters)")
    if not str(d.get("title", "")).startswith("frontdoor / "):
        p.append(f"title {d.get('title')!r}: expected 'frontdoor / ...'")
    if not isinstance(d.get("schemaVersion"), int):
        p.append("no schemaVersion")
    if d.get("id") is not None:
        p.append("an instance's numeric id is set: leave it out")
    variables = d.get("templating", {}).get("list", [])
    ds = [v for v in variables if v.get("name") == "datasource"]
    if not (ds and ds[0].get("type") == "datasource" and ds[0].get("query") == "prometheus"):
        p.append("no variable `datasource` of type datasource for prometheus")
    for v in variables:
        if v.get("type") not in ("datasource", "query"):
            p.append(f"variable {v.get('name')}: type {v.get('type')} is not checked here")
        if v.get("type") == "query" and v.get("datasource", {}).get("uid") != "${datasource}":
            p.append(f"variable {v.get('name')}: not on ${{datasource}}")
    ids = [q.get("id") for q in panels_of(d)]
    if len(ids) != len(set(ids)):
        p.append("panel ids repeat")
    for panel in panels_of(d):
        if panel.get("type") == "row":
            continue
        where = f"panel {panel.get('title')!r}"
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            p.append(f"{where}: datasource is not ${{datasource}}")
        targets = panel.get("targets", [])
        if not targets:
            p.append(f"{where}: no query")
        refs = [t.get("refId") for t in targets]
        if len(refs) != len(set(refs)):
            p.append(f"{where}: refIds repeat")
        for t in targets:
            if t.get("datasource", {}).get("uid") != "${datasource}":
                p.append(f"{where} {t.get('refId')}: datasource is not ${{datasource}}")
            if not str(t.get("expr", "")).strip():
                p.append(f"{where} {t.get('refId')}: no expr")
    return [f"{path.name}: {x}" for x in p]


def variable_values(prom, d, path, problems):
    """{name: [values]} of the dashboard's query variables."""
    out = {}
    for v in d.get("templating", {}).get("list", []):
        if v.get("type") != "query":
            continue
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        m = re.fullmatch(r"\s*label_values\((.+),\s*(\w+)\)\s*", str(q))
        if not m:
            problems.append(f"{path.name}: variable {v['name']}: {q!r} is not label_values(SELECTOR, LABEL)")
            continue
        try:
            values = api(prom, f"/api/v1/label/{m.group(2)}/values", {"match[]": m.group(1)})
        except BadQuery as e:
            problems.append(f"{path.name}: variable {v['name']}: {q}: {e}")
            continue
        if not values:
            problems.append(f"{path.name}: variable {v['name']}: {q} has no values")
            continue
        out[v["name"]] = sorted(values)
    return out


def main():
    prom, directory, seconds = sys.argv[1], pathlib.Path(sys.argv[2]), float(sys.argv[3])
    files = sorted(directory.glob("*.json"))
    problems = []
    if not files:
        problems.append(f"no dashboards in {directory}")
    known = set(api(prom, "/api/v1/label/__name__/values", {})) | BUILTIN_SERIES
    for g in api(prom, "/api/v1/rules", {})["groups"]:
        known |= {r["name"] for r in g["rules"] if r["type"] == "recording"}

    # Every (dashboard, panel, target, variable values) to check.
    checks = []
    uids = {}
    allowed_seen = set()
    for path in files:
        try:
            d = json.loads(path.read_text())
        except ValueError as e:
            problems.append(f"{path.name}: not JSON: {e}")
            continue
        problems += shape_problems(d, path)
        if d.get("uid") in uids:
            problems.append(f"{path.name}: uid {d.get('uid')} also in {uids[d.get('uid')]}")
        uids[d.get("uid")] = path.name
        values = variable_values(prom, d, path, problems)
        combos = [dict(zip(values, c)) for c in itertools.product(*values.values())]
        for panel in panels_of(d):
            if panel.get("type") == "row":
                continue
            key = (d.get("uid"), panel.get("title"))
            allowed = key in ALLOWED_EMPTY
            if allowed:
                allowed_seen.add(key)
            for t in panel.get("targets", []):
                for combo in combos:
                    where = f"{path.name}: {panel.get('title')!r} {t.get('refId')}"
                    if combo:
                        where += " (" + ", ".join(f"{k}={v}" for k, v in combo.items()) + ")"
                    try:
                        expr = substitute(t.get("expr", ""), combo)
                    except KeyError as e:
                        problems.append(f"{where}: unknown variable ${e.args[0]}")
                        continue
                    if not allowed:
                        unknown = sorted(metric_names(expr) - known)
                        if unknown:
                            problems.append(f"{where}: no such metric or recording rule: "
                                            f"{', '.join(unknown)} in {expr}")
                            continue
                    checks.append((where, expr, allowed))
    for key in sorted(set(ALLOWED_EMPTY) - allowed_seen):
        problems.append(f"ALLOWED_EMPTY names a panel no dashboard has: {key}")

    pending = list(checks)
    deadline = time.monotonic() + seconds
    while True:
        still = []
        for where, expr, allowed in pending:
            try:
                result = api(prom, "/api/v1/query", {"query": expr})["result"]
            except BadQuery as e:
                problems.append(f"{where}: does not parse: {e}: {expr}")
                continue
            if not result and not allowed:
                still.append((where, expr, allowed))
        pending = still
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(1)
    for where, expr, _ in pending:
        problems.append(f"{where}: no data within {seconds:.0f} s: {expr}")

    for path in files:
        n = sum(1 for c in checks if c[0].startswith(path.name + ":"))
        print(f"dashboard {path.name}: {n} queries checked")
    for key, why in ALLOWED_EMPTY.items():
        print(f"allowed to be empty here: {key[0]} / {key[1]}: {why}")
    for p in problems:
        print(f"FAIL {p}")
    print(f"{len(files)} dashboards, {len(checks)} queries, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
