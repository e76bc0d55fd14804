//! Feeding Arrow arrays to the engine without copying values into `String`s.
//!
//! String arrays (Utf8, LargeUtf8, Utf8View) hand their `&str` slices straight to the
//! engine; dictionary arrays classify each distinct value once and count it per row;
//! integers are rendered into one reused buffer (phone numbers and SSNs stored as int64
//! exist); binary arrays are read as text when they are UTF-8; nested types (lists,
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

/// Why an array could not be classified.
#[derive(Debug, thiserror::Error)]
pub enum ArrayError {
    #[error("binary column holds data that is not UTF-8 text (row {row}); not scanned")]
    NotText { row: usize },
    #[error("cannot render {data_type} values as text: {message}")]
    Render { data_type: String, message: String },
}

/// Classifies every value of `array` into `acc`.
pub fn classify_array(acc: &mut ColumnAccumulator<'_>, array: &ArrayRef, s: &mut Scratch) -> Result<(), ArrayError> {
    match array.data_type() {
        DataType::Utf8 => strings(acc, array.as_string::<i32>().iter(), s),
        DataType::LargeUtf8 => strings(acc, array.as_string::<i64>().iter(), s),
        DataType::Utf8View => strings(acc, array.as_string_view().iter(), s),
        DataType::Binary => binary(acc, array.as_binary::<i32>().iter(), s)?,
        DataType::LargeBinary => binary(acc, array.as_binary::<i64>().iter(), s)?,
        DataType::BinaryView => binary(acc, array.as_binary_view().iter(), s)?,
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

fn binary<'a>(acc: &mut ColumnAccumulator<'_>, it: impl Iterator<Item = Option<&'a [u8]>>, s: &mut Scratch) -> Result<(), ArrayError> {
    for (row, v) in it.enumerate() {
        if let Some(b) = v {
            let text = std::str::from_utf8(b).map_err(|_| ArrayError::NotText { row })?;
            acc.add(text, s);
        }
    }
    Ok(())
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
            acc.add_repeated(t, &hits, counts[i]);
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
