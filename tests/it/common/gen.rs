//! The language generator (`nexpr-gen`) as the differential tests use it: every
//! function of the builtins table, operator and cast, less what compiled code need not
//! share with the interpreter.

use nexpr::DType;
use nexpr_gen::Config;

/// Functions the differential tests leave out: `signbit` reads the sign of NaNs, which
/// compiled code need not share with the interpreter (NaN payloads aside).
pub const NOT_GENERATED: [&str; 1] = ["signbit"];

/// The generator over `vars`, less [`NOT_GENERATED`].
pub fn config<S: Into<String>>(vars: impl IntoIterator<Item = (S, DType)>) -> Config {
    Config::new(vars).functions_where(|f| !NOT_GENERATED.contains(&f.name))
}
