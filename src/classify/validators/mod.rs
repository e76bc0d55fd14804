//! Validators: the third, exact stage after prefilter and regex.
//!
//! A regex says a value has the right shape; a validator says the value could really be
//! one (a checksum holds, a date exists, a header decodes). This is what keeps order
//! numbers out of `pii.credit_card` and hex digests out of the key rules. Every validator
//! is a pure function of the matched text, so the engine stays free of I/O and state.

mod national_ids;
mod secrets;
pub use national_ids::*;
pub use secrets::*;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// What a validator concluded about one matched value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The value passes: it is what the rule says.
    Valid,
    /// Plausible but common by chance: counts with keyword context, or in a column
    /// dense with such values, never as a lone match in free text.
    Plausible,
    /// The value has the shape but is ambiguous: it counts only with keyword context.
    Weak,
    /// The value cannot be what the rule says.
    Invalid,
    /// The match is another kind of value that the pattern's shape also fits (a date
    /// where a phone number was looked for): it neither counts nor argues against the
    /// rule, where `Invalid` counts as a checksum failing (see `Strength::Rejected`).
    Other,
}

impl From<bool> for Check {
    fn from(ok: bool) -> Self {
        if ok {
            Check::Valid
        } else {
            Check::Invalid
        }
    }
}

/// Names of the built-in validators a rule file may use.
pub const VALIDATORS: &[&str] = &[
    "email",
    "card",
    "luhn",
    "iban",
    "us_ssn",
    "ip",
    "geo",
    "jwt",
    "es_dni",
    "es_nie",
    "it_codice_fiscale",
    "uk_nino",
    "fr_insee",
    "de_steuer_id",
    "nl_bsn",
    "pt_nif",
    "mac",
    "btc_address",
    "eth_address",
    "birth_date",
    "phone",
    "secret_token",
    "de_id_document",
    "ch_ahv",
    "us_itin",
    "ca_sin",
    "gb_nhs",
    "ie_ppsn",
    "be_nn",
    "at_svnr",
    "pl_pesel",
    "cz_sk_rc",
    "se_personnummer",
    "no_fodselsnummer",
    "dk_cpr",
    "fi_hetu",
    "baltic_personal_code",
    "ro_cnp",
    "tr_tckn",
    "il_id",
    "za_id",
    "in_aadhaar",
    "in_pan",
    "sg_nric",
    "kr_rrn",
    "jp_my_number",
    "cn_ric",
    "au_tfn",
    "au_medicare",
    "nz_ird",
    "br_cpf",
    "br_cnpj",
    "mx_curp",
    "mx_rfc",
    "ar_cuil",
    "cl_rut",
    "es_nuss",
    "gr_amka",
    "mrz_td3",
    "passport",
    "pem_base64",
    "config_secret",
];

/// Runs validator `name` on `value`. Unknown names never reach here (rules are checked at load).
pub fn validate(name: &str, value: &str) -> Check {
    match name {
        "email" => email(value).into(),
        "card" => card(value),
        "luhn" => luhn(value).into(),
        "iban" => iban(value).into(),
        "us_ssn" => us_ssn(value),
        "ip" => ip(value),
        "geo" => geo(value),
        "jwt" => jwt(value).into(),
        "es_dni" => es_dni(value).into(),
        "es_nie" => es_nie(value).into(),
        "it_codice_fiscale" => it_codice_fiscale(value).into(),
        "uk_nino" => uk_nino(value).into(),
        "fr_insee" => fr_insee(value).into(),
        "de_steuer_id" => de_steuer_id(value).into(),
        "nl_bsn" => nl_bsn(value),
        "pt_nif" => pt_nif(value),
        "mac" => mac(value),
        "btc_address" => btc_address(value).into(),
        "eth_address" => eth_address(value).into(),
        "birth_date" => birth_date(value),
        "phone" => phone(value),
        "secret_token" => secret_token(value),
        "de_id_document" => de_id_document(value),
        "ch_ahv" => ch_ahv(value),
        "us_itin" => us_itin(value).into(),
        "ca_sin" => ca_sin(value).into(),
        "gb_nhs" => gb_nhs(value).into(),
        "ie_ppsn" => ie_ppsn(value).into(),
        "be_nn" => be_nn(value),
        "at_svnr" => at_svnr(value).into(),
        "pl_pesel" => pl_pesel(value).into(),
        "cz_sk_rc" => cz_sk_rc(value),
        "se_personnummer" => se_personnummer(value),
        "no_fodselsnummer" => no_fodselsnummer(value).into(),
        "dk_cpr" => dk_cpr(value).into(),
        "fi_hetu" => fi_hetu(value).into(),
        "baltic_personal_code" => baltic_personal_code(value).into(),
        "ro_cnp" => ro_cnp(value).into(),
        "tr_tckn" => tr_tckn(value).into(),
        "il_id" => il_id(value).into(),
        "za_id" => za_id(value).into(),
        "in_aadhaar" => in_aadhaar(value).into(),
        "in_pan" => in_pan(value).into(),
        "sg_nric" => sg_nric(value).into(),
        "kr_rrn" => kr_rrn(value),
        "jp_my_number" => jp_my_number(value).into(),
        "cn_ric" => cn_ric(value).into(),
        "au_tfn" => au_tfn(value).into(),
        "au_medicare" => au_medicare(value).into(),
        "nz_ird" => nz_ird(value).into(),
        "br_cpf" => br_cpf(value),
        "br_cnpj" => br_cnpj(value),
        "mx_curp" => mx_curp(value).into(),
        "mx_rfc" => mx_rfc(value).into(),
        "ar_cuil" => ar_cuil(value),
        "cl_rut" => cl_rut(value),
        "es_nuss" => es_nuss(value).into(),
        "gr_amka" => gr_amka(value).into(),
        "mrz_td3" => mrz_td3(value).into(),
        "passport" => passport(value).into(),
        "pem_base64" => pem_base64(value).into(),
        "config_secret" => config_secret(value),
        _ => Check::Invalid,
    }
}

