//! Results too large for memory end the command with exit code 1 and a message, never
//! an abort, and write nothing.

use crate::common::{nexpr, text};

/// A column and a row of 2^20 each, along the first two of three axes.
fn col_row() -> (ndarray::Array3<f64>, ndarray::Array3<f64>) {
    let col = ndarray::Array3::<f64>::zeros((1 << 20, 1, 1));
    let row = ndarray::Array3::<f64>::zeros((1, 1 << 20, 1));
    (col, row)
}

#[test]
fn the_command_line_exits_1_with_a_message() {
    let d = tempfile::tempdir().unwrap();
    let (col, row) = col_row();
    let (c, r) = (d.path().join("col.npy"), d.path().join("row.npy"));
    for (path, a) in [(&c, &col), (&r, &row)] {
        let w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        ndarray_npy::WriteNpyExt::write_npy(a, w).unwrap();
    }
    let (c, r) = (c.to_str().unwrap(), r.to_str().unwrap());
    // (`--out` is not among them: a streamed result goes to its file block by block,
    // however large.)
    // An axis reduction needs only its output: 2^40 elements along the last axis.
    for args in [
        &["eval", "sum(col+row, axis=2)", "--vars", c, "--vars", r][..],
        &["eval", "col+row", "--vars", c, "--vars", r][..],
        &[
            "bench", "col+row", "--vars", c, "--vars", r, "--repeat", "1",
        ][..],
    ] {
        let o = nexpr(args);
        let (_, se) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {se}");
        assert!(se.contains("out of memory"), "{args:?}: {se}");
    }
    assert_eq!(
        std::fs::read_dir(d.path()).unwrap().count(),
        2,
        "nothing written"
    );
}
