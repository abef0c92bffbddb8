//! Rules: one file per rule, each with its documentation, metadata, check and tests.
//! Adding a rule touches its file, one line of [`REGISTRY`] and its fixtures.

pub mod common;
pub mod credential_parameter_type;
pub mod known_token;
pub mod plaintext_credential_object;
pub mod plaintext_password_parameter;
pub mod plaintext_securestring;
pub mod secret_in_argument;
pub mod secret_in_config_write;
pub mod secret_in_connection_string;
pub mod secret_in_default;
pub mod secret_in_env_assignment;
pub mod secret_in_hashtable;
pub mod secret_in_header;
pub mod secret_in_url;
pub mod unused_suppression;
pub mod username_and_password_parameters;

use crate::catalog::Catalog;
use crate::finding::{Finding, RuleMeta};
use crate::model::Script;
use crate::source::SourceFile;

/// What a rule sees: the decoded source, its Script model, the catalog and the data flow.
pub struct Context<'a> {
    pub source: &'a SourceFile,
    pub script: &'a Script,
    pub catalog: &'a Catalog,
    pub flow: &'a common::Flow,
}

pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &Context, out: &mut Vec<Finding>);
    /// A fallback rule (CL012 known-token) catches what more specific rules also catch: the
    /// engine runs it after the others and drops its findings that overlap theirs.
    fn fallback(&self) -> bool {
        false
    }
}

/// Every rule, in code order.
pub static REGISTRY: &[&dyn Rule] = &[
    &secret_in_argument::SecretInArgument,
    &plaintext_securestring::PlaintextSecureString,
    &secret_in_env_assignment::SecretInEnvAssignment,
    &secret_in_header::SecretInHeader,
    &plaintext_credential_object::PlaintextCredentialObject,
    &secret_in_default::SecretInDefault,
    &secret_in_hashtable::SecretInHashtable,
    &secret_in_config_write::SecretInConfigWrite,
    &plaintext_password_parameter::PlaintextPasswordParameter,
    &username_and_password_parameters::UsernameAndPasswordParameters,
    &credential_parameter_type::CredentialParameterType,
    &secret_in_url::SecretInUrl,
    &secret_in_connection_string::SecretInConnectionString,
    &known_token::KnownToken,
    &unused_suppression::UnusedSuppression,
];

/// All rules' metadata (for reporters and `credlint rules`).
pub fn all_meta() -> Vec<&'static RuleMeta> {
    let mut metas: Vec<_> = REGISTRY.iter().map(|r| r.meta()).collect();
    metas.sort_by_key(|m| m.code);
    metas
}

/// Finds a rule by code or name, case-insensitively.
pub fn find(code_or_name: &str) -> Option<&'static RuleMeta> {
    REGISTRY
        .iter()
        .map(|r| r.meta())
        .find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Meta-test: every rule documents what, why, an example, what to use instead and fix
    /// safety, and has unique code and name.
    #[test]
    fn every_rule_is_documented_and_unique() {
        let metas = all_meta();
        for m in &metas {
            for section in [
                "## What",
                "## Why",
                "## Example",
                "## Use instead",
                "## Fix safety",
            ] {
                assert!(m.docs.contains(section), "{} lacks `{section}`", m.code);
            }
            assert!(m.code.starts_with("CL") && m.code.len() == 5, "{}", m.code);
            assert!(m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
            assert!(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures")
                    .join(m.name)
                    .is_dir(),
                "{} has no fixtures in tests/fixtures/{}",
                m.code,
                m.name
            );
        }
        // `docs/rules/<name>.md` (linked from LSP diagnostics and SARIF) is the rule's docs.
        for m in &metas {
            let page = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("docs/rules")
                .join(format!("{}.md", m.name));
            let text = std::fs::read_to_string(&page).unwrap_or_default();
            assert_eq!(
                text,
                m.docs,
                "{} is out of date: regenerate with `credlint rule {} > {}`",
                page.display(),
                m.code,
                page.display()
            );
        }
        let mut codes: Vec<_> = metas.iter().map(|m| m.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), metas.len());
    }
}
