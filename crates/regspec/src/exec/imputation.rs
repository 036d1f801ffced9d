//! The Borusyak-Jaravel-Spiess imputation estimator with Gardner's standard errors and BJS's pre-trend test.

use super::*;

/// Borusyak-Jaravel-Spiess imputation (`estimator: imputation`): unit and period effects
/// estimated on untreated observations, clustered by the model's cluster (default: the unit).
/// Event-time effects in the table.
pub(crate) struct Imputation;

impl Estimator for Imputation {
    fn name(&self) -> &'static str {
        "imputation"
    }

    fn display_name(&self) -> Option<&'static str> {
        Some("imputation (BJS)")
    }

    fn keys(&self) -> Keys {
        Keys::UnitTime
    }

    fn needs(&self) -> Needs {
        Needs::Cohorts
    }

    /// Standard errors from the influence function: by unit, or clustered by `cluster:`.
    fn honours_vcov(&self, vcov: estimators::VcovKind) -> bool {
        vcov == estimators::VcovKind::Cluster
    }

    fn check(&self, m: &PlannedModel) -> Result<Vec<String>, String> {
        imputation_options(m).map(|o| vec![o.adopt, o.unit, o.time])
    }

    /// Unit and period effects come from the untreated observations by the imputation's own
    /// solver.
    fn honours_demean(&self) -> bool {
        false
    }

    fn estimate(&self, view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
        imputation(view, m)
    }
}

/// Imputation options: `{adopt: sign_year, unit: iso3, time: year, pretrend_leads: 0}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImputationOptions {
    /// Column of the first treated period.
    pub adopt: String,
    /// The unit key.
    pub unit: String,
    /// The time key.
    pub time: String,
    /// Leads in BJS's pre-trend test (0: no test).
    #[serde(default)]
    pub pretrend_leads: u32,
    /// HonestDiD sensitivity, on the imputation event study with leads (Gardner's `did2s`).
    #[serde(default)]
    pub honest: Option<sensitivity::HonestOptions>,
}

/// Parses and validates the options of an imputation model.
pub fn imputation_options(m: &PlannedModel) -> Result<ImputationOptions, String> {
    let o: ImputationOptions = typed_options(m)?;
    if let Some(h) = &o.honest {
        sensitivity::check(h)?;
    }
    if !m.regressors.is_empty() {
        return Err(
            "imputation here has no covariates: no treatment, regressors or controls".into(),
        );
    }
    // The imputation model's fixed effects are the unit and the period; say so or say nothing.
    if !m.fe.is_empty() && !fe_are_unit_and_time(m, &o.unit, &o.time) {
        return Err(format!(
            "imputation absorbs unit and period effects (`{}`, `{}`) only: `fe: {:?}` is not supported",
            o.unit, o.time, m.fe
        ));
    }
    if m.weights.is_some() {
        return Err("imputation does not support `weights`".into());
    }
    if m.cluster.len() > 1 {
        return Err("imputation clusters by one variable (Gardner's SEs): two-way `cluster` is not supported".into());
    }
    crate::limits::window("option `pretrend_leads`", i64::from(o.pretrend_leads))?;
    Ok(o)
}

