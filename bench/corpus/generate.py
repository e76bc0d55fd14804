#!/usr/bin/env python3
"""Generate Assay's own labelled accuracy corpus.

    python3 bench/corpus/generate.py [--out bench/corpus/out] [--seed 20251122]

Writes ~20 tables (Parquet, CSV, NDJSON) of synthetic data -- no real person or credential --
plus labels.json in the format of shared/corpus_public/labels.json:
{"<file name>/<column>": [labels]}, [] meaning clean. NDJSON object-valued fields are labelled
at their top-level key with the union of what they hold; labels_nested.json repeats every key
and adds the dotted leaf paths ("<file>/<field>.<subfield>") for tools that flatten.

Deterministic: the same seed gives byte-identical files. Every validated value (cards, IBANs,
national ids, SSNs, JWTs, tokens with checksums, wallets, ...) is checked when generated and
again after reading the files back; hard negatives that must *fail* a check (Luhn-failing
references, invalid-octet "IPs", ...) are asserted to fail.

Needs: pip install faker pyarrow
"""
import argparse
import base64
import binascii
import csv
import datetime as dt
import hashlib
import ipaddress
import io
import json
import os
import random
import re
import string
import sys
import time
import unicodedata
import uuid
import zlib
from collections import Counter, defaultdict

try:
    from faker import Faker
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError as e:  # pragma: no cover
    sys.exit(f"generate.py needs faker and pyarrow ({e}): pip install faker pyarrow")

DEFAULT_SEED = 20251122
HERE = os.path.dirname(os.path.abspath(__file__))

ALNUM = string.ascii_letters + string.digits
UPPER_NUM = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B64 = string.ascii_letters + string.digits + "+/"
B64URL = string.ascii_letters + string.digits + "-_"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase

# =============================================================================================
# Checksums and validators (used both to generate and to verify)
# =============================================================================================


def luhn_sum(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def luhn_ok(s):
    d = re.sub(r"[ \-]", "", str(s))
    return d.isdigit() and len(d) >= 12 and luhn_sum(d) % 10 == 0


def luhn_check_digit(body):
    return str((10 - luhn_sum(body + "0") % 10) % 10)


def card_ok(s):
    """Luhn + issuer prefix/length (Visa, Mastercard, Amex, Discover)."""
    d = re.sub(r"[ \-]", "", str(s))
    if not luhn_ok(d):
        return False
    if d[0] == "4":
        return len(d) in (13, 16, 19)
    if d[:2] in ("34", "37"):
        return len(d) == 15
    if 51 <= int(d[:2]) <= 55 or 2221 <= int(d[:4]) <= 2720:
        return len(d) == 16
    if d.startswith("6011") or d.startswith("65") or 644 <= int(d[:3]) <= 649:
        return len(d) in (16, 19)
    return False


def _alnum_to_num(s):
    return "".join(str(int(c, 36)) for c in s)


IBAN_LEN = {"FR": 27, "ES": 24, "IT": 27, "NL": 18, "DE": 22, "PT": 25, "BE": 16, "GB": 22, "AT": 20, "CH": 21}
# lengths of other registered IBAN countries, so the shape check below only accepts real ones
IBAN_LEN_ALL = {**IBAN_LEN, **{k[:2]: int(k[2:]) for k in (
    "AD24 AE23 AL28 AZ28 BA20 BG22 BH22 BR29 CR22 CY28 CZ24 DK18 DO28 EE20 FI18 FO18 GE22 GI23 GL18 GR27 GT28 "
    "HR21 HU28 IE22 IL23 IS26 JO30 KW30 KZ20 LB28 LI21 LT20 LU20 LV21 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NO15 "
    "PK24 PL28 PS29 QA29 RO24 RS22 SA24 SE24 SI19 SK24 SM27 TN24 TR26 UA29 VG24 XK20").split()}}


def iban_ok(s):
    s = re.sub(r"\s", "", str(s)).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", s):
        return False
    if IBAN_LEN_ALL.get(s[:2]) != len(s):
        return False
    return int(_alnum_to_num(s[4:] + s[:4])) % 97 == 1


def iban_from_bban(cc, bban):
    check = 98 - int(_alnum_to_num(bban + cc + "00")) % 97
    return f"{cc}{check:02d}{bban}"


def nir_key(first13):
    n = first13.replace("2A", "19").replace("2B", "18")
    return 97 - int(n) % 97


def nir_ok(s):
    s = re.sub(r"\s", "", str(s)).upper()
    if not re.fullmatch(r"[12]\d{4}(\d{2}|2A|2B)\d{6}\d{2}", s):
        return False
    return nir_key(s[:13]) == int(s[13:])


DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni_ok(s):
    s = re.sub(r"[\s.\-]", "", str(s)).upper()
    m = re.fullmatch(r"([XYZ]?)(\d{7,8})([A-Z])", s)
    if not m:
        return False
    pre, num, letter = m.groups()
    if pre:
        if len(num) != 7:
            return False
        num = str("XYZ".index(pre)) + num
    elif len(num) != 8:
        return False
    return DNI_LETTERS[int(num) % 23] == letter


CF_ODD = dict(zip("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                  [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20,
                   11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]))
CF_EVEN = {**{str(i): i for i in range(10)}, **{c: i for i, c in enumerate(string.ascii_uppercase)}}


def cf_check_char(s15):
    total = sum(CF_ODD[c] if i % 2 == 0 else CF_EVEN[c] for i, c in enumerate(s15))
    return string.ascii_uppercase[total % 26]


def cf_ok(s):
    s = str(s).strip().upper()
    if not re.fullmatch(r"[A-Z]{6}\d{2}[ABCDEHLMPRST]\d{2}[A-Z]\d{3}[A-Z]", s):
        return False
    return cf_check_char(s[:15]) == s[15]


def bsn_ok(s):
    s = re.sub(r"[\s.]", "", str(s))
    if not re.fullmatch(r"\d{9}", s):
        return False
    total = sum(int(c) * w for c, w in zip(s[:8], range(9, 1, -1))) - int(s[8])
    return total % 11 == 0 and s != "000000000"


def nif_pt_check(first8):
    r = sum(int(c) * w for c, w in zip(first8, range(9, 1, -1))) % 11
    return 0 if r < 2 else 11 - r


def nif_pt_ok(s):
    s = re.sub(r"[\s.]", "", str(s))
    return bool(re.fullmatch(r"[1235689]\d{8}", s)) and nif_pt_check(s[:8]) == int(s[8])


NINO_BAD_FIRST = set("DFIQUV")
NINO_BAD_SECOND = set("DFIOQUV")
NINO_BAD_PREFIX = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino_ok(s):
    s = re.sub(r"\s", "", str(s)).upper()
    m = re.fullmatch(r"([A-Z])([A-Z])\d{6}[A-D]", s)
    if not m:
        return False
    a, b = m.groups()
    return a not in NINO_BAD_FIRST and b not in NINO_BAD_SECOND and a + b not in NINO_BAD_PREFIX


def steuer_check(first10):
    product = 10
    for c in first10:
        total = (int(c) + product) % 10
        if total == 0:
            total = 10
        product = (total * 2) % 11
    check = 11 - product
    return 0 if check == 10 else check


def steuer_ok(s):
    s = re.sub(r"[\s/]", "", str(s))
    if not re.fullmatch(r"[1-9]\d{10}", s):
        return False
    counts = Counter(s[:10])
    if sorted(counts.values())[-1] not in (2, 3) or sum(1 for v in counts.values() if v > 1) != 1:
        return False
    return steuer_check(s[:10]) == int(s[10])


def ean13_check(first12):
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12))
    return (10 - total % 10) % 10


def ean13_ok(s):
    s = re.sub(r"[\s.\-]", "", str(s))
    return bool(re.fullmatch(r"\d{13}", s)) and ean13_check(s[:12]) == int(s[12])


def ahv_ok(s):
    s = str(s)
    return bool(re.fullmatch(r"756\.\d{4}\.\d{4}\.\d{2}", s)) and ean13_ok(s)


