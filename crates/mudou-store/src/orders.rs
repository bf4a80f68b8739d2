//! Orders, their items and work units.

use crate::pool::Tx;
use crate::{Result, Store, StoreError};
use mudou_domain::{CentreId, DatasetId, ItemId, OrderId, OrgId, UnitId, UserId};

/// Items added to an order at once after which PostgreSQL's statistics are refreshed.
const ANALYZE_AFTER: usize = 1000;
/// Rows per multi-row INSERT of an order's items and units (5 values a row: well inside
/// both engines' limits on parameters).
const ROWS_PER_INSERT: usize = 1000;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Order {
    pub id: i64,
    pub org_id: i64,
    pub dataset_id: i64,
    pub name: String,
    pub task_type: String,
    /// The order's `OrderSpec` as JSON.
    pub spec: String,
    pub state: String,
    pub priority: i64,
    pub deadline: Option<i64>,
    pub seed: i64,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    /// The version of its instructions now in force (1 until they change after publish).
    pub instructions_version: i64,
}

const ORDER_COLS: &str = "id, org_id, dataset_id, name, task_type, spec, state, priority, deadline, seed, \
                          created_by, created_at, updated_at, published_at, instructions_version";

/// The columns of an order that a client sets.
#[derive(Debug, Clone)]
pub struct OrderFields {
    pub name: String,
    pub task_type: String,
    pub spec: String,
    pub priority: i64,
    pub deadline: Option<i64>,
}

/// Counts that tell how far an order has come.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct OrderCounts {
    /// Items to label (gold excluded).
    pub items: i64,
    pub resolved: i64,
    pub escalated: i64,
    pub gold_items: i64,
    /// Labels received on all items, gold included.
    pub labels: i64,
    pub units: i64,
}

/// An item of a dataset as an order sees it when it is published.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateItem {
    pub id: i64,
    pub kind: String,
    /// The manifest's gold (JSON), if any.
    pub gold: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// A record's fields (JSON); `None` for a one-field item from before.
    pub fields: Option<String>,
}

impl CandidateItem {
    /// Every field of the item (see [`crate::item_fields`]); pictures carry no hash here.
    pub fn fields(&self) -> Vec<crate::ItemField> {
        crate::item_fields(
            self.fields.as_deref(),
            &self.kind,
            None,
            None,
            self.width.zip(self.height),
        )
    }
}

/// An item joining an order, with its gold answer when it is a gold item.
#[derive(Debug, Clone)]
pub struct OrderItemPlan {
    pub item_id: i64,
    pub gold: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitSummary {
    pub id: i64,
    pub seq: i64,
    pub kind: String,
    pub slots: i64,
    pub items: i64,
}

impl Store {
    #[allow(clippy::too_many_arguments)]
    pub async fn create_order(
        &self,
        org_id: OrgId,
        dataset_id: DatasetId,
        f: &OrderFields,
        seed: i64,
        created_by: UserId,
        now: i64,
    ) -> Result<Order> {
        let sql = format!(
            "INSERT INTO orders (org_id, dataset_id, name, task_type, spec, state, priority, deadline, seed, created_by, \
             created_at, updated_at, medical) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10, $10, $11) \
             RETURNING {ORDER_COLS}"
        );
        Ok(on_write!(self, p => sqlx::query_as::<_, Order>(&sql)
            .bind(org_id.get()).bind(dataset_id.get()).bind(&f.name).bind(&f.task_type).bind(&f.spec).bind(f.priority)
            .bind(f.deadline).bind(seed).bind(created_by.get()).bind(now).bind(crate::ladder::is_medical(&f.spec))
            .fetch_one(p).await?))
    }

