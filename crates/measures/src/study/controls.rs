//! Controls, student flows and innovation capabilities.

use crate::study::RawInputs;
use crate::study::{at_rows, provenance, series};
use ingest::{IngestError, Panel};

/// Adds (levels only: their logs, `ln_pgdp`, `talex1`, `talex1_oecd`, `talex2`, `ln_patents`,
/// `ln_articles`, are declared in the workspace's `regspec.yaml`):
/// - `pgdp` = GDP per capita (current US$);
/// - `adv` = manufacturing value added, % of GDP (the declared proxy: UNSD SDG 9.2.1);
/// - `labor` = population 15-64, % of total; `urban` = urban population, %;
/// - `open` = 100 x FDI net inflows (US$) / GDP (US$), the World Bank's own definition of
///   BX.KLT.DINV.WD.GD.ZS, from the same vintage as GDP;
/// - `students_from_china` = Chinese students in j (UIS), `students_from_china_oecd` = the same
///   from OECD bilateral enrolment (40 hosts, 2013-2019), `students_outbound` = outbound mobile
///   students of j: the documented proxies for student flows;
/// - `patents` = resident + nonresident applications; `articles`; `rd_gdp` = R&D expenditure, %
///   of GDP.
pub fn add(panel: &mut Panel, raw: &RawInputs) -> Result<(), IngestError> {
    let col = |name: &str| -> Result<Vec<Option<f64>>, IngestError> {
        Ok(at_rows(panel, series(raw, name)?))
    };
    let pgdp = col("gdp_pc")?;
    let fdi = col("fdi_usd")?;
    let gdp = col("gdp_usd")?;
    let res = col("patents_resident")?;
    let nres = col("patents_nonresident")?;
    let articles = col("articles")?;
    let s1 = col("students_from_china")?;
    let s2 = col("students_outbound")?;
    let s1_oecd = col("students_from_china_oecd")?;
    let adv = col("manufacturing_share")?;
    let labor = col("labor_share")?;
    let urban = col("urban_share")?;
    let rd = col("rd_gdp")?;
    let open: Vec<_> = fdi
        .iter()
        .zip(&gdp)
        .map(|(f, g)| match (f, g) {
            (Some(f), Some(g)) if *g > 0.0 => Some(100.0 * f / g),
            _ => None,
        })
        .collect();
    let patents: Vec<_> = res
        .iter()
        .zip(&nres)
        .map(|(a, b)| Some((*a)? + (*b)?))
        .collect();
    panel.set("pgdp", pgdp, provenance(raw, "gdp_pc"));
    panel.set("adv", adv, provenance(raw, "manufacturing_share"));
    panel.set("labor", labor, provenance(raw, "labor_share"));
    panel.set("urban", urban, provenance(raw, "urban_share"));
    panel.set("open", open, "100 x fdi_usd / gdp_usd");
    for (name, v) in [
        ("students_from_china", s1),
        ("students_from_china_oecd", s1_oecd),
        ("students_outbound", s2),
    ] {
        panel.set(name, v, provenance(raw, name));
    }
    panel.set("patents", patents, "patents_resident + patents_nonresident");
    panel.set("articles", articles, provenance(raw, "articles"));
    panel.set("rd_gdp", rd, provenance(raw, "rd_gdp"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_by_hand() {
        let mut r = crate::study::testutil::raw(&["AAA"], 2010, 2010);
        let k = ("AAA".to_string(), 2010);
        for (n, v) in [
            ("gdp_pc", 1000.0),
            ("fdi_usd", 5.0),
            ("gdp_usd", 200.0),
            ("patents_resident", 30.0),
            ("patents_nonresident", 70.0),
            ("articles", 1.0),
            ("students_from_china", 0.0),
            ("students_outbound", 10.0),
            ("students_from_china_oecd", 100.0),
            ("manufacturing_share", 12.5),
            ("labor_share", 60.0),
            ("urban_share", 70.0),
            ("rd_gdp", 1.5),
        ] {
            r.series.insert(n.into(), [(k.clone(), v)].into());
        }
        let mut p = Panel::balanced(crate::study::STUDY_KEYS, &r.countries, 2010, 2010);
        add(&mut p, &r).unwrap();
        let v = |n: &str| p.column(n).unwrap().options()[0];
        assert_eq!(v("open"), Some(2.5));
        assert_eq!(v("patents"), Some(100.0));
        assert_eq!(v("pgdp"), Some(1000.0));
        assert_eq!(v("students_from_china"), Some(0.0));
        assert_eq!(v("students_from_china_oecd"), Some(100.0));
        assert_eq!(v("adv"), Some(12.5));
    }
}
