//! lint → fix → re-lint, in both languages: an accepted fix parses without new syntax errors,
//! fixing the fixed text changes nothing, encoding round-trips, and nothing panics.
#![no_main]

use credlint::model::Language;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for language in [Language::Shell, Language::PowerShell] {
        credlint::fuzzing::fix_round_trip(language, data);
    }
});
