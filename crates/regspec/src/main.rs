//! The `regspec` command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod summary;

#[derive(Parser)]
#[command(
    name = "regspec",
    version,
    about = "Declarative regression specs for applied economics"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the study's panel from raw public files.
    ///
    /// Example: regspec panel --raw-data ../shared/data/raw --out panel.parquet
    Panel {
        /// Directory with the raw files declared in the sources file.
        #[arg(long)]
        raw_data: PathBuf,
        /// Output file, .parquet or .csv.
        #[arg(long)]
        out: PathBuf,
        /// The sources declaration.
        #[arg(long, default_value = "data/sources.yaml")]
        sources: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Panel {
            raw_data,
            out,
            sources,
        } => build_panel(&raw_data, &out, &sources),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn build_panel(
    raw: &std::path::Path,
    out: &std::path::Path,
    sources: &std::path::Path,
) -> Result<(), String> {
    let cfg = ingest::SourcesConfig::load(sources).map_err(|e| e.to_string())?;
    let inputs = ingest::load(raw, &cfg).map_err(|e| e.to_string())?;
    let panel = measures::build_panel(&inputs).map_err(|e| e.to_string())?;
    panel.write(out).map_err(|e| e.to_string())?;
    print!("{}", summary::panel_summary(&panel));
    println!("wrote {}", out.display());
    Ok(())
}
