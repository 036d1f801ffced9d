//! Documented caps on what a spec may ask for, checked by `regspec check` before anything runs,
//! so a typo (`draws: 1000000000`, `window: [-200000, 200000]`) is an error message, not an
//! allocation of 24 GB or an hour of work.

/// Placebo, randomization-inference and bootstrap draws per model.
pub const MAX_DRAWS: u64 = 1_000_000;
/// Relative periods of an event-study window (`last - first + 1`).
pub const MAX_EVENT_PERIODS: i64 = 200;
/// Models one grid may expand to.
pub const MAX_GRID_MODELS: usize = 100_000;
/// Worker threads (`--jobs`).
pub const MAX_JOBS: usize = 256;

/// Checks a number of draws against [`MAX_DRAWS`].
pub fn draws(what: &str, n: u64) -> Result<(), String> {
    if n > MAX_DRAWS {
        return Err(format!(
            "{what} {n} exceeds the limit of {MAX_DRAWS} draws per model (each draw is a full estimation)"
        ));
    }
    Ok(())
}

/// Checks a number of event periods against [`MAX_EVENT_PERIODS`].
pub fn window(what: &str, periods: i64) -> Result<(), String> {
    if periods > MAX_EVENT_PERIODS {
        return Err(format!(
            "{what} {periods} exceeds the limit of {MAX_EVENT_PERIODS} event periods"
        ));
    }
    Ok(())
}
