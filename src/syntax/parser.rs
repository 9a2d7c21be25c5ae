//! Builds the AST from pest's parse tree; resolves program indentation.

use super::ast::*;
use super::nesting;
use crate::error::{Error, Hint, Result, Span};
use crate::limits::{self, MAX_BLOCKS};
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/nexpr.pest"]
struct Grammar;

/// A byte-order mark at the start of the text (editors on Windows write one) is
/// skipped; spans keep counting from the start of the original text.
fn skip_bom(src: &str) -> (&str, usize) {
    match src.strip_prefix('\u{feff}') {
        Some(rest) => (rest, src.len() - rest.len()),
        None => (src, 0),
    }
}

/// Parses one expression.
pub fn parse_expr(src: &str) -> Result<Expr> {
    let (text, base) = skip_bom(src);
    parse_one(Rule::expression, text, base)
        .and_then(|p| {
            let expr = p.into_inner().next().expect("expr");
            top_expr(expr, base)
        })
        .map_err(|e| e.with_source(src))
}

/// Runs pest on `text` (at `base` in the source) once its nesting is known to be
/// within the limit, on a stack large enough for it.
fn parse_one(rule: Rule, text: &str, base: usize) -> Result<Pair<'_, Rule>> {
    let bytes = nesting::measure(text, base)?;
    let mut pairs = limits::with_stack(bytes, || Grammar::parse(rule, text))
        .map_err(|e| pest_error(e, base, text))?;
    Ok(pairs.next().expect("the rule matched"))
}

/// Parses a program: `output` declarations and indented statements, one per line.
pub fn parse_program(src: &str) -> Result<ProgramAst> {
    parse_program_inner(src).map_err(|e| e.with_source(src))
}

struct Line<'a> {
    indent: &'a str,
    text: &'a str,
    /// Byte offset of `text` in the source.
    offset: usize,
}

fn parse_program_inner(src: &str) -> Result<ProgramAst> {
    let (text, mut offset) = skip_bom(src);
    let mut lines = Vec::new();
    for raw in text.split_inclusive('\n') {
        let body = raw.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim_start_matches([' ', '\t']);
        let indent = &body[..body.len() - trimmed.len()];
        let content = trimmed.trim_end();
        if !content.is_empty() && !content.starts_with('#') {
            lines.push(Line {
                indent,
                text: content,
                offset: offset + indent.len(),
            });
        }
        offset += raw.len();
    }
    let mut outputs = Vec::new();
    let mut pos = 0;
    let body = parse_block(&lines, &mut pos, "", &mut outputs, 0)?;
    if outputs.is_empty() {
        return Err(Error::parse(
            Span::new(0, src.len().min(1)),
            "a program must declare its outputs, e.g. `output escape` on its first line",
        ));
    }
    // Checked here, with the text alone, so that building a program refuses it (not its
    // first run, when the input dtypes are known).
    let mut seen = std::collections::HashSet::new();
    if let Some((name, span)) = outputs.iter().find(|(name, _)| !seen.insert(name)) {
        return Err(Error::parse(
            *span,
            format!("output `{name}` is declared twice"),
        ));
    }
    Ok(ProgramAst { outputs, body })
}

/// A parsed line before block structure: the statement head and whether it opens a block.
enum Head {
    Output(Vec<(String, Span)>),
    Simple(Stmt),
    If(Expr),
    Elif(Expr),
    Else,
    For(String, Span, Option<Expr>, Expr),
}

