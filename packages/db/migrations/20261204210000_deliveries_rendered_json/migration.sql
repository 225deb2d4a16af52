-- A rendered message is an opaque document: Herald stores it, hands it back whole and never
-- queries inside it. As jsonb, PostgreSQL parsed it into its binary form on every insert and
-- printed it back to text on every read; as json it checks the syntax and keeps the text.
-- Messages are ~15 KiB of text (the email's HTML and text bodies), so each one is also
-- compressed into TOAST: lz4 does that at a fraction of pglz's CPU, for a smaller result.
-- Measured with node bench/experiments/format-persist.mjs (10,000 alerts, one email each),
-- backend CPU per alert: insert 0.195-0.199 ms (jsonb, pglz) -> 0.046-0.048 ms (json, lz4,
-- one parameter per value), sender's read 0.046-0.056 -> 0.018-0.024 ms; stored message
-- 4118 -> 3398 bytes. Rewrites the table, under an exclusive lock, once.
ALTER TABLE "deliveries" ALTER COLUMN "rendered" SET DATA TYPE JSON USING "rendered"::json;

-- Not expressible in the Prisma schema. A server built without lz4 (every PostgreSQL
-- package and image Herald names has it) keeps pglz: slower, the same data.
DO $$
BEGIN
  ALTER TABLE "deliveries" ALTER COLUMN "rendered" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'this PostgreSQL has no lz4: deliveries.rendered stays compressed with pglz';
END
$$;
