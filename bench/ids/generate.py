#!/usr/bin/env python3
"""Value-level fixture for national ids and passport numbers, from generators that are
not our rules.

Valid numbers come from python-stdnum (`pip install python-stdnum`): a random body is
drawn in the scheme's shape and kept only when stdnum's `is_valid` accepts it, so the
checksum, date and component rules are stdnum's, not ours. The few schemes stdnum does
not know (SG NRIC/FIN, AU Medicare, ES NUSS, passports, the ICAO 9303 MRZ) are built
here from their published specifications, written independently of
src/classify/validators.rs. Mutants change one character of a valid number and are kept
only when the generator's own check rejects them: the engine must not report them.
Hard negatives (order numbers, phone numbers, timestamps, amounts, UUID fragments) sit
in columns named as they are in real tables.

    python3 bench/ids/generate.py --out tests/data/national_ids.jsonl

Each line: {"value", "scheme", "label" (pii.national_id, pii.passport_number or "not"),
"column", "kind" (valid, mutant, hard_negative)}. Seeded: the output is reproducible.
"""

import argparse
import datetime
import json
import random
import string

from stdnum import luhn
from stdnum.ar import cuit
from stdnum.at import vnr
from stdnum.au import tfn
from stdnum.be import nn
from stdnum.br import cnpj, cpf
from stdnum.ca import sin
from stdnum.ch import ssn
from stdnum.cl import rut
from stdnum.cn import ric
from stdnum.cz import rc
from stdnum.de import idnr
from stdnum.dk import cpr
from stdnum.ee import ik
from stdnum.es import dni, nie
from stdnum.fi import hetu
from stdnum.fr import nir
from stdnum.gb import nhs
from stdnum.gr import amka
from stdnum.ie import pps
from stdnum.il import idnr as il_idnr
from stdnum.in_ import aadhaar, pan
from stdnum.it import codicefiscale
from stdnum.jp import in_ as jp_in
from stdnum.kr import rrn
from stdnum.lt import asmens
from stdnum.mx import curp, rfc
from stdnum.nl import bsn
from stdnum.no import fodselsnummer
from stdnum.nz import ird
from stdnum.pl import pesel
from stdnum.pt import nif
from stdnum.ro import cnp
from stdnum.se import personnummer
from stdnum.tr import tckimlik
from stdnum.us import itin
from stdnum.za import idnr as za_idnr

R = random.Random(20261202)
D = string.digits
U = string.ascii_uppercase


def digs(n):
    return "".join(R.choice(D) for _ in range(n))


def letters(n, alphabet=U):
    return "".join(R.choice(alphabet) for _ in range(n))


def date(lo=1930, hi=2005):
    start = datetime.date(lo, 1, 1).toordinal()
    return datetime.date.fromordinal(R.randint(start, datetime.date(hi, 12, 31).toordinal()))


def until(make, ok):
    """Draws `make()` until `ok` accepts it (the checksum is the validator's)."""
    for _ in range(100000):
        v = make()
        if ok(v):
            return v
    raise RuntimeError("no valid value drawn")


# --- Schemes stdnum does not know, from their specifications -------------------------

def sg_nric_ok(v):
    """Singapore NRIC/FIN (ICA): S/T/F/G, 7 digits, weights 2 7 6 5 4 3 2, +4 for T/G."""
    if len(v) != 9 or v[0] not in "STFG" or not v[1:8].isdigit():
        return False
    s = sum(int(c) * w for c, w in zip(v[1:8], (2, 7, 6, 5, 4, 3, 2))) + (4 if v[0] in "TG" else 0)
    table = "JZIHGFEDCBA" if v[0] in "ST" else "XWUTRQPNMLK"
    return table[s % 11] == v[8]


def au_medicare_ok(v):
    """Medicare card: first digit 2-6, check digit = sum(d * 1 3 7 9 1 3 7 9) mod 10."""
    d = v.replace(" ", "")
    return len(d) in (10, 11) and d.isdigit() and d[0] in "23456" and \
        sum(int(c) * w for c, w in zip(d[:8], (1, 3, 7, 9, 1, 3, 7, 9))) % 10 == int(d[8])