/// The digits of a match (values 0–9), kept on the stack: validators run on every
/// candidate of dense columns, and none accepts more than `Digits::KEPT`.
struct Digits {
    kept: [u8; Digits::KEPT],
    /// How many digits the text has; only the first `KEPT` are kept.
    count: usize,
}

impl Digits {
    const KEPT: usize = 32;

    /// The number of digits in the text (may exceed what is kept: every length check fails).
    fn len(&self) -> usize {
        self.count
    }
}

impl std::ops::Deref for Digits {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.kept[..self.count.min(Digits::KEPT)]
    }
}

fn digits(s: &str) -> Digits {
    let mut d = Digits { kept: [0; Digits::KEPT], count: 0 };
    for b in s.bytes().filter(u8::is_ascii_digit) {
        if d.count < Digits::KEPT {
            d.kept[d.count] = b - b'0';
        }
        d.count += 1;
    }
    d
}

/// Luhn mod-10 over the digits of `s` (separators ignored); 12–19 digits, not all equal.
pub fn luhn(s: &str) -> bool {
    let d = digits(s);
    if !(12..=19).contains(&d.len()) || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = x as u32;
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 {
                    y - 9
                } else {
                    y
                }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Issuer ranges of the card networks, as (first six digits low, high, allowed lengths
/// as a bit set over 12..=19, weak): the networks' published IIN ranges (Visa,
/// Mastercard 51–55 and 2221–2720, Maestro 50/56–69, American Express 34/37, JCB
/// 3528–3589, Diners Club 300–305/3095/36/38–39, Discover 6011/622126–622925/644–65,
/// UnionPay 62/81, Mir 2200–2204, BORICA 2205, RuPay 60/65/81–82/508, Troy 9792, Verve,
/// Elo, Hipercard, Dankort, InterPayment/InstaPayment 636–639, GPN 1946, Humo 9860,
/// UzCard 8600, UATP 1). Overlapping rows are fine: any row accepts.
const CARD_RANGES: &[(u32, u32, u8, bool)] = &[
    (400_000, 499_999, len(&[13, 16, 19]), false),            // Visa (13: old cards)
    (510_000, 559_999, len(&[16]), false),                    // Mastercard
    (222_100, 272_099, len(&[16]), false),                    // Mastercard 2-series
    (500_000, 599_999, len(&[12, 13, 14, 15, 16, 17, 18, 19]), false), // Maestro 50/56–58, Verve, Elo, Dankort, RuPay 508
    (600_000, 659_999, len(&[16, 17, 18, 19]), false),        // RuPay/Hipercard 60, Discover, UnionPay 62, 636–639, 644–65
    (670_000, 679_999, len(&[16, 17, 18, 19]), false),        // Maestro (UK) 67
    (630_400, 630_499, len(&[12, 13, 14, 15, 16, 17, 18, 19]), false), // Maestro 6304
    (675_900, 675_999, len(&[12, 13, 14, 15, 16, 17, 18, 19]), false), // Maestro 6759
    (676_100, 676_399, len(&[12, 13, 14, 15, 16, 17, 18, 19]), false), // Maestro 6761–6763
    (340_000, 349_999, len(&[15]), false),                    // American Express
    (370_000, 379_999, len(&[15]), false),                    // American Express
    (352_800, 358_999, len(&[16, 17, 18, 19]), false),        // JCB, RuPay-JCB 353/356, LankaPay
    (300_000, 305_999, len(&[14, 15, 16, 17, 18, 19]), false), // Diners Club
    (309_500, 309_599, len(&[14, 15, 16, 17, 18, 19]), false), // Diners Club
    (360_000, 369_999, len(&[14, 15, 16, 17, 18, 19]), false), // Diners Club
    (380_000, 399_999, len(&[14, 15, 16, 17, 18, 19]), false), // Diners Club
    (220_000, 220_599, len(&[16, 17, 18, 19]), false),        // Mir, BORICA
    (810_000, 829_999, len(&[16, 17, 18, 19]), false),        // UnionPay 81, RuPay 81–82
    (979_200, 979_299, len(&[16]), false),                    // Troy
    (194_600, 194_699, len(&[16, 17, 18, 19]), false),        // GPN
    (986_000, 986_099, len(&[16]), false),                    // Humo
    (860_000, 860_099, len(&[16]), false),                    // UzCard
    (100_000, 199_999, len(&[15]), true),                     // UATP: any 15 digits after a 1
];

const fn len(ls: &[u8]) -> u8 {
    let mut bits = 0u8;
    let mut i = 0;
    while i < ls.len() {
        bits |= 1 << (ls[i] - 12);
        i += 1;
    }
    bits
}

/// A payment card number: Luhn, an issuer prefix (IIN) of a real network and a length
/// that network issues (`CARD_RANGES`). Bare 13-digit numbers are weak: old Visa and
/// Maestro, and the length of every EAN-13; so is UATP, whose range is every 15-digit number after a 1.
pub fn card(s: &str) -> Check {
    if !luhn(s) {
        return Check::Invalid;
    }
    let d = digits(s);
    let n = d.len();
    if !(12..=19).contains(&n) {
        return Check::Invalid;
    }
    let p6 = d[..6].iter().fold(0u32, |a, &x| a * 10 + x as u32);
    let bit = 1u8 << (n - 12);
    let Some(&(_, _, _, weak)) = CARD_RANGES.iter().filter(|r| (r.0..=r.1).contains(&p6) && r.2 & bit != 0).min_by_key(|r| r.3) else {
        return Check::Invalid;
    };
    // A barcode is never written in groups of four: grouped, 13 digits are a card.
    let grouped = s.contains([' ', '-']);
    if (n == 13 && !grouped) || weak {
        Check::Weak
    } else {
        Check::Valid
    }
}

/// File name extensions that end "addresses" like `icon@2x.png`.
const FILE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js", "ts", "json", "ico", "bmp", "tif", "tiff"];

/// An e-mail address a person could own: not an SSH remote (`git@host:repo`), not an
/// asset name (`logo@2x.png`), and a domain with a dot.
pub fn email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    let Some((_, tld)) = domain.rsplit_once('.') else { return false };
    !local.eq_ignore_ascii_case("git") && !FILE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(tld))
}

