-- Each worker's checked answers per kind of work (issue 32), kept by the label effects
-- beside worker_order_stats: the prior the live consensus starts a worker from on a new
-- order of that kind (their record on the kind's other orders).
CREATE TABLE worker_kind_stats (
    annotator_id  BIGINT NOT NULL REFERENCES users(id),
    task_type     TEXT   NOT NULL,
    gold_total    BIGINT NOT NULL DEFAULT 0,
    gold_correct  BIGINT NOT NULL DEFAULT 0,
    judged        BIGINT NOT NULL DEFAULT 0,
    agreed        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (annotator_id, task_type)
);
INSERT INTO worker_kind_stats (annotator_id, task_type, gold_total, gold_correct, judged, agreed)
SELECT s.annotator_id, o.task_type, SUM(s.gold_total), SUM(s.gold_correct), SUM(s.judged), SUM(s.agreed)
FROM worker_order_stats s JOIN orders o ON o.id = s.order_id
GROUP BY s.annotator_id, o.task_type;
