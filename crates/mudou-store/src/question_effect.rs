//! The figures of "what questions and instruction changes did" (issue 30): labels per
//! instructions version against their items' final answers and gold, the items each version
//! decided, the questions and the items asked about. Counts only: the shares, medians and
//! changes are `mudou_domain::question_effect`'s.

use crate::{Result, Store};
use mudou_domain::question_effect::{
    DecidedCounts, EffectFacts, LabelCounts, PromotedQuestion, QuestionFacts, VersionFacts,
};
use mudou_domain::{CentreId, OrderId};

/// Whose view of the order the figures are: its client sees everything; a lead of a centre
/// working on it, their centre's labels and questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectViewer {
    Client,
    Lead(CentreId),
}

impl EffectViewer {
    /// The centre the figures are limited to (0: none, every centre; ids start at 1).
    fn centre(self) -> i64 {
        match self {
            EffectViewer::Client => 0,
            EffectViewer::Lead(c) => c.get(),
        }
    }
}

type LabelRow = (i64, i64, i64, i64, i64, i64, i64);

impl Store {
    /// Everything the effect report of an order is made from, in `viewer`'s scope. The
    /// caller checked the viewer may see the order. `current_version` is the order's.
    pub async fn question_effect_facts(
        &self,
        order_id: OrderId,
        current_version: i64,
        published_at: i64,
        viewer: EffectViewer,
        now: i64,
    ) -> Result<EffectFacts> {
        let order = order_id.get();
        let centre = viewer.centre();

        // Labels per version: answers, skips, checked against a resolved item's final
        // answer (the label's consensus verdict), gold.
        let labels_sql = "SELECT COALESCE(l.instructions_version, 1), \
            SUM(CASE WHEN l.answer IS NOT NULL THEN 1 ELSE 0 END), \
            SUM(CASE WHEN l.answer IS NULL THEN 1 ELSE 0 END), \
            SUM(CASE WHEN v.kind = 'consensus' AND oi.state = 'resolved' THEN 1 ELSE 0 END), \
            SUM(CASE WHEN v.kind = 'consensus' AND oi.state = 'resolved' AND v.agrees THEN 1 ELSE 0 END), \
            SUM(CASE WHEN l.gold_correct IS NOT NULL THEN 1 ELSE 0 END), \
            SUM(CASE WHEN l.gold_correct THEN 1 ELSE 0 END) \
            FROM labels l JOIN order_items oi ON oi.order_id = l.order_id AND oi.item_id = l.item_id \
            LEFT JOIN label_verdicts v ON v.label_id = l.id \
            WHERE l.order_id = $1 AND ($2 = 0 OR l.centre_id = $2) \
            GROUP BY COALESCE(l.instructions_version, 1)";
        let rows: Vec<LabelRow> = on_read!(self, p => sqlx::query_as(labels_sql).bind(order).bind(centre)
            .fetch_all(p).await?);
        let labels = rows
            .into_iter()
            .map(
                |(version, answers, skips, judged, agreed, gold_total, gold_correct)| LabelCounts {
                    version,
                    answers,
                    skips,
                    judged,
                    agreed,
                    gold_total,
                    gold_correct,
                },
            )
            .collect();

        // Items decided (resolved or escalated, gold aside) by version of their last answer.
        let decided_sql = "SELECT COALESCE(l.instructions_version, 1), oi.state, COUNT(*), AVG(oi.confidence) \
            FROM order_items oi JOIN labels l ON l.id = (SELECT MAX(x.id) FROM labels x \
                WHERE x.order_id = oi.order_id AND x.item_id = oi.item_id AND x.answer IS NOT NULL) \
            WHERE oi.order_id = $1 AND oi.state IN ('resolved', 'escalated') AND NOT oi.is_gold \
            AND ($2 = 0 OR l.centre_id = $2) \
            GROUP BY COALESCE(l.instructions_version, 1), oi.state";
        let rows: Vec<(i64, String, i64, Option<f64>)> = on_read!(self, p => sqlx::query_as(decided_sql)
            .bind(order).bind(centre).fetch_all(p).await?);
        let mut decided: Vec<DecidedCounts> = Vec::new();
        for (version, state, n, mean) in rows {
            let at = match decided.iter().position(|d| d.version == version) {
                Some(i) => i,
                None => {
                    decided.push(DecidedCounts {
                        version,
                        ..Default::default()
                    });
                    decided.len() - 1
                }
            };
            let d = &mut decided[at];
            if state == "resolved" {
                d.resolved = n;
                d.mean_confidence = mean;
            } else {
                d.escalated = n;
            }
        }

        // Versions as stored (none until the first change: version 1 is the spec as
        // published, its words read by the caller from the order).
        let mut versions = Vec::new();
        for v in self.instructions_versions(order_id).await? {
            let question = match v.example_item_id {
                Some(item) => {
                    self.promoted_question(order, item, v.created_at, centre)
                        .await?
                }
                None => None,
            };
            versions.push(VersionFacts {
                version: v.version,
                created_at: v.created_at,
                instructions: v.instructions,
                example_item_id: v.example_item_id,
                example_words: v.example_words,
                question,
            });
        }
        if versions.is_empty() {
            versions.push(VersionFacts {
                version: current_version,
                created_at: published_at,
                instructions: String::new(),
                example_item_id: None,
                example_words: None,
                question: None,
            });
        }

        Ok(EffectFacts {
            now,
            current_version,
            versions,
            labels,
            decided,
            questions: self.question_facts(order, viewer).await?,
        })
    }

