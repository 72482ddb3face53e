"""The pipeline report: one static HTML page about a built warehouse.

`write_report(db_path, out_dir)` reads the warehouse through a read-only DuckDB connection and writes
`out_dir/pipeline_report.html`: totals, the funnel, the quarantine, quality-stat histograms with the
seed thresholds, the language mix of the training set, the experiment's arms against random, and (when their tables exist) the Great
Expectations results and a base-vs-guide entropy scatter. Plots are matplotlib PNGs embedded as
base64, so the page opens offline and loads nothing from the network.

Where each job lives:

* `warehouse`  - the read-only connection and the catalog (what tables and columns exist)
* `queries`    - the SQL; everything is aggregated in DuckDB
* `plots`      - the matplotlib figures
* `sections`   - the values each section shows, shaped for its template
* `experiment` - the experiment section's values (arms against random), `arm_plots` its figure
* `formatting` - the Jinja filters (numbers, shares) and the language colours
* `render`     - the Jinja2 environment (autoescaping); `templates/*.html.j2` and `report.css`
* `writer`     - `write_report`, which puts the sections together and writes the file
* `__main__`   - the command line: `python -m sftmart.report --db warehouse.duckdb --out reports/`
"""

from sftmart.report.render import TITLE
from sftmart.report.writer import REPORT_FILE, write_report

__all__ = ["REPORT_FILE", "TITLE", "write_report"]
