#!/usr/bin/env python3
"""Street-address recall and false positives on generators that are not Assay's.

    # 1. generate the held-out sets (seeded; mimesis and Faker from PyPI)
    python3 bench/streets_heldout.py gen --out /tmp/streets
    # 2. score a build of examples/value_hits (it prints each value
    #    that some rule hits, with label:strength:span) on them
    python3 bench/streets_heldout.py score --bin target/debug/examples/value_hits \
        --addr /tmp/streets/faker.tsv --addr /tmp/streets/mimesis.tsv \
        --neg /tmp/streets/negatives.tsv --save /tmp/streets/after

Address files are `locale<TAB>address` with newlines written as `\\n`; each locale is
scanned as column `address`, and a value counts when it has a Strong
`pii.street_address` hit (recall) or any `pii.person_name` hit (names inside
addresses, which should stay rare). The negatives file is `source<TAB>text`, scanned
as column `notes`; any `pii.street_address` hit there is a false positive (the
corpus columns are text columns that hold no addresses). `--save DIR` keeps the hit
lines per group so two builds can be compared with `diff -r`.
"""
import argparse, collections, concurrent.futures, os, pathlib, random, subprocess, sys

MIMESIS_LOCALES = ["en", "en-au", "en-ca", "en-gb", "de", "de-at", "fr", "es", "es-mx",
                   "it", "nl", "pt", "pt-br"]
FAKER_ADDRESS_LOCALES = ["pt_PT", "pt_BR", "es_ES", "fr_FR", "de_DE", "it_IT", "nl_NL", "en_GB", "en_US",
                         "en_AU", "en_CA", "es_MX", "fr_CH", "de_AT"]
FAKER_LOCALES = ["en_US", "en_GB", "en_AU", "de_DE", "fr_FR", "es_ES", "es_MX", "it_IT",
                 "nl_NL", "pt_PT", "pt_BR"]
# Text columns of the public corpus that hold no street address.
CORPUS_TEXT = {
    "app_logs_gb": ["message"], "chat_messages_gb": ["body", "quoted_text"],
    "claims_us": ["adjuster_notes", "provider"], "crypto_transfers_gb": ["memo"],
    "leads_us": ["company", "notes"], "payments_gb": ["reference", "notes"],
    "products_de": ["name", "description"], "user_profiles_us": ["bio"],
    "ci_runs_de": ["log_excerpt"], "travel_bookings_gb": ["details"],
}
PER = 300


def esc(s):
    return s.replace("\\", "/").replace("\t", " ").replace("\r", "").replace("\n", "\\n")