/// IBAN lengths per country: the SWIFT IBAN registry (release 101, via python-stdnum's
/// iban.dat), all 89 countries.
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16),
    ("BG", 22), ("BH", 22), ("BR", 29), ("BY", 28), ("CH", 21), ("CR", 22), ("CY", 28),
    ("CZ", 24), ("DE", 22), ("DK", 18), ("DO", 28), ("EE", 20), ("EG", 29), ("ES", 24),
    ("FI", 18), ("FO", 18), ("FR", 27), ("GB", 22), ("GE", 22), ("GI", 23), ("GL", 18),
    ("GR", 27), ("GT", 28), ("HR", 21), ("HU", 28), ("IE", 22), ("IL", 23), ("IQ", 23),
    ("IS", 26), ("IT", 27), ("JO", 30), ("KW", 30), ("KZ", 20), ("LB", 28), ("LC", 32),
    ("LI", 21), ("LT", 20), ("LU", 20), ("LV", 21), ("MC", 27), ("MD", 24), ("ME", 22),
    ("MK", 19), ("MR", 27), ("MT", 31), ("MU", 30), ("NL", 18), ("NO", 15), ("PK", 24),
    ("PL", 28), ("PS", 29), ("PT", 25), ("QA", 29), ("RO", 24), ("RS", 22), ("SA", 24),
    ("SC", 31), ("SE", 24), ("SI", 19), ("SK", 24), ("SM", 27), ("ST", 25), ("SV", 28),
    ("TL", 23), ("TN", 24), ("TR", 26), ("UA", 29), ("VA", 22), ("VG", 24), ("XK", 20),
    ("BI", 27), ("DJ", 27), ("FK", 18), ("HN", 28), ("LY", 25), ("MN", 20), ("NI", 28),
    ("OM", 23), ("RU", 33), ("SD", 18), ("SO", 23), ("YE", 30),
];