    /// One of `org_id`'s orders.
    pub async fn get_order(&self, org_id: OrgId, order_id: OrderId) -> Result<Order> {
        let sql = format!("SELECT {ORDER_COLS} FROM orders WHERE id = $1 AND org_id = $2");
        on_read!(self, p => sqlx::query_as::<_, Order>(&sql).bind(order_id.get()).bind(org_id.get()).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    /// An order by id alone: for callers already scoped another way (an annotator's assignment).
    pub async fn order_by_id(&self, order_id: OrderId) -> Result<Order> {
        let sql = format!("SELECT {ORDER_COLS} FROM orders WHERE id = $1");
        on_read!(self, p => sqlx::query_as::<_, Order>(&sql).bind(order_id.get()).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    /// An image item's width and height.
    pub async fn item_size(&self, item_id: ItemId) -> Result<Option<(i64, i64)>> {
        let sql = "SELECT b.width, b.height FROM items i JOIN blobs b ON b.sha256 = i.sha256 WHERE i.id = $1";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, (i64, i64)>(sql).bind(item_id.get()).fetch_optional(p).await?),
        )
    }

    /// The size of every picture field of an item, by field name, in the item's order
    /// (an item from before: its one field, `image`).
    pub async fn item_sizes(&self, item_id: ItemId) -> Result<Vec<(String, (i64, i64))>> {
        let sql = "SELECT i.kind, i.fields, b.width, b.height FROM items i LEFT JOIN blobs b ON b.sha256 = i.sha256 \
                   WHERE i.id = $1";
        #[allow(clippy::type_complexity)]
        let row: Option<(String, Option<String>, Option<i64>, Option<i64>)> =
            on_read!(self, p => sqlx::query_as(sql).bind(item_id.get()).fetch_optional(p).await?);
        let Some((kind, fields, w, h)) = row else {
            return Ok(Vec::new());
        };
        Ok(
            crate::item_fields(fields.as_deref(), &kind, None, None, w.zip(h))
                .into_iter()
                .filter_map(|f| Some((f.name.clone(), f.size()?)))
                .collect(),
        )
    }

    /// The geometry of every series field of an item, by field name, in the item's order
    /// (none for an item without a series, or an unknown item).
    pub async fn item_volumes(
        &self,
        item_id: ItemId,
    ) -> Result<Vec<(String, mudou_domain::volume::VolumeGeometry)>> {
        let sql = "SELECT fields FROM items WHERE id = $1";
        let row: Option<(Option<String>,)> =
            on_read!(self, p => sqlx::query_as(sql).bind(item_id.get()).fetch_optional(p).await?);
        let Some((Some(fields),)) = row else {
            return Ok(Vec::new());
        };
        Ok(crate::item_fields(Some(&fields), "", None, None, None)
            .into_iter()
            .filter_map(|f| Some((f.name, f.volume?)))
            .collect())
    }

    /// The (width, height) of an item's picture field `name`.
    pub async fn item_field_size(&self, item_id: ItemId, name: &str) -> Result<Option<(i64, i64)>> {
        Ok(self
            .item_sizes(item_id)
            .await?
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s))
    }

    pub async fn list_orders(&self, org_id: OrgId) -> Result<Vec<Order>> {
        let sql = format!("SELECT {ORDER_COLS} FROM orders WHERE org_id = $1 ORDER BY id DESC");
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Order>(&sql).bind(org_id.get()).fetch_all(p).await?),
        )
    }

    /// Orders a centre's lead looks after: open or paused ones (the server keeps those the
    /// centre is eligible for), and any its people worked on.
    pub async fn centre_orders(&self, centre_id: CentreId) -> Result<Vec<Order>> {
        let sql = format!(
            "SELECT {ORDER_COLS} FROM orders WHERE state IN ('open', 'paused') \
             OR id IN (SELECT order_id FROM worker_order_stats WHERE centre_id = $1) \
             ORDER BY CASE WHEN deadline IS NULL THEN 1 ELSE 0 END, deadline, id DESC"
        );
        Ok(
            on_read!(self, p => sqlx::query_as::<_, Order>(&sql).bind(centre_id.get()).fetch_all(p).await?),
        )
    }

    /// Changes a draft order; `Conflict` when it is no longer a draft.
    pub async fn update_order(
        &self,
        org_id: OrgId,
        order_id: OrderId,
        f: &OrderFields,
        now: i64,
    ) -> Result<Order> {
        let sql = format!(
            "UPDATE orders SET name = $3, task_type = $4, spec = $5, priority = $6, deadline = $7, updated_at = $8, \
             medical = $9 WHERE id = $1 AND org_id = $2 AND state = 'draft' RETURNING {ORDER_COLS}"
        );
        let row = on_write!(self, p => sqlx::query_as::<_, Order>(&sql)
            .bind(order_id.get()).bind(org_id.get()).bind(&f.name).bind(&f.task_type).bind(&f.spec).bind(f.priority)
            .bind(f.deadline).bind(now).bind(crate::ladder::is_medical(&f.spec)).fetch_optional(p).await?);
        match row {
            Some(o) => Ok(o),
            None => {
                let o = self.get_order(org_id, order_id).await?;
                Err(StoreError::Conflict(format!(
                    "the order is {}, not a draft",
                    o.state
                )))
            }
        }
    }

