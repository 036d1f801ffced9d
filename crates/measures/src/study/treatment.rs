//! Treatment timing from the chosen BRI signing list, and the alternative definitions.

use crate::study::RawInputs;
use crate::study::{at_rows, country, dummy, provenance, series};
use ingest::{IngestError, Panel};
use std::collections::BTreeMap;

/// Adds what needs the raw files (the dummies built from these, `treat`, `post`,
/// `treat_post`, `rel_time`, its lags and leads, the `_alt` versions, `post_shock`,
/// `treat_post_route`, `nonpart_post`, `income` and `income_pre`, are declared in the workspace's
/// `regspec.yaml`):
/// - `sign_year` = s_j from the chosen signing list (missing for never-signers), and
///   `sign_year_alt` from the alternative list;
/// - `route` = 1[j on the 64-country route list];
/// - `cee16` = 1[j joined China-CEEC cooperation by the sample's last year];
/// - `gni_pc` = GNI per capita (Atlas).
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
    let route = country(raw, "route64")?;
    let cee = country(raw, "cee_join_year")?;
    let last = raw.last_year as f64;
    let ids = panel.ids();
    let r = ids
        .iter()
        .map(|id| Some(dummy(route.get(id).copied().unwrap_or(0.0) == 1.0)))
        .collect();
    let c16 = ids
        .iter()
        .map(|id| Some(dummy(cee.get(id).is_some_and(|j| *j <= last))))
        .collect();
    panel.set(
        "route",
        r,
        format!("route64 == 1 in {}", provenance(raw, "route64")),
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
    panel.set("gni_pc", at_rows(panel, gni), provenance(raw, "gni_pc"));
    Ok(())
}

/// Adds `sign_year{suffix}`: each row's unit's signing year (missing if it never signs).
pub(crate) fn add_timing(
    panel: &mut Panel,
    signing: &BTreeMap<String, i32>,
    suffix: &str,
    src: &str,
) {
    let col = panel
        .ids()
        .iter()
        .map(|id| signing.get(id).map(|&s| f64::from(s)))
        .collect();
    panel.set(&format!("sign_year{suffix}"), col, src);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::testutil::raw;

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
            [(("AAA".to_string(), 2012), 5000.0)].into(),
        );
        let mut p = Panel::balanced(crate::study::STUDY_KEYS, &r.countries, 2012, 2016);
        add(&mut p, &r).unwrap();
        assert_eq!(col(&p, "sign_year")[..5], [Some(2014.0); 5]);
        assert_eq!(col(&p, "sign_year")[5], None, "BBB never signs");
        assert_eq!(col(&p, "route")[5], Some(1.0));
        assert_eq!(col(&p, "route")[0], Some(0.0));
        assert_eq!(col(&p, "cee16")[5], Some(1.0));
        assert_eq!(col(&p, "cee16")[0], Some(0.0));
        assert_eq!(col(&p, "gni_pc")[..2], [Some(5000.0), None]);
    }
}