def gen(out):
    from mimesis import Address, Text, Finance, Food, Locale
    from faker import Faker
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for loc in MIMESIS_LOCALES:
        a = Address(Locale(loc), seed=15)
        for _ in range(PER):
            rows.append((loc, f"{a.address()}, {a.postal_code()} {a.city()}"))
    (out / "mimesis.tsv").write_text("".join(f"{l}\t{esc(v)}\n" for l, v in rows), encoding="utf-8")
    # Faker's addresses, every other one on one line with commas (seed 42).
    rows = []
    for loc in FAKER_ADDRESS_LOCALES:
        fk = Faker(loc)
        fk.seed_instance(42)
        for i in range(PER):
            a = fk.address()
            rows.append((loc, a.replace("\n", ", ") if i % 2 else a))
    (out / "faker.tsv").write_text("".join(f"{l}\t{esc(v)}\n" for l, v in rows), encoding="utf-8")
    neg = []
    for loc in MIMESIS_LOCALES:
        t, f, fo = Text(Locale(loc), seed=15), Finance(Locale(loc), seed=15), Food(Locale(loc), seed=15)
        neg += [(f"mimesis-text-{loc}", t.sentence()) for _ in range(PER)]
        neg += [(f"mimesis-title-{loc}", t.title()) for _ in range(PER // 3)]
        neg += [(f"mimesis-company-{loc}", f.company()) for _ in range(PER // 3)]
        neg += [(f"mimesis-food-{loc}", fo.dish()) for _ in range(PER // 3)]
    for loc in FAKER_LOCALES:
        fk = Faker(loc)
        fk.seed_instance(15)
        neg += [(f"faker-sentence-{loc}", fk.sentence(nb_words=12)) for _ in range(PER)]
        neg += [(f"faker-company-{loc}", fk.company()) for _ in range(PER)]
        # Company, number and a catch phrase: the shapes of product and plan names.
        neg += [(f"faker-product-{loc}", f"{fk.company()} {fk.random_int(1, 999)} {fk.word().capitalize()}")
                for _ in range(PER)]
        try:
            neg += [(f"faker-catch-{loc}", fk.catch_phrase()) for _ in range(PER // 3)]
        except AttributeError:
            pass
    try:
        import pyarrow.parquet as pq
        root = pathlib.Path("/work/shared/corpus_public")
        for name, cols in CORPUS_TEXT.items():
            t = pq.read_table(root / f"{name}.parquet", columns=cols)
            for c in cols:
                vals = [v for v in t.column(c).to_pylist() if v]
                random.Random(15).shuffle(vals)
                neg += [(f"corpus-{name}-{c}", v) for v in vals[:1000]]
    except Exception as e:  # corpus absent: the generated negatives alone
        print("corpus skipped:", e, file=sys.stderr)
    (out / "negatives.tsv").write_text("".join(f"{s}\t{esc(v)}\n" for s, v in neg), encoding="utf-8")
    print(f"{len(rows)} addresses, {len(neg)} negatives in {out}")


def groups(path):
    g = collections.OrderedDict()
    for line in open(path, encoding="utf-8"):
        k, _, v = line.rstrip("\n").partition("\t")
        g.setdefault(k, []).append(v)
    return g


def run(binary, column, values):
    p = subprocess.run([binary, column], input="\n".join(values) + "\n", capture_output=True,
                       text=True, check=True)
    return p.stdout.splitlines()


def score(a):
    save = pathlib.Path(a.save) if a.save else None
    for path in a.addr:
        print(f"\n{path}\n| locale | values | street (strong) | person name |\n|---|---:|---:|---:|")
        tot = collections.Counter()
        g = groups(path)
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as ex:
            out = dict(zip(g, ex.map(lambda v: run(a.bin, "address", v), g.values())))
        for loc, vals in g.items():
            lines = out[loc]
            st = sum("pii.street_address:Strong" in l for l in lines)
            pn = sum("pii.person_name:" in l for l in lines)
            tot.update(n=len(vals), st=st, pn=pn)
            print(f"| {loc} | {len(vals)} | {100 * st / len(vals):.0f} % | {100 * pn / len(vals):.1f} % |")
            if save:
                d = save / pathlib.Path(path).stem
                d.mkdir(parents=True, exist_ok=True)
                (d / f"{loc}.txt").write_text("".join(l + "\n" for l in lines), encoding="utf-8")
        print(f"| all | {tot['n']} | {100 * tot['st'] / tot['n']:.1f} % | {100 * tot['pn'] / tot['n']:.1f} % |")
    if a.neg:
        fam = collections.Counter()
        famn = collections.Counter()
        hits = []
        g = groups(a.neg)
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as ex:
            out = dict(zip(g, ex.map(lambda v: run(a.bin, "notes", v), g.values())))
        for src, vals in g.items():
            lines = [l for l in out[src] if "pii.street_address:" in l]
            f = src.split("-")[0] + "-" + src.split("-")[1]
            fam[f] += len(lines)
            famn[f] += len(vals)
            hits += [f"{src}\t{l}" for l in lines]
        print(f"\n{a.neg}\n| negatives | values | street hits |\n|---|---:|---:|")
        for f in famn:
            print(f"| {f} | {famn[f]} | {fam[f]} |")
        print(f"| all | {sum(famn.values())} | {sum(fam.values())} |")
        if save:
            save.mkdir(parents=True, exist_ok=True)
            (save / "negatives.txt").write_text("".join(h + "\n" for h in hits), encoding="utf-8")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--out", required=True)
    s = sub.add_parser("score")
    s.add_argument("--bin", required=True)
    s.add_argument("--addr", action="append", default=[])
    s.add_argument("--neg")
    s.add_argument("--save")
    a = ap.parse_args()
    gen(pathlib.Path(a.out)) if a.cmd == "gen" else score(a)


if __name__ == "__main__":
    main()
