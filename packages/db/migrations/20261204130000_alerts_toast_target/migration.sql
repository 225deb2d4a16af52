-- Every state change writes a new version of the alert row. With the JSON columns inline
-- (2.8 KB on average) each of the nine versions per alert copied them; stored in TOAST,
-- a version copies an 18-byte pointer per column instead. Measured with bench/run.mjs
-- --preload 10000 --sql: WAL per alert 24 -> 17 KiB, alerts table 13.6 -> 5.8 KiB per alert.
ALTER TABLE "alerts" SET (toast_tuple_target = 128);
