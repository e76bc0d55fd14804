//! Feeding Arrow arrays to the engine without copying values into `String`s.
//!
//! String arrays (Utf8, LargeUtf8, Utf8View) hand their `&str` slices straight to the
//! engine; dictionary arrays classify each distinct value once and count it per row;
//! integers are rendered into one reused buffer (phone numbers and SSNs stored as int64
//! exist); binary arrays are read as text when they are UTF-8, and otherwise through
//! their printable runs (`printable_runs`, for the secret rules only: see
//! `ColumnAccumulator::add_binary`); nested types (lists,
//! structs, maps) are rendered as text so an e-mail inside a `list<string>` is found.
//! Dates are rendered as ISO text (birth dates are stored as `date`). Floats, decimals,
//! booleans, times and timestamps cannot hold the labels we look for and are skipped.

use std::fmt::Write as _;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{DataType, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type};
use arrow::util::display::{ArrayFormatter, FormatOptions};

use super::engine::Scratch;
use super::verdict::ColumnAccumulator;

/// Whether values of this type can carry a label (so the column is worth reading).
pub fn is_scannable(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => true,
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => true,
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 | DataType::UInt64 => true,
        DataType::Dictionary(_, v) => is_scannable(v),
        DataType::List(_) | DataType::LargeList(_) | DataType::ListView(_) | DataType::FixedSizeList(_, _) => true,
        DataType::Struct(_) | DataType::Map(_, _) => true,
        // Birth dates are stored as dates; timestamps are events, not birthdays.
        DataType::Date32 | DataType::Date64 => true,
        _ => false,
    }
}

/// Whether a column holds fractional numbers: not matched by the value rules, but read so
/// that a latitude/longitude pair can be told (`coordinates`).
pub fn is_fractional(dt: &DataType) -> bool {
    matches!(dt, DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(_, _) | DataType::Decimal256(_, _))
}

/// Fewest characters a printable run of a binary value must have to be scanned. Every
/// secret we look for is longer (an AWS key id is 20, a GitHub token 40), and a run of 8
/// printable bytes turns up by chance about once in 2,000 positions of random bytes
/// (0.38^8, with 98 of 256 byte values printable), so random blobs give few, short runs.
pub const MIN_RUN: usize = 8;

/// The printable text runs of a binary value, as `strings(1)` finds them but UTF-8 aware:
/// maximal runs of valid UTF-8 characters that are not control characters (tab, line feed
/// and carriage return count as text), at least `MIN_RUN` characters long, written to
/// `out` one per line; at most `max_len` bytes are written.
///
/// Runs rather than a lossy decoding: lossy decoding keeps control bytes and glues stray
/// bytes to the text beside them, so a key would be matched inside noise, and a value of
/// random bytes would reach the rules whole; runs hand the rules only text, each run on a
/// line of its own, and drop the noise between them.
pub fn printable_runs(bytes: &[u8], max_len: usize, out: &mut String) {
    out.clear();
    for chunk in bytes.utf8_chunks() {
        let text = chunk.valid();
        let mut start = None;
        let mut chars = 0usize;
        for (i, c) in text.char_indices().chain(std::iter::once((text.len(), '\0'))) {
            let printable = i < text.len() && (!c.is_control() || matches!(c, '\t' | '\n' | '\r'));
            if printable {
                start.get_or_insert(i);
                chars += 1;
                continue;
            }
            if let Some(s) = start.take() {
                if chars >= MIN_RUN {
                    let room = max_len.saturating_sub(out.len() + 1);
                    if room == 0 {
                        return;
                    }
                    if !out.is_empty() {
                        out.push('\n');
                    }
                    let run = &text[s..i];
                    let mut end = run.len().min(room);
                    while !run.is_char_boundary(end) {
                        end -= 1;
                    }
                    out.push_str(&run[..end]);
                }
            }
            chars = 0;
        }
    }
}

/// Why an array could not be classified.
#[derive(Debug, thiserror::Error)]
pub enum ArrayError {
    #[error("cannot render {data_type} values as text: {message}")]
    Render { data_type: String, message: String },
}

