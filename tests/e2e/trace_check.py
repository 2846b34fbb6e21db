#!/usr/bin/env python3
"""Checks that one referral keeps one trace id through the services' logs.

  trace_check.py TRACE_ID REFERENCE SERVICE=LOG [SERVICE=LOG ...]

Each LOG is the stderr of one service process (one JSON object a line).
Passes (exit 0) when:
- every line of every log is a JSON object naming its service ("service"
  equal to the SERVICE it is given for);
- every line naming REFERENCE (in any string value: the reference itself,
  or an event or notification id that starts with it) carries "trace_id"
  TRACE_ID;
- each SERVICE has at least one such line.
Otherwise prints each failure and exits 1.
"""

import json
import sys


def strings_in(value):
    """Every string value in a decoded JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def main():
    trace_id, reference = sys.argv[1:3]
    logs = [arg.split("=", 1) for arg in sys.argv[3:]]
    failures = []
    for service, path in logs:
        naming = 0
        with open(path, encoding="utf-8") as f:
            for number, text in enumerate(f, 1):
                where = f"{path}:{number}"
                try:
                    line = json.loads(text)
                except ValueError:
                    failures.append(f"{where}: not a JSON line: {text.strip()[:200]}")
                    continue
                if not isinstance(line, dict):
                    failures.append(f"{where}: not a JSON object")
                    continue
                if line.get("service") != service:
                    failures.append(
                        f"{where}: service is {line.get('service')!r}, not {service!r}")
                if not any(reference in s for s in strings_in(line)):
                    continue
                naming += 1
                if line.get("trace_id") != trace_id:
                    failures.append(
                        f"{where}: {line.get('event')} names {reference} with trace_id "
                        f"{line.get('trace_id')!r}, not {trace_id}")
        print(f"trace_check: {service}: {naming} lines name {reference}")
        if naming == 0:
            failures.append(f"{service}: no line names {reference}")
    for failure in failures:
        print(f"trace_check: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
