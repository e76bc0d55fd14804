//! National ids and travel documents: the check characters, embedded dates and check
//! digits each issuing standard fixes (ES DNI/NIE, IT codice fiscale, UK NINO, FR INSEE,
//! DE Steuer-ID and ID documents, NL BSN, PT NIF, CH AHV, and the schemes of more
//! countries after them), and ICAO 9303 passport MRZ lines.
//!
//! Each checks what the issuing standard fixes (length, embedded date, check digits) and
//! nothing it leaves open. They
//! work on the stack (`digits`, `Chars`): they run on every candidate of dense columns.
//! Rules whose common written form is a bare digit run need context (keyword_mode), so
//! these return `Valid`; where a formatted form is distinctive alone (`123.456.789-09`)
//! and the bare one is not, the bare one is `Weak`.

use super::*;

const DNI_LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Spanish DNI: 8 digits and the mod-23 control letter.
pub fn es_dni(s: &str) -> bool {
    let c: Vec<u8> = s.bytes().filter(|b| b.is_ascii_alphanumeric()).collect();
    if c.len() != 9 || !c[..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let n: u32 = std::str::from_utf8(&c[..8]).ok().and_then(|x| x.parse().ok()).unwrap_or(0);
    DNI_LETTERS[(n % 23) as usize] == c[8].to_ascii_uppercase()
}

/// Spanish NIE: X/Y/Z, 7 digits and the DNI control letter over the mapped number.
pub fn es_nie(s: &str) -> bool {
    let c: Vec<u8> = s.bytes().filter(|b| b.is_ascii_alphanumeric()).collect();
    if c.len() != 9 {
        return false;
    }
    let lead = match c[0].to_ascii_uppercase() {
        b'X' => b'0',
        b'Y' => b'1',
        b'Z' => b'2',
        _ => return false,
    };
    let mut m = c.clone();
    m[0] = lead;
    es_dni(std::str::from_utf8(&m).unwrap_or(""))
}

/// Italian codice fiscale: 16 characters with the odd/even-position control character.
pub fn it_codice_fiscale(s: &str) -> bool {
    const ODD: [u32; 36] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // 0-9
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23, // A-Z
    ];
    let c: Vec<u8> = s.bytes().map(|b| b.to_ascii_uppercase()).collect();
    if c.len() != 16 || !c.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let idx = |b: u8| if b.is_ascii_digit() { (b - b'0') as usize } else { (b - b'A') as usize + 10 };
    let val_even = |b: u8| if b.is_ascii_digit() { (b - b'0') as u32 } else { (b - b'A') as u32 };
    let mut sum = 0;
    for (i, &b) in c[..15].iter().enumerate() {
        sum += if i % 2 == 0 { ODD[idx(b)] } else { val_even(b) };
    }
    c[15] == b'A' + (sum % 26) as u8
}

/// UK National Insurance number: valid prefix letters, 6 digits, suffix A–D.
pub fn uk_nino(s: &str) -> bool {
    let c: Vec<u8> = s
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if c.len() != 9 || !c[2..8].iter().all(u8::is_ascii_digit) || !matches!(c[8], b'A'..=b'D') {
        return false;
    }
    let (a, b) = (c[0], c[1]);
    let bad_first = b"DFIQUV";
    let bad_second = b"DFIQUVO";
    if !a.is_ascii_uppercase() || !b.is_ascii_uppercase() || bad_first.contains(&a) || bad_second.contains(&b) {
        return false;
    }
    !matches!(&c[..2], b"BG" | b"GB" | b"NK" | b"KN" | b"TN" | b"NT" | b"ZZ")
}

/// French INSEE/NIR: sex digit, year, month, department, and the 97-modulus key.
pub fn fr_insee(s: &str) -> bool {
    let c: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if c.len() != 15 || !matches!(&c[..1], "1" | "2") {
        return false;
    }
    let month: u32 = c[3..5].parse().unwrap_or(0);
    if !(1..=12).contains(&month) && !(20..=42).contains(&month) && !(50..=99).contains(&month) {
        return false;
    }
    // Corsica: 2A → 19, 2B → 18 for the checksum.
    let body = c[..13].replace("2A", "19").replace("2B", "18");
    let (Ok(n), Ok(key)) = (body.parse::<u64>(), c[13..].parse::<u64>()) else { return false };
    97 - n % 97 == key
}

