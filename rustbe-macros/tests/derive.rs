//! The pass cases of `tests/ui/pass`, compiled again as modules of this test crate so that
//! clippy (`--all-targets`) checks the generated code, and run.

#[path = "ui/pass/full.rs"]
pub mod full;
#[path = "ui/pass/int_key.rs"]
pub mod int_key;
#[path = "ui/pass/shadowed.rs"]
pub mod shadowed;
#[path = "ui/pass/string_key.rs"]
pub mod string_key;

#[test]
fn every_option() {
    full::main();
}

#[test]
fn integer_key() {
    int_key::main();
}

#[test]
fn string_key() {
    string_key::main();
}

#[test]
fn prelude_shadowed() {
    shadowed::main();
}
