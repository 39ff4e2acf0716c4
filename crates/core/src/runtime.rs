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
#[cfg(target_os = "linux")]
const DEFAULT_BACKGROUND_NICE: i32 = 19;

#[cfg(target_os = "linux")]
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

/// Loads a shared library for the life of the process, its symbols visible
/// to what loads later (used for libtorch_cuda: its static initialisers
/// register the CUDA backend, which must happen before the first CUDA query).
pub fn load_global_library(path: &str) -> crate::Result<()> {
    open_for_good(path).map_err(|err| {
        // libloading's own text is just "dlopen failed"; the loader's reason
        // (dlerror, or the Windows error) is its source.
        let reason =
            std::error::Error::source(&err).map_or_else(|| err.to_string(), |s| s.to_string());
        crate::Error::invalid(format!("could not load {path}: {reason}"))
    })
}

#[cfg(unix)]
fn open_for_good(path: &str) -> Result<(), libloading::Error> {
    use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
    // SAFETY: running the library's initialisers is the purpose; the handle
    // is leaked so the library is never unloaded under libtorch's feet.
    let library = unsafe { Library::open(Some(path), RTLD_NOW | RTLD_GLOBAL) }?;
    library.into_raw();
    Ok(())
}

#[cfg(windows)]
fn open_for_good(path: &str) -> Result<(), libloading::Error> {
    use libloading::os::windows::{
        Library, LOAD_LIBRARY_SEARCH_DEFAULT_DIRS, LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR,
    };
    // Windows has no RTLD_GLOBAL (a DLL's exports are found through its
    // module); LoadLibraryExW looks for the DLL's own dependencies (cudart,
    // cuDNN, ...) beside it first, as $ORIGIN would.
    // SAFETY: as on unix; the handle is leaked on purpose.
    let library = unsafe {
        Library::load_with_flags(
            path,
            LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_DEFAULT_DIRS,
        )
    }?;
    library.into_raw();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")] // glibc's library name and message
    fn load_global_library_loads_or_names_the_file_and_the_reason() {
        assert!(load_global_library("libm.so.6").is_ok());
        let err = load_global_library("/nonexistent/libtorch_cuda.so")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("could not load /nonexistent/libtorch_cuda.so")
                && err.contains("No such file"),
            "{err}"
        );
    }

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
