//! Lint arbitrary bytes as PowerShell: decoding, prefilter, parse, lowering, rules and
//! rendering must never panic, and no output may contain a secret in full.
#![no_main]

use credlint::model::Language;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    credlint::fuzzing::lint_bytes(Language::PowerShell, data);
});
