"""Runs scim2-tester's full check suite against a SCIM 2.0 server.

    python check.py --url http://127.0.0.1:8080/scim/v2 --token SECRET

Runs in the virtualenv `cargo xtask test` builds at target/tools/scim2-venv
(xtask/tools/requirements-scim.txt pins its packages); the Rust test
tests/it/scim_compliance.rs calls it through $PROVISIO_SCIM2_PYTHON.

Prints one line per check: its status, the resource type it ran on, its
title, what it checks and why it ended as it did. Exits 0 when no check
ended in ERROR or CRITICAL (the statuses scim2-tester gives to a broken
MUST of RFC 7643/7644), 1 when some did, 2 when the checker itself could not
run. SKIPPED and the softer statuses (COMPLIANT, ACCEPTABLE, DEVIATION: a
SHOULD or a MAY) are printed but do not fail the run, unless --strict makes
DEVIATION fail too.
"""

import argparse
import collections
import sys

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status
from scim2_tester import check_server

FAILURES = {Status.ERROR, Status.CRITICAL}


def one_line(text):
    """The text on one line: newlines and runs of spaces become one space."""
    return " ".join(str(text).split()) if text is not None else ""


def summary_of(description):
    """A check's description is its docstring: its first paragraph says what it checks."""
    return one_line((description or "").strip().split("\n\n")[0])


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the server's SCIM base URL, e.g. http://HOST/scim/v2")
    parser.add_argument("--token", required=True, help="a bearer token with the SCIM scope")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    parser.add_argument("--strict", action="store_true", help="count DEVIATION (a broken SHOULD) as a failure")
    parser.add_argument("--verbose", action="store_true", help="also print each check's full description and debugging data")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    failing = FAILURES | ({Status.DEVIATION} if args.strict else set())
    http = httpx2.Client(
        base_url=args.url,
        headers={"Authorization": f"Bearer {args.token}"},
        timeout=args.timeout,
    )
    # No provider given: check_server reads /ServiceProviderConfig,
    # /ResourceTypes and /Schemas itself, checks them, and runs the CRUD
    # checks of every resource type the server publishes.
    client = SyncSCIMClient(http)
    try:
        results = check_server(client)
    except Exception as exc:  # the checker crashed rather than reporting
        print(f"checker crashed: {type(exc).__name__}: {one_line(exc)}", file=sys.stderr)
        return 2
    finally:
        http.close()

    counts = collections.Counter(result.status for result in results)
    print(f"scim2-tester against {args.url}: {len(results)} checks")
    for result in results:
        mark = "FAIL" if result.status in failing else "    "
        resource = f"[{result.resource_type}] " if result.resource_type else ""
        print(
            f"{mark} {result.status.name:<10} {resource}{one_line(result.title)}"
            f" | {summary_of(result.description)} | reason: {one_line(result.reason)}"
        )
        if args.verbose and result.description:
            print(f"       description: {one_line(result.description)}")
        if args.verbose and result.data is not None:
            print(f"       data: {one_line(result.data)}")
    summary = ", ".join(f"{count} {status.name}" for status, count in sorted(counts.items(), key=lambda s: s[0].value))
    failures = sum(counts[status] for status in failing)
    print(f"summary: {summary or 'no checks ran'}")
    print(f"verdict: {len(results)} checks, {failures} failing")
    if not results:
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
