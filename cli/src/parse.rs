//! Parsing the command line so that an expression may start with `-` (`nexpr eval
//! "-a*b"`) and a mistyped option before it (`nexpr eval --thread 2 "1"`) still gets
//! clap's "did you mean `--threads`".
//!
//! An expression argument that accepts hyphen values swallows any unknown option
//! standing where the expression goes (`--thread` became the expression, and then `2`
//! was "unexpected"). So the line is parsed twice: leniently (the expression may start
//! with `-`) and strictly (it may not). The lenient reading wins unless its expression
//! is an option-like word (`--name`), or it fails on an argument the strict reading
//! explains as an unknown `--option`.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgMatches, Command, CommandFactory, FromArgMatches};
use std::ffi::OsString;

/// The subcommands whose first positional argument is an expression.
const WITH_EXPRESSION: [&str; 2] = ["eval", "bench"];

/// The command line `args` as `T` (its program name first), or clap's error.
pub fn parse<T: CommandFactory + FromArgMatches>(args: Vec<OsString>) -> Result<T, clap::Error> {
    let lenient = T::command().try_get_matches_from(args.iter().cloned());
    if let Ok(m) = &lenient {
        if !expression_is_option_like(m) {
            return T::from_arg_matches(m);
        }
    }
    let strict = strict_command(T::command()).try_get_matches_from(args);
    match (strict, lenient) {
        (Ok(m), _) => T::from_arg_matches(&m),
        (Err(s), Err(l)) if !names_an_unknown_long_option(&s) => Err(l),
        (Err(s), _) => Err(s),
    }
}

/// `cmd` with expressions that may not start with `-`.
fn strict_command(cmd: Command) -> Command {
    WITH_EXPRESSION.iter().fold(cmd, |cmd, name| {
        cmd.mut_subcommand(*name, |s| {
            s.mut_arg("expr", |a| a.allow_hyphen_values(false))
        })
    })
}

/// Whether the expression parsed is a word such as `--thread`: an option mistyped (a
/// doubled minus as an expression is written `-(-x)` or after `--`).
fn expression_is_option_like(m: &ArgMatches) -> bool {
    let Some((_, sub)) = m.subcommand() else {
        return false;
    };
    let Ok(Some(expr)) = sub.try_get_one::<String>("expr") else {
        return false;
    };
    match expr.strip_prefix("--") {
        Some(rest) => rest.split('=').next().is_some_and(|name| {
            name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }),
        None => false,
    }
}

/// Whether `e` refuses an unknown `--option` (not a lone `-a*b`, which the lenient
/// reading takes as an expression).
fn names_an_unknown_long_option(e: &clap::Error) -> bool {
    e.kind() == ErrorKind::UnknownArgument
        && matches!(e.get(ContextKind::InvalidArg),
            Some(ContextValue::String(arg)) if arg.starts_with("--"))
}
