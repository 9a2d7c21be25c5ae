//! The command line's manners: `--out` writes the format its extension names, options
//! mistyped before the expression get clap's suggestion, a variable given twice is
//! refused, `--threads` beyond the engine's maximum is reported, completions print, and
//! no progress bar is drawn where standard error is not a terminal.

use crate::common::{nexpr, text};
use std::path::Path;

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `a.npy` in `dir`: the integers `0..n`.
fn ramp(dir: &Path, n: i64) -> std::path::PathBuf {
    let a = dir.join("a.npy");
    nexpr::io::write_npy(&a, &ndarray::Array1::from_iter(0..n)).unwrap();
    a
}

#[test]
fn eval_out_npz_writes_an_archive_with_one_result() {
    let d = tempfile::tempdir().unwrap();
    let (a, out) = (ramp(d.path(), 4), d.path().join("r.npz"));
    let o = nexpr(&["eval", "a*2", "--vars", path(&a), "--out", path(&out)]);
    assert!(o.status.success(), "{}", text(&o).1);
    let r = nexpr::io::read_npz(&out).unwrap();
    assert_eq!(r.keys().collect::<Vec<_>>(), ["result"]);
    assert_eq!(
        r["result"].as_array::<i64>().unwrap().as_slice().unwrap(),
        &[0, 2, 4, 6]
    );
}

#[test]
fn eval_out_npy_and_other_extensions_write_npy() {
    let d = tempfile::tempdir().unwrap();
    let a = ramp(d.path(), 3);
    for name in ["r.npy", "r.NPY", "r.bin"] {
        let out = d.path().join(name);
        let o = nexpr(&["eval", "a", "--vars", path(&a), "--out", path(&out)]);
        assert!(o.status.success(), "{}", text(&o).1);
        let r = nexpr::io::read_npy(&out).unwrap();
        assert_eq!(r.as_array::<i64>().unwrap().as_slice().unwrap(), &[0, 1, 2]);
    }
}

fn program(dir: &Path, source: &str) -> std::path::PathBuf {
    let p = dir.join("p.nx");
    std::fs::write(&p, source).unwrap();
    p
}

#[test]
fn run_out_npy_with_several_outputs_is_refused_before_anything_is_written() {
    let d = tempfile::tempdir().unwrap();
    let (a, p) = (
        ramp(d.path(), 3),
        program(d.path(), "output x, y\nx = a+1\ny = x*2\n"),
    );
    let out = d.path().join("o.npy");
    let o = nexpr(&["run", path(&p), "--vars", path(&a), "--out", path(&out)]);
    let (_, se) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{se}");
    assert!(
        se.contains("one array") && se.contains("(x, y)") && se.contains(".npz"),
        "{se}"
    );
    assert!(!out.exists());
}

#[test]
fn run_out_npy_with_one_output_writes_npy_and_npz_stays_an_archive() {
    let d = tempfile::tempdir().unwrap();
    let (a, p) = (ramp(d.path(), 3), program(d.path(), "output y\ny = a*3\n"));
    let npy = d.path().join("o.npy");
    let o = nexpr(&["run", path(&p), "--vars", path(&a), "--out", path(&npy)]);
    assert!(o.status.success(), "{}", text(&o).1);
    let r = nexpr::io::read_npy(&npy).unwrap();
    assert_eq!(r.as_array::<i64>().unwrap().as_slice().unwrap(), &[0, 3, 6]);
    let npz = d.path().join("o.npz");
    let o = nexpr(&["run", path(&p), "--vars", path(&a), "--out", path(&npz)]);
    assert!(o.status.success(), "{}", text(&o).1);
    assert_eq!(
        nexpr::io::read_npz(&npz)
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["y"]
    );
}

#[test]
fn an_option_mistyped_before_the_expression_gets_a_suggestion() {
    for (args, wanted) in [
        (&["eval", "--thread", "2", "1"][..], "--threads"),
        (&["bench", "--repet", "2", "1"][..], "--repeat"),
        (&["eval", "-1*2", "--thread", "2"][..], "--threads"),
    ] {
        let o = nexpr(args);
        let (_, se) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {se}");
        assert!(se.contains(&format!("'{wanted}'")), "{args:?}: {se}");
        assert!(!se.contains("unexpected argument '2'"), "{args:?}: {se}");
    }
}

#[test]
fn expressions_starting_with_a_minus_still_parse() {
    for (args, printed) in [
        (&["eval", "-2*3"][..], "-6"),
        (&["eval", "--set", "a=4", "--", "--a"][..], "4"),
        (&["eval", "-a", "--set", "a=5"][..], "-5"),
    ] {
        let o = nexpr(args);
        let (so, se) = text(&o);
        assert!(o.status.success(), "{args:?}: {se}");
        assert!(so.contains(printed), "{args:?}: {so}");
    }
}

#[test]
fn a_variable_from_two_sources_names_both() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a.npy");
    nexpr::io::write_npy(&a, &ndarray::arr1(&[1.0f64, 2.0])).unwrap();
    let o = nexpr(&["eval", "a", "--vars", path(&a), "--set", "a=3"]);
    let (_, se) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{se}");
    assert!(
        se.contains(&format!("--vars {}", a.display())) && se.contains("--set a=3"),
        "{se}"
    );
    let o = nexpr(&["eval", "b", "--set", "b=1", "--set", "b=2"]);
    let (_, se) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{se}");
    assert!(se.contains("--set b=1") && se.contains("--set b=2"), "{se}");
}

#[test]
fn threads_beyond_the_maximum_are_clamped_with_a_warning() {
    let max = nexpr::Engine::process_default().config().max_threads;
    let asked = (max + 1).to_string();
    let o = nexpr(&[
        "bench",
        "1+1",
        "--threads",
        &asked,
        "--repeat",
        "1",
        "--json",
    ]);
    let (so, se) = text(&o);
    assert!(o.status.success(), "{se}");
    assert!(
        se.contains("warning") && se.contains(&format!("using {max} threads")),
        "{se}"
    );
    let v: serde_json::Value = serde_json::from_str(so.trim()).unwrap();
    assert_eq!(v["threads"], max);
    let o = nexpr(&["eval", "1+1", "--threads", "2"]);
    assert!(o.status.success());
    assert_eq!(text(&o).1, "", "no warning when nothing is clamped");
}

#[test]
fn completions_print_a_script_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_nexpr()"),
        ("zsh", "#compdef nexpr"),
        ("fish", "complete -c nexpr"),
    ] {
        let o = nexpr(&["completions", shell]);
        let (so, se) = text(&o);
        assert!(o.status.success(), "{shell}: {se}");
        assert!(
            so.contains(marker) && so.contains("threads"),
            "{shell}: {so}"
        );
    }
    assert_eq!(nexpr(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn no_progress_bar_where_stderr_is_not_a_terminal() {
    let d = tempfile::tempdir().unwrap();
    let (a, out) = (ramp(d.path(), 1_000_000), d.path().join("r.npy"));
    for quiet in [&[][..], &["--quiet"][..]] {
        let mut args = vec!["eval", "a*0.5", "--vars", path(&a), "--out", path(&out)];
        args.extend_from_slice(quiet);
        let o = nexpr(&args);
        let (_, se) = text(&o);
        assert!(o.status.success(), "{se}");
        assert_eq!(se, "", "standard error stays empty");
    }
}
