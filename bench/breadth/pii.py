"""E-mail addresses with internationalised domains, IBANs of every SWIFT registry
country, and payment cards of every major network, with one-character mutants of the
checksummed ones. None of it is derived from our rules:

- IBAN: the BBAN structure and length of each country come from python-stdnum's copy
  of the SWIFT IBAN registry (iban.dat); the check digits are computed here (ISO 13616
  mod 97-10) and every value is confirmed by `stdnum.iban.validate`.
- Cards: IIN ranges and lengths as the networks publish them (table below), the Luhn
  digit computed here.
- E-mail: Unicode domains turned into their ASCII form by Python's IDNA codec.
"""

import os
import re
import string

import stdnum
from stdnum import iban as std_iban
from stdnum.exceptions import ValidationError

U = string.ascii_uppercase
D = string.digits


def registry():
    path = os.path.join(os.path.dirname(stdnum.__file__), "iban.dat")
    out = {}
    for line in open(path):
        m = re.match(r'^([A-Z]{2}) country="[^"]*" bban="([^"]+)"', line)
        if m:
            out[m.group(1)] = re.findall(r"(\d+)!([nac])", m.group(2))
    return out


def iban_from(cc, parts, r):
    alpha = {"n": D, "a": U, "c": U + D}
    bban = "".join("".join(r.choice(alpha[k]) for _ in range(int(n))) for n, k in parts)
    num = "".join(str(int(c, 36)) for c in bban + cc + "00")
    check = 98 - int(num) % 97
    return f"{cc}{check:02d}{bban}"


def grouped(s, sep=" "):
    return sep.join(s[i:i + 4] for i in range(0, len(s), 4))


def mutate(r, s, alphabet=D):
    """One character of `s` changed (a digit for a digit), somewhere after the first four."""
    idx = [i for i, c in enumerate(s) if c in alphabet and i >= 4]
    i = r.choice(idx)
    c = r.choice([x for x in alphabet if x != s[i]])
    return s[:i] + c + s[i + 1:]


def iban_cases(r, per_country=6):
    pos, neg = [], []
    reg = registry()
    for cc, parts in sorted(reg.items()):
        for k in range(per_country):
            v = iban_from(cc, parts, r)
            std_iban.validate(v, check_country=False)  # stdnum agrees it is an IBAN
            form = k % 3
            text = [v, grouped(v), grouped(v, "-")][form]
            col = ["iban", "value", "bank_account"][k % 3]
            if k == 5:
                text, col = f"Please refund to {grouped(v)} by Friday", "notes"
            pos.append(("iban_" + ["compact", "spaced", "dashed"][form], text, col))
            m = mutate(r, v)
            try:
                std_iban.validate(m, check_country=False)
                continue  # never happens for one substitution (mod 97), but do not trust it
            except ValidationError:
                pass
            neg.append(("iban_mutant", [m, grouped(m)][k % 2], "iban"))
    return pos, neg, len(reg)


# (network, IIN ranges as (low, high) prefixes, lengths): networks' published ranges.
NETWORKS = [
    ("visa", [(4, 4)], [16, 19]),
    ("mastercard", [(51, 55), (2221, 2720)], [16]),
    ("amex", [(34, 34), (37, 37)], [15]),
    ("discover", [(6011, 6011), (644, 649), (65, 65), (622126, 622925)], [16, 19]),
    ("jcb", [(3528, 3589)], [16, 19]),
    ("diners", [(300, 305), (36, 36), (38, 39)], [14, 16]),
    ("unionpay", [(62, 62)], [16, 17, 18, 19]),
    # Maestro also issues 12 digits; issue 15 scopes cards to 13–19 digits (a 12-digit
    # number is an order number far more often than a card).
    ("maestro", [(5018, 5018), (5020, 5020), (5038, 5038), (5893, 5893), (6304, 6304), (6759, 6759), (6761, 6763)], [13, 15, 16, 19]),
    ("mir", [(2200, 2204)], [16]),
    ("rupay", [(60, 60), (508, 508), (81, 82)], [16]),
    ("troy", [(9792, 9792)], [16]),
    ("verve", [(506099, 506198), (650002, 650027)], [16, 19]),
    ("elo", [(4011, 4011), (4389, 4389), (5067, 5067), (6277, 6277)], [16]),
    ("hipercard", [(606282, 606282)], [16]),
    ("dankort", [(5019, 5019)], [16]),
]


