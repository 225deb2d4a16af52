-- Silences (an operator's "not now" for alerts matching some matchers, over a time
-- window) and Alertmanager-style alert groups (per receiver and group key: when the group
-- last notified, the alerts folded since, and when its digest is due). Written by hand to
-- match prisma/schema.prisma; see the package README.

-- CreateTable
CREATE TABLE "silences" (
    "id" UUID NOT NULL,
    "matchers" JSONB NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "author" TEXT NOT NULL,
    "comment" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "silences_pkey" PRIMARY KEY ("id"),
    -- Not expressible in the Prisma schema: a silence never ends before it starts (an expired
    -- pending silence has starts_at = ends_at).
    CONSTRAINT "silences_window_check" CHECK ("ends_at" >= "starts_at")
);

-- CreateTable
CREATE TABLE "alert_groups" (
    "id" UUID NOT NULL,
    "receiver" TEXT NOT NULL,
    "group_key" TEXT NOT NULL,
    "labels" JSONB NOT NULL,
    "group_wait_ms" INTEGER NOT NULL,
    "group_interval_ms" INTEGER NOT NULL,
    "repeat_interval_ms" INTEGER NOT NULL,
    "opened_by" UUID,
    "first_alert_at" TIMESTAMPTZ(3) NOT NULL,
    "last_alert_at" TIMESTAMPTZ(3) NOT NULL,
    "last_notified_at" TIMESTAMPTZ(3),
    "flush_due_at" TIMESTAMPTZ(3),
    "digest_seq" INTEGER NOT NULL DEFAULT 0,
    "latest_folded_id" UUID,
    "latest_folded_analysis" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_group_members" (
    "group_id" UUID NOT NULL,
    "alert_id" UUID NOT NULL,
    "digest_seq" INTEGER NOT NULL,
    "alert_time" TIMESTAMPTZ(3) NOT NULL,
    "agent" TEXT,
    "folded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_group_members_pkey" PRIMARY KEY ("group_id","alert_id")
);

-- CreateIndex
CREATE INDEX "silences_ends_at_idx" ON "silences"("ends_at");

-- CreateIndex
CREATE UNIQUE INDEX "alert_groups_receiver_group_key_key" ON "alert_groups"("receiver", "group_key");

-- CreateIndex
CREATE INDEX "alert_groups_flush_due_at_idx" ON "alert_groups"("flush_due_at");

-- CreateIndex
CREATE INDEX "alert_group_members_group_id_digest_seq_idx" ON "alert_group_members"("group_id", "digest_seq");

-- AddForeignKey
ALTER TABLE "alert_group_members" ADD CONSTRAINT "alert_group_members_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "alert_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;
