//! National phone numbers through `assay scan`: the numbering plan of the region a
//! country column of the same table names decides them (issue 15); with no region named,
//! in a column named for phone numbers, every region's plan may; under a name that says
//! nothing, a number grouped as its region writes it counts. The numbers are
//! libphonenumber's (generated once with the `phonenumbers` package: valid fixed-line and
//! mobile numbers of the Faroe Islands, and German-looking digit runs it calls valid and
//! invalid), not written from our rules.

use crate::common;

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray};
use arrow::record_batch::RecordBatch;

use common::cli::{labels, scan_json, write_parquet};

/// Six-digit numbers: below the shape rules' seven-digit floor, found only by the plan.
const FO_FIXED: [&str; 12] = ["319131", "350557", "814447", "485134", "351359", "454500", "473019", "394211", "376105", "461066", "339714", "316391"];
const FO_MOBILE: [i64; 12] = [540891, 577664, 540271, 583505, 560642, 776930, 572476, 524778, 914626, 247134, 280559, 743876];
/// Trunk-0 numbers of eleven digits, written alike: libphonenumber calls these valid for
/// Germany and the others not (no such area code or length).
const DE_VALID: [&str; 12] = ["06279876727", "05534181904", "04767625279", "03445299977", "07306121751", "03561184680", "02857330451", "07112046512", "09267084954", "06723009726", "01726140314", "05269600340"];
const DE_INVALID: [&str; 12] = ["03125944711", "05794136020", "01203650898", "03156316486", "01038333415", "02491762267", "03225174387", "07892823612", "01019671732", "08522267383", "01426345656", "03299138958"];

/// Brazilian fixed-line numbers as people write them without the brackets of
/// libphonenumber's national format (`(85) 4580-7302`): valid for Brazil and grouped as
/// Brazil groups them, which the shape rules alone do not read.
const BR_GROUPED: [&str; 12] = ["85 4580-7302", "21 4736-8193", "11 3642-6212", "85 5220-0332", "31 4538-3236", "43 2562-2415", "43 2951-4547", "51 3772-0405", "61 2865-6907", "11 3931-3758", "51 4719-5406", "21 3589-5254"];

fn table(country: Option<&str>, cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let n = cols[0].1.len();
    let mut all = cols;
    if let Some(c) = country {
        all.push(("country", Arc::new(StringArray::from(vec![c; n])) as ArrayRef));
    }
    RecordBatch::try_from_iter(all).expect("batch")
}

