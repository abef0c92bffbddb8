//! End-to-end: `credlint lsp` driven by a real Neovim (headless), through Neovim's own LSP
//! client: diagnostics arrive, the quick fix is requested and applied, the buffer holds the
//! fixed text and the diagnostic clears. Skipped, with a message, when `nvim` is not installed
//! (`.ci/run` installs it).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const TOKEN: &str = "pypi-AgEIcHlwaS5vcmcCJDYPtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA_2O76UMFxFkM_R5Kjp1vRt-1fjORS_6ilI8ihN5KXSc7Tvo_hBKqFYY_kv5ZJr3J1TWDtkwtDDb-xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjA";

fn nvim_available() -> bool {
    Command::new("nvim")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether the engine finds anything in `text` as PowerShell (false until the PowerShell
/// lowering lands).
fn powershell_lints(text: &str) -> bool {
    let source = credlint::source::SourceFile::from_text(
        "x.ps1",
        credlint::model::Language::PowerShell,
        text.to_owned(),
        credlint::source::Encoding::Utf8,
    );
    credlint::engine::lint(&source, &credlint::engine::Settings::default())
        .is_ok_and(|o| !o.findings.is_empty())
}

fn value<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no `{key}` in Neovim's results:\n{out}"))
}

#[test]
fn neovim_shows_diagnostics_and_applies_the_quick_fix() {
    if !nvim_available() {
        eprintln!("SKIPPED lsp_neovim: `nvim` not found (apt-get install -y neovim)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let sh = root.join("publish.sh");
    std::fs::write(
        &sh,
        format!(
            "#!/usr/bin/env bash\nset -euo pipefail\n# é 𝄞\npython3 -m twine upload dist/* --username __token__ --password {TOKEN}\necho done\n"
        ),
    )
    .unwrap();
    let mut cases = vec![format!("{}=sh", sh.display())];
    let ps_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed/Publish_to_PyPI.ps1"),
    )
    .unwrap();
    let ps1 = root.join("Publish_to_PyPI.ps1");
    let with_powershell = powershell_lints(&ps_text);
    if with_powershell {
        std::fs::write(&ps1, &ps_text).unwrap();
        cases.push(format!("{}=ps1", ps1.display()));
    } else {
        eprintln!("lsp_neovim: PowerShell yields no findings yet; only the shell buffer is tested");
    }
    let out_file = root.join("results.txt");
    let lua = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/nvim/e2e.lua");
    let mut child = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", lua.display()))
        .env("CREDLINT_BIN", env!("CARGO_BIN_EXE_credlint"))
        .env("CREDLINT_ROOT", root)
        .env("CREDLINT_OUT", &out_file)
        .env("CREDLINT_CASES", cases.join(";"))
        .env("XDG_STATE_HOME", root.join("state"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        .env("XDG_CONFIG_HOME", root.join("config"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start nvim");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("nvim did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = std::fs::read_to_string(&out_file).expect("Neovim wrote its results");
    assert!(!out.contains("lua_error"), "{out}");
    assert!(
        !out.contains(&TOKEN[9..]),
        "a message leaks the secret:\n{out}"
    );
    assert_eq!(value(&out, "done"), "true", "{out}");

    assert_eq!(value(&out, "case1.diagnostics_arrived"), "true");
    assert_eq!(value(&out, "case1.count"), "1");
    assert_eq!(value(&out, "case1.code"), "CL001");
    assert_eq!(value(&out, "case1.source"), "credlint");
    assert_eq!(
        value(&out, "case1.href"),
        "https://github.com/credlint/credlint/blob/main/docs/rules/secret-in-argument.md"
    );
    assert!(value(&out, "case1.actions").contains("Suppress CL001 on this line"));
    assert!(value(&out, "case1.actions").contains("Fix all credlint problems"));
    assert_eq!(value(&out, "case1.fewer_after_fix"), "true");
    assert_eq!(value(&out, "case1.remaining"), "0");
    let fixed = std::fs::read_to_string(root.join("publish.sh.nvim-out")).unwrap();
    assert_eq!(
        fixed,
        "#!/usr/bin/env bash\nset -euo pipefail\n# é 𝄞\nif [ -z \"${PYPI_TOKEN:-}\" ]; then\n\techo \"ERROR: PYPI_TOKEN environment variable not set\" >&2\n\texit 1\nfi\n\npython3 -m twine upload dist/* --username __token__ --password \"$PYPI_TOKEN\"\necho done\n"
    );

    if with_powershell {
        assert_eq!(value(&out, "case2.diagnostics_arrived"), "true");
        assert_eq!(value(&out, "case2.source"), "credlint");
        assert_eq!(value(&out, "case2.fewer_after_fix"), "true");
        let fixed = std::fs::read_to_string(root.join("Publish_to_PyPI.ps1.nvim-out")).unwrap();
        assert!(fixed.contains("$env:"), "{fixed}");
        assert!(fixed.contains("if (-not $env:"), "{fixed}");
    }
}
