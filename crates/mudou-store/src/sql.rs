//! Building statements: the helpers every store file shares to write SQL at run time.
//!
//! Parameter lists (`$1, $2, …`) and multi-row tuples, the `IN (…)` lists padded to a few
//! shapes (so prepared statements are reused), the statement as each engine should get it
//! ([`for_backend`]), row locks that only PostgreSQL takes ([`lock`]), multi-row inserts of
//! key triples ([`insert_triples`]), and the SQL fragments more than one file uses. Nothing
//! here runs a statement but [`insert_triples`]; nothing here knows a store file's tables
//! beyond the fragments.

use mudou_domain::ItemState;

use crate::pool::Tx;
use crate::{Backend, Result, StoreError};

/// Rows per multi-row statement of the label effects (the ledger, the throughput rollups
/// and the quality figures): well under both engines' bound-parameter limits.
pub(crate) const CHUNK: usize = 400;

/// The columns of [`crate::Assignment`], in its field order.
pub(crate) const ASSIGNMENT_COLS: &str = "id, unit_id, order_id, annotator_id, centre_id, state, leased_at, lease_expires_at, finished_at, item_offset";

/// An item's stored state (`order_items.state`, `review_decisions.state_before`); a state
/// the domain does not know is an error, never a panic (like a stored role).
pub(crate) fn item_state(stored: &str) -> Result<ItemState> {
    ItemState::parse(stored)
        .ok_or_else(|| StoreError::Invalid(format!("unknown item state {stored:?}")))
}

/// `$from, $from+1, …` for `n` parameters.
pub(crate) fn params(from: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 5);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('$');
        s.push_str(&(from + i).to_string());
    }
    s
}

/// `($1, $2, $3), ($4, $5, $6), …` for `rows` tuples of `width`.
pub(crate) fn tuples(rows: usize, width: usize) -> String {
    let mut s = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        s.push_str(&params(1 + r * width, width));
        s.push(')');
    }
    s
}

/// Pads an `IN (…)` list to the next power of two with its last value, so a statement
/// comes in a handful of shapes whatever the batch size, and prepared statements are
/// reused instead of parsed anew. (A value twice in an `IN` list changes nothing.)
pub(crate) fn padded<T: Clone>(mut v: Vec<T>) -> Vec<T> {
    if let Some(last) = v.last().cloned() {
        v.resize(v.len().next_power_of_two(), last);
    }
    v
}

/// The values for an `IN (…)` list: sorted, each once, padded like [`padded`].
pub(crate) fn in_list<T: Ord + Clone>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = values.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    padded(v)
}

/// `clause` (a row lock such as `" FOR UPDATE"`) on PostgreSQL; nothing on SQLite, whose
/// one writer already holds every row it reads.
pub(crate) fn lock(backend: Backend, clause: &'static str) -> &'static str {
    if backend == Backend::Postgres {
        clause
    } else {
        ""
    }
}

/// The statement as `backend` should get it. On SQLite a statement whose parameters
/// appear in text order `$1, $2, …`, each once, gets anonymous `?` parameters instead:
/// binding a numbered parameter makes SQLite look its name up in a list (sqlx asks for the
/// name of every parameter), which is quadratic in the count and cost a third of the
/// writer's time on multi-row inserts of hundreds of parameters. Anything else, and
/// every statement on PostgreSQL, is left as written.
pub(crate) fn for_backend(backend: Backend, sql: String) -> String {
    if backend != Backend::Sqlite {
        return sql;
    }
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let (mut next, mut i, mut from, mut quoted) = (1usize, 0usize, 0usize, false);
    while i < b.len() {
        match b[i] {
            b'\'' => quoted = !quoted,
            b'$' if !quoted => {
                let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits > 0 {
                    let n: usize = sql[i + 1..i + 1 + digits].parse().unwrap_or(0);
                    if n != next {
                        return sql;
                    }
                    next += 1;
                    out.push_str(&sql[from..i]);
                    out.push('?');
                    i += 1 + digits;
                    from = i;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&sql[from..]);
    out
}

/// `head` (an `INSERT INTO t (a, b, c)`) with `rows`, in multi-row statements.
pub(crate) async fn insert_triples(tx: &mut Tx<'_>, head: &str, rows: &[[i64; 3]]) -> Result<()> {
    for chunk in rows.chunks(300) {
        let sql = tx.sql(format!("{head} VALUES {}", tuples(chunk.len(), 3)));
        on_tx!(tx, c => {
            let mut q = sqlx::query(&sql);
            for row in chunk {
                q = q.bind(row[0]).bind(row[1]).bind(row[2]);
            }
            q.execute(&mut *c).await?.rows_affected()
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_gets_anonymous_parameters_only_when_they_are_in_order() {
        let s = |q: &str| for_backend(Backend::Sqlite, q.to_owned());
        assert_eq!(
            s(&format!("INSERT INTO t (a, b) VALUES {}", tuples(2, 2))),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
        assert_eq!(
            s("UPDATE t SET x = $1 WHERE id IN ($2, $3) AND note <> '$9'"),
            "UPDATE t SET x = ? WHERE id IN (?, ?) AND note <> '$9'"
        );
        // Out of order or used twice: left as written.
        for q in [
            "SELECT 1 WHERE a IN ($2, $3) AND b < $1",
            "UPDATE t SET x = $1 WHERE y < $1",
        ] {
            assert_eq!(s(q), q);
        }
        let pg = "INSERT INTO t VALUES ($1, $2)";
        assert_eq!(for_backend(Backend::Postgres, pg.to_owned()), pg);
    }
}
