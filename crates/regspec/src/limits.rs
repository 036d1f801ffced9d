//! Documented caps on what a spec may ask for, checked by `regspec check` before anything runs,
//! so a typo (`draws: 1000000000`, `window: [-200000, 200000]`) is an error message, not an
//! allocation of 24 GB or an hour of work.
//!
//! The defaults suit nearly every paper. A workspace that needs more raises a cap in
//! `regspec.yaml`:
//!
//! ```yaml
//! limits: {draws: 5000000, event_periods: 400, grid_models: 1000000}
//! ```
//!
//! The caps in force are set once per command, when the workspace file is read
//! ([`configure`]), before any spec is planned. `--jobs` is a property of the machine, not of
//! the workspace, and keeps its fixed cap [`MAX_JOBS`].

use serde::Deserialize;
use std::sync::RwLock;

/// Worker threads (`--jobs`).
pub const MAX_JOBS: usize = 256;

/// The caps of a workspace (`limits:` in `regspec.yaml`); a field left out keeps its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Placebo, randomization-inference and bootstrap draws per model (default 1,000,000).
    pub draws: u64,
    /// Relative periods of an event-study window, `last - first + 1`, and of other options
    /// counted in periods (HAC lags, anticipation, leads) (default 200).
    pub event_periods: i64,
    /// Models one grid may expand to (default 100,000).
    pub grid_models: usize,
}

impl Default for Limits {
    fn default() -> Self {
        DEFAULT
    }
}

/// The caps of a workspace without a `limits:` block.
pub const DEFAULT: Limits = Limits {
    draws: 1_000_000,
    event_periods: 200,
    grid_models: 100_000,
};

static CURRENT: RwLock<Limits> = RwLock::new(DEFAULT);

/// Sets the caps of this command (called when the workspace file is read).
pub fn configure(l: Limits) {
    *CURRENT.write().unwrap_or_else(|e| e.into_inner()) = l;
}

/// The caps in force.
pub fn get() -> Limits {
    *CURRENT.read().unwrap_or_else(|e| e.into_inner())
}

fn raise(field: &str) -> String {
    format!("raise `limits: {{{field}: N}}` in regspec.yaml if you mean it")
}

/// Checks a number of draws against the `draws` cap. The message says what the draws would
/// cost: each is a full estimation, and its estimate is kept (8 bytes a draw per statistic).
pub fn draws(what: &str, n: u64) -> Result<(), String> {
    let cap = get().draws;
    if n > cap {
        return Err(format!(
            "{what} {n} exceeds the limit of {cap} draws per model: each draw is a full estimation, and keeping the draws takes at least {} of memory; {}",
            bytes(n.saturating_mul(8)),
            raise("draws")
        ));
    }
    Ok(())
}

/// Checks a number of periods against the `event_periods` cap.
pub fn window(what: &str, periods: i64) -> Result<(), String> {
    let cap = get().event_periods;
    if periods > cap {
        return Err(format!(
            "{what} {periods} exceeds the limit of {cap} event periods; {}",
            raise("event_periods")
        ));
    }
    Ok(())
}

/// Checks an event-study window's width against the `event_periods` cap. The message says
/// what the window would cost: one dummy column per period, 8 bytes a row each.
pub fn event_window(window: (i64, i64)) -> Result<(), String> {
    let cap = get().event_periods;
    let periods = window.1 - window.0 + 1;
    if periods > cap {
        return Err(format!(
            "option `window` {window:?} spans {periods} periods; the limit is {cap}: each period is a dummy column, {} per 1,000 rows of data (bin the endpoints instead, or {})",
            bytes((periods as u64).saturating_mul(8_000)),
            raise("event_periods")
        ));
    }
    Ok(())
}

/// Checks the number of models a grid expands to against the `grid_models` cap.
pub fn grid(name: &str, size: usize) -> Result<(), String> {
    let cap = get().grid_models;
    if size > cap {
        return Err(format!(
            "grid `{name}` expands to {size} models; the limit is {cap}; {}",
            raise("grid_models")
        ));
    }
    Ok(())
}

/// A byte count as a reader says it (`8.0 GB`, `3.2 MB`).
fn bytes(n: u64) -> String {
    let n = n as f64;
    match n {
        n if n >= 1e9 => format!("{:.1} GB", n / 1e9),
        n if n >= 1e6 => format!("{:.1} MB", n / 1e6),
        n if n >= 1e3 => format!("{:.1} kB", n / 1e3),
        n => format!("{n} bytes"),
    }
}

/// The CPUs Slurm gave this task (`SLURM_CPUS_PER_TASK`), when inside an allocation.
pub fn allocated_cpus() -> Option<usize> {
    std::env::var("SLURM_CPUS_PER_TASK")
        .ok()?
        .parse()
        .ok()
        .filter(|n| (1..=MAX_JOBS).contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_state_the_cost_and_the_way_out() {
        let e = draws("option `draws`", 1_000_000_000).unwrap_err();
        assert!(
            e.contains("8.0 GB") && e.contains("limits: {draws: N}"),
            "{e}"
        );
        let e = event_window((-200_000, 200_000)).unwrap_err();
        assert!(
            e.contains("400001 periods") && e.contains("3.2 GB per 1,000 rows"),
            "{e}"
        );
        assert!(grid("g", 100_001).is_err() && grid("g", 100_000).is_ok());
        assert!(window("lag", 201).is_err() && window("lag", 200).is_ok());
        assert_eq!(bytes(999), "999 bytes");
    }
}
