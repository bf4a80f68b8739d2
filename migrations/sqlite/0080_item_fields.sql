-- Items as records (issue "Orders of any shape", item 1): an item has named fields, each a
-- picture or a text. `fields` lists every field as JSON,
--   [{"name":"before","kind":"image","sha256":"…","width":640,"height":480},
--    {"name":"note","kind":"text","text":"…"}],
-- and the first field stays in `kind`/`sha256`/`body` (thumbnails, COCO and the like keep
-- working). NULL, as on every item from before, reads as one field named after its kind
-- (`image` or `text`).
ALTER TABLE items ADD COLUMN fields TEXT;

-- Every picture of every item, first field included, written with the item: who may see a
-- file (the media route) looks its items up here.
CREATE TABLE item_blobs (
    item_id  INTEGER NOT NULL REFERENCES items(id),
    sha256   TEXT    NOT NULL REFERENCES blobs(sha256),
    PRIMARY KEY (item_id, sha256)
);
CREATE INDEX item_blobs_sha ON item_blobs(sha256, item_id);
INSERT INTO item_blobs (item_id, sha256) SELECT id, sha256 FROM items WHERE sha256 IS NOT NULL;

-- Plain pictures stay one item per file in a dataset; records may share a first picture
-- (many pairs with the same "before" photo).
DROP INDEX items_dataset_sha;
CREATE UNIQUE INDEX items_dataset_sha ON items(dataset_id, sha256) WHERE sha256 IS NOT NULL AND fields IS NULL;