/// Classifies every value of `array` into `acc`.
pub fn classify_array(acc: &mut ColumnAccumulator<'_>, array: &ArrayRef, s: &mut Scratch) -> Result<(), ArrayError> {
    match array.data_type() {
        DataType::Utf8 => strings(acc, array.as_string::<i32>().iter(), s),
        DataType::LargeUtf8 => strings(acc, array.as_string::<i64>().iter(), s),
        DataType::Utf8View => strings(acc, array.as_string_view().iter(), s),
        DataType::Binary => binary(acc, array.as_binary::<i32>().iter(), s),
        DataType::LargeBinary => binary(acc, array.as_binary::<i64>().iter(), s),
        DataType::BinaryView => binary(acc, array.as_binary_view().iter(), s),
        DataType::Int8 => ints(acc, array.as_primitive::<Int8Type>().iter(), s),
        DataType::Int16 => ints(acc, array.as_primitive::<Int16Type>().iter(), s),
        DataType::Int32 => ints(acc, array.as_primitive::<Int32Type>().iter(), s),
        DataType::Int64 => ints(acc, array.as_primitive::<Int64Type>().iter(), s),
        DataType::UInt8 => ints(acc, array.as_primitive::<UInt8Type>().iter(), s),
        DataType::UInt16 => ints(acc, array.as_primitive::<UInt16Type>().iter(), s),
        DataType::UInt32 => ints(acc, array.as_primitive::<UInt32Type>().iter(), s),
        DataType::UInt64 => ints(acc, array.as_primitive::<UInt64Type>().iter(), s),
        DataType::Dictionary(_, _) => dictionary(acc, array, s)?,
        dt if is_scannable(dt) => rendered(acc, array, s)?,
        _ => {}
    }
    Ok(())
}

fn strings<'a>(acc: &mut ColumnAccumulator<'_>, it: impl Iterator<Item = Option<&'a str>>, s: &mut Scratch) {
    for v in it.flatten() {
        acc.add(v, s);
    }
}

/// Binary values: UTF-8 ones as text, the others through their printable runs (a blob
/// with a key in it leaks the key however the rest of it is encoded).
fn binary<'a>(acc: &mut ColumnAccumulator<'_>, it: impl Iterator<Item = Option<&'a [u8]>>, s: &mut Scratch) {
    let mut runs = String::new();
    for b in it.flatten() {
        match std::str::from_utf8(b) {
            Ok(text) => acc.add(text, s),
            Err(_) => {
                printable_runs(b, acc.max_value_len(), &mut runs);
                acc.add_binary(&runs, s);
            }
        }
    }
}

fn ints<T: std::fmt::Display>(acc: &mut ColumnAccumulator<'_>, it: impl Iterator<Item = Option<T>>, s: &mut Scratch) {
    let mut buf = String::with_capacity(24);
    for v in it.flatten() {
        buf.clear();
        let _ = write!(buf, "{v}");
        acc.add(&buf, s);
    }
}

fn dictionary(acc: &mut ColumnAccumulator<'_>, array: &ArrayRef, s: &mut Scratch) -> Result<(), ArrayError> {
    let dict = array.as_any_dictionary();
    let values = dict.values();
    let keys = dict.normalized_keys();
    let nulls = array.logical_nulls();
    // Count how often each distinct value occurs, then classify each distinct value once.
    let mut counts = vec![0usize; values.len()];
    for (row, &k) in keys.iter().enumerate() {
        if nulls.as_ref().is_some_and(|n| n.is_null(row)) {
            continue;
        }
        if let Some(c) = counts.get_mut(k) {
            *c += 1;
        }
    }
    let texts = render_all(values)?;
    for (i, text) in texts.iter().enumerate() {
        if counts[i] == 0 {
            continue;
        }
        if let Some(t) = text {
            let hits = acc.hits_of(t, s);
            acc.add_repeated(t, &hits, counts[i], s);
        }
    }
    Ok(())
}

/// Renders every value of `array` as text (None for nulls).
fn render_all(array: &ArrayRef) -> Result<Vec<Option<String>>, ArrayError> {
    let err = |e: arrow::error::ArrowError| ArrayError::Render { data_type: array.data_type().to_string(), message: e.to_string() };
    match array.data_type() {
        DataType::Utf8 => Ok(array.as_string::<i32>().iter().map(|v| v.map(str::to_owned)).collect()),
        DataType::LargeUtf8 => Ok(array.as_string::<i64>().iter().map(|v| v.map(str::to_owned)).collect()),
        DataType::Utf8View => Ok(array.as_string_view().iter().map(|v| v.map(str::to_owned)).collect()),
        _ => {
            let opts = FormatOptions::default();
            let f = ArrayFormatter::try_new(array.as_ref(), &opts).map_err(err)?;
            Ok((0..array.len())
                .map(|i| if array.is_null(i) { None } else { Some(f.value(i).to_string()) })
                .collect())
        }
    }
}

