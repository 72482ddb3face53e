"""python -m expectations validate --layer marts [--db PATH] [--raw-root PATH] [--vars JSON]
python -m expectations validate --all ...      every layer in order, stops at the first blocking failure

A standalone re-check of a built warehouse, read-only: `dbt build` runs the same suites as its
validation nodes (dbt_project/models/validation/). Results and Data Docs go to the warehouse's GX
project (<warehouse>.sftmart/gx/); nothing is written to the warehouse.

Exit status: 0 when no error-severity expectation failed, 1 when one did, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def parse_args(argv: list[str]) -> argparse.Namespace:
    from expectations.definitions import LAYERS

    parser = argparse.ArgumentParser(
        prog="python -m expectations", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="re-check warehouse layers with their GX suites")
    which = validate.add_mutually_exclusive_group(required=True)
    which.add_argument("--layer", choices=LAYERS)
    which.add_argument("--all", action="store_true", help="every layer in order")
    validate.add_argument("--db", help="warehouse file (default: $SFTMART_DB, else warehouse.duckdb)")
    validate.add_argument("--raw-root", help="input folder the raw layer reconciles with")
    validate.add_argument("--vars", default="{}", help="dbt vars the warehouse was built with, as JSON")
    validate.add_argument("--no-docs", action="store_true", help="skip rebuilding the Data Docs site")
    validate.add_argument("--gx-root", help="folder of the GX project (default: <warehouse>.sftmart)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from expectations.validate import validate_all, validate_warehouse
    from sftmart.paths import warehouse_path

    try:
        dbt_vars = json.loads(args.vars)
    except json.JSONDecodeError as exc:
        print(f"--vars is not JSON: {exc}", file=sys.stderr)
        return 2
    db = args.db or str(warehouse_path())
    kwargs = dict(
        dbt_vars=dbt_vars,
        raw_root=os.path.abspath(args.raw_root) if args.raw_root else None,
        build_docs_site=not args.no_docs,
        gx_root=args.gx_root,
    )
    try:
        results = validate_all(db, **kwargs) if args.all else [validate_warehouse(args.layer, db, **kwargs)]
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for result in results:
        print(result.summary())
    if args.all and not results[-1].passed and len(results) < 4:
        print(f"stopped after {results[-1].layer}: blocking failure")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
