//! The command line: `cargo bench` passes `--bench` (a measurement at full size);
//! `cargo test` passes nothing, or libtest's own flags and filters, and gets the quick
//! check at a tiny size, as criterion's benches do.

use std::path::PathBuf;

/// The name a filter of `cargo test FILTER` / `cargo bench FILTER` is matched against.
pub const NAME: &str = "mandelbrot_c";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Full size, every round, the targets judged.
    Measure,
    /// Tiny size, one round, nexpr's outputs also checked against the interpreter:
    /// what keeps the benchmark working without timing anything.
    Check,
    /// A filter or `--ignored` left this benchmark out.
    Skip,
}

#[derive(Debug)]
pub struct Args {
    pub mode: Mode,
    pub n: usize,
    pub maxi: i32,
    pub rounds: usize,
    /// The C compiler; `None`: `$CC`, else `cc`.
    pub cc: Option<PathBuf>,
}

pub const USAGE: &str =
    "cargo bench --bench mandelbrot_c -- [--n N] [--maxi M] [--rounds R] [--cc PATH] [--test]";

/// libtest's flags that take a value when not written `--flag=value`.
const LIBTEST_VALUE_FLAGS: &[&str] = &[
    "--skip",
    "--test-threads",
    "--color",
    "--format",
    "--logfile",
    "-Z",
];

fn number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    let value = value.ok_or(format!("{flag} wants a value"))?;
    value.parse().map_err(|e| format!("{flag} {value:?}: {e}"))
}

/// Parses `args` (without the program name).
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let (mut n, mut maxi, mut rounds, mut cc) = (None, None, None, None);
    let (mut bench, mut test, mut skip) = (false, false, false);
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--n" => n = Some(number::<usize>("--n", it.next())?),
            "--maxi" => maxi = Some(number::<i32>("--maxi", it.next())?),
            "--rounds" => rounds = Some(number::<usize>("--rounds", it.next())?),
            "--cc" => cc = Some(PathBuf::from(it.next().ok_or("--cc wants a path")?)),
            "--bench" => bench = true,
            "--test" => test = true,
            // libtest: only ignored tests, or a listing; this is neither.
            "--ignored" | "--list" => skip = true,
            "--skip" => skip |= it.next().is_some_and(|s| NAME.contains(&s)),
            flag if LIBTEST_VALUE_FLAGS.contains(&flag) => {
                it.next();
            }
            flag if flag.starts_with('-') => {
                let known = [
                    "--nocapture",
                    "--show-output",
                    "--include-ignored",
                    "--exact",
                    "-q",
                    "--quiet",
                ];
                let name = flag.split('=').next().unwrap_or(flag);
                if !known.contains(&flag) && !LIBTEST_VALUE_FLAGS.contains(&name) {
                    return Err(format!("unknown argument {flag:?}\nusage: {USAGE}"));
                }
            }
            filter => skip |= !NAME.contains(filter),
        }
    }
    let mode = match (skip, bench && !test) {
        (true, _) => Mode::Skip,
        (false, true) => Mode::Measure,
        (false, false) => Mode::Check,
    };
    // A check is a few milliseconds of work: enough iterations for every lane to take
    // both the escape and the bounded path.
    let (n0, maxi0, rounds0) = match mode {
        Mode::Measure | Mode::Skip => (1200, 512, 7),
        Mode::Check => (48, 64, 1),
    };
    let args = Args {
        mode,
        n: n.unwrap_or(n0),
        maxi: maxi.unwrap_or(maxi0),
        rounds: rounds.unwrap_or(rounds0),
        cc,
    };
    if args.n < 2 || args.maxi < 2 || args.rounds == 0 {
        return Err(format!(
            "--n and --maxi must be at least 2, --rounds at least 1\nusage: {USAGE}"
        ));
    }
    // The C peers' own limit (mandel_main.c).
    if args.n > 20000 {
        return Err("--n must be at most 20000, as the C peers take".into());
    }
    Ok(args)
}