fn imputation(view: &PanelView, m: &PlannedModel) -> Result<(OlsResult, Extras), String> {
    let ImputationOptions {
        adopt,
        unit,
        time,
        pretrend_leads,
        honest,
    } = imputation_options(m)?;
    let all = sample_rows(view, m)?;
    let rows: Vec<usize> = all
        .into_iter()
        .filter(|&r| view.get(&m.outcome, r).is_some())
        .collect();
    let units = view.codes(&unit, &rows);
    let periods = view.codes(&time, &rows);
    let cl_name = m.cluster.first().cloned().unwrap_or_else(|| unit.clone());
    let cluster = view.codes(&cl_name, &rows);
    let times = view.numeric(&time, &rows);
    let rel: Vec<Option<i64>> = rows
        .iter()
        .zip(&times)
        .map(|(&r, &t)| {
            view.get(&adopt, r)
                .filter(|a| t >= *a)
                .map(|a| (t - a).round() as i64)
        })
        .collect();
    let y = view.numeric(&m.outcome, &rows);
    let imp =
        estimators::imputation(&units, &periods, &rel, &y, &cluster).map_err(|e| e.to_string())?;
    // Fit statistics of the table: the TWFE regression on the same rows.
    let d: Vec<f64> = rel
        .iter()
        .map(|r| f64::from(u8::from(r.is_some())))
        .collect();
    let base = twfe_base(
        &m.outcome,
        &y,
        &d,
        [(&unit, &units), (&time, &periods)],
        Some((&cl_name, &cluster)),
    )?;
    let r = imp.as_result(&base, "rel_time", 0.95);
    let points = event_points(&r.coefficients);
    let window = window_of(&points);
    // BJS's test of parallel trends: on untreated observations only, unit and period FE plus
    // dummies for the last `pretrend_leads` periods before adoption; joint F test of the leads.
    let leads = i64::from(pretrend_leads);
    let pretrend = if leads > 0 {
        let lead_cols: Vec<(String, Vec<f64>)> = (1..=leads)
            .map(|k| {
                let col = rows
                    .iter()
                    .zip(&times)
                    .map(|(&r, &t)| {
                        let untreated_lead = view
                            .get(&adopt, r)
                            .is_some_and(|a| (a - t).round() as i64 == k);
                        f64::from(u8::from(untreated_lead))
                    })
                    .collect();
                (format!("lead::{k}"), col)
            })
            .collect();
        let y_untreated: Vec<f64> = y
            .iter()
            .zip(&rel)
            .map(|(v, r)| if r.is_none() { *v } else { f64::NAN })
            .collect();
        let pdata = estimators::OlsData {
            coords: None,
            y_name: m.outcome.clone(),
            y: &y_untreated,
            x: lead_cols
                .iter()
                .map(|(n, c)| (n.clone(), c.as_slice()))
                .collect(),
            fe: vec![(unit.clone(), &units), (time.clone(), &periods)],
            weights: None,
            clusters: vec![(cl_name.clone(), &cluster)],
        };
        let pr = estimators::fit(&pdata, &clustered())
            .map_err(|e| format!("pre-trend regression: {e}"))?;
        let names: Vec<String> = lead_cols.iter().map(|(n, _)| n.clone()).collect();
        estimators::wald_subset(&pr, &names)
    } else {
        None
    };
    let es = EventStudy {
        reference: window.0 - 1,
        window,
        points,
        pretrend,
    };
    let mut extras = Extras {
        overall: overall(imp.overall.estimate, imp.overall.std_error),
        stats: [overall_row(imp.overall.estimate, imp.overall.std_error)]
            .into_iter()
            .chain(pretrend_row(es.pretrend.as_ref()))
            .collect(),
        notes: vec!["Imputation (Borusyak, Jaravel and Spiess): untreated outcomes imputed from unit and period effects fitted on untreated observations; no period is omitted".into()],
        event_study: Some(es),
        ..Extras::default()
    }
    .detail("imputation", &imp)?;
    if let Some(h) = &honest {
        // HonestDiD needs pre-period effects in the same vcov as the post-period ones: the
        // imputation event study with leads (not-yet-treated observations k <= -2 periods before
        // adoption), whose post-period effects and their vcov are the table's.
        let lead: Vec<Option<i64>> = rows
            .iter()
            .zip(&times)
            .map(|(&r, &t)| {
                view.get(&adopt, r)
                    .filter(|a| t < *a)
                    .map(|a| (t - a).round() as i64)
            })
            .collect();
        let joint = estimators::imputation::imputation_with_leads(
            &units, &periods, &rel, &lead, &y, &cluster,
        )
        .map_err(|e| format!("HonestDiD: {e}"))?
        .as_result(&base, "rel_time", 0.95);
        let points = event_points(&joint.coefficients);
        let with_leads = Extras {
            event_study: Some(EventStudy {
                reference: -1,
                window: window_of(&points),
                points,
                pretrend: None,
            }),
            ..Extras::default()
        };
        let done = with_honest(with_leads, &joint, "rel_time", Some(h))?;
        extras.stats.extend(done.stats);
        extras.notes.extend(done.notes);
        extras.notes.push("HonestDiD uses the imputation event study with leads (Gardner's two-stage did2s with i(rel, ref = -1)): its post-period effects are the table's, its lead effects the mean first-stage residual k periods before adoption".into());
        extras.honest = done.honest;
    }
    Ok((r, extras))
}