    /// Moves an order from one of `from` to `to`; `Conflict` when it is in another state.
    pub async fn set_order_state(
        &self,
        org_id: OrgId,
        order_id: OrderId,
        from: &[&str],
        to: &str,
        now: i64,
    ) -> Result<Order> {
        let current = self.get_order(org_id, order_id).await?;
        if !from.contains(&current.state.as_str()) {
            return Err(StoreError::Conflict(format!(
                "the order is {}",
                current.state
            )));
        }
        let sql = format!(
            "UPDATE orders SET state = $3, updated_at = $4 WHERE id = $1 AND org_id = $2 AND state = $5 RETURNING {ORDER_COLS}"
        );
        let changed = on_write!(self, p => sqlx::query_as::<_, Order>(&sql)
            .bind(order_id.get()).bind(org_id.get()).bind(to).bind(now).bind(&current.state).fetch_optional(p).await?);
        self.caches.order_state_changed();
        changed.ok_or_else(|| StoreError::Conflict("the order changed meanwhile; try again".into()))
    }

    /// Records a client's gold answer for an item of the order's dataset.
    pub async fn put_order_gold(
        &self,
        order_id: OrderId,
        item_id: ItemId,
        answer: &str,
        now: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO order_gold (order_id, item_id, answer, created_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (order_id, item_id) DO UPDATE SET answer = excluded.answer, created_at = excluded.created_at";
        on_write!(self, p => sqlx::query(sql).bind(order_id.get()).bind(item_id.get()).bind(answer).bind(now)
            .execute(p).await?.rows_affected());
        Ok(())
    }

    /// Removes a typed-in gold answer; `NotFound` when there was none.
    pub async fn delete_order_gold(&self, order_id: OrderId, item_id: ItemId) -> Result<()> {
        let sql = "DELETE FROM order_gold WHERE order_id = $1 AND item_id = $2";
        let n = on_write!(self, p => sqlx::query(sql).bind(order_id.get()).bind(item_id.get()).execute(p).await?.rows_affected());
        if n == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    /// The client's gold answers of an order, by item.
    pub async fn order_gold(&self, order_id: OrderId) -> Result<Vec<(i64, String)>> {
        let sql = "SELECT item_id, answer FROM order_gold WHERE order_id = $1 ORDER BY item_id";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, (i64, String)>(sql).bind(order_id.get()).fetch_all(p).await?),
        )
    }

    /// One item of `dataset_id`, as a candidate for an order.
    pub async fn dataset_item(
        &self,
        dataset_id: DatasetId,
        item_id: ItemId,
    ) -> Result<CandidateItem> {
        let sql = "SELECT i.id, i.kind, i.gold, b.width, b.height, i.fields FROM items i LEFT JOIN blobs b ON b.sha256 = i.sha256 \
                   WHERE i.dataset_id = $1 AND i.id = $2";
        on_read!(self, p => sqlx::query_as::<_, CandidateItem>(sql).bind(dataset_id.get()).bind(item_id.get()).fetch_optional(p).await?)
            .ok_or(StoreError::NotFound)
    }