fn parse_line(line: &Line) -> Result<(Head, Span)> {
    let pair = parse_one(Rule::line, line.text, line.offset)?
        .into_inner()
        .next()
        .expect("statement");
    let base = line.offset;
    let span = sp(&pair, base);
    let rule = pair.as_rule();
    let mut inner = pair.into_inner().filter(|p| !is_keyword(p.as_rule()));
    let head = match rule {
        Rule::output_decl => Head::Output(
            inner
                .map(|p| (p.as_str().to_string(), sp(&p, base)))
                .collect(),
        ),
        Rule::break_stmt => Head::Simple(Stmt {
            kind: StmtKind::Break,
            span,
        }),
        Rule::assign => {
            let target = inner.next().unwrap();
            let op = match inner.next().unwrap().as_str() {
                "+=" => Some(BinaryOp::Add),
                "-=" => Some(BinaryOp::Sub),
                "*=" => Some(BinaryOp::Mul),
                "/=" => Some(BinaryOp::Div),
                _ => None,
            };
            let value = top_expr(inner.next().unwrap(), base)?;
            Head::Simple(Stmt {
                kind: StmtKind::Assign {
                    target: target.as_str().to_string(),
                    target_span: sp(&target, base),
                    op,
                    value,
                },
                span,
            })
        }
        Rule::if_stmt => Head::If(top_expr(inner.next().unwrap(), base)?),
        Rule::elif_stmt => Head::Elif(top_expr(inner.next().unwrap(), base)?),
        Rule::else_stmt => Head::Else,
        Rule::for_stmt => {
            let var = inner.next().unwrap();
            let a = top_expr(inner.next().unwrap(), base)?;
            let (start, end) = match inner.next() {
                Some(b) => (Some(a), top_expr(b, base)?),
                None => (None, a),
            };
            Head::For(var.as_str().to_string(), sp(&var, base), start, end)
        }
        r => unreachable!("statement rule {r:?}"),
    };
    Ok((head, span))
}

fn is_keyword(r: Rule) -> bool {
    matches!(
        r,
        Rule::kw_output
            | Rule::kw_for
            | Rule::kw_in
            | Rule::kw_range
            | Rule::kw_if
            | Rule::kw_elif
            | Rule::kw_else
            | Rule::kw_break
    )
}

/// Parses the statements of one block, all at indentation `indent`, `depth` blocks
/// deep (0 for the top level).
fn parse_block(
    lines: &[Line],
    pos: &mut usize,
    indent: &str,
    outputs: &mut Vec<(String, Span)>,
    depth: usize,
) -> Result<Vec<Stmt>> {
    limits::stack(|| parse_block_at(lines, pos, indent, outputs, depth))
}

fn parse_block_at(
    lines: &[Line],
    pos: &mut usize,
    indent: &str,
    outputs: &mut Vec<(String, Span)>,
    depth: usize,
) -> Result<Vec<Stmt>> {
    let mut out: Vec<Stmt> = Vec::new();
    let mut after_child = false;
    while *pos < lines.len() {
        let line = &lines[*pos];
        if line.indent.len() < indent.len() {
            if !indent.starts_with(line.indent) {
                return Err(bad_indent(line));
            }
            break; // dedent: the enclosing block goes on
        }
        if line.indent != indent {
            // Deeper than this block right after a nested block ended: a dedent that
            // stopped between two levels.
            if after_child {
                return Err(bad_indent(line));
            }
            return Err(Error::parse(
                Span::new(line.offset, line.offset + 1),
                "unexpected indentation",
            ));
        }
        let (head, span) = parse_line(line)?;
        *pos += 1;
        after_child = matches!(head, Head::If(_) | Head::For(..));
        match head {
            Head::Output(names) => {
                if depth > 0 {
                    return Err(Error::parse(
                        span,
                        "`output` declarations belong at the top level",
                    ));
                }
                outputs.extend(names);
            }
            Head::Simple(s) => out.push(s),
            Head::If(cond) => {
                let then_body = parse_child(lines, pos, indent, outputs, span, depth)?;
                let else_body = parse_else(lines, pos, indent, outputs, depth)?;
                out.push(Stmt {
                    kind: StmtKind::If {
                        cond,
                        then_body,
                        else_body,
                    },
                    span,
                });
            }
            Head::For(var, var_span, start, end) => {
                let body = parse_child(lines, pos, indent, outputs, span, depth)?;
                out.push(Stmt {
                    kind: StmtKind::For {
                        var,
                        var_span,
                        start,
                        end,
                        body,
                    },
                    span,
                });
            }
            Head::Elif(_) | Head::Else => {
                return Err(Error::parse(span, "`elif`/`else` without a matching `if`"));
            }
        }
    }
    Ok(out)
}

/// After an `if` block: an optional `elif` chain or `else` block at the same indentation.
fn parse_else(
    lines: &[Line],
    pos: &mut usize,
    indent: &str,
    outputs: &mut Vec<(String, Span)>,
    depth: usize,
) -> Result<Vec<Stmt>> {
    let Some(line) = lines.get(*pos) else {
        return Ok(vec![]);
    };
    if line.indent != indent {
        return Ok(vec![]);
    }
    let (head, span) = parse_line(line)?;
    match head {
        Head::Else => {
            *pos += 1;
            parse_child(lines, pos, indent, outputs, span, depth)
        }
        Head::Elif(cond) => {
            *pos += 1;
            let then_body = parse_child(lines, pos, indent, outputs, span, depth)?;
            let else_body = limits::stack(|| parse_else(lines, pos, indent, outputs, depth))?;
            Ok(vec![Stmt {
                kind: StmtKind::If {
                    cond,
                    then_body,
                    else_body,
                },
                span,
            }])
        }
        _ => Ok(vec![]),
    }
}

