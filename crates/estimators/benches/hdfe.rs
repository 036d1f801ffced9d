//! HDFE benchmark on fixest's published design, and a hard worker-firm design.
//!
//!   cargo bench -p estimators --bench hdfe -- gen N DIR [hard]   writes a dataset to DIR
//!   cargo bench -p estimators --bench hdfe -- fit DIR NFE        fits y ~ x1 + x2 | fe1..feNFE, CR1 by fe1
//!
//! `fit` prints wall time of the whole fit (sample, demeaning, solve, CR1) and the process's
//! peak resident memory. tests/bench/run_bench.sh runs pyfixest on the same files.

use estimators::{fit, OlsData, OlsOptions, VcovKind};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

fn write_f64(path: &Path, v: &[f64]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for x in v {
        f.write_all(&x.to_le_bytes()).unwrap();
    }
}

fn write_u32(path: &Path, v: &[u32]) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for x in v {
        f.write_all(&x.to_le_bytes()).unwrap();
    }
}

fn read_f64(path: &Path) -> Vec<f64> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn read_u32(path: &Path) -> Vec<u32> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box-Muller; the benchmark needs plausible, not exact, normals.
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn gen(n: usize, dir: &Path, hard: bool) {
    std::fs::create_dir_all(dir).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let (fe1, fe2, fe3): (Vec<u32>, Vec<u32>, Vec<u32>) = if hard {
        // Workers (10 obs each) in firms; a worker moves with probability 0.05 a year, so the
        // worker-firm graph is sparsely connected: the hard case for alternating projections.
        let t = 10;
        let workers = n / t;
        let firms = (workers / 20).max(2) as u32;
        let (mut w, mut f, mut y) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for i in 0..workers {
            let mut firm = rng.random_range(0..firms);
            for year in 0..t {
                if year > 0 && rng.random::<f64>() < 0.05 {
                    firm = rng.random_range(0..firms);
                }
                w.push(i as u32);
                f.push(firm);
                y.push(year as u32);
            }
        }
        (w, f, y)
    } else {
        let g1 = (n / 20).max(1) as u32;
        let g2 = (n as f64).sqrt() as u32;
        let g3 = (n as f64).powf(0.33) as u32;
        (
            (0..n).map(|_| rng.random_range(0..g1)).collect(),
            (0..n).map(|_| rng.random_range(0..g2)).collect(),
            (0..n).map(|_| rng.random_range(0..g3)).collect(),
        )
    };
    let n = fe1.len();
    let x1: Vec<f64> = (0..n).map(|_| normal(&mut rng)).collect();
    let x2: Vec<f64> = (0..n).map(|_| normal(&mut rng).powi(2)).collect();
    let a: Vec<f64> = (0..=*fe1.iter().max().unwrap())
        .map(|_| normal(&mut rng))
        .collect();
    let b: Vec<f64> = (0..=*fe2.iter().max().unwrap())
        .map(|_| normal(&mut rng))
        .collect();
    let y: Vec<f64> = (0..n)
        .map(|i| x1[i] + 0.05 * x2[i] + a[fe1[i] as usize] + b[fe2[i] as usize] + normal(&mut rng))
        .collect();
    write_f64(&dir.join("y.bin"), &y);
    write_f64(&dir.join("x1.bin"), &x1);
    write_f64(&dir.join("x2.bin"), &x2);
    write_u32(&dir.join("fe1.bin"), &fe1);
    write_u32(&dir.join("fe2.bin"), &fe2);
    write_u32(&dir.join("fe3.bin"), &fe3);
    println!("wrote {n} rows to {}", dir.display());
}

fn peak_rss_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn run(dir: &Path, nfe: usize) {
    let y = read_f64(&dir.join("y.bin"));
    let x1 = read_f64(&dir.join("x1.bin"));
    let x2 = read_f64(&dir.join("x2.bin"));
    let fes: Vec<Vec<u32>> = (1..=nfe)
        .map(|k| read_u32(&dir.join(format!("fe{k}.bin"))))
        .collect();
    let data = OlsData {
        coords: None,
        y_name: "y".into(),
        y: &y,
        x: vec![("x1".into(), &x1), ("x2".into(), &x2)],
        fe: fes
            .iter()
            .enumerate()
            .map(|(k, c)| (format!("fe{}", k + 1), c.as_slice()))
            .collect(),
        weights: None,
        clusters: vec![("fe1".into(), &fes[0])],
    };
    // fixest's and pyfixest's default tolerance, for a like-for-like comparison.
    let opts = OlsOptions {
        vcov: VcovKind::Cluster,
        fixef_tol: 1e-6,
        ..OlsOptions::default()
    };
    let t0 = Instant::now();
    let r = fit(&data, &opts).expect("fit");
    let secs = t0.elapsed().as_secs_f64();
    let c = &r.coefficients;
    println!(
        "regspec n={} fe={} wall_s={:.3} peak_mb={:.0} iters={} x1={:.6} se_x1={:.6} x2={:.6}",
        y.len(),
        nfe,
        secs,
        peak_rss_mb(),
        r.demean_iterations,
        c[0].estimate,
        c[0].std_error,
        c[1].estimate
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("gen") => {
            let n: f64 = args[1].parse().expect("N");
            gen(
                n as usize,
                Path::new(&args[2]),
                args.get(3).map(String::as_str) == Some("hard"),
            );
        }
        Some("fit") => run(Path::new(&args[1]), args[2].parse().expect("NFE")),
        _ => eprintln!("usage: hdfe gen N DIR [hard] | hdfe fit DIR NFE"),
    }
}
