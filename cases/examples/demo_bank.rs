//! Generates the whole default demo bank in memory and reports how long each case takes and
//! how large it is: `cargo run --release -p readroom-cases --example demo_bank`.

use std::time::Instant;

use readroom_cases::{DEFAULT_CASE_COUNT, DEFAULT_SEED, generate_case};

fn main() {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    let mut results: Vec<(usize, f64, usize, usize, bool)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                scope.spawn(move || {
                    (worker..DEFAULT_CASE_COUNT)
                        .step_by(threads)
                        .map(|index| {
                            let start = Instant::now();
                            let case = generate_case(DEFAULT_SEED, index);
                            let seconds = start.elapsed().as_secs_f64();
                            let bytes = case.files.iter().map(|f| f.bytes.len()).sum();
                            let positive = case.manifest.is_positive();
                            (index, seconds, bytes, case.files.len(), positive)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let wall = started.elapsed().as_secs_f64();
    results.sort_by_key(|r| r.0);
    for (index, seconds, bytes, files, positive) in &results {
        println!(
            "case {:02}: {seconds:.3} s, {:.2} MB in {files} files, {}",
            index + 1,
            *bytes as f64 / 1e6,
            if *positive { "positive" } else { "negative" }
        );
    }
    let total: usize = results.iter().map(|r| r.2).sum();
    let mean = results.iter().map(|r| r.1).sum::<f64>() / results.len() as f64;
    println!(
        "{} cases on {threads} threads in {wall:.2} s wall; {mean:.3} s per case; {:.1} MB in all",
        results.len(),
        total as f64 / 1e6
    );
}
