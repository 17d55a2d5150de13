/// mimalloc serves the shop's allocations: a checkout allocates on many threads (async
/// workers, the blocking pool, the group-commit writer), where it measured cheaper than
/// glibc's malloc (BENCHMARKS.md, issue 19).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    puzi::cli::main()
}
