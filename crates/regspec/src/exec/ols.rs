//! OLS with the restricted wild cluster bootstrap (`options: {wild_bootstrap: ...}`).

use super::*;

/// Wild cluster bootstrap settings of an OLS model:
/// `options: {wild_bootstrap: {draws: 9999, weights: rademacher | webb, seed: 1}}`.
pub struct BootOptions {
    pub draws: usize,
    pub weights: estimators::BootWeights,
    pub seed: u64,
}

pub fn bootstrap_options(m: &PlannedModel) -> Result<Option<BootOptions>, String> {
    known_options(m, &["wild_bootstrap"])?;
    let Some(v) = m.options.get("wild_bootstrap") else {
        return Ok(None);
    };
    let o = v
        .as_object()
        .ok_or("option `wild_bootstrap` must be a map: {draws, weights, seed}")?;
    for k in o.keys() {
        if !["draws", "weights", "seed"].contains(&k.as_str()) {
            return Err(format!(
                "unknown wild_bootstrap option `{k}` (known: draws, weights, seed)"
            ));
        }
    }
    let weights = match o
        .get("weights")
        .and_then(|w| w.as_str())
        .unwrap_or("rademacher")
    {
        "rademacher" => estimators::BootWeights::Rademacher,
        "webb" => estimators::BootWeights::Webb,
        other => {
            return Err(format!(
                "wild_bootstrap `weights` must be rademacher or webb, found `{other}`"
            ))
        }
    };
    let draws = o
        .get("draws")
        .map_or(Some(9999), |d| d.as_u64())
        .ok_or("wild_bootstrap `draws` must be an integer")? as usize;
    if draws == 0 {
        return Err("wild_bootstrap `draws` must be at least 1".into());
    }
    crate::limits::draws("wild_bootstrap `draws`", draws as u64)?;
    if m.treatment.is_none() || m.cluster.is_empty() {
        return Err("wild_bootstrap tests the `treatment` coefficient and needs `cluster`".into());
    }
    Ok(Some(BootOptions {
        draws,
        weights,
        seed: o.get("seed").and_then(|s| s.as_u64()).unwrap_or(1),
    }))
}

/// OLS and a restricted wild cluster bootstrap of the treatment coefficient (first cluster
/// variable), on the fit's own demeaned and weighted columns.
pub(crate) fn ols_with_bootstrap(
    view: &PanelView,
    m: &PlannedModel,
    bo: &BootOptions,
) -> Result<(OlsResult, Extras), String> {
    let frame = ModelFrame::build(view, m, vec![])?;
    let data = frame.data(&m.outcome);
    let opts = options(m);
    let p = estimators::ols::Prepared::new(&data, &opts).map_err(|e| e.to_string())?;
    let mut cols: Vec<&[f64]> = vec![data.y];
    cols.extend(data.x.iter().map(|(_, c)| *c));
    let mut t = p.transform(&cols);
    let yt = t.remove(0);
    let mut xt: Vec<(String, estimators::ols::Transformed)> =
        data.x.iter().map(|(n, _)| n.clone()).zip(t).collect();
    let r = p
        .estimate(&m.outcome, data.y, yt.clone(), xt.clone())
        .map_err(|e| e.to_string())?;
    if m.fe.is_empty() {
        let ones = vec![1.0; data.y.len()];
        xt.push((
            estimators::ols::INTERCEPT.to_string(),
            p.transform(&[&ones]).remove(0),
        ));
    }
    let kept: Vec<&[f64]> = r
        .coefficients
        .iter()
        .filter_map(|c| {
            xt.iter()
                .find(|(n, _)| n == &c.name)
                .map(|(_, t)| t.values.as_slice())
        })
        .collect();
    let treatment = m.treatment.clone().unwrap_or_default();
    let j = r
        .coefficients
        .iter()
        .position(|c| c.name == treatment)
        .ok_or(format!("`{treatment}` was dropped from the model"))?;
    let (cluster, groups) = p
        .cluster(0)
        .ok_or("wild_bootstrap needs a clustered vcov")?;
    let bi = estimators::BootInput {
        x: &kept,
        y: &yt.values,
        cluster,
        groups,
        j,
    };
    let wb =
        estimators::wild_cluster_bootstrap(&bi, &treatment, bo.weights, bo.draws, bo.seed, 0.95)
            .map_err(|e| e.to_string())?;
    Ok((
        r,
        Extras {
            bootstrap: Some(wb),
            ..Extras::default()
        },
    ))
}
