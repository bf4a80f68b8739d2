//! How an order's items are split into work units: seeded, so a re-run of the
//! same order makes the same units.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Splits `work` items into units of `unit_size`, mixing `gold` items in at
/// `gold_share` (at least one per unit when there is gold and a share), each unit
/// shuffled. Gold items are used in turn so that each is shown about equally often.
pub fn plan_units(
    work: &[i64],
    gold: &[i64],
    unit_size: u32,
    gold_share: f64,
    seed: u64,
) -> Vec<Vec<i64>> {
    let unit_size = unit_size.max(1) as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut work = work.to_vec();
    work.shuffle(&mut rng);
    let mut gold = gold.to_vec();
    gold.shuffle(&mut rng);
    let per_unit_gold = if gold.is_empty() || gold_share <= 0.0 || unit_size < 2 {
        0
    } else {
        ((unit_size as f64 * gold_share).round() as usize).clamp(1, (unit_size - 1).min(gold.len()))
    };
    let per_unit_work = unit_size - per_unit_gold;
    let mut next_gold = 0;
    work.chunks(per_unit_work)
        .map(|chunk| {
            let mut unit = chunk.to_vec();
            for _ in 0..per_unit_gold {
                unit.push(gold[next_gold % gold.len()]);
                next_gold += 1;
            }
            unit.shuffle(&mut rng);
            unit
        })
        .collect()
}

/// Splits a training order's (all gold) items into shuffled units of `unit_size`.
pub fn plan_training_units(gold: &[i64], unit_size: u32, seed: u64) -> Vec<Vec<i64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut gold = gold.to_vec();
    gold.shuffle(&mut rng);
    gold.chunks(unit_size.max(1) as usize)
        .map(<[i64]>::to_vec)
        .collect()
}

/// Slots of a training unit: every trainee may take it.
pub const TRAINING_SLOTS: i64 = 1_000_000;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mixes_gold_at_the_share() {
        let work: Vec<i64> = (1..=95).collect();
        let gold: Vec<i64> = (1000..1010).collect();
        let units = plan_units(&work, &gold, 20, 0.1, 7);
        assert_eq!(units.len(), 6);
        for u in &units[..5] {
            assert_eq!(u.len(), 20);
            assert_eq!(u.iter().filter(|i| **i >= 1000).count(), 2);
        }
        assert_eq!(
            units[5].len(),
            5 + 2,
            "the last unit holds the rest plus its gold"
        );
        assert_eq!(units, plan_units(&work, &gold, 20, 0.1, 7), "seeded");
        assert_ne!(units, plan_units(&work, &gold, 20, 0.1, 8));
        assert_eq!(
            plan_units(&work, &[], 20, 0.3, 1).len(),
            5,
            "no gold, no gold slots"
        );
        // Ten gold items over six units of two: each used once or twice.
        let mut uses = std::collections::HashMap::new();
        for g in units.iter().flatten().filter(|i| **i >= 1000) {
            *uses.entry(*g).or_insert(0) += 1;
        }
        assert!(uses.values().all(|n| (1..=2).contains(n)), "{uses:?}");
    }

    #[test]
    fn training_units_hold_every_gold_item_once() {
        let gold: Vec<i64> = (1..=25).collect();
        let units = plan_training_units(&gold, 10, 3);
        assert_eq!(units.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 5]);
        let mut all: Vec<i64> = units.concat();
        all.sort();
        assert_eq!(all, gold);
    }

    proptest! {
        #[test]
        fn every_work_item_lands_in_exactly_one_unit(
            n in 0usize..300, g in 0usize..20, size in 1u32..50, share in 0.0f64..0.5, seed: u64,
        ) {
            let work: Vec<i64> = (0..n as i64).collect();
            let gold: Vec<i64> = (10_000..10_000 + g as i64).collect();
            let units = plan_units(&work, &gold, size, share, seed);
            let mut seen: Vec<i64> = units.iter().flatten().copied().filter(|i| *i < 10_000).collect();
            seen.sort();
            prop_assert_eq!(seen, work);
            for u in &units {
                prop_assert!(u.len() <= size as usize);
                prop_assert!(u.iter().any(|i| *i < 10_000), "every unit has real work");
                let mut ids = u.clone();
                ids.sort();
                ids.dedup();
                prop_assert_eq!(ids.len(), u.len(), "no item twice in a unit");
            }
        }
    }
}
