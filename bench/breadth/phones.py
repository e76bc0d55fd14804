"""Phone numbers from libphonenumber's own metadata (the `phonenumbers` PyPI package):
the example number of every region and number type, written in the national,
international and E.164 forms libphonenumber itself produces. Not our rules."""

import phonenumbers as pn
from phonenumbers import PhoneNumberFormat as F, PhoneNumberType as T

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
