//! The expert ladder of medical orders (issue 31): an item the live consensus escalates
//! goes not to a lead but to the expert tier of the centres (annotators of skill level
//! `expert` holding the `medical` qualification, in a centre eligible for the order), who
//! settle it or refer it to the client's doctor, whose answer is final.
//!
//! Pure rules only: which stage an escalated item goes to, who may decide at each stage,
//! what a decision does to the stage, and the order's policy with its checks.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::dispatch::Standing;
use crate::{OrderSpec, SkillLevel, ValidationError};

/// The qualification a medical order requires, and its experts must hold.
pub const MEDICAL: &str = "medical";

/// The most a decision may pay or cost, in fen (¥1000): above that is surely a typo.
pub const MAX_RATE_FEN: i64 = 100_000;

/// An order's expert ladder (`OrderSpec.medical`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MedicalPolicy {
    /// What an expert earns per decision (settle or refer), in fen.
    pub expert_rate_fen: i64,
    /// What each of the doctor's decisions costs the order, in fen.
    pub doctor_rate_fen: i64,
    /// The doctor: a client user of the order's organisation.
    pub doctor_user_id: i64,
}

impl MedicalPolicy {
    /// Checks the policy against the order it belongs to (the doctor's organisation is the
    /// app's to check: it needs the database).
    pub fn validate(&self, spec: &OrderSpec) -> Result<(), ValidationError> {
        let bad = |m: &str| ValidationError::new("medical", m.to_owned());
        if self.expert_rate_fen < 0 || self.doctor_rate_fen < 0 {
            return Err(bad("a rate cannot be negative"));
        }
        if self.expert_rate_fen > MAX_RATE_FEN || self.doctor_rate_fen > MAX_RATE_FEN {
            return Err(bad("a rate above ¥1000 per decision is surely a typo"));
        }
        if self.doctor_user_id <= 0 {
            return Err(bad("choose the doctor (a user of your organisation)"));
        }
        if spec.required_qualification.as_deref() != Some(MEDICAL) {
            return Err(ValidationError::new(
                "required_qualification",
                "a medical order requires the qualification \"medical\"",
            ));
        }
        Ok(())
    }
}

/// Where an item of a medical order stands on the ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Waiting for an expert of the centres.
    Expert,
    /// An expert referred it: waiting for the client's doctor.
    Doctor,
    /// Settled (by an expert or the doctor).
    Done,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Expert => "expert",
            Stage::Doctor => "doctor",
            Stage::Done => "done",
        }
    }
}

/// What an expert decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExpertDecision {
    /// The expert's answer is final.
    Settle,
    /// The doctor decides.
    Refer,
}

impl ExpertDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            ExpertDecision::Settle => "settle",
            ExpertDecision::Refer => "refer",
        }
    }
    /// The stage the item moves to.
    pub fn next_stage(self) -> Stage {
        match self {
            ExpertDecision::Settle => Stage::Done,
            ExpertDecision::Refer => Stage::Doctor,
        }
    }
}

/// The stage an item of the order enters when the live consensus escalates it: `None` for
/// an order without the ladder, and for an item escalated because it was skipped too often
/// (a broken or unreadable file is a lead's to look at, not a medical question).
pub fn on_escalation(spec: &OrderSpec, skipped_too_often: bool) -> Option<Stage> {
    (spec.medical.is_some() && !skipped_too_often).then_some(Stage::Expert)
}

/// Whether an annotator's standing makes them one of the expert tier (any order).
pub fn is_expert(standing: &Standing) -> bool {
    standing.level == Some(SkillLevel::Expert)
        && standing.qualifications.iter().any(|q| q == MEDICAL)
}

/// Whether an annotator of `centre_id` with `standing` may decide the order's items as its
/// expert: the order has the ladder, they are of the expert tier, and their centre is
/// eligible for it.
pub fn may_expert(spec: &OrderSpec, centre_id: i64, standing: &Standing) -> bool {
    spec.medical.is_some()
        && is_expert(standing)
        && (spec.eligible_centres.is_empty() || spec.eligible_centres.contains(&centre_id))
}

/// Whether the client user `user_id` is the order's doctor.
pub fn may_doctor(spec: &OrderSpec, user_id: i64) -> bool {
    spec.medical
        .as_ref()
        .is_some_and(|m| m.doctor_user_id == user_id)
}