def ssn_ok(s):
    s = str(s).strip()
    m = re.fullmatch(r"(\d{3})[- ]?(\d{2})[- ]?(\d{4})", s)
    if not m:
        return False
    a, g, n = (int(x) for x in m.groups())
    return 0 < a < 900 and a != 666 and g != 0 and n != 0 and s.replace(" ", "-") not in ("078-05-1120", "219-09-9999")


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwt_ok(s):
    s = str(s)
    m = re.search(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", s)
    if not m:
        return False
    h, p, _ = m.group(0).split(".")
    try:
        header = json.loads(b64url_decode(h))
        json.loads(b64url_decode(p))
    except Exception:
        return False
    return isinstance(header, dict) and "alg" in header


def github_ok(s):
    s = str(s)
    m = re.fullmatch(r"(ghp|gho|ghu|ghs|ghr)_([A-Za-z0-9]{30})([A-Za-z0-9]{6})", s)
    if m:
        return b62(zlib.crc32(m.group(2).encode())).rjust(6, "0") == m.group(3)
    return bool(re.fullmatch(r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}", s))


def b62(n):
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out or "0"


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def b58encode(b):
    n = int.from_bytes(b, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + out


def b58decode(s):
    n = 0
    for c in s:
        n = n * 58 + B58.index(c)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\0" * (len(s) - len(s.lstrip("1"))) + raw


# --- bech32 / bech32m (BIP-173 / BIP-350) ---
BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def bech32_hrp_expand(hrp):
    return [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]


def convertbits(data, frombits, tobits, pad=True):
    acc, bits, ret, maxv = 0, 0, [], (1 << tobits) - 1
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            ret.append((acc >> bits) & maxv)
    if pad and bits:
        ret.append((acc << (tobits - bits)) & maxv)
    return ret


def segwit_encode(hrp, witver, program):
    const = 1 if witver == 0 else 0x2BC830A3
    data = [witver] + convertbits(program, 8, 5)
    polymod = bech32_polymod(bech32_hrp_expand(hrp) + data + [0] * 6) ^ const
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32_CHARSET[d] for d in data + checksum)


def segwit_ok(s):
    s = str(s)
    if s.lower() != s or not s.startswith("bc1"):
        return False
    hrp, data = s[:2], s[3:]
    if any(c not in BECH32_CHARSET for c in data) or len(data) < 7:
        return False
    vals = [BECH32_CHARSET.index(c) for c in data]
    const = bech32_polymod(bech32_hrp_expand(hrp) + vals)
    witver = vals[0]
    return (witver == 0 and const == 1) or (witver >= 1 and const == 0x2BC830A3)


# --- Keccak-256 (for EIP-55 mixed-case Ethereum checksums) ---
def _keccak_constants():
    def rc_bit(t):
        if t % 255 == 0:
            return 1
        r = 1
        for _ in range(t % 255):
            r <<= 1
            if r & 0x100:
                r ^= 0x171
        return r & 1

    rc = [sum(rc_bit(j + 7 * i) << ((1 << j) - 1) for j in range(7)) for i in range(24)]
    rot = [[0] * 5 for _ in range(5)]
    x, y = 1, 0
    for t in range(24):
        rot[x][y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return rc, rot


KECCAK_RC, KECCAK_ROT = _keccak_constants()
M64 = (1 << 64) - 1


def _rol(v, n):
    return ((v << n) | (v >> (64 - n))) & M64 if n else v


_PI = [0] * 25  # flattened rho/pi permutation: lane x+5y goes to y+5*((2x+3y)%5)
_RHO = [0] * 25
for _x in range(5):
    for _y in range(5):
        _PI[_x + 5 * _y] = _y + 5 * ((2 * _x + 3 * _y) % 5)
        _RHO[_x + 5 * _y] = KECCAK_ROT[_x][_y]


def _keccak_f(a):
    """Keccak-f[1600] on a flat list of 25 lanes, lane (x, y) at index x + 5*y."""
    for rnd in range(24):
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & M64) for x in range(5)]
        b = [0] * 25
        for i in range(25):
            v = a[i] ^ d[i % 5]
            r = _RHO[i]
            b[_PI[i]] = ((v << r) | (v >> (64 - r))) & M64 if r else v
        a = [b[i] ^ ((~b[(i % 5 + 1) % 5 + 5 * (i // 5)]) & b[(i % 5 + 2) % 5 + 5 * (i // 5)]) for i in range(25)]
        a[0] ^= KECCAK_RC[rnd]
    return a


def keccak256(data):
    rate = 136
    msg = bytearray(data) + b"\x01"
    msg += b"\0" * (-len(msg) % rate)
    msg[-1] |= 0x80
    a = [0] * 25
    for off in range(0, len(msg), rate):
        for i in range(rate // 8):
            a[i] ^= int.from_bytes(msg[off + 8 * i:off + 8 * i + 8], "little")
        a = _keccak_f(a)
    return b"".join(a[i].to_bytes(8, "little") for i in range(4))


_EIP55_CACHE = {}


def eip55(addr_hex40):
    lower = addr_hex40.lower()
    if lower in _EIP55_CACHE:
        return _EIP55_CACHE[lower]
    h = keccak256(lower.encode()).hex()
    out = "0x" + "".join(c.upper() if c.isalpha() and int(h[i], 16) >= 8 else c for i, c in enumerate(lower))
    _EIP55_CACHE[lower] = out
    return out


def eth_ok(s):
    s = str(s)
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", s):
        return False
    body = s[2:]
    if body == body.lower() or body == body.upper():
        return True  # unchecksummed form is valid too
    return eip55(body) == s


def btc_ok(s):
    s = str(s)
    if s.startswith("bc1"):
        return segwit_ok(s)
    if not re.fullmatch(r"[13][1-9A-HJ-NP-Za-km-z]{25,34}", s):
        return False
    raw = b58decode(s)
    return len(raw) == 25 and raw[0] in (0, 5) and sha256d(raw[:21])[:4] == raw[21:]


def wallet_ok(s):
    return eth_ok(s) or btc_ok(s)


def isbn13_ok(s):
    d = re.sub(r"[\s\-]", "", str(s))
    return bool(re.fullmatch(r"97[89]\d{10}", d)) and ean13_ok(d)


def imei_ok(s):
    return bool(re.fullmatch(r"\d{15}", str(s))) and luhn_sum(str(s)) % 10 == 0


MAC_RE = re.compile(r"^(?:[0-9A-Fa-f]{2}([:\-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}|[0-9A-Fa-f]{12})$")


def mac_ok(s):
    return bool(MAC_RE.match(str(s)))


def ipv4_ok(s):
    parts = str(s).split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 and (p == "0" or not p.startswith("0")) for p in parts)


def ip_ok(s):
    s = str(s)
    if ipv4_ok(s):
        return True
    import ipaddress
    try:
        ipaddress.IPv6Address(s)
        return True
    except ValueError:
        return False


EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


def email_ok(s):
    return bool(EMAIL_RE.search(str(s)))


def pem_ok(s):
    s = str(s).replace("\\n", "\n")
    m = re.search(r"-----BEGIN ((?:RSA |EC |OPENSSH |ENCRYPTED |DSA )?PRIVATE KEY)-----\n(.+?)\n-----END \1-----", s, re.S)
    if not m:
        return False
    body = m.group(2).replace("\n", "")
    try:
        base64.b64decode(body, validate=True)
        return len(body) >= 64
    except binascii.Error:
        return False


PWURL_RE = re.compile(r"[a-z][a-z0-9+.\-]*://([^:/@\s]*):([^@/\s]+)@[^\s/]+")


def pwurl_ok(s):
    m = PWURL_RE.search(str(s))
    return bool(m) and not re.fullmatch(r"<[^>]*>|\$?\{+[^}]*\}+|\*+|changeme|password|x+", m.group(2))


def aws_ak_ok(s):
    return bool(re.fullmatch(r"(AKIA|ASIA)[A-Z2-7]{16}", str(s))) and "EXAMPLE" not in str(s)


def aws_sk_ok(s):
    s = str(s)
    return bool(re.fullmatch(r"[A-Za-z0-9/+]{40}", s)) and "EXAMPLE" not in s and any(c.isdigit() for c in s)


def gitlab_ok(s):
    return bool(re.fullmatch(r"(glpat|glrt|glptt|gldt)-[A-Za-z0-9_\-]{20,}", str(s)))


def slack_ok(s):
    s = str(s)
    return bool(re.fullmatch(r"xox[bp]-\d{10,13}-\d{10,13}(-\d{10,13})?-[A-Za-z0-9]{24,32}", s)
                or re.fullmatch(r"xapp-1-A[A-Z0-9]{10}-\d{13}-[0-9a-f]{64}", s)
                or re.fullmatch(r"https://hooks\.slack\.com/services/T[A-Z0-9]{8,10}/B[A-Z0-9]{8,10}/[A-Za-z0-9]{24}", s))


def stripe_ok(s):
    return bool(re.fullmatch(r"(sk|rk)_live_[A-Za-z0-9]{24,99}", str(s)))


def google_ok(s):
    return bool(re.fullmatch(r"AIza[A-Za-z0-9_\-]{35}", str(s))) and "XXXX" not in str(s)


MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(),
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre".split(),
    "nl": "januari februari maart april mei juni juli augustus september oktober november december".split(),
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro".split(),
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember".split(),
    "en": "January February March April May June July August September October November December".split(),
}
MONTH_LOOKUP = {}
for _names in MONTHS.values():
    for _i, _n in enumerate(_names):
        MONTH_LOOKUP[_n.lower()] = _i + 1
        MONTH_LOOKUP[_n.lower()[:3]] = _i + 1


def parse_date_any(s):
    """Parse the date formats this generator writes; returns a date or None."""
    s = str(s).strip()
    try:
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", s)
        if m:
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            try:
                return dt.date(y, b, a)
            except ValueError:
                return dt.date(y, a, b)  # US month/day
        m = re.fullmatch(r"(\d{1,2})\.? (?:de )?([^\W\d_]+)\.?,? (?:de )?(\d{4})", s)
        if m and m[2].lower() in MONTH_LOOKUP:
            return dt.date(int(m[3]), MONTH_LOOKUP[m[2].lower()], int(m[1]))
        m = re.fullmatch(r"([^\W\d_]+)\.? (\d{1,2}),? (\d{4})", s)
        if m and m[1].lower() in MONTH_LOOKUP:
            return dt.date(int(m[3]), MONTH_LOOKUP[m[1].lower()], int(m[2]))
    except ValueError:
        return None
    return None


def dob_ok(s):
    d = parse_date_any(s)
    return d is not None and 1925 <= d.year <= 2008


def recent_date_ok(s):
    d = parse_date_any(s)
    return d is not None and d.year >= 2015


def _num(s):
    return float(s.replace(",", "."))


def geo_ok(s):
    s = str(s)
    pairs = []
    for m in re.finditer(r"(-?\d{1,3}[.,]\d{3,})\s*[,; ]\s*(-?\d{1,3}[.,]\d{3,})", s):
        pairs.append((_num(m[1]), _num(m[2])))
    m = re.search(r"POINT\s*\((-?[\d.]+) (-?[\d.]+)\)", s)
    if m:
        pairs.append((float(m[2]), float(m[1])))
    m = re.findall(r"(\d{1,3})°\s*(\d{1,2})['′]\s*(?:([\d.]+)[\"″])?\s*([NSEW])", s)
    if len(m) == 2:
        pairs.append(tuple(int(d) + int(mi) / 60 + (float(se or 0) / 3600) for d, mi, se, _ in m))
    m = re.findall(r"(\d{1,3})°\s*([\d.]+)['′]\s*([NSEW])", s)
    if len(m) == 2:
        pairs.append(tuple(int(d) + float(mi) / 60 for d, mi, _ in m))
    m = re.search(r'"lat":\s*(-?[\d.]+),\s*"(?:lng|lon)":\s*(-?[\d.]+)', s)
    if m:
        pairs.append((float(m[1]), float(m[2])))
    m = re.search(r"lat=(-?[\d.]+)&(?:lon|lng)=(-?[\d.]+)", s)
    if m:
        pairs.append((float(m[1]), float(m[2])))
    return any(-90 <= a <= 90 and -180 <= b <= 180 for a, b in pairs)


VALIDATORS = {
    "card": card_ok, "luhn": luhn_ok, "iban": iban_ok, "nir": nir_ok, "dni": dni_ok, "cf": cf_ok,
    "bsn": bsn_ok, "nif_pt": nif_pt_ok, "nino": nino_ok, "steuer": steuer_ok, "ahv": ahv_ok,
    "ssn": ssn_ok, "jwt": jwt_ok, "github": github_ok, "eth": eth_ok, "btc": btc_ok,
    "wallet": wallet_ok, "ean13": ean13_ok, "isbn13": isbn13_ok, "imei": imei_ok, "mac": mac_ok,
    "ip": ip_ok, "ipv4": ipv4_ok, "email": email_ok, "pem": pem_ok, "pwurl": pwurl_ok,
    "aws_ak": aws_ak_ok, "aws_sk": aws_sk_ok, "gitlab": gitlab_ok, "slack": slack_ok,
    "stripe": stripe_ok, "google": google_ok, "dob": dob_ok, "recent_date": recent_date_ok,
    "geo": geo_ok,
}


def self_test():
    """Known-good vectors, so the checksum code itself is trusted."""
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert eip55("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed") == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert eip55("fb6916095ca1df60bb79ce92ce3ea74c37c5d359") == "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
    assert luhn_ok("4111111111111111") and card_ok("378282246310005") and not luhn_ok("4111111111111112")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and iban_ok("DE89370400440532013000")
    assert iban_ok("FR1420041010050500013M02606") and iban_ok("BE68539007547034")
    assert iban_ok("NL91ABNA0417164300") and iban_ok("ES9121000418450200051332")
    assert iban_ok("IT60X0542811101000000123456") and iban_ok("PT50000201231234567890154")
    assert iban_ok("CH9300762011623852957") and iban_ok("AT611904300234573201")
    assert dni_ok("12345678Z") and dni_ok("X1234567L") and not dni_ok("12345678A")
    assert cf_ok("RSSMRA85T10A562S") and not cf_ok("RSSMRA85T10A562T")
    assert bsn_ok("111222333") and not bsn_ok("111222334")
    assert nif_pt_ok("123456789") and not nif_pt_ok("123456788")
    assert nir_ok("2 55 08 14 168 025 38")
    assert steuer_ok("86095742719") and not steuer_ok("86095742718")
    assert ahv_ok("756.9217.0769.85")
    assert nino_ok("AB123456C") and not nino_ok("BG123456C") and not nino_ok("DA123456A")
    assert ssn_ok("123-45-6789") and not ssn_ok("666-12-3456") and not ssn_ok("900-12-3456")
    assert btc_ok("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2") and btc_ok("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")
    assert btc_ok("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
    assert btc_ok("bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297")
    assert not btc_ok("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3")
    assert ean13_ok("4006381333931") and isbn13_ok("978-3-16-148410-0")
    assert dob_ok("15 mars 1987") and dob_ok("March 15, 1987") and dob_ok("15.03.1987") and dob_ok("15 de marzo de 1987")
    assert geo_ok("48°51'24.0\"N 2°21'08.0\"E") and geo_ok("POINT(2.352222 48.856613)") and geo_ok("48,8566 ; 2,3522")


# =============================================================================================
# Value generators
# =============================================================================================


def rchars(rng, alphabet, n):
    return "".join(rng.choices(alphabet, k=n))


def rdigits(rng, n):
    return "".join(rng.choices(string.digits, k=n))


def ascii_fold(s):
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def group(s, n=4, sep=" "):
    return sep.join(s[i:i + n] for i in range(0, len(s), n))


# ---- cards ----
def gen_card(rng, brand=None, fmt=None):
    brand = brand or rng.choice(["visa", "visa", "visa", "mc", "mc", "mc2", "amex", "discover"])
    if brand == "visa":
        prefix, length = "4", 16
    elif brand == "mc":
        prefix, length = str(rng.randint(51, 55)), 16
    elif brand == "mc2":
        prefix, length = str(rng.randint(2221, 2720)), 16
    elif brand == "amex":
        prefix, length = rng.choice(["34", "37"]), 15
    else:
        prefix, length = rng.choice(["6011", "65", str(rng.randint(644, 649))]), 16
    body = prefix + rdigits(rng, length - 1 - len(prefix))
    num = body + luhn_check_digit(body)
    assert card_ok(num), num
    fmt = fmt or rng.choice(["plain", "space", "space", "dash"])
    if fmt == "plain":
        return num
    sep = " " if fmt == "space" else "-"
    if length == 15:
        return sep.join([num[:4], num[4:10], num[10:]])
    return group(num, 4, sep)


def gen_not_luhn(rng, n=16):
    """A reference number that looks like a card but FAILS Luhn."""
    body = rdigits(rng, n - 1)
    good = int(luhn_check_digit(body))
    bad = (good + rng.randint(1, 9)) % 10
    s = body + str(bad)
    assert not luhn_ok(s)
    return s


# ---- IBAN ----
def _fr_rib_key(bank, branch, account):
    return 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97


def _es_dc(ten):
    w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]
    d = 11 - sum(int(c) * x for c, x in zip(ten, w)) % 11
    return 0 if d == 11 else 1 if d == 10 else d


def gen_bban(rng, cc):
    if cc == "FR":
        bank, branch, acct = rdigits(rng, 5), rdigits(rng, 5), rdigits(rng, 11)
        return f"{bank}{branch}{acct}{_fr_rib_key(bank, branch, acct):02d}"
    if cc == "ES":
        bank, branch, acct = rng.choice(["2100", "0049", "0182", "0081", "2085", "0128"]), rdigits(rng, 4), rdigits(rng, 10)
        return f"{bank}{branch}{_es_dc('00' + bank + branch)}{_es_dc(acct)}{acct}"
    if cc == "IT":
        rest = rng.choice(["03069", "02008", "05034", "03111", "01030"]) + rdigits(rng, 5) + rdigits(rng, 12)
        return cf_check_char_any(rest) + rest
    if cc == "NL":
        while True:
            acct = rdigits(rng, 10)
            if sum(int(c) * w for c, w in zip(acct, range(10, 0, -1))) % 11 == 0 and acct[0] != "0":
                return rng.choice(["ABNA", "INGB", "RABO", "SNSB", "ASNB", "TRIO", "KNAB", "BUNQ"]) + acct
    if cc == "DE":
        return rng.choice(["37040044", "50010517", "10020890", "20041133", "70150000", "12030000"]) + rdigits(rng, 10)
    if cc == "PT":
        base = rng.choice(["0035", "0033", "0007", "0010", "0018", "0036"]) + rdigits(rng, 4) + rdigits(rng, 11)
        return base + f"{98 - int(base + '00') % 97:02d}"
    if cc == "BE":
        first = rdigits(rng, 10)
        chk = int(first) % 97 or 97
        return f"{first}{chk:02d}"
    if cc == "GB":
        return rng.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "NAIA"]) + rdigits(rng, 6) + rdigits(rng, 8)
    if cc == "AT":
        return rng.choice(["19043", "12000", "20111", "32000", "14000"]) + rdigits(rng, 11)
    if cc == "CH":
        return rng.choice(["00762", "00235", "08390", "00700", "80808"]) + rdigits(rng, 12)
    raise ValueError(cc)


def cf_check_char_any(s):
    """Italian CIN: same odd/even tables as the codice fiscale, over ABI+CAB+account."""
    return cf_check_char(s)


def gen_iban(rng, cc, fmt=None):
    iban = iban_from_bban(cc, gen_bban(rng, cc))
    assert iban_ok(iban) and len(iban) == IBAN_LEN[cc], iban
    fmt = fmt or rng.choice(["plain", "space", "space"])
    return group(iban) if fmt == "space" else iban


# ---- national ids ----
def gen_nir(rng, birth, sex):
    dept = rng.choice([f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B", "99"])
    commune = f"{rng.randint(1, 990):03d}"
    first13 = f"{1 if sex == 'M' else 2}{birth.year % 100:02d}{birth.month:02d}{dept}{commune}{rng.randint(1, 999):03d}"
    s = first13 + f"{nir_key(first13):02d}"
    assert nir_ok(s), s
    f = rng.random()
    if f < 0.5:
        return f"{s[0]} {s[1:3]} {s[3:5]} {s[5:7]} {s[7:10]} {s[10:13]} {s[13:]}"
    if f < 0.8:
        return s
    return f"{s[:13]} {s[13:]}"


def gen_dni(rng, nie=False):
    if nie:
        pre = rng.choice("XYZ")
        num = rdigits(rng, 7)
        s = f"{pre}{num}{DNI_LETTERS[int(str('XYZ'.index(pre)) + num) % 23]}"
        out = s if rng.random() < 0.8 else f"{pre}-{num}-{s[-1]}"
    else:
        num = f"{rng.randint(1000000, 79999999):08d}"
        s = num + DNI_LETTERS[int(num) % 23]
        r = rng.random()
        out = s if r < 0.6 else f"{num}-{s[-1]}" if r < 0.85 else f"{num[:2]}.{num[2:5]}.{num[5:]}-{s[-1]}"
    assert dni_ok(out), out
    return out


def _cf_part(word, is_name):
    w = re.sub(r"[^A-Z]", "", ascii_fold(word).upper())
    cons = [c for c in w if c not in "AEIOU"]
    vow = [c for c in w if c in "AEIOU"]
    if is_name and len(cons) >= 4:
        return cons[0] + cons[2] + cons[3]
    return ("".join(cons + vow) + "XXX")[:3]


COMUNI = ["H501", "F205", "F839", "L219", "G273", "A944", "D612", "L736", "D969", "A662", "C351", "L424", "E506"]


def gen_cf(rng, first, last, birth, sex):
    day = birth.day + (40 if sex == "F" else 0)
    comune = rng.choice(COMUNI) if rng.random() < 0.6 else rng.choice("ABCDEFGHLM") + f"{rng.randint(1, 999):03d}"
    s15 = f"{_cf_part(last, False)}{_cf_part(first, True)}{birth.year % 100:02d}{'ABCDEHLMPRST'[birth.month - 1]}{day:02d}{comune}"
    s = s15 + cf_check_char(s15)
    assert cf_ok(s), s
    return s if rng.random() < 0.9 else s.lower()


def gen_bsn(rng):
    while True:
        first8 = str(rng.randint(1, 6)) + rdigits(rng, 7)
        t = sum(int(c) * w for c, w in zip(first8, range(9, 1, -1)))
        last = t % 11
        if last <= 9:
            s = first8 + str(last)
            assert bsn_ok(s)
            return s if rng.random() < 0.75 else f"{s[:4]}.{s[4:6]}.{s[6:]}"


def gen_nif_pt(rng):
    first8 = rng.choice("123") + rdigits(rng, 7)
    s = first8 + str(nif_pt_check(first8))
    assert nif_pt_ok(s)
    return s if rng.random() < 0.7 else f"{s[:3]} {s[3:6]} {s[6:]}"


def gen_nino(rng):
    while True:
        a = rng.choice([c for c in string.ascii_uppercase if c not in NINO_BAD_FIRST])
        b = rng.choice([c for c in string.ascii_uppercase if c not in NINO_BAD_SECOND])
        if a + b not in NINO_BAD_PREFIX:
            break
    d = rdigits(rng, 6)
    suf = rng.choice("ABCD")
    s = f"{a}{b}{d}{suf}" if rng.random() < 0.5 else f"{a}{b} {d[:2]} {d[2:4]} {d[4:]} {suf}"
    assert nino_ok(s), s
    return s


def gen_steuer_id(rng):
    while True:
        digits = rng.sample(string.digits, 9)
        dup = rng.choice(digits)
        ten = digits + [dup]
        rng.shuffle(ten)
        if ten[0] == "0":
            continue
        s10 = "".join(ten)
        s = s10 + str(steuer_check(s10))
        if steuer_ok(s):
            return s if rng.random() < 0.6 else f"{s[:2]} {s[2:5]} {s[5:8]} {s[8:]}"


def gen_ahv(rng):
    first12 = "756" + rdigits(rng, 9)
    s = first12 + str(ean13_check(first12))
    out = f"{s[:3]}.{s[3:7]}.{s[7:11]}.{s[11:]}"
    assert ahv_ok(out)
    return out


def gen_ssn(rng):
    while True:
        a = rng.randint(1, 899)
        if a == 666:
            continue
        s = f"{a:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
        if ssn_ok(s):
            break
    r = rng.random()
    out = s if r < 0.7 else s.replace("-", "") if r < 0.9 else s.replace("-", " ")
    assert ssn_ok(out)
    return out


def gen_passport(rng, cc):
    if cc == "GB":
        return rdigits(rng, 9)
    if cc == "FR":
        return rdigits(rng, 2) + rchars(rng, string.ascii_uppercase, 2) + rdigits(rng, 5)
    if cc == "IT":
        return rchars(rng, string.ascii_uppercase, 2) + rdigits(rng, 7)
    if cc == "ES":
        return rchars(rng, string.ascii_uppercase, 3) + rdigits(rng, 6)
    if cc == "NL":
        al = "ABCDEFGHIJKLMNPQRSTUVWXYZ0123456789"
        return rchars(rng, "ABCDEFGHIJKLMNPRSTUVWXYZ", 2) + rchars(rng, al, 6) + rdigits(rng, 1)
    raise ValueError(cc)


# ---- secrets ----
def gen_aws_ak(rng):
    s = rng.choice(["AKIA", "AKIA", "AKIA", "ASIA"]) + rchars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
    assert aws_ak_ok(s)
    return s


def gen_aws_sk(rng):
    while True:
        s = rchars(rng, B64, 40)
        if aws_sk_ok(s):
            return s


def gen_github(rng, kind=None):
    kind = kind or rng.choice(["ghp", "ghp", "ghp", "gho", "ghu", "ghs", "ghr", "pat"])
    if kind == "pat":
        s = "github_pat_" + rchars(rng, ALNUM, 22) + "_" + rchars(rng, ALNUM, 59)
    else:
        rand = rchars(rng, ALNUM, 30)
        s = f"{kind}_{rand}{b62(zlib.crc32(rand.encode())).rjust(6, '0')}"
    assert github_ok(s), s
    return s


def gen_gitlab(rng, kind=None):
    kind = kind or rng.choice(["glpat", "glpat", "glpat", "glrt"])
    s = f"{kind}-" + rchars(rng, ALNUM + "_-", 20)
    assert gitlab_ok(s)
    return s


def gen_slack(rng, kind=None):
    kind = kind or rng.choice(["xoxb", "xoxb", "xoxp", "xapp", "hook"])
    if kind == "xoxb":
        s = f"xoxb-{rdigits(rng, 12)}-{rdigits(rng, 13)}-{rchars(rng, ALNUM, 24)}"
    elif kind == "xoxp":
        s = f"xoxp-{rdigits(rng, 12)}-{rdigits(rng, 12)}-{rdigits(rng, 13)}-{rchars(rng, HEX, 32)}"
    elif kind == "xapp":
        s = f"xapp-1-A{rchars(rng, UPPER_NUM, 10)}-{rdigits(rng, 13)}-{rchars(rng, HEX, 64)}"
    else:
        s = f"https://hooks.slack.com/services/T{rchars(rng, UPPER_NUM, 8)}/B{rchars(rng, UPPER_NUM, 10)}/{rchars(rng, ALNUM, 24)}"
    assert slack_ok(s), s
    return s


def gen_stripe(rng):
    pre = rng.choice(["sk_live_", "sk_live_", "rk_live_"])
    s = pre + (rchars(rng, ALNUM, 24) if rng.random() < 0.4 else "51" + rchars(rng, ALNUM, 97))
    assert stripe_ok(s)
    return s


def gen_google(rng):
    s = "AIzaSy" + rchars(rng, ALNUM + "_-", 33) if rng.random() < 0.85 else "AIza" + rchars(rng, ALNUM + "_-", 35)
    assert google_ok(s)
    return s


def gen_jwt(rng, iss="https://auth.example.org"):
    alg = rng.choice(["HS256", "RS256", "RS256", "ES256", "PS256", "HS512"])
    header = {"alg": alg, "typ": "JWT"}
    if alg != "HS256" and rng.random() < 0.7:
        header["kid"] = rchars(rng, ALNUM, 16)
    iat = rng.randint(1_600_000_000, 1_760_000_000)
    payload = {"sub": str(rng.randint(10_000, 9_999_999)), "iat": iat, "exp": iat + rng.choice([900, 3600, 86400])}
    if rng.random() < 0.5:
        payload["iss"] = iss
    if rng.random() < 0.4:
        payload["scope"] = rng.choice(["read", "read write", "admin", "openid profile"])
    siglen = {"HS256": 32, "HS512": 64, "ES256": 64}.get(alg, 256)

    def enc(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

    tok = ".".join([enc(json.dumps(header, separators=(",", ":")).encode()),
                    enc(json.dumps(payload, separators=(",", ":")).encode()),
                    enc(rng.getrandbits(8 * siglen).to_bytes(siglen, "big"))])
    assert jwt_ok(tok)
    return tok


DER_PREFIX = {
    "RSA PRIVATE KEY": bytes.fromhex("308204a40201000282010100"),
    "EC PRIVATE KEY": bytes.fromhex("307702010104"),
    "PRIVATE KEY": bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7"),
    "OPENSSH PRIVATE KEY": b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none",
    "ENCRYPTED PRIVATE KEY": bytes.fromhex("30820526305006092a864886f70d01050d"),
}
DER_LEN = {"RSA PRIVATE KEY": 1190, "EC PRIVATE KEY": 121, "PRIVATE KEY": 1218,
           "OPENSSH PRIVATE KEY": 400, "ENCRYPTED PRIVATE KEY": 1322}


def gen_pem(rng, kind=None, escaped=False):
    kind = kind or rng.choice(["RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"])
    raw = DER_PREFIX[kind] + rng.getrandbits(8 * DER_LEN[kind]).to_bytes(DER_LEN[kind], "big")
    body = base64.b64encode(raw).decode()
    width = 70 if kind == "OPENSSH PRIVATE KEY" else 64
    lines = [body[i:i + width] for i in range(0, len(body), width)]
    nl = "\\n" if escaped else "\n"
    s = nl.join([f"-----BEGIN {kind}-----", *lines, f"-----END {kind}-----"])
    assert pem_ok(s)
    return s


PUB_DER_PREFIX = {"PUBLIC KEY": bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100"),
                  "CERTIFICATE": bytes.fromhex("308203"), "RSA PUBLIC KEY": bytes.fromhex("3082010a0282010100")}


def gen_public_pem(rng):
    """Public keys and certificates: PEM-armoured but not secret (hard negative)."""
    kind = rng.choice(["PUBLIC KEY", "CERTIFICATE", "CERTIFICATE", "RSA PUBLIC KEY"])
    n = {"PUBLIC KEY": 262, "CERTIFICATE": 900, "RSA PUBLIC KEY": 261}[kind]
    body = base64.b64encode(PUB_DER_PREFIX[kind] + rng.getrandbits(8 * n).to_bytes(n, "big")).decode()
    return "\n".join([f"-----BEGIN {kind}-----", *[body[i:i + 64] for i in range(0, len(body), 64)], f"-----END {kind}-----"])


def gen_siret(rng):
    """French SIRET (14 digits, Luhn-valid by construction) -- a company id, not a card."""
    body = rng.choice("124578") + rdigits(rng, 12)
    s = body + luhn_check_digit(body)
    assert luhn_ok(s) and not card_ok(s)
    return s if rng.random() < 0.6 else f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}"


def gen_rf_reference(rng):
    """ISO 11649 creditor reference (RF + mod-97 check digits) or Belgian OGM: payment references, not IBANs."""
    if rng.random() < 0.5:
        ref = rchars(rng, UPPER_NUM, rng.randint(8, 16))
        check = 98 - int(_alnum_to_num(ref + "RF00")) % 97
        s = f"RF{check:02d}{ref}"
        assert int(_alnum_to_num(s[4:] + s[:4])) % 97 == 1 and not iban_ok(s)
        return group(s) if rng.random() < 0.5 else s
    base = rdigits(rng, 10)
    chk = int(base) % 97 or 97
    d = f"{base}{chk:02d}"
    return f"+++{d[:3]}/{d[3:7]}/{d[7:]}+++"


def gen_not(rng, make, *validators):
    """A value from make() that fails every given validator (a look-alike that is not the real thing)."""
    while True:
        v = make()
        if not any(VALIDATORS[x](v) for x in validators):
            return v


def gen_ssh_pub(rng):
    """An OpenSSH public key line (not secret)."""
    if rng.random() < 0.6:
        blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + rng.getrandbits(256).to_bytes(32, "big")
        kind = "ssh-ed25519"
    else:
        blob = b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01\x00\x00\x01\x01\x00" + rng.getrandbits(2048).to_bytes(256, "big")
        kind = "ssh-rsa"
    return f"{kind} {base64.b64encode(blob).decode()} {rng.choice(['deploy', 'ci', 'ops'])}@{rng.choice(['build01', 'bastion'])}"


def gen_password(rng):
    if rng.random() < 0.2:
        return rng.choice(["Summer", "Winter", "Sonne", "Primavera", "Bonjour", "Welkom"]) + str(rng.randint(2015, 2025)) + rng.choice("!#$")
    return rchars(rng, ALNUM + "!#%*_-", rng.randint(12, 24))


def url_quote(s):
    return "".join(c if c.isalnum() or c in "_-." else "%%%02X" % ord(c) for c in s)


def gen_pwurl(rng, hosts=("db.internal", "10.20.3.14", "pg-prod-02.acme.lan", "cluster0.x1y2z.mongodb.net")):
    scheme = rng.choice(["postgres", "postgresql", "mysql", "mongodb+srv", "redis", "amqp", "https", "sftp", "mssql"])
    user = rng.choice(["app", "svc_etl", "reporting", "admin", "root", "airflow", "deploy"])
    pw = url_quote(gen_password(rng))
    host = rng.choice(hosts)
    if scheme == "redis":
        s = f"redis://:{pw}@{host}:6379/{rng.randint(0, 15)}"
    elif scheme == "https":
        s = f"https://{user}:{pw}@{rng.choice(['nexus', 'artifactory', 'git'])}.acme.lan/{rng.choice(['repo/', 'api/v2/', 'simple/'])}"
    elif scheme == "amqp":
        s = f"amqp://{user}:{pw}@{host}:5672/%2F"
    elif scheme == "mongodb+srv":
        s = f"mongodb+srv://{user}:{pw}@{host}/{rng.choice(['users', 'events'])}?retryWrites=true&w=majority"
    else:
        port = {"postgres": 5432, "postgresql": 5432, "mysql": 3306, "sftp": 22, "mssql": 1433}[scheme]
        s = f"{scheme}://{user}:{pw}@{host}:{port}/{rng.choice(['app', 'warehouse', 'orders', 'billing'])}"
    assert pwurl_ok(s), s
    return s


def gen_generic_key(rng, n=None):
    return rchars(rng, ALNUM, n or rng.choice([32, 32, 36, 48]))


# ---- wallets ----
def gen_eth(rng):
    body = rchars(rng, HEX, 40)
    s = eip55(body) if rng.random() < 0.75 else "0x" + body
    assert eth_ok(s)
    return s


def gen_btc(rng, kind=None):
    kind = kind or rng.choice(["p2pkh", "p2sh", "wpkh", "wpkh", "tr"])
    if kind in ("p2pkh", "p2sh"):
        payload = bytes([0 if kind == "p2pkh" else 5]) + rng.getrandbits(160).to_bytes(20, "big")
        s = b58encode(payload + sha256d(payload)[:4])
    elif kind == "wpkh":
        s = segwit_encode("bc", 0, list(rng.getrandbits(160).to_bytes(20, "big")))
    else:
        s = segwit_encode("bc", 1, list(rng.getrandbits(256).to_bytes(32, "big")))
    assert btc_ok(s), s
    return s


# ---- network ----
OUIS = ["00:1A:2B", "3C:5A:B4", "F0:9F:C2", "00:50:56", "B8:27:EB", "DC:A6:32", "00:1B:63", "AC:DE:48", "00:0C:29", "E4:5F:01"]


def gen_mac(rng, fmt=None):
    octs = rng.choice(OUIS).split(":") + [f"{rng.randint(0, 255):02X}" for _ in range(3)]
    fmt = fmt or rng.choice(["colon", "colon", "colon_lower", "dash", "cisco", "plain"])
    if fmt == "colon":
        s = ":".join(octs)
    elif fmt == "colon_lower":
        s = ":".join(octs).lower()
    elif fmt == "dash":
        s = "-".join(octs)
    elif fmt == "cisco":
        h = "".join(octs).lower()
        s = f"{h[:4]}.{h[4:8]}.{h[8:]}"
    else:
        s = "".join(octs)
    assert mac_ok(s)
    return s


def gen_ipv4(rng, private_share=0.3):
    if rng.random() < private_share:
        p = rng.choice(["10", "192.168", "172"])
        if p == "10":
            return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        if p == "192.168":
            return f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        return f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    while True:
        a = rng.randint(1, 223)
        if a not in (10, 127, 172, 192):
            return f"{a}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def gen_ipv6(rng):
    import ipaddress
    v = ipaddress.IPv6Address((0x2001 << 112) | rng.getrandbits(112)) if rng.random() < 0.6 else \
        ipaddress.IPv6Address((0x2A02 << 112) | (rng.getrandbits(48) << 64) | rng.getrandbits(16))
    s = v.compressed if rng.random() < 0.8 else v.exploded
    assert ip_ok(s)
    return s


def gen_ip(rng, v6_share=0.25):
    return gen_ipv6(rng) if rng.random() < v6_share else gen_ipv4(rng)


# ---- geo ----
def dms(v, pos, neg, rng, sec=True):
    h = pos if v >= 0 else neg
    v = abs(v)
    d = int(v)
    m = (v - d) * 60
    if sec:
        mi = int(m)
        return f"{d}°{mi:02d}'{(m - mi) * 60:04.1f}\"{h}"
    return f"{d}° {m:.3f}' {h}"


def gen_geo(rng, box, fmt=None):
    prec = rng.choice([4, 5, 6, 6])
    lat = round(rng.uniform(box[0], box[1]), prec)
    lon = round(rng.uniform(box[2], box[3]), prec)
    fmt = fmt or rng.choice(["dec", "dec", "dms", "ddm", "point", "geo", "comma", "json", "maps"])
    la, lo = f"{lat:.{prec}f}", f"{lon:.{prec}f}"
    if fmt == "dec":
        s = f"{la}, {lo}"
    elif fmt == "dms":
        s = f"{dms(lat, 'N', 'S', rng)} {dms(lon, 'E', 'W', rng)}"
    elif fmt == "ddm":
        s = f"{dms(lat, 'N', 'S', rng, False)}, {dms(lon, 'E', 'W', rng, False)}"
    elif fmt == "point":
        s = f"POINT({lo} {la})"
    elif fmt == "geo":
        s = f"geo:{la},{lo}"
    elif fmt == "comma":
        s = f"{la.replace('.', ',')} ; {lo.replace('.', ',')}"
    elif fmt == "json":
        s = json.dumps({"lat": lat, "lng": lon})
    else:
        s = f"https://maps.example.com/?lat={la}&lon={lo}&z=17"
    assert geo_ok(s), s
    return s


# ---- dates ----
def rand_date(rng, y0, y1):
    start = dt.date(y0, 1, 1)
    return start + dt.timedelta(days=rng.randint(0, (dt.date(y1, 12, 31) - start).days))


def rand_ts(rng, y0=2019, y1=2025):
    return dt.datetime(y0, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=rng.randint(0, (y1 - y0 + 1) * 365 * 86400 - 1))


def fmt_date(rng, d, lang, styles):
    style = rng.choice(styles)
    if style == "dmy/":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style == "dmy.":
        return f"{d.day:02d}.{d.month:02d}.{d.year}"
    if style == "dmy-":
        return f"{d.day:02d}-{d.month:02d}-{d.year}"
    if style == "mdy/":
        return f"{d.month:02d}/{d.day:02d}/{d.year}"
    if style == "iso":
        return d.isoformat()
    if style == "long":
        mon = MONTHS[lang][d.month - 1]
        if lang in ("es", "pt"):
            return f"{d.day} de {mon} de {d.year}"
        if lang == "de":
            return f"{d.day}. {mon} {d.year}"
        return f"{d.day} {mon} {d.year}"
    if style == "us_long":
        return f"{MONTHS['en'][d.month - 1]} {d.day}, {d.year}"
    if style == "short_en":
        return f"{d.day:02d} {MONTHS['en'][d.month - 1][:3]} {d.year}"
    raise ValueError(style)


def gen_dob(rng, lang, styles):
    s = fmt_date(rng, rand_date(rng, 1938, 2005), lang, styles)
    assert dob_ok(s), s
    return s


def gen_recent_date(rng, lang, styles, y0=2018, y1=2025):
    s = fmt_date(rng, rand_date(rng, y0, y1), lang, styles)
    assert recent_date_ok(s), s
    return s


def iso_ts(rng, y0=2019, y1=2025):
    t = rand_ts(rng, y0, y1)
    r = rng.random()
    if r < 0.4:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if r < 0.7:
        return t.strftime("%Y-%m-%d %H:%M:%S")
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randint(0, 999):03d}+00:00"


# ---- hard negatives ----
def gen_uuid(rng, style=None):
    u = uuid.UUID(int=rng.getrandbits(128), version=4)
    style = style or rng.choice(["lower", "lower", "upper", "nodash", "nodash_upper"])
    s = str(u)
    return {"lower": s, "upper": s.upper(), "nodash": u.hex, "nodash_upper": u.hex.upper()}[style]


def gen_hash(rng, kind):
    n = {"md5": 16, "sha1": 20, "sha256": 32}[kind]
    return rng.getrandbits(8 * n).to_bytes(n, "big").hex()


def gen_git(rng):
    h = gen_hash(rng, "sha1")
    return h if rng.random() < 0.5 else h[:rng.choice([7, 7, 8, 10, 12])]


def gen_ean13(rng):
    first = rng.choice(["590", "800", "803", "840", "870", "560", "760", "300"]) + rdigits(rng, 9)
    s = first + str(ean13_check(first))
    assert ean13_ok(s)
    return s


def gen_isbn13(rng):
    first = "978" + rng.choice(["2", "84", "88", "90", "972", "3", "0", "1"])
    first += rdigits(rng, 12 - len(first))
    s = first + str(ean13_check(first))
    assert isbn13_ok(s)
    if rng.random() < 0.5:
        return f"{s[:3]}-{s[3]}-{s[4:8]}-{s[8:12]}-{s[12]}"
    return s


def gen_imei(rng):
    body = rng.choice(["35", "35", "86", "01", "99"]) + rdigits(rng, 12)
    s = body + luhn_check_digit(body)
    assert imei_ok(s) and not card_ok(s)
    return s


def gen_semver(rng):
    return f"{rng.randint(0, 12)}.{rng.randint(0, 30)}.{rng.randint(0, 60)}"


def gen_bad_octet_version(rng):
    """Four dotted numbers where at least one part is > 255: never an IPv4 address."""
    parts = [rng.randint(1, 20), rng.randint(0, 9), rng.randint(0, 40), rng.randint(256, 9999)]
    if rng.random() < 0.3:
        parts = [rng.randint(256, 999), rng.randint(0, 9), rng.randint(0, 9), rng.randint(0, 9999)]
    s = ".".join(map(str, parts))
    assert not ipv4_ok(s)
    return s


def gen_price(rng, lang):
    v = rng.uniform(0.5, 2500) if rng.random() < 0.3 else rng.uniform(0.5, 180)
    if lang in ("fr", "es", "it", "pt", "nl", "de"):
        s = f"{v:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
        return rng.choice([f"{s} €", f"€ {s}", f"{s} EUR", s])
    return rng.choice([f"£{v:,.2f}", f"${v:,.2f}", f"{v:.2f} USD"])


def gen_hex_color(rng):
    c = f"#{rng.getrandbits(24):06x}"
    return c if rng.random() < 0.7 else c.upper()


def gen_b64_blob(rng):
    n = rng.choice([12, 16, 18, 24, 33, 48, 64, 96])
    s = base64.b64encode(rng.getrandbits(8 * n).to_bytes(n, "big")).decode()
    assert len(s) != 40
    return s


def gen_tracking(rng, carrier=None):
    carrier = carrier or rng.choice(["ups", "colissimo", "correios", "postnl", "dhl", "gls"])
    if carrier == "ups":
        return "1Z" + rchars(rng, UPPER_NUM, 6) + rdigits(rng, 10)
    if carrier == "colissimo":
        return rng.choice(["6A", "8R", "5S"]) + rdigits(rng, 11)
    if carrier == "correios":
        return rchars(rng, string.ascii_uppercase, 2) + rdigits(rng, 9) + "BR"
    if carrier == "postnl":
        return "3S" + rchars(rng, string.ascii_uppercase, 4) + rdigits(rng, 7)
    if carrier == "dhl":
        return rdigits(rng, 10)
    return rdigits(rng, 11)


def gen_sku(rng):
    r = rng.random()
    if r < 0.4:
        return f"SKU-{rchars(rng, UPPER_NUM, 4)}-{rdigits(rng, 4)}"
    if r < 0.7:
        return f"{rchars(rng, string.ascii_uppercase, 2)}-{rdigits(rng, 5)}-{rng.choice(['NER', 'BLA', 'ROS', 'BLU', 'VER'])}-{rng.choice(['S', 'M', 'L', 'XL', '42', '44'])}"
    return f"{rdigits(rng, 3)}.{rdigits(rng, 3)}.{rdigits(rng, 2)}"


PLACEHOLDERS = [
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "xoxb-your-token-here",
    "YOUR_API_KEY", "<YOUR_API_KEY>", "changeme", "${API_TOKEN}", "{{ secrets.STRIPE_KEY }}",
    "postgres://user:<password>@db.example.com:5432/app", "mysql://root:${MYSQL_ROOT_PASSWORD}@mysql:3306/app",
    "redis://:${REDIS_PASSWORD}@redis:6379/0", "https://user:****@nexus.example.com/repo/",
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
    "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----", "<insert token>", "TODO", "REDACTED",
    "sk_live_...", "glpat-XXXXXXXXXXXXXXXXXXXX", "xoxp-XXXXXXXX", "password", "********", "null",
]


def gen_placeholder(rng):
    r = rng.random()
    if r < 0.15:
        # Stripe's own documentation key. A random sk_test_ key is no placeholder: test-mode
        # keys are reported since issue 15 (secret.stripe_key.test). The draw is kept so the
        # rest of the corpus stays byte-identical.
        rchars(rng, ALNUM, 24)
        return "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
    if r < 0.22:
        return "pk_test_" + rchars(rng, ALNUM, 24)
    return rng.choice(PLACEHOLDERS)


LOREM = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore "
         "magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea commodo "
         "consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla pariatur").split()


def gen_lorem(rng):
    words = [rng.choice(LOREM) for _ in range(rng.randint(5, 18))]
    return " ".join(words).capitalize() + "."


# =============================================================================================
# Locale pools (Faker is used for names, addresses, phones and filler text only)
# =============================================================================================

LOC_LANG = {"fr_FR": "fr", "es_ES": "es", "it_IT": "it", "nl_NL": "nl", "nl_BE": "nl", "fr_BE": "fr",
            "pt_PT": "pt", "pt_BR": "pt", "en_GB": "en", "de_AT": "de", "de_CH": "de", "en_US": "en"}
MAIL_DOMAINS = {
    "fr_FR": ["orange.fr", "free.fr", "laposte.net", "gmail.com", "sfr.fr", "wanadoo.fr", "hotmail.fr"],
    "es_ES": ["gmail.com", "hotmail.es", "yahoo.es", "telefonica.net", "outlook.es"],
    "it_IT": ["libero.it", "virgilio.it", "tiscali.it", "gmail.com", "alice.it"],
    "nl_NL": ["ziggo.nl", "kpnmail.nl", "hotmail.nl", "gmail.com", "xs4all.nl"],
    "nl_BE": ["telenet.be", "skynet.be", "gmail.com", "proximus.be"],
    "fr_BE": ["skynet.be", "voo.be", "gmail.com"],
    "pt_PT": ["sapo.pt", "gmail.com", "hotmail.com", "clix.pt"],
    "pt_BR": ["uol.com.br", "bol.com.br", "gmail.com", "terra.com.br", "ig.com.br"],
    "en_GB": ["btinternet.com", "gmail.com", "outlook.com", "sky.com", "yahoo.co.uk"],
    "de_AT": ["gmx.at", "aon.at", "chello.at", "gmail.com"],
    "de_CH": ["bluewin.ch", "gmx.ch", "sunrise.ch", "gmail.com"],
    "en_US": ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com"],
}


class Loc:
    def __init__(self, code, seed):
        self.code = code
        self.lang = LOC_LANG[code]
        f = Faker(code)
        for prov in f.get_providers():
            # some locales (it_IT) build their city list from a set: order depends on PYTHONHASHSEED
            if isinstance(getattr(prov, "cities", None), list):
                prov.cities = sorted(prov.cities)
        f.seed_instance(zlib.crc32(f"{seed}:{code}".encode()))
        self.f = f
        self.firsts_m = [f.first_name_male() for _ in range(300)]
        self.firsts_f = [f.first_name_female() for _ in range(300)]
        self.lasts = [f.last_name() for _ in range(600)]
        self.full = [f.name() for _ in range(400)]
        self.addresses = [f.address() for _ in range(900)]
        self.streets = [f.street_address() for _ in range(500)]
        self.phones = [f.phone_number() for _ in range(900)]
        self.cities = sorted({f.city() for _ in range(250)})
        self.companies = [f.company() for _ in range(250)]
        self.jobs = [f.job() for _ in range(150)]
        self.sentences = [f.sentence(nb_words=rng_words) for rng_words in [6, 8, 10, 12, 14] * 120]
        self.paragraphs = [f.paragraph(nb_sentences=3) for _ in range(150)]

    def person(self, rng):
        sex = rng.choice("MF")
        first = rng.choice(self.firsts_m if sex == "M" else self.firsts_f)
        return first, rng.choice(self.lasts), sex

    def name(self, rng, first=None, last=None):
        if first is None:
            if rng.random() < 0.2:
                return rng.choice(self.full)
            first, last, _ = self.person(rng)
        r = rng.random()
        if r < 0.65:
            return f"{first} {last}"
        if r < 0.8:
            return f"{last.upper()} {first}" if self.lang in ("fr", "it") else f"{last}, {first}"
        if r < 0.9:
            return f"{first} {last}".upper()
        return f"{first[0]}. {last}"

    def email(self, rng, first=None, last=None):
        if first is None:
            first, last, _ = self.person(rng)
        a = re.sub(r"[^a-z]", "", ascii_fold(first).lower()) or "x"
        b = re.sub(r"[^a-z]", "", ascii_fold(last).lower()) or "y"
        dom = rng.choice(MAIL_DOMAINS[self.code])
        r = rng.random()
        local = (f"{a}.{b}" if r < 0.4 else f"{a[0]}{b}" if r < 0.6 else f"{b}{rng.randint(1, 99)}" if r < 0.75
                 else f"{a}_{b}{rng.randint(50, 99)}" if r < 0.9 else f"{a}.{b}+{rng.choice(['news', 'shop', 'promo'])}")
        s = f"{local}@{dom}"
        if rng.random() < 0.05:
            s = s.upper()
        assert email_ok(s)
        return s

    def address(self, rng, newline_share=0.4):
        a = rng.choice(self.addresses)
        if rng.random() >= newline_share:
            a = a.replace("\n", ", ")
        return a

    def phone(self, rng):
        return rng.choice(self.phones) if rng.random() < 0.5 else self.mobile(rng)

    def mobile(self, rng):
        d = rdigits
        c = self.code
        r = rng.random()
        if c == "fr_FR":
            n = rng.choice("67") + d(rng, 8)
            return f"0{n[0]} {group(n[1:], 2)}" if r < 0.5 else f"+33 {n[0]} {group(n[1:], 2)}" if r < 0.8 else f"0{n}"
        if c == "es_ES":
            n = rng.choice("67") + d(rng, 8)
            return f"+34 {n[:3]} {n[3:5]} {n[5:7]} {n[7:]}" if r < 0.5 else n if r < 0.8 else f"{n[:3]} {n[3:6]} {n[6:]}"
        if c == "it_IT":
            n = "3" + rng.choice("2345789") + d(rng, 8)
            return f"+39 {n[:3]} {n[3:]}" if r < 0.5 else f"{n[:3]} {n[3:6]} {n[6:]}" if r < 0.8 else n
        if c in ("nl_NL",):
            n = "6" + d(rng, 8)
            return f"06-{n[1:]}" if r < 0.4 else f"+31 6 {n[1:3]} {n[3:5]} {n[5:7]} {n[7:]}" if r < 0.8 else f"0031{n}"
        if c in ("nl_BE", "fr_BE"):
            n = "4" + rng.choice("5789") + d(rng, 7)
            return f"+32 {n[:3]} {n[3:5]} {n[5:7]} {n[7:]}" if r < 0.6 else f"0{n[:3]}/{n[3:5]}.{n[5:7]}.{n[7:]}"
        if c == "pt_PT":
            n = "9" + rng.choice("1236") + d(rng, 7)
            return f"+351 {n[:3]} {n[3:6]} {n[6:]}" if r < 0.6 else n
        if c == "pt_BR":
            ddd = rng.choice(["11", "21", "31", "41", "51", "61", "71", "81"])
            n = "9" + d(rng, 8)
            return f"({ddd}) {n[:5]}-{n[5:]}" if r < 0.6 else f"+55 {ddd} {n[:5]}-{n[5:]}"
        if c == "en_GB":
            n = "7" + rng.choice("3456789") + d(rng, 8)
            return f"0{n[:4]} {n[4:]}" if r < 0.5 else f"+44 {n[:4]} {n[4:]}" if r < 0.8 else f"0{n}"
        if c == "de_AT":
            n = "6" + rng.choice(["64", "60", "76", "99", "50"]) + d(rng, 7)
            return f"+43 {n[:3]} {n[3:]}" if r < 0.5 else f"0{n[:3]} {n[3:]}" if r < 0.8 else f"0{n[:3]}/{n[3:]}"
        if c == "de_CH":
            n = "7" + rng.choice("5689") + d(rng, 7)
            return f"+41 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}" if r < 0.6 else f"0{n[:2]} {n[2:5]} {n[5:7]} {n[7:]}"
        n = str(rng.randint(201, 989)) + str(rng.randint(200, 999)) + d(rng, 4)
        return f"({n[:3]}) {n[3:6]}-{n[6:]}" if r < 0.4 else f"+1 {n[:3]}-{n[3:6]}-{n[6:]}" if r < 0.7 else f"{n[:3]}.{n[3:6]}.{n[6:]}"


# Clean filler sentences per language: realistic operational text with numbers/dates that are NOT PII.
CLEAN_TEMPLATES = {
    "fr": ["Patient revu en consultation, traitement inchangé.", "Renouvellement d'ordonnance pour {n} mois.",
           "Rendez-vous reporté au {d}.", "Tension artérielle {n}/8, contrôle dans {n} semaines.",
           "Commande n° {ref} livrée le {d}.", "Colis déposé au point relais, créneau 14h-16h.",
           "Dossier transmis au service facturation (lot {ref}).", "Allergie à la pénicilline signalée.",
           "Le client souhaite être livré avant midi, code porte {n}B.", "Remboursement de {amt} € validé le {d}."],
    "es": ["Cliente satisfecho con el servicio.", "Pedido {ref} enviado el {d}.", "Llamar de nuevo la semana que viene.",
           "Factura {ref} pagada, importe {amt} €.", "Sin incidencias en la entrega.", "Cambio de tarifa aplicado el {d}."],
    "it": ["Cliente da ricontattare per il rinnovo.", "Fattura {ref} saldata il {d}.", "Consegna prevista entro {n} giorni.",
           "Pagamento di {amt} € ricevuto.", "Nessuna anomalia riscontrata.", "Pratica chiusa, rif. {ref}."],
    "nl": ["Lid heeft contributie voldaan.", "Factuur {ref} betaald op {d}.", "Geen bijzonderheden.",
           "Pakket afgeleverd bij de buren, nr. {n}.", "Herinnering verstuurd op {d}."],
    "pt": ["Pagamento recebido em {d}.", "Cliente pediu segunda via da fatura {ref}.", "Sem observações.",
           "Encomenda {ref} entregue com sucesso.", "Transferência de {amt} € confirmada.", "Ligar de volta na próxima semana."],
    "de": ["Rückfrage zur Abrechnung, Vorgang {ref}.", "Urlaubsantrag für {n} Tage genehmigt.", "Keine Auffälligkeiten.",
           "Schulung am {d} absolviert.", "Reisekosten über {amt} € eingereicht.", "Homeoffice an {n} Tagen pro Woche."],
    "en": ["Customer called about a late delivery, order {ref}.", "Refund of £{amt} issued on {d}.",
           "Caller asked to update marketing preferences.", "No further action needed.",
           "Escalated to tier 2, ticket {ref}.", "Line dropped after {n} minutes, called back."],
}

# Contamination sentences per language: {v} is the sensitive value.
DIRTY_TEMPLATES = {
    ("fr", "email"): ["Nouvelle adresse e-mail du patient : {v}", "Merci d'envoyer le compte rendu à {v} avant vendredi.",
                      "Le patient préfère être contacté par courriel ({v})."],
    ("fr", "phone"): ["Rappeler la cliente au {v} après 18h.", "Joignable au {v} pour fixer le créneau."],
    ("it", "phone"): ["Richiamare il cliente al {v} in mattinata.", "Referente amministrativo raggiungibile al {v}."],
    ("pt", "phone"): ["Cliente pediu para ligar para {v} antes das 17h.", "Contacto alternativo: {v}"],
    ("de", "iban"): ["Gehalt ab sofort bitte auf {v} überweisen.", "Neue Bankverbindung: {v}, gültig ab nächstem Monat."],
    ("en", "card"): ["Customer read out card number {v} to pay the balance.", "Caller gave the card {v} again, advised not to."],
    ("en", "name"): ["Caller identified herself as {v} and asked about the invoice.", "Spoke to {v}, the account holder."],
    ("en", "ssn"): ["Verified identity with SSN {v}.", "Customer provided social security number {v} for the credit check."],
    ("nl", "iban"): ["Graag terugstorten op {v} t.n.v. het lid.", "Nieuw rekeningnummer doorgegeven: {v}"],
    ("es", "email"): ["Enviar la factura a {v}, por favor.", "El cliente pide respuesta en {v}"],
    ("pt", "wallet"): ["Reembolso para a carteira {v}", "Enviar o troco para {v} por favor."],
}


# =============================================================================================
# Table model
# =============================================================================================


class Col:
    def __init__(self, name, values, labels=(), kind="str", check=None, neg=None, needles=None, sub=None):
        self.name = name
        self.values = values
        self.labels = sorted(set(labels))
        self.kind = kind          # str | lstr | dict | int | float | bool | date | ts | list | obj
        self.check = check        # validator name, or {dotted path: validator} for obj columns
        self.neg = neg            # validator that every non-null value must FAIL
        self.needles = needles or []  # [(value, validator or None)] injected into free text
        self.sub = sub or {}      # obj columns: {dotted path: labels}


class Table:
    def __init__(self, name, fmt, cols, locale, row_group_size=None, bom=False, crlf=False):
        self.name, self.fmt, self.cols, self.locale = name, fmt, cols, locale
        self.row_group_size, self.bom, self.crlf = row_group_size, bom, crlf
        n = {len(c.values) for c in cols}
        assert len(n) == 1, (name, [(c.name, len(c.values)) for c in cols])
        self.rows = n.pop()
        assert 5 <= len(cols) <= 12, (name, len(cols))
        assert 2000 <= self.rows <= 8000, (name, self.rows)

    @property
    def file(self):
        return f"{self.name}.{self.fmt}"


def column(rng, n, fn, null=0.0, empty=0.0):
    out = []
    for _ in range(n):
        r = rng.random()
        if r < null:
            out.append(None)
        elif r < null + empty:
            out.append("")
        else:
            out.append(fn())
    return out


def fill_text(rng, loc, n, null=0.03, faker_share=0.4):
    lang = loc.lang
    tpl = CLEAN_TEMPLATES[lang]

    def one():
        if rng.random() < faker_share:
            return rng.choice(loc.sentences)
        t = rng.choice(tpl)
        return t.format(n=rng.randint(2, 14), d=fmt_date(rng, rand_date(rng, 2021, 2025), lang, ["dmy/", "iso"]),
                        ref=f"{rng.randint(2021, 2025)}-{rng.randint(1000, 99999)}",
                        amt=f"{rng.uniform(5, 900):.2f}".replace(".", "," if lang != "en" else "."))
    return column(rng, n, one, null=null)


def contaminate(rng, values, items, per=(100, 200)):
    """Replace ~1 row in per[0]..per[1] with a sentence carrying a sensitive value.

    items: list of (lang_kind_key, value_fn, validator). Returns needles [(value, validator)]."""
    n = len(values)
    k = max(8, n // rng.randint(*per))
    idx = sorted(rng.sample(range(n), k))
    needles = []
    for j, i in enumerate(idx):
        key, fn, validator = items[j % len(items)]
        v = fn()
        sent = rng.choice(DIRTY_TEMPLATES[key]).format(v=v)
        if values[i] and rng.random() < 0.5:
            sent = f"{values[i]} {sent}"
        values[i] = sent
        needles.append((v, validator))
    return needles


def inject(rng, values, items, per=(100, 200)):
    """Like contaminate, but the item function builds the whole cell (for logs)."""
    n = len(values)
    k = max(8, n // rng.randint(*per))
    idx = sorted(rng.sample(range(n), k))
    needles = []
    for j, i in enumerate(idx):
        fn, validator = items[j % len(items)]
        cell, v = fn()
        values[i] = cell
        needles.append((v, validator))
    return needles


# =============================================================================================
# Tables
# =============================================================================================

BOX = {"FR": (43.3, 50.9, -1.5, 7.5), "IT": (37.5, 46.4, 7.5, 17.9), "BR": (-30.0, -3.0, -60.0, -35.5)}
DOB_STYLES = {"fr": ["dmy/", "dmy/", "long", "iso"], "es": ["dmy/", "long", "dmy-"], "it": ["dmy/", "long"],
              "nl": ["dmy-", "dmy-", "long", "iso"], "pt": ["dmy/", "dmy/", "long"], "de": ["dmy.", "dmy.", "long"],
              "en_GB": ["dmy/", "long", "short_en"], "en_US": ["mdy/", "us_long", "iso"]}


def t_patients_fr(rng, L):
    loc = L["fr_FR"]
    n = 6000
    people = [loc.person(rng) for _ in range(n)]
    births = [rand_date(rng, 1938, 2005) for _ in range(n)]
    obs = fill_text(rng, loc, n, faker_share=0.3)
    needles = contaminate(rng, obs, [(("fr", "email"), lambda: loc.email(rng), "email")], per=(120, 180))
    return Table("patients_fr", "csv", [
        Col("dossier", [gen_uuid(rng, "nodash_upper") for _ in range(n)]),
        Col("nom", [loc.name(rng, f, l) if rng.random() > 0.02 else None for f, l, _ in people], ["pii.person_name"]),
        Col("nir", [gen_nir(rng, b, s) for b, (_, _, s) in zip(births, people)], ["pii.national_id"], check="nir"),
        Col("date_naissance", [fmt_date(rng, b, "fr", DOB_STYLES["fr"]) for b in births], ["pii.date_of_birth"], check="dob"),
        Col("adresse", column(rng, n, lambda: loc.address(rng, 0.5), null=0.03), ["pii.street_address"]),
        Col("c8", column(rng, n, lambda: loc.phone(rng), null=0.05), ["pii.phone_number"]),
        Col("mutuelle", column(rng, n, lambda: rng.choice(loc.companies), null=0.1)),
        Col("observations", obs, ["pii.email"], needles=needles),
        Col("admis_le", [iso_ts(rng, 2021, 2025) for _ in range(n)]),
        Col("c3", [gen_hash(rng, "md5") for _ in range(n)]),
        Col("passeport", column(rng, n, lambda: gen_passport(rng, "FR"), null=0.6), ["pii.passport_number"]),
    ], "fr_FR", crlf=True)


def t_clientes_es(rng, L):
    loc = L["es_ES"]
    n = 5000
    people = [loc.person(rng) for _ in range(n)]
    return Table("clientes_es", "parquet", [
        Col("id_cliente", list(range(100001, 100001 + n)), kind="int"),
        Col("nombre_completo", [loc.name(rng, f, l) for f, l, _ in people], ["pii.person_name"]),
        Col("f2", [gen_dni(rng, nie=rng.random() < 0.3) for _ in range(n)], ["pii.national_id"], check="dni"),
        Col("correo", [loc.email(rng, f, l) if rng.random() > 0.04 else None for f, l, _ in people], ["pii.email"], check="email"),
        Col("movil", column(rng, n, lambda: loc.phone(rng), null=0.03), ["pii.phone_number"]),
        Col("email", [gen_uuid(rng, "lower") for _ in range(n)]),  # misleading name: UUIDs only
        Col("provincia", [rng.choice(loc.cities[:40]) for _ in range(n)], kind="dict"),
        Col("attr_7", [gen_ean13(rng) for _ in range(n)], check="ean13"),
        Col("alta", [gen_recent_date(rng, "es", ["iso", "dmy/"]) for _ in range(n)]),
        Col("cuenta", column(rng, n, lambda: gen_iban(rng, "ES"), null=0.08), ["pii.iban"], check="iban"),
        Col("fecha_nac", column(rng, n, lambda: gen_dob(rng, "es", DOB_STYLES["es"]), null=0.1), ["pii.date_of_birth"], check="dob"),
    ], "es_ES", row_group_size=1000)


def t_fatture_it(rng, L):
    loc = L["it_IT"]
    n = 4000
    note = fill_text(rng, loc, n, null=0.2)
    needles = contaminate(rng, note, [(("it", "phone"), lambda: loc.mobile(rng), None)], per=(110, 160))
    people = [loc.person(rng) for _ in range(n)]
    cfs = [gen_cf(rng, f, l, rand_date(rng, 1940, 2004), s) for f, l, s in people]
    return Table("fatture_it", "parquet", [
        Col("numero_fattura", [f"FT-{rng.randint(2021, 2025)}/{i:06d}" for i in range(1, n + 1)]),
        Col("campo_4", cfs, ["pii.national_id"], check="cf"),
        Col("ragione_sociale", [rng.choice(loc.companies) for _ in range(n)]),
        Col("importo", [gen_price(rng, "it") for _ in range(n)]),
        Col("iban_pagamento", column(rng, n, lambda: gen_iban(rng, "IT", "plain"), null=0.05), ["pii.iban"], check="iban"),
        Col("indirizzo_fatturazione", [loc.address(rng, 0.0) for _ in range(n)], ["pii.street_address"]),
        Col("c5", [gen_hash(rng, "sha1") for _ in range(n)]),
        Col("note", note, ["pii.phone_number"], needles=needles),
        Col("emessa_il", [rand_date(rng, 2021, 2025) for _ in range(n)], kind="date"),
        Col("referente", [loc.name(rng, f, l) for f, l, _ in people], ["pii.person_name"]),
        Col("passaporto", column(rng, n, lambda: gen_passport(rng, "IT"), null=0.5), ["pii.passport_number"]),
    ], "it_IT")


def t_leden_nl(rng, L):
    loc = L["nl_NL"]
    n = 4000
    rows_contact, rows_adres = [], []
    for _ in range(n):
        f, l, _ = loc.person(rng)
        c = {"email": loc.email(rng, f, l)}
        if rng.random() < 0.8:
            c["telefoon"] = loc.phone(rng)
        if rng.random() < 0.3:
            c["voorkeur"] = rng.choice(["email", "sms", "post"])
        rows_contact.append(c)
        street = rng.choice(loc.streets)
        rows_adres.append({"straat": street, "postcode": f"{rng.randint(1000, 9999)} {rchars(rng, 'ABCDEFGHJKLMNPRSTVWXZ', 2)}",
                           "plaats": rng.choice(loc.cities)})
    return Table("leden_nl", "ndjson", [
        Col("lid_id", list(range(5001, 5001 + n)), kind="int"),
        Col("naam", [loc.name(rng) for _ in range(n)], ["pii.person_name"]),
        Col("kenmerk", [gen_bsn(rng) for _ in range(n)], ["pii.national_id"], check="bsn"),
        Col("contact", rows_contact, ["pii.email", "pii.phone_number"], kind="obj", check={"email": "email"},
            sub={"contact.email": ["pii.email"], "contact.telefoon": ["pii.phone_number"], "contact.voorkeur": []}),
        Col("adres", rows_adres, ["pii.street_address"], kind="obj",
            sub={"adres.straat": ["pii.street_address"], "adres.postcode": [], "adres.plaats": []}),
        Col("val", column(rng, n, lambda: gen_dob(rng, "nl", DOB_STYLES["nl"]), null=0.05), ["pii.date_of_birth"], check="dob"),
        Col("lidmaatschap", [rng.choice(["basis", "plus", "premium", "jeugd", "senior"]) for _ in range(n)]),
        Col("payload", [gen_b64_blob(rng) for _ in range(n)]),
        Col("ingeschreven_op", [iso_ts(rng, 2015, 2025) for _ in range(n)]),
        Col("klantnummer", [gen_not(rng, lambda: str(rng.randint(10**8, 10**9 - 1)), "bsn") for _ in range(n)], neg="bsn"),
        Col("document_nr", column(rng, n, lambda: gen_passport(rng, "NL"), null=0.4), ["pii.passport_number"]),
    ], "nl_NL")


def t_contribuintes_pt(rng, L):
    loc = L["pt_PT"]
    n = 3000
    return Table("contribuintes_pt", "csv", [
        Col("nif", [gen_nif_pt(rng) for _ in range(n)], ["pii.national_id"], check="nif_pt"),
        Col("nome", [loc.name(rng) for _ in range(n)], ["pii.person_name"]),
        Col("morada", [loc.address(rng, 0.3) for _ in range(n)], ["pii.street_address"]),
        Col("telemovel", column(rng, n, lambda: loc.mobile(rng), null=0.05), ["pii.phone_number"]),
        Col("data_nascimento", [gen_dob(rng, "pt", DOB_STYLES["pt"]) for _ in range(n)], ["pii.date_of_birth"], check="dob"),
        Col("iban", column(rng, n, lambda: gen_iban(rng, "PT"), null=0.1), ["pii.iban"], check="iban"),
        Col("referencia_mb", [f"{rng.choice('1345678')}{rdigits(rng, 2)} {rdigits(rng, 3)} {rdigits(rng, 3)}" for _ in range(n)]),
        Col("attr_2", [gen_hash(rng, "sha256") for _ in range(n)]),
        Col("observacoes", fill_text(rng, loc, n, null=0.3, faker_share=0.2)),
        Col("codigo_postal", [f"{rng.randint(1000, 9999)}-{rng.randint(1, 999):03d}" for _ in range(n)]),
    ], "pt_PT", bom=True)


def t_pedidos_br(rng, L):
    loc = L["pt_BR"]
    n = 6000
    clientes, cartoes, geo = [], [], []
    for _ in range(n):
        f, l, _ = loc.person(rng)
        clientes.append({"nome": loc.name(rng, f, l), "email": loc.email(rng, f, l), "vip": rng.random() < 0.1})
        num = gen_card(rng, fmt="dash")
        brand = {"4": "visa", "3": "amex", "6": "discover"}.get(num[0], "mastercard")
        cartoes.append({"numero": num, "validade": f"{rng.randint(1, 12):02d}/{rng.randint(26, 31)}",
                        "bandeira": brand, "parcelas": rng.randint(1, 12)} if rng.random() < 0.85 else None)
        lat, lon = round(rng.uniform(-30, -3), 6), round(rng.uniform(-60, -35.5), 6)
        geo.append({"lat": lat, "lng": lon, "precisao_m": rng.randint(3, 60)})
    return Table("pedidos_br", "ndjson", [
        Col("pedido", [f"PED-{rng.randint(2022, 2025)}-{i:07d}" for i in range(1, n + 1)]),
        Col("cliente", clientes, ["pii.email", "pii.person_name"], kind="obj", check={"email": "email"},
            sub={"cliente.nome": ["pii.person_name"], "cliente.email": ["pii.email"], "cliente.vip": []}),
        Col("cartao", cartoes, ["pii.credit_card"], kind="obj", check={"numero": "card"},
            sub={"cartao.numero": ["pii.credit_card"], "cartao.validade": [], "cartao.bandeira": [], "cartao.parcelas": []}),
        Col("phone", [f"{rng.randint(2022, 2025)}-{rng.randint(0, 9999999):07d}" if rng.random() < 0.7 else f"#{rng.randint(100000, 999999)}"
                      for _ in range(n)]),  # misleading name: order numbers
        Col("valor", [round(rng.uniform(9.9, 2500), 2) for _ in range(n)], kind="float"),
        Col("rastreio", column(rng, n, lambda: gen_tracking(rng, "correios"), null=0.2)),
        Col("ip_cliente", [gen_ip(rng) for _ in range(n)], ["pii.ip_address"], check="ip"),
        Col("entrega_geo", geo, ["pii.geo_coordinates"], kind="obj",
            sub={"entrega_geo.lat": ["pii.geo_coordinates"], "entrega_geo.lng": ["pii.geo_coordinates"], "entrega_geo.precisao_m": []}),
        Col("user_agent", [loc.f.user_agent() for _ in range(n)]),
        Col("sessao", column(rng, n, lambda: gen_jwt(rng, "https://login.loja.com.br"), null=0.3), ["secret.jwt"], check="jwt"),
        Col("criado_em", [iso_ts(rng) for _ in range(n)]),
    ], "pt_BR")


def t_hr_staff_gb(rng, L):
    loc = L["en_GB"]
    n = 3500
    return Table("hr_staff_gb", "parquet", [
        Col("employee_no", [f"E{i:06d}" for i in range(4001, 4001 + n)]),
        Col("full_name", [loc.name(rng) for _ in range(n)], ["pii.person_name"]),
        Col("ref_b", [gen_nino(rng) for _ in range(n)], ["pii.national_id"], check="nino"),
        Col("passport_no", column(rng, n, lambda: gen_passport(rng, "GB"), null=0.3), ["pii.passport_number"]),
        Col("dob", [gen_dob(rng, "en", DOB_STYLES["en_GB"]) for _ in range(n)], ["pii.date_of_birth"], check="dob"),
        Col("home_address", [loc.address(rng, 0.6) for _ in range(n)], ["pii.street_address"]),
        Col("mobile", column(rng, n, lambda: loc.mobile(rng), null=0.05), ["pii.phone_number"]),
        Col("job_title", [rng.choice(loc.jobs[:60]) for _ in range(n)], kind="dict"),
        Col("start_date", [rand_date(rng, 2010, 2025) for _ in range(n)], kind="date"),
        Col("sort_code", [f"{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}" for _ in range(n)]),
        Col("salary", [rng.randrange(21000, 140000, 500) for _ in range(n)], kind="int"),
        Col("dob_verified_at", [rand_ts(rng, 2020, 2025) for _ in range(n)], kind="ts"),  # misleading name: timestamps
    ], "en_GB")


def t_mitarbeiter_at(rng, L):
    loc = L["de_AT"]
    n = 2500
    notiz = fill_text(rng, loc, n, null=0.25)
    needles = contaminate(rng, notiz, [(("de", "iban"), lambda: gen_iban(rng, rng.choice(["AT", "DE"]), "space"), "iban")], per=(100, 140))
    return Table("mitarbeiter_at", "csv", [
        Col("personalnummer", [f"{rng.randint(10000, 99999)}" for _ in range(n)]),
        Col("name", [loc.name(rng) for _ in range(n)], ["pii.person_name"]),
        Col("geburtsdatum", [gen_dob(rng, "de", DOB_STYLES["de"]) for _ in range(n)], ["pii.date_of_birth"], check="dob"),
        Col("feld_3", [loc.address(rng, 0.5) for _ in range(n)], ["pii.street_address"]),
        Col("telefon", column(rng, n, lambda: loc.phone(rng), null=0.1), ["pii.phone_number"]),
        Col("bankverbindung", [gen_iban(rng, "AT") for _ in range(n)], ["pii.iban"], check="iban"),
        Col("abteilung", [rng.choice(["Vertrieb", "Einkauf", "IT", "Buchhaltung", "Logistik", "Personal"]) for _ in range(n)]),
        Col("eintritt", [gen_recent_date(rng, "de", ["dmy."], 2015, 2025) for _ in range(n)], check="recent_date"),
        Col("notiz", notiz, ["pii.iban"], needles=needles),
        Col("vertragsnr", [gen_not(rng, lambda: str(rng.randint(10**10, 10**11 - 1)), "steuer") for _ in range(n)], neg="steuer"),
    ], "de_AT")


def t_grenzgaenger_ch(rng, L):
    loc = L["de_CH"]
    n = 3000
    return Table("grenzgaenger_ch", "parquet", [
        Col("kunden_nr", [f"CH-{rng.randint(100000, 999999)}" for _ in range(n)]),
        Col("name", [loc.name(rng) for _ in range(n)], ["pii.person_name"]),
        Col("c7", [gen_steuer_id(rng) for _ in range(n)], ["pii.national_id"], check="steuer"),
        Col("ahv_nr", column(rng, n, lambda: gen_ahv(rng), null=0.15), ["pii.national_id"], check="ahv"),
        Col("iban", [gen_iban(rng, "CH") for _ in range(n)], ["pii.iban"], check="iban"),
        Col("zeile_2", [loc.address(rng, 0.3) for _ in range(n)], ["pii.street_address"]),
        Col("telefon", column(rng, n, lambda: loc.phone(rng), null=0.05), ["pii.phone_number"]),
        Col("kanton", [rng.choice(["ZH", "BE", "LU", "BS", "BL", "AG", "SG", "TG", "SH", "GR"]) for _ in range(n)], kind="dict"),
        Col("gueltig_bis", [gen_recent_date(rng, "de", ["dmy."], 2025, 2030) for _ in range(n)]),
        Col("x9", [f"{rng.uniform(0, 45):.1f} %".replace(".", ",") for _ in range(n)]),
        Col("geboren", [rand_date(rng, 1945, 2004) for _ in range(n)], ["pii.date_of_birth"], kind="date"),
    ], "de_CH")


def t_service_configs_us(rng, L):
    loc = L["en_US"]
    n = 2000
    aws, gh, stripe, ph, db, internal, gcp, tls = [], [], [], [], [], [], [], []
    for _ in range(n):
        aws.append({"access_key_id": gen_aws_ak(rng), "secret_access_key": gen_aws_sk(rng),
                    "region": rng.choice(["us-east-1", "us-west-2", "eu-west-1"])} if rng.random() < 0.7 else None)
        gh.append({"token": gen_github(rng), "org": rng.choice(["acme", "acme-labs", "acme-data"])} if rng.random() < 0.6 else None)
        stripe.append({"secret_key": gen_stripe(rng), "webhook_path": "/hooks/stripe"} if rng.random() < 0.5 else None)
        ph.append({"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                   "stripe": gen_placeholder(rng), "slack": "xoxb-your-token-here", "api_key": rng.choice(["YOUR_API_KEY", "<YOUR_API_KEY>", "${API_KEY}"]),
                   "db_password": rng.choice(["${DB_PASSWORD}", "changeme", "<password>", "********"])})
        db.append({"url": gen_pwurl(rng), "pool": rng.randint(2, 50)} if rng.random() < 0.5 else
                  {"url": rng.choice(["postgres://db.internal:5432/app", "mysql://mysql.acme.lan:3306/orders"]), "pool": rng.randint(2, 50)})
        internal.append({"api_key": gen_generic_key(rng), "base_url": "https://api.internal.acme.io/v2"} if rng.random() < 0.6 else None)
        gcp.append({"api_key": gen_google(rng), "project": rng.choice(["acme-prod", "acme-analytics"])} if rng.random() < 0.4 else None)
        tls.append({"key": gen_pem(rng, escaped=rng.random() < 0.3), "cert_path": "/etc/ssl/certs/app.pem"} if rng.random() < 0.25 else None)
    checks_db = [v["url"] for v in db if "@" in v["url"]]
    assert all(pwurl_ok(u) for u in checks_db)
    return Table("service_configs_us", "ndjson", [
        Col("service", [rng.choice(["billing", "search", "etl", "ingest", "notifier", "auth"]) + f"-{rng.randint(1, 40)}" for _ in range(n)]),
        Col("aws", aws, ["secret.aws_access_key", "secret.aws_secret_key"], kind="obj",
            check={"access_key_id": "aws_ak", "secret_access_key": "aws_sk"},
            sub={"aws.access_key_id": ["secret.aws_access_key"], "aws.secret_access_key": ["secret.aws_secret_key"], "aws.region": []}),
        Col("github", gh, ["secret.github_token"], kind="obj", check={"token": "github"}, sub={"github.token": ["secret.github_token"], "github.org": []}),
        Col("stripe", stripe, ["secret.stripe_key"], kind="obj", check={"secret_key": "stripe"},
            sub={"stripe.secret_key": ["secret.stripe_key"], "stripe.webhook_path": []}),
        Col("defaults", ph, [], kind="obj", sub={f"defaults.{k}": [] for k in ph[0]}),  # documented placeholders only
        Col("database", db, ["secret.password_in_url"], kind="obj", sub={"database.url": ["secret.password_in_url"], "database.pool": []}),
        Col("internal", internal, ["secret.generic_api_key"], kind="obj",
            sub={"internal.api_key": ["secret.generic_api_key"], "internal.base_url": []}),
        Col("gcp", gcp, ["secret.google_api_key"], kind="obj", check={"api_key": "google"},
            sub={"gcp.api_key": ["secret.google_api_key"], "gcp.project": []}),
        Col("tls", tls, ["secret.private_key"], kind="obj", check={"key": "pem"}, sub={"tls.key": ["secret.private_key"], "tls.cert_path": []}),
        Col("owner", [loc.email(rng) for _ in range(n)], ["pii.email"], check="email"),
        Col("checksum", [gen_hash(rng, "sha256") for _ in range(n)]),
        Col("updated_at", [iso_ts(rng) for _ in range(n)]),
    ], "en_US")


def t_ci_builds_nl(rng, L):
    n = 3000
    repos = ["acme/web", "acme/api", "acme/etl", "acme/infra", "acme/mobile"]
    clean_lines = [
        lambda: f"Step {rng.randint(1, 12)}/12 : RUN cargo build --release",
        lambda: f"Downloading artifact sha256:{gen_hash(rng, 'sha256')}",
        lambda: f"   Compiling serde v1.0.{rng.randint(100, 220)}",
        lambda: f"HEAD is now at {gen_git(rng)[:7]} Merge pull request #{rng.randint(100, 9999)}",
        lambda: f"test result: ok. {rng.randint(10, 900)} passed; 0 failed; finished in {rng.uniform(0.1, 60):.2f}s",
        lambda: f"Pulling image registry.acme.io/{rng.choice(repos).split('/')[1]}@sha256:{gen_hash(rng, 'sha256')}",
        lambda: "export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE  # docs example",
        lambda: f"Using cache key {rng.choice(['cargo', 'npm', 'pip'])}-{gen_hash(rng, 'md5')}",
        lambda: f"added {rng.randint(50, 900)} packages in {rng.randint(3, 60)}s",
        lambda: "git clone https://github.com/acme/web.git --depth 1",
    ]

    def log_clean():
        return "\n".join(rng.choice(clean_lines)() for _ in range(rng.randint(1, 4)))

    logs = [log_clean() for _ in range(n)]

    def dirty_gh():
        t = gen_github(rng, rng.choice(["ghs", "pat", "ghp"]))
        return f"{log_clean()}\n+ git remote set-url origin https://x-access-token:{t}@github.com/acme/web.git", t

    def dirty_gl():
        t = gen_gitlab(rng, "glpat")
        return f"{log_clean()}\n$ echo \"GITLAB_TOKEN={t}\" >> .env", t

    def dirty_aws():
        a, s = gen_aws_ak(rng), gen_aws_sk(rng)
        return f"+ export AWS_ACCESS_KEY_ID={a}\n+ export AWS_SECRET_ACCESS_KEY={s}\n{log_clean()}", a + "|" + s

    def dirty_pem():
        k = gen_pem(rng, rng.choice(["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY"]))
        return f"$ cat deploy_key\n{k}\n{log_clean()}", k

    def dirty_slack():
        h = gen_slack(rng, "hook")
        return f"{log_clean()}\n+ curl -s -X POST -d '{{\"text\":\"build failed\"}}' {h}", h

    needles = inject(rng, logs, [(dirty_gh, "github"), (dirty_gl, "gitlab"), (dirty_aws, "aws_pair"), (dirty_pem, "pem"),
                                 (dirty_slack, "slack")], per=(40, 60))
    return Table("ci_builds_nl", "parquet", [
        Col("build_id", list(range(70001, 70001 + n)), kind="int"),
        Col("repo", [rng.choice(repos) for _ in range(n)], kind="dict"),
        Col("commit", [gen_git(rng) for _ in range(n)]),
        Col("branch", [rng.choice(["main", "develop", f"feature/ABC-{rng.randint(1, 999)}", f"release/{gen_semver(rng)}"]) for _ in range(n)]),
        Col("log", logs, ["secret.aws_access_key", "secret.aws_secret_key", "secret.github_token", "secret.gitlab_token",
                          "secret.password_in_url", "secret.private_key", "secret.slack_token"],
            kind="lstr", needles=needles),
        Col("attr_3", column(rng, n, lambda: gen_gitlab(rng), null=0.1), ["secret.gitlab_token"], check="gitlab"),
        Col("image_digest", [f"sha256:{gen_hash(rng, 'sha256')}" for _ in range(n)]),
        Col("version", [gen_semver(rng) for _ in range(n)]),
        Col("duration_s", [round(rng.uniform(5, 3600), 1) for _ in range(n)], kind="float"),
        Col("status", [rng.choice(["success", "failed", "canceled", "running"]) for _ in range(n)], kind="dict"),
        Col("artifact", [f"s3://acme-ci-artifacts/{rng.choice(repos)}/{gen_git(rng)[:7]}/bundle.tar.gz" for _ in range(n)]),
    ], "nl_NL", row_group_size=500)


def t_webhooks_es(rng, L):
    loc = L["es_ES"]
    n = 2500
    desc = fill_text(rng, loc, n, null=0.1, faker_share=0.6)
    for i in range(0, n, 7):  # embedded commas and newlines in quoted CSV fields
        if desc[i]:
            desc[i] = desc[i] + "\nRevisado, sin cambios."
    return Table("webhooks_es", "csv", [
        Col("id", [str(i) for i in range(1, n + 1)]),
        Col("canal", [rng.choice(["#alertas", "#ventas", "#soporte", "#devops", "#pagos"]) for _ in range(n)]),
        Col("destino", [gen_slack(rng, "hook") for _ in range(n)], ["secret.slack_token"], check="slack"),
        Col("token_bot", column(rng, n, lambda: gen_slack(rng, rng.choice(["xoxb", "xoxp", "xapp"])), null=0.2), ["secret.slack_token"], check="slack"),
        Col("clave_pago", column(rng, n, lambda: gen_stripe(rng), null=0.3), ["secret.stripe_key"], check="stripe"),
        Col("maps_key", column(rng, n, lambda: gen_google(rng), null=0.2), ["secret.google_api_key"], check="google"),
        Col("s3_key", column(rng, n, lambda: gen_aws_ak(rng), null=0.3), ["secret.aws_access_key"], check="aws_ak"),
        Col("ejemplo", [gen_placeholder(rng) for _ in range(n)]),  # documented placeholders
        Col("creado", [iso_ts(rng) for _ in range(n)]),
        Col("descripcion", desc),
        Col("firma", [gen_hash(rng, "sha256") for _ in range(n)]),
    ], "es_ES")


def t_network_inventory_it(rng, L):
    loc = L["it_IT"]
    n = 5000
    return Table("network_inventory_it", "parquet", [
        Col("asset_tag", [f"IT-{rng.randint(0, 99999):05d}" for _ in range(n)]),
        Col("hostname", [f"{rng.choice(['sw', 'ap', 'fw', 'rtr'])}-{rng.choice(['mi', 'rm', 'to', 'na'])}-{rng.randint(1, 99):02d}.rete.local" for _ in range(n)]),
        Col("hw", [gen_mac(rng) for _ in range(n)], ["pii.mac_address"], check="mac"),
        Col("bssid", column(rng, n, lambda: gen_mac(rng, rng.choice(["cisco", "plain", "dash"])), null=0.4), ["pii.mac_address"], check="mac"),
        Col("ip_mgmt", [gen_ip(rng, 0.3) for _ in range(n)], ["pii.ip_address"], check="ip"),
        Col("firmware", [gen_bad_octet_version(rng) for _ in range(n)], neg="ipv4"),
        Col("os_version", [f"{rng.randint(12, 17)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 30)}" for _ in range(n)]),
        Col("imei", column(rng, n, lambda: gen_imei(rng), null=0.5), check="imei", neg="card"),
        Col("posizione", column(rng, n, lambda: gen_geo(rng, BOX["IT"]), null=0.1), ["pii.geo_coordinates"], check="geo"),
        Col("colore_led", [gen_hex_color(rng) for _ in range(n)]),
        Col("sede", [rng.choice(loc.cities[:25]) for _ in range(n)], kind="dict"),
        Col("uptime_pct", [f"{rng.uniform(95, 100):.2f}%" for _ in range(n)]),
    ], "it_IT")


def t_wallets_pt(rng, L):
    loc = L["pt_PT"]
    n = 3000
    memo = fill_text(rng, loc, n, null=0.3, faker_share=0.3)
    needles = contaminate(rng, memo, [(("pt", "phone"), lambda: loc.mobile(rng), None),
                                      (("pt", "wallet"), lambda: gen_btc(rng, "wpkh") if rng.random() < 0.5 else gen_eth(rng), "wallet")],
                          per=(70, 90))
    return Table("wallets_pt", "ndjson", [
        Col("conta", [gen_uuid(rng, "lower") for _ in range(n)]),
        Col("wallet_id", [gen_uuid(rng, "nodash") for _ in range(n)]),  # misleading name: internal UUIDs
        Col("de", [gen_eth(rng) for _ in range(n)], ["pii.crypto_wallet"], check="eth"),
        Col("para", [gen_btc(rng) for _ in range(n)], ["pii.crypto_wallet"], check="btc"),
        Col("tx_hash", [f"0x{gen_hash(rng, 'sha256')}" for _ in range(n)]),
        Col("bloco", [rng.randint(17_000_000, 21_000_000) for _ in range(n)], kind="int"),
        Col("amount", [rng.randint(100_000_000, 999_999_999) for _ in range(n)], kind="int"),
        Col("taxa", [round(rng.uniform(0.0001, 0.02), 6) for _ in range(n)], kind="float"),
        Col("memo", memo, ["pii.crypto_wallet", "pii.phone_number"], needles=needles),
        Col("meta", [{"client": rng.choice(["metamask", "ledger-live", "electrum"]), "nonce": rng.randint(0, 5000),
                      "sig": gen_hash(rng, "sha256")} for _ in range(n)], kind="obj",
            sub={"meta.client": [], "meta.nonce": [], "meta.sig": []}),
    ], "pt_PT")


def t_livraisons_fr(rng, L):
    loc = L["fr_FR"]
    n = 5000
    instr = fill_text(rng, loc, n, null=0.35, faker_share=0.2)
    needles = contaminate(rng, instr, [(("fr", "phone"), lambda: loc.mobile(rng), None)], per=(130, 190))
    return Table("livraisons_fr", "parquet", [
        Col("livraison_id", [gen_uuid(rng) for _ in range(n)]),
        Col("point_relais", [gen_geo(rng, BOX["FR"]) for _ in range(n)], ["pii.geo_coordinates"], check="geo"),
        Col("champ_5", [loc.name(rng) for _ in range(n)], ["pii.person_name"]),
        Col("adresse_livraison", [loc.address(rng, 0.2) for _ in range(n)], ["pii.street_address"]),
        Col("colis", [gen_tracking(rng, "colissimo") for _ in range(n)]),
        Col("montant_ht", [round(rng.uniform(1, 89.99), 2) for _ in range(n)], kind="float"),  # latitude-like prices
        Col("taux", [round(rng.uniform(-5, 60), 4) for _ in range(n)], kind="float"),
        Col("poids_kg", [round(rng.uniform(0.1, 30), 3) for _ in range(n)], kind="float"),
        Col("creneau", [rng.choice(["08:00-10:00", "10:00-12:00", "14:00-16:00", "16:00-18:00"]) for _ in range(n)], kind="dict"),
        Col("instructions", instr, ["pii.phone_number"], needles=needles),
        Col("maps_token", column(rng, n, lambda: gen_google(rng), null=0.5), ["secret.google_api_key"], check="google"),
        Col("siret_transporteur", [gen_siret(rng) for _ in range(n)], neg="card"),  # Luhn-valid, not a card
    ], "fr_FR")


def t_sessions_us(rng, L):
    loc = L["en_US"]
    n = 6000
    notes = fill_text(rng, loc, n, null=0.4)
    needles = contaminate(rng, notes, [(("en", "ssn"), lambda: gen_ssn(rng), "ssn")], per=(120, 170))
    return Table("sessions_us", "parquet", [
        Col("session_id", [gen_uuid(rng) for _ in range(n)]),
        Col("c12", column(rng, n, lambda: gen_ssn(rng), null=0.05), ["pii.us_ssn"], check="ssn"),
        Col("id_token", [gen_jwt(rng) for _ in range(n)], ["secret.jwt"], check="jwt"),
        Col("auth_header", column(rng, n, lambda: "Bearer " + gen_jwt(rng, "urn:acme:gateway"), null=0.2), ["secret.jwt"], check="jwt"),
        Col("alias_emails", [[loc.email(rng) for _ in range(rng.randint(0, 3))] for _ in range(n)], ["pii.email"], kind="list", check="email"),
        Col("tags", [rng.sample(["beta", "mobile", "vip", "churn-risk", "trial", "eu", "legacy"], rng.randint(0, 3)) for _ in range(n)], kind="list"),
        Col("client_ip", [gen_ip(rng) for _ in range(n)], ["pii.ip_address"], check="ip"),
        Col("user_agent", [loc.f.user_agent() for _ in range(n)]),
        Col("birthdate", column(rng, n, lambda: gen_dob(rng, "en", DOB_STYLES["en_US"]), null=0.2), ["pii.date_of_birth"], check="dob"),
        Col("notes", notes, ["pii.us_ssn"], needles=needles),
        Col("ssn_hash", [gen_hash(rng, "sha256") for _ in range(n)]),  # misleading name: digests
        Col("created_at", [rand_ts(rng) for _ in range(n)], kind="ts"),
    ], "en_US", row_group_size=2000)


def t_call_center_gb(rng, L):
    loc = L["en_GB"]
    n = 4000
    tr = fill_text(rng, loc, n, null=0.05, faker_share=0.5)
    needles = contaminate(rng, tr, [(("en", "card"), lambda: gen_card(rng), "card"),
                                    (("en", "name"), lambda: loc.name(rng), None)], per=(90, 120))

    def int_phone():
        return int("447" + rng.choice("3456789") + rdigits(rng, 8)) if rng.random() < 0.7 else int("44" + rng.choice(["20", "161", "121", "131"]) + rdigits(rng, 7))
    return Table("call_center_gb", "parquet", [
        Col("call_id", [gen_uuid(rng, "nodash") for _ in range(n)]),
        Col("ani", column(rng, n, int_phone, null=0.05), ["pii.phone_number"], kind="int"),
        Col("agent", [f"agent_{rng.randint(1, 120):03d}" for _ in range(n)]),
        Col("transcript", tr, ["pii.credit_card", "pii.person_name"], needles=needles),
        Col("duration_s", [rng.randint(10, 3600) for _ in range(n)], kind="int"),
        Col("queue", [rng.choice(["billing", "returns", "technical", "sales"]) for _ in range(n)], kind="dict"),
        Col("ticket_ref", [gen_not_luhn(rng, 16) for _ in range(n)], neg="luhn"),
        Col("started_at", [rand_ts(rng) for _ in range(n)], kind="ts"),
        Col("sentiment", [round(rng.uniform(-1, 1), 3) for _ in range(n)], kind="float"),
    ], "en_GB")


def t_datasources_at(rng, L):
    loc = L["de_AT"]
    n = 2000
    hosts = ("db01.wien.acme.at", "10.12.0.5", "pg-cluster.graz.intern", "mongo.acme.at")
    return Table("datasources_at", "csv", [
        Col("name", [f"quelle_{i}" for i in range(n)]),
        Col("uri", [gen_pwurl(rng, hosts) for _ in range(n)], ["secret.password_in_url"], check="pwurl"),
        Col("dsn_vorlage", [rng.choice(["postgres://user:<password>@db.example.com:5432/app", "postgres://app:${DB_PASSWORD}@db01:5432/app",
                                        "mysql://root:changeme@localhost:3306/test", "https://user:****@nexus.example.com/repo/",
                                        "redis://:${REDIS_PASSWORD}@redis:6379/0", "postgresql://{user}:{password}@{host}/{db}"])
                             for _ in range(n)], neg="pwurl"),
        Col("replica", [rng.choice([f"postgres://{rng.choice(hosts)}:5432/{rng.choice(['app', 'dwh'])}?sslmode=require",
                                     f"mysql://{rng.choice(hosts)}:3306/{rng.choice(['app', 'dwh'])}",
                                     f"https://{rng.choice(hosts)}/api/v1/health"]) for _ in range(n)]),
        Col("api_key", [gen_generic_key(rng) for _ in range(n)], ["secret.generic_api_key"]),
        Col("x7", column(rng, n, lambda: gen_gitlab(rng, "glpat"), null=0.3), ["secret.gitlab_token"], check="gitlab"),
        Col("kontakt", [loc.email(rng) for _ in range(n)], ["pii.email"], check="email"),
        Col("erstellt", [iso_ts(rng) for _ in range(n)]),
        Col("pool_size", [str(rng.randint(1, 64)) for _ in range(n)]),
    ], "de_AT")


def t_catalogo_it(rng, L):
    loc = L["it_IT"]
    n = 5000
    products = ["Borsa", "Scarpe", "Giacca", "Lampada", "Caffettiera", "Zaino", "Orologio", "Sciarpa", "Cuffie", "Tazza"]
    adjs = ["Classica", "Pro", "Mini", "Deluxe", "Eco", "Sport", "Vintage"]
    return Table("catalogo_it", "csv", [
        Col("sku", [gen_sku(rng) for _ in range(n)]),
        Col("ean", [gen_ean13(rng) for _ in range(n)], check="ean13"),
        Col("isbn", column(rng, n, lambda: gen_isbn13(rng), null=0.6), check="isbn13"),
        Col("nome_prodotto", [f"{rng.choice(products)} {rng.choice(adjs)}, {rng.choice(['nero', 'rosso', 'blu', 'verde'])}" for _ in range(n)]),
        Col("prezzo", [gen_price(rng, "it") for _ in range(n)]),
        Col("sconto", [f"{rng.choice([5, 10, 15, 20, 25, 30, 50])}%" for _ in range(n)]),
        Col("colore", [gen_hex_color(rng) for _ in range(n)]),
        Col("versione_scheda", [gen_semver(rng) for _ in range(n)]),
        Col("immagine", [rng.choice([f"/var/www/img/{gen_hash(rng, 'md5')[:8]}.jpg", f"C:\\Catalogo\\Foto\\{rng.randint(1, 9999)}.png",
                                     f"https://cdn.negozio.it/p/{rng.randint(1, 99999)}/main.webp"]) for _ in range(n)]),
        Col("descrizione", [rng.choice(loc.paragraphs) for _ in range(n)]),
        Col("lotto", [f"L{rng.randint(2021, 2025)}{rng.randint(1, 365):03d}-{rchars(rng, UPPER_NUM, 4)}" for _ in range(n)]),
        Col("fornitore", [rng.choice(loc.companies) for _ in range(n)]),
    ], "it_IT")


def t_transactions_be(rng, L):
    loc = L["nl_BE"]
    locf = L["fr_BE"]
    n = 8000
    return Table("transactions_be", "parquet", [
        Col("tx_id", [gen_uuid(rng) for _ in range(n)]),
        Col("card_pan", column(rng, n, lambda: gen_card(rng), null=0.05), ["pii.credit_card"], check="card"),
        Col("card_expiry", [f"{rng.randint(1, 12):02d}/{rng.randint(25, 31)}" for _ in range(n)]),
        Col("x1", [gen_iban(rng, rng.choice(["BE", "BE", "DE", "FR", "GB", "NL"])) for _ in range(n)], ["pii.iban"], check="iban"),
        Col("bic", [rng.choice(["GEBABEBB", "KREDBEBB", "BBRUBEBB", "GKCCBEBB", "DEUTDEFF", "BNPAFRPP"]) for _ in range(n)], kind="dict"),
        Col("card_ref", [gen_not_luhn(rng, 16) for _ in range(n)], neg="luhn"),  # misleading name: Luhn-failing refs
        Col("amount", [rng.randint(100_000_000, 999_999_999) for _ in range(n)], kind="int"),
        Col("mcc", [rng.choice(["5411", "5812", "5999", "4111", "5541", "7011"]) for _ in range(n)]),
        Col("merchant", [rng.choice(loc.companies + locf.companies) for _ in range(n)]),
        Col("holder", [(loc if rng.random() < 0.6 else locf).name(rng) for _ in range(n)], ["pii.person_name"]),
        Col("omschrijving", column(rng, n, lambda: gen_lorem(rng), null=0.2)),  # lorem ipsum
        Col("mededeling", column(rng, n, lambda: gen_rf_reference(rng), null=0.3), neg="iban"),  # RF / OGM refs
    ], "nl_BE")


def t_keyvault_us(rng, L):
    n = 2000
    return Table("keyvault_us", "parquet", [
        Col("key_id", [gen_uuid(rng) for _ in range(n)]),
        Col("kty", [rng.choice(["RSA", "EC", "OKP"]) for _ in range(n)], kind="dict"),
        Col("data", [gen_pem(rng) for _ in range(n)], ["secret.private_key"], kind="lstr", check="pem"),
        Col("public_pem", [gen_public_pem(rng) for _ in range(n)], kind="lstr"),
        Col("ssh_pubkey", [gen_ssh_pub(rng) for _ in range(n)]),
        Col("fingerprint", [f"SHA256:{base64.b64encode(rng.getrandbits(256).to_bytes(32, 'big')).decode().rstrip('=')}" for _ in range(n)]),
        Col("client_secret", column(rng, n, lambda: gen_generic_key(rng, 48), null=0.1), ["secret.generic_api_key"]),
        Col("attr_4", [gen_aws_sk(rng) for _ in range(n)], ["secret.aws_secret_key"], check="aws_sk"),
        Col("deploy_token", column(rng, n, lambda: gen_github(rng, "pat"), null=0.3), ["secret.github_token"], check="github"),
        Col("billing_key", column(rng, n, lambda: gen_stripe(rng), null=0.4), ["secret.stripe_key"], check="stripe"),
        Col("private_key_id", [gen_hash(rng, "sha1") for _ in range(n)]),  # misleading name: hex ids
        Col("example_id", [rng.choice(["00000000-0000-0000-0000-000000000000", "12345678-1234-1234-1234-123456789abc",
                                        "deadbeefdeadbeefdeadbeefdeadbeef", f"example-{gen_hash(rng, 'md5')}"]) for _ in range(n)]),
    ], "en_US")


def t_kontakte_at(rng, L):
    """German and Belgian-Dutch compound column names (Telefonnummer, Handynummer, GSM)
    over bare digit strings, which only the column name tells from order numbers, next to
    compound-named hard negatives (Bestellnummer, Rechnungsdatum, Artikelnummer)."""
    de, be = L["de_AT"], L["nl_BE"]
    n = 2500

    def festnetz():  # Austrian landline, no separators: 01 Wien, 0316 Graz, 0662 Salzburg, 0732 Linz
        area = rng.choice(["1", "316", "662", "732", "512"])
        return "0" + area + rng.choice("123456789") + rdigits(rng, 7 if area == "1" else 5)

    def handy_int():  # 43 664/676/699 … as int64, country code without +
        return int("43" + rng.choice(["664", "676", "699", "650"]) + rng.choice("123456789") + rdigits(rng, 6))

    def gsm():  # Belgian mobile, national, no separators
        return "04" + rng.choice("5789") + rdigits(rng, 7)
    return Table("kontakte_at", "csv", [
        Col("Kundennummer", [str(rng.randint(10_000_000, 99_999_999)) for _ in range(n)]),
        Col("Telefonnummer", column(rng, n, festnetz, null=0.1), ["pii.phone_number"]),
        Col("Handynummer", column(rng, n, handy_int, null=0.1), ["pii.phone_number"], kind="int"),
        Col("GSM", column(rng, n, gsm, null=0.3), ["pii.phone_number"]),
        Col("Geburtstag", column(rng, n, lambda: gen_dob(rng, "de", ["dmy."]), null=0.2), ["pii.date_of_birth"], check="dob"),
        Col("Lieferadresse", [de.address(rng, newline_share=0) for _ in range(n)], ["pii.street_address"]),
        Col("Kontonummer", column(rng, n, lambda: gen_iban(rng, "AT"), null=0.1), ["pii.iban"], check="iban"),
        Col("Bestellnummer", [str(rng.randint(1_000_000_000, 9_999_999_999)) for _ in range(n)]),
        Col("Rechnungsdatum", [gen_recent_date(rng, "de", ["dmy."], 2020, 2025) for _ in range(n)], check="recent_date"),
        Col("Artikelnummer", [gen_ean13(rng) for _ in range(n)], neg=None),
        Col("Ansprechpartner", [be.name(rng) if rng.random() < 0.5 else de.name(rng) for _ in range(n)], ["pii.person_name"]),
    ], "de_AT", bom=True)


def t_agenda_es_it(rng, L):
    """National phone formats without a trunk 0 (Spanish and Portuguese nine-digit numbers,
    Italian mobiles) and with one (Italian landlines, the 00 international prefix), next to
    what groups the same way: SIRENs, a postcode with a house number, dates with times."""
    es, it = L["es_ES"], L["it_IT"]
    n = 2000

    def es_phone():
        p = rng.choice("6789") + rdigits(rng, 8)
        return f"{p[:3]} {p[3:6]} {p[6:]}" if rng.random() < 0.5 else f"{p[:3]} {p[3:5]} {p[5:7]} {p[7:]}"

    def it_phone():
        r = rng.random()
        if r < 0.4:
            return f"0{rng.choice(['6', '2', '11', '51', '55'])} {rdigits(rng, 4)} {rdigits(rng, 4)}"
        if r < 0.7:
            return f"3{rng.choice('2345789')}{rdigits(rng, 1)} {rdigits(rng, 7)}"
        return f"0039 3{rng.choice('2345789')}{rdigits(rng, 1)} {rdigits(rng, 7)}"

    def siren():
        while True:
            body = rdigits(rng, 8)
            full = body + str(luhn_check_digit(body))
            if full[0] != "0":
                return f"{full[:3]} {full[3:6]} {full[6:]}"
    return Table("agenda_es_it", "csv", [
        Col("telefono", column(rng, n, es_phone, null=0.1), ["pii.phone_number"]),
        Col("recapito", column(rng, n, it_phone, null=0.1), ["pii.phone_number"]),
        Col("nombre", [es.name(rng) for _ in range(n)], ["pii.person_name"]),
        Col("siren_proveedor", [siren() for _ in range(n)]),
        Col("cp_numero", [f"0{rdigits(rng, 4)} {rng.randint(1, 250)}" for _ in range(n)]),
        Col("cita", [f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.202{rng.randint(0, 5)} {rng.randint(8, 19):02d}:{rng.choice(['00', '15', '30', '45'])}" for _ in range(n)]),
        Col("importe", [f"{rng.randint(1, 999)} {rdigits(rng, 3)},{rdigits(rng, 2)}" for _ in range(n)]),
    ], "es_ES")


def gen_platform_token(rng, kind):
    """Fake tokens in providers' documented formats (issue 15's new secret families)."""
    if kind == "openai":
        return f"sk-proj-{rchars(rng, ALNUM + '-_', 74)}T3BlbkFJ{rchars(rng, ALNUM + '-_', 74)}"
    if kind == "hf":
        return "hf_" + rchars(rng, string.ascii_letters, 34)
    if kind == "npm":
        return "npm_" + rchars(rng, ALNUM, 36)
    key = base64.b64encode(rng.getrandbits(512).to_bytes(64, "big")).decode()
    acct = rchars(rng, string.ascii_lowercase, 10)
    return f"DefaultEndpointsProtocol=https;AccountName={acct};AccountKey={key};EndpointSuffix=core.windows.net"


def gen_config_line(rng):
    """One line of an application config: mostly settings, references and placeholders,
    and in one line of eight a real-looking password."""
    if rng.random() < 0.125:
        pw = rchars(rng, ALNUM, rng.randint(10, 16)) + rng.choice("!#%&*") + rchars(rng, string.digits, 2)
        return rng.choice([f"db_password: {pw}", f"DB_PASSWORD={pw}", f'spring.datasource.password={pw}', f'  password: "{pw}"'])
    return rng.choice([
        "password: ${DB_PASSWORD}", "password_min_length: 12", "DB_PASSWORD=<password>", "password: changeme",
        "password_file: /run/secrets/db_password", "smtp_pass: ${SMTP_PASS}", "pool_size: 20", "log_level: info",
        "password_policy: strong", "token_ttl: 3600", "secret: true", "timeout_ms: 2500", "host: db.internal",
    ])


def gen_ipv6_any(rng):
    groups = [0x2000 | rng.getrandbits(12)] + [rng.getrandbits(16) for _ in range(7)]
    if rng.random() < 0.5:
        i = rng.randint(2, 5)
        for k in range(i, i + 2):
            groups[k] = 0
    full = ":".join(f"{g:04x}" for g in groups)
    short = str(ipaddress.IPv6Address(full))
    v4 = f"{rng.randint(32, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return rng.choice([short, full, f"[{short}]:{rng.randint(1024, 65535)}", f"::ffff:{v4}",
                       f"fe80::{rng.getrandbits(16):x}:{rng.getrandbits(16):x}%eth0", f"{short}/64"])


def gen_idn_email(rng):
    dom = rng.choice(["münchen.de", "bücher.example", "пример.рф", "köln-bonn.de", "zürich.ch", "räksmörgås.se"])
    local = rng.choice(["info", "kontakt", "anna.schmidt", "support", "müller", "josé"])
    return f"{local}@{dom}" if rng.random() < 0.5 else f"{local.encode('ascii', 'ignore').decode() or 'info'}@{dom.encode('idna').decode()}"


def t_platform_ops_us(rng, L):
    """Issue 15's families as columns: the new secret providers, a config column where one
    line in eight holds a password, IPv6 in its written forms beside a column of 4-part
    firmware versions and one of OIDs, IDN e-mail, dashed IBANs."""
    n = 2000
    versions = sorted((rng.randint(1, 9), rng.randint(0, 40), rng.randint(0, 60), rng.randint(0, 250)) for _ in range(n))
    return Table("platform_ops_us", "parquet", [
        Col("llm_key", column(rng, n, lambda: gen_platform_token(rng, "openai"), null=0.3), ["secret.openai_key"]),
        Col("hub_token", column(rng, n, lambda: gen_platform_token(rng, "hf"), null=0.3), ["secret.huggingface_token"]),
        Col("publish_token", column(rng, n, lambda: gen_platform_token(rng, "npm"), null=0.3), ["secret.npm_token"]),
        Col("storage_conn", column(rng, n, lambda: gen_platform_token(rng, "azure"), null=0.2), ["secret.azure_storage_key"]),
        Col("app_config", [gen_config_line(rng) for _ in range(n)], ["secret.password"]),
        Col("peer", [gen_ipv6_any(rng) for _ in range(n)], ["pii.ip_address"]),
        Col("firmware_version", [".".join(map(str, v)) for v in versions]),
        # The same history under an uninformative name: only its shape (few first parts,
        # small middles, in order) says it is not a column of addresses.
        Col("rel", [".".join(map(str, v)) for v in versions]),
        Col("snmp_oid", ["1.3.6.1.4.1." + ".".join(str(rng.randint(1, 400)) for _ in range(rng.randint(2, 5))) for _ in range(n)]),
        Col("contact", [gen_idn_email(rng) for _ in range(n)], ["pii.email"]),
        Col("payout_account", [group(gen_iban(rng, rng.choice(["DE", "FR", "NL", "AT", "BE"]), "plain")).replace(" ", "-") for _ in range(n)], ["pii.iban"]),
    ], "en_US")


def t_personen_de_fr(rng, L):
    """Columns of lone first names and lone surnames (issue 15), some under headers that say
    nothing; German notes where a few callers introduce themselves; and capitalised columns
    that hold no names: real German towns, colours, countries, product names, a status."""
    n = 2000

    def fk(code, what):
        # Faker instances of their own, so that the other tables' draws stay as they were.
        f = Faker(code)
        for prov in f.get_providers():
            if isinstance(getattr(prov, "cities", None), (list, tuple, set)):
                prov.cities = sorted(prov.cities)
        f.seed_instance(zlib.crc32(f"personen:{code}:{what}".encode()))
        return f

    de, fr = fk("de_DE", "names"), fk("fr_FR", "names")
    text = fk("de_DE", "text")
    intros = ["Hallo, ich heiße {f}, ich habe eine Frage zur Rechnung.", "Mein Name ist {f} {l}, bitte um Rückruf.",
              "Guten Tag, hier spricht Frau {l} wegen der Lieferung."]
    notes = []
    for i in range(n):
        if i % 97 == 5:
            notes.append(rng.choice(intros).format(f=text.first_name(), l=text.last_name()))
        else:
            notes.append(text.sentence(nb_words=rng.randint(6, 12)))
    neg = fk("de_DE", "negatives")
    statuses = ["Aktiv", "Inaktiv", "Gesperrt", "Offen", "Erledigt"]
    return Table("personen_de_fr", "parquet", [
        Col("c_4", column(rng, n, de.first_name, null=0.05), ["pii.person_name"]),
        Col("Nachname", column(rng, n, de.last_name, null=0.05), ["pii.person_name"]),
        Col("col_b", column(rng, n, fr.last_name, null=0.05), ["pii.person_name"]),
        Col("prenom", column(rng, n, fr.first_name, null=0.05), ["pii.person_name"]),
        Col("nachricht", notes, ["pii.person_name"]),
        Col("ort", [neg.city() for _ in range(n)]),
        Col("farbe", [neg.color_name() for _ in range(n)]),
        Col("land", [neg.country() for _ in range(n)]),
        Col("produkt", [f"{neg.color_name()} {neg.word().capitalize()}" for _ in range(n)]),
        Col("status", [rng.choice(statuses) for _ in range(n)]),
    ], "de_AT")


TABLE_BUILDERS = [t_patients_fr, t_clientes_es, t_fatture_it, t_leden_nl, t_contribuintes_pt, t_pedidos_br, t_hr_staff_gb,
                  t_mitarbeiter_at, t_grenzgaenger_ch, t_service_configs_us, t_ci_builds_nl, t_webhooks_es,
                  t_network_inventory_it, t_wallets_pt, t_livraisons_fr, t_sessions_us, t_call_center_gb,
                  t_datasources_at, t_catalogo_it, t_transactions_be, t_keyvault_us, t_kontakte_at, t_agenda_es_it,
                  t_platform_ops_us, t_personen_de_fr]


# =============================================================================================
# Writers
# =============================================================================================


def arrow_array(col):
    k, v = col.kind, col.values
    if k == "str":
        return pa.array(v, type=pa.string())
    if k == "lstr":
        return pa.array(v, type=pa.large_string())
    if k == "dict":
        return pa.array(v, type=pa.string()).dictionary_encode()
    if k == "int":
        return pa.array(v, type=pa.int64())
    if k == "float":
        return pa.array(v, type=pa.float64())
    if k == "bool":
        return pa.array(v, type=pa.bool_())
    if k == "date":
        return pa.array(v, type=pa.date32())
    if k == "ts":
        return pa.array(v, type=pa.timestamp("us", tz="UTC"))
    if k == "list":
        return pa.array(v, type=pa.list_(pa.string()))
    raise ValueError(f"{col.name}: kind {k} not for parquet")


def cell_text(v):
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def write_table(t, out):
    path = os.path.join(out, t.file)
    if t.fmt == "parquet":
        at = pa.table({c.name: arrow_array(c) for c in t.cols})
        pq.write_table(at, path, row_group_size=t.row_group_size or 1024 * 1024, compression="snappy")
    elif t.fmt == "csv":
        with open(path, "w", encoding="utf-8-sig" if t.bom else "utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\r\n" if t.crlf else "\n")
            w.writerow([c.name for c in t.cols])
            for i in range(t.rows):
                w.writerow([cell_text(c.values[i]) for c in t.cols])
    elif t.fmt == "ndjson":
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            for i in range(t.rows):
                rec = {}
                for c in t.cols:
                    v = c.values[i]
                    if v is None and i % 3 == 0:
                        continue  # sometimes the key is absent, sometimes it is null
                    rec[c.name] = v
                fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        raise ValueError(t.fmt)
    return path


# =============================================================================================
# Read back and verify
# =============================================================================================


def read_back(t, out):
    path = os.path.join(out, t.file)
    if t.fmt == "parquet":
        at = pq.read_table(path)
        got = {name: at.column(name).to_pylist() for name in at.column_names}
        types = {f.name: f.type for f in at.schema}
        return got, types
    if t.fmt == "csv":
        with open(path, encoding="utf-8", newline="") as fh:
            text = fh.read()
        if t.bom:
            assert text.startswith("\ufeff"), f"{t.file}: BOM missing"
            text = text[1:]
        rows = list(csv.reader(io.StringIO(text)))
        header, body = rows[0], rows[1:]
        assert len(body) == t.rows, (t.file, len(body), t.rows)
        return {h: [r[j] for r in body] for j, h in enumerate(header)}, {}
    got = defaultdict(list)
    names = [c.name for c in t.cols]
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    assert lines[-1] == "" and len(lines) - 1 == t.rows, t.file
    for line in lines[:-1]:
        rec = json.loads(line)
        assert set(rec) <= set(names), (t.file, set(rec) - set(names))
        for nme in names:
            got[nme].append(rec.get(nme))
    return dict(got), {}


def norm(v, fmt):
    if fmt == "csv":
        return cell_text(v)
    return v


def verify(tables, out):
    """Read every file back; check round trip, validators, hard-negative assertions, needles."""
    counts = Counter()
    for t in tables:
        got, types = read_back(t, out)
        assert list(got) == [c.name for c in t.cols], (t.file, list(got))
        if t.fmt == "parquet":
            for c in t.cols:
                typ = types[c.name]
                if c.kind == "dict":
                    assert pa.types.is_dictionary(typ), (t.file, c.name, typ)
                if c.kind == "lstr":
                    assert pa.types.is_large_string(typ), (t.file, c.name, typ)
                if c.kind == "list":
                    assert pa.types.is_list(typ), (t.file, c.name, typ)
                if c.kind == "int":
                    assert pa.types.is_int64(typ), (t.file, c.name, typ)
        for c in t.cols:
            vals = got[c.name]
            assert len(vals) == t.rows
            exp = [norm(v, t.fmt) for v in c.values]
            if t.fmt == "parquet" and c.kind == "ts":
                vals_cmp = [v.replace(tzinfo=dt.timezone.utc) if v is not None else None for v in vals]
                exp = [v.astimezone(dt.timezone.utc) if v is not None else None for v in c.values]
                assert vals_cmp == exp, (t.file, c.name)
            else:
                assert vals == exp, (t.file, c.name, next((a, b) for a, b in zip(vals, exp) if a != b))
            present = [v for v in vals if v not in (None, "")]
            if isinstance(c.check, str):
                fn = VALIDATORS[c.check]
                items = [x for v in present for x in (v if c.kind == "list" else [v])]
                assert items, (t.file, c.name)
                bad = [x for x in items if not fn(x)]
                assert not bad, (t.file, c.name, c.check, bad[:3])
                counts[c.check] += len(items)
            elif isinstance(c.check, dict):
                for key, vname in c.check.items():
                    items = [v[key] for v in present if isinstance(v, dict) and key in v]
                    assert items, (t.file, c.name, key)
                    bad = [x for x in items if not VALIDATORS[vname](x)]
                    assert not bad, (t.file, c.name, key, bad[:3])
                    counts[vname] += len(items)
            if c.neg:
                fn = VALIDATORS[c.neg]
                hits = [v for v in present if fn(v)]
                assert not hits, (t.file, c.name, "hard negative passes", c.neg, hits[:3])
                counts["neg:" + c.neg] += len(present)
            if c.needles:
                blob = "\n".join(str(v) for v in present)
                for needle, vname in c.needles:
                    parts = needle.split("|")
                    for p in parts:
                        assert p in blob, (t.file, c.name, p)
                    if vname == "aws_pair":
                        assert aws_ak_ok(parts[0]) and aws_sk_ok(parts[1])
                        counts["aws_ak"] += 1
                        counts["aws_sk"] += 1
                    elif vname:
                        assert VALIDATORS[vname](needle), (t.file, c.name, vname, needle)
                        counts[vname] += 1
                    counts["needles"] += 1
            check_shapes(t, c, present)
    return counts


def low_entropy(s):
    return len(set(s)) < 8


CARD_CAND = re.compile(r"(?<![\w\-])\d{4}(?:[ \-]?\d{2,6}){2,4}(?![\w\-])")
IBAN_CAND = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")

URL_RE = re.compile(r"[a-z][a-z0-9+.\-]*://\S+")

# (label, literal prefilter, candidate regex, confirm): strict shapes with checksums or unmistakable prefixes
SHAPES = [
    ("secret.aws_access_key", ("AKIA", "ASIA"), re.compile(r"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b"), aws_ak_ok),
    ("secret.github_token", ("gh", "github_pat_"), re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b"), github_ok),
    ("secret.gitlab_token", ("gl",), re.compile(r"\bgl(?:pat|rt|ptt|dt)-[A-Za-z0-9_\-]{20}"), lambda m: not low_entropy(m[6:])),
    ("secret.slack_token", ("xox", "xapp", "hooks.slack"),
     re.compile(r"xox[bpa]-[A-Za-z0-9\-]{10,}|xapp-1-[A-Za-z0-9\-]{20,}|hooks\.slack\.com/services/[A-Za-z0-9/]+"),
     lambda m: not low_entropy(m[5:]) and "your" not in m),
    ("secret.stripe_key", ("k_live_",), re.compile(r"\b[sr]k_live_[A-Za-z0-9]{20,}"), lambda m: True),
    ("secret.google_api_key", ("AIza",), re.compile(r"(?<![A-Za-z0-9_\-])AIza[A-Za-z0-9_\-]{35}(?![A-Za-z0-9_\-])"), google_ok),
    ("secret.jwt", ("eyJ",), re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"), jwt_ok),
    ("secret.private_key", ("PRIVATE KEY",), re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:\\n|\n)[A-Za-z0-9+/=]"), lambda m: True),
    ("secret.password_in_url", ("://",), PWURL_RE, pwurl_ok),
    ("pii.email", ("@",), EMAIL_RE, lambda m: True),
    ("pii.credit_card", (), CARD_CAND, card_ok),
    ("pii.iban", (), IBAN_CAND, iban_ok),
]


def shapes_in(values):
    """Labels whose strict shape occurs in any of the values (scanned as one blob, for speed)."""
    blob = "\n\n".join(json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else str(v) for v in values)
    found = {}
    for label, pre, rx, fn in SHAPES:
        if pre and not any(p in blob for p in pre):
            continue
        text = URL_RE.sub(" ", blob) if label == "pii.email" else blob  # user:password@host is not an e-mail
        for m in rx.finditer(text):
            if fn(m.group(0)):
                found[label] = m.group(0)
                break
    return found


def check_shapes(t, c, present):
    """Strictly validated shapes found in a column must be among its labels (catches accidental
    contamination of clean columns and missing labels on dirty ones)."""
    if c.kind in ("int", "float", "date", "ts", "bool"):
        return
    extra = {lb: ex[:80] for lb, ex in shapes_in(present).items() if lb not in c.labels}
    assert not extra, (t.file, c.name, "unlabelled shapes", extra)


# =============================================================================================
# Main
# =============================================================================================


def labels_of(tables):
    top, nested = {}, {}
    for t in tables:
        for c in t.cols:
            key = f"{t.file}/{c.name}"
            top[key] = c.labels
            nested[key] = c.labels
            for path, ls in c.sub.items():
                nested[f"{t.file}/{path}"] = sorted(ls)
    return top, nested


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--no-verify", action="store_true", help="skip reading the files back")
    a = ap.parse_args(argv)
    t0 = time.time()
    self_test()
    os.makedirs(a.out, exist_ok=True)
    locales = ["fr_FR", "es_ES", "it_IT", "nl_NL", "nl_BE", "fr_BE", "pt_PT", "pt_BR", "en_GB", "de_AT", "de_CH", "en_US"]
    L = {code: Loc(code, a.seed) for code in locales}
    tables = []
    for build in TABLE_BUILDERS:
        rng = random.Random(f"{a.seed}:{build.__name__}")
        tables.append(build(rng, L))
    files = [t.file for t in tables]
    assert len(set(files)) == len(files)
    # remove stale outputs of earlier versions so the directory matches labels.json
    for f in os.listdir(a.out):
        if f.rsplit(".", 1)[-1] in ("parquet", "csv", "ndjson") and f not in files:
            os.remove(os.path.join(a.out, f))
    for t in tables:
        write_table(t, a.out)
    top, nested = labels_of(tables)
    with open(os.path.join(a.out, "labels.json"), "w") as fh:
        json.dump(top, fh, indent=1, sort_keys=True)
        fh.write("\n")
    with open(os.path.join(a.out, "labels_nested.json"), "w") as fh:
        json.dump(nested, fh, indent=1, sort_keys=True)
        fh.write("\n")
    t_gen = time.time() - t0
    counts = None if a.no_verify else verify(tables, a.out)
    per_label = Counter(lb for ls in top.values() for lb in ls)
    clean = sum(1 for ls in top.values() if not ls)
    fmts = Counter(t.fmt for t in tables)
    print(f"wrote {len(tables)} tables to {a.out} ({', '.join(f'{v} {k}' for k, v in sorted(fmts.items()))}); "
          f"{len(top)} columns, {clean} clean, {sum(t.rows for t in tables)} rows; generated in {t_gen:.1f}s, "
          f"total {time.time() - t0:.1f}s")
    for lb, k in sorted(per_label.items()):
        print(f"  {lb:26} {k}")
    if counts:
        print("verified: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
