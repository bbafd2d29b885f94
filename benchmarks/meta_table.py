#!/usr/bin/env python3
"""Prints the MSMeta benchmark's JSON lines (benchmarks/run_meta.sh) as a Markdown table."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results/meta.jsonl") if line.strip()]
print("| case | maps | ranks | op | metasim (ms) | plain loop (ms) | floor (ms) | metasim / floor | metasim / plain | overhead µs/sim |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    for op, v in r["ops"].items():
        print(f"| {r['case']} ({r['n_sims']}×{r['n_data']}×{r['n_model']}) | {r['maps']} | {r['ranks']} | {op} | "
              f"{1e3 * v['meta_seconds']:.3f} | {1e3 * v['plain_loop_seconds']:.3f} | {1e3 * r['floor_seconds']:.3f} | "
              f"{v['meta_over_floor']:.2f} | {v['meta_over_plain']:.2f} | {v['overhead_us_per_sim']:.2f} |")
