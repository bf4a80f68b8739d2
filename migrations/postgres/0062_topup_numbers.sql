-- Top-up units are numbered from a sequence, so leases of one order never wait for each
-- other to number them (SQLite has one writer and numbers them MAX + 1). They come after
-- every planned unit: 10^12 + n.
CREATE SEQUENCE topup_seq;
