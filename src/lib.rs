//! credlint: finds credentials hardcoded in PowerShell and shell scripts, explains them like a
//! compiler, and rewrites them to come from the environment.

pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod engine;
pub mod finding;
pub mod fix;
pub mod focus;
#[doc(hidden)]
pub mod fuzzing;
pub mod lang;
pub mod lsp;
pub mod model;
pub mod report;
pub mod rules;
pub mod secret;
pub mod source;
pub mod suppress;
