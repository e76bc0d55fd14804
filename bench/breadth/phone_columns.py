"""Phone-number columns whose names say nothing (issue 15): `c1`, `value`, `data` holding
phone numbers written nationally, and, under the same names, columns of other digit
groups that are no phone numbers. Numbers come from libphonenumber (the `phonenumbers`
package: every region's example numbers with their last digits varied, kept when it calls
them valid, written in its national format) and from Faker's phone providers; not from
our rules.

Negatives are what else people write as groups of digits: amounts with thousands
separators, dates, version numbers, and identifiers in the groupings forms and systems
use (tax and social security numbers, postcodes, bank sort codes, card numbers, order
and account numbers), random digits in each shape.

Each case is a column: {"family", "label", "column", "values", "expect"} as in names.py.
"""

import random
import re
import zlib

import phonenumbers as pn
from faker import Faker
from phonenumbers import PhoneNumberFormat as F, PhoneNumberType as T

PLAIN = ["c1", "col_7", "field_b", "value", "x", "attr_3", "data", "f12"]
LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "pt_PT", "nl_NL", "pl_PL", "sv_SE", "tr_TR",
           "da_DK", "no_NO", "fi_FI", "cs_CZ", "hu_HU", "ro_RO", "en_IN", "en_AU", "ja_JP", "ko_KR", "ru_RU", "el_GR"]
N = 60
# Groupings of identifiers, by the lengths of their digit groups and the separator.
ID_SHAPES = [
    ("ssn", (3, 2, 4), "-"), ("ein", (2, 7), "-"), ("zip4", (5, 4), "-"), ("cep", (5, 3), "-"),
    ("pl_postcode", (2, 3), "-"), ("sort_code", (2, 2, 2), "-"), ("card", (4, 4, 4, 4), " "),
    ("account", (4, 4, 4), "-"), ("order", (4, 6), "-"), ("cpr", (6, 4), "-"), ("personnummer", (8, 4), "-"),
    ("invoice", (3, 7), "/"), ("batch", (2, 4, 4), "."), ("ref", (5, 5), " "),
]


def case(family, column, values, expect):
    return {"family": family, "label": "pii.phone_number", "column": column, "values": values, "expect": expect}


def valid_national(region, r):
    """Up to N valid numbers of `region` in its national format: its fixed-line and
    mobile example numbers with the last four digits drawn at random."""
    out = []
    for t in (T.FIXED_LINE, T.MOBILE):
        ex = pn.example_number_for_type(region, t)
        if ex is None:
            continue
        nsn = pn.national_significant_number(ex)
        tries = 0
        while len(out) < N * (1 + (t == T.MOBILE)) // 2 and tries < 400:
            tries += 1
            k = min(4, len(nsn) - 2)
            d = nsn[:-k] + "".join(r.choice("0123456789") for _ in range(k))
            n = pn.parse(d, region)
            if pn.is_valid_number_for_region(n, region):
                out.append(pn.format_number(n, F.NATIONAL))
    return out


def grouped(shape, sep, r):
    return sep.join(str(r.randint(10 ** (n - 1), 10 ** n - 1)) for n in shape)


def amount(r, sep):
    v = r.randint(1000, 10 ** r.randint(4, 10))
    s = f"{v:,}".replace(",", sep)
    return s + (("," if sep != "," else ".") + f"{r.randint(0, 99):02d}" if r.random() < 0.3 else "")


def date(r, i):
    y, m, d = r.randint(1950, 2030), r.randint(1, 12), r.randint(1, 28)
    return [f"{d:02d}.{m:02d}.{y}", f"{d:02d}/{m:02d}/{y}", f"{y}-{m:02d}-{d:02d}", f"{d:02d}-{m:02d}-{y % 100:02d}",
            f"{y}/{m:02d}/{d:02d}", f"{m:02d}/{d:02d}/{y}"][i % 6]


def cases():
    r = random.Random(20261205)
    out = []
    for i, region in enumerate(sorted(pn.SUPPORTED_REGIONS)):
        values = valid_national(region, r)
        if len(values) >= 10:
            out.append(case("phone_plain_national", PLAIN[i % len(PLAIN)], values, "found"))
    for i, loc in enumerate(LOCALES):
        f = Faker(loc)
        f.seed_instance(zlib.crc32(f"phones:{loc}".encode()))
        values = [f.phone_number() for _ in range(N)]
        out.append(case("phone_plain_faker", PLAIN[i % len(PLAIN)], values, "found"))
    for i, sep in enumerate([" ", ".", ",", "'", " ", "."]):
        out.append(case("not_phone_amount", PLAIN[i % len(PLAIN)], [amount(r, sep) for _ in range(N)], "not"))
    for i, (name, shape, sep) in enumerate(ID_SHAPES):
        for k in range(2):
            out.append(case(f"not_phone_id_{name}", PLAIN[(i + k) % len(PLAIN)], [grouped(shape, sep, r) for _ in range(N)], "not"))
    for k in range(6):
        out.append(case("not_phone_date", PLAIN[k], [date(r, k) for _ in range(N)], "not"))
    out.append(case("not_phone_version", "c1", [f"{r.randint(1, 12)}.{r.randint(0, 30)}.{r.randint(0, 200)}" for _ in range(N)], "not"))
    out.append(case("not_phone_version", "x", [f"10.0.{r.randint(10000, 22999)}.{r.randint(1, 4000)}" for _ in range(N)], "not"))
    # A postcode that begins with 0 and a house number; identifiers padded with zeros.
    for k in range(2):
        out.append(case("not_phone_postcode_house", PLAIN[k], [f"0{r.randint(1000, 9999)} {r.randint(1, 250)}" for _ in range(N)], "not"))
        out.append(case("not_phone_id_zero_padded", PLAIN[k + 2], [f"{r.randint(0, 99999):05d}-{r.randint(0, 999999):06d}" for _ in range(N)], "not"))
    # Grouped as national numbers are, under a name that says what they are instead.
    for k, column in enumerate(["account_no", "invoice_ref", "order_id", "iban_code"]):
        out.append(case("not_phone_named_other", column, [f"{r.randint(11, 99)} {r.randint(2000, 5999)}-{r.randint(1000, 9999)}" for _ in range(N)], "not"))
    return out


if __name__ == "__main__":
    import collections
    print(collections.Counter(c["family"] for c in cases()))
    for c in cases()[:3] + [c for c in cases() if c["family"] == "phone_plain_faker"][:3]:
        print(c["family"], c["values"][:4])
