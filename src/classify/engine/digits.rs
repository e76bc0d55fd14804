//! Digit runs: how the digit pass reads a run of digits and separators (`12 345-678`,
//! `(030) 1234`), which separators it holds, whether it is a calendar date, a timestamp, a
//! part of a clock time or a dotted quad (`form_of`), and the trigger that says which rule
//! a run of so many digits and groups wakes.

use crate::classify::masks::Masks;

/// A run of digits and separators as the digit pass reads it.
#[derive(Clone, Copy)]
pub(super) struct DigitRun {
    pub(super) start: usize,
    /// After the last digit.
    pub(super) end: usize,
    /// Where reading stopped (the byte that ended the run, or the limit).
    pub(super) stop: usize,
    pub(super) digits: usize,
    pub(super) groups: usize,
    /// `sep_bit`s of the separators that count (followed by a digit, or `(` and `+`).
    pub(super) bits: u8,
    /// A space separates two of its digits.
    pub(super) spaced: bool,
}

impl DigitRun {
    /// Reads the digit run that starts at `i` (digits with ` -./()+` inside, at most two
    /// separators in a row), up to `limit`.
    #[inline(always)]
    pub(super) fn read(b: &[u8], m: &Masks, mut i: usize, limit: usize) -> DigitRun {
        let mut r = DigitRun { start: i, end: i, stop: i, digits: 0, groups: 0, bits: 0, spaced: false };
        let mut seps = 0;
        let mut space = false;
        while i < limit {
            let d = b[i];
            if d.is_ascii_digit() {
                // A stretch of digits at once.
                let e = m.run_end(|k| k.digit, i).min(limit);
                if r.digits == 0 || seps > 0 {
                    r.groups += 1;
                }
                r.spaced |= space && r.digits > 0;
                r.digits += e - i;
                seps = 0;
                space = false;
                r.end = e;
                i = e;
                continue;
            } else if matches!(d, b' ' | b'-' | b'.' | b'/' | b'(' | b')' | b'+') && seps < 2 {
                seps += 1;
                space |= d == b' ';
                if i + 1 < b.len() && b[i + 1].is_ascii_digit() || d == b'(' || d == b'+' {
                    r.bits |= sep_bit(d);
                }
            } else {
                break;
            }
            i += 1;
        }
        r.stop = i;
        r
    }

}

/// A digit-run trigger of one rule.
pub(super) struct DigitTrigger {
    pub(super) rule: u16,
    pub(super) digits: (usize, usize),
    pub(super) seps: u8,
    pub(super) groups: (usize, usize),
    /// The forms of dates and times (`form_of`'s bits) that wake the rule: those in which
    /// some pattern finds something (`FORM_PROBES`).
    pub(super) forms: u8,
}

/// Date forms: year first (2024-07-01) and year last (01.07.2024, 12/31/1999).
pub(super) const YEAR_FIRST: u8 = 1;
pub(super) const YEAR_LAST: u8 = 2;
/// A year-first date that begins an ISO 8601 timestamp (`2024-07-01T22:05:29Z`).
pub(super) const TIMESTAMP: u8 = 4;
/// The seconds or minutes of a clock time, after the `hh:` before them (`29.303` in
/// `22:05:29.303`, `05`): the digit pass reads the parts of a time as runs of their own,
/// since `:` is no run separator.
pub(super) const CLOCK: u8 = 8;
/// A dotted quad (`192.168.1.20`): four groups of one to three digits joined by single
/// dots, not led by a zero. An IPv4 address, and no written number of any other kind: a
/// national phone number so written begins with its trunk zero (`01.23.45.67`).
pub(super) const QUAD: u8 = 16;

