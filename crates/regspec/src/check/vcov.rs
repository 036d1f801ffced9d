//! What a vcov reads beyond the model's own columns: the dataset's keys for panel HAC (its
//! periods, and units for Newey-West), and for Conley errors the periods, units and each row's
//! coordinates, found by name when the spec names none and checked to be degrees.

use crate::frame::PanelView;
use crate::plan::PlannedModel;

/// Sets the code columns (and Conley's coordinates) the model's vcov runs over, or says which
/// declaration the data lack.
pub(super) fn complete(
    m: &mut PlannedModel,
    view: &PanelView,
) -> Result<(), (&'static str, String)> {
    let panel = view.panel();
    let shape = panel.shape().describe();
    // Panel HAC runs over the dataset's periods (and, for Newey-West, within its units).
    match m.vcov {
        estimators::VcovKind::DriscollKraay { .. } => match &panel.time {
            Some(t) => m.cluster = vec![t.clone()],
            None => return Err(("vcov", format!("Driscoll-Kraay errors are correlated across units within a period and need a time key: declare `time` under `data:` in regspec.yaml; this dataset is {shape}"))),
        },
        estimators::VcovKind::NeweyWest { .. } => match panel.panel_keys() {
            Some((u, t)) => m.cluster = vec![u.to_string(), t.to_string()],
            None => return Err(("vcov", format!("Newey-West errors follow each unit over time and need a panel: declare `unit` and `time` under `data:` in regspec.yaml; this dataset is {shape}"))),
        },
        // Spatial correlation within each period when the data have periods; a serial lag
        // follows units over time.
        estimators::VcovKind::Conley { lag, .. } => {
            m.cluster = match (panel.panel_keys(), &panel.time) {
                (Some((u, t)), _) => vec![u.to_string(), t.to_string()],
                (None, Some(t)) if lag == 0 => vec![t.clone()],
                (None, _) if lag == 0 => Vec::new(),
                (None, _) => return Err(("vcov", format!("a Conley `lag` follows each unit over time and needs a panel: declare `unit` and `time` under `data:` in regspec.yaml, or remove `lag`; this dataset is {shape}"))),
            };
            if m.coordinates.is_empty() {
                let find = |names: &[&str]| {
                    names
                        .iter()
                        .find(|n| view.has(n))
                        .map(|n| n.to_string())
                };
                match (find(&["lat", "latitude"]), find(&["lon", "lng", "longitude"])) {
                    (Some(lat), Some(lon)) => m.coordinates = vec![lat, lon],
                    _ => return Err(("vcov", "Conley errors need each row's coordinates: the data have no columns named lat/latitude and lon/lng/longitude; name them, as in `conley(500, lat = <column>, lon = <column>)`".into())),
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Coordinates outside the degrees of a map (a projected coordinate in metres is not a
/// latitude), each with the first row that shows it.
pub(super) fn coordinate_problems(m: &PlannedModel, view: &PanelView) -> Vec<String> {
    let mut out = Vec::new();
    for (c, range) in m.coordinates.iter().zip([90.0, 360.0]) {
        if view.check_term(c, true).is_ok() {
            // Degrees, as a reader of a map writes them: a projected coordinate in metres is
            // not a latitude.
            let rows = view.select(None);
            let values = view.numeric(c, &rows);
            let low = if range == 90.0 { -90.0 } else { -180.0 };
            if let Some(i) = values
                .iter()
                .position(|v| v.is_finite() && !(low..=range).contains(v))
            {
                out.push(
                    format!(
                        "coordinate `{c}` is {} for {}: Conley errors take latitude in [-90, 90] and longitude in [-180, 360] degrees",
                        values[i],
                        view.describe_row(rows[i])
                    ),
                );
            }
        }
    }
    out
}