def luhn_complete(body):
    for d in D:
        s = body + d
        total = 0
        for i, c in enumerate(reversed(s)):
            x = int(c)
            if i % 2:
                x = x * 2 - 9 if x * 2 > 9 else x * 2
            total += x
        if total % 10 == 0:
            return s


def card(r, ranges, lengths):
    lo, hi = r.choice(ranges)
    prefix = str(r.randint(lo, hi))
    n = r.choice(lengths)
    body = prefix + "".join(r.choice(D) for _ in range(n - len(prefix) - 1))
    return luhn_complete(body)


def written(r, num, amex):
    k = r.randint(0, 3)
    if k == 0:
        return num
    if amex and len(num) == 15:
        return f"{num[:4]} {num[4:10]} {num[10:]}"
    if len(num) == 14:
        return f"{num[:4]} {num[4:10]} {num[10:]}"
    return grouped(num, " " if k < 3 else "-")


def card_cases(r, per_network=30):
    pos, neg = [], []
    for name, ranges, lengths in NETWORKS:
        for k in range(per_network):
            num = card(r, ranges, lengths)
            text = written(r, num, name == "amex")
            col = ["card_number", "value", "payment_card"][k % 3]
            if k % 5 == 4:
                text, col = f"paid with card {text} yesterday", "notes"
            pos.append((f"card_{name}", text, col))
            neg.append(("card_mutant", written(r, mutate(r, num), name == "amex"), "card_number"))
    # Numbers that pass Luhn but are not cards: IMEIs (15 digits, Luhn, TAC 35/86/01).
    for _ in range(60):
        imei = luhn_complete(r.choice(["35", "86", "01"]) + "".join(r.choice(D) for _ in range(12)))
        neg.append(("card_not_imei", imei, "imei"))
    return pos, neg


IDN_DOMAINS = ["münchen.de", "bücher.example", "пример.рф", "例え.jp", "παράδειγμα.ελ", "mañana.com",
               "räksmörgås.se", "中国互联网络信息中心.中国", "δοκιμή.gr", "köln-bonn.de", "zürich.ch", "søk.no",
               "xn--fiqs8s", "dänemark.dk", "česko.cz", "istanbul-şehir.com.tr"]
LOCALS = ["info", "kontakt", "anna.schmidt", "j.garcia+news", "support", "josé", "δοκιμή", "用户", "почта", "müller"]


def email_cases(r, n=240):
    pos, neg = [], []
    for k in range(n):
        dom = r.choice(IDN_DOMAINS)
        if "." not in dom:
            dom = "beispiel." + dom
        local = r.choice(LOCALS)
        puny = dom.encode("idna").decode("ascii")
        if k % 2:
            local = r.choice(LOCALS[:5])
            addr, fam = f"{local}@{puny}", "email_punycode"
        else:
            addr, fam = f"{local}@{dom}", "email_unicode"
        text, col = [(addr, "email"), (addr, "value"), (f"mailto:{addr}", "link"), (f"Anna <{addr}>", "from"),
                     (f"schreiben Sie an {addr} bitte", "notes")][k % 5]
        pos.append((fam, text, col))
    for v in ["npm i lodash@4.17.21", "git@github.com:acme/app.git", "icon@2x.png", "user@localhost",
              "@anna_schmidt", "registry.example/app@sha256:" + "ab" * 32, "price@", "a@b", "meet @ 5pm",
              "pkg:npm/%40angular/core@16.2.0", "react@18.2.0", "requests@2.31.0", "name@host",
              "user@münchen", "node@20.11.1 (lts)"]:
        neg.append(("email_not", v, "value"))
    pkgs = ["lodash", "react", "requests", "numpy", "@types/node", "express", "serde", "tokio", "left-pad", "vue"]
    for _ in range(60):
        ver = f"{r.randint(0, 20)}.{r.randint(0, 40)}.{r.randint(0, 30)}"
        neg.append(("email_not_package", f"{r.choice(pkgs)}@{ver}", r.choice(["dependency", "value", "notes"])))
        neg.append(("email_not_git_remote", f"git@{r.choice(['github.com', 'gitlab.example.org', 'bitbucket.org'])}:{r.choice(pkgs).strip('@/')}/{r.choice(pkgs).strip('@/')}.git", "remote"))
        neg.append(("email_not_asset", f"{r.choice(['logo', 'icon', 'hero', 'avatar'])}@{r.randint(2, 4)}x.{r.choice(['png', 'jpg', 'webp', 'svg'])}", "asset"))
    return pos, neg
