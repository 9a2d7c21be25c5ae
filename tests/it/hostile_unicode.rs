//! Non-ASCII text: errors at any character render with the caret under it (wide
//! characters are two columns), a byte-order mark is skipped, and no text at all makes
//! parsing, type checking or rendering panic.

use nexpr::{ErrorKind, Expr, Program, Target, Vars};
use proptest::prelude::*;

fn vars() -> Vars<'static> {
    let mut v = Vars::new();
    v.insert_owned("a", ndarray::arr1(&[1.0f64, 2.0]).into_dyn());
    v.insert_owned("b", ndarray::arr1(&[3i32, 4]).into_dyn());
    v
}

/// The two lines under the header of a rendered error: the source and the carets.
fn caret_lines(rendered: &str) -> (String, String) {
    let lines: Vec<&str> = rendered.lines().collect();
    let n = lines.len();
    (lines[n - 2].to_string(), lines[n - 1].to_string())
}

fn parse_error(src: &str) -> nexpr::Error {
    Expr::parse(src).expect_err(src)
}

#[test]
fn errors_at_non_ascii_characters_render() {
    for src in [
        "é",
        "a + é",
        "中文",
        "a + 😀 b",
        "a\u{301} + 1",
        "\u{202e}a",
        "a + \0",
    ] {
        let e = parse_error(src);
        assert_eq!(e.kind, ErrorKind::Parse);
        let text = e.to_string();
        assert!(text.contains("line 1"), "{text}");
    }
    let e = parse_error("é");
    assert!(e.message.contains("unexpected `é`"), "{e}");
}

#[test]
fn carets_sit_under_wide_characters() {
    // `中` is two columns wide: two carets, after four columns of `a + `.
    let (line, carets) = caret_lines(&parse_error("a + 中文").to_string());
    assert_eq!(line, "1 | a + 中文");
    assert_eq!(carets, "  |     ^^");
    let (line, carets) = caret_lines(&parse_error("(中) + 1").to_string());
    assert_eq!(line, "1 | (中) + 1");
    assert_eq!(carets, "  |  ^^");
    let (_, carets) = caret_lines(&parse_error("a + 😀").to_string());
    assert_eq!(carets, "  |     ^^");
}

#[test]
fn tabs_and_control_characters_keep_the_caret_aligned() {
    let e = Program::parse("output y\ny =\t\t?\n").expect_err("bad");
    let (line, carets) = caret_lines(&e.to_string());
    assert_eq!(line, "2 | y =        ?");
    assert_eq!(carets, "  |            ^");
    // CRLF line ends are not shown.
    let e = Program::parse("output y\r\ny = ?\r\n").expect_err("bad");
    let (line, _) = caret_lines(&e.to_string());
    assert_eq!(line, "2 | y = ?");
    // A bidirectional override would reorder the shown line: it is replaced.
    let e = parse_error("a + \u{202e}b");
    assert!(!e.to_string().contains('\u{202e}'));
}

#[test]
fn long_lines_are_cut_around_the_fault() {
    let src = format!("{} + ? + {}", "a + ".repeat(10_000), "b + ".repeat(10_000));
    let text = parse_error(&src).to_string();
    assert!(text.len() < 1000, "{} bytes", text.len());
    let (line, carets) = caret_lines(&text);
    assert!(line.contains('…'), "{line}");
    let at = carets.find('^').expect("a caret");
    assert_eq!(line.chars().nth(at), Some('?'), "{line}\n{carets}");
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let p = Program::parse("\u{feff}output y\ny = a * 2\n").expect("BOM then program");
    let out = p.compile(Target::Interp).unwrap().run(&vars()).unwrap();
    assert_eq!(
        out["y"],
        nexpr::DynArray::from(ndarray::arr1(&[2.0f64, 4.0]).into_dyn())
    );
    let e = Expr::parse("\u{feff}a + 1").expect("BOM then expression");
    assert!(e.compile(Target::Interp).unwrap().eval(&vars()).is_ok());
    // Errors after a BOM still point at the right place.
    let err = Program::parse("\u{feff}output y\ny = ?\n").expect_err("bad");
    assert!(err.to_string().contains("line 2, column 5"), "{err}");
    let err = Expr::parse("\u{feff}a + ?").expect_err("bad");
    assert!(err.to_string().contains("line 1, column 5"), "{err}");
    let (line, carets) = caret_lines(&err.to_string());
    assert_eq!((line.as_str(), carets.as_str()), ("1 | a + ?", "  |     ^"));
}

#[test]
fn type_errors_point_into_non_ascii_lines() {
    let src = "output y\n# 注释: ü\ny = a + b.bogus  # 😀\n";
    let e = Program::parse(src)
        .and_then(|p| p.compile(Target::Interp))
        .and_then(|k| k.run(&vars()))
        .expect_err("unknown attribute");
    let (line, carets) = caret_lines(&e.to_string());
    assert!(line.starts_with("3 | y = a + b.bogus"), "{line}");
    assert_eq!(carets, "  |           ^^^^^");
}

/// Text mixing the language's own tokens with arbitrary characters.
fn source_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("1".to_string()),
        Just("2.5e3j".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just(" + ".to_string()),
        Just("**".to_string()),
        Just("-".to_string()),
        Just("sin(".to_string()),
        Just(",".to_string()),
        Just("\n".to_string()),
        Just("    ".to_string()),
        Just("\t".to_string()),
        Just("if a > 1:".to_string()),
        Just("output y\n".to_string()),
        Just("y = ".to_string()),
        any::<char>().prop_map(String::from),
        "[\\u{80}-\\u{10ffff}]{1,3}",
    ];
    proptest::collection::vec(token, 0..24).prop_map(|v| v.concat())
}

fn never_panics(src: &str) {
    let vars = vars();
    if let Err(e) = Expr::parse(src).and_then(|e| e.compile(Target::Interp)?.eval(&vars)) {
        let _ = e.to_string();
    }
    if let Err(e) = Program::parse(src).and_then(|p| p.compile(Target::Interp)?.run(&vars)) {
        let _ = e.to_string();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(src in source_text()) {
        never_panics(&src);
    }

    #[test]
    fn arbitrary_unicode_never_panics(src in "\\PC{0,40}") {
        never_panics(&src);
    }
}