/// ISO 13616: known country, that country's length, and the mod-97 check equal to 1.
pub fn iban(s: &str) -> bool {
    let c: Vec<u8> = s
        .bytes()
        .filter(|b| !matches!(b, b' ' | b'-'))
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if c.len() < 15 || !c.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let Ok(cc) = std::str::from_utf8(&c[..2]) else { return false };
    match IBAN_LENGTHS.iter().find(|(k, _)| *k == cc) {
        Some(&(_, len)) if len == c.len() => {}
        _ => return false,
    }
    if !c[2].is_ascii_digit() || !c[3].is_ascii_digit() {
        return false;
    }
    let mut rem: u32 = 0;
    for &b in c[4..].iter().chain(&c[..4]) {
        let v = if b.is_ascii_digit() { (b - b'0') as u32 } else { (b - b'A') as u32 + 10 };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

/// SSA rules: area not 000, 666 or 9xx; group not 00; serial not 0000; not a known
/// advertising number. A plain 9-digit run is only weak evidence.
pub fn us_ssn(s: &str) -> Check {
    let d = digits(s);
    if d.len() != 9 {
        return Check::Invalid;
    }
    let area = d[0] as u32 * 100 + d[1] as u32 * 10 + d[2] as u32;
    let group = d[3] as u32 * 10 + d[4] as u32;
    let serial = d[5..].iter().fold(0u32, |a, &x| a * 10 + x as u32);
    if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
        return Check::Invalid;
    }
    // Numbers printed in advertising and on sample cards.
    if [[0, 7, 8, 0, 5, 1, 1, 2, 0], [2, 1, 9, 0, 9, 9, 9, 9, 9], [1, 2, 3, 4, 5, 6, 7, 8, 9]].iter().any(|a| d[..] == a[..]) {
        return Check::Invalid;
    }
    if s.contains('-') || s.contains(' ') {
        Check::Valid
    } else {
        Check::Weak
    }
}

/// Real IPv4/IPv6 parsing, in every written form the rules pass on: brackets, a zone id
/// (`fe80::1%eth0`, `%25en0` in URLs, RFC 4007/6874), a CIDR prefix length (RFC 4632),
/// IPv4-mapped and -embedded IPv6 (`::ffff:192.0.2.1`, RFC 4291/6052). Dotted quads whose
/// parts are all small look like version numbers (10.2.3.4), so they count only with
/// context, unless a prefix length says they are a network. A match that carries a
/// version marker (`v10.2.3.4`, `release 4.18.2.114`: the IPv4 rule captures it) is a
/// version string, not an address: `Other`.
pub fn ip(s: &str) -> Check {
    let s = s.trim_matches(|c| c == '[' || c == ']');
    // IPv6 text starts with a hex digit or `:`; a letter before a dotted quad is a marker.
    if s.starts_with(['v', 'V']) || s.contains(' ') || (s.starts_with(|c: char| c.is_ascii_alphabetic()) && !s.contains(':')) {
        return Check::Other;
    }
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => match p.parse::<u8>() {
            Ok(p) => (a, Some(p)),
            Err(_) => return Check::Invalid,
        },
        None => (s, None),
    };
    let (addr, zone) = match addr.split_once('%') {
        Some((a, z)) => (a, !z.is_empty()),
        None => (addr, false),
    };
    if let Ok(v4) = addr.parse::<std::net::Ipv4Addr>() {
        if let Some(p) = prefix {
            return if p <= 32 && !v4.is_unspecified() { Check::Valid } else { Check::Invalid };
        }
        let o = v4.octets();
        if o.iter().all(|&x| x < 32) || v4.is_unspecified() || v4.is_broadcast() {
            return Check::Weak;
        }
        return Check::Valid;
    }
    if let Ok(v6) = addr.parse::<std::net::Ipv6Addr>() {
        if prefix.is_some_and(|p| p > 128) {
            return Check::Invalid;
        }
        if v6.is_unspecified() || v6.is_loopback() {
            return Check::Weak;
        }
        // Tiny addresses (`1::2`) are likely not addresses in data; a zone id, a prefix
        // length or an embedded IPv4 address says they are.
        let groups = addr.split(':').filter(|g| !g.is_empty()).map(|g| if g.contains('.') { 2 } else { 1 }).sum::<usize>();
        if groups < 3 && !zone && prefix.is_none() {
            return Check::Weak;
        }
        return Check::Valid;
    }
    Check::Invalid
}

/// Latitude/longitude pair in range with enough decimals (or degree-minute-second form).
pub fn geo(s: &str) -> Check {
    if s.contains('°') {
        return Check::Valid;
    }
    let nums: Vec<&str> = s
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .filter(|t| t.chars().any(|c| c.is_ascii_digit()))
        .collect();
    if nums.len() != 2 {
        return Check::Invalid;
    }
    let (Ok(a), Ok(b)) = (nums[0].parse::<f64>(), nums[1].parse::<f64>()) else {
        return Check::Invalid;
    };
    let decimals = |t: &str| t.split('.').nth(1).map_or(0, str::len);
    if decimals(nums[0]) < 3 || decimals(nums[1]) < 3 {
        return Check::Invalid;
    }
    // GeoJSON writes [lon, lat]; everything else lat first.
    let (lat, lon) = if s.contains("coordinates") { (b, a) } else { (a, b) };
    (lat.abs() <= 90.0 && lon.abs() <= 180.0).into()
}

fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()
}

