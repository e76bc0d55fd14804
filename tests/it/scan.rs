//! `assay scan` as users run it: the binary over real files, checked through its JSON
//! report (the contract in DESIGN.md), its exit codes and its stderr.

use crate::common;

use std::fs;
use std::process::Command;
use std::sync::Arc;

use arrow::array::{ArrayRef, BinaryArray, StringArray};
use arrow::record_batch::RecordBatch;

use common::cli::{assay, column, labels, scan_json, typed_batch, write_parquet};

#[test]
fn labels_columns_of_every_arrow_type_and_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("customers.parquet");
    write_parquet(&p, &typed_batch());
    let (r, out) = scan_json(&[dir.path()], &[]);
    assert!(out.status.success(), "exit {:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    assert!(r["scanned_at"].as_str().is_some_and(|s| s.ends_with('Z')));
    assert_eq!(labels(&r, "customers.parquet", "contact"), ["pii.email"]);
    assert_eq!(labels(&r, "customers.parquet", "c2"), ["pii.credit_card"]);
    assert_eq!(labels(&r, "customers.parquet", "addr"), ["pii.ip_address"]);
    assert_eq!(labels(&r, "customers.parquet", "mobile"), ["pii.phone_number"]);
    assert!(labels(&r, "customers.parquet", "tier").is_empty());
    assert!(labels(&r, "customers.parquet", "content_hash").is_empty());
    assert_eq!(labels(&r, "customers.parquet", "cc"), ["pii.email"]);

    // 3 rows in 300 hold an address: the free-text column is contaminated, at a low rate.
    let notes = column(&r, "customers.parquet", "notes");
    let email = &notes["labels"][0];
    assert_eq!(email["label"], "pii.email");
    assert_eq!(email["matches"], 3);
    assert_eq!(notes["non_null"], 300);
    assert_eq!(notes["rows_sampled"], 300);
    let rate = email["match_rate"].as_f64().unwrap();
    assert!((rate - 0.01).abs() < 1e-9, "match_rate {rate}");
    let conf = email["confidence"].as_f64().unwrap();
    assert!(conf > 0.5 && conf <= 1.0, "confidence {conf}");
}

