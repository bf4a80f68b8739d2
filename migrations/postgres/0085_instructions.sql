-- Living instructions and recorded voice (issue 30, items 3 and 4) (PostgreSQL). Keep in step
-- with ../sqlite/0085_instructions.sql.

-- The version of the order's instructions (its spec's `instructions` and
-- `instruction_examples`) now in force: 1 at publish, one more at each change.
ALTER TABLE orders ADD COLUMN instructions_version BIGINT  NOT NULL DEFAULT 1;

-- The instructions version a label was made under (NULL: stored before versions existed).
ALTER TABLE labels ADD COLUMN instructions_version BIGINT ;

-- Every version of an order's instructions after publish (version 1 is written with the
-- first change, from the spec as published). `example_item_id` and `example_words`: the
-- example this version added, shown to annotators as "new example".
CREATE TABLE order_instructions (
    order_id         BIGINT  NOT NULL REFERENCES orders(id),
    version          BIGINT  NOT NULL,
    instructions     TEXT    NOT NULL,
    -- The instruction examples' item ids (JSON array).
    examples         TEXT    NOT NULL,
    example_item_id  BIGINT  REFERENCES items(id),
    example_words    TEXT,
    created_by       BIGINT  NOT NULL REFERENCES users(id),
    created_at       BIGINT  NOT NULL,
    PRIMARY KEY (order_id, version)
);

-- The latest instructions version an annotator was shown on an order.
CREATE TABLE instructions_seen (
    annotator_id  BIGINT  NOT NULL REFERENCES users(id),
    order_id      BIGINT  NOT NULL REFERENCES orders(id),
    version       BIGINT  NOT NULL,
    seen_at       BIGINT  NOT NULL,
    PRIMARY KEY (annotator_id, order_id)
);

-- A read-aloud recorded by a lead or the client: `target` is `instructions` or
-- `label:{key}`; the audio is a blob (by its hash) in the blob store.
CREATE TABLE order_recordings (
    order_id    BIGINT  NOT NULL REFERENCES orders(id),
    target      TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    mime        TEXT    NOT NULL,
    created_by  BIGINT  NOT NULL REFERENCES users(id),
    created_at  BIGINT  NOT NULL,
    PRIMARY KEY (order_id, target)
);
