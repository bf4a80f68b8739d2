-- Model backends (issue 29): an order's model server speaking the Label Studio ML backend
-- protocol, asked for suggestions in the background and told of settled items (PostgreSQL).
-- Keep in step with ../sqlite/0088_model_backends.sql.

-- One backend per order. `token` is an outbound credential (sent to the backend, never
-- shown again), so it is kept as given: a hash could not be sent. `questions`: a JSON list
-- of question keys, NULL for the order's `suggestions.questions`. The circuit breaker:
-- `failures` in a row, and `open_until` (Unix ms) while calls are held back.
CREATE TABLE model_backends (
    order_id        BIGINT PRIMARY KEY REFERENCES orders(id),
    url             TEXT    NOT NULL,
    token           TEXT,
    questions       TEXT,
    batch_size      BIGINT NOT NULL CHECK (batch_size BETWEEN 1 AND 100),
    timeout_ms      BIGINT NOT NULL CHECK (timeout_ms BETWEEN 100 AND 120000),
    model_version   TEXT,
    failures        BIGINT NOT NULL DEFAULT 0,
    open_until      BIGINT,
    last_error      TEXT,
    last_error_at   BIGINT,
    last_success_at BIGINT,
    asked           BIGINT NOT NULL DEFAULT 0,
    stored          BIGINT NOT NULL DEFAULT 0,
    dropped         BIGINT NOT NULL DEFAULT 0,
    trained         BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- What the backend was asked of an order's items (so an item whose answer was dropped is
-- not asked again forever) and which settled items it was told of (`trained_at`).
CREATE TABLE model_backend_items (
    order_id    BIGINT NOT NULL REFERENCES orders(id),
    item_id     BIGINT NOT NULL REFERENCES items(id),
    asked_at    BIGINT,
    outcome     TEXT CHECK (outcome IN ('stored', 'dropped', 'kept_planted')),
    trained_at  BIGINT,
    PRIMARY KEY (order_id, item_id)
);