/// The indented block that must follow a line ending in `:`, one deeper than `depth`.
fn parse_child(
    lines: &[Line],
    pos: &mut usize,
    indent: &str,
    outputs: &mut Vec<(String, Span)>,
    head: Span,
    depth: usize,
) -> Result<Vec<Stmt>> {
    match lines.get(*pos) {
        Some(l) if l.indent.len() > indent.len() && l.indent.starts_with(indent) => {
            if depth >= MAX_BLOCKS {
                return Err(Error::parse(
                    Span::new(l.offset, l.offset + 1),
                    format!(
                        "too many levels of indentation (the limit is {MAX_BLOCKS}, as in \
                         Python); split the program or flatten its conditions"
                    ),
                ));
            }
            parse_block(lines, pos, l.indent, outputs, depth + 1)
        }
        _ => Err(Error::parse(
            Span::new(head.end.saturating_sub(1), head.end),
            "expected an indented block after `:`",
        )),
    }
}

fn bad_indent(line: &Line) -> Error {
    Error::parse(
        Span::new(line.offset, line.offset + 1),
        "unindent does not match any outer indentation level",
    )
}

fn sp(p: &Pair<Rule>, base: usize) -> Span {
    let s = p.as_span();
    Span::new(base + s.start(), base + s.end())
}

/// A whole expression of the text: built, then checked against the depth limit.
fn top_expr(p: Pair<Rule>, base: usize) -> Result<Expr> {
    let e = build_expr(p, base)?;
    nesting::check_depth(&e)?;
    Ok(e)
}

fn build_expr(p: Pair<Rule>, base: usize) -> Result<Expr> {
    limits::stack(|| build_node(p, base))
}

fn build_node(p: Pair<Rule>, base: usize) -> Result<Expr> {
    let span = sp(&p, base);
    match p.as_rule() {
        Rule::expr => comparison(p, base, span),
        Rule::bit_or | Rule::bit_xor | Rule::bit_and | Rule::shift | Rule::sum | Rule::term => {
            left_chain(p, base)
        }
        Rule::factor => unary(p, base, span),
        Rule::power => power(p, base, span),
        Rule::postfix => attributes(p, base),
        Rule::call => call(p, base, span),
        Rule::ident => Ok(Expr {
            kind: ExprKind::Name(p.as_str().to_string()),
            span,
        }),
        Rule::boolean => Ok(Expr {
            kind: ExprKind::Bool(p.as_str() == "True"),
            span,
        }),
        Rule::number => number(p.as_str(), span),
        r => unreachable!("expression rule {r:?}"),
    }
}

/// `a`, `a op b`, or a chain of comparisons `a < b < c`.
fn comparison(p: Pair<Rule>, base: usize, span: Span) -> Result<Expr> {
    let mut it = p.into_inner();
    let first = build_expr(it.next().unwrap(), base)?;
    let mut rest = Vec::new();
    while let Some(op) = it.next() {
        let o = binop(op.as_str());
        rest.push((o, sp(&op, base), build_expr(it.next().unwrap(), base)?));
    }
    if rest.is_empty() {
        Ok(first)
    } else if rest.len() == 1 {
        let (o, _, rhs) = rest.pop().unwrap();
        Ok(Expr {
            kind: ExprKind::Binary(o, Box::new(first), Box::new(rhs)),
            span,
        })
    } else {
        Ok(Expr {
            kind: ExprKind::Compare(Box::new(first), rest),
            span,
        })
    }
}