def es_nuss_ok(v):
    """NUSS (Seguridad Social): AA BBBBBBBB CC, CC = (A·10^7+B if B<10^7 else AB) mod 97."""
    d = v.replace("/", "").replace(" ", "").replace("-", "")
    if len(d) != 12 or not d.isdigit():
        return False
    a, b = int(d[:2]), int(d[2:10])
    n = a * 10**7 + b if b < 10**7 else int(d[:10])
    return n % 97 == int(d[10:])


def gb_nino_ok(v):
    """HMRC NIM39110: two prefix letters (not D F I Q U V; second not O; not BG GB NK KN TN
    NT ZZ), six digits, suffix A-D. No checksum."""
    v = v.replace(" ", "")
    return len(v) == 9 and v[0] not in "DFIQUV" and v[1] not in "DFIQUVO" and \
        v[:2] not in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ") and v[2:8].isdigit() and v[8] in "ABCD"


def mrz_digit(field):
    """ICAO 9303 part 3, 4.9: weights 7 3 1; A-Z = 10-35, '<' = 0."""
    val = lambda c: int(c) if c.isdigit() else (0 if c == "<" else ord(c) - 55)
    return str(sum(val(c) * (7, 3, 1)[i % 3] for i, c in enumerate(field)) % 10)


def mrz_line2(number, nationality, birth, sex, expiry, personal):
    """TD3 line 2 (44 characters) with all five check digits."""
    num = number.ljust(9, "<")
    pers = personal.ljust(14, "<")
    pers_check = mrz_digit(pers) if personal else "<"
    body = num + mrz_digit(num) + nationality + birth + mrz_digit(birth) + sex + expiry + mrz_digit(expiry) + pers + pers_check
    composite = body[0:10] + body[13:20] + body[21:43]
    return body + mrz_digit(composite)


def mrz_ok(line):
    if len(line) != 44:
        return False
    comp = line[0:10] + line[13:20] + line[21:43]
    pers_ok = line[42] == mrz_digit(line[28:42]) or (line[42] == "<" and line[28:42] == "<" * 14)
    return line[9] == mrz_digit(line[:9]) and line[19] == mrz_digit(line[13:19]) and \
        line[27] == mrz_digit(line[21:27]) and pers_ok and line[43] == mrz_digit(comp)


# --- Generators: (make a compact valid value, is_valid, [formatters]) ----------------

def yymmdd(d):
    return d.strftime("%y%m%d")


def ddmmyy(d):
    return d.strftime("%d%m%y")


def cn_region():
    """Region codes stdnum's table lists as current (no year range on the county)."""
    from stdnum import numdb
    codes = []
    for _, prov, _, _, counties in numdb.get("cn/loc").prefixes:
        for _, lo, hi, props, _ in counties:
            if lo == hi and not props.get("county", "[").startswith("[") and not lo.endswith("00"):
                codes.append(prov + lo)
    return codes


CN_REGIONS = cn_region()

it_months = "ABCDEHLMPRST"


def it_cf():
    d = date()
    body = letters(6) + d.strftime("%y") + it_months[d.month - 1] + "%02d" % (d.day + R.choice((0, 40))) + \
        R.choice("ABCDEFGHILMZ") + digs(3)
    return body + codicefiscale.calc_check_digit(body)


def pesel_make():
    d = date(1930, 2015)
    m = d.month + (20 if d.year >= 2000 else 0)
    return "%s%02d%s%s" % (d.strftime("%y"), m, d.strftime("%d"), digs(5))


def kr_make():
    d = date()
    return yymmdd(d) + R.choice("12" if d.year < 2000 else "34") + "%02d" % R.randint(0, 96) + digs(4)


def curp_make():
    d = date()
    return letters(1, "BCDFGHJKLMNPRSTVZ") + letters(1, "AEIOU") + letters(2) + yymmdd(d) + R.choice("HM") + \
        R.choice(sorted(curp._valid_states)) + letters(3, "BCDFGHJKLMNPRSTVZ") + (R.choice(D) if d.year < 2000 else R.choice(U)) + "0"


def rfc_make():
    body = letters(4) + yymmdd(date()) + R.choice("123456789ABCDEFGHIJKLMNPQRSTUV") + R.choice("123456789ABCDEFGHIJKLMNPQRSTUVWXYZ")
    return body + rfc.calc_check_digit(body)


def gb_nino_make():
    first = R.choice([c for c in U if c not in "DFIQUV"])
    second = R.choice([c for c in U if c not in "DFIQUVO"])
    return first + second + digs(6) + R.choice("ABCD")