/// Dates and times as logs, JSON and tables write them, alone and in text, by form. A
/// digit-trigger rule whose patterns find nothing in any probe of a form is not woken by a
/// run of that form: timestamps fill logs and JSON, and every rule that counts digits
/// would otherwise search each one.
pub(super) const FORM_PROBES: &[(u8, &str)] = &[
    (YEAR_FIRST, "2024-07-01"),
    (YEAR_FIRST, "1999-12-31"),
    (YEAR_FIRST, "2024/07/01"),
    (YEAR_FIRST, "2024.07.01"),
    (YEAR_FIRST, "2024-07-01 22:05:29 INFO started"),
    (YEAR_FIRST, "{\"date\": \"2022-08-23\"}"),
    (YEAR_LAST, "01.07.2024"),
    (YEAR_LAST, "31/12/1999"),
    (YEAR_LAST, "12/31/1999"),
    (YEAR_LAST, "01-07-2024"),
    (YEAR_LAST, "on 31.12.1999 at 10:00"),
    (YEAR_LAST, "date=12/31/1999;"),
    (TIMESTAMP, "2024-07-01T22:05:29.303Z INFO started"),
    (TIMESTAMP, "{\"ts\": \"2022-08-23T22:12:24.353Z\"}"),
    (TIMESTAMP, "1999-12-31T23:59:59+01:00"),
    (TIMESTAMP, "2024-07-01T22:05"),
    (CLOCK, "22:05:29.303Z"),
    (CLOCK, "at 10:00:00 UTC"),
    (CLOCK, "2024-07-01T22:05:29.303456+02:00 INFO started"),
    (CLOCK, "{\"ts\": \"2022-08-23T22:12:24.353Z\"}"),
    (CLOCK, "meet at 9:30 pm"),
    (QUAD, "192.168.1.20"),
    (QUAD, "10.0.0.1"),
    (QUAD, "8.8.8.8"),
    (QUAD, "host 172.16.254.1 up"),
    (QUAD, "1.2.3.4:8080"),
    (QUAD, "255.255.255.0"),
    (QUAD, "ip=10.20.30.40;"),
    (QUAD, "[100.64.0.1]"),
];

/// The date, time or address form of a run (`YEAR_FIRST`, `YEAR_LAST`, `TIMESTAMP`,
/// `CLOCK`, `QUAD`; 0: none). Dates are ten bytes: year-month-day (1900-2099), or day and
/// month either way round before the year, one separator (`-`, `/`, `.`) used twice; a
/// year-first date followed by `T` and a digit begins a timestamp. A clock part is two
/// digits, with a decimal fraction or not, right after one or two digits and a colon. A
/// dotted quad is described at `QUAD`.
pub(super) fn form_of(b: &[u8], r: &DigitRun) -> u8 {
    let s = &b[r.start..r.end];
    let digits = |x: &[u8]| x.iter().all(u8::is_ascii_digit);
    let after_hours = r.start >= 2 && b[r.start - 1] == b':' && b[r.start - 2].is_ascii_digit() && (r.start < 4 || !b[r.start - 4].is_ascii_digit());
    if after_hours && s.len() >= 2 && digits(&s[..2]) && (s.len() == 2 || (s[2] == b'.' && s.len() > 3 && digits(&s[3..]))) {
        return CLOCK;
    }
    if r.groups == 4 && s[0] != b'0' && s.split(|&c| c == b'.').all(|g| (1..=3).contains(&g.len()) && digits(g)) {
        return QUAD;
    }
    if r.groups != 3 || r.digits != 8 || s.len() != 10 {
        return 0;
    }
    let num = |x: &[u8]| x.iter().try_fold(0u32, |a, &c| c.is_ascii_digit().then(|| a * 10 + (c - b'0') as u32));
    let sep = |p: usize, q: usize| s[p] == s[q] && matches!(s[p], b'-' | b'/' | b'.');
    let year = |x: &[u8]| num(x).is_some_and(|y| (1900..=2099).contains(&y));
    let within = |x: &[u8], hi: u32| num(x).is_some_and(|v| (1..=hi).contains(&v));
    if sep(4, 7) && year(&s[..4]) && within(&s[5..7], 12) && within(&s[8..10], 31) {
        let timestamp = b.get(r.end) == Some(&b'T') && b.get(r.end + 1).is_some_and(u8::is_ascii_digit);
        return if timestamp { TIMESTAMP } else { YEAR_FIRST };
    }
    // Day and month come either way round (31/12, 12/31).
    let (a, c) = (&s[0..2], &s[3..5]);
    if sep(2, 5) && year(&s[6..]) && within(a, 31) && within(c, 31) && (within(a, 12) || within(c, 12)) {
        return YEAR_LAST;
    }
    0
}

