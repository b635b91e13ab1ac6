//! PostgreSQL integration tests run when `PONTE_TEST_POSTGRES_URL` is set at build time;
//! without it they are compiled as `#[ignore]`d, so that `cargo test` reports them as
//! ignored (skipped) rather than passing them silently.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(ponte_pg)");
    println!("cargo::rerun-if-env-changed=PONTE_TEST_POSTGRES_URL");
    if std::env::var("PONTE_TEST_POSTGRES_URL").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=ponte_pg");
    }
}
