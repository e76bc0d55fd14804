//! Rebuilds the crate when a classifier file changes (they are compiled in with include_dir!).
fn main() {
    println!("cargo:rerun-if-changed=classifiers");
}