fn strings(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

#[test]
fn a_country_column_finds_national_and_integer_phone_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let refs: Vec<i64> = (0..12).map(|i| 310_000 + i * 7_919).collect();
    let cols = || {
        vec![
            ("phone", strings(&FO_FIXED)),
            ("mobile", Arc::new(Int64Array::from(FO_MOBILE.to_vec())) as ArrayRef),
            // Six-digit numbers in a column not named for phones stay what they are.
            ("order_ref", Arc::new(Int64Array::from(refs.clone())) as ArrayRef),
        ]
    };
    write_parquet(&dir.path().join("with_country.parquet"), &table(Some("Faroe Islands"), cols()));
    write_parquet(&dir.path().join("without_country.parquet"), &table(None, cols()));
    let (r, out) = scan_json(&[dir.path()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(labels(&r, "with_country.parquet", "phone"), ["pii.phone_number"]);
    assert_eq!(labels(&r, "with_country.parquet", "mobile"), ["pii.phone_number"]);
    assert!(labels(&r, "with_country.parquet", "order_ref").is_empty());
    assert!(labels(&r, "with_country.parquet", "country").is_empty());
    // Without the country column, the column's name says phone and the six digits are a
    // valid number of some region's plan (the Faroes' among them): still phone numbers.
    assert_eq!(labels(&r, "without_country.parquet", "phone"), ["pii.phone_number"]);
    assert_eq!(labels(&r, "without_country.parquet", "mobile"), ["pii.phone_number"]);
    assert!(labels(&r, "without_country.parquet", "order_ref").is_empty());
}

/// With no region named, a column named for phones whose name says it holds something
/// else about them (`call_id`, `phone_count`) keeps short numbers out of the plans: the
/// same six-digit values that a `phone` column reports are nothing there, as in a column
/// not named for phones at all.
#[test]
fn short_numbers_count_only_in_a_column_named_for_the_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let cols = vec![
        ("tel", strings(&FO_FIXED)),
        ("call_id", strings(&FO_FIXED)),
        ("phone_count", Arc::new(Int64Array::from(FO_MOBILE.to_vec())) as ArrayRef),
        ("reference", strings(&FO_FIXED)),
    ];
    write_parquet(&dir.path().join("short.parquet"), &table(None, cols));
    let (r, out) = scan_json(&[dir.path()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(labels(&r, "short.parquet", "tel"), ["pii.phone_number"]);
    for c in ["call_id", "phone_count", "reference"] {
        assert!(labels(&r, "short.parquet", c).is_empty(), "{c}: {:?}", labels(&r, "short.parquet", c));
    }
}

#[test]
fn numbers_invalid_for_the_region_of_the_country_column_are_not_phone_numbers() {
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("de_valid.parquet"), &table(Some("DE"), vec![("phone", strings(&DE_VALID))]));
    write_parquet(&dir.path().join("de_invalid.parquet"), &table(Some("DE"), vec![("phone", strings(&DE_INVALID))]));
    // A region in the column's name does the same as a country column.
    write_parquet(&dir.path().join("named.parquet"), &table(None, vec![("tel_de", strings(&DE_INVALID)), ("phone_de", strings(&DE_VALID))]));
    write_parquet(&dir.path().join("no_region.parquet"), &table(None, vec![("phone", strings(&DE_INVALID))]));
    let (r, out) = scan_json(&[dir.path()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(labels(&r, "de_valid.parquet", "phone"), ["pii.phone_number"]);
    assert!(labels(&r, "de_invalid.parquet", "phone").is_empty());
    assert!(labels(&r, "named.parquet", "tel_de").is_empty());
    assert_eq!(labels(&r, "named.parquet", "phone_de"), ["pii.phone_number"]);
    // With no region named, a trunk 0 and eleven digits is how a German number is written:
    // the shape rules report it, as before.
    assert_eq!(labels(&r, "no_region.parquet", "phone"), ["pii.phone_number"]);
}

#[test]
fn the_country_codes_of_a_columns_plus_numbers_name_its_region() {
    let dir = tempfile::tempdir().unwrap();
    // Four numbers written with +298 and twelve written nationally, in one column.
    let mut values: Vec<String> = FO_MOBILE[..4].iter().map(|n| format!("+298 {n}")).collect();
    values.extend(FO_FIXED.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    write_parquet(&dir.path().join("mixed.parquet"), &table(None, vec![("phone", strings(&refs))]));
    let (r, out) = scan_json(&[dir.path()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let phone = &common::cli::column(&r, "mixed.parquet", "phone")["labels"][0];
    assert_eq!(phone["label"], "pii.phone_number");
    // Without the +298 numbers' region the six-digit ones would not count.
    assert_eq!(phone["matches"], 16, "{phone}");
}

/// Under a column name that says nothing (`c3`, a one-value column), a national number
/// grouped as its region writes it is a phone number; the same values under a name that
/// says what they are instead (`invoice_ref`), and identifiers grouped as tax numbers are
/// (`12-3456789`), are not.
#[test]
fn numbers_grouped_as_their_region_writes_them_are_phones_under_a_plain_name() {
    let dir = tempfile::tempdir().unwrap();
    let eins: Vec<String> = (0..12).map(|i| format!("{}-{}", 20 + i * 7, 3_456_789 + i * 104_729)).collect();
    let eins: Vec<&str> = eins.iter().map(String::as_str).collect();
    let cols = vec![("c3", strings(&BR_GROUPED)), ("invoice_ref", strings(&BR_GROUPED)), ("c4", strings(&eins))];
    write_parquet(&dir.path().join("grouped.parquet"), &table(None, cols));
    write_parquet(&dir.path().join("one.parquet"), &table(None, vec![("value", strings(&BR_GROUPED[..1]))]));
    let (r, out) = scan_json(&[dir.path()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(labels(&r, "grouped.parquet", "c3"), ["pii.phone_number"]);
    assert_eq!(labels(&r, "one.parquet", "value"), ["pii.phone_number"]);
    for c in ["invoice_ref", "c4"] {
        assert!(labels(&r, "grouped.parquet", c).is_empty(), "{c}: {:?}", labels(&r, "grouped.parquet", c));
    }
}
