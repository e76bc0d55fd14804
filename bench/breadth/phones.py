"""Phone numbers from libphonenumber's own metadata (the `phonenumbers` PyPI package):
the example number of every region and number type, written in the national,
international and E.164 forms libphonenumber itself produces. Not our rules.

National forms also come with the context that names their region (`regional_cases`):
a column named for the region (`tel_de`), a country column of the same table (the case's
`country`: ISO code, alpha-3 code or English name), and integers (the national number,
which loses a leading 0, and E.164 without its `+`). Random digit runs of the same lengths
in the same columns, which libphonenumber itself calls invalid for the region, are the
negatives; the share of random runs it calls valid is printed (no check can reject those)."""

import sys

import phonenumbers as pn
from phonenumbers import PhoneNumberFormat as F, PhoneNumberType as T
from phonenumbers.geodata.locale import LOCALE_DATA

TYPES = [("fixed", T.FIXED_LINE), ("mobile", T.MOBILE)]
FORMS = [("national", F.NATIONAL), ("international", F.INTERNATIONAL), ("e164", F.E164)]


def cases():
    pos = []
    for region in sorted(pn.SUPPORTED_REGIONS):
        for tname, t in TYPES:
            ex = pn.example_number_for_type(region, t)
            if ex is None:
                continue
            for fname, f in FORMS:
                text = pn.format_number(ex, f)
                pos.append((f"phone_{fname}", text, "phone", region, tname))
                pos.append((f"phone_{fname}_text", f"please call {text} after 5pm", "notes", region, tname))
    return pos


def negatives(r):
    """Digit runs that are not phone numbers, in the columns and sentences they sit in:
    tickets and orders after "called" (context words must not make them numbers), dates
    and times, amounts, company and book numbers, postcodes with house numbers."""
    out = []
    for _ in range(30):
        y = r.randint(2019, 2026)
        out += [
            ("phone_not_ticket", f"customer called about order {y}-{r.randint(10000, 99999)}", "notes"),
            ("phone_not_ticket", f"Escalated to tier 2, ticket {y}-{r.randint(1000000, 9999999)}", "notes"),
            ("phone_not_datetime", f"{y}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} {r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}", "value"),
            ("phone_not_amount", f"{r.randint(1, 999)} {r.randint(100, 999)} {r.randint(100, 999)},{r.randint(10, 99)} EUR", "value"),
            ("phone_not_siret", f"SIRET {r.randint(100, 999)} {r.randint(100, 999)} {r.randint(100, 999)} {r.randint(10000, 99999)}", "value"),
            ("phone_not_isbn", f"ISBN 978-{r.randint(0, 9)}-{r.randint(10, 99)}-{r.randint(100000, 999999)}-{r.randint(0, 9)}", "value"),
            ("phone_not_postcode", f"{r.randint(10000, 99999)} Berlin, Hausnr. {r.randint(1, 200)}", "value"),
            ("phone_not_invoice", f"INV-{r.randint(10000000, 99999999)}", "invoice"),
        ]
    return out


def text_negatives(r):
    """Numbers after a word for phones that are not phone numbers: ids of calls after a
    determiner, a preposition or a `#` (the word is a noun there), times and years after "call", and
    random digit runs of 4-12 digits that libphonenumber calls invalid in every region,
    in the sentence of the `_text` positives. (A generator of its own, so the cases
    above stay as they were.)"""
    regions = sorted(pn.SUPPORTED_REGIONS)
    out = []
    for _ in range(30):
        cid = r.randint(1000, 99999999)
        out += [
            ("phone_not_call_id", f"the call {cid} dropped after {r.randint(2, 59)}s", "notes"),
            ("phone_not_call_id", f"Call #{r.randint(100, 999999)} transferred to queue {r.randint(1, 9)}", "notes"),
            ("phone_not_call_id", f"call ID {cid} closed by agent", "notes"),
            ("phone_not_call_id", f"Each call {cid} is recorded", "notes"),
            ("phone_not_call_id", f"renewed after call {cid}, happy with support", "notes"),
            ("phone_not_call_id", f"notes from call {cid}: customer satisfied", "notes"),
            ("phone_not_time_year", f"call at {r.randint(8, 18)}.{r.choice(['00', '15', '30', '45'])} tomorrow", "notes"),
            ("phone_not_time_year", f"please call back in {r.randint(1990, 2030)}", "notes"),
        ]
    kept = 0
    while kept < 120:
        n = r.randint(4, 12)
        run = str(r.randint(1, 9)) + "".join(str(r.randint(0, 9)) for _ in range(n - 1))
        if any(_valid(run, region) for region in regions):
            continue
        kept += 1
        out.append(("phone_not_text_invalid", f"please call {run} after 5pm", "notes"))
    return out


# Two-letter codes that are words or abbreviations in column names (`phone_no`, `pk`):
# a column is named for such a region with its English name instead.
AMBIGUOUS = {"no", "nr", "nu", "na", "id", "in", "is", "to", "me", "my", "am", "as", "do", "go", "so", "ad", "tv", "pk", "ph",
             "cc", "mo", "ms", "pa", "re", "st", "sh", "ai", "ci", "io", "ws", "or", "an"}


def english_name(region):
    n = LOCALE_DATA.get(region, {}).get("aa", "")
    while n.startswith("*"):
        n = LOCALE_DATA[region].get(n[1:], "")
    return n


def named_column(region):
    code = region.lower()
    if code not in AMBIGUOUS:
        return f"tel_{code}"
    return "tel_" + "".join(c if c.isalnum() else "_" for c in english_name(region).lower())


def country_value(region, i):
    """How a country column writes the region: ISO code, alpha-3 code, English name."""
    import pycountry
    c = pycountry.countries.get(alpha_2=region)
    forms = [region, c.alpha_3 if c else region, english_name(region) or region]
    return forms[i % 3]


def _valid(digits, region):
    try:
        return pn.is_valid_number_for_region(pn.parse(digits, region), region)
    except pn.NumberParseException:
        return False


def regional_cases(r):
    """(family, value, column, country or None, expect) for national forms with region
    context, and random digit runs that libphonenumber calls invalid in the same place."""
    out = []
    random_runs = random_valid = 0
    for i, region in enumerate(sorted(pn.SUPPORTED_REGIONS)):
        for tname, t in TYPES:
            ex = pn.example_number_for_type(region, t)
            if ex is None:
                continue
            text = pn.format_number(ex, F.NATIONAL)
            country = country_value(region, i)
            out.append(("phone_national_named", text, named_column(region), None, "found"))
            out.append(("phone_national_country", text, "phone", country, "found"))
            out.append(("phone_integer_national", str(ex.national_number), "phone", country, "found"))
            out.append(("phone_integer_e164", pn.format_number(ex, F.E164)[1:], "phone", country, "found"))
            n = sum(c.isdigit() for c in text)
            kept = 0
            for _ in range(20):
                run = str(r.randint(1, 9)) + "".join(str(r.randint(0, 9)) for _ in range(n - 1))
                if r.random() < 0.5 and text.startswith("0"):
                    run = "0" + run[1:]
                random_runs += 1
                if _valid(run, region):
                    random_valid += 1
                    continue
                if kept < 2:
                    kept += 1
                    out.append(("phone_not_random_named", run, named_column(region), None, "not"))
                    out.append(("phone_not_random_country", run, "phone", country, "not"))
    print(f"random digit runs of the example numbers' lengths: {random_valid} of {random_runs} "
          f"({100.0 * random_valid / random_runs:.1f} %) are valid numbers of their region", file=sys.stderr)
    return out
