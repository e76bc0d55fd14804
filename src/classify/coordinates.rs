//! Geographic coordinates held as numbers: a latitude column and a longitude column of one
//! table (floats, decimals, or numbers as text, as Postgres samples arrive), recognised
//! together by their names and their values.
//!
//! A lone number says nothing (a price, a score, a temperature are in range too), and a
//! name alone says little (`long` is also a length), so both columns of a pair must be
//! named for it (`lat`, `latitude`, `pickup_lat`; `lon`, `lng`, `long`, `longitude`, in a
//! few languages) and both must hold positions: in range (±90, ±180), with fractional
//! digits (three or more decimals in most values: a position is stored to within about a
//! hundred metres or better, while whole or two-decimal numbers are counts and prices),
//! and not all the same value. Then both are labelled `pii.geo_coordinates`, with masked
//! evidence and keyed fingerprints like any other finding. Pairs in one text value
//! (`52.52, 13.40`, degrees-minutes-seconds, geo URIs) are the `geo` rule's.

use std::collections::BTreeSet;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;

use super::engine::name_tokens;
use super::verdict::{mask, pool_evidence, pool_fingerprints, LabelVerdict, MAX_FINGERPRINTS};
use super::Engine;
use crate::report::ColumnReport;

/// The label both columns of a pair get.
pub const LABEL: &str = "pii.geo_coordinates";
/// Name words of a latitude and of a longitude column.
const LAT_WORDS: &[&str] = &["lat", "latitude", "latitud", "latitudine", "breitengrad", "breite"];
const LON_WORDS: &[&str] = &["lon", "lng", "long", "longitude", "longitud", "longitudine", "laengengrad", "längengrad", "laenge", "länge"];
/// Share of a column's numbers that must be in range, and of those that must carry three
/// or more decimals.
const IN_RANGE: f64 = 0.98;
const PRECISE: f64 = 0.8;
/// Fewer numbers than this are no evidence either way.
const MIN_VALUES: usize = 5;
/// How confident a pair makes us: names, ranges, precision and a partner column all agree.
pub const CONFIDENCE: f64 = 0.9;

#[derive(Clone, Copy, PartialEq)]
enum Axis {
    Lat,
    Lon,
}

/// Which axis a column's name says it holds, if any.
fn axis(name: &str) -> Option<Axis> {
    let tokens = name_tokens(name);
    let has = |words: &[&str]| tokens.iter().any(|t| words.contains(&t.as_str()));
    match (has(LAT_WORDS), has(LON_WORDS)) {
        (true, false) => Some(Axis::Lat),
        (false, true) => Some(Axis::Lon),
        _ => None,
    }
}

/// A column's numbers as their shortest decimal text (as stored or printed), or `None`
/// when the column is not numeric (text that does not parse counts against it).
fn numbers(arrays: &[&ArrayRef]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for a in arrays {
        match a.data_type() {
            DataType::Float64 => out.extend(a.as_primitive::<arrow::datatypes::Float64Type>().iter().flatten().map(|v| v.to_string())),
            DataType::Float32 => out.extend(a.as_primitive::<arrow::datatypes::Float32Type>().iter().flatten().map(|v| v.to_string())),
            DataType::Decimal128(_, _) | DataType::Decimal256(_, _) => {
                let text = arrow::compute::cast(a, &DataType::Utf8).ok()?;
                out.extend(text.as_string::<i32>().iter().flatten().map(str::to_string));
            }
            DataType::Utf8 => out.extend(a.as_string::<i32>().iter().flatten().map(|s| s.trim().to_string())),
            DataType::LargeUtf8 => out.extend(a.as_string::<i64>().iter().flatten().map(|s| s.trim().to_string())),
            _ => return None,
        }
    }
    Some(out)
}

