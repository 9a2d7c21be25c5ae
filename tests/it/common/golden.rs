//! The one golden-file harness: a file under `tests/golden/` holds the expected text
//! exactly. `UPDATE_GOLDEN=1 cargo test golden` rewrites the files that differ (review
//! the diff before committing it).

use std::path::{Path, PathBuf};

/// `tests/golden/<kind>`.
pub fn dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(kind)
}

fn updating() -> bool {
    std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1")
}

/// Whether `path` holds `got`; with `UPDATE_GOLDEN=1` it is made to.
pub fn check(path: &Path, got: &str) -> Result<(), String> {
    let want = std::fs::read_to_string(path).unwrap_or_default();
    if want == got {
        return Ok(());
    }
    if updating() {
        std::fs::write(path, got).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("updated {}", path.display());
        return Ok(());
    }
    Err(format!(
        "{}:\n--- expected\n{want}--- got\n{got}",
        path.display()
    ))
}

/// Fails listing every file that differs.
pub fn assert_all(results: impl IntoIterator<Item = Result<(), String>>) {
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    assert!(
        failures.is_empty(),
        "{}\n{} golden file(s) differ; rerun with UPDATE_GOLDEN=1 if that is intended",
        failures.join("\n"),
        failures.len()
    );
}
