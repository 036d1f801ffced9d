//! Callaway-Sant'Anna's dynamic effects as a table's coefficients, with normal inference as
//! `did` reports it.

use super::{CallawaySantAnna, CsBasePeriod};

impl CallawaySantAnna {
    /// The dynamic effects as a result table: one coefficient `{prefix}::e` per event time,
    /// normal-based inference as in `did`; fit statistics from `base` (the TWFE fit). With a
    /// universal base period the base event time (0 by construction) is the omitted reference.
    pub fn as_result(
        &self,
        base: &crate::result::OlsResult,
        prefix: &str,
        level: f64,
    ) -> crate::result::OlsResult {
        use statrs::distribution::{ContinuousCDF, Normal};
        let z = Normal::new(0.0, 1.0).ok();
        let q = z
            .as_ref()
            .map_or(1.96, |d| d.inverse_cdf(1.0 - (1.0 - level) / 2.0));
        let keep: Vec<usize> = (0..self.dynamic.len())
            .filter(|&k| Some(self.dynamic[k].event_time.unwrap_or(0)) != self.reference())
            .collect();
        let coefficients = keep
            .iter()
            .map(|&k| {
                let a = &self.dynamic[k];
                crate::result::Coefficient::event(
                    prefix,
                    a.event_time.unwrap_or(0),
                    a.att,
                    a.std_error,
                    q,
                    |t| z.as_ref().map_or(f64::NAN, |d| 2.0 * d.sf(t.abs())),
                )
            })
            .collect();
        let vcov = keep
            .iter()
            .map(|&a| keep.iter().map(|&b| self.dynamic_vcov[a][b]).collect())
            .collect();
        // Normal inference, as `did`: infinite degrees of freedom (stored as f64::MAX, JSON has no inf).
        crate::result::OlsResult {
            coefficients,
            vcov,
            wald: None,
            df_t: f64::MAX,
            ..base.clone()
        }
    }

    /// The omitted event time: the universal base period's, or None with a varying base (where
    /// every event time is an estimate).
    pub fn reference(&self) -> Option<i64> {
        (self.base_period == CsBasePeriod::Universal).then_some(-1 - self.anticipation)
    }
}
