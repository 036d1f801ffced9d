//! Text cells to codes on every core: the codes and levels of [`Data::from_text`] (levels in
//! order of first appearance), computed without one shared hash table.
//!
//! Why: a text key of 1e7 distinct values over 1e8 shuffled rows makes one hash table of 1e7
//! entries, and every row a cache miss into it (and another into the text it compares with):
//! 25-31 s single-threaded on the 1e8-row benchmark. Here the rows are split by a hash of their
//! text into [`PARTS`] parts, each with a table small enough for the cache, coded on its own
//! thread from its rows' texts copied next to each other; the levels are then numbered by the
//! row where each first appears, which is what the sequential walk gives.

use crate::panel::{Data, MISSING_CODE};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::BuildHasher;

/// Hash parts.
const PARTS: usize = 255;

/// Rows in a block: blocks are split into parts, and coded, on their own threads (small in
/// tests, so that they cross blocks).
#[cfg(not(test))]
const BLOCK: usize = 1 << 20;
#[cfg(test)]
const BLOCK: usize = 1 << 10;

type Fixed = foldhash::fast::FixedState;

/// The key of a text longer than 15 bytes, which is compared as text (no short key has 255 in
/// its last byte).
const LONG: u128 = u128::MAX;

/// A text of at most 15 bytes as one integer (its bytes big-endian, zero-padded, then its
/// length in the last byte); `None` for a longer text. Equal integers are equal texts (so a
/// table never follows a pointer to compare), and integers compare as their texts do (bytes,
/// then length: the alphabetical order of `table::canonicalize`).
pub(crate) fn short_key(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    (b.len() <= 15).then(|| {
        let mut k = [0u8; 16];
        k[..b.len()].copy_from_slice(b);
        k[15] = b.len() as u8;
        u128::from_be_bytes(k)
    })
}

/// The present rows of one block that fall in one part, in row order, with their keys.
struct Bucket {
    rows: Vec<u32>,
    keys: Vec<u128>,
}

