//! Country-code harmonisation to ISO 3166-1 alpha-3.
//!
//! Raw sources disagree on codes: WGI writes Romania as `ROM`, the World Bank uses `XKX` for
//! Kosovo and carries aggregates (`WLD`, `EUU`), Gapminder and UIS use lower case. Every reader
//! passes codes through [`harmonise`] so the panel speaks one code list.

/// ISO 3166-1 alpha-3 codes (249 officially assigned) plus `XKX` (Kosovo, user-assigned, used by
/// the World Bank and the IMF). Written out by hand from the ISO list; sorted for binary search.
const ISO3: &[&str] = &[
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA",
    "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
    "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD",
    "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN",
    "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ",
    "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
    "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS",
    "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL",
    "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
    "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR",
    "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL",
    "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY",
    "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "XKX", "YEM",
    "ZAF", "ZMB", "ZWE",
];

/// Legacy or source-specific codes that stand for an ISO3 country (WGI and older World Bank files).
const ALIASES: &[(&str, &str)] = &[
    ("ROM", "ROU"),
    ("ZAR", "COD"),
    ("ADO", "AND"),
    ("KSV", "XKX"),
    ("WBG", "PSE"),
    ("TMP", "TLS"),
];

/// Whether `code` is a known ISO 3166-1 alpha-3 country code.
pub fn is_iso3(code: &str) -> bool {
    ISO3.binary_search(&code).is_ok()
}

/// Map a source's code to ISO3. `None` for codes that are no country (regional aggregates).
pub fn harmonise(code: &str) -> Option<String> {
    let up = code.trim().to_ascii_uppercase();
    if let Some((_, iso)) = ALIASES.iter().find(|(a, _)| *a == up) {
        return Some((*iso).to_string());
    }
    is_iso3(&up).then_some(up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_complete() {
        assert!(ISO3.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ISO3.len(), 250);
    }

    #[test]
    fn aliases_and_case() {
        assert_eq!(harmonise("ROM").as_deref(), Some("ROU"));
        assert_eq!(harmonise("usa").as_deref(), Some("USA"));
        assert_eq!(harmonise("WLD"), None);
        assert_eq!(harmonise("EUU"), None);
    }
}