#[test]
fn never_prints_a_raw_matched_value() {
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("t.parquet"), &typed_batch());
    let secrets = dir.path().join("secrets.csv");
    fs::write(
        &secrets,
        "id,cfg\n1,aws_secret_access_key=WiEPOB+zDEw8HlgihkX1tJx9Isj8frB5EtAk0utv\n2,token 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\n3,nothing here\n",
    )
    .unwrap();
    for fmt in ["json", "table"] {
        let out = assay(&["scan", dir.path().to_str().unwrap(), "--format", fmt]);
        let text = String::from_utf8_lossy(&out.stdout);
        for raw in ["person1@mail-example.org", "4111 1111 1111 1111", "WiEPOB+zDEw8HlgihkX1tJx9Isj8frB5EtAk0utv", "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", "447700900000", "helpdesk7@corp-example.net"] {
            assert!(!text.contains(raw), "{fmt} output leaks {raw}");
        }
        assert!(text.contains("secret.github_token"), "{fmt} output: {text}");
    }
    let (r, _) = scan_json(&[&secrets], &[]);
    let ev = column(&r, "secrets.csv", "cfg")["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["label"] == "secret.aws_secret_key")
        .expect("aws secret found")["evidence"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(ev.starts_with('W') && ev.contains('*'), "masked evidence {ev}");
}

#[test]
fn reads_csv_ndjson_and_compressed_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("name,iban,ssn\n");
    let ibans = ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300"];
    let people = ["Shannon Rubio", "Mark Birnbaum", "Karin Lehmann", "Robert Hayes", "Angela Briggs"];
    for i in 0..60 {
        csv.push_str(&format!("\"{}\",{},{:03}-{:02}-{:04}\n", people[i % 5], ibans[i % 4], 100 + i, 10 + i % 80, 1000 + i));
    }
    fs::write(dir.path().join("people.csv"), &csv).unwrap();
    let mut nd = String::new();
    for i in 0..50 {
        nd.push_str(&format!(
            "{{\"id\": {i}, \"auth\": {{\"jwt\": \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI{i}In0.c2ln\"}}, \"loc\": \"48.8{i:03}12, 2.35{i:03}2\"}}\n"
        ));
    }
    fs::write(dir.path().join("events.ndjson"), &nd).unwrap();
    let gz = dir.path().join("people2.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(fs::File::create(&gz).unwrap(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, csv.as_bytes()).unwrap();
    enc.finish().unwrap();
    let zst = dir.path().join("events2.ndjson.zst");
    fs::write(&zst, zstd::encode_all(nd.as_bytes(), 3).unwrap()).unwrap();

    let (r, out) = scan_json(&[dir.path()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in ["people.csv", "people2.csv.gz"] {
        assert_eq!(labels(&r, f, "name"), ["pii.person_name"], "{f}");
        assert_eq!(labels(&r, f, "iban"), ["pii.iban"], "{f}");
        assert_eq!(labels(&r, f, "ssn"), ["pii.us_ssn"], "{f}");
    }
    for f in ["events.ndjson", "events2.ndjson.zst"] {
        assert_eq!(labels(&r, f, "auth"), ["secret.jwt"], "{f}");
        assert_eq!(labels(&r, f, "loc"), ["pii.geo_coordinates"], "{f}");
        assert!(labels(&r, f, "id").is_empty(), "{f}");
    }
}

#[test]
fn sample_rows_bounds_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("t.parquet"), &typed_batch());
    let (r, _) = scan_json(&[dir.path()], &["--sample-rows", "50"]);
    let c = column(&r, "t.parquet", "contact");
    assert_eq!(c["rows_sampled"], 50);
    assert_eq!(c["non_null"], 50);
    assert_eq!(c["labels"][0]["matches"], 50);
}

#[test]
fn bad_files_are_named_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_parquet(&d.join("good.parquet"), &typed_batch());
    // A truncated Parquet file: the footer is gone.
    let bytes = fs::read(d.join("good.parquet")).unwrap();
    fs::write(d.join("truncated.parquet"), &bytes[..bytes.len() / 2]).unwrap();
    fs::write(d.join("garbage.parquet"), b"this is not parquet at all").unwrap();
    fs::write(d.join("empty.csv"), b"").unwrap();
    fs::write(d.join("ragged.csv"), "a,b\n1,x@y-example.com\n2,3,4\n5,z@y-example.com\n").unwrap();
    fs::write(d.join("latin1.csv"), b"a,b\n1,caf\xe9\n2,ok@y-example.com\n").unwrap();
    fs::write(d.join("broken.ndjson"), "{\"a\": \"x@y-example.com\"}\n{not json\n").unwrap();
    let bin = RecordBatch::try_from_iter(vec![
        ("blob", Arc::new(BinaryArray::from(vec![&[0xffu8, 0xfe, 0x00][..], &[0x80u8][..]])) as ArrayRef),
        ("email", Arc::new(StringArray::from(vec!["a@b-example.com", "c@d-example.com"])) as ArrayRef),
    ])
    .unwrap();
    write_parquet(&d.join("binary.parquet"), &bin);

    let (r, out) = scan_json(&[d], &[]);
    assert_eq!(out.status.code(), Some(3), "some files failed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<String> = r["errors"].as_array().unwrap().iter().map(|e| e["error"].as_str().unwrap().to_string()).collect();
    for name in ["truncated.parquet", "garbage.parquet", "empty.csv", "ragged.csv", "latin1.csv", "broken.ndjson"] {
        assert!(errors.iter().any(|e| e.contains(name)), "no error names {name}: {errors:?}");
        assert!(stderr.contains(name), "stderr does not name {name}: {stderr}");
    }
    assert!(errors.iter().any(|e| e.contains("ragged.csv") && e.contains("line 3")), "{errors:?}");
    // Everything readable was still scanned.
    assert_eq!(labels(&r, "good.parquet", "contact"), ["pii.email"]);
    assert_eq!(labels(&r, "ragged.csv", "b"), ["pii.email"]);
    assert_eq!(labels(&r, "binary.parquet", "email"), ["pii.email"]);
    assert_eq!(column(&r, "ragged.csv", "b")["non_null"], 2);
    // Bytes that are not UTF-8 are not an error: the blob column is read through its
    // printable runs (none here) and said to be binary.
    assert!(!errors.iter().any(|e| e.contains("binary.parquet")), "{errors:?}");
    let blob = column(&r, "binary.parquet", "blob");
    assert_eq!((blob["binary"].as_bool(), blob["non_null"].as_u64()), (Some(true), Some(2)), "{blob}");
    assert!(labels(&r, "binary.parquet", "blob").is_empty());
    assert!(column(&r, "binary.parquet", "email").get("binary").is_none(), "text columns say nothing of it");
}

#[test]
fn long_values_are_capped_before_matching() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{} reach me at late@tail-example.com", "x".repeat(100_000));
    let mut csv = String::from("text\n");
    for _ in 0..3 {
        csv.push_str(&long);
        csv.push('\n');
    }
    fs::write(dir.path().join("long.csv"), &csv).unwrap();
    let (r, _) = scan_json(&[dir.path()], &[]);
    assert!(labels(&r, "long.csv", "text").is_empty(), "the address lies past the 64 KiB cap");
    let (r, _) = scan_json(&[dir.path()], &["--max-value-bytes", "200000"]);
    assert_eq!(labels(&r, "long.csv", "text"), ["pii.email"]);
}