def sp(v, *cuts):
    """Inserts spaces at the given cut points."""
    out, last = [], 0
    for c in cuts:
        out.append(v[last:c])
        last = c
    out.append(v[last:])
    return " ".join(out)


NATIONAL = {
    # scheme: (make, is_valid, formatters, checksummed, columns, text templates)
    "us_itin": (lambda: "9" + digs(2) + str(R.choice([x for x in range(50, 100) if x not in (66, 67, 68, 69, 89, 93)])) + digs(4),
                itin.is_valid, [lambda v: v[:3] + "-" + v[3:5] + "-" + v[5:], lambda v: v], False,
                ["itin", "taxpayer_itin"], ["ITIN: {}", "individual taxpayer identification number {}"]),
    "ca_sin": (lambda: R.choice("1234567 9") .strip() + digs(8), sin.is_valid,
               [lambda v: sp(v, 3, 6), lambda v: v[:3] + "-" + v[3:6] + "-" + v[6:], lambda v: v], True,
               ["sin", "social_insurance_number", "nas"], ["SIN {}", "numéro d'assurance sociale: {}"]),
    "gb_nhs": (lambda: digs(10), nhs.is_valid, [lambda v: sp(v, 3, 6), lambda v: v], True,
               ["nhs_number", "nhs_no"], ["NHS number {}", "NHS no: {}"]),
    "gb_nino": (gb_nino_make, gb_nino_ok, [lambda v: sp(v, 2, 4, 6, 8), lambda v: v], False,
                ["nino", "national_insurance_number"], ["NI number {}", "National Insurance no. {}"]),
    "ie_ppsn": (lambda: digs(7) + R.choice(U[:23]) + R.choice(["", "", "A", "W"]), pps.is_valid, [lambda v: v], True,
                ["ppsn", "pps_number"], ["PPS number {}", "PPSN: {}"]),
    "be_nn": (lambda: yymmdd(date()) + digs(5), nn.is_valid, [nn.format, lambda v: v], True,
              ["rijksregisternummer", "numero_national", "national_number"], ["rijksregisternummer {}", "numéro national: {}"]),
    "at_svnr": (lambda: R.choice("123456789") + digs(3) + ddmmyy(date()), vnr.is_valid, [lambda v: v[:4] + " " + v[4:], lambda v: v], True,
                ["svnr", "sozialversicherungsnummer"], ["SVNR {}", "Sozialversicherungsnummer: {}"]),
    "pl_pesel": (pesel_make, pesel.is_valid, [lambda v: v], True, ["pesel", "nr_pesel"], ["PESEL: {}", "numer PESEL {}"]),
    "cz_sk_rc": (lambda: (lambda d: d.strftime("%y") + "%02d" % (d.month + R.choice((0, 50))) + d.strftime("%d") + digs(4))(date(1954, 2005)),
                 rc.is_valid, [rc.format, lambda v: v], True, ["rodne_cislo", "rc"], ["rodné číslo {}", "RČ: {}"]),
    "se_personnummer": (lambda: yymmdd(date()) + digs(4), lambda v: personnummer.is_valid(v[:6] + "-" + v[6:]),
                        [lambda v: v[:6] + "-" + v[6:], lambda v: ("19" if int(v[:2]) > 10 else "20") + v[:6] + "-" + v[6:], lambda v: v], True,
                        ["personnummer", "personnr"], ["personnummer {}", "pnr: {}"]),
    "no_fodselsnummer": (lambda: ddmmyy(date()) + digs(5), fodselsnummer.is_valid, [fodselsnummer.format, lambda v: v], True,
                         ["fodselsnummer", "fnr"], ["fødselsnummer {}", "fnr: {}"]),
    "dk_cpr": (lambda: ddmmyy(date()) + digs(4), cpr.is_valid, [lambda v: v[:6] + "-" + v[6:], lambda v: v], False,
               ["cpr", "cpr_nummer"], ["CPR-nummer {}", "cpr nr. {}"]),
    "fi_hetu": (lambda: (lambda d: ddmmyy(d) + ("-" if d.year < 2000 else "A") + "%03d" % R.randint(2, 899) + "X")(date()),
                None, [lambda v: v], True, ["hetu", "henkilotunnus"], ["henkilötunnus {}", "HETU: {}"]),
    "ee_isikukood": (lambda: (lambda d: R.choice("34" if d.year < 2000 else "56") + yymmdd(d) + digs(4))(date()), ik.is_valid, [lambda v: v], True,
                     ["isikukood"], ["isikukood {}", "isikukood: {}"]),
    "lt_asmens_kodas": (lambda: (lambda d: R.choice("34" if d.year < 2000 else "56") + yymmdd(d) + digs(4))(date()), asmens.is_valid, [lambda v: v], True,
                        ["asmens_kodas"], ["asmens kodas {}", "asmens kodas: {}"]),
    "ro_cnp": (lambda: (lambda d: R.choice("12" if d.year < 2000 else "56") + yymmdd(d) + "%02d" % R.randint(1, 46) + digs(4))(date()),
               cnp.is_valid, [lambda v: v], True, ["cnp", "cod_numeric_personal"], ["CNP {}", "cod numeric personal: {}"]),
    "tr_tckn": (lambda: R.choice("123456789") + digs(10), tckimlik.is_valid, [lambda v: v], True,
                ["tckn", "tc_kimlik_no"], ["TC Kimlik No: {}", "T.C. kimlik numarası {}"]),
    "il_id": (lambda: digs(9), il_idnr.is_valid, [lambda v: v], True, ["teudat_zehut", "mispar_zehut"], ["teudat zehut {}", "מספר זהות {}"]),
    "za_id": (lambda: yymmdd(date()) + digs(4) + R.choice("01") + "8" + digs(1), za_idnr.is_valid, [za_idnr.format, lambda v: v], True,
              ["id_number_za", "rsa_id_number"], ["SA ID number {}", "RSA ID: {}"]),
    "in_aadhaar": (lambda: R.choice("23456789") + digs(11), aadhaar.is_valid, [aadhaar.format, lambda v: v], True,
                   ["aadhaar", "aadhaar_number"], ["Aadhaar {}", "आधार संख्या {}"]),
    "in_pan": (lambda: letters(3) + R.choice("PCHFATBLJG") + letters(1) + digs(4) + letters(1), pan.is_valid, [lambda v: v], False,
               ["pan_number", "pan_card"], ["PAN: {}", "PAN card no {}"]),
    "sg_nric": (lambda: R.choice("STFG") + digs(7) + R.choice(U), sg_nric_ok, [lambda v: v], True,
                ["nric", "nric_fin"], ["NRIC {}", "FIN: {}"]),
    "kr_rrn": (kr_make, rrn.is_valid, [lambda v: v[:6] + "-" + v[6:], lambda v: v], True,
               ["rrn", "jumin_number"], ["주민등록번호 {}", "RRN: {}"]),
    "jp_my_number": (lambda: digs(12), jp_in.is_valid, [lambda v: sp(v, 4, 8), lambda v: v], True,
                     ["my_number", "kojin_bango"], ["マイナンバー {}", "個人番号: {}"]),
    "cn_ric": (lambda: R.choice(CN_REGIONS) + date(1950, 2005).strftime("%Y%m%d") + digs(3) + R.choice(D + "X"), ric.is_valid, [lambda v: v], True,
               ["shenfenzheng", "id_card_cn"], ["身份证号 {}", "身份证: {}"]),
    "au_tfn": (lambda: digs(9), tfn.is_valid, [lambda v: sp(v, 3, 6), lambda v: v], True, ["tfn", "tax_file_number"], ["TFN {}", "tax file number: {}"]),
    "au_medicare": (lambda: R.choice("23456") + digs(8) + R.choice("123456789"), au_medicare_ok, [lambda v: sp(v, 4, 9), lambda v: v], True,
                    ["medicare_number", "medicare_no"], ["Medicare number {}", "Medicare card {}"]),
    "nz_ird": (lambda: R.choice(["0", ""]) + R.choice("1") + digs(7), ird.is_valid, [ird.format, lambda v: v], True,
               ["ird_number", "ird"], ["IRD number {}", "IRD no. {}"]),
    "br_cpf": (lambda: digs(11), cpf.is_valid, [cpf.format, lambda v: v], True, ["cpf"], ["CPF: {}", "CPF nº {}"]),
    "br_cnpj": (lambda: digs(8) + "0001" + digs(2), cnpj.is_valid, [cnpj.format, lambda v: v], True, ["cnpj"], ["CNPJ: {}", "CNPJ nº {}"]),
    "mx_curp": (curp_make, lambda v: curp.is_valid(v[:17] + curp.calc_check_digit(v)) and v == v[:17] + curp.calc_check_digit(v), [lambda v: v], True,
                ["curp"], ["CURP: {}", "clave CURP {}"]),
    "mx_rfc": (rfc_make, lambda v: rfc.is_valid(v, validate_check_digits=True), [lambda v: v], True, ["rfc"], ["RFC: {}", "R.F.C. {}"]),
    "ar_cuil": (lambda: R.choice(["20", "23", "24", "27"]) + digs(9), cuit.is_valid, [cuit.format, lambda v: v], True,
                ["cuil", "cuit"], ["CUIL: {}", "CUIT {}"]),
    "cl_rut": (lambda: str(R.randint(5_000_000, 25_000_000)) + R.choice(D + "K"), rut.is_valid, [rut.format, lambda v: v[:-1] + "-" + v[-1]], True,
               ["rut", "run"], ["RUT: {}", "RUN {}"]),
    "es_nuss": (lambda: "%02d" % R.randint(1, 52) + digs(10), es_nuss_ok, [lambda v: v[:2] + "/" + v[2:10] + "/" + v[10:], lambda v: v], True,
                ["nuss", "numero_seguridad_social"], ["NUSS {}", "número de la seguridad social {}"]),
    "gr_amka": (lambda: ddmmyy(date()) + digs(5), amka.is_valid, [lambda v: v], True, ["amka"], ["ΑΜΚΑ {}", "AMKA: {}"]),
    # Existing schemes, for the same recall and mutation checks.
    "es_dni": (lambda: digs(8) + "X", None, [lambda v: v], True, ["dni"], ["DNI {}", "D.N.I.: {}"]),
    "es_nie": (lambda: R.choice("XYZ") + digs(7) + "X", None, [lambda v: v], True, ["nie"], ["NIE {}", "NIE: {}"]),
    "it_codice_fiscale": (it_cf, codicefiscale.is_valid, [lambda v: v], True, ["codice_fiscale"], ["codice fiscale {}", "C.F.: {}"]),
    "fr_nir": (lambda: (lambda d: R.choice("12") + d.strftime("%y%m") + "%02d" % R.randint(1, 95) + digs(6))(date()) + "00", None,
               [nir.format, lambda v: v], True, ["numero_securite_sociale", "nir"], ["numéro de sécurité sociale {}", "NIR: {}"]),
    "de_steuer_id": (lambda: R.choice("123456789") + digs(10), idnr.is_valid, [idnr.format, lambda v: v], True,
                     ["steuer_id", "steueridentifikationsnummer"], ["Steuer-ID {}", "Steueridentifikationsnummer: {}"]),
    "nl_bsn": (lambda: digs(9), bsn.is_valid, [lambda v: v], True, ["bsn"], ["BSN {}", "burgerservicenummer: {}"]),
    "pt_nif": (lambda: R.choice("12") + digs(8), nif.is_valid, [lambda v: v], True, ["nif"], ["NIF {}", "NIF: {}"]),
    "ch_ahv": (lambda: "756" + digs(10), ssn.is_valid, [ssn.format], True, ["ahv_nummer", "avs"], ["AHV-Nr. {}", "numéro AVS {}"]),
}


