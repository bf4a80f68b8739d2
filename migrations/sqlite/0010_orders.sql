-- Orders, the items they cover, and the work units they are split into (SQLite).
-- Keep in step with ../postgres/0010_orders.sql.

CREATE TABLE orders (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES orgs(id),
    dataset_id    INTEGER NOT NULL REFERENCES datasets(id),
    name          TEXT    NOT NULL,
    task_type     TEXT    NOT NULL,
    spec          TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('draft', 'open', 'paused', 'done', 'cancelled')),
    priority      INTEGER NOT NULL,
    deadline      INTEGER,
    seed          INTEGER NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    published_at  INTEGER
);
CREATE INDEX orders_org ON orders(org_id, id);
CREATE INDEX orders_open ON orders(state, priority, deadline);

-- Gold answers a client typed in for an order (they win over the manifest's).
CREATE TABLE order_gold (
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    item_id     INTEGER NOT NULL REFERENCES items(id),
    answer      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (order_id, item_id)
);

-- Every item an order covers, with its consensus so far.
CREATE TABLE order_items (
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    item_id       INTEGER NOT NULL REFERENCES items(id),
    is_gold       BOOLEAN NOT NULL DEFAULT FALSE,
    gold          TEXT,
    state         TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved', 'escalated')),
    labels_count  INTEGER NOT NULL DEFAULT 0,
    skips         INTEGER NOT NULL DEFAULT 0,
    -- Labels this item should get by now (grows under dynamic overlap).
    needed        INTEGER NOT NULL DEFAULT 1,
    answer        TEXT,
    confidence    DOUBLE PRECISION,
    PRIMARY KEY (order_id, item_id),
    CHECK (is_gold = (gold IS NOT NULL))
);
CREATE INDEX order_items_state ON order_items(order_id, state);

CREATE TABLE work_units (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    seq         INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('base', 'topup')),
    -- How many different annotators should do this unit.
    slots       INTEGER NOT NULL CHECK (slots > 0),
    created_at  INTEGER NOT NULL,
    UNIQUE (order_id, seq)
);

CREATE TABLE unit_items (
    unit_id  INTEGER NOT NULL REFERENCES work_units(id),
    pos      INTEGER NOT NULL,
    item_id  INTEGER NOT NULL REFERENCES items(id),
    PRIMARY KEY (unit_id, pos)
);
CREATE INDEX unit_items_item ON unit_items(item_id);
