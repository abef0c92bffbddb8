// mimalloc's per-thread free lists suit the many short-lived syntax trees and model strings
// (glibc's malloc spent ~10% of a monorepo scan in allocation). Built with `no_thp`:
// transparent huge pages doubled peak RSS (~50 → ~100 MB on the benchmark corpus) for no
// measurable speed.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // SAFETY: first thing in main, before any tree-sitter object; mimalloc is the global allocator.
    unsafe { credlint::lang::use_mimalloc_for_parsers() };
    std::process::exit(credlint::cli::main());
}
