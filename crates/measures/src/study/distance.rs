//! Institutional distance (WGI) and cultural distance (Hofstede) to China.

use crate::study::raw::config::CdTime;
use crate::study::RawInputs;
use crate::study::{country, series};
use ingest::{IngestError, Panel};

/// The six WGI indicators entering institutional distance.
pub const WGI: [&str; 6] = ["wgi_va", "wgi_pv", "wgi_ge", "wgi_rq", "wgi_rl", "wgi_cc"];
/// The Hofstede dimensions entering Kogut-Singh cultural distance (the first four are the
/// original index).
pub const HOFSTEDE: [&str; 6] = [
    "hofstede_pdi",
    "hofstede_idv",
    "hofstede_mas",
    "hofstede_uai",
    "hofstede_ltowvs",
    "hofstede_ivr",
];

/// Sample variance (n - 1 denominator) of the present values.
fn variance(xs: &[f64]) -> Option<f64> {
    let n = xs.len();
    if n < 2 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    Some(xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64)
}

/// Kogut-Singh index: (1/K) sum_k (x_k - c_k)^2 / V_k; missing if any dimension is missing.
pub fn kogut_singh(x: &[Option<f64>], china: &[Option<f64>], var: &[Option<f64>]) -> Option<f64> {
    let mut sum = 0.0;
    for ((x, c), v) in x.iter().zip(china).zip(var) {
        let (x, c, v) = ((*x)?, (*c)?, (*v)?);
        if v <= 0.0 {
            return None;
        }
        sum += (x - c) * (x - c) / v;
    }
    Some(sum / x.len() as f64)
}