/// Left-associative chains of binary operators (`|`, `^`, `&`, shifts, `+ -`, `* / // %`).
fn left_chain(p: Pair<Rule>, base: usize) -> Result<Expr> {
    // Left-associative chains; operators are either explicit pairs or literal
    // separators ("|", "^", "&"), which pest does not report.
    let rule = p.as_rule();
    let mut it = p.into_inner().peekable();
    let mut acc = build_expr(it.next().unwrap(), base)?;
    while let Some(next) = it.next() {
        let (o, rhs) = match next.as_rule() {
            Rule::shift_op | Rule::add_op | Rule::mul_op => {
                (binop(next.as_str()), it.next().unwrap())
            }
            _ => (
                match rule {
                    Rule::bit_or => BinaryOp::Or,
                    Rule::bit_xor => BinaryOp::Xor,
                    _ => BinaryOp::And,
                },
                next,
            ),
        };
        let rhs = build_expr(rhs, base)?;
        let s = acc.span.to(rhs.span);
        acc = Expr {
            kind: ExprKind::Binary(o, Box::new(acc), Box::new(rhs)),
            span: s,
        };
    }
    Ok(acc)
}

/// A unary `-`, `+` or `~` and its operand, or the operand alone.
fn unary(p: Pair<Rule>, base: usize, span: Span) -> Result<Expr> {
    let mut it = p.into_inner();
    let first = it.next().unwrap();
    if first.as_rule() == Rule::unary_op {
        let op = match first.as_str() {
            "-" => UnaryOp::Neg,
            "+" => UnaryOp::Pos,
            _ => UnaryOp::Invert,
        };
        let operand = build_expr(it.next().unwrap(), base)?;
        Ok(Expr {
            kind: ExprKind::Unary(op, Box::new(operand)),
            span,
        })
    } else {
        build_expr(first, base)
    }
}

/// `a ** b` (right-associative through the grammar), or `a` alone.
fn power(p: Pair<Rule>, base: usize, span: Span) -> Result<Expr> {
    let mut it = p.into_inner();
    let lhs = build_expr(it.next().unwrap(), base)?;
    match it.next() {
        Some(rhs) => Ok(Expr {
            kind: ExprKind::Binary(
                BinaryOp::Pow,
                Box::new(lhs),
                Box::new(build_expr(rhs, base)?),
            ),
            span,
        }),
        None => Ok(lhs),
    }
}

/// An operand followed by attributes (`z.real`).
fn attributes(p: Pair<Rule>, base: usize) -> Result<Expr> {
    let mut it = p.into_inner();
    let mut acc = build_expr(it.next().unwrap(), base)?;
    for attr in it {
        let name = attr.into_inner().next().unwrap();
        let nspan = sp(&name, base);
        let s = acc.span.to(nspan);
        acc = Expr {
            kind: ExprKind::Attr(Box::new(acc), name.as_str().to_string(), nspan),
            span: s,
        };
    }
    Ok(acc)
}

/// A function call with positional, then keyword arguments.
fn call(p: Pair<Rule>, base: usize, span: Span) -> Result<Expr> {
    let mut it = p.into_inner();
    let f = it.next().unwrap();
    let mut args = Vec::new();
    let mut kwargs = Vec::new();
    for a in it {
        if a.as_rule() == Rule::keyword_arg {
            let mut kv = a.into_inner();
            let k = kv.next().unwrap();
            let kspan = sp(&k, base);
            kwargs.push((
                k.as_str().to_string(),
                kspan,
                build_expr(kv.next().unwrap(), base)?,
            ));
        } else {
            if !kwargs.is_empty() {
                return Err(Error::parse(
                    sp(&a, base),
                    "positional argument follows keyword argument",
                ));
            }
            args.push(build_expr(a, base)?);
        }
    }
    Ok(Expr {
        kind: ExprKind::Call {
            func: f.as_str().to_string(),
            func_span: sp(&f, base),
            args,
            kwargs,
        },
        span,
    })
}

/// The most digits an integer literal may have.
const MAX_INT_DIGITS: usize = 4300;

fn number(text: &str, span: Span) -> Result<Expr> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(body) = clean.strip_suffix(['j', 'J']) {
        let v: f64 = body
            .parse()
            .map_err(|_| Error::parse(span, format!("invalid imaginary literal `{text}`")))?;
        return Ok(Expr {
            kind: ExprKind::Imag(v),
            span,
        });
    }
    let is_float = clean.contains(['.', 'e', 'E']);
    let kind = if is_float {
        ExprKind::Float(
            clean
                .parse()
                .map_err(|_| Error::parse(span, format!("invalid float literal `{text}`")))?,
        )
    } else if clean.len() > MAX_INT_DIGITS {
        // Python's own limit (`sys.int_max_str_digits`): decimal conversion is
        // quadratic, and no array value needs more.
        return Err(Error::parse(
            span,
            format!("integer literal of more than {MAX_INT_DIGITS} digits"),
        ));
    } else {
        ExprKind::Int(clean.parse().expect("the grammar admits only digits"))
    };
    Ok(Expr { kind, span })
}

