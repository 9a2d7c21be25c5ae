//! Golden tests of the optimized IR's text form, in the manner of Cranelift's
//! filetests: each `tests/golden/ir/*.ir` file starts with `;` header lines giving the
//! expression (or program lines `;| ...`) and the dtypes of its variables, followed by
//! the expected IR. `UPDATE_GOLDEN=1 cargo test --test golden_ir` rewrites them.

use nexpr::{DType, DynArray, Emit, Expr, Program, Target, Vars};
use std::path::Path;

fn render(header: &[&str]) -> String {
    let mut expr = None;
    let mut program = String::new();
    let mut vars = Vars::new();
    for line in header {
        let l = line.trim_start_matches(';');
        if let Some(e) = l.strip_prefix(" expr: ") {
            expr = Some(e.to_string());
        } else if let Some(p) = l.strip_prefix("| ") {
            program.push_str(p);
            program.push('\n');
        } else if l == "|" {
            program.push('\n');
        } else if let Some(vs) = l.strip_prefix(" vars: ") {
            for v in vs.split_whitespace() {
                let (name, ty) = v.split_once('=').expect("name=dtype");
                let d = DType::from_name(ty).unwrap_or_else(|| panic!("dtype {ty}"));
                vars.insert_owned(name, DynArray::zeros(d, &[4]));
            }
        }
    }
    let kernel = match expr {
        Some(e) => Expr::parse(&e).and_then(|e| e.compile(Target::Interp)),
        None => Program::parse(&program).and_then(|p| p.compile(Target::Interp)),
    };
    kernel
        .and_then(|k| k.emit(&vars, Emit::Ir))
        .unwrap_or_else(|e| format!("error: {e}\n"))
}

#[test]
fn ir_golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/ir");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ir") {
            continue;
        }
        count += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        let header: Vec<&str> = text.lines().take_while(|l| l.starts_with(';')).collect();
        let expected: String = text
            .lines()
            .skip(header.len())
            .map(|l| format!("{l}\n"))
            .collect();
        let got = render(&header);
        if got != expected {
            if update {
                let new = header.iter().map(|l| format!("{l}\n")).collect::<String>() + &got;
                std::fs::write(&path, new).unwrap();
            } else {
                failures.push(format!(
                    "{}:\n--- expected\n{expected}--- got\n{got}",
                    path.display()
                ));
            }
        }
    }
    assert!(count >= 8, "golden files missing in {}", dir.display());
    assert!(
        failures.is_empty(),
        "{}\n(rerun with UPDATE_GOLDEN=1 to accept)",
        failures.join("\n")
    );
}