/// JWT: three dot-separated base64url parts; the header is a JSON object with `alg`.
pub fn jwt(s: &str) -> bool {
    let mut parts = s.split('.');
    let (Some(h), Some(p)) = (parts.next(), parts.next()) else { return false };
    let Some(header) = b64url_decode(h) else { return false };
    let Ok(serde_json::Value::Object(m)) = serde_json::from_slice::<serde_json::Value>(&header) else {
        return false;
    };
    m.contains_key("alg") && b64url_decode(p).is_some()
}

/// EUI-48 in colon, dash, dot (Cisco) or bare notation; bare hex is weak (it is also the
/// shape of short commit hashes), and all-zero or broadcast addresses are not devices.
pub fn mac(s: &str) -> Check {
    let hex: String = s.chars().filter(char::is_ascii_hexdigit).collect();
    if hex.len() != 12 {
        return Check::Invalid;
    }
    let lower = hex.to_ascii_lowercase();
    if lower == "000000000000" || lower == "ffffffffffff" {
        return Check::Invalid;
    }
    if s.len() == 12 {
        Check::Weak
    } else {
        Check::Valid
    }
}

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn base58_decode(s: &str) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(32);
    for b in s.bytes() {
        let mut carry = BASE58.iter().position(|&x| x == b)? as u32;
        for o in out.iter_mut().rev() {
            carry += (*o as u32) * 58;
            *o = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = s.bytes().take_while(|&b| b == b'1').count();
    let mut v = vec![0u8; zeros];
    v.extend(out);
    Some(v)
}

fn bech32_polymod(values: &[u8]) -> u32 {
    const GEN: [u32; 5] = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
    let mut chk: u32 = 1;
    for &v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ v as u32;
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// Bitcoin address: Base58Check (P2PKH `1…`, P2SH `3…`) or bech32/bech32m (`bc1…`).
pub fn btc_address(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if let Some(data) = lower.strip_prefix("bc1") {
        if s != lower && s != s.to_ascii_uppercase() {
            return false;
        }
        const CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
        let mut vals: Vec<u8> = vec![3, 3, 0, 2, 3]; // hrp "bc" expanded
        for b in data.bytes() {
            match CHARSET.iter().position(|&c| c == b) {
                Some(p) => vals.push(p as u8),
                None => return false,
            }
        }
        let pm = bech32_polymod(&vals);
        return data.len() >= 14 && (pm == 1 || pm == 0x2bc830a3);
    }
    let Some(raw) = base58_decode(s) else { return false };
    if raw.len() != 25 || !(raw[0] == 0x00 || raw[0] == 0x05) {
        return false;
    }
    let h = Sha256::digest(Sha256::digest(&raw[..21]));
    h[..4] == raw[21..]
}

/// Ethereum address: `0x` and 40 hex digits, not all one digit.
pub fn eth_address(s: &str) -> bool {
    let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) else { return false };
    h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit()) && h.bytes().any(|b| b != h.as_bytes()[0])
}

const MONTHS: &[(&str, u32)] = &[
    ("jan", 1), ("feb", 2), ("mar", 3), ("apr", 4), ("may", 5), ("jun", 6), ("jul", 7),
    ("aug", 8), ("sep", 9), ("oct", 10), ("nov", 11), ("dec", 12),
    // de
    ("jän", 1), ("mär", 3), ("mai", 5), ("okt", 10), ("dez", 12),
    // fr
    ("janv", 1), ("fév", 2), ("fev", 2), ("mars", 3), ("avr", 4), ("juin", 6), ("juil", 7),
    ("août", 8), ("aout", 8), ("déc", 12),
    // es / pt / it / nl
    ("ene", 1), ("abr", 4), ("ago", 8), ("dic", 12), ("fev", 2), ("out", 10), ("dez", 12),
    ("gen", 1), ("mag", 5), ("giu", 6), ("lug", 7), ("set", 9), ("ott", 10), ("mrt", 3),
    ("mei", 5), ("okt", 10),
];

fn month_number(word: &str) -> Option<u32> {
    let w = word.to_lowercase();
    let w = w.trim_end_matches('.');
    MONTHS
        .iter()
        .filter(|(p, _)| w.starts_with(p))
        .max_by_key(|(p, _)| p.len())
        .map(|&(_, m)| m)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// A real calendar date whose year is plausible for a living person's birth (1900 up to
/// sixteen years ago). Recent dates (created_at, order dates) are not birth dates.
pub fn birth_date(s: &str) -> Check {
    let mut parts = s.split(['-', '/', '.', ' ', ',']).filter(|t| !t.is_empty());
    let tokens = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), Some(c), None) => [a, b, c],
        _ => return Check::Invalid,
    };
    let num = |t: &str| t.parse::<u32>().ok();
    let (y, m, d);
    if tokens[0].len() == 4 {
        y = num(tokens[0]);
        m = num(tokens[1]).or_else(|| month_number(tokens[1]));
        d = num(tokens[2]);
    } else if tokens[2].len() == 4 {
        y = num(tokens[2]);
        let (a, b) = (tokens[0], tokens[1]);
        match (num(a), num(b)) {
            (Some(x), Some(z)) => {
                // dd/mm or mm/dd: accept when either reading is a date.
                let yy = y.unwrap_or(0) as i32;
                let ok1 = (1..=12).contains(&z) && x >= 1 && x <= days_in_month(yy, z);
                let ok2 = (1..=12).contains(&x) && z >= 1 && z <= days_in_month(yy, x);
                if !(ok1 || ok2) {
                    return Check::Invalid;
                }
                return year_check(yy);
            }
            (Some(x), None) => {
                d = Some(x);
                m = month_number(b);
            }
            (None, Some(z)) => {
                m = month_number(a);
                d = Some(z);
            }
            _ => return Check::Invalid,
        }
    } else {
        return Check::Invalid;
    }
    let (Some(y), Some(m), Some(d)) = (y, m, d) else { return Check::Invalid };
    let y = y as i32;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return Check::Invalid;
    }
    year_check(y)
}

