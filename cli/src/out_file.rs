//! What `--out` writes: the format its extension names (`.npy`: one array, `.npz`: an
//! archive of named arrays), else the command's own.

use nexpr::io::{NpySink, NpzSink, Sink};
use nexpr::{Error, ErrorKind, Result};
use std::path::Path;

/// The file formats `--out` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutFormat {
    Npy,
    Npz,
}

impl OutFormat {
    /// The format `path`'s extension names (any case), or `default` for any other
    /// extension or none.
    pub fn of(path: &Path, default: OutFormat) -> OutFormat {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("npy") => OutFormat::Npy,
            Some("npz") => OutFormat::Npz,
            _ => default,
        }
    }
}

/// An output file being written, in the format its path asks for.
pub enum OutFile {
    Npy(NpySink),
    Npz(NpzSink),
}

impl OutFile {
    /// The sink for `outputs` (the kernel's output names, in order) into `path`: a
    /// `.npy` holds one array, so several outputs are refused before anything runs.
    pub fn new(path: &Path, default: OutFormat, outputs: &[String]) -> Result<OutFile> {
        match OutFormat::of(path, default) {
            OutFormat::Npz => Ok(OutFile::Npz(NpzSink::new(path))),
            OutFormat::Npy if outputs.len() == 1 => Ok(OutFile::Npy(NpySink::new(path))),
            OutFormat::Npy => Err(Error::new(
                ErrorKind::Usage,
                format!(
                    "--out {}: a .npy file holds one array, but there are {} outputs ({}); \
                     write them to a .npz",
                    path.display(),
                    outputs.len(),
                    outputs.join(", ")
                ),
            )),
        }
    }

    /// Where the evaluation streams to.
    pub fn sink(&mut self) -> &mut dyn Sink {
        match self {
            OutFile::Npy(s) => s,
            OutFile::Npz(s) => s,
        }
    }

    /// Completes the file and renames it into place.
    pub fn finish(self) -> Result<()> {
        match self {
            OutFile::Npy(s) => s.finish(),
            OutFile::Npz(s) => s.finish(),
        }
    }
}
