-- Answers drawn on the item's picture (issue 30): a lead or client marks the picture up in
-- the browser and sends it with the answer; the picture (PNG, JPEG or WebP, checked by its
-- bytes and decoded within limits) is a blob (originals, by SHA-256) (PostgreSQL). Keep in
-- step with ../sqlite/0086_question_pictures.sql.
ALTER TABLE questions ADD COLUMN answer_picture_sha256 TEXT;