    /// The dataset's items that the order does not cover yet.
    pub async fn items_outside_order(
        &self,
        order_id: OrderId,
        dataset_id: DatasetId,
    ) -> Result<Vec<CandidateItem>> {
        let sql = "SELECT i.id, i.kind, i.gold, b.width, b.height, i.fields FROM items i LEFT JOIN blobs b ON b.sha256 = i.sha256 \
                   WHERE i.dataset_id = $1 AND NOT EXISTS \
                   (SELECT 1 FROM order_items oi WHERE oi.order_id = $2 AND oi.item_id = i.id) \
                   AND NOT EXISTS (SELECT 1 FROM series_holds h WHERE h.item_id = i.id AND h.decision <> 'release') \
                   ORDER BY i.id";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, CandidateItem>(sql).bind(dataset_id.get()).bind(order_id.get()).fetch_all(p).await?),
        )
    }

    /// The gold items an order already has (for mixing into new units).
    pub async fn order_gold_items(&self, order_id: OrderId) -> Result<Vec<i64>> {
        let sql = "SELECT item_id FROM order_items WHERE order_id = $1 AND is_gold = TRUE ORDER BY item_id";
        Ok(
            on_read!(self, p => sqlx::query_scalar::<_, i64>(sql).bind(order_id.get()).fetch_all(p).await?),
        )
    }

    /// Adds items and the units made of them to an order in one transaction. With
    /// `publish`, the order must be a draft and becomes open; otherwise it must be open
    /// or paused. Returns the number of units made.
    pub async fn add_order_units(
        &self,
        order_id: OrderId,
        items: &[OrderItemPlan],
        units: &[Vec<i64>],
        slots: i64,
        publish: bool,
        now: i64,
    ) -> Result<usize> {
        let made = in_tx!(self, tx => {
            let state: Option<String> = sqlx::query_scalar("SELECT state FROM orders WHERE id = $1")
                .bind(order_id.get()).fetch_optional(&mut *tx).await?;
            let state = state.ok_or(StoreError::NotFound)?;
            let allowed = if publish { state == "draft" } else { state == "open" || state == "paused" };
            if !allowed {
                return Err(StoreError::Conflict(format!("the order is {state}")));
            }
            // Many rows per statement: a large order is tens of thousands of rows, and one
            // statement per row made publishing one take minutes on PostgreSQL.
            for chunk in items.chunks(ROWS_PER_INSERT) {
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO order_items (order_id, item_id, is_gold, gold, needed) ");
                qb.push_values(chunk, |mut b, it| {
                    let needed = if it.gold.is_some() { 0 } else { slots };
                    b.push_bind(order_id.get()).push_bind(it.item_id).push_bind(it.gold.is_some()).push_bind(it.gold.clone()).push_bind(needed);
                });
                qb.build().execute(&mut *tx).await?;
            }
            let next: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM work_units WHERE order_id = $1")
                .bind(order_id.get()).fetch_one(&mut *tx).await?;
            let seqs: Vec<i64> = (0..units.len() as i64).map(|i| next + 1 + i).collect();
            for chunk in seqs.chunks(ROWS_PER_INSERT) {
                let mut qb = sqlx::QueryBuilder::new("INSERT INTO work_units (order_id, seq, kind, slots, created_at) ");
                qb.push_values(chunk, |mut b, seq| {
                    b.push_bind(order_id.get()).push_bind(*seq).push_bind("base").push_bind(slots).push_bind(now);
                });
                qb.build().execute(&mut *tx).await?;
            }
            // The new units' ids, in seq order (seq is unique per order).
            let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM work_units WHERE order_id = $1 AND seq > $2 ORDER BY seq")
                .bind(order_id.get()).bind(next).fetch_all(&mut *tx).await?;
            let rows: Vec<[i64; 3]> = ids
                .iter()
                .zip(units)
                .flat_map(|(unit_id, unit)| (0..).zip(unit).map(|(pos, item)| [*unit_id, pos, *item]))
                .collect();
            crate::sql::insert_triples(&mut Tx::from(&mut *tx), "INSERT INTO unit_items (unit_id, pos, item_id)", &rows).await?;
            if publish {
                sqlx::query("UPDATE orders SET state = 'open', published_at = $2, updated_at = $2 WHERE id = $1")
                    .bind(order_id.get()).bind(now).execute(&mut *tx).await?;
            }
            units.len()
        });
        // New units (or a newly open order) are work for whoever asks next.
        self.caches.order_state_changed();
        // PostgreSQL plans from table statistics, and autovacuum refreshes them only now and
        // then: right after a large order is published it would still plan for the empty
        // tables (hash joins over the whole order, ~10 ms per lease instead of 0.2 ms).
        // SQLite plans from its indexes alone.
        if self.backend() == crate::Backend::Postgres && items.len() >= ANALYZE_AFTER {
            on_write!(self, p => sqlx::query("ANALYZE items, order_items, work_units, unit_items")
                .execute(p).await?.rows_affected());
        }
        Ok(made)
    }

    pub async fn order_counts(&self, order_id: OrderId) -> Result<OrderCounts> {
        let sql = "SELECT \
            CAST(COALESCE(SUM(CASE WHEN is_gold = FALSE THEN 1 ELSE 0 END), 0) AS BIGINT) AS items, \
            CAST(COALESCE(SUM(CASE WHEN is_gold = FALSE AND state = 'resolved' THEN 1 ELSE 0 END), 0) AS BIGINT) AS resolved, \
            CAST(COALESCE(SUM(CASE WHEN is_gold = FALSE AND state = 'escalated' THEN 1 ELSE 0 END), 0) AS BIGINT) AS escalated, \
            CAST(COALESCE(SUM(CASE WHEN is_gold = TRUE THEN 1 ELSE 0 END), 0) AS BIGINT) AS gold_items, \
            CAST(COALESCE(SUM(labels_count), 0) AS BIGINT) AS labels, \
            (SELECT COUNT(*) FROM work_units w WHERE w.order_id = $1) AS units \
            FROM order_items WHERE order_id = $1";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, OrderCounts>(sql).bind(order_id.get()).fetch_one(p).await?),
        )
    }

    /// How many units an order has.
    pub async fn unit_count(&self, order_id: OrderId) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM work_units WHERE order_id = $1";
        Ok(
            on_read!(self, p => sqlx::query_scalar::<_, i64>(sql).bind(order_id.get()).fetch_one(p).await?),
        )
    }

    pub async fn list_units(&self, order_id: OrderId) -> Result<Vec<UnitSummary>> {
        let sql = "SELECT w.id, w.seq, w.kind, w.slots, (SELECT COUNT(*) FROM unit_items u WHERE u.unit_id = w.id) AS items \
                   FROM work_units w WHERE w.order_id = $1 ORDER BY w.seq";
        Ok(
            on_read!(self, p => sqlx::query_as::<_, UnitSummary>(sql).bind(order_id.get()).fetch_all(p).await?),
        )
    }

    /// The items of one unit, in order.
    pub async fn unit_item_ids(&self, unit_id: UnitId) -> Result<Vec<i64>> {
        let sql = "SELECT item_id FROM unit_items WHERE unit_id = $1 ORDER BY pos";
        Ok(
            on_read!(self, p => sqlx::query_scalar::<_, i64>(sql).bind(unit_id.get()).fetch_all(p).await?),
        )
    }
}

