//! The career path: when a rule promotes an annotator to the next skill level, and the
//! stars an annotator sees for their gold accuracy.

use crate::SkillLevel;

/// What a rule asks before promoting an annotator to `to`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Promotion {
    pub from: SkillLevel,
    pub to: SkillLevel,
    /// Answers given (skips not counted), over all orders.
    pub min_answers: i64,
    /// Gold items answered.
    pub min_gold: i64,
    /// Share of gold items answered right.
    pub min_gold_accuracy: f64,
}

/// The promotion rules, lowest level first.
pub const PROMOTIONS: [Promotion; 2] = [
    Promotion {
        from: SkillLevel::Trainee,
        to: SkillLevel::Standard,
        min_answers: 100,
        min_gold: 20,
        min_gold_accuracy: 0.85,
    },
    Promotion {
        from: SkillLevel::Standard,
        to: SkillLevel::Expert,
        min_answers: 500,
        min_gold: 50,
        min_gold_accuracy: 0.95,
    },
];

/// The level a rule promotes to from `level` with these figures, if any (one step at a time).
pub fn promotion_for(
    level: SkillLevel,
    answers: i64,
    gold_total: i64,
    gold_correct: i64,
) -> Option<&'static Promotion> {
    PROMOTIONS.iter().find(|p| {
        p.from == level
            && answers >= p.min_answers
            && gold_total >= p.min_gold
            && gold_total > 0
            && gold_correct as f64 >= p.min_gold_accuracy * gold_total as f64
    })
}

/// Gold items an annotator must have answered before they see stars.
pub const STARS_MIN_GOLD: i64 = 10;

/// One to five stars for a gold accuracy, or `None` with too few gold answers to tell.
pub fn stars(gold_correct: i64, gold_total: i64) -> Option<u8> {
    if gold_total < STARS_MIN_GOLD || gold_total <= 0 {
        return None;
    }
    let acc = gold_correct.clamp(0, gold_total) as f64 / gold_total as f64;
    Some(match acc {
        a if a >= 0.95 => 5,
        a if a >= 0.90 => 4,
        a if a >= 0.80 => 3,
        a if a >= 0.65 => 2,
        _ => 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotions_one_step_at_a_time() {
        assert_eq!(promotion_for(SkillLevel::Trainee, 99, 50, 50), None);
        assert_eq!(
            promotion_for(SkillLevel::Trainee, 100, 20, 17).map(|p| p.to),
            Some(SkillLevel::Standard)
        );
        assert_eq!(promotion_for(SkillLevel::Trainee, 100, 20, 16), None);
        // A trainee with expert figures still becomes standard first.
        assert_eq!(
            promotion_for(SkillLevel::Trainee, 900, 100, 100).map(|p| p.to),
            Some(SkillLevel::Standard)
        );
        assert_eq!(
            promotion_for(SkillLevel::Standard, 500, 50, 48).map(|p| p.to),
            Some(SkillLevel::Expert)
        );
        assert_eq!(promotion_for(SkillLevel::Standard, 500, 50, 47), None);
        assert_eq!(promotion_for(SkillLevel::Expert, 10_000, 1000, 1000), None);
    }

    #[test]
    fn stars_need_enough_gold() {
        assert_eq!(stars(9, 9), None);
        assert_eq!(stars(10, 10), Some(5));
        assert_eq!(stars(9, 10), Some(4));
        assert_eq!(stars(8, 10), Some(3));
        assert_eq!(stars(7, 10), Some(2));
        assert_eq!(stars(4, 10), Some(1));
        assert_eq!(stars(-3, 10), Some(1));
    }
}
