//! How the binaries' allocator (mimalloc) is tuned. Shared with the benches
//! (`benches/engine.rs` includes this file), so they measure what `simctl` runs.

/// mimalloc's `purge_delay` option: its index in `mi_option_e` (mimalloc v3,
/// `include/mimalloc.h`, as vendored by libmimalloc-sys 0.1.49, which names no constant
/// for it). The test below checks the index against the option's default in that
/// version's `src/options.c`.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory stays with the allocator instead of going back to the OS after a delay.
/// A simulation frees and reuses the same working set every pass (snapshots, probe
/// solves, the decision log growing); returning it made the kernel zero the same pages
/// again, about a fifth of a synthetic day's wall time. Peak memory is unchanged.
pub fn keep_freed_memory() {
    // SAFETY: sets a process-wide option; mimalloc's options are plain integers that any
    // thread may set at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_option_index_is_purge_delay() {
        // `purge_delay` defaults to 1000 (ms); its neighbours default to 1 and 0. Skip if
        // the environment overrides it.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: reads a process-wide option.
        let value = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert!(
            value == 1000 || value == -1,
            "option 15 is {value}, not purge_delay"
        );
    }
}
