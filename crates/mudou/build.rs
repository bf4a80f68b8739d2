// The PostgreSQL tests run when `MUDOU_TEST_POSTGRES_URL` is set at build time
// (`cfg(mudou_pg_tests)`); otherwise the runner lists them as ignored, not passed.
// The power-cut test needs FUSE, fusermount and fusepy (installed by .ci/run): it runs when
// `MUDOU_TEST_POWERCUT` is set at build time (`cfg(mudou_powercut_tests)`), ignored otherwise.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(mudou_powercut_tests)");
    println!("cargo::rerun-if-env-changed=MUDOU_TEST_POWERCUT");
    if std::env::var("MUDOU_TEST_POWERCUT").is_ok_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=mudou_powercut_tests");
    }
    println!("cargo::rustc-check-cfg=cfg(mudou_pg_tests)");
    println!("cargo::rerun-if-env-changed=MUDOU_TEST_POSTGRES_URL");
    if std::env::var("MUDOU_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
        println!("cargo::rustc-cfg=mudou_pg_tests");
    }
}
