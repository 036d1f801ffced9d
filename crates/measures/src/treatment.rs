//! Treatment timing from the chosen BRI signing list, and the alternative definitions.

use crate::{at_rows, country, dummy, provenance, series};
use ingest::{IngestError, Panel, RawInputs};
use std::collections::BTreeMap;

/// Adds, for signing year s_j (none for never-signers):
/// - `sign_year` = s_j; `treat` = 1[j signed]; `post` = 1[t >= s_j]; `treat_post` = treat x post;
/// - `rel_time` = t - s_j (missing for never-signers);
/// - `treat_post_l1`, `treat_post_l2` = 1[t >= s_j + k] (the lag k of treat_post, known from s_j
///   even before the sample starts); `treat_post_f1` = 1[t >= s_j - 1] (one-year lead);
/// - the same four from the alternative list with suffix `_alt`;
/// - `route` = 1[j on the 64-country route list]; `post_shock` = 1[t >= shock year];
///   `treat_post_route` = route x post_shock (the common 2013 shock);
/// - `nonpart_post` = 1[j never signs] x post_shock: non-participants as false treated;
/// - `cee16` = 1[j joined China-CEEC cooperation by the sample's last year];
/// - `gni_pc`, `income` = 1[GNI pc (Atlas) >= threshold] in year t, and `income_pre` = the same
///   in the base year (time-invariant, for a DDD with country FE).
pub fn add(panel: &mut Panel, raw: &RawInputs) -> Result<(), IngestError> {
    let list = &raw.config.choices.signing_list;
    add_timing(
        panel,
        &raw.signing,
        "",
        &format!("signing list `{list}`: {}", provenance(raw, "sign_year")),
    );
    if let (Some(alt), Some(name)) = (
        &raw.alternative_signing,
        &raw.config.choices.alternative_signing_list,
    ) {
        add_timing(panel, alt, "_alt", &format!("signing list `{name}`"));
    }

    let shock = raw.config.choices.route_shock_year;
    let route = country(raw, "route64")?;
    let cee = country(raw, "cee_join_year")?;
    let last = raw.last_year as f64;
    let mut r = Vec::new();
    let mut ps = Vec::new();
    let mut trp = Vec::new();
    let mut c16 = Vec::new();
    let mut np = Vec::new();
    for (id, &y) in panel.ids().iter().zip(&panel.years()) {
        let on_route = route.get(id).copied().unwrap_or(0.0) == 1.0;
        r.push(Some(dummy(on_route)));
        ps.push(Some(dummy(y >= shock)));
        trp.push(Some(dummy(on_route && y >= shock)));
        c16.push(Some(dummy(cee.get(id).is_some_and(|j| *j <= last))));
        np.push(Some(dummy(!raw.signing.contains_key(id) && y >= shock)));
    }
    let src = provenance(raw, "route64");
    panel.set("route", r, format!("route64 == 1 in {src}"));
    panel.set("post_shock", ps, format!("year >= {shock}"));
    panel.set(
        "treat_post_route",
        trp,
        format!("route x 1[year >= {shock}]"),
    );
    panel.set(
        "nonpart_post",
        np,
        format!("1[never signs] x 1[year >= {shock}] (non-participants as false treated)"),
    );
    panel.set(
        "cee16",
        c16,
        format!(
            "ceec_join_year <= {} in {}",
            raw.last_year,
            provenance(raw, "cee_join_year")
        ),
    );

    let gni = series(raw, "gni_pc")?;
    let thr = raw.config.choices.income_threshold;
    let base = raw.config.choices.income_base_year;
    let gni_rows = at_rows(panel, gni);
    let income: Vec<_> = gni_rows
        .iter()
        .map(|g| g.map(|g| dummy(g >= thr)))
        .collect();
    let income_pre: Vec<_> = panel
        .ids()
        .iter()
        .map(|id| gni.get(&(id.clone(), base)).map(|g| dummy(*g >= thr)))
        .collect();
    panel.set("gni_pc", gni_rows, provenance(raw, "gni_pc"));
    panel.set("income", income, format!("1[gni_pc >= {thr}]"));
    panel.set(
        "income_pre",
        income_pre,
        format!("1[gni_pc in {base} >= {thr}]"),
    );
    Ok(())
}

