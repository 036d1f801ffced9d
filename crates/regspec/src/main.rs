//! The `regspec` command line.

use clap::{Parser, Subcommand};
use regspec::{check, run, summary};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// mimalloc returns freed memory to the system where glibc's allocator keeps it: after reading
/// a 1e8-row file (many mid-sized buffers freed on several threads) glibc held 3 GB of free
/// memory the estimation then added to.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "regspec",
    version,
    about = "Declarative regression specs for applied economics",
    after_help = "Examples:\n  regspec run                                   # every spec in specs/, on the demo panel\n  regspec run --raw-data ../shared/data/raw     # on the real public data\n  regspec init data/states.csv                  # start a workspace for your own data\n  regspec run --data other.parquet              # the same specs on another file\n  regspec run specs/baseline.yaml --only baseline_homic\n  regspec check                                 # validate every spec, estimate nothing\n  regspec list\n  regspec panel --raw-data ../shared/data/raw --out panel.parquet\n  regspec run --shard 2/3 --out out/2 && regspec merge out/1 out/2 out/3"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DataArgs {
    /// A data file (.csv, .parquet, .dta) overriding the one regspec.yaml declares; its keys
    /// are the declared `unit` and `time`.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Raw public data directory: build the study panel from raw files (data/sources.yaml).
    #[arg(long)]
    raw_data: Option<PathBuf>,
    /// Declaration of the raw sources (default: regspec.yaml's `data.sources`, else
    /// data/sources.yaml).
    #[arg(long)]
    sources: Option<PathBuf>,
    /// The panel used when regspec.yaml declares no data file (default: the simulated
    /// data/demo_panel.csv).
    #[arg(long)]
    demo_panel: Option<PathBuf>,
    /// Directory of spec files used when no SPEC is given.
    #[arg(long, default_value = "specs")]
    spec_dir: PathBuf,
    /// Workspace templates that override the built-in ones (table.tex.j2, table.md.j2, ...).
    #[arg(long, default_value = "templates")]
    templates: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Estimate every model of the specs and write results (and reports) under --out.
    Run {
        /// Spec files (default: every .yaml in specs/).
        specs: Vec<PathBuf>,
        /// Only models (or tables) with these names.
        #[arg(long)]
        only: Vec<String>,
        /// Parallel jobs (default: all cores; at most 256).
        #[arg(long, value_parser = parse_jobs)]
        jobs: Option<usize>,
        #[command(flatten)]
        data: DataArgs,
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
        /// A line per model (and per file written) instead of a line per table.
        #[arg(long)]
        verbose: bool,
        /// Run a deterministic share K/N of the models (for job arrays); combine with `merge`.
        #[arg(long, value_parser = parse_shard)]
        shard: Option<(usize, usize)>,
    },
    /// Which tables of the report set are out of date, and why (a spec field, the data file, a
    /// variable definition, the program's version, a model added or removed); estimates
    /// nothing. Exits 1 when anything is out of date.
    Status {
        specs: Vec<PathBuf>,
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Estimate every model again from scratch and check that the report set under --out (a
    /// replication package's committed tables) still follows byte for byte; the run date and
    /// git commit are taken from the set's records. Names each file that differs and its first
    /// differing line; writes nothing. Exits 1 when anything differs.
    Verify {
        specs: Vec<PathBuf>,
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Parallel jobs (default: all cores; at most 256).
        #[arg(long, value_parser = parse_jobs)]
        jobs: Option<usize>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Validate every spec against the panel; estimate nothing.
    Check {
        specs: Vec<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List every table and model the specs define.
    List {
        specs: Vec<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Start a workspace for a data file: regspec.yaml (keys guessed) and specs/first.yaml.
    Init {
        /// The data file (.csv, .parquet or .dta).
        data: PathBuf,
    },
    /// Build the study's panel from raw public files (.parquet or .csv by extension).
    Panel {
        #[arg(long)]
        raw_data: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "data/sources.yaml")]
        sources: PathBuf,
    },
    /// Write the simulated demo panel (known true effects; see data/README.md).
    Simulate {
        #[arg(long, default_value = "data/demo_panel.csv")]
        out: PathBuf,
        #[arg(long, default_value_t = 20261129)]
        seed: u64,
    },
    /// Re-render tables (LaTeX, Markdown, figures) from their results without re-estimating.
    Table {
        /// Table names (the spec files' `table`, default their file stem).
        names: Vec<String>,
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        #[arg(long, default_value = "templates")]
        templates: PathBuf,
    },
    /// Print where a table came from: version, spec and data hashes, commit, run date, and
    /// every model's fields, options and variable definitions.
    Provenance {
        /// The table's name.
        table: String,
        #[arg(long, default_value = "reports")]
        out: PathBuf,
    },
    /// Run the specs as a Slurm job array: write the job scripts (and with --submit, submit
    /// them through sbatch): one shard of the models per array task, each into its own
    /// directory, and a job that merges them into --out once every task has ended. Submitting
    /// again runs only the shards whose results are missing or stale; a task killed for memory
    /// is resubmitted once with twice the memory. Requests come from the plan, or from
    /// regspec.yaml's `slurm:` block (partition, account, time, mem, max_concurrent,
    /// cpus_per_task, tasks, extra_args).
    #[command(args_conflicts_with_subcommands = true)]
    Slurm {
        #[command(subcommand)]
        action: Option<SlurmAction>,
        /// Spec files (default: every .yaml in specs/).
        specs: Vec<PathBuf>,
        /// Array tasks (shards) (default: regspec.yaml's `slurm.tasks`, else 8).
        #[arg(long)]
        tasks: Option<usize>,
        /// Submit through sbatch (without it, only write the scripts).
        #[arg(long)]
        submit: bool,
        /// The report set the shards merge into.
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        /// Where the job scripts, the shards' results, the logs and the run's state go.
        #[arg(long, default_value = "slurm")]
        dir: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Combine the outputs of `run --shard` into one set of results.
    Merge {
        /// Output directories of the shards.
        dirs: Vec<PathBuf>,
        #[arg(long, default_value = "reports")]
        out: PathBuf,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand)]
enum SlurmAction {
    /// Every shard of the run: done, or its Slurm state, job id and log; and the merge job.
    Status {
        #[arg(long, default_value = "slurm")]
        dir: PathBuf,
    },
    /// Run by each array task: its shard (SLURM_ARRAY_TASK_ID), with SLURM_CPUS_PER_TASK threads.
    Task {
        #[arg(long, default_value = "slurm")]
        dir: PathBuf,
    },
    /// Run by the merge job: merge every shard into --out, resubmit shards killed for memory
    /// once, or fail naming the shards that are not done.
    Finish {
        #[arg(long, default_value = "slurm")]
        dir: PathBuf,
    },
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    let n: usize = s.parse().map_err(|_| "a number of threads, e.g. 4")?;
    if n == 0 || n > regspec::limits::MAX_JOBS {
        return Err(format!("need 1 <= N <= {}", regspec::limits::MAX_JOBS));
    }
    Ok(n)
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (k, n) = s.split_once('/').ok_or("expected K/N, e.g. 2/3")?;
    let k: usize = k.parse().map_err(|_| "K must be a number")?;
    let n: usize = n.parse().map_err(|_| "N must be a number")?;
    if n == 0 || k == 0 || k > n {
        return Err("need 1 <= K <= N".into());
    }
    Ok((k, n))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Status { specs, out, data } = &cli.command {
        return verdict(regspec::status::status(
            specs,
            &data.spec_dir,
            &source(data),
            &data.templates,
            out,
        ));
    }
    if let Command::Verify {
        specs,
        out,
        jobs,
        data,
    } = &cli.command
    {
        let o = run::RunOptions {
            specs: specs.clone(),
            source: source(data),
            spec_dir: data.spec_dir.clone(),
            only: Vec::new(),
            jobs: *jobs,
            out: out.clone(),
            quiet: true,
            verbose: false,
            shard: None,
            templates: data.templates.clone(),
        };
        return verdict(regspec::verify::verify(&o).map(|v| (v.report, v.identical)));
    }
    // Inside a Slurm allocation, as many threads as CPUs given (the node may have more).
    if let Some(n) = regspec::slurm::allocated_cpus() {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let result = match cli.command {
        Command::Run {
            specs,
            only,
            jobs,
            data,
            out,
            quiet,
            verbose,
            shard,
        } => {
            let o = run::RunOptions {
                specs,
                source: source(&data),
                spec_dir: data.spec_dir,
                only,
                jobs,
                out: out.clone(),
                quiet,
                verbose,
                shard,
                templates: data.templates,
            };
            run::run(&o).map(|s| {
                if !quiet {
                    summarise(&s, &out, verbose);
                }
            })
        }
        // Answered before this match: its exit status says whether anything is out of date.
        Command::Status { .. } | Command::Verify { .. } => Ok(()),
        Command::Check { specs, data } => check_cmd(&specs, &data, false),
        Command::List { specs, data } => check_cmd(&specs, &data, true),
        Command::Panel {
            raw_data,
            out,
            sources,
        } => build_panel(&raw_data, &out, &sources),
        Command::Init { data } => regspec::workspace::init(&data, Path::new(".")).map(|w| {
            for p in w {
                println!("wrote {}", p.display());
            }
            println!("next: regspec check, then regspec run (reports in reports/index.md)");
        }),
        Command::Simulate { out, seed } => {
            let p = measures::study::demo::simulate(seed);
            p.write(&out)
                .map_err(|e| e.to_string())
                .map(|_| println!("wrote simulated demo panel {}", out.display()))
        }
        Command::Merge { dirs, out, data } => plan_only(&[], &data).and_then(|plan| {
            run::merge(&dirs, &out, &plan, &run::templates(&data.templates))
                .map(|w| w.iter().for_each(|p| println!("wrote {}", p.display())))
        }),
        Command::Slurm {
            action,
            specs,
            tasks,
            submit,
            out,
            dir,
            data,
        } => match action {
            Some(SlurmAction::Status { dir }) => {
                regspec::slurm::status(&dir).map(|s| print!("{s}"))
            }
            Some(SlurmAction::Task { dir }) => regspec::slurm::task(&dir).map(|s| println!("{s}")),
            Some(SlurmAction::Finish { dir }) => {
                regspec::slurm::finish(&dir).map(|s| println!("{s}"))
            }
            None => regspec::slurm::write_and_submit(&regspec::slurm::SlurmOptions {
                args: regspec::slurm::RunArgs {
                    specs,
                    spec_dir: data.spec_dir,
                    templates: data.templates,
                    data: data.data,
                    raw_data: data.raw_data,
                    sources: data.sources,
                    demo_panel: data.demo_panel,
                },
                tasks,
                dir,
                out,
                submit,
            })
            .map(|s| print!("{s}")),
        },
        Command::Provenance { table, out } => {
            regspec::provenance::describe(&out, &table, Path::new(".")).map(|s| print!("{s}"))
        }
        Command::Table {
            names,
            out,
            templates,
        } => regspec::output::rerender(&out, &names, &run::templates(&templates))
            .map(|w| w.iter().for_each(|p| println!("wrote {}", p.display()))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What a run did, for a reader: the data, the model counts, a line per table, and where to
/// open the report (every file written with `--verbose`).
fn summarise(s: &run::RunSummary, out: &Path, verbose: bool) {
    let mut sources: Vec<&str> = s.records.iter().map(|t| t.data_source.as_str()).collect();
    sources.dedup();
    for d in sources {
        println!("data: {d}");
    }
    println!(
        "{} model(s): {} estimated, {} cached{}",
        s.estimated + s.cached,
        s.estimated,
        s.cached,
        if s.datasets_read == 0 {
            " (data not read)"
        } else {
            ""
        }
    );
    if verbose {
        for t in &s.tables {
            println!("wrote {}", t.display());
        }
    } else {
        let width = s.records.iter().map(|t| t.table.len()).max().unwrap_or(0);
        for t in &s.records {
            println!(
                "  {:<width$}  {:>3} model(s)  {}",
                t.table,
                t.models.len(),
                out.join(format!("{}.{{tex,md,json}}", t.table)).display()
            );
        }
    }
    for t in &s.records {
        for m in &t.models {
            for w in &m.result.warnings {
                eprintln!("warning: {} model `{}`: {w}", t.table, m.name);
            }
            // Infinite values are a surprise a reader must hear of (missing values are usual:
            // the tables' notes count them).
            if m.result.n_infinite > 0 {
                if let Some(r) = m.removed() {
                    eprintln!("note: {} model `{}`: {r}", t.table, m.name);
                }
            }
        }
    }
    let removed: Vec<&report::ModelRecord> = s
        .records
        .iter()
        .flat_map(|t| &t.models)
        .filter(|m| m.removed().is_some())
        .collect();
    if !removed.is_empty() {
        println!(
            "{} model(s) removed observations (missing values, infinite values or singletons): each table's notes give the counts",
            removed.len()
        );
    }
    println!("open {}", out.join("index.md").display());
}

fn source(data: &DataArgs) -> run::DataSource {
    run::DataSource {
        root: PathBuf::from("."),
        raw_data: data.raw_data.clone(),
        sources: data.sources.clone(),
        data: data.data.clone(),
        demo_panel: data.demo_panel.clone(),
    }
}

/// The plan checked against every dataset, or every problem printed.
fn checked(files: &[PathBuf], data: &DataArgs) -> Result<run::Checked, String> {
    run::check_workspace(&source(data), files, &data.templates).map_err(|f| {
        for d in &f.diags {
            eprint!("{d}");
        }
        if f.data_only {
            format!(
                "{} problem(s) with the data or its variables",
                f.diags.len()
            )
        } else {
            format!(
                "{} problem(s) in {} spec file(s)",
                f.diags.len(),
                files.len()
            )
        }
    })
}

fn plan_only(
    specs: &[PathBuf],
    data: &DataArgs,
) -> Result<Vec<regspec::plan::PlannedModel>, String> {
    let files = check::spec_files(specs, &data.spec_dir).map_err(|d| d.to_string())?;
    Ok(checked(&files, data)?.plan)
}

fn check_cmd(specs: &[PathBuf], data: &DataArgs, list: bool) -> Result<(), String> {
    let files = check::spec_files(specs, &data.spec_dir).map_err(|d| d.to_string())?;
    let c = checked(&files, data)?;
    if list {
        for p in &c.prepared {
            match &p.name {
                None => println!("data: {}", p.lp.description),
                Some(n) => println!("data `{n}`: {}", p.lp.description),
            }
        }
        print!("{}", check::describe(&c.plan));
    }
    println!(
        "{} spec file(s), {} table(s), {} model(s): ok",
        files.len(),
        c.loaded.len(),
        c.plan.len()
    );
    Ok(())
}

fn build_panel(raw: &Path, out: &Path, sources: &Path) -> Result<(), String> {
    let cfg = measures::study::SourcesConfig::load(sources).map_err(|e| e.to_string())?;
    let inputs = measures::study::load(raw, &cfg).map_err(|e| e.to_string())?;
    let panel = measures::study::build_panel(&inputs).map_err(|e| e.to_string())?;
    panel.write(out).map_err(|e| e.to_string())?;
    print!("{}", summary::panel_summary(&panel));
    println!("wrote {}", out.display());
    Ok(())
}

/// The exit of a command that answers yes or no (`status`: up to date; `verify`: identical):
/// its report, then 0 for yes, 1 for no, 2 when it could not answer.
fn verdict(r: Result<(String, bool), String>) -> ExitCode {
    match r {
        Ok((report, yes)) => {
            print!("{report}");
            if yes {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
