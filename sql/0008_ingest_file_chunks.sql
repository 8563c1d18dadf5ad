-- 0008_ingest_file_chunks: a file's bytes move to rows of their own, in chunks.
--
-- The bytes were a column of ingest_files, a row the ingest updates several
-- times (status, counts, attempts).  SQLite rebuilds a row whole on every
-- update, so each status change read the entire file into memory and wrote it
-- back: peak memory grew with the file size, and a file over SQLite's blob
-- limit (about 1 GB) could not be stored at all.  Here the bytes are split into
-- chunks of at most 1 MiB, each row written once and never updated; reading
-- them back in seq order gives the file.  An empty file has no chunk.

CREATE TABLE ingest_file_chunks (
  ingest_file_id INTEGER NOT NULL REFERENCES ingest_files(id),
  seq INTEGER NOT NULL CHECK (seq >= 0),
  data BLOB NOT NULL CHECK (length(data) BETWEEN 1 AND 1048576),
  PRIMARY KEY (ingest_file_id, seq)
) STRICT;

INSERT INTO ingest_file_chunks (ingest_file_id, seq, data)
  SELECT id, 0, raw_data FROM ingest_files WHERE length(raw_data) BETWEEN 1 AND 1048576;

-- Files stored before this migration and larger than one chunk are split by
-- a recursive walk over their bytes.
WITH RECURSIVE part(id, seq, off) AS (
  SELECT id, 0, 1 FROM ingest_files WHERE length(raw_data) > 1048576
  UNION ALL
  SELECT part.id, part.seq + 1, part.off + 1048576 FROM part JOIN ingest_files f ON f.id = part.id
   WHERE part.off + 1048576 <= length(f.raw_data)
)
INSERT INTO ingest_file_chunks (ingest_file_id, seq, data)
  SELECT part.id, part.seq, substr(f.raw_data, part.off, 1048576)
    FROM part JOIN ingest_files f ON f.id = part.id;

ALTER TABLE ingest_files DROP COLUMN raw_data;
