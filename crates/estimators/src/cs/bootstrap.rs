//! `did`'s multiplier bootstrap of the dynamic effects, with a uniform (simultaneous) band.

use serde::{Deserialize, Serialize};

/// The bootstrap of the dynamic effects: standard errors and a uniform band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsBootstrap {
    /// Bootstrap draws.
    pub draws: usize,
    /// Seed of the Rademacher draws.
    pub seed: u64,
    /// Bootstrap standard error of each dynamic effect (IQR-based, as `did`).
    #[serde(with = "crate::result::nan_as_null_vec")]
    pub std_error: Vec<f64>,
    /// Critical value of the uniform band: the (level) quantile of max_e |t*_e|.
    pub critical_value: f64,
    /// Lower end of the uniform band, per dynamic effect.
    #[serde(with = "crate::result::nan_as_null_vec")]
    pub band_low: Vec<f64>,
    /// Upper end of the uniform band, per dynamic effect.
    #[serde(with = "crate::result::nan_as_null_vec")]
    pub band_high: Vec<f64>,
}

/// `did`'s multiplier bootstrap (Rademacher weights per unit): bootstrap draws of
/// sqrt(n) * mean(v * IF), standard errors from their interquartile range, and the critical value
/// of a uniform band from the maximum absolute t statistic across effects.
pub fn multiplier_bootstrap(
    ifs: &[Vec<f64>],
    atts: &[f64],
    draws: usize,
    seed: u64,
    level: f64,
) -> CsBootstrap {
    use rand::{RngExt, SeedableRng};
    use statrs::distribution::{ContinuousCDF, Normal};
    let n = ifs.first().map_or(0, Vec::len);
    let nf = n as f64;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let k = ifs.len();
    let mut bres = vec![vec![0.0; k]; draws];
    for row in bres.iter_mut() {
        let v: Vec<f64> = (0..n)
            .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
            .collect();
        for (e, f) in ifs.iter().enumerate() {
            row[e] = nf.sqrt() * f.iter().zip(&v).map(|(a, b)| a * b).sum::<f64>() / nf;
        }
    }
    // Type-1 (inverse empirical CDF) quantiles, as R's quantile(type = 1).
    let quantile = |mut xs: Vec<f64>, p: f64| -> f64 {
        xs.sort_by(|a, b| a.total_cmp(b));
        let idx = ((p * xs.len() as f64).ceil() as usize).clamp(1, xs.len()) - 1;
        xs[idx]
    };
    let z = Normal::new(0.0, 1.0).expect("standard normal");
    let iqr_norm = z.inverse_cdf(0.75) - z.inverse_cdf(0.25);
    let sigma: Vec<f64> = (0..k)
        .map(|e| {
            let col: Vec<f64> = bres.iter().map(|r| r[e]).collect();
            let s = (quantile(col.clone(), 0.75) - quantile(col, 0.25)) / iqr_norm;
            // An effect without variation (the universal base period's) has no standard error
            // and stays out of the band's maximum, as in `did`.
            if s > 10.0 * f64::EPSILON.sqrt() {
                s
            } else {
                f64::NAN
            }
        })
        .collect();
    let tmax: Vec<f64> = bres
        .iter()
        .map(|r| {
            (0..k)
                .filter(|&e| sigma[e].is_finite())
                .map(|e| (r[e] / sigma[e]).abs())
                .fold(0.0, f64::max)
        })
        .collect();
    let crit = quantile(tmax, level);
    let se: Vec<f64> = sigma.iter().map(|s| s / nf.sqrt()).collect();
    CsBootstrap {
        draws,
        seed,
        band_low: atts.iter().zip(&se).map(|(a, s)| a - crit * s).collect(),
        band_high: atts.iter().zip(&se).map(|(a, s)| a + crit * s).collect(),
        std_error: se,
        critical_value: crit,
    }
}
