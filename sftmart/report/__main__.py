"""`python -m sftmart.report`: write the static HTML pipeline report of a warehouse."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sftmart.report import write_report


def main(argv: list[str] | None = None) -> int:
    from sftmart.paths import warehouse_path

    parser = argparse.ArgumentParser(
        prog="python -m sftmart.report", description="Write the static HTML pipeline report of a warehouse."
    )
    parser.add_argument("--db", default=None, help="warehouse file (default: $SFTMART_DB or warehouse.duckdb)")
    parser.add_argument("--out", default=None, help="output folder (default: beside the warehouse)")
    parser.add_argument(
        "--gx-docs",
        default=None,
        help="GX Data Docs folder, index.html or URL to link to (default: the warehouse's own site, "
        "<warehouse>.sftmart/gx/, when it exists; '' for none)",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    db = Path(args.db) if args.db else warehouse_path()
    out_dir = Path(args.out) if args.out else db.resolve().parent
    print(write_report(db, out_dir, gx_docs=args.gx_docs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
