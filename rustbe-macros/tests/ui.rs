//! Compile-time behaviour of `#[derive(Resource)]`: what compiles (`ui/pass`) and the error of
//! each mistake (`ui/fail`, with the compiler's output in `.stderr`; regenerate with
//! `TRYBUILD=overwrite` and read the diff).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
