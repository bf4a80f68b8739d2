-- A fair-wage check (issue 30, item 6). Keep in step with ../sqlite/0082_fair_wage.sql.
-- Each centre's local minimum hourly wage in fen (NULL: no floor set), and what publishing
-- an order whose expected hourly earning is under it does: 'warn' (published, with a
-- warning) or 'refuse' (not published, 422 wage_below_floor).
ALTER TABLE centres ADD COLUMN min_hourly_wage_fen BIGINT
    CHECK (min_hourly_wage_fen IS NULL OR (min_hourly_wage_fen > 0 AND min_hourly_wage_fen <= 100000));
ALTER TABLE centres ADD COLUMN wage_policy TEXT NOT NULL DEFAULT 'warn'
    CHECK (wage_policy IN ('warn', 'refuse'));

-- An open order whose real earning per hour at a centre fell under the centre's floor: one
-- row per order and centre, so its leads and the admins are told once.
CREATE TABLE wage_alerts (
    order_id      BIGINT NOT NULL REFERENCES orders(id),
    centre_id     BIGINT NOT NULL REFERENCES centres(id),
    fen_per_hour  BIGINT NOT NULL,
    floor_fen     BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (order_id, centre_id)
);
