//! Copies between host and device: small ones straight from the caller's memory,
//! large ones in chunks through two pinned staging buffers; and the upload of what a
//! kernel reads of a strided or broadcast input view.

use super::device::{driver_err, Device};
use crate::array::DynView;
use crate::error::Result;
use crate::runtime::Layout;
use cudarc::driver::{CudaContext, CudaEvent, CudaSlice};
use std::sync::Arc;

/// Transfers at least this large go through pinned staging buffers.
const STAGE_MIN: usize = 1 << 20;
/// Size of each of the two staging buffers.
const STAGE_CHUNK: usize = 16 << 20;

/// Two page-locked host buffers that large transfers go through in chunks, the copy of
/// one chunk overlapping the host-side copy of the other. Copies from and to pageable
/// memory are several times slower (the driver stages them itself, synchronously).
pub(super) struct Staging {
    bufs: [*mut u8; 2],
    done: [CudaEvent; 2],
}

// SAFETY: the buffers are only touched under the device's `staging` mutex.
unsafe impl Send for Staging {}

impl Staging {
    fn new(ctx: &Arc<CudaContext>) -> Result<Staging> {
        ctx.bind_to_thread()
            .map_err(driver_err("cuCtxSetCurrent"))?;
        let mut bufs = [std::ptr::null_mut(); 2];
        for b in &mut bufs {
            // SAFETY: plain page-locked allocation (not write-combined: the host reads it).
            *b = unsafe { cudarc::driver::result::malloc_host(STAGE_CHUNK, 0) }
                .map_err(driver_err("cuMemHostAlloc"))? as *mut u8;
        }
        let ev = || ctx.new_event(None).map_err(driver_err("cuEventCreate"));
        Ok(Staging {
            bufs,
            done: [ev()?, ev()?],
        })
    }

    fn buf(&mut self, k: usize, len: usize) -> &mut [u8] {
        // SAFETY: each buffer holds STAGE_CHUNK bytes and `len <= STAGE_CHUNK`.
        unsafe { std::slice::from_raw_parts_mut(self.bufs[k], len) }
    }

    /// Waits until the copy that last used buffer `k` has finished.
    fn wait(&self, k: usize) -> Result<()> {
        self.done[k]
            .synchronize()
            .map_err(driver_err("cuEventSynchronize"))
    }
}

impl Device {
    /// Runs `f` with the staging buffers, allocating them on first use.
    fn with_staging<T>(&self, f: impl FnOnce(&mut Staging) -> Result<T>) -> Result<T> {
        let mut guard = self.staging.lock().unwrap_or_else(|e| e.into_inner());
        let st = match &mut *guard {
            Some(st) => st,
            slot @ None => slot.insert(Staging::new(&self.ctx)?),
        };
        f(st)
    }

    /// A new device buffer holding `bytes`. The copy may still be in flight on the
    /// device's stream (kernels queued after it see the data).
    pub(super) fn upload_bytes(&self, bytes: &[u8]) -> Result<CudaSlice<u8>> {
        let mut d = self.alloc(bytes.len())?;
        if bytes.len() >= STAGE_MIN {
            let dst = self.ptr(&d);
            self.with_staging(|st| self.upload_staged(st, bytes, dst))?;
        } else if !bytes.is_empty() {
            self.stream
                .memcpy_htod(bytes, &mut d)
                .map_err(driver_err("host-to-device copy"))?;
        }
        Ok(d)
    }

    fn upload_staged(&self, st: &mut Staging, bytes: &[u8], dst: u64) -> Result<()> {
        for (k, chunk) in bytes.chunks(STAGE_CHUNK).enumerate() {
            let j = k % 2;
            // The copy that last read this buffer must be done before it is refilled.
            st.wait(j)?;
            st.buf(j, chunk.len()).copy_from_slice(chunk);
            let off = (k * STAGE_CHUNK) as u64;
            // SAFETY: the device range lies inside the destination buffer; the pinned
            // source stays untouched until `done[j]` says the copy has finished.
            unsafe {
                cudarc::driver::result::memcpy_htod_async(
                    dst + off,
                    st.buf(j, chunk.len()),
                    self.stream.cu_stream(),
                )
            }
            .map_err(driver_err("host-to-device copy"))?;
            st.done[j]
                .record(&self.stream)
                .map_err(driver_err("cuEventRecord"))?;
        }
        Ok(())
    }

