//! STREAM-style memory bandwidth probe: the ceiling for memory-bound expressions.
//!
//! `cargo bench --bench bandwidth -- [--n N] [--threads 1,2] [--repeat R] [--json]`
//!
//! Copy (`c = a`, 16 bytes an element) and triad (`a = b + s*c`, 24 bytes an element)
//! over arrays of N float64 each (default 2^25, 256 MiB an array: far beyond any last
//! level cache), each thread owning one contiguous part from first touch on, as STREAM
//! does. Bytes are counted as STREAM counts them (what the kernel reads and writes, not
//! the write-allocate reads of the cache), so a fused expression that reads two f64
//! streams and writes one moves the same 24 bytes an element as the triad, and its
//! time over the triad's is directly the fraction of the ceiling it reaches
//! (`benches/compare.py` does this with every memory-bound expression).
//!
//! `dot` (`s = Σ b·c`, 16 bytes an element, nothing written) is the ceiling of a
//! reduction, which only reads: on many machines reading alone moves more bytes a
//! second than the triad's mix of reads and writes, so a sum is measured against it
//! as well as against the triad.
//!
//! `triad-fresh` is the triad into a fresh output per run, as an evaluation that
//! returns a new array writes one: a new anonymous mapping, 2 MiB aligned and advised
//! for transparent huge pages (as nexpr's large outputs are), each thread first
//! touching its own part. Every first touch of a huge page is a page fault in which
//! the OS zeroes it, so the same 24 bytes an element then cost the zeroing too: the
//! ceiling of an expression timed with a fresh output (what NumPy and numexpr pay as
//! well), against `triad`'s for a reused one.
//!
//! With `--json`, one line per kernel and thread count:
//! `{"kernel":"triad","threads":2,"n":..,"best_gbs":..,"median_gbs":..}`.

use std::hint::black_box;
use std::time::Instant;

struct Args {
    n: usize,
    threads: Vec<usize>,
    repeat: usize,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        n: 1 << 25,
        threads: vec![1, 2],
        repeat: 10,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} wants a value"));
        match a.as_str() {
            "--n" => args.n = value("--n")?.parse().map_err(|e| format!("--n: {e}"))?,
            "--repeat" => {
                args.repeat = value("--repeat")?
                    .parse()
                    .map_err(|e| format!("--repeat: {e}"))?
            }
            "--threads" => {
                args.threads = value("--threads")?
                    .split(',')
                    .map(|t| t.parse().map_err(|e| format!("--threads: {e}")))
                    .collect::<Result<_, _>>()?
            }
            "--json" => args.json = true,
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.n == 0 || args.repeat == 0 || args.threads.contains(&0) {
        return Err("--n, --repeat and every thread count must be at least 1".into());
    }
    Ok(args)
}

/// The part of `0..n` that thread `t` of `threads` owns.
fn part(n: usize, threads: usize, t: usize) -> std::ops::Range<usize> {
    n * t / threads..n * (t + 1) / threads
}

/// Runs `kernel` on each thread's part of three arrays at once, on `threads` threads.
fn on_parts(
    arrays: [&mut [f64]; 3],
    threads: usize,
    kernel: impl Fn(&mut [f64], &mut [f64], &mut [f64]) + Sync,
) {
    let n = arrays[0].len();
    let [mut a, mut b, mut c] = arrays;
    std::thread::scope(|s| {
        for t in 0..threads {
            let len = part(n, threads, t).len();
            let (a_t, a_rest) = std::mem::take(&mut a).split_at_mut(len);
            let (b_t, b_rest) = std::mem::take(&mut b).split_at_mut(len);
            let (c_t, c_rest) = std::mem::take(&mut c).split_at_mut(len);
            (a, b, c) = (a_rest, b_rest, c_rest);
            let kernel = &kernel;
            s.spawn(move || kernel(a_t, b_t, c_t));
        }
    });
}

/// A kernel over one thread's parts of the three arrays.
type Kernel = fn(&mut [f64], &mut [f64], &mut [f64]);

fn copy(a: &mut [f64], _b: &mut [f64], c: &mut [f64]) {
    c.copy_from_slice(a);
}

fn triad(a: &mut [f64], b: &mut [f64], c: &mut [f64]) {
    let s = black_box(3.0);
    for ((a, &b), &c) in a.iter_mut().zip(b.iter()).zip(c.iter()) {
        *a = b + s * c;
    }
}