def fix_check(scheme, v):
    """Schemes whose generators compute the check rather than draw it."""
    if scheme == "fi_hetu":
        return v[:-1] + "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(v[:6] + v[7:10]) % 31]
    if scheme == "es_dni":
        return v[:8] + dni.calc_check_digit(v[:8])
    if scheme == "es_nie":
        return v[:8] + nie.calc_check_digit(v[:8])
    if scheme == "fr_nir":
        return v[:13] + nir.calc_check_digits(v[:13])
    if scheme == "mx_curp":
        return v[:17] + curp.calc_check_digit(v[:17])
    return v


VALIDATORS = {"fi_hetu": hetu.is_valid, "es_dni": dni.is_valid, "es_nie": nie.is_valid, "fr_nir": nir.is_valid,
              "mx_curp": curp.is_valid}


def valid_value(scheme):
    make, ok, *_ = NATIONAL[scheme]
    ok = ok or VALIDATORS[scheme]
    return until(lambda: fix_check(scheme, make()), ok)


def mutate(v, ok):
    """One digit replaced by another (letters where the number has them there); kept only
    if the scheme's own check rejects it."""
    for _ in range(200):
        pos = [i for i, c in enumerate(v) if c.isalnum()]
        i = R.choice(pos)
        alphabet = D if v[i].isdigit() else U
        c = R.choice([x for x in alphabet if x != v[i]])
        m = v[:i] + c + v[i + 1:]
        if not ok(m):
            return m
    return None