/// Adds:
/// - `sd` (institutional distance) = (1/6) sum_k (I_kjt - I_k,CHN,t)^2 / V_kt over the six WGI
///   estimates k, with V_kt the variance of I_k across the sample countries in year t;
/// - `cd_ks` = Kogut-Singh cultural distance (1/K) sum_k (H_kj - H_k,CHN)^2 / V_k over the
///   chosen K = 4 or 6 Hofstede dimensions, V_k the variance across sample countries with a score;
/// - `cd` = cd_ks / (t - t0 + 1) with `cultural_distance_time: interacted` (t0 the first
///   sample year; the default), cd_ks + 1/(t - t0 + 1) with `additive`, cd_ks with `constant`.
pub fn add(panel: &mut Panel, raw: &RawInputs) -> Result<(), IngestError> {
    // Institutional distance, year by year.
    let wgi: Vec<_> = WGI
        .iter()
        .map(|n| series(raw, n))
        .collect::<Result<_, _>>()?;
    let years: Vec<i32> = (raw.first_year..=raw.last_year).collect();
    let mut var_by_year = std::collections::BTreeMap::new();
    for &y in &years {
        let v: Vec<Option<f64>> = wgi
            .iter()
            .map(|s| {
                let xs: Vec<f64> = raw
                    .countries
                    .iter()
                    .filter_map(|c| s.get(&(c.clone(), y)).copied())
                    .collect();
                variance(&xs)
            })
            .collect();
        var_by_year.insert(y, v);
    }
    let sd: Vec<Option<f64>> = panel
        .ids()
        .iter()
        .zip(&panel.years())
        .map(|(id, y)| {
            let x: Vec<_> = wgi
                .iter()
                .map(|s| s.get(&(id.clone(), *y)).copied())
                .collect();
            let c: Vec<_> = wgi
                .iter()
                .map(|s| s.get(&("CHN".to_string(), *y)).copied())
                .collect();
            kogut_singh(&x, &c, &var_by_year[y])
        })
        .collect();
    panel.set(
        "sd",
        sd,
        "(1/6) sum_k (WGI_kjt - WGI_k,CHN,t)^2 / Var_t(WGI_k), six WGI estimates",
    );

    // Cultural distance, time-invariant, then given time variation as declared.
    let k = raw.config.choices.hofstede_dimensions as usize;
    let dims: Vec<_> = HOFSTEDE[..k]
        .iter()
        .map(|n| country(raw, n))
        .collect::<Result<_, _>>()?;
    let var: Vec<Option<f64>> = dims
        .iter()
        .map(|d| {
            variance(
                &raw.countries
                    .iter()
                    .filter_map(|c| d.get(c).copied())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let china: Vec<_> = dims.iter().map(|d| d.get("CHN").copied()).collect();
    let ks: Vec<Option<f64>> = panel
        .ids()
        .iter()
        .map(|id| {
            let x: Vec<_> = dims.iter().map(|d| d.get(id).copied()).collect();
            kogut_singh(&x, &china, &var)
        })
        .collect();
    let mode = raw.config.choices.cultural_distance_time;
    let cd: Vec<Option<f64>> = ks
        .iter()
        .zip(&panel.years())
        .map(|(ks, y)| match mode {
            CdTime::Interacted => ks.map(|v| v / f64::from(y - raw.first_year + 1)),
            CdTime::Additive => ks.map(|v| v + 1.0 / f64::from(y - raw.first_year + 1)),
            CdTime::Constant => *ks,
        })
        .collect();
    panel.set(
        "cd_ks",
        ks,
        format!("Kogut-Singh over {k} Hofstede dimensions, distance to CHN"),
    );
    let how = match mode {
        CdTime::Interacted => format!("cd_ks / (year - {} + 1)", raw.first_year),
        CdTime::Additive => format!("cd_ks + 1/(year - {} + 1)", raw.first_year),
        CdTime::Constant => "cd_ks".to_string(),
    };
    panel.set("cd", cd, how);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kogut_singh_by_hand() {
        // Two dimensions: (3-1)^2/2 = 2 and (0-4)^2/8 = 2 => mean 2.
        let ks = kogut_singh(
            &[Some(3.0), Some(0.0)],
            &[Some(1.0), Some(4.0)],
            &[Some(2.0), Some(8.0)],
        );
        assert_eq!(ks, Some(2.0));
        assert_eq!(
            kogut_singh(
                &[None, Some(0.0)],
                &[Some(1.0), Some(4.0)],
                &[Some(2.0), Some(8.0)]
            ),
            None
        );
        assert_eq!(variance(&[1.0, 2.0, 3.0, 4.0]), Some(5.0 / 3.0));
    }

    #[test]
    fn panel_distances_by_hand() {
        let mut r = crate::study::testutil::raw(&["AAA", "BBB"], 2008, 2009);
        for n in WGI {
            let mut s = crate::study::raw::Series::new();
            for y in [2008, 2009] {
                s.insert(("AAA".into(), y), 1.0);
                s.insert(("BBB".into(), y), 3.0);
                s.insert(("CHN".into(), y), 0.0);
            }
            r.series.insert(n.into(), s);
        }
        for (i, n) in HOFSTEDE.iter().enumerate() {
            let v = [
                ("AAA".to_string(), 10.0),
                ("BBB".to_string(), 20.0),
                ("CHN".to_string(), 10.0 + i as f64),
            ];
            r.country.insert((*n).into(), v.into());
        }
        let mut p = Panel::balanced(crate::study::STUDY_KEYS, &r.countries, 2008, 2009);
        add(&mut p, &r).unwrap();
        // WGI: variance of {1,3} = 2; AAA: 1/2, BBB: 9/2 on every dimension.
        assert_eq!(
            p.column("sd").unwrap().options(),
            vec![Some(0.5), Some(0.5), Some(4.5), Some(4.5)]
        );
        // Hofstede (4 dims): variance of {10,20} = 50; AAA: mean of (0,1,4,9)/50 = 14/200.
        let ks = p.column("cd_ks").unwrap().options()[0].unwrap();
        assert!((ks - 14.0 / 200.0).abs() < 1e-15);
        // interacted (default): / 1 in 2008, / 2 in 2009.
        let cd = &p.column("cd").unwrap().options();
        assert!((cd[0].unwrap() - ks).abs() < 1e-15);
        assert!((cd[1].unwrap() - ks / 2.0).abs() < 1e-15);
    }
}