#[test]
fn missing_location_fails_with_its_name() {
    let out = assay(&["scan", "/nonexistent/data.parquet", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/data.parquet"));
}

#[test]
fn odd_inputs_terminate_and_do_not_crash() {
    // Deterministic pseudo-random strings over the bytes the prefilters care about
    // (digits, separators, hex, capitals, '@', ':', '+', '('), plus multi-byte text.
    let alphabet: Vec<char> = "0123456789abcdefABCDEFXYZ +-./()@:=_#,;\n\"'xé°ß€".chars().collect();
    let mut state: u64 = 0x2545f4914f6cdd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut csv = String::from("v\n");
    for _ in 0..4000 {
        let len = (next() % 120) as usize;
        let v: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
        csv.push('"');
        csv.push_str(&v.replace('"', "\"\""));
        csv.push_str("\"\n");
    }
    for edge in ["x+1", "ab(12)", "+", "(", "+(", "1", "::", "@", "-----BEGIN", "eyJ", "0x", "€", "é1"] {
        csv.push_str(&format!("\"{edge}\"\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("odd.csv"), csv).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["scan", dir.path().to_str().unwrap(), "--format", "json", "--sample-rows", "5000"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "scan of odd inputs failed: {status:?}");
            break;
        }
        if std::time::Instant::now() > deadline {
            child.kill().ok();
            panic!("scan of odd inputs did not finish within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn rare_critical_secrets_are_found_beyond_the_sample() {
    // 3 tokens in 20,000 rows: a 1,000-row sample holds none of them with probability
    // about 0.86; the sweep of the decoded rows must still report the label.
    let n = 20_000;
    let notes: Vec<String> = (0..n)
        .map(|i| match i {
            4_321 | 12_345 | 19_000 => format!("use token ghp_{:036} merged", i),
            _ => format!("build {i} is green"),
        })
        .map(|s| s.replace("ghp_0000", "ghp_AbCd"))
        .collect();
    let batch = RecordBatch::try_from_iter(vec![("notes", Arc::new(StringArray::from(notes)) as ArrayRef)]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("chat.parquet"), &batch);
    let mut csv = String::from("notes\n");
    for i in 0..n {
        if i == 777 {
            csv.push_str("slack xoxb-289648673843-2800356588191-wGE8IcD1j3SzFSM7at2ogkzk\n");
        } else {
            csv.push_str(&format!("message {i}\n"));
        }
    }
    fs::write(dir.path().join("chat.csv"), csv).unwrap();

    let (r, out) = scan_json(&[dir.path()], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let c = column(&r, "chat.parquet", "notes");
    assert_eq!(c["rows_sampled"], 1000);
    assert_eq!(c["rows_swept"], 20_000);
    let gh = c["labels"].as_array().unwrap().iter().find(|l| l["label"] == "secret.github_token").expect("github token found");
    assert_eq!(gh["matches"], 3);
    assert_eq!(labels(&r, "chat.csv", "notes"), ["secret.slack_token"]);
    // Weaker labels are not swept: they stay a property of the sample.
    assert!(!labels(&r, "chat.parquet", "notes").contains(&"pii.phone_number".to_string()));
}

/// Latitude and longitude stored as numbers are positions only as a pair: named so, in
/// range and precise; a lone `lat`, prices and whole numbers stay unlabelled.
#[test]
fn latitude_and_longitude_float_columns_are_coordinates_as_a_pair() {
    use arrow::array::{Float64Array, Int64Array};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;
    let n = 300;
    let lat: Vec<f64> = (0..n).map(|i| 35.0 + (i as f64) * 0.0371 + 0.000123).collect();
    let lon: Vec<f64> = (0..n).map(|i| -120.0 + (i as f64) * 0.0913 + 0.000457).collect();
    let price: Vec<f64> = (0..n).map(|i| ((i * 37) % 9000) as f64 / 100.0).collect();
    let schema = Arc::new(Schema::new(vec![
        Field::new("trip_id", DataType::Int64, false),
        Field::new("pickup_latitude", DataType::Float64, false),
        Field::new("pickup_longitude", DataType::Float64, false),
        Field::new("fare", DataType::Float64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![Arc::new(Int64Array::from_iter_values(0..n as i64)), Arc::new(Float64Array::from(lat.clone())), Arc::new(Float64Array::from(lon)), Arc::new(Float64Array::from(price.clone()))],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let trips = dir.path().join("trips.parquet");
    common::cli::write_parquet(&trips, &batch);
    let (r, out) = common::cli::scan_json(&[&trips], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(common::cli::labels(&r, "trips.parquet", "pickup_latitude"), ["pii.geo_coordinates"], "{r}");
    assert_eq!(common::cli::labels(&r, "trips.parquet", "pickup_longitude"), ["pii.geo_coordinates"]);
    assert!(common::cli::labels(&r, "trips.parquet", "fare").is_empty());
    assert!(!r.to_string().contains("35.000123"), "evidence is masked");

    // A latitude without a longitude: no pair, no label.
    let schema = Arc::new(Schema::new(vec![Field::new("lat", DataType::Float64, false), Field::new("price", DataType::Float64, false)]));
    let lone = RecordBatch::try_new(schema, vec![Arc::new(Float64Array::from(lat)), Arc::new(Float64Array::from(price))]).unwrap();
    let single = dir.path().join("single.parquet");
    common::cli::write_parquet(&single, &lone);
    let (r, _) = common::cli::scan_json(&[&single], &[]);
    assert!(common::cli::labels(&r, "single.parquet", "lat").is_empty(), "{r}");
}
