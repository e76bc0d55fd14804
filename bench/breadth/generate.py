#!/usr/bin/env python3
"""Value-level fixture for detection breadth (issue 15), from sources that are not our
rules: providers' documented token formats (tokens.py, fake tokens only), libphonenumber's
example number of every region and type (phones.py, the `phonenumbers` package), RFC 4291 /
RFC 5952 address forms, the SWIFT IBAN registry's lengths and python-stdnum's IBAN
check, card networks' published IIN ranges and lengths with the Luhn digit computed
here, and IDNA (Python's `encodings.idna`) for internationalised mail domains.

    pip install python-stdnum==2.2 phonenumbers==9.0.43 pycountry==26.2.16 faker wordfreq==3.1.1   # the fixture was built with these
    python3 bench/breadth/generate.py --out tests/data/breadth.jsonl --columns-out tests/data/breadth_columns.jsonl

Each line: {"value", "label", "family", "column", "expect"}, and "country" where a
country column of the same table names the value's region (phone numbers). `expect` is "found" (a
strong hit of `label` on the value, in that column) or "not" (no strong hit of any
label starting with `label`, e.g. "secret." for a placeholder). Seeded: reproducible.

`--columns-out` writes the column-level cases (names.py: person names are judged per
column; phone_columns.py: phone numbers in columns whose names say nothing), one column a
line: {"family", "label", "column", "values", "expect"}.
"""

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import names  # noqa: E402
import netaddr  # noqa: E402
import phone_columns  # noqa: E402
import phones  # noqa: E402
import pii  # noqa: E402
from tokens import Gen, negatives as secret_negatives  # noqa: E402

SECRET_FAMILIES = ["slack", "stripe", "github", "gitlab", "azure", "gcp", "twilio", "sendgrid", "mailgun", "openai",
                   "anthropic", "huggingface", "npm", "pypi", "docker", "datadog", "shopify", "atlassian", "databricks",
                   "snowflake", "private_key", "config_secret"]

# How a token sits in real data: alone in a column, in an env line, in JSON, in a log line.
CONTEXTS = [
    ("value", "{v}"),
    ("config_line", "{v}"),
    ("payload", '{{"value": "{j}", "ok": true}}'),
    ("notes", "rotated today, old one was {v} (revoked)"),
]


def secrets_cases(g, per_family=60):
    out = []
    for fam in SECRET_FAMILIES:
        for i in range(per_family):
            family, value, label = getattr(g, fam)()
            column, tpl = CONTEXTS[i % len(CONTEXTS)]
            # Multi-line keys and JSON documents are kept whole; wrapping them would change
            # their own syntax.
            if "\n" in value or value.startswith("{") or fam == "config_secret":
                column, tpl = ("value", "{v}")
            text = tpl.format(v=value, j=value.replace("\\", "\\\\").replace('"', '\\"'))
            out.append({"value": text, "label": label, "family": family, "column": column, "expect": "found"})
    seen = set()
    for _ in range(8):
        for family, value in secret_negatives(g):
            if value not in seen:
                seen.add(value)
                out.append({"value": value, "label": "secret.", "family": "secret_" + family, "column": "value", "expect": "not"})
    return out


def ip_cases(g):
    out = [{"value": v, "label": "pii.ip_address", "family": f, "column": c, "expect": "found"} for f, v, c in netaddr.positives(g.r)]
    out += [{"value": v, "label": "pii.ip_address", "family": "ip_not_" + f, "column": c, "expect": "not"} for f, v, c in netaddr.negatives(g.r)]
    return out


def pii_cases(g):
    out = []
    ipos, ineg, countries = pii.iban_cases(g.r)
    assert countries >= 89, f"the IBAN registry has {countries} countries"
    cpos, cneg = pii.card_cases(g.r)
    epos, eneg = pii.email_cases(g.r)
    for label, pos, neg in [("pii.iban", ipos, ineg), ("pii.credit_card", cpos, cneg), ("pii.email", epos, eneg)]:
        out += [{"value": v, "label": label, "family": f, "column": c, "expect": "found"} for f, v, c in pos]
        out += [{"value": v, "label": label, "family": f, "column": c, "expect": "not"} for f, v, c in neg]
    return out


def phone_cases(g):
    out = [{"value": v, "label": "pii.phone_number", "family": f, "column": c, "expect": "found"} for f, v, c, _, _ in phones.cases()]
    out += [{"value": v, "label": "pii.phone_number", "family": f, "column": c, "expect": "not"} for f, v, c in phones.negatives(g.r)]
    for f, v, c, country, expect in phones.regional_cases(g.r):
        case = {"value": v, "label": "pii.phone_number", "family": f, "column": c, "expect": expect}
        if country is not None:
            case["country"] = country
        out.append(case)
    out += [{"value": v, "label": "pii.phone_number", "family": f, "column": c, "expect": "not"} for f, v, c in phones.text_negatives(random.Random(20261206))]
    return out


SECTIONS = [secrets_cases, ip_cases, pii_cases, phone_cases]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--columns-out")
    a = ap.parse_args()
    g = Gen(20261202)
    rows = []
    for section in SECTIONS:
        rows.extend(section(g))
    with open(a.out, "w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} cases -> {a.out}", file=sys.stderr)
    if a.columns_out:
        # A generator of its own, so that the value-level cases above stay as they were.
        cols = names.cases(random.Random(20261205)) + phone_columns.cases() + names.slavic_greek_cases()
        with open(a.columns_out, "w") as f:
            for c in cols:
                f.write(json.dumps(c, ensure_ascii=False) + "\n")
        print(f"{len(cols)} column cases -> {a.columns_out}", file=sys.stderr)


if __name__ == "__main__":
    main()