fn rendered(acc: &mut ColumnAccumulator<'_>, array: &ArrayRef, s: &mut Scratch) -> Result<(), ArrayError> {
    let opts = FormatOptions::default();
    let f = ArrayFormatter::try_new(array.as_ref(), &opts)
        .map_err(|e| ArrayError::Render { data_type: array.data_type().to_string(), message: e.to_string() })?;
    let mut buf = String::new();
    for i in 0..array.len() {
        if array.is_null(i) {
            continue;
        }
        buf.clear();
        let _ = write!(buf, "{}", f.value(i));
        // An empty list renders as "[]": nothing in it.
        if buf == "[]" || buf == "{}" {
            continue;
        }
        acc.add(&buf, s);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, BinaryArray};
    use rand::{Rng, SeedableRng};

    use super::{classify_array, printable_runs};
    use crate::classify::{ColumnAccumulator, Engine, LabelVerdict, Scratch};

    fn runs(bytes: &[u8]) -> String {
        let mut out = String::new();
        printable_runs(bytes, 1 << 16, &mut out);
        out
    }

    #[test]
    fn printable_runs_keep_text_and_drop_noise() {
        assert_eq!(runs(b"\x00\x01AKIAQWERTYUIOPASDFGH\xff\xfe short\x00a longer run\there\r\n\x07"), "AKIAQWERTYUIOPASDFGH\na longer run\there\r\n");
        // UTF-8 letters belong to a run; an invalid byte ends it.
        assert_eq!(runs("\u{1}Müller-Lüdenscheidt\u{2}".as_bytes()), "Müller-Lüdenscheidt");
        assert_eq!(runs(b"caf\xc3\xa9 au lait\xc3(bad"), "café au lait");
        // Exactly MIN_RUN characters count, one fewer does not.
        assert_eq!(runs(b"\x00abcdefgh\x00abcdefg\x00"), "abcdefgh");
        assert_eq!(runs(b""), "");
        assert_eq!(runs(&[0u8; 100]), "");
        // The cap bounds what is written, at a character boundary.
        let mut out = String::new();
        printable_runs("ééééééééééééé\u{0}zzzzzzzzzz".as_bytes(), 9, &mut out);
        assert_eq!(out, "éééé");
    }

    #[test]
    fn runs_of_random_bytes_are_few_and_all_text() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(15);
        let mut total = 0usize;
        let mut bytes_in = 0usize;
        for _ in 0..500 {
            let blob: Vec<u8> = (0..rng.random_range(100..4000)).map(|_| rng.random()).collect();
            bytes_in += blob.len();
            let r = runs(&blob);
            for run in r.split('\n').filter(|r| !r.is_empty()) {
                assert!(run.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\r')), "{run:?}");
            }
            total += r.len();
        }
        // About one position in 2,000 starts a run of 8: a few bytes in a thousand.
        assert!(total * 100 < bytes_in, "{total} of {bytes_in} bytes kept");
    }

    fn scan(column: &str, blobs: &[Vec<u8>]) -> (Vec<LabelVerdict>, bool, usize) {
        let engine = Engine::builtin().expect("built-in rules load");
        let mut acc = ColumnAccumulator::new(&engine, column);
        let mut s = Scratch::default();
        let array: ArrayRef = Arc::new(BinaryArray::from(blobs.iter().map(|b| Some(b.as_slice())).collect::<Vec<_>>()));
        classify_array(&mut acc, &array, &mut s).expect("binary arrays classify");
        let (binary, non_null) = (acc.binary(), acc.non_null());
        (acc.finish(0.0), binary, non_null)
    }

    /// A length-delimited field as protobuf frames strings: tag, length, bytes.
    fn framed(text: &str) -> Vec<u8> {
        let mut out = vec![0x0a];
        let mut n = text.len();
        while n >= 0x80 {
            out.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out.extend_from_slice(text.as_bytes());
        out
    }

    fn random_blob(rng: &mut impl Rng, len: usize) -> Vec<u8> {
        (0..len).map(|_| rng.random()).collect()
    }

    #[test]
    fn a_column_of_random_blobs_has_no_label() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for column in ["data", "payload", "secret_blob", "phone"] {
            let blobs: Vec<Vec<u8>> = (0..1000)
                .map(|_| {
                    let len = rng.random_range(16..6000);
                    random_blob(&mut rng, len)
                })
                .collect();
            let (labels, binary, non_null) = scan(column, &blobs);
            assert!(labels.is_empty(), "{column}: {labels:?}");
            assert!(binary);
            assert_eq!(non_null, 1000, "every blob counts, runs or not");
        }
    }

    #[test]
    fn a_key_framed_in_blobs_is_found_and_masked() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(8);
        const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let key: String = "AKIA".chars().chain((0..16).map(|_| B32[rng.random_range(0..32)] as char)).collect();
        let mut blobs: Vec<Vec<u8>> = (0..200).map(|_| random_blob(&mut rng, 300)).collect();
        for b in blobs.iter_mut().step_by(40) {
            b.extend(framed(&key));
            // The next field's tag.
            b.push(0x10);
            b.extend(random_blob(&mut rng, 50));
        }
        let (labels, binary, _) = scan("blob", &blobs);
        assert!(binary);
        let aws = labels.iter().find(|l| l.label == "secret.aws_access_key").unwrap_or_else(|| panic!("{labels:?}"));
        assert_eq!(aws.matches, 5);
        assert!(aws.evidence.iter().all(|e| !e.contains(&key[4..])), "{:?}", aws.evidence);
        assert!(labels.iter().all(|l| l.label.starts_with("secret.")), "{labels:?}");
    }
}
