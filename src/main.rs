//! `watchpost`: the binary. The allocator is chosen here; everything else is [`watchpost::cli`].

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: at 10,000 services glibc's `malloc`/`free` (with its
/// fastbin consolidation) took about a quarter of the main thread's CPU, and mimalloc cut the
/// CPU per check by a fifth for ~35 MB more resident memory (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    watchpost::cli::main()
}