# --- Passports: formats published by the issuing authorities ------------------------

PASSPORTS = {
    "us_passport": lambda: R.choice([digs(9), R.choice("ACEFGHJKLMNPRSTUVWXYZ") + digs(8)]),
    "gb_passport": lambda: R.choice("1235") + digs(8),
    "de_passport": lambda: R.choice("CFGHJK") + "".join(R.choice("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(8)),
    "fr_passport": lambda: digs(2) + letters(2) + digs(5),
    "es_passport": lambda: letters(3) + digs(6),
    "it_passport": lambda: letters(2) + digs(7),
    "nl_passport": lambda: letters(2, U.replace("O", "")) + "".join(R.choice(D + U.replace("O", "")) for _ in range(6)) + R.choice(D),
    "in_passport": lambda: R.choice(U.replace("Q", "").replace("X", "").replace("Z", "")) + R.choice("123456789") + digs(6),
    "kr_passport": lambda: R.choice([R.choice("MSRODG") + digs(8), R.choice("MSRODG") + digs(3) + letters(1) + digs(4)]),
    "jp_passport": lambda: R.choice(["TK", "TR", "TZ", "MZ", "TS"]) + digs(7),
    "cn_passport": lambda: R.choice(["E" + digs(8), "E" + R.choice(U.replace("I", "").replace("O", "")) + digs(7), "G" + digs(8)]),
    "ca_passport": lambda: letters(2) + digs(6),
    "au_passport": lambda: R.choice([letters(1, "NEMLRPDFQ"), "P" + letters(1)]) + digs(7),
}
PASSPORT_COLUMNS = ["passport_number", "passport_no", "reisepassnummer", "numero_passeport", "numero_pasaporte",
                    "numero_passaporto", "paspoortnummer", "passport"]
PASSPORT_TEXT = ["Passport No. {}", "Reisepass Nr. {}", "passeport n° {}", "pasaporte {}", "passaporto n. {}",
                 "paspoortnummer {}", "여권번호 {}", "旅券番号 {}", "护照号码 {}", "पासपोर्ट संख्या {}"]


def mrz_value():
    number = PASSPORTS[R.choice(sorted(PASSPORTS))]()
    birth = date(1940, 2005).strftime("%y%m%d")
    expiry = date(2026, 2036).strftime("%y%m%d")
    personal = R.choice(["", digs(9), letters(2) + digs(6)])
    return mrz_line2(number, R.choice(["USA", "GBR", "D<<", "FRA", "ESP", "ITA", "NLD", "IND", "KOR", "JPN", "CHN", "CAN", "AUS"]),
                     birth, R.choice("MF<"), expiry, personal)


# --- Hard negatives -------------------------------------------------------------------

def hard_negatives(n):
    out = []
    ts = lambda: datetime.datetime(2020, 1, 1) + datetime.timedelta(seconds=R.randint(0, 200_000_000))
    kinds = [
        ("order_id", lambda: R.choice([digs(R.randint(9, 13)), "ORD-" + digs(4) + "-" + digs(6), "SO" + digs(8), "#" + digs(9)])),
        ("order_number", lambda: R.choice([digs(10), digs(12), "PO-" + digs(9), digs(4) + "-" + digs(4) + "-" + digs(4)])),
        ("phone", lambda: R.choice(["+49 30 " + digs(7), "(" + digs(3) + ") " + digs(3) + "-" + digs(4), "06" + digs(8),
                                     "1" + R.choice("3578") + digs(9), "+33 6 " + sp(digs(8), 2, 4, 6), "07" + digs(3) + " " + digs(6),
                                     digs(3) + "-" + digs(3) + "-" + digs(4), "+91 " + R.choice("6789") + digs(9)])),
        ("created_at", lambda: R.choice([ts().isoformat() + "Z", str(int(ts().timestamp())), str(int(ts().timestamp() * 1000)),
                                          ts().strftime("%Y%m%d%H%M%S"), ts().strftime("%d.%m.%Y %H:%M"), ts().strftime("%y%m%d-%H%M")])),
        ("amount", lambda: R.choice(["%d.%02d" % (R.randint(10**6, 10**10), R.randint(0, 99)), "{:,}.{:02d}".format(R.randint(10**6, 10**10), R.randint(0, 99)),
                                      "€ %d.%03d.%03d,%02d" % (R.randint(1, 999), R.randint(0, 999), R.randint(0, 999), R.randint(0, 99)), str(R.randint(10**8, 10**12))])),
        ("request_id", lambda: R.choice(["%08x-%04x" % (R.getrandbits(32), R.getrandbits(16)), "%012x" % R.getrandbits(48),
                                          "%08x-%04x-4%03x-%04x-%012x" % (R.getrandbits(32), R.getrandbits(16), R.getrandbits(12), R.getrandbits(16), R.getrandbits(48)),
                                          digs(8) + "-" + digs(4)])),
        ("tracking_number", lambda: R.choice(["1Z" + letters(6) + digs(10), digs(12), digs(22), letters(2) + digs(9) + letters(2)])),
        ("sku", lambda: R.choice([letters(2) + digs(7), letters(3) + digs(6), letters(2) + digs(6), letters(1) + digs(8), digs(2) + letters(2) + digs(5)])),
        ("customer_id", lambda: R.choice([digs(R.randint(8, 14)), "C" + digs(9), "CUST-" + digs(8)])),
        ("invoice", lambda: R.choice(["INV-" + digs(8) + "-" + digs(4), "RE" + digs(10), digs(4) + "/" + digs(6)])),
        ("notes", lambda: R.choice(["order " + digs(10) + " shipped", "call me at " + digs(3) + " " + digs(3) + " " + digs(4),
                                    "ref " + digs(11) + " paid " + "%d.%02d" % (R.randint(1, 9999), R.randint(0, 99)),
                                    "build " + digs(12) + " deployed", "ticket #" + digs(9)])),
    ]
    for i in range(n):
        col, make = kinds[i % len(kinds)]
        out.append({"value": make(), "scheme": "hard_negative:" + col, "label": "not", "column": col, "kind": "hard_negative"})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="tests/data/national_ids.jsonl")
    ap.add_argument("--per-scheme", type=int, default=100, help="valid values per scheme (and as many mutants)")
    args = ap.parse_args()
    rows = []
    for scheme, (make, ok, fmts, checked, columns, texts) in NATIONAL.items():
        ok = ok or VALIDATORS[scheme]
        for i in range(args.per_scheme):
            v = valid_value(scheme)
            shown = fmts[i % len(fmts)](v)
            # Most in a column named for the scheme, some in free text after a local keyword.
            if i % 4 == 3:
                rows.append({"value": R.choice(texts).format(shown), "scheme": scheme, "label": "pii.national_id", "column": "notes", "kind": "valid"})
            else:
                rows.append({"value": shown, "scheme": scheme, "label": "pii.national_id", "column": columns[i % len(columns)], "kind": "valid"})
            if checked:
                m = mutate(shown, ok)
                if m is not None:
                    rows.append({"value": m, "scheme": scheme, "label": "not", "column": columns[i % len(columns)], "kind": "mutant"})
    for scheme, make in PASSPORTS.items():
        for i in range(args.per_scheme // 2):
            v = make()
            if i % 4 == 3:
                rows.append({"value": R.choice(PASSPORT_TEXT).format(v), "scheme": scheme, "label": "pii.passport_number", "column": "notes", "kind": "valid"})
            else:
                rows.append({"value": v, "scheme": scheme, "label": "pii.passport_number", "column": PASSPORT_COLUMNS[i % len(PASSPORT_COLUMNS)], "kind": "valid"})
    for i in range(args.per_scheme):
        line = mrz_value()
        assert mrz_ok(line)
        rows.append({"value": line, "scheme": "icao_mrz", "label": "pii.passport_number", "column": "mrz" if i % 2 else "document", "kind": "valid"})
        m = mutate(line, mrz_ok)
        if m is not None:
            rows.append({"value": m, "scheme": "icao_mrz", "label": "not", "column": "mrz" if i % 2 else "document", "kind": "mutant"})
    rows += hard_negatives(args.per_scheme * 22)
    with open(args.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} cases -> {args.out}")


if __name__ == "__main__":
    main()