/// German Steuer-ID: 11 digits, no leading zero, one digit repeated (2 or 3 times) in the
/// first ten, and the ISO 7064 MOD 11,10 check digit.
pub fn de_steuer_id(s: &str) -> bool {
    let d = digits(s);
    if d.len() != 11 || d[0] == 0 {
        return false;
    }
    let mut counts = [0u8; 10];
    for &x in &d[..10] {
        counts[x as usize] += 1;
    }
    let repeated = counts.iter().filter(|&&n| n >= 2).count();
    if repeated != 1 || counts.iter().any(|&n| n > 3) {
        return false;
    }
    let mut product = 10u32;
    for &x in &d[..10] {
        let mut sum = (x as u32 + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let check = (11 - product) % 10;
    check == d[10] as u32
}

/// Dutch BSN: 9 digits passing the "11-proef". One random 9-digit number in eleven
/// passes, so the rule needs a keyword or a dense column where nearly all pass (the
/// column's rejection share tells chance from real).
pub fn nl_bsn(s: &str) -> Check {
    let d = digits(s);
    if d.len() != 9 {
        return Check::Invalid;
    }
    let sum: i32 = d[..8].iter().enumerate().map(|(i, &x)| (9 - i as i32) * x as i32).sum::<i32>() - d[8] as i32;
    (sum % 11 == 0 && sum != 0).into()
}

/// Portuguese NIF: 9 digits with a mod-11 check digit (as BSN: keyword or dense column).
pub fn pt_nif(s: &str) -> Check {
    let d = digits(s);
    if d.len() != 9 || !matches!(d[0], 1 | 2 | 3 | 5 | 6 | 8 | 9) {
        return Check::Invalid;
    }
    let sum: u32 = d[..8].iter().enumerate().map(|(i, &x)| (9 - i as u32) * x as u32).sum();
    let r = sum % 11;
    let check = if r < 2 { 0 } else { 11 - r };
    (check == d[8] as u32).into()
}

/// German identity document serial (Personalausweis / Reisepass): 9 characters from the
/// document alphabet (no vowels but none of A, E, I, O, U, B, D, Q, S), first one a letter
/// from C F G H J K L M N P R T V W X Y Z.
pub fn de_id_document(s: &str) -> Check {
    const ALPHA: &[u8] = b"0123456789CFGHJKLMNPRTVWXYZ";
    let b = s.as_bytes();
    if b.len() != 9 || !b.iter().all(|c| ALPHA.contains(c)) || !b[0].is_ascii_uppercase() {
        return Check::Invalid;
    }
    let letters = b.iter().filter(|c| c.is_ascii_uppercase()).count();
    if letters < 2 {
        return Check::Invalid;
    }
    Check::Valid
}

/// Swiss AHV/AVS number: 756, nine digits and an EAN-13 check digit. Undotted, it is
/// also a valid EAN-13 barcode with prefix 756, so only the dotted form stands alone.
pub fn ch_ahv(s: &str) -> Check {
    let d = digits(s);
    if d.len() != 13 || d[..3] != [7, 5, 6] {
        return Check::Invalid;
    }
    let sum: u32 = d[..12].iter().enumerate().map(|(i, &x)| x as u32 * if i % 2 == 0 { 1 } else { 3 }).sum();
    if (10 - sum % 10) % 10 != d[12] as u32 {
        Check::Invalid
    } else if s.contains('.') {
        Check::Valid
    } else {
        Check::Plausible
    }
}


/// Up to 24 upper-cased ASCII letters and digits of a match, separators dropped.
struct Chars {
    b: [u8; 24],
    n: usize,
}

impl std::ops::Deref for Chars {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.b[..self.n]
    }
}

/// The letters and digits of `s`, upper-cased; `None` when there are more than 24 or `s`
/// holds anything but them and the separators ` -./`.
fn chars(s: &str) -> Option<Chars> {
    let mut c = Chars { b: [0; 24], n: 0 };
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            if c.n == 24 {
                return None;
            }
            c.b[c.n] = b.to_ascii_uppercase();
            c.n += 1;
        } else if !matches!(b, b' ' | b'-' | b'.' | b'/') {
            return None;
        }
    }
    Some(c)
}

/// The number the digits spell (at most 19 of them).
fn num(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |a, &x| a * 10 + x as u64)
}

/// Sum of digit × weight.
fn weighted(d: &[u8], w: &[u32]) -> u32 {
    d.iter().zip(w).map(|(&x, &w)| x as u32 * w).sum()
}