/// Σ b·c with 8 running sums (a reduction in order would be bound by the latency of
/// one addition, not by memory); `a` is not touched.
fn dot(_a: &mut [f64], b: &mut [f64], c: &mut [f64]) {
    let mut sums = [0.0; 8];
    let (b8, c8) = (b.chunks_exact(8), c.chunks_exact(8));
    let tail: f64 = b8
        .remainder()
        .iter()
        .zip(c8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in b8.zip(c8) {
        for k in 0..8 {
            sums[k] += x[k] * y[k];
        }
    }
    black_box(sums.iter().sum::<f64>() + tail);
}

/// `n` float64 in a new anonymous mapping, starting on a 2 MiB boundary and advised
/// for transparent huge pages, as nexpr's large arrays are (the allocator maps blocks
/// this large anew, `src/array.rs` aligns them, the CPU driver advises outputs): the
/// probe's own arrays, so that it runs on the same page size as the expressions it is
/// the ceiling of, and `triad-fresh`'s output. Its pages read as zero and are backed,
/// and zeroed by the OS, at their first write.
struct HugeArray {
    map: *mut libc::c_void,
    map_len: usize,
    data: *mut f64,
    n: usize,
}

const HUGE_PAGE: usize = 2 << 20;

impl HugeArray {
    fn new(n: usize) -> HugeArray {
        let map_len = n * 8 + HUGE_PAGE;
        // SAFETY: a new private anonymous mapping; nothing else refers to it.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert!(
            map != libc::MAP_FAILED,
            "bandwidth: mmap of {map_len} bytes failed"
        );
        let data = (map as usize).next_multiple_of(HUGE_PAGE) as *mut f64;
        // SAFETY: the range lies in the mapping; the advice changes no contents.
        unsafe { libc::madvise(data.cast(), n * 8, libc::MADV_HUGEPAGE) };
        HugeArray {
            map,
            map_len,
            data,
            n,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [f64] {
        // SAFETY: `n` float64 inside the mapping, zero bytes until written (a valid
        // 0.0), borrowed mutably through `self`.
        unsafe { std::slice::from_raw_parts_mut(self.data, self.n) }
    }

    fn get(&self, i: usize) -> f64 {
        assert!(i < self.n);
        // SAFETY: element `i` of the `n` in the mapping.
        unsafe { *self.data.add(i) }
    }
}

impl Drop for HugeArray {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, no longer borrowed.
        unsafe { libc::munmap(self.map, self.map_len) };
    }
}

/// Best and median rates in GB/s of `repeat` timed runs after one warm-up; with
/// `fresh`, the first array is replaced by a `HugeArray` in every run (mapped before
/// and unmapped after the clock runs).
fn rates(
    args: &Args,
    threads: usize,
    bytes_per_element: usize,
    arrays: &mut [HugeArray; 3],
    (kernel, fresh): (Kernel, bool),
) -> (f64, f64) {
    let mut seconds = Vec::with_capacity(args.repeat);
    for run in 0..=args.repeat {
        let [a, b, c] = arrays.each_mut().map(HugeArray::as_mut_slice);
        let mut out = fresh.then(|| HugeArray::new(args.n));
        let a = match &mut out {
            Some(o) => o.as_mut_slice(),
            None => a,
        };
        let start = Instant::now();
        on_parts([a, b, c], threads, kernel);
        if run > 0 {
            seconds.push(start.elapsed().as_secs_f64());
        }
        black_box(arrays[0].get(args.n / 2));
        drop(out);
    }
    seconds.sort_by(f64::total_cmp);
    let gbs = |s: f64| (args.n * bytes_per_element) as f64 / s / 1e9;
    (gbs(seconds[0]), gbs(seconds[seconds.len() / 2]))
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bandwidth: {e}");
            std::process::exit(2);
        }
    };
    for &threads in &args.threads {
        // Fresh arrays per thread count, first touched by the threads that use them.
        // Untouched zero pages: the fill below is the first touch.
        let mut arrays = [(); 3].map(|_| HugeArray::new(args.n));
        {
            let parts = arrays.each_mut().map(HugeArray::as_mut_slice);
            on_parts(parts, threads, |a, b, c| {
                a.fill(1.0);
                b.fill(2.0);
                c.fill(0.5);
            });
        }
        for (name, bytes, kernel) in [
            ("copy", 16, (copy as Kernel, false)),
            ("triad", 24, (triad as Kernel, false)),
            ("dot", 16, (dot as Kernel, false)),
            ("triad-fresh", 24, (triad as Kernel, true)),
        ] {
            let (best, median) = rates(&args, threads, bytes, &mut arrays, kernel);
            if args.json {
                println!(
                    "{{\"kernel\":\"{name}\",\"threads\":{threads},\"n\":{},\"best_gbs\":{best:.3},\"median_gbs\":{median:.3}}}",
                    args.n
                );
            } else {
                println!("{name:>11} {threads:>2} threads: best {best:6.2} GB/s, median {median:6.2} GB/s");
            }
        }
    }
}