pub(crate) fn add_timing(
    panel: &mut Panel,
    signing: &BTreeMap<String, i32>,
    suffix: &str,
    src: &str,
) {
    let n = panel.nrows();
    let mut cols: [Vec<Option<f64>>; 8] = Default::default();
    for c in cols.iter_mut() {
        c.reserve(n);
    }
    for (id, &y) in panel.ids().iter().zip(&panel.years()) {
        let s = signing.get(id).copied();
        let after = |k: i32| Some(dummy(s.is_some_and(|s| y >= s + k)));
        cols[0].push(s.map(f64::from));
        cols[1].push(Some(dummy(s.is_some())));
        cols[2].push(after(0));
        cols[3].push(after(0));
        cols[4].push(s.map(|s| f64::from(y - s)));
        cols[5].push(after(1));
        cols[6].push(after(2));
        cols[7].push(after(-1));
    }
    let names = [
        "sign_year",
        "treat",
        "post",
        "treat_post",
        "rel_time",
        "treat_post_l1",
        "treat_post_l2",
        "treat_post_f1",
    ];
    let formulas = [
        src.to_string(),
        "1[signed]".into(),
        "1[year >= sign_year]".into(),
        "treat x post".into(),
        "year - sign_year".into(),
        "1[year >= sign_year + 1] (lag 1 of treat_post)".into(),
        "1[year >= sign_year + 2] (lag 2 of treat_post)".into(),
        "1[year >= sign_year - 1] (lead 1 of treat_post)".into(),
    ];
    for ((name, col), f) in names.iter().zip(cols).zip(formulas) {
        if suffix.is_empty() || ["sign_year", "treat", "post", "treat_post"].contains(name) {
            panel.set(&format!("{name}{suffix}"), col, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::raw;

    fn col(p: &Panel, name: &str) -> Vec<Option<f64>> {
        p.column(name).unwrap().options()
    }

    #[test]
    fn timing_by_hand() {
        let mut r = raw(&["AAA", "BBB"], 2012, 2016);
        r.signing.insert("AAA".into(), 2014);
        r.country
            .insert("route64".into(), [("BBB".to_string(), 1.0)].into());
        r.country
            .insert("cee_join_year".into(), [("BBB".to_string(), 2012.0)].into());
        r.series.insert(
            "gni_pc".into(),
            [
                (("AAA".to_string(), 2012), 5000.0),
                (("AAA".to_string(), 2013), 3000.0),
            ]
            .into(),
        );
        let mut p = Panel::balanced(&r.countries, 2012, 2016);
        add(&mut p, &r).unwrap();
        let s = |v: &[f64]| v.iter().map(|x| Some(*x)).collect::<Vec<_>>();
        // AAA signs 2014: years 2012..2016.
        assert_eq!(col(&p, "treat_post")[..5], s(&[0., 0., 1., 1., 1.])[..]);
        assert_eq!(col(&p, "treat_post_l1")[..5], s(&[0., 0., 0., 1., 1.])[..]);
        assert_eq!(col(&p, "treat_post_l2")[..5], s(&[0., 0., 0., 0., 1.])[..]);
        assert_eq!(col(&p, "treat_post_f1")[..5], s(&[0., 1., 1., 1., 1.])[..]);
        assert_eq!(col(&p, "rel_time")[..5], s(&[-2., -1., 0., 1., 2.])[..]);
        // BBB never signs: treat 0, rel_time missing; on route from 2013.
        assert_eq!(col(&p, "treat")[5..], s(&[0.; 5])[..]);
        assert_eq!(col(&p, "rel_time")[5], None);
        assert_eq!(
            col(&p, "treat_post_route")[5..],
            s(&[0., 1., 1., 1., 1.])[..]
        );
        assert_eq!(col(&p, "cee16")[5], Some(1.0));
        assert_eq!(col(&p, "cee16")[0], Some(0.0));
        // Income: 5000 >= 3896 in 2012, 3000 < 3896 in 2013, missing after.
        assert_eq!(col(&p, "income")[..3], [Some(1.0), Some(0.0), None]);
        assert_eq!(col(&p, "income_pre")[4], Some(1.0));
        assert_eq!(col(&p, "income_pre")[5], None);
    }
}