/// The codes and levels of `n` cells, `cell(r)` the text of row `r` (`None` when missing):
/// equal to [`Data::from_text`] over the same cells, in a fraction of its time on large data.
pub fn factorize<'a, F>(n: usize, cell: F) -> Data
where
    F: Fn(usize) -> Option<&'a str> + Sync,
{
    let hasher = Fixed::with_seed(0x5eed);
    let blocks: Vec<std::ops::Range<usize>> = (0..n.div_ceil(BLOCK))
        .map(|b| b * BLOCK..((b + 1) * BLOCK).min(n))
        .collect();
    // Each block's present rows split by part, with their keys.
    let split: Vec<Vec<Bucket>> = blocks
        .par_iter()
        .map(|rows| {
            // Each row's part first, so that every bucket is allocated at its size (growing
            // them doubled the memory they took at 1e8 rows).
            let part: Vec<u8> = rows
                .clone()
                .map(|r| match cell(r) {
                    Some(s) => (((hasher.hash_one(s) >> 32) * PARTS as u64) >> 32) as u8,
                    None => PARTS as u8,
                })
                .collect();
            let mut size = [0usize; PARTS + 1];
            part.iter().for_each(|&p| size[p as usize] += 1);
            let mut parts: Vec<Bucket> = size[..PARTS]
                .iter()
                .map(|&k| Bucket {
                    rows: Vec::with_capacity(k),
                    keys: Vec::with_capacity(k),
                })
                .collect();
            for (r, &p) in rows.clone().zip(&part) {
                if let (Some(b), Some(s)) = (parts.get_mut(p as usize), cell(r)) {
                    b.rows.push(r as u32);
                    b.keys.push(short_key(s).unwrap_or(LONG));
                }
            }
            parts
        })
        .collect();
    // Each part coded on its own, its blocks in order: its codes (one per row of the part, in
    // row order) and the first row of each of its levels.
    let mut coded: Vec<(Vec<u32>, Vec<u32>)> = (0..PARTS)
        .into_par_iter()
        .map(|p| {
            let mut short: HashMap<u128, u32, Fixed> = HashMap::with_hasher(hasher.clone());
            let mut long: HashMap<&str, u32, Fixed> = HashMap::with_hasher(hasher.clone());
            let mut first: Vec<u32> = Vec::new();
            let mut codes = Vec::with_capacity(split.iter().map(|b| b[p].rows.len()).sum());
            for bucket in split.iter().map(|b| &b[p]) {
                for (&r, &k) in bucket.rows.iter().zip(&bucket.keys) {
                    let fresh = first.len() as u32;
                    let code = if k == LONG {
                        let s = cell(r as usize).expect("a bucket holds present cells");
                        *long.entry(s).or_insert(fresh)
                    } else {
                        *short.entry(k).or_insert(fresh)
                    };
                    if code == fresh {
                        first.push(r);
                    }
                    codes.push(code);
                }
            }
            (codes, first)
        })
        .collect();
    // Levels numbered by first appearance: a level's number is the count of levels that
    // appear first before its first row, a rank in a bitmap of first rows.
    let mut is_first = vec![0u64; n.div_ceil(64)];
    for (_, first) in &coded {
        for &r in first {
            is_first[r as usize / 64] |= 1 << (r % 64);
        }
    }
    let mut before = Vec::with_capacity(is_first.len());
    let mut total = 0u32;
    for w in &is_first {
        before.push(total);
        total += w.count_ones();
    }
    let rank = |r: u32| {
        let (w, b) = (r as usize / 64, r % 64);
        before[w] + (is_first[w] & ((1u64 << b) - 1)).count_ones()
    };
    let mut first_rows = vec![0u32; total as usize];
    for (_, first) in &coded {
        for &r in first {
            first_rows[rank(r) as usize] = r;
        }
    }
    let levels: Vec<String> = first_rows
        .par_iter()
        .map(|&r| cell(r as usize).unwrap_or_default().to_string())
        .collect();
    coded.par_iter_mut().for_each(|(codes, first)| {
        let global: Vec<u32> = first.iter().map(|&r| rank(r)).collect();
        codes.iter_mut().for_each(|c| *c = global[*c as usize]);
    });
    // Every row's code, block by block: a block's rows of part p follow those of the blocks
    // before it in that part's codes.
    let mut offset = vec![vec![0usize; PARTS]; blocks.len()];
    for b in 1..blocks.len() {
        for p in 0..PARTS {
            offset[b][p] = offset[b - 1][p] + split[b - 1][p].rows.len();
        }
    }
    let mut codes = vec![MISSING_CODE; n];
    codes
        .par_chunks_mut(BLOCK)
        .zip(&split)
        .zip(&offset)
        .zip(&blocks)
        .for_each(|(((out, parts), offset), rows)| {
            for (p, bucket) in parts.iter().enumerate() {
                let part = &coded[p].0[offset[p]..offset[p] + bucket.rows.len()];
                for (&r, &c) in bucket.rows.iter().zip(part) {
                    out[r as usize - rows.start] = c;
                }
            }
        });
    Data::Cat { codes, levels }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_levels_are_those_of_the_sequential_walk() {
        // Short and long texts (the two kinds of table key), multi-byte characters, texts that
        // differ only in length or by a trailing NUL, and missing cells.
        let mut cells: Vec<Option<String>> = Vec::new();
        let mut x: u64 = 7;
        for r in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = (x >> 33) % 3_000;
            cells.push(match r % 7 {
                0 => None,
                1 => Some(format!("a-long-key-of-more-than-15-bytes-{v}")),
                2 => Some(format!("é{v}")),
                3 => Some(format!("{v}\0")),
                _ => Some(format!("{v}")),
            });
        }
        cells.push(Some(String::new()));
        cells.push(Some("a".repeat(15)));
        cells.push(Some("a".repeat(16)));
        let want = Data::from_text(cells.iter().map(|c| c.as_deref()));
        let got = factorize(cells.len(), |r| cells[r].as_deref());
        assert_eq!(got, want);
        let Data::Cat { levels, .. } = &got else {
            panic!("text is categorical")
        };
        assert!(levels.len() > 5_000, "{} levels", levels.len());
    }

    #[test]
    fn all_missing_and_empty_inputs() {
        let none: Vec<Option<&str>> = vec![None; 5];
        assert_eq!(
            factorize(5, |r| none[r]),
            Data::from_text(none.iter().copied())
        );
        assert_eq!(factorize(0, |_| None), Data::from_text(std::iter::empty()));
    }
}
