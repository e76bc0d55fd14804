#!/usr/bin/env python3
"""Person-name recall and false positives on Faker for pl, sv, da, no, tr (issue 15),
pt_BR, cs, hu, ro, fi, en_IN, it, de, nl and es.

    python3 bench/names_heldout.py . after     # from the repository root, after
                                                # cargo build && cargo build --example value_hits

For each of Faker pl_PL, sv_SE, da_DK, no_NO, tr_TR, pt_BR, cs_CZ, hu_HU, ro_RO, fi_FI,
en_IN, it_IT, de_DE, nl_NL, es_ES (seed 7, 300 values each; a third argument, e.g. `pt_BR,cs_CZ`, runs only those):
first_name(), last_name(), name(), the name in the sentence `Spoke to X yesterday`,
and the negatives word().capitalize(), city(), company(). "value hits" counts the
values for which target/debug/examples/value_hits (column `c1`) prints any
pii.person_name hit (lone first names or surnames are judged per column, so they
have none); "column label" is the pii.person_name confidence that
`target/debug/assay scan FILE.csv --format json` gives the 300 values as one CSV
column `c1` ("-" for none). The CSVs are written to /tmp/names_ho/TAG/.
Faker draws uniformly from long lists of rare names (tr_TR first names, pl_PL
surnames), so its recall is a floor, not an estimate for real data.
"""
import sys, subprocess, json, csv, os
from faker import Faker
wt, tag = sys.argv[1], sys.argv[2]
VH = f"{wt}/target/debug/examples/value_hits"
BIN = f"{wt}/target/debug/assay"
out = f"/tmp/names_ho/{tag}"; os.makedirs(out, exist_ok=True)
def hits(values):
    p = subprocess.run([VH, "c1"], input="\n".join(values) + "\n", capture_output=True, text=True, cwd=wt)
    n = 0; strong = 0
    for line in p.stdout.splitlines():
        if "pii.person_name" in line:
            n += 1
    return n
def column(values, name):
    path = f"{out}/{name}.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f); w.writerow(["c1"]); [w.writerow([v]) for v in values]
    r = json.loads(subprocess.run([BIN, "scan", path, "--format", "json"], capture_output=True, text=True, cwd=wt).stdout)
    for c in r["columns"]:
        for l in c["labels"]:
            lab = l.get("label") or l.get("name")
            if lab and "person_name" in lab:
                return round(l.get("confidence", 0), 2)
    return "-"
rows = []
LOCALES = ["pl_PL", "sv_SE", "da_DK", "no_NO", "tr_TR",
           "pt_BR", "cs_CZ", "hu_HU", "ro_RO", "fi_FI", "en_IN",
           "it_IT", "de_DE", "nl_NL", "es_ES"]
if len(sys.argv) > 3:
    LOCALES = sys.argv[3].split(",")
for loc in LOCALES:
    fk = Faker(loc); fk.seed_instance(7)
    sets = {
        "first": [fk.first_name() for _ in range(300)],
        "last": [fk.last_name() for _ in range(300)],
        "full": [fk.name() for _ in range(300)],
    }
    sets["text"] = [f"Spoke to {v} yesterday" for v in sets["full"]]
    sets["neg_word"] = [fk.word().capitalize() for _ in range(300)]
    sets["neg_city"] = [fk.city() for _ in range(300)]
    sets["neg_company"] = [fk.company() for _ in range(300)]
    for k, vals in sets.items():
        rows.append((loc, k, hits(vals), len(vals), column(vals, f"{loc}_{k}")))
print(f"{'locale':7} {'set':12} {'value hits':>12} {'column label':>13}")
for loc, k, n, t, col in rows:
    print(f"{loc:7} {k:12} {n:5d}/{t} {100*n/t:5.1f}% {str(col):>8}")