/// One bit per digit-run separator.
pub(super) fn sep_bit(c: u8) -> u8 {
    match c {
        b' ' => 1,
        b'-' => 2,
        b'.' => 4,
        b'/' => 8,
        b'(' | b')' => 16,
        b'+' => 32,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::engine::{Engine, Scratch, Strength};

    /// Dates do not wake the id rules (timestamps fill logs), but they still wake the rules
    /// that find dates, and an id next to a date is still found.
    #[test]
    fn dates_wake_only_the_rules_that_find_dates() {
        let e = Engine::builtin().expect("built-in rules");
        let run = |v: &str| {
            let mut m = Masks::default();
            m.compute(v.as_bytes(), None);
            m.extend(v.as_bytes());
            DigitRun::read(v.as_bytes(), &m, 0, v.len())
        };
        for v in ["2024-07-01", "1999/12/31", "31.12.1999", "12/31/1999", "01-07-2024"] {
            assert!(form_of(v.as_bytes(), &run(v)) != 0, "{v}");
        }
        for v in ["2024-13-01", "1234-56-78", "2024-07/01", "49-091-850", "100571-3824", "12345678", "31.13.1999", "2024-07-011"] {
            assert_eq!(form_of(v.as_bytes(), &run(v)), 0, "{v}");
        }
        let dates = |id: &str| {
            let r = e.rules().iter().position(|r| r.id == id).expect("rule") as u16;
            e.digit_triggers.iter().find(|t| t.rule == r).expect("digit trigger").forms
        };
        assert_eq!(dates("pii.date_of_birth"), YEAR_FIRST | YEAR_LAST);
        assert_eq!(dates("pii.national_id.nz_ird") | dates("pii.national_id.cl_rut"), 0);
        // A trunk-0 national number looks like 01.07.2024, never like 2024-07-01.
        assert_eq!(dates("pii.phone_number.national"), YEAR_LAST);
        // Timestamps and the parts of clock times wake no id rule and neither the
        // birth-date nor the coordinates rule (no pattern of theirs finds anything in one).
        let at = |v: &str, from: &str| {
            let mut m = Masks::default();
            m.compute(v.as_bytes(), None);
            let i = v.find(from).expect("run in value");
            form_of(v.as_bytes(), &DigitRun::read(v.as_bytes(), &m, i, v.len()))
        };
        let ts = "2024-07-01T22:05:29.303Z";
        assert_eq!((at(ts, "2024"), at(ts, "05:"), at(ts, "29.")), (TIMESTAMP, CLOCK, CLOCK));
        assert_eq!((at("port 10.0.0.1:8080", "8080"), at("ref 2024:123456", "123456"), at("at 5:30 pm", "30")), (0, 0, CLOCK));
        for id in ["pii.date_of_birth", "pii.geo_coordinates", "pii.national_id.nz_ird", "pii.phone_number.national"] {
            assert_eq!(dates(id) & (TIMESTAMP | CLOCK | QUAD), 0, "{id}");
        }
        // Dotted quads wake the address rule alone; a leading zero or a fifth group and
        // the run is read as any other.
        assert_eq!(dates("pii.ip_address.v4") & QUAD, QUAD);
        let quads = ["192.168.1.20", "8.8.8.8", "1.22.133.4"].map(|v| at(v, v));
        let others = ["01.23.45.67", "1.2.3.4.5", "1.2.3-4", "1234.1.1.1", "1..2.3"].map(|v| at(v, v));
        assert_eq!((quads, others), ([QUAD; 3], [0; 5]));
        let ctx = e.column_context("notes");
        let found = |v: &str, id: &str| {
            let mut hits = Vec::new();
            e.scan_value(v, &ctx, &mut Scratch::default(), &mut hits);
            let r = e.rules().iter().position(|r| r.id == id).unwrap() as u16;
            hits.iter().any(|h| h.rule == r)
        };
        assert!(found("2024-07-01T22:05:29.303Z at 52.520008, 13.404954", "pii.geo_coordinates"));
        assert!(found("10:00:29.303 DOB 1990-05-21", "pii.date_of_birth"));
        assert!(!found("2024-07-01T22:05:29.303Z", "pii.date_of_birth"));
        let mut hits = Vec::new();
        e.scan_value("2024-07-01T22:05:29Z IRD number 11-041-019 filed", &ctx, &mut Scratch::default(), &mut hits);
        let ird = e.rules().iter().position(|r| r.id == "pii.national_id.nz_ird").unwrap() as u16;
        assert!(hits.iter().any(|h| h.rule == ird && h.strength == Strength::Strong), "{hits:?}");
    }
}