fn year_check(y: i32) -> Check {
    use chrono::Datelike;
    let now = chrono::Utc::now().year();
    if (1900..=now - 16).contains(&y) {
        Check::Valid
    } else {
        Check::Invalid
    }
}

/// A phone number has 7–15 digits (E.164) and is not one repeated digit. Only a number
/// whose writing marks it as one is valid alone: a `+` or parentheses; a trunk 0 with
/// separators and the 9–12 digits of a national number (`00` and spaces: an international
/// one); four or more groups (06 12 34 56 78, 912 34 56 78); or the North American 3-3-4.
/// The rest is weak, needing context: bare digit strings are also ids and amounts, and
/// 612 345 678 is also a French company number (SIREN) or an amount. Phone numbers have no
/// checksum, so a number that fails is some other thing (`Other`), never a chance match.
pub fn phone(s: &str) -> Check {
    let d = digits(s);
    if !(7..=15).contains(&d.len()) || d.iter().all(|&x| x == d[0]) || starts_with_date(s) {
        return Check::Other;
    }
    if s.starts_with('+') || s.contains('(') {
        return Check::Valid;
    }
    // Digit group lengths (up to the first four), and the digits before an `x` extension.
    let (mut groups, mut sizes, mut run, mut main, mut ext) = (0, [0usize; 4], 0, 0, false);
    for c in s.bytes().chain([b' ']) {
        if c.is_ascii_digit() {
            run += 1;
            main += usize::from(!ext);
        } else {
            ext |= c == b'x';
            if run > 0 {
                if groups < 4 {
                    sizes[groups] = run;
                }
                groups += 1;
                run = 0;
            }
        }
    }
    if groups == 1 {
        return Check::Weak;
    }
    // 057-32-5608 is how US social security numbers are written.
    if groups == 3 && sizes[..3] == [3, 2, 4] {
        return Check::Other;
    }
    if s.starts_with("00") {
        // 0044 20 7946 0958; 0012-3456-7890 is a reference.
        return if s.contains(['-', '/', '.']) { Check::Other } else { Check::Valid };
    }
    if s.starts_with('0') {
        // 9–12 digits after a trunk 0 are a national number. 8 (`02 123 456`, small plans)
        // and 13 (`011 15-2345-6789`, Argentine mobiles) are too, but also a postcode and
        // house number or a tracking number: weak, a phone keyword decides. Fewer or more
        // are other things.
        return match d.len() {
            9..=12 => Check::Valid,
            8 | 13 => Check::Weak,
            _ => Check::Other,
        };
    }
    // Without a trunk 0 national numbers have 9–11 digits (before an `x` extension);
    // 732 829 320 00074 is a SIRET.
    if main > 11 {
        Check::Other
    } else if main >= 9 && (groups >= 4 || (groups == 3 && sizes[..3] == [3, 3, 4])) {
        Check::Valid
    } else {
        Check::Weak
    }
}