/// The count of values that are positions on `axis` and their text, when the column as a
/// whole holds positions (see the module comment).
fn positions(values: &[String], axis: Axis) -> Option<Vec<&str>> {
    if values.len() < MIN_VALUES {
        return None;
    }
    let limit = if axis == Axis::Lat { 90.0 } else { 180.0 };
    let mut in_range = Vec::new();
    let mut precise = 0usize;
    let mut distinct = BTreeSet::new();
    for v in values {
        let Ok(x) = v.parse::<f64>() else { continue };
        if !x.is_finite() || x.abs() > limit {
            continue;
        }
        let decimals = v.split_once('.').map_or(0, |(_, f)| f.trim_end_matches('0').len());
        precise += (decimals >= 3) as usize;
        distinct.insert(v.as_str());
        in_range.push(v.as_str());
    }
    let n = values.len() as f64;
    let ok = in_range.len() as f64 >= IN_RANGE * n && precise as f64 >= PRECISE * in_range.len() as f64 && distinct.len() > 1;
    ok.then_some(in_range)
}

/// Labels the latitude and longitude columns of `batches` (their reports are `out`, in
/// the batches' column order, which `classify_sample` keeps) when both of a pair hold
/// positions.
pub fn label_pairs(engine: &Engine, batches: &[RecordBatch], out: &mut [ColumnReport]) {
    let Some(schema) = batches.first().map(|b| b.schema()) else { return };
    let mut found: Vec<(usize, Axis, Vec<String>, usize)> = Vec::new();
    for (ci, field) in schema.fields().iter().enumerate() {
        let Some(ax) = axis(field.name()) else { continue };
        let arrays: Vec<&ArrayRef> = batches.iter().map(|b| b.column(ci)).collect();
        let Some(values) = numbers(&arrays) else { continue };
        if let Some(hits) = positions(&values, ax) {
            let hits: Vec<String> = hits.into_iter().map(str::to_string).collect();
            found.push((ci, ax, hits, values.len()));
        }
    }
    let pair = found.iter().any(|f| f.1 == Axis::Lat) && found.iter().any(|f| f.1 == Axis::Lon);
    if !pair {
        return;
    }
    for (ci, _, hits, n) in found {
        let Some(report) = out.get_mut(ci) else { continue };
        if report.labels.iter().any(|l| l.label == LABEL) {
            continue;
        }
        let mut evidence = Vec::new();
        pool_evidence(&mut evidence, hits.iter().map(|v| mask(v)));
        let mut fingerprints = Vec::new();
        pool_fingerprints(&mut fingerprints, hits.iter().filter_map(|v| engine.fingerprint(v)).take(MAX_FINGERPRINTS * 4));
        fingerprints.truncate(MAX_FINGERPRINTS);
        report.labels.push(LabelVerdict {
            label: LABEL.to_string(),
            confidence: CONFIDENCE,
            matches: hits.len(),
            match_rate: hits.len() as f64 / n.max(1) as f64,
            evidence,
            schemes: Vec::new(),
            fingerprints,
            sample_part: None,
        });
        if report.non_null == 0 {
            report.non_null = n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_say_the_axis() {
        assert!(axis("latitude") == Some(Axis::Lat) && axis("pickupLat") == Some(Axis::Lat) && axis("geo_breitengrad") == Some(Axis::Lat));
        assert!(axis("lng") == Some(Axis::Lon) && axis("dropoff_longitude") == Some(Axis::Lon) && axis("long") == Some(Axis::Lon));
        assert!(axis("latlong").is_none() && axis("lat_long").is_none() && axis("amount").is_none() && axis("flat").is_none());
    }

    #[test]
    fn positions_need_range_precision_and_variety() {
        let berlin = vals(&["52.520008", "52.51", "48.1351253", "50.110924", "53.551086", "51.339695"]);
        assert_eq!(positions(&berlin, Axis::Lat).map(|p| p.len()), Some(6));
        // Prices and scores are in range but have two decimals or fewer.
        assert!(positions(&vals(&["42.62", "4.18", "10.18", "87.74", "2.6", "9.33"]), Axis::Lat).is_none());
        // Out of range for a latitude, fine for a longitude.
        let east = vals(&["139.691706", "151.209296", "121.473701", "116.407396", "103.819836"]);
        assert!(positions(&east, Axis::Lat).is_none());
        assert!(positions(&east, Axis::Lon).is_some());
        // One value repeated, too few values, text.
        assert!(positions(&vals(&["0.000001"; 10]), Axis::Lat).is_none());
        assert!(positions(&vals(&["52.520008", "48.1351253"]), Axis::Lat).is_none());
        assert!(positions(&vals(&["north", "south", "east", "west", "up"]), Axis::Lat).is_none());
    }
}