fn binop(s: &str) -> BinaryOp {
    use BinaryOp::*;
    match s {
        "+" => Add,
        "-" => Sub,
        "*" => Mul,
        "/" => Div,
        "//" => FloorDiv,
        "%" => Mod,
        "<<" => Shl,
        ">>" => Shr,
        "<" => Lt,
        "<=" => Le,
        "==" => Eq,
        "!=" => Ne,
        ">=" => Ge,
        ">" => Gt,
        _ => unreachable!("operator {s}"),
    }
}

/// Turns pest's error into ours: the position, and what was expected there in words.
fn pest_error(e: pest::error::Error<Rule>, base: usize, text: &str) -> Error {
    use pest::error::{ErrorVariant, InputLocation};
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((a, b)) => (a, b),
    };
    // pest reports byte positions; the span covers at least the character there.
    let start = text.floor_char_boundary(start.min(text.len()));
    let next = text[start..].chars().next();
    let end = text.ceil_char_boundary(end.min(text.len()));
    let end = end.max(start + next.map_or(1, char::len_utf8));
    let at = match next {
        None => "end of input".to_string(),
        Some(c) => format!("`{}`", c.escape_debug()),
    };
    let message = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<&str> = positives.iter().filter_map(|r| rule_name(*r)).collect();
            names.sort_unstable();
            names.dedup();
            if names.is_empty() {
                format!("unexpected {at}")
            } else {
                format!("unexpected {at}, expected {}", join_or(&names))
            }
        }
        // pest's own guards; `nesting::measure` sizes the stack so that they do not fire.
        ErrorVariant::CustomError { message } if message.contains("limit reached") => {
            format!("the text nests too deeply for the parser ({message})")
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    match python_boolean_operator(text, start) {
        Some((at, word)) => {
            let mut e = Error::parse(
                Span::new(base + at, base + at + word.len()),
                format!(
                    "{message}: Python's `{word}` does not apply elementwise; use `&` \
                     instead of `and`, `|` instead of `or`, `~` instead of `not`"
                ),
            );
            e.hint = Some(Hint::PythonBooleanOperator);
            e
        }
        None => Error::parse(Span::new(base + start, base + end), message),
    }
}

/// Where a parse error at byte `fault` of `text` is Python's `and`, `or` or `not`: the
/// word at the fault (`a and b` fails at `and`), or the word just before it (`not a`
/// reads `not` as a name and fails at `a`); its start and the word.
fn python_boolean_operator(text: &str, fault: usize) -> Option<(usize, &'static str)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let word_at = |at: usize| {
        let len = text[at..].find(|c| !is_word(c)).unwrap_or(text.len() - at);
        let before = text[..at].chars().next_back();
        let whole = before.is_none_or(|c| !is_word(c));
        let word = &text[at..at + len];
        ["and", "or", "not"]
            .into_iter()
            .find(|&w| whole && w == word)
    };
    if let Some(w) = word_at(fault) {
        return Some((fault, w));
    }
    let end = text[..fault].trim_end().len();
    let start = text[..end].rfind(|c| !is_word(c)).map_or(0, |i| i + 1);
    match word_at(start) {
        Some("not") if end < fault => Some((start, "not")),
        _ => None,
    }
}

fn join_or(names: &[&str]) -> String {
    match names {
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    }
}

fn rule_name(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::expr
        | Rule::bit_or
        | Rule::bit_xor
        | Rule::bit_and
        | Rule::shift
        | Rule::sum
        | Rule::term
        | Rule::factor
        | Rule::power
        | Rule::postfix
        | Rule::number
        | Rule::boolean
        | Rule::call
        | Rule::unary_op => "an expression",
        Rule::ident => "a name",
        Rule::cmp_op | Rule::shift_op | Rule::add_op | Rule::mul_op => "an operator",
        Rule::attribute => "an attribute",
        Rule::assign_op => "`=`",
        Rule::EOI => "end of input",
        Rule::output_decl
        | Rule::for_stmt
        | Rule::if_stmt
        | Rule::elif_stmt
        | Rule::else_stmt
        | Rule::break_stmt
        | Rule::assign => "a statement",
        Rule::keyword_arg => "a keyword argument",
        Rule::kw_in => "`in`",
        Rule::kw_range => "`range`",
        _ => return None,
    })
}
