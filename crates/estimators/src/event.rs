//! The design of a TWFE event study: one dummy per relative period in a window, the endpoints
//! binning everything beyond them, the reference period omitted (as fixest's
//! `i(rel_time, ref = -1)` with binned endpoints).

/// Dummies `{prefix}::k` for every k in `window` except `reference`. `rel` is each row's period
/// relative to adoption (NaN for never-treated rows, whose dummies are all zero); values
/// outside the window count at its nearest endpoint.
pub fn relative_dummies(
    rel: &[f64],
    window: (i64, i64),
    reference: i64,
    prefix: &str,
) -> Vec<(String, Vec<f64>)> {
    let binned: Vec<Option<i64>> = rel
        .iter()
        .map(|t| {
            t.is_finite()
                .then(|| (t.round() as i64).clamp(window.0, window.1))
        })
        .collect();
    (window.0..=window.1)
        .filter(|&k| k != reference)
        .map(|k| {
            let col = binned
                .iter()
                .map(|b| f64::from(u8::from(*b == Some(k))))
                .collect();
            (format!("{prefix}::{k}"), col)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_bin_and_reference_is_omitted() {
        let rel = [-9.0, -2.0, -1.0, 0.0, 7.0, f64::NAN];
        let d = relative_dummies(&rel, (-2, 1), -1, "r");
        let names: Vec<&str> = d.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["r::-2", "r::0", "r::1"]);
        assert_eq!(d[0].1, [1.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(d[1].1, [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        assert_eq!(d[2].1, [0.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    }
}
