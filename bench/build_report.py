"""What bench_build.py prints and draws for its results: one build's line, its stages and the
same-run Data-Juicer baseline (speed-up, CPU-seconds ratio); the scaling plot."""

from __future__ import annotations

from pathlib import Path


def print_result(result: dict) -> None:
    rows, layout = result["rows"], result["layout"]
    print(
        f"\n{rows:,} rows, layout {layout}: {result['wall_s']:.1f} s, {result['rows_per_s']:,.0f} rows/s, "
        f"peak RSS {result['peak_rss_mb']:,.0f} MB, CPU {result['cpu_s']:.1f} s, pool {result['pool_rows']:,}"
    )
    for label, stage in result["stages"].items():
        if stage["rows_per_s"]:
            print(f"  {label:<22} {stage['seconds']:7.2f} s  {stage['rows_per_s']:>12,.0f} rows/s")
    print(f"  {'dbt data tests':<22} {result['dbt_tests_s']:7.2f} s")
    if "data_juicer" in result:
        dj = result["data_juicer"]
        print(
            f"  Data-Juicer np={dj['np']}, same run ({dj['layout']}): {dj['wall_s']:.1f} s, {dj['rows_per_s']:,.0f} rows/s, "
            f"peak RSS {dj['peak_rss_mb']:,.0f} MB, CPU {dj['cpu_s']:.1f} s, kept {dj['kept']:,} -> sftmart is "
            f"{result['speedup_vs_data_juicer']:.1f}x (CPU seconds: {dj['cpu_s'] / result['cpu_s']:.1f}x)"
        )


def plot(results: list[dict], folder: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    rows = [r["rows"] for r in results]
    left.plot(rows, [r["wall_s"] for r in results], "o-", label="sftmart dbt build")
    with_dj = [r for r in results if "data_juicer" in r]
    if with_dj:
        left.plot(
            [r["rows"] for r in with_dj],
            [r["data_juicer"]["wall_s"] for r in with_dj],
            "s--",
            label="Data-Juicer (same run)",
        )
    (
        left.set_xlabel("input rows"),
        left.set_ylabel("seconds"),
        left.set_title("Build time vs rows"),
        left.legend(loc="center right"),
    )
    last = results[-1]["stages"]
    labels = [k for k, v in last.items() if v["seconds"]]
    right.barh(labels, [last[k]["seconds"] for k in labels])
    right.set_xlabel("seconds"), right.set_title(f"Per stage at {results[-1]['rows']:,} rows")
    left.set_xscale("log"), left.set_yscale("log")
    fig.tight_layout()
    path = folder / "build_scaling.png"
    fig.savefig(path, dpi=110)
    return path