/// Anonymous names for the annotators of an item, in the order given: `A`, `B`, … `Z`,
/// then `AA`, `AB`, ….
pub fn anonymous_name(i: usize) -> String {
    let mut n = i;
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(medical: bool) -> OrderSpec {
        let mut v = json!({
            "name": "CT", "task_type": "template",
            "template": {"fields": [{"name": "text", "kind": "text"}],
                         "questions": [{"key": "a", "kind": "choice", "title_zh": "有", "field": "text",
                                        "options": [{"key": "yes", "name_zh": "有", "name_en": "Yes"},
                                                    {"key": "no", "name_zh": "无", "name_en": "No"}]}]},
            "overlap": {"kind": "fixed", "n": 2}, "piece_rate_fen": 10,
            "required_qualification": "medical", "eligible_centres": [3]
        });
        if medical {
            v["medical"] =
                json!({"expert_rate_fen": 200, "doctor_rate_fen": 1000, "doctor_user_id": 9});
        }
        serde_json::from_value(v).unwrap()
    }

    fn standing(level: SkillLevel, quals: &[&str]) -> Standing {
        Standing {
            level: Some(level),
            qualifications: quals.iter().map(|q| (*q).to_owned()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_policy_is_checked() {
        let s = spec(true);
        s.validate(0).unwrap();
        let m = s.medical.clone().unwrap();
        for bad in [
            MedicalPolicy {
                expert_rate_fen: -1,
                ..m.clone()
            },
            MedicalPolicy {
                doctor_rate_fen: -5,
                ..m.clone()
            },
            MedicalPolicy {
                doctor_rate_fen: MAX_RATE_FEN + 1,
                ..m.clone()
            },
            MedicalPolicy {
                doctor_user_id: 0,
                ..m.clone()
            },
        ] {
            let e = bad.validate(&s).unwrap_err();
            assert_eq!(e.field, "medical", "{bad:?}");
        }
        let mut other = s.clone();
        other.required_qualification = Some("bbox".into());
        assert_eq!(
            other.validate(0).unwrap_err().field,
            "required_qualification"
        );
        other.required_qualification = None;
        assert_eq!(
            other.validate(0).unwrap_err().field,
            "required_qualification"
        );
        // Zero rates are allowed (a doctor of the client's own staff).
        MedicalPolicy {
            expert_rate_fen: 0,
            doctor_rate_fen: 0,
            ..m
        }
        .validate(&s)
        .unwrap();
        // Without the policy, nothing changes.
        spec(false).validate(0).unwrap();
    }

    #[test]
    fn a_finding_question_may_go_without_the_ladder() {
        let mut v = serde_json::to_value(spec(false)).unwrap();
        v["template"]["questions"][0]["kind"] = json!("finding");
        // The ladder is optional: without it a finding order's disagreements go to the lead.
        let s: OrderSpec = serde_json::from_value(v).unwrap();
        assert!(s.check_medical().is_ok());
        assert_eq!(on_escalation(&s, false), None);
        let mut with = s.clone();
        with.medical = spec(true).medical;
        assert!(with.check_medical().is_ok());
        assert_eq!(on_escalation(&with, false), Some(Stage::Expert));
        // A policy that does not hold is still refused.
        with.medical.as_mut().unwrap().expert_rate_fen = -1;
        assert!(with.check_medical().is_err());
    }

    #[test]
    fn escalated_items_of_medical_orders_go_to_the_experts() {
        assert_eq!(on_escalation(&spec(true), false), Some(Stage::Expert));
        assert_eq!(on_escalation(&spec(true), true), None);
        assert_eq!(on_escalation(&spec(false), false), None);
        assert_eq!(ExpertDecision::Settle.next_stage(), Stage::Done);
        assert_eq!(ExpertDecision::Refer.next_stage(), Stage::Doctor);
    }

    #[test]
    fn who_may_decide() {
        let s = spec(true);
        let expert = standing(SkillLevel::Expert, &["bbox", "medical"]);
        assert!(may_expert(&s, 3, &expert));
        // Another centre, another level, no medical qualification, no ladder.
        assert!(!may_expert(&s, 4, &expert));
        assert!(!may_expert(
            &s,
            3,
            &standing(SkillLevel::Standard, &["medical"])
        ));
        assert!(!may_expert(&s, 3, &standing(SkillLevel::Expert, &["bbox"])));
        assert!(!may_expert(&spec(false), 3, &expert));
        let mut everywhere = s.clone();
        everywhere.eligible_centres.clear();
        assert!(may_expert(&everywhere, 4, &expert));
        assert!(may_doctor(&s, 9));
        assert!(!may_doctor(&s, 8));
        assert!(!may_doctor(&spec(false), 9));
    }

    #[test]
    fn anonymous_names_run_past_z() {
        let names: Vec<String> = [0, 1, 25, 26, 27, 51, 52].map(anonymous_name).to_vec();
        assert_eq!(names, ["A", "B", "Z", "AA", "AB", "AZ", "BA"]);
    }
}
