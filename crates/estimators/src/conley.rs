//! Conley (1999) spatial HAC meat: the scores of rows within a distance cutoff of each other
//! correlated with a kernel weight, as R's conleyreg computes it (great-circle distance on a
//! sphere of radius 6371.01 km; Bartlett or uniform kernel). On a panel the spatial sum runs
//! within each period, and with a serial bandwidth L each unit's scores `s` periods apart
//! (0 < s <= L) add with Bartlett weight 1 - s/(L+1): the block decomposition of conleyreg,
//! not a product kernel.

use crate::model::ConleyKernel;
use faer::Mat;

/// Mean Earth radius of R's conleyreg, in km.
pub const EARTH_RADIUS_KM: f64 = 6371.01;

/// Great-circle distance in km between two points given in degrees (haversine formula).
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dlat = p2 - p1;
    let dlon = lon2.to_radians() - lon1.to_radians();
    let a = (dlat / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dlon / 2.0).sin().powi(2);
    EARTH_RADIUS_KM * 2.0 * a.clamp(0.0, 1.0).sqrt().asin()
}

/// The kernel's weight at distance `d`; zero beyond the cutoff.
fn weight(kernel: ConleyKernel, d: f64, cutoff: f64) -> f64 {
    match kernel {
        ConleyKernel::Bartlett => (1.0 - d / cutoff).max(0.0),
        ConleyKernel::Uniform => {
            if d <= cutoff {
                1.0
            } else {
                0.0
            }
        }
    }
}

/// What the meat is computed from, on the estimation sample.
pub struct ConleyInput<'a> {
    /// Regressors (transformed) whose scores x_i u_i enter the meat.
    pub x: &'a [&'a [f64]],
    /// Residuals.
    pub u: &'a [f64],
    /// Latitude of each row, degrees.
    pub lat: &'a [f64],
    /// Longitude of each row, degrees.
    pub lon: &'a [f64],
    /// Period of each row, coded in time order, and the number of periods (`None`: one
    /// cross-section, every pair of rows enters).
    pub periods: Option<(&'a [u32], usize)>,
    /// Unit of each row and the number of units (needed when `lag > 0`).
    pub units: Option<(&'a [u32], usize)>,
    /// Distance cutoff in km.
    pub cutoff_km: f64,
    /// Spatial kernel.
    pub kernel: ConleyKernel,
    /// Serial bandwidth in periods.
    pub lag: u32,
}

/// Adds w (a b' + b a') to `meat`, or w a a' when the two are one row: a kernel's term of a
/// HAC meat (the panel HAC estimators of `vcov` use it too).
pub(crate) fn add_pair(meat: &mut Mat<f64>, a: &[f64], b: &[f64], w: f64, same: bool) {
    let k = a.len();
    for r in 0..k {
        for c in 0..k {
            meat[(r, c)] += if same {
                w * a[r] * b[c]
            } else {
                w * (a[r] * b[c] + b[r] * a[c])
            };
        }
    }
}

/// The Conley meat sum_ij K_ij s_i s_j' (spatial, within periods) plus the serial term.
pub fn meat(inp: &ConleyInput) -> Mat<f64> {
    let n = inp.u.len();
    let k = inp.x.len();
    let scores: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..k).map(|a| inp.x[a][i] * inp.u[i]).collect())
        .collect();
    let mut meat = Mat::<f64>::zeros(k, k);
    // Rows of each period (one block without periods), sorted by latitude: two rows further
    // apart in latitude than the cutoff are further apart on the sphere, so the scan of a
    // row's partners stops there (the bound is padded so rounding never drops a pair).
    let blocks: Vec<Vec<usize>> = match inp.periods {
        Some((codes, t_n)) => {
            let mut b = vec![Vec::new(); t_n];
            for (i, &t) in codes.iter().enumerate() {
                b[t as usize].push(i);
            }
            b
        }
        None => vec![(0..n).collect()],
    };
    let max_dlat = (inp.cutoff_km / EARTH_RADIUS_KM).to_degrees() * (1.0 + 1e-9) + 1e-12;
    for mut rows in blocks {
        rows.sort_by(|&a, &b| inp.lat[a].total_cmp(&inp.lat[b]));
        for (p, &i) in rows.iter().enumerate() {
            add_pair(&mut meat, &scores[i], &scores[i], 1.0, true);
            for &j in &rows[p + 1..] {
                if inp.lat[j] - inp.lat[i] > max_dlat {
                    break;
                }
                let d = haversine_km(inp.lat[i], inp.lon[i], inp.lat[j], inp.lon[j]);
                let w = weight(inp.kernel, d, inp.cutoff_km);
                if w != 0.0 {
                    add_pair(&mut meat, &scores[i], &scores[j], w, false);
                }
            }
        }
    }
    if let (Some((periods, _)), Some((units, g)), true) = (inp.periods, inp.units, inp.lag > 0) {
        let lag = inp.lag as f64;
        let mut by_unit: Vec<Vec<usize>> = vec![Vec::new(); g];
        for (i, &u) in units.iter().enumerate() {
            by_unit[u as usize].push(i);
        }
        for rows in by_unit {
            for (p, &i) in rows.iter().enumerate() {
                for &j in &rows[p + 1..] {
                    let s = (i64::from(periods[i]) - i64::from(periods[j])).unsigned_abs();
                    if s > 0 && s as f64 <= lag {
                        add_pair(
                            &mut meat,
                            &scores[i],
                            &scores[j],
                            1.0 - s as f64 / (lag + 1.0),
                            false,
                        );
                    }
                }
            }
        }
    }
    meat
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_known_distances() {
        // A quarter of a great circle along the equator and a degree of latitude.
        let quarter = haversine_km(0.0, 0.0, 0.0, 90.0);
        assert!((quarter - EARTH_RADIUS_KM * std::f64::consts::FRAC_PI_2).abs() < 1e-9);
        let degree = haversine_km(10.0, 20.0, 11.0, 20.0);
        assert!((degree - EARTH_RADIUS_KM * 1f64.to_radians()).abs() < 1e-9);
    }

    #[test]
    fn the_latitude_bound_drops_no_pair_inside_the_cutoff() {
        // Points on one meridian exactly at the cutoff's latitude distance: the uniform kernel
        // includes the pair at the cutoff, so the scan must not stop before it.
        let cutoff = haversine_km(0.0, 0.0, 3.0, 0.0);
        let x = [1.0, 1.0];
        let xs: [&[f64]; 1] = [&x];
        let inp = ConleyInput {
            x: &xs,
            u: &[1.0, 2.0],
            lat: &[0.0, 3.0],
            lon: &[0.0, 0.0],
            periods: None,
            units: None,
            cutoff_km: cutoff,
            kernel: ConleyKernel::Uniform,
            lag: 0,
        };
        // 1 + 4 + 2 * (1 * 2) = 9 when the pair counts, 5 when it is dropped.
        assert!((meat(&inp)[(0, 0)] - 9.0).abs() < 1e-12);
    }
}
