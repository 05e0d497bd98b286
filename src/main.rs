//! `watchpost`: the binary. The allocator is chosen here; everything else is [`watchpost::cli`].

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: the monitors allocate and free many small buffers per
/// check, where glibc's `malloc`/`free` (with its fastbin consolidation) cost a large share of
/// the main thread; mimalloc costs less CPU per check for somewhat more resident memory (the
/// figures: BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    watchpost::cli::main()
}