    /// The latest question on the item answered by `at` (the one a version's example was
    /// made from), in the viewer's scope.
    async fn promoted_question(
        &self,
        order: i64,
        item: i64,
        at: i64,
        centre: i64,
    ) -> Result<Option<PromotedQuestion>> {
        let sql = "SELECT id, reason, body, answer_body, created_at, answered_at FROM questions \
                   WHERE order_id = $1 AND item_id = $2 AND answered_at IS NOT NULL AND answered_at <= $3 \
                   AND ($4 = 0 OR centre_id = $4) ORDER BY answered_at DESC, id DESC LIMIT 1";
        type Row = (i64, String, Option<String>, Option<String>, i64, i64);
        let row: Option<Row> = on_read!(self, p => sqlx::query_as(sql).bind(order).bind(item).bind(at)
            .bind(centre).fetch_optional(p).await?);
        Ok(row.map(
            |(id, reason, text, answer_text, asked_at, answered_at)| PromotedQuestion {
                id,
                reason,
                text,
                answer_text,
                asked_at,
                answered_at,
            },
        ))
    }

    async fn question_facts(&self, order: i64, viewer: EffectViewer) -> Result<QuestionFacts> {
        let centre = viewer.centre();
        // What waits for a client is what was forwarded to them; for a lead, what was not.
        let waiting = match viewer {
            EffectViewer::Client => "forwarded_at IS NOT NULL",
            EffectViewer::Lead(_) => "forwarded_at IS NULL",
        };
        let summary = format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN answered_at IS NOT NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN answered_at IS NULL AND {waiting} THEN 1 ELSE 0 END), 0), \
             MIN(CASE WHEN answered_at IS NULL AND {waiting} THEN created_at END), \
             MIN(CASE WHEN answered_at IS NULL THEN created_at END) \
             FROM questions WHERE order_id = $1 AND ($2 = 0 OR centre_id = $2)"
        );
        let (asked, answered, waiting_for_you, oldest_waiting_at, oldest_open_at): (
            i64,
            i64,
            i64,
            Option<i64>,
            Option<i64>,
        ) = on_read!(self, p => sqlx::query_as(&summary).bind(order).bind(centre).fetch_one(p).await?);
        let durations = "SELECT answered_at - created_at FROM questions \
                         WHERE order_id = $1 AND ($2 = 0 OR centre_id = $2) AND answered_at IS NOT NULL";
        let answer_ms: Vec<i64> = on_read!(self, p => sqlx::query_scalar(durations).bind(order).bind(centre)
            .fetch_all(p).await?);
        // Gold items never settle by consensus: counted on their own.
        let asked_items = "SELECT CASE WHEN oi.is_gold THEN 'gold' ELSE oi.state END, COUNT(*) FROM order_items oi \
            WHERE oi.order_id = $1 \
            AND oi.item_id IN (SELECT q.item_id FROM questions q WHERE q.order_id = $1 AND ($2 = 0 OR q.centre_id = $2)) \
            GROUP BY CASE WHEN oi.is_gold THEN 'gold' ELSE oi.state END";
        let states: Vec<(String, i64)> = on_read!(self, p => sqlx::query_as(asked_items).bind(order)
            .bind(centre).fetch_all(p).await?);
        let count = |s: &str| {
            states
                .iter()
                .filter(|(x, _)| x == s)
                .map(|(_, n)| *n)
                .sum::<i64>()
        };
        let agreement = "SELECT \
            COALESCE(SUM(CASE WHEN v.kind = 'consensus' AND oi.state = 'resolved' THEN 1 ELSE 0 END), 0), \
            COALESCE(SUM(CASE WHEN v.kind = 'consensus' AND oi.state = 'resolved' AND v.agrees THEN 1 ELSE 0 END), 0) \
            FROM labels l JOIN order_items oi ON oi.order_id = l.order_id AND oi.item_id = l.item_id \
            JOIN label_verdicts v ON v.label_id = l.id \
            WHERE l.order_id = $1 AND ($2 = 0 OR l.centre_id = $2) \
            AND l.item_id IN (SELECT q.item_id FROM questions q WHERE q.order_id = $1 AND ($2 = 0 OR q.centre_id = $2))";
        let (judged, agreed): (i64, i64) = on_read!(self, p => sqlx::query_as(agreement).bind(order)
            .bind(centre).fetch_one(p).await?);
        Ok(QuestionFacts {
            asked,
            answered,
            waiting_for_you,
            oldest_waiting_at,
            oldest_open_at,
            answer_ms,
            items: states.iter().map(|(_, n)| n).sum(),
            items_resolved: count("resolved"),
            items_escalated: count("escalated"),
            items_gold: count("gold"),
            judged,
            agreed,
        })
    }
}
