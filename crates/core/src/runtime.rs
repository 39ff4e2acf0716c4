//! Process-wide libtorch switches that tch does not expose, and the
//! intra-op thread policy.
use std::sync::atomic::{AtomicI32, Ordering};

/// Sets autograd's (thread-local) grad mode and returns the previous mode.
pub fn set_grad_enabled(enabled: bool) -> bool {
    unsafe { torch_sys::at_grad_set_enabled(enabled as i32) != 0 }
}

/// The intra-op thread count chosen with `torch.setNumThreads`; 0 until then.
static CHOSEN_THREADS: AtomicI32 = AtomicI32::new(0);

/// `torch.set_num_threads` for the calling thread, remembered for the
/// thread-pool threads that run background work later.
pub fn set_num_threads(n: i32) {
    CHOSEN_THREADS.store(n, Ordering::Relaxed);
    tch::set_num_threads(n);
}

/// OMP_NUM_THREADS as libgomp reads it (the first entry of a list), if set.
fn omp_num_threads_env() -> Option<i32> {
    let value = std::env::var("OMP_NUM_THREADS").ok()?;
    value
        .split(',')
        .next()?
        .trim()
        .parse()
        .ok()
        .filter(|&n: &i32| n > 0)
}

/// Threads for work on a thread-pool thread (fitAsync, forwardAsync): the
/// user's choice (`setNumThreads`, else OMP_NUM_THREADS), else every core but
/// one, so that the event loop's thread keeps a core. Measured on 2 cores
/// (bench/RESULTS.md): a second OpenMP team beside the JS thread's makes
/// libgomp count more threads than cores and cut its spinning to ~100
/// iterations, so every parallel region pays a futex wake-up: the tutorial
/// under fitAsync took 0.95 s with a team of 2 and 0.23 s with 1 thread.
pub fn background_threads() -> i32 {
    match CHOSEN_THREADS.load(Ordering::Relaxed) {
        n if n > 0 => n,
        _ => omp_num_threads_env().unwrap_or_else(|| {
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as i32);
            (cores - 1).max(1)
        }),
    }
}

/// Prepares the calling thread-pool thread for background work: its thread
/// count (OpenMP's and MKL's counts are per thread, so without
/// this a libuv thread keeps whatever it started with, whatever
/// `setNumThreads` said later; PyTorch calls `at::init_num_threads()` on its
/// own worker threads for the same reason), and a lower CPU priority.
pub fn use_background_threads() {
    let n = background_threads();
    if tch::get_num_threads() != n {
        tch::set_num_threads(n);
    }
    lower_thread_priority();
}

/// How much lower than the event loop's thread background work runs
/// (TORCHTS_BACKGROUND_NICE, 0 to 19; 0 keeps the same priority). Measured
/// with bench/service.mjs on 2 cores (one background thread): the HTTP server
/// beside fitAsync/forwardAsync lost 46-63% of its throughput at nice 0 and
/// 33-56% at nice 19; nice 10 changed nothing.
const DEFAULT_BACKGROUND_NICE: i32 = 19;

fn background_nice() -> i32 {
    std::env::var("TORCHTS_BACKGROUND_NICE")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .map_or(DEFAULT_BACKGROUND_NICE, |n: i32| n.clamp(0, 19))
}

/// Lowers the calling thread's CPU priority once, so that when cores are
/// scarce the event loop's thread (and the OpenMP workers this thread starts,
/// which inherit the value) yields to a service's request handling instead of
/// sharing the cores evenly with a training or inference loop. With idle cores
/// it changes nothing. Linux only: there `nice` is per thread.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    {
        thread_local! {
            static LOWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        if LOWERED.with(|lowered| lowered.replace(true)) {
            return;
        }
        let nice = background_nice();
        if nice == 0 {
            return;
        }
        // SAFETY: plain syscalls on the calling thread's id.
        unsafe {
            let tid = libc::gettid() as libc::id_t;
            *libc::__errno_location() = 0;
            let current = libc::getpriority(libc::PRIO_PROCESS, tid);
            if *libc::__errno_location() == 0 {
                libc::setpriority(libc::PRIO_PROCESS, tid, (current + nice).min(19));
            }
        }
    }
}

/// dlopen()s a shared library with RTLD_GLOBAL so libtorch sees what it
/// registers (used for libtorch_cuda.so: its static initialisers register the
/// CUDA backend, which must happen before the first CUDA query).
pub fn load_global_library(path: &str) -> crate::Result<()> {
    let c_path = std::ffi::CString::new(path)
        .map_err(|_| crate::Error::invalid("library path contains a NUL byte"))?;
    let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    if handle.is_null() {
        let reason = unsafe { libc::dlerror() };
        let reason = if reason.is_null() {
            "unknown dlopen error".to_string()
        } else {
            unsafe { std::ffi::CStr::from_ptr(reason) }
                .to_string_lossy()
                .into_owned()
        };
        return Err(crate::Error::invalid(format!(
            "could not load {path}: {reason}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_threads_follow_set_num_threads_on_every_thread() {
        set_num_threads(1);
        let seen = std::thread::spawn(|| {
            use_background_threads();
            tch::get_num_threads()
        })
        .join()
        .unwrap();
        assert_eq!(seen, 1, "a new thread runs with the chosen count");
        assert_eq!(background_threads(), 1);
        set_num_threads(2);
        let after = std::thread::spawn(|| {
            use_background_threads();
            tch::get_num_threads()
        })
        .join()
        .unwrap();
        assert_eq!(after, 2);
        assert_eq!(
            tch::get_num_threads(),
            2,
            "the calling thread keeps its own setting"
        );
    }
}