/// Raw facts for an order's progress report.
#[derive(Debug, Clone, Default)]
pub struct ProgressFacts {
    /// Labels still owed to open items (`needed − labels_count`, at least 0).
    pub labels_owed: i64,
    /// Labels received in the last hour.
    pub labels_last_hour: i64,
    /// `(hour start in Unix ms, labels)` for the last 24 hours, oldest first, empty hours left out.
    pub hourly: Vec<(i64, i64)>,
    /// `(answer, gold)` JSON pairs of every answer given to a gold item.
    pub gold_answers: Vec<(String, String)>,
    /// `(answer JSON)` of every real answer, for box-paid cost.
    pub answers: i64,
}

impl Store {
    pub async fn order_progress(&self, order_id: OrderId, now: i64) -> Result<ProgressFacts> {
        let hour = 3_600_000;
        let since = now - 24 * hour;
        Ok(on_read!(self, p => {
            let labels_owed: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(CASE WHEN needed > labels_count THEN needed - labels_count ELSE 0 END), 0) AS BIGINT) \
                 FROM order_items WHERE order_id = $1 AND is_gold = FALSE AND state = 'open'")
                .bind(order_id.get()).fetch_one(p).await?;
            let labels_last_hour: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM labels WHERE order_id = $1 AND answer IS NOT NULL AND created_at >= $2")
                .bind(order_id.get()).bind(now - hour).fetch_one(p).await?;
            let hourly: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT CAST((created_at / $3) * $3 AS BIGINT) AS h, COUNT(*) FROM labels \
                 WHERE order_id = $1 AND answer IS NOT NULL AND created_at >= $2 GROUP BY h ORDER BY h")
                .bind(order_id.get()).bind(since).bind(hour).fetch_all(p).await?;
            let gold_answers: Vec<(String, String)> = sqlx::query_as(
                "SELECT l.answer, oi.gold FROM labels l JOIN order_items oi ON oi.order_id = l.order_id AND oi.item_id = l.item_id \
                 WHERE l.order_id = $1 AND oi.is_gold = TRUE AND l.answer IS NOT NULL")
                .bind(order_id.get()).fetch_all(p).await?;
            let answers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM labels WHERE order_id = $1 AND answer IS NOT NULL")
                .bind(order_id.get()).fetch_one(p).await?;
            ProgressFacts { labels_owed, labels_last_hour, hourly, gold_answers, answers }
        }))
    }
}