/// Whether `s` begins with a numeric date (`01.02.2024`, `1/2/2024`, `2024-05-01`): a
/// date and the time after it ("05.01.2024 10") group like a number written after a
/// trunk 0.
pub(crate) fn starts_with_date(s: &str) -> bool {
    let b = s.as_bytes();
    let run = |i: usize| b[i.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
    let a = run(0);
    let Some(&sep) = b.get(a).filter(|c| matches!(c, b'.' | b'/' | b'-')) else { return false };
    let m = run(a + 1);
    let j = a + 1 + m;
    if b.get(j) != Some(&sep) {
        return false;
    }
    let y = run(j + 1);
    ((1..=2).contains(&a) && (1..=2).contains(&m) && y == 4) || (a == 4 && (1..=2).contains(&m) && (1..=2).contains(&y))
}

/// A token-like secret: not a run of one character, not a plain word, not all hex
/// (a digest) unless a keyword vouches for it.
pub fn secret_token(s: &str) -> Check {
    let b = s.as_bytes();
    if b.len() < 8 || b.iter().all(|&x| x == b[0]) {
        return Check::Invalid;
    }
    let has_digit = b.iter().any(u8::is_ascii_digit);
    let has_upper = b.iter().any(u8::is_ascii_uppercase);
    let has_lower = b.iter().any(u8::is_ascii_lowercase);
    if b.iter().all(u8::is_ascii_hexdigit) {
        return Check::Weak;
    }
    if (has_upper && has_lower && b.len() >= 20) || (has_digit && (has_upper || has_lower)) {
        Check::Valid
    } else {
        Check::Weak
    }
}

/// Shannon entropy in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_cards_and_rejects_neighbours() {
        assert!(luhn("4111 1111 1111 1111"));
        assert!(luhn("378282246310005"));
        assert!(!luhn("4111 1111 1111 1112"));
        assert!(!luhn("0000000000000000"));
    }

    #[test]
    fn card_networks_by_iin_and_length() {
        // Published test numbers or Luhn-completed numbers in each network's range.
        for (n, want) in [
            ("4111111111111111", Check::Valid),
            ("5555555555554444", Check::Valid),
            ("2223003122003222", Check::Valid),
            ("378282246310005", Check::Valid),
            ("3530111333300000", Check::Valid),
            ("36227206271667", Check::Valid),
            ("6011111111111117", Check::Valid),
            ("6200000000000005", Check::Valid),
            ("2200000000000004", Check::Valid),
            ("9792000000000003", Check::Valid),
            ("4222222222222", Check::Weak),
            ("4222 2222 2222 2", Check::Valid),
            ("122000000000003", Check::Weak),
            ("9111111111111110", Check::Invalid),
            ("7111111111111114", Check::Invalid),
        ] {
            assert_eq!(card(n), want, "{n}");
        }
    }

    #[test]
    fn iban_checks_length_and_mod97() {
        assert!(iban("GB82 WEST 1234 5698 7654 32"));
        assert!(iban("DE89370400440532013000"));
        assert!(!iban("GB82 WEST 1234 5698 7654 33"));
        assert!(!iban("DE8937040044053201300")); // one digit short
    }

    #[test]
    fn phone_validity_follows_how_the_number_is_written() {
        for valid in ["+44 20 7946 0958", "(030) 1234567", "06 12 34 56 78", "0470/12.34.56", "06-12345678", "0044 20 7946 0958", "0033 1 23 45 67 89", "912 34 56 78", "815.899.3314", "815.899.3314x12"] {
            assert_eq!(phone(valid), Check::Valid, "{valid}");
        }
        // Ambiguous alone: ids, amounts, SIRENs, and trunk-0 numbers of 8 or 13 digits (a
        // national number of a small plan or an Argentine mobile, or a postcode and house
        // number); they count with a keyword.
        for weak in ["2532440468", "612 345 678", "333 1234567", "01234 567", "02 123 456", "011 15-2345-6789"] {
            assert_eq!(phone(weak), Check::Weak, "{weak}");
        }
        // Other things: dates with a time, an SSN, a trunk 0 with too few or too many digits
        // for a national number, a dashed reference after 00, too few digits, one digit.
        for other in ["05.01.2024 10", "2024-05-01 12", "057-32-5608", "0123 456", "05 1234 5678 9012", "0012-3456-7890", "732 829 320 00074", "123456", "+1", "1111111"] {
            assert_eq!(phone(other), Check::Other, "{other}");
        }
    }

    #[test]
    fn ssn_follows_ssa_rules() {
        assert_eq!(us_ssn("536-22-8726"), Check::Valid);
        assert_eq!(us_ssn("666-22-8726"), Check::Invalid);
        assert_eq!(us_ssn("936-22-8726"), Check::Invalid);
        assert_eq!(us_ssn("536-00-8726"), Check::Invalid);
        assert_eq!(us_ssn("536-22-0000"), Check::Invalid);
        assert_eq!(us_ssn("536228726"), Check::Weak);
    }

    #[test]
    fn ip_parses_for_real() {
        assert_eq!(ip("192.168.1.20"), Check::Valid);
        assert_eq!(ip("2001:db8:85a3::8a2e:370:7334"), Check::Valid);
        assert_eq!(ip("300.1.2.3"), Check::Invalid);
        assert_eq!(ip("10.2.3.4"), Check::Weak);
        assert_eq!(ip("10.0.0.0/8"), Check::Valid);
        assert_eq!(ip("10.0.0.0/33"), Check::Invalid);
        assert_eq!(ip("2001:db8::/32"), Check::Valid);
        assert_eq!(ip("fe80::1%eth0"), Check::Valid);
        assert_eq!(ip("::ffff:192.0.2.128"), Check::Valid);
        assert_eq!(ip("[2001:db8::1]"), Check::Valid);
        assert_eq!(ip("::1"), Check::Weak);
        assert_eq!(ip("v10.2.3.40"), Check::Other);
        assert_eq!(ip("release 4.18.2.114"), Check::Other);
        assert_eq!(ip("firmware=2.0.1.155"), Check::Other);
    }

    #[test]
    fn national_id_checksums() {
        assert!(es_dni("12345678Z"));
        assert!(!es_dni("12345678A"));
        assert!(es_nie("X1234567L"));
        assert!(it_codice_fiscale("RSSMRA85T10A562S"));
        assert!(!it_codice_fiscale("RSSMRA85T10A562T"));
        assert!(uk_nino("AB 12 34 56 C"));
        assert!(!uk_nino("QQ123456C"));
        assert!(fr_insee("1 85 05 78 006 084 91"));
        assert!(de_steuer_id("86095742719"));
        assert!(!de_steuer_id("86095742718"));
    }

    #[test]
    fn crypto_addresses() {
        assert!(btc_address("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"));
        assert!(btc_address("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"));
        assert!(btc_address("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
        assert!(!btc_address("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"));
        assert!(eth_address("0x52908400098527886E0F7030069857D2E4169EE7"));
    }

    #[test]
    fn jwt_needs_alg_header() {
        assert!(jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"));
        assert!(!jwt("eyJmb28iOiJiYXIifQ.eyJzdWIiOiIxIn0.sig"));
    }

    #[test]
    fn birth_dates_are_real_and_old_enough() {
        assert_eq!(birth_date("1976-05-21"), Check::Valid);
        assert_eq!(birth_date("06.12.1966"), Check::Valid);
        assert_eq!(birth_date("03 October 1958"), Check::Valid);
        assert_eq!(birth_date("1976-02-30"), Check::Invalid);
        assert_eq!(birth_date("2025-08-08"), Check::Invalid);
    }

    /// One number per scheme from python-stdnum (or the spec), and a one-character mutant.
    #[test]
    fn national_id_schemes_accept_real_numbers_and_reject_mutants() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("us_itin", "929-73-0283", None),
            ("ca_sin", "441 635 265", Some("441 835 265")),
            ("gb_nhs", "616 604 4534", Some("616 604 4532")),
            ("ie_ppsn", "0904366J", Some("0944366J")),
            ("be_nn", "01.12.08-946.83", Some("01.62.08-946.83")),
            ("at_svnr", "6804 210190", Some("6804 210100")),
            ("pl_pesel", "03291622326", Some("05291622326")),
            ("cz_sk_rc", "855529/1646", Some("855529/1648")),
            ("se_personnummer", "000921-8330", Some("000921-8430")),
            ("no_fodselsnummer", "060375 08444", Some("060375 08449")),
            ("dk_cpr", "161293-7787", None),
            ("fi_hetu", "250777-246K", Some("250277-246K")),
            ("baltic_personal_code", "50408283834", Some("50408273834")),
            ("ro_cnp", "2320203195223", Some("2340203195223")),
            ("tr_tckn", "47926261276", Some("37926261276")),
            ("il_id", "651707879", Some("651707809")),
            ("za_id", "910101 9144 18 4", Some("900101 9144 18 4")),
            ("in_aadhaar", "2125 0850 3435", Some("2125 0850 3433")),
            ("in_pan", "TMALR5460K", None),
            ("sg_nric", "S2593160B", Some("S2593167B")),
            ("kr_rrn", "641027-1116191", Some("641067-1116191")),
            ("jp_my_number", "8595 4532 0445", Some("8595 4532 0443")),
            ("cn_ric", "152526199403079881", Some("152526199402079881")),
            ("au_tfn", "961 180 913", Some("961 180 713")),
            ("au_medicare", "3778 37595 8", Some("3778 31595 8")),
            ("nz_ird", "10-315-727", Some("13-315-727")),
            ("br_cpf", "519.264.073-34", Some("589.264.073-34")),
            ("br_cnpj", "05.918.050/0001-76", Some("65.918.050/0001-76")),
            ("mx_curp", "VEWN010122MQRNNFB4", Some("VEWN010122MQFNNFB4")),
            ("mx_rfc", "YMZF9603134E5", Some("YMZF9603134E2")),
            ("ar_cuil", "24-04330075-6", Some("24-04330055-6")),
            ("cl_rut", "18.096.959-4", Some("18.096.979-4")),
            ("es_nuss", "12/77865127/28", Some("12/77865327/28")),
            ("gr_amka", "08107658711", Some("08107658719")),
            ("mrz_td3", "96ZV511464IND8705286<2608271NG937342<<<<<<76", Some("96ZV511364IND8705286<2608271NG937342<<<<<<76")),
        ];
        for &(name, good, bad) in cases {
            assert!(!matches!(validate(name, good), Check::Invalid | Check::Other), "{name} rejects {good}");
            if let Some(bad) = bad {
                assert_eq!(validate(name, bad), Check::Invalid, "{name} accepts the mutant {bad}");
            }
        }
        assert_eq!(br_cpf("123.456.789-09"), Check::Valid);
        assert_eq!(br_cpf("12345678909"), Check::Weak, "bare digits need context");
        assert!(mrz_td3("L898902C36UTO7408122F1204159ZE184226B<<<<<10"), "the ICAO 9303 specimen");
    }
}
