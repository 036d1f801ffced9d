//! Tests of the FE absorption: orthogonality, reproducibility, and the two solvers.

use super::*;

/// Residuals must be orthogonal to every FE dummy: group sums of w * r are zero.
fn assert_orthogonal(fe: &FeStructure, r: &[f64]) {
    for k in 0..fe.n_fe() {
        for v in fe.group_sums(k, &[r]) {
            assert!(v.abs() < 1e-9, "group sum {v}");
        }
    }
}

#[test]
fn one_fe_is_group_demeaning() {
    let fe = FeStructure::new(vec![vec![0, 0, 1, 1, 1]], vec![2], None);
    let (r, st) = fe.demean(&[1.0, 3.0, 2.0, 4.0, 6.0], 1e-12, 100, DemeanMethod::Map);
    assert_eq!(r, vec![-1.0, 1.0, -2.0, 0.0, 2.0]);
    assert!(st.converged);
}

#[test]
fn two_and_three_fe_unbalanced_weighted() {
    let n = 200;
    let c1: Vec<u32> = (0..n).map(|i| (i * 7 % 13) as u32).collect();
    let c2: Vec<u32> = (0..n).map(|i| (i * 3 % 11) as u32).collect();
    let c3: Vec<u32> = (0..n).map(|i| ((i * i) % 5) as u32).collect();
    let v: Vec<f64> = (0..n)
        .map(|i| ((i as f64) * 0.37).sin() * 10.0 + i as f64 * 0.01)
        .collect();
    let v2: Vec<f64> = (0..n).map(|i| ((i as f64) * 1.1).cos()).collect();
    let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 4) as f64).collect();
    let fe2 = FeStructure::new(vec![c1.clone(), c2.clone()], vec![13, 11], None);
    let (r, st) = fe2.demean(&v, 1e-13, 10_000, DemeanMethod::Map);
    assert!(st.converged);
    assert_orthogonal(&fe2, &r);
    let fe3 = FeStructure::new(vec![c1, c2, c3], vec![13, 11, 5], Some(w));
    let (rs, st) = fe3.demean_many(&[&v, &v2], 1e-13, 10_000, DemeanMethod::Map);
    assert!(st.iter().all(|s| s.converged));
    for r in &rs {
        assert_orthogonal(&fe3, r);
    }
    // Demeaning together gives, bit for bit, what demeaning alone gives.
    let (alone, st2) = fe3.demean(&v2, 1e-13, 10_000, DemeanMethod::Map);
    assert!(alone
        .iter()
        .zip(&rs[1])
        .all(|(a, b)| a.to_bits() == b.to_bits()));
    assert_eq!(st2, st[1]);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    // Large enough for the scatter form of the update (97 levels against 1013).
    let n = 70_000;
    let c1: Vec<u32> = (0..n).map(|i| (i * 7 % 1013) as u32).collect();
    let c2: Vec<u32> = (0..n).map(|i| (i * 31 % 97) as u32).collect();
    let v: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.37).sin()).collect();
    let fe = FeStructure::new(vec![c1, c2], vec![1013, 97], None);
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| fe.demean(&v, 1e-12, 1000, DemeanMethod::Map).0)
    };
    assert!(fe.scatter_source(1).is_some());
    let (a, b) = (run(1), run(3));
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    assert_orthogonal(&fe, &a);
}

/// A slowly mixing worker-firm graph: workers in a chain of firms, each worker moving only
/// to the next firm, rarely. Returns (worker, firm) codes and their level counts.
fn chain(workers: usize, firms: usize, years: usize) -> (Vec<Vec<u32>>, Vec<usize>) {
    let (mut w, mut f) = (Vec::new(), Vec::new());
    for i in 0..workers {
        let mut firm = (i * firms / workers) as u32;
        for t in 0..years {
            if t > 0 && (i * 31 + t * 17) % 97 == 0 {
                firm = (firm + 1) % firms as u32;
            }
            w.push(i as u32);
            f.push(firm);
        }
    }
    (vec![w, f], vec![workers, firms])
}

