//! Rebuilds the crate when a classifier file changes (they are compiled in with include_dir!)
//! or a migration does (compiled in with sqlx::migrate!; a build script that names its
//! inputs turns off cargo's default of rerunning on any change, so both are named).
fn main() {
    println!("cargo:rerun-if-changed=classifiers");
    println!("cargo:rerun-if-changed=migrations");
}
