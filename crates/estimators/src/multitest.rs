//! Multiple-testing adjustments of p-values across a table's columns (Bonferroni, Holm's
//! step-down, Romano and Wolf's bootstrap step-down) and the normal distribution functions that
//! robust-DID estimators' inference and the key estimates of curves use. Numerics live here;
//! the report crate only names and renders the results.

use serde::{Deserialize, Serialize};

/// A multiple-testing adjustment of the key p-values across a table's models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Adjust {
    /// `min(1, m p)`.
    Bonferroni,
    /// Holm's step-down.
    Holm,
    /// Romano and Wolf's step-down on the wild cluster bootstrap of every column (the draws
    /// shared through the seed), as pyfixest's `rwolf`.
    RomanoWolf,
}

/// Two-sided p-value of a z statistic under the standard normal.
pub fn normal_p(z: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    2.0 * Normal::standard().sf(z.abs())
}

/// The standard normal quantile at `p` (0.975 gives the 95% two-sided critical value).
pub fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p)
}

/// Adjusted p-values of `p` (NaN stays NaN and does not count as a test).
pub fn adjust(p: &[f64], how: Adjust) -> Vec<f64> {
    let tests: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    let m = tests.len() as f64;
    let mut out = vec![f64::NAN; p.len()];
    match how {
        Adjust::Bonferroni => {
            for &i in &tests {
                out[i] = (m * p[i]).min(1.0);
            }
        }
        // Needs the models' bootstrap draws: see [`romano_wolf`]; nothing to adjust from p alone.
        Adjust::RomanoWolf => {}
        Adjust::Holm => {
            let mut order = tests.clone();
            order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
            let mut running: f64 = 0.0;
            for (rank, &i) in order.iter().enumerate() {
                let v = ((m - rank as f64) * p[i]).min(1.0);
                running = running.max(v);
                out[i] = running;
            }
        }
    }
    out
}

/// Romano-Wolf step-down adjusted p-values (Romano and Wolf 2005; pyfixest's `rwolf`): `t` the
/// models' statistics, `draws[j]` model j's bootstrap statistics under the null (the same draws
/// for every model). The p-value of the s-th largest |t| is the share (with the +1 of Davison
/// and Hinkley) of draws whose largest |t*| among the models not yet stepped over reaches it,
/// made monotone in the step-down order.
pub fn romano_wolf(t: &[f64], draws: &[Vec<f64>]) -> Vec<f64> {
    let s = t.len();
    let b = draws.first().map_or(0, Vec::len);
    if s == 0 || b == 0 || draws.iter().any(|d| d.len() != b) {
        return vec![f64::NAN; s];
    }
    let mut order: Vec<usize> = (0..s).collect();
    order.sort_by(|&x, &y| t[y].abs().total_cmp(&t[x].abs()).then(x.cmp(&y)));
    let mut out = vec![f64::NAN; s];
    let mut running: f64 = 0.0;
    for (step, &i) in order.iter().enumerate() {
        let remaining = &order[step..];
        let exceed = (0..b)
            .filter(|&r| {
                remaining
                    .iter()
                    .map(|&j| draws[j][r].abs())
                    .fold(f64::NEG_INFINITY, f64::max)
                    >= t[i].abs()
            })
            .count();
        let p = ((exceed + 1) as f64 / (b + 1) as f64).min(1.0);
        running = running.max(p);
        out[i] = running;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_and_bonferroni_by_hand() {
        let p = [0.01, 0.04, 0.03, f64::NAN, 0.2];
        let b = adjust(&p, Adjust::Bonferroni);
        assert_eq!(b[0], 0.04);
        assert!((b[1] - 0.16).abs() < 1e-15 && b[3].is_nan() && b[4] == 0.8);
        // Holm: sorted 0.01, 0.03, 0.04, 0.2 times 4, 3, 2, 1, then running maxima.
        let h = adjust(&p, Adjust::Holm);
        assert!((h[0] - 0.04).abs() < 1e-15);
        assert!((h[2] - 0.09).abs() < 1e-15);
        assert!((h[1] - 0.09).abs() < 1e-15);
        assert!((h[4] - 0.2).abs() < 1e-15);
    }

    #[test]
    fn the_normal_critical_value() {
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-12);
        // statrs' erfc is accurate to about 1e-10 here.
        let p = normal_p(1.959963984540054);
        assert!((p - 0.05).abs() < 1e-9, "{p}");
    }
}