#[test]
fn krylov_agrees_with_the_projections() {
    let n = 3_000;
    let c1: Vec<u32> = (0..n).map(|i| (i * 7 % 101) as u32).collect();
    let c2: Vec<u32> = (0..n).map(|i| (i * 3 % 37) as u32).collect();
    let c3: Vec<u32> = (0..n).map(|i| ((i * i) % 5) as u32).collect();
    let v: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.37).sin() * 10.0).collect();
    let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 4) as f64).collect();
    for weights in [None, Some(w)] {
        let fe = FeStructure::new(
            vec![c1.clone(), c2.clone(), c3.clone()],
            vec![101, 37, 5],
            weights,
        );
        let (map, sm) = fe.demean(&v, 1e-14, 100_000, DemeanMethod::Map);
        let (kry, sk) = fe.demean(&v, 1e-14, 10_000, DemeanMethod::Krylov);
        assert!(sm.converged && !sm.krylov && sk.converged && sk.krylov);
        assert_orthogonal(&fe, &kry);
        let scale = v.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        for (a, b) in map.iter().zip(&kry) {
            assert!((a - b).abs() <= 1e-9 * scale, "{a} vs {b}");
        }
    }
}

#[test]
fn auto_hands_slow_columns_to_krylov() {
    let (codes, levels) = chain(4_000, 400, 10);
    let n = codes[0].len();
    let fe = FeStructure::new(codes, levels, None);
    let v: Vec<f64> = (0..n)
        .map(|i| ((i as f64) * 0.91).sin() + (i / 40) as f64 * 0.01)
        .collect();
    // The projections need far more than the automatic budget here...
    let (_, budget) = fe.demean(&v, 1e-10, AUTO_MAP_ITERATIONS, DemeanMethod::Map);
    assert!(!budget.converged);
    // ...so auto gives the column to the Krylov solver, which converges.
    let (auto, st) = fe.demean(&v, 1e-10, 100_000, DemeanMethod::Auto);
    assert!(st.converged && st.krylov, "{st:?}");
    assert_orthogonal(&fe, &auto);
    // A column the projections finish within the budget is theirs, bit for bit.
    let (codes, levels) = (
        vec![vec![0, 0, 1, 1, 2, 2], vec![0, 1, 0, 1, 0, 1]],
        vec![3, 2],
    );
    let easy = FeStructure::new(codes, levels, None);
    let y = [1.0, 2.0, 4.0, 3.0, 7.0, 5.0];
    let (a, sa) = easy.demean(&y, 1e-12, 1000, DemeanMethod::Auto);
    let (m, _) = easy.demean(&y, 1e-12, 1000, DemeanMethod::Map);
    assert!(!sa.krylov && a.iter().zip(&m).all(|(x, y)| x.to_bits() == y.to_bits()));
}

#[test]
fn a_scatter_fe_keeps_no_grouping_and_sums_in_row_order() {
    // 97 levels against 1013 on 70,000 rows: FE 1 is updated in scatter form.
    let n = 70_000;
    let c1: Vec<u32> = (0..n).map(|i| (i * 7 % 1013) as u32).collect();
    let c2: Vec<u32> = (0..n).map(|i| (i * 31 % 97) as u32).collect();
    let v: Vec<f64> = (0..n).map(|i| ((i as f64) * 0.37).sin()).collect();
    let w: Vec<f64> = (0..n).map(|i| 1.0 + (i % 5) as f64 * 0.1).collect();
    let fe = FeStructure::new(vec![c1, c2.clone()], vec![1013, 97], Some(w.clone()));
    assert!(fe.groups[0].is_some() && fe.groups[1].is_none());
    // Each level's sum adds its rows' terms in row order, as the grouped walk did.
    let (mut sums, mut sw) = (vec![0.0; 97], vec![0.0; 97]);
    for r in 0..n {
        sums[c2[r] as usize] += w[r] * v[r];
        sw[c2[r] as usize] += w[r];
    }
    let got = fe.group_sums(1, &[&v]);
    assert!(got
        .iter()
        .zip(&sums)
        .all(|(a, b)| a.to_bits() == b.to_bits()));
    assert!(fe.sum_w[1]
        .iter()
        .zip(&sw)
        .all(|(a, b)| a.to_bits() == b.to_bits()));
    let (r, st) = fe.demean(&v, 1e-12, 1000, DemeanMethod::Map);
    assert!(st.converged);
    assert_orthogonal(&fe, &r);
}
