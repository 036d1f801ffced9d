//! Cooperation outcomes: HOMIC and HOSIC.

use crate::study::raw::config::OutcomeKind;
use crate::study::RawInputs;
use crate::study::{at_rows, dummy, provenance, series};
use ingest::{IngestError, Panel};
use std::collections::BTreeMap;

/// Adds, with C_jt cooperation with China, T^CN_t China's total and T_jt the partner's total:
/// - `coop` = C_jt. Co-authorship: a pair-year absent from the OpenAlex file is a zero (the
///   source lists only positive counts). Co-patents: absent means missing;
/// - `homic` = 100 x C_jt / T^CN_t (share of China's output made with j);
/// - `hosic` = 100 x C_jt / T_jt (share of j's output made with China);
/// - `zero_coop` = 1[C_jt == 0 in every sample year] (for the "drop zero-cooperation" check).
///
/// T^CN_t is the value of `coop_china_total` at (CHN, t), or at (j, t) in a co-patent file that
/// repeats China's total on every row.
pub fn add(panel: &mut Panel, raw: &RawInputs) -> Result<(), IngestError> {
    let kind = raw.config.outcome_kind;
    let coop_s = series(raw, "coop")?;
    let partner = at_rows(panel, series(raw, "coop_partner_total")?);
    let china_s = series(raw, "coop_china_total")?;
    let coop: Vec<Option<f64>> = at_rows(panel, coop_s)
        .into_iter()
        .map(|v| match (v, kind) {
            (None, OutcomeKind::Coauthorship) => Some(0.0),
            (v, _) => v,
        })
        .collect();
    let china: Vec<Option<f64>> = panel
        .ids()
        .iter()
        .zip(&panel.years())
        .map(|(id, y)| {
            china_s
                .get(&("CHN".to_string(), *y))
                .or_else(|| china_s.get(&(id.clone(), *y)))
                .copied()
        })
        .collect();
    let share = |num: &[Option<f64>], den: &[Option<f64>]| -> Vec<Option<f64>> {
        num.iter()
            .zip(den)
            .map(|(n, d)| match (n, d) {
                (Some(n), Some(d)) if *d > 0.0 => Some(100.0 * n / d),
                _ => None,
            })
            .collect()
    };
    let homic = share(&coop, &china);
    let hosic = share(&coop, &partner);
    let ids = panel.ids();
    let mut all_zero: BTreeMap<&str, bool> = BTreeMap::new();
    for (id, c) in ids.iter().zip(&coop) {
        let e = all_zero.entry(id.as_str()).or_insert(true);
        *e &= *c == Some(0.0);
    }
    let zero: Vec<_> = ids
        .iter()
        .map(|id| Some(dummy(all_zero[id.as_str()])))
        .collect();
    let what = match kind {
        OutcomeKind::Coauthorship => "co-authored works (OpenAlex), proxy for co-patents",
        OutcomeKind::Copatents => "co-invented patents",
    };
    let zero_note = if kind == OutcomeKind::Coauthorship {
        "; absent pair-year = 0"
    } else {
        ""
    };
    panel.set(
        "coop",
        coop,
        format!("{}{zero_note}", provenance(raw, "coop")),
    );
    panel.set(
        "coop_china_total",
        china,
        provenance(raw, "coop_china_total"),
    );
    panel.set(
        "coop_partner_total",
        partner,
        provenance(raw, "coop_partner_total"),
    );
    panel.set("homic", homic, "100 x coop / coop_china_total");
    panel.set("hosic", hosic, "100 x coop / coop_partner_total");
    panel.set("zero_coop", zero, "1[coop == 0 in every sample year]");
    panel.meta.insert("outcome_source".into(), what.into());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::study::testutil::raw;

    #[test]
    fn shares_by_hand() {
        let mut r = raw(&["AAA", "BBB"], 2015, 2016);
        let k = |c: &str, y| (c.to_string(), y);
        r.series.insert(
            "coop".into(),
            [(k("AAA", 2015), 50.0), (k("AAA", 2016), 80.0)].into(),
        );
        r.series.insert(
            "coop_partner_total".into(),
            [
                (k("AAA", 2015), 1000.0),
                (k("AAA", 2016), 400.0),
                (k("BBB", 2015), 10.0),
            ]
            .into(),
        );
        r.series.insert(
            "coop_china_total".into(),
            [(k("CHN", 2015), 2000.0), (k("CHN", 2016), 1600.0)].into(),
        );
        let mut p = Panel::balanced(crate::study::STUDY_KEYS, &r.countries, 2015, 2016);
        add(&mut p, &r).unwrap();
        let homic = &p.column("homic").unwrap().options();
        let hosic = &p.column("hosic").unwrap().options();
        // 100*50/2000 = 2.5; 100*80/1600 = 5; BBB absent => 0 works => 0 share.
        assert_eq!(homic, &vec![Some(2.5), Some(5.0), Some(0.0), Some(0.0)]);
        // 100*50/1000 = 5; 100*80/400 = 20; BBB 2016 partner total missing => missing.
        assert_eq!(hosic, &vec![Some(5.0), Some(20.0), Some(0.0), None]);
        assert_eq!(
            p.column("zero_coop").unwrap().options(),
            vec![Some(0.0), Some(0.0), Some(1.0), Some(1.0)]
        );
    }
}
