//! Degenerate designs give a clear error, never a panic or NaN estimates.

use estimators::{fit, EstimationError, OlsData, OlsOptions, VcovKind, MISSING};

fn data<'a>(y: &'a [f64], x: &'a [f64], fe: &'a [u32], cl: &'a [u32]) -> OlsData<'a> {
    OlsData {
        coords: None,
        y_name: "y".into(),
        y,
        x: vec![("x".into(), x)],
        fe: vec![("g".into(), fe)],
        weights: None,
        clusters: vec![("c".into(), cl)],
    }
}

#[test]
fn zero_rows_after_filtering() {
    let y = [f64::NAN, 1.0];
    let x = [1.0, f64::NAN];
    let e = fit(&data(&y, &x, &[0, 0], &[0, 1]), &OlsOptions::default()).unwrap_err();
    assert_eq!(e, EstimationError::NoObservations);
    let e = fit(
        &data(&[1.0, 2.0], &[1.0, 2.0], &[MISSING, MISSING], &[0, 1]),
        &OlsOptions::default(),
    );
    assert_eq!(e.unwrap_err(), EstimationError::NoObservations);
}

#[test]
fn constant_outcome() {
    let e = fit(
        &data(
            &[2.0; 4],
            &[1.0, 2.0, 3.0, 5.0],
            &[0, 0, 1, 1],
            &[0, 1, 0, 1],
        ),
        &OlsOptions::default(),
    );
    assert!(matches!(
        e.unwrap_err(),
        EstimationError::ConstantOutcome(_)
    ));
    // Varies only between groups: constant once the FE is absorbed.
    let e = fit(
        &data(
            &[1.0, 1.0, 3.0, 3.0],
            &[1.0, 2.0, 3.0, 5.0],
            &[0, 0, 1, 1],
            &[0, 1, 0, 1],
        ),
        &OlsOptions::default(),
    );
    assert!(matches!(
        e.unwrap_err(),
        EstimationError::ConstantOutcome(_)
    ));
}

#[test]
fn all_regressors_absorbed() {
    let e = fit(
        &data(
            &[1.0, 2.0, 3.0, 5.0],
            &[1.0, 1.0, 4.0, 4.0],
            &[0, 0, 1, 1],
            &[0, 1, 0, 1],
        ),
        &OlsOptions::default(),
    );
    match e.unwrap_err() {
        EstimationError::AllRegressorsDropped(m) => {
            assert!(m.contains("x (absorbed by fixed effects)"), "{m}")
        }
        other => panic!("{other}"),
    }
}

#[test]
fn one_cluster() {
    let opts = OlsOptions {
        vcov: VcovKind::Cluster,
        ..OlsOptions::default()
    };
    let e = fit(
        &data(
            &[1.0, 2.0, 3.0, 5.0, 4.0, 1.0],
            &[1.0, 3.0, 2.0, 4.0, 0.0, 1.0],
            &[0, 0, 0, 1, 1, 1],
            &[0; 6],
        ),
        &opts,
    );
    assert_eq!(e.unwrap_err(), EstimationError::OneCluster("c".into()));
}

#[test]
fn more_parameters_than_observations() {
    let y = [1.0, 2.0, 4.0];
    let x1 = [1.0, 0.0, 2.0];
    let x2 = [0.0, 1.0, 5.0];
    let d = OlsData {
        coords: None,
        y_name: "y".into(),
        y: &y,
        x: vec![("x1".into(), &x1), ("x2".into(), &x2)],
        fe: vec![],
        weights: None,
        clusters: vec![],
    };
    let e = fit(&d, &OlsOptions::default()).unwrap_err();
    assert!(
        matches!(e, EstimationError::TooFewObservations { .. }),
        "{e}"
    );
}

#[test]
fn estimates_are_finite_on_a_regular_design() {
    let y: Vec<f64> = (0..40)
        .map(|i| (i as f64 * 0.7).sin() + (i % 4) as f64)
        .collect();
    let x: Vec<f64> = (0..40).map(|i| (i as f64 * 1.3).cos()).collect();
    let fe: Vec<u32> = (0..40).map(|i| i % 4).collect();
    let cl: Vec<u32> = (0..40).map(|i| i % 8).collect();
    let opts = OlsOptions {
        vcov: VcovKind::Cluster,
        ..OlsOptions::default()
    };
    let r = fit(&data(&y, &x, &fe, &cl), &opts).unwrap();
    assert!(r
        .coefficients
        .iter()
        .all(|c| c.estimate.is_finite() && c.std_error.is_finite()));
    assert_eq!(r.n_clusters, vec![8]);
}
