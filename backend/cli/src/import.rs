//! `readroom import`: files, folders and zip archives into the case bank.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use readroom_domain::TruthManifest;
use readroom_import::{ImportSummary, Importer, Progress};

use crate::DataArgs;

#[derive(clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    data: DataArgs,
    /// A truth manifest (.toml or .json): histology and clinical context that make studies
    /// into cases. It may name studies imported earlier.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    json: bool,
    /// DICOM files, folders (searched recursively) and zip archives.
    paths: Vec<PathBuf>,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let manifest = args
        .truth
        .as_deref()
        .map(TruthManifest::read)
        .transpose()
        .context("failed to read the truth manifest")?;
    if args.paths.is_empty() && manifest.is_none() {
        anyhow::bail!("nothing to import: name DICOM files, folders or zip archives, or --truth");
    }
    let (store, objects) = args.data.open().await?;
    let importer = Importer::new(store, objects)
        .await
        .context("failed to prepare the importer")?;
    let progress = TerminalProgress::new(!args.json && std::io::stderr().is_terminal());
    let summary = importer
        .import_paths(&args.paths, manifest.as_ref(), &progress)
        .await
        .context("import failed")?;
    progress.finish();
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print_summary(&summary);
    }
    Ok(if summary.refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub fn print_summary(summary: &ImportSummary) {
    let imported = summary.imported;
    println!(
        "imported {} studies, {} series, {} images ({:.1} MB of DICOM); {} cases with truth; {} studies already stored",
        imported.studies,
        imported.series,
        imported.images,
        summary.bytes_read as f64 / 1e6,
        summary.cases,
        summary.unchanged_studies,
    );
    if !summary.refused.is_empty() {
        println!("refused {}:", summary.refused.len());
        for refusal in &summary.refused {
            println!("  {}: {}", refusal.path, refusal.reason);
        }
    }
}

/// A progress bar on a terminal; otherwise a plain line at every tenth of the work.
struct TerminalProgress {
    bar: Option<ProgressBar>,
    total: AtomicUsize,
    done: AtomicUsize,
}

impl TerminalProgress {
    fn new(terminal: bool) -> TerminalProgress {
        let bar = terminal.then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed} {msg}")
            {
                bar.set_style(style);
            }
            bar
        });
        TerminalProgress {
            bar,
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for TerminalProgress {
    fn files(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
        }
    }

    fn advance(&self, files: usize) {
        let before = self.done.fetch_add(files, Ordering::Relaxed);
        let total = self.total.load(Ordering::Relaxed).max(1);
        match &self.bar {
            Some(bar) => bar.inc(files as u64),
            None => {
                let tenth = |n: usize| n * 10 / total;
                if tenth(before + files) > tenth(before) {
                    eprintln!("import: {}%", (before + files) * 100 / total);
                }
            }
        }
    }
}