    /// Copies the first `dst.len()` bytes of `src` into `dst` and waits for them.
    pub(super) fn download_bytes(&self, src: &CudaSlice<u8>, dst: &mut [u8]) -> Result<()> {
        if dst.is_empty() {
            return self.sync();
        }
        if dst.len() < STAGE_MIN {
            self.stream
                .memcpy_dtoh(&src.slice(..dst.len()), dst)
                .map_err(driver_err("device-to-host copy"))?;
            return self.sync();
        }
        let base = self.ptr(src);
        self.with_staging(|st| self.download_staged(st, base, dst))
    }

    fn download_staged(&self, st: &mut Staging, base: u64, dst: &mut [u8]) -> Result<()> {
        let n = dst.len();
        let chunks = n.div_ceil(STAGE_CHUNK);
        let range = |k: usize| (k * STAGE_CHUNK, ((k + 1) * STAGE_CHUNK).min(n));
        let issue = |st: &mut Staging, k: usize| -> Result<()> {
            let (lo, hi) = range(k);
            let j = k % 2;
            st.wait(j)?;
            // SAFETY: the device range lies inside the source buffer; the pinned buffer
            // is not read until `done[j]` says the copy has finished.
            unsafe {
                cudarc::driver::result::memcpy_dtoh_async(
                    st.buf(j, hi - lo),
                    base + lo as u64,
                    self.stream.cu_stream(),
                )
            }
            .map_err(driver_err("device-to-host copy"))?;
            st.done[j]
                .record(&self.stream)
                .map_err(driver_err("cuEventRecord"))
        };
        issue(st, 0)?;
        for k in 0..chunks {
            if k + 1 < chunks {
                issue(st, k + 1)?;
            }
            let (lo, hi) = range(k);
            st.wait(k % 2)?;
            dst[lo..hi].copy_from_slice(st.buf(k % 2, hi - lo));
        }
        Ok(())
    }
}

/// The element span `[lo, hi]` (in elements, relative to the view's first element)
/// that iterating `shape` with `strides` touches.
fn span(shape: &[usize], strides: &[isize]) -> (isize, isize) {
    let (mut lo, mut hi) = (0isize, 0isize);
    for (&n, &s) in shape.iter().zip(strides) {
        if n == 0 {
            return (0, 0);
        }
        let ext = (n as isize - 1) * s;
        if ext < 0 {
            lo += ext;
        } else {
            hi += ext;
        }
    }
    (lo, hi)
}

/// Uploads what the kernel reads of `view`; returns the buffer and the device pointer of
/// the view's first element.
pub(super) fn upload_view(
    dev: &Device,
    view: &DynView,
    shape: &[usize],
    strides: &[isize],
    layout: Layout,
) -> Result<(CudaSlice<u8>, u64)> {
    let size = view.dtype().size() as isize;
    let (lo, hi) = match layout {
        Layout::Scalar => (0, 0),
        Layout::Contiguous => (0, shape.iter().product::<usize>() as isize - 1),
        Layout::Strided => span(shape, strides),
    };
    let bytes = ((hi - lo + 1) * size) as usize;
    // SAFETY: every element at offsets lo..=hi from the first element belongs to the
    // array the view borrows from (the view's strides reach them).
    let host = unsafe { std::slice::from_raw_parts(view.as_ptr().offset(lo * size), bytes) };
    let buf = dev.upload_bytes(host)?;
    let ptr = dev.ptr(&buf) + (-lo * size) as u64;
    Ok((buf, ptr))
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn span_covers_negative_and_broadcast_strides() {
        assert_eq!(span(&[3, 4], &[4, 1]), (0, 11));
        assert_eq!(span(&[3, 4], &[-4, 2]), (-8, 6));
        assert_eq!(span(&[3, 4], &[0, 1]), (0, 3));
        assert_eq!(span(&[0, 4], &[4, 1]), (0, 0));
    }
}