/// Luhn mod 10 over exactly these digits.
fn luhn_digits(d: &[u8]) -> bool {
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let x = x as u32;
            if i % 2 == 1 {
                if x * 2 > 9 { x * 2 - 9 } else { x * 2 }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A calendar date.
fn ymd(y: i32, m: u32, d: u32) -> bool {
    (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

fn two(d: &[u8], i: usize) -> u32 {
    d[i] as u32 * 10 + d[i + 1] as u32
}

/// `Valid` when the value is written with one of `seps`, else `Weak` (bare digits need context).
fn formatted(s: &str, seps: &[char]) -> Check {
    if s.contains(seps) {
        Check::Valid
    } else {
        Check::Weak
    }
}

fn one_digit_repeated(d: &[u8]) -> bool {
    d.iter().all(|&x| x == d[0])
}

/// US ITIN (IRS): 9 digits, area 9xx, group 50–65, 70–88, 90–92 or 94–99. No checksum.
pub fn us_itin(s: &str) -> bool {
    let d = digits(s);
    d.len() == 9 && d[0] == 9 && matches!(two(&d, 3), 50..=65 | 70..=88 | 90..=92 | 94..=99)
}

/// Canadian SIN: 9 digits, Luhn, first digit not 0 or 8.
pub fn ca_sin(s: &str) -> bool {
    let d = digits(s);
    d.len() == 9 && d[0] != 0 && d[0] != 8 && luhn_digits(&d)
}

/// UK NHS number: 10 digits, weights 10..2, mod-11 check digit (10 never issued).
pub fn gb_nhs(s: &str) -> bool {
    let d = digits(s);
    if d.len() != 10 || one_digit_repeated(&d) {
        return false;
    }
    let r = 11 - weighted(&d[..9], &[10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11;
    let check = if r == 11 { 0 } else { r };
    check != 10 && check == d[9] as u32
}

/// Irish PPS number: 7 digits, a mod-23 check letter, and an optional second letter
/// (A/B/H since 2013, which enters the check; W, T or X before).
pub fn ie_ppsn(s: &str) -> bool {
    const ALPHA: &[u8] = b"WABCDEFGHIJKLMNOPQRSTUV";
    let Some(c) = chars(s) else { return false };
    if !(8..=9).contains(&c.n) || !c[..7].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: [u8; 7] = std::array::from_fn(|i| c[i] - b'0');
    let mut sum = weighted(&d, &[8, 7, 6, 5, 4, 3, 2]);
    if c.n == 9 {
        match c[8] {
            b'A' | b'B' | b'H' => sum += 9 * ALPHA.iter().position(|&x| x == c[8]).unwrap_or(0) as u32,
            b'W' | b'T' | b'X' => {}
            _ => return false,
        }
    }
    ALPHA[(sum % 23) as usize] == c[7]
}

/// Belgian national number (Rijksregisternummer): YYMMDD, 3-digit serial, mod-97 check
/// (with a 2 in front for births from 2000). Bis numbers add 20 or 40 to the month.
pub fn be_nn(s: &str) -> Check {
    let d = digits(s);
    if d.len() != 11 || num(&d) == 0 {
        return Check::Invalid;
    }
    let body = num(&d[..9]);
    let check = num(&d[9..]);
    let century = if 97 - body % 97 == check {
        1900
    } else if 97 - (2_000_000_000 + body) % 97 == check {
        2000
    } else {
        return Check::Invalid;
    };
    let month = two(&d, 2) % 20;
    let day = two(&d, 4);
    let raw_month = two(&d, 2);
    if !matches!(raw_month, 0..=12 | 20..=32 | 40..=52) || (month != 0 && day != 0 && !ymd(century + two(&d, 0) as i32, month, day)) {
        return Check::Invalid;
    }
    formatted(s, &['.', '-'])
}

/// Austrian social insurance number (SVNR): 3-digit serial, check digit, DDMMYY; weights
/// 3 7 9 · 5 8 4 2 1 6, mod 11 (10 is never issued).
pub fn at_svnr(s: &str) -> bool {
    let d = digits(s);
    if d.len() != 10 || d[0] == 0 {
        return false;
    }
    let c = weighted(&d, &[3, 7, 9, 0, 5, 8, 4, 2, 1, 6]) % 11;
    // Day and month may be unknown (00, or a month above 12 for unknown dates).
    c == d[3] as u32 && two(&d, 4) <= 31 && two(&d, 6) <= 12
}

/// Polish PESEL: YYMMDD (month + 20/40/60/80 for other centuries), serial, check digit
/// with weights 1 3 7 9.
pub fn pl_pesel(s: &str) -> bool {
    let d = digits(s);
    if d.len() != 11 {
        return false;
    }
    let check = (10 - weighted(&d[..10], &[1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10) % 10;
    let m = two(&d, 2);
    let century = [1900, 2000, 2100, 2200, 1800][(m / 20) as usize % 5];
    check == d[10] as u32 && m < 100 && ymd(century + two(&d, 0) as i32, m % 20, two(&d, 4))
}

/// Czech and Slovak birth number (rodné číslo): YYMMDD (month + 50 for women, + 20/70
/// for extra series) and 3 digits until 1953; 4 since 1954, the whole number divisible
/// by 11 (or remainder 10 with check 0). The slash form is distinctive, bare digits weak.
pub fn cz_sk_rc(s: &str) -> Check {
    let d = digits(s);
    if !(9..=10).contains(&d.len()) {
        return Check::Invalid;
    }
    let mut year = 1900 + two(&d, 0) as i32;
    let month = two(&d, 2) % 50 % 20;
    if d.len() == 9 {
        if year >= 1980 {
            year -= 100;
        }
        if year > 1953 {
            return Check::Invalid;
        }
    } else {
        if year < 1954 {
            year += 100;
        }
        if (num(&d[..9]) % 11 % 10) as u8 != d[9] {
            return Check::Invalid;
        }
    }
    if !ymd(year, month, two(&d, 4)) {
        return Check::Invalid;
    }
    formatted(s, &['/'])
}

/// Swedish personnummer: [YY]YYMMDD, `-` (or `+` from age 100), 3 digits and a Luhn
/// check over the last ten. Coordination numbers add 60 to the day.
pub fn se_personnummer(s: &str) -> Check {
    let d = digits(s);
    let ten = match d.len() {
        10 => &d[..],
        12 if matches!(two(&d, 0), 18..=20) => &d[2..],
        _ => return Check::Invalid,
    };
    let day = two(ten, 4);
    let day = if day > 60 { day - 60 } else { day };
    if !luhn_digits(ten) || !ymd(2000, two(ten, 2), day) {
        return Check::Invalid;
    }
    formatted(s, &['-', '+'])
}

/// Norwegian fødselsnummer (and D-numbers: day + 40): DDMMYY, 3 digits, two mod-11
/// check digits.
pub fn no_fodselsnummer(s: &str) -> bool {
    let d = digits(s);
    if d.len() != 11 {
        return false;
    }
    let k1 = (11 - weighted(&d[..9], &[3, 7, 6, 1, 8, 9, 4, 5, 2]) % 11) % 11;
    let k2 = (11 - weighted(&d[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11) % 11;
    let day = two(&d, 0);
    let day = if day > 40 { day - 40 } else { day };
    // H-numbers add 40 to the month.
    let month = two(&d, 2);
    let month = if month > 40 { month - 40 } else { month };
    k1 == d[9] as u32 && k2 == d[10] as u32 && ymd(2000, month, day)
}

/// Danish CPR number: DDMMYY and 4 digits; the 7th digit with the year fixes the
/// century. The mod-11 check was dropped in 2007, so only the date is checked.
pub fn dk_cpr(s: &str) -> bool {
    let d = digits(s);
    if d.len() != 10 {
        return false;
    }
    let yy = two(&d, 4) as i32;
    let year = match d[6] {
        5..=8 if yy >= 58 => 1800 + yy,
        0..=3 => 1900 + yy,
        4 | 9 if yy >= 37 => 1900 + yy,
        _ => 2000 + yy,
    };
    use chrono::Datelike;
    ymd(year, two(&d, 2), two(&d, 0)) && year <= chrono::Utc::now().year()
}

/// Finnish henkilötunnus: DDMMYY, a century sign, a 3-digit individual number (002–899)
/// and a mod-31 check character.
pub fn fi_hetu(s: &str) -> bool {
    const CHECK: &[u8] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
    let b = s.as_bytes();
    if b.len() != 11 || !b[..6].iter().all(u8::is_ascii_digit) || !b[7..10].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let century = match b[6].to_ascii_uppercase() {
        b'+' => 1800,
        b'-' | b'Y' | b'X' | b'W' | b'V' | b'U' => 1900,
        b'A'..=b'F' => 2000,
        _ => return false,
    };
    let d = digits(s);
    let individual = num(&d[6..9]);
    ymd(century + two(&d, 4) as i32, two(&d, 2), two(&d, 0))
        && (2..900).contains(&individual)
        && CHECK[(num(&d[..9]) % 31) as usize] == b[10].to_ascii_uppercase()
}

/// Estonian isikukood and Lithuanian asmens kodas: a century-and-sex digit 1–6, YYMMDD,
/// 3 digits and a check digit from two weight rounds (mod 11).
pub fn baltic_personal_code(s: &str) -> bool {
    let d = digits(s);
    if d.len() != 11 || !(1..=6).contains(&d[0]) {
        return false;
    }
    let year = [1800, 1900, 2000][(d[0] as usize - 1) / 2] + two(&d, 1) as i32;
    if !ymd(year, two(&d, 3), two(&d, 5)) {
        return false;
    }
    let mut c = weighted(&d[..10], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 1]) % 11;
    if c == 10 {
        c = weighted(&d[..10], &[3, 4, 5, 6, 7, 8, 9, 1, 2, 3]) % 11;
    }
    c % 10 == d[10] as u32
}

/// Romanian CNP: sex-and-century digit, YYMMDD, county code, serial, check digit with
/// weights 2 7 9 1 4 6 3 5 8 2 7 9 (mod 11, 10 → 1).
pub fn ro_cnp(s: &str) -> bool {
    let d = digits(s);
    if d.len() != 13 || d[0] == 0 {
        return false;
    }
    let century = match d[0] {
        1 | 2 => 1900,
        3 | 4 => 1800,
        5 | 6 => 2000,
        _ => 1900,
    };
    let county = two(&d, 7);
    let c = weighted(&d[..12], &[2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9]) % 11;
    let c = if c == 10 { 1 } else { c };
    c == d[12] as u32 && ymd(century + two(&d, 1) as i32, two(&d, 3), two(&d, 5)) && matches!(county, 1..=48 | 51 | 52 | 70 | 80..=83)
}

/// Turkish T.C. Kimlik No: 11 digits, no leading 0, two check digits.
pub fn tr_tckn(s: &str) -> bool {
    let d = digits(s);
    if d.len() != 11 || d[0] == 0 {
        return false;
    }
    let k1 = (10 - weighted(&d[..9], &[3, 1, 3, 1, 3, 1, 3, 1, 3]) % 10) % 10;
    let k2 = (k1 + d[..9].iter().map(|&x| x as u32).sum::<u32>()) % 10;
    k1 == d[9] as u32 && k2 == d[10] as u32
}

/// Israeli Teudat Zehut: up to 9 digits (zero-padded), Luhn.
pub fn il_id(s: &str) -> bool {
    let d = digits(s);
    if !(8..=9).contains(&d.len()) || num(&d) == 0 || one_digit_repeated(&d) {
        return false;
    }
    let mut p = [0u8; 9];
    p[9 - d.len()..].copy_from_slice(&d);
    luhn_digits(&p)
}

/// South African identity number: YYMMDD, 4 digits, citizenship 0/1, a digit, Luhn.
pub fn za_id(s: &str) -> bool {
    let d = digits(s);
    d.len() == 13 && d[10] <= 1 && ymd(2000, two(&d, 2), two(&d, 4)) && luhn_digits(&d)
}

/// Indian Aadhaar: 12 digits, not starting 0 or 1, not a palindrome, Verhoeff check.
pub fn in_aadhaar(s: &str) -> bool {
    const D: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    let d = digits(s);
    if d.len() != 12 || d[0] < 2 || d.iter().eq(d.iter().rev()) {
        return false;
    }
    let c = d.iter().rev().enumerate().fold(0u8, |c, (i, &x)| D[c as usize][P[i % 8][x as usize] as usize]);
    c == 0
}

/// Indian PAN: 5 letters (the 4th a holder type), 4 digits not 0000, a letter.
pub fn in_pan(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[..5].iter().all(u8::is_ascii_uppercase)
        && b"ABCFGHLJPTK".contains(&b[3])
        && b[5..9].iter().all(u8::is_ascii_digit)
        && &b[5..9] != b"0000"
        && b[9].is_ascii_uppercase()
}

/// Singapore NRIC/FIN (S, T, F, G series): a letter, 7 digits and a mod-11 check letter.
pub fn sg_nric(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 9 || !b[1..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: [u8; 7] = std::array::from_fn(|i| b[i + 1] - b'0');
    let sum = weighted(&d, &[2, 7, 6, 5, 4, 3, 2]);
    let (offset, table): (u32, &[u8]) = match b[0].to_ascii_uppercase() {
        b'S' => (0, b"JZIHGFEDCBA"),
        b'T' => (4, b"JZIHGFEDCBA"),
        b'F' => (0, b"XWUTRQPNMLK"),
        b'G' => (4, b"XWUTRQPNMLK"),
        _ => return false,
    };
    table[((sum + offset) % 11) as usize] == b[8].to_ascii_uppercase()
}

/// Korean resident registration number: YYMMDD, a sex-and-century digit, 4 digits
/// (place of birth ≤ 96), a mod-11 check digit. Dashed it stands alone.
pub fn kr_rrn(s: &str) -> Check {
    let d = digits(s);
    if d.len() != 13 {
        return Check::Invalid;
    }
    let century = match d[6] {
        1 | 2 | 5 | 6 => 1900,
        3 | 4 | 7 | 8 => 2000,
        _ => 1800,
    };
    let c = (11 - weighted(&d[..12], &[2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]) % 11) % 10;
    if c != d[12] as u32 || two(&d, 7) > 96 || !ymd(century + two(&d, 0) as i32, two(&d, 2), two(&d, 4)) {
        return Check::Invalid;
    }
    formatted(s, &['-'])
}

/// Japanese Individual Number (My Number): 12 digits, mod-11 check digit.
pub fn jp_my_number(s: &str) -> bool {
    let d = digits(s);
    if d.len() != 12 || one_digit_repeated(&d) {
        return false;
    }
    let sum = weighted(&d[..11], &[6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    (11 - sum % 11) % 11 % 10 == d[11] as u32
}

/// Chinese resident identity card number (GB 11643): 6-digit region (a province code),
/// YYYYMMDD, 3 digits, and an ISO 7064 MOD 11-2 check character (0–9 or X).
pub fn cn_ric(s: &str) -> bool {
    let Some(c) = chars(s) else { return false };
    if c.n != 18 || !c[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: [u8; 17] = std::array::from_fn(|i| c[i] - b'0');
    let province = two(&d, 0);
    if !matches!(province, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82 | 83 | 91) {
        return false;
    }
    let year = num(&d[6..10]) as i32;
    use chrono::Datelike;
    if !(1900..=chrono::Utc::now().year()).contains(&year) || !ymd(year, two(&d, 10), two(&d, 12)) {
        return false;
    }
    // Σ dᵢ·2^(17-i) mod 11, then (12 - sum) mod 11; 10 is written X.
    let sum = d.iter().fold(0u32, |acc, &x| (acc + x as u32) * 2 % 11);
    let check = (12 - sum % 11) % 11;
    c[17] == if check == 10 { b'X' } else { b'0' + check as u8 }
}

/// Australian tax file number: 8 or 9 digits, weighted sum divisible by 11.
pub fn au_tfn(s: &str) -> bool {
    let d = digits(s);
    (8..=9).contains(&d.len()) && !one_digit_repeated(&d) && weighted(&d, &[1, 4, 3, 7, 5, 8, 6, 9, 10]).is_multiple_of(11)
}

/// Australian Medicare card number: first digit 2–6, 7 digits, a check digit (weights
/// 1 3 7 9 1 3 7 9, mod 10), an issue number, and optionally a person's reference 1–9.
pub fn au_medicare(s: &str) -> bool {
    let d = digits(s);
    (10..=11).contains(&d.len())
        && (2..=6).contains(&d[0])
        && weighted(&d[..8], &[1, 3, 7, 9, 1, 3, 7, 9]) % 10 == d[8] as u32
        && (d.len() == 10 || d[10] != 0)
}

/// New Zealand IRD number: 8 or 9 digits between 10,000,000 and 150,000,000, mod-11
/// check digit (a second weight set when the first gives 10).
pub fn nz_ird(s: &str) -> bool {
    let d = digits(s);
    if !(8..=9).contains(&d.len()) {
        return false;
    }
    let n = num(&d);
    if !(10_000_001..150_000_000).contains(&n) {
        return false;
    }
    let mut body = [0u8; 8];
    body[9 - d.len()..].copy_from_slice(&d[..d.len() - 1]);
    let mut c = (11 - weighted(&body, &[3, 2, 7, 6, 5, 4, 3, 2]) % 11) % 11;
    if c == 10 {
        c = (11 - weighted(&body, &[7, 4, 3, 2, 5, 2, 7, 6]) % 11) % 11;
    }
    c == d[d.len() - 1] as u32
}

/// Brazilian CPF: 11 digits, two mod-11 check digits, not one repeated digit. Written
/// 123.456.789-09 it stands alone; bare it is weak.
pub fn br_cpf(s: &str) -> Check {
    let d = digits(s);
    if d.len() != 11 || one_digit_repeated(&d) {
        return Check::Invalid;
    }
    let d1 = (11 - weighted(&d[..9], &[10, 9, 8, 7, 6, 5, 4, 3, 2]) % 11) % 11 % 10;
    let d2 = (11 - (weighted(&d[..9], &[11, 10, 9, 8, 7, 6, 5, 4, 3]) + 2 * d1) % 11) % 11 % 10;
    if d1 != d[9] as u32 || d2 != d[10] as u32 {
        return Check::Invalid;
    }
    formatted(s, &['.', '-'])
}

/// Brazilian CNPJ: 14 digits (12-digit base, 2 check digits mod 11).
pub fn br_cnpj(s: &str) -> Check {
    let d = digits(s);
    if d.len() != 14 || d[..12].iter().all(|&x| x == 0) {
        return Check::Invalid;
    }
    let d1 = (11 - weighted(&d[..12], &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) % 11) % 11 % 10;
    let d2 = (11 - weighted(&d[..13], &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]) % 11) % 11 % 10;
    if d1 != d[12] as u32 || d2 != d[13] as u32 {
        return Check::Invalid;
    }
    formatted(s, &['.', '/', '-'])
}

const MX_ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ";

/// Mexican CURP: 4 letters, YYMMDD, sex H/M (X since 2022), a state code, 3 consonants,
/// a century character and a check digit.
pub fn mx_curp(s: &str) -> bool {
    const STATES: &[&[u8]] = &[
        b"AS", b"BC", b"BS", b"CC", b"CH", b"CL", b"CM", b"CS", b"DF", b"DG", b"GR", b"GT", b"HG", b"JC", b"MC", b"MN", b"MS", b"NE", b"NL", b"NT",
        b"OC", b"PL", b"QR", b"QT", b"SL", b"SP", b"SR", b"TC", b"TL", b"TS", b"VZ", b"YN", b"ZS",
    ];
    let b = s.as_bytes();
    if b.len() != 18
        || !b[..4].iter().all(u8::is_ascii_uppercase)
        || !b[4..10].iter().all(u8::is_ascii_digit)
        || !matches!(b[10], b'H' | b'M' | b'X')
        || !STATES.contains(&&b[11..13])
        || !b[13..16].iter().all(u8::is_ascii_uppercase)
        || !b[16].is_ascii_alphanumeric()
        || !b[17].is_ascii_digit()
    {
        return false;
    }
    let year = if b[16].is_ascii_digit() { 1900 } else { 2000 } + ((b[4] - b'0') * 10 + b[5] - b'0') as i32;
    let (m, d) = (((b[6] - b'0') * 10 + b[7] - b'0') as u32, ((b[8] - b'0') * 10 + b[9] - b'0') as u32);
    if !ymd(year, m, d) {
        return false;
    }
    mx_check(&b[..17]) == b[17]
}

/// The CURP/RFC check character over `body` (weights counting down to 2, mod 10 for the
/// CURP; the RFC's mod 11 is `mx_rfc`'s own).
fn mx_check(body: &[u8]) -> u8 {
    let n = body.len() as u32 + 1;
    let sum: u32 = body.iter().enumerate().map(|(i, c)| MX_ALPHABET.iter().position(|x| x == c).unwrap_or(0) as u32 * (n - i as u32)).sum();
    b'0' + ((10 - sum % 10) % 10) as u8
}

/// Mexican RFC of a person (13 characters: 4 letters, YYMMDD, a 2-character homoclave
/// and a check character) or a company (12: 3 letters); the check is mod 11.
pub fn mx_rfc(s: &str) -> bool {
    const ALPHA: &[u8] = b"0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ \xd1";
    let Some(c) = chars(s) else { return false };
    let letters = match c.n {
        13 => 4,
        12 => 3,
        _ => return false,
    };
    if !c[..letters].iter().all(u8::is_ascii_uppercase) || !c[letters..letters + 6].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let dd = |i: usize| ((c[i] - b'0') * 10 + c[i + 1] - b'0') as u32;
    if !ymd(2000, dd(letters + 2), dd(letters + 4)) {
        return false;
    }
    // The check runs over 12 positions: a company's 12-character RFC gets a leading space.
    let mut body = [b' '; 12];
    body[12 - (c.n - 1)..].copy_from_slice(&c[..c.n - 1]);
    let sum: u32 = body.iter().enumerate().map(|(i, ch)| ALPHA.iter().position(|x| x == ch).unwrap_or(0) as u32 * (13 - i as u32)).sum();
    let check = (11 - sum % 11) % 11;
    c[c.n - 1] == if check == 10 { b'A' } else { b'0' + check as u8 }
}

/// Argentine CUIT/CUIL: a type prefix (20, 23, 24, 27 people; 30, 33, 34 companies),
/// the 8-digit DNI, a mod-11 check digit. Dashed (20-12345678-3) it stands alone.
pub fn ar_cuil(s: &str) -> Check {
    let d = digits(s);
    if d.len() != 11 || !matches!(two(&d, 0), 20 | 23 | 24 | 27 | 30 | 33 | 34) {
        return Check::Invalid;
    }
    let r = 11 - weighted(&d[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11;
    let check = match r {
        11 => 0,
        10 => 9,
        r => r,
    };
    if check != d[10] as u32 {
        return Check::Invalid;
    }
    formatted(s, &['-'])
}

/// Chilean RUT/RUN: 7–8 digits and a mod-11 check character (0–9 or K) after a dash.
/// With thousands dots it stands alone; `12345678-5` alone is plausible.
pub fn cl_rut(s: &str) -> Check {
    let Some(c) = chars(s) else { return Check::Invalid };
    if !(8..=9).contains(&c.n) || !c[..c.n - 1].iter().all(u8::is_ascii_digit) {
        return Check::Invalid;
    }
    let sum: u32 = c[..c.n - 1].iter().rev().enumerate().map(|(i, &x)| (x - b'0') as u32 * (2 + i as u32 % 6)).sum();
    let r = (11 - sum % 11) % 11;
    let check = match r {
        10 => b'K',
        r => b'0' + r as u8,
    };
    if c[c.n - 1] != check {
        Check::Invalid
    } else if s.contains('.') {
        Check::Valid
    } else {
        Check::Plausible
    }
}

/// Spanish social security number (NUSS): 2-digit province, 8 digits, and 2 check digits
/// (the first ten as a number mod 97; the 8 digits without leading zeros when below 10⁷).
pub fn es_nuss(s: &str) -> bool {
    let d = digits(s);
    if d.len() != 12 || two(&d, 0) == 0 || two(&d, 0) > 53 && two(&d, 0) != 66 {
        return false;
    }
    let b = num(&d[2..10]);
    let n = if b < 10_000_000 { two(&d, 0) as u64 * 10_000_000 + b } else { num(&d[..10]) };
    n % 97 == num(&d[10..])
}

/// Greek AMKA: DDMMYY, 5 digits, Luhn.
pub fn gr_amka(s: &str) -> bool {
    let d = digits(s);
    d.len() == 11 && luhn_digits(&d) && ymd(2000, two(&d, 2), two(&d, 0))
}

/// ICAO 9303 check digit: weights 7 3 1 over digits, letters (A = 10) and `<` (0).
fn mrz_check(field: &[u8]) -> u8 {
    let v = |c: u8| match c {
        b'0'..=b'9' => (c - b'0') as u32,
        b'A'..=b'Z' => (c - b'A') as u32 + 10,
        _ => 0,
    };
    let sum: u32 = field.iter().enumerate().map(|(i, &c)| v(c) * [7, 3, 1][i % 3]).sum();
    b'0' + (sum % 10) as u8
}

/// The second line of a passport's machine-readable zone (ICAO 9303 TD3, 44
/// characters): the check digits of the document number, birth date, expiry date,
/// personal number and the composite all hold.
pub fn mrz_td3(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 44 {
        return false;
    }
    let personal_ok = b[42] == mrz_check(&b[28..42]) || (b[42] == b'<' && b[28..42].iter().all(|&c| c == b'<'));
    let mut composite = [0u8; 39];
    composite[..10].copy_from_slice(&b[..10]);
    composite[10..17].copy_from_slice(&b[13..20]);
    composite[17..].copy_from_slice(&b[21..43]);
    b[9] == mrz_check(&b[..9]) && b[19] == mrz_check(&b[13..19]) && b[27] == mrz_check(&b[21..27]) && personal_ok && b[43] == mrz_check(&composite)
}

/// A passport number from a column or text that says it is one: not one repeated
/// character and not a counting run (123456789), which are fillers.
pub fn passport(s: &str) -> bool {
    let b = s.as_bytes();
    let counting = b.windows(2).all(|w| w[1] == w[0] + 1);
    b.len() >= 6 && b.iter().any(u8::is_ascii_digit) && !b.iter().all(|&x| x == b[0]) && !counting
}
