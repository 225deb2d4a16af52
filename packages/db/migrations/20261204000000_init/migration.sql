-- Written by hand to match prisma/schema.prisma, in the form `prisma migrate diff` emits
-- (names of keys and indexes follow Prisma's conventions); see the package README.

-- CreateTable
CREATE TABLE "alerts" (
    "id" UUID NOT NULL,
    "identity_key" TEXT NOT NULL,
    "source_id" TEXT,
    "manager" TEXT,
    "rule_id" TEXT,
    "rule_level" INTEGER,
    "agent_id" TEXT,
    "agent_name" TEXT,
    "body" JSONB NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'new',
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "retries" INTEGER NOT NULL DEFAULT 0,
    "claimed_by" TEXT,
    "claim_expires_at" TIMESTAMPTZ(3),
    "state_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "swept_at" TIMESTAMPTZ(3),
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "error" TEXT,
    "enrichment" JSONB,
    "analysis" JSONB,

    CONSTRAINT "alerts_pkey" PRIMARY KEY ("id"),
    -- Not expressible in the Prisma schema; keeps raw SQL from writing an unknown state.
    CONSTRAINT "alerts_state_check" CHECK ("state" IN ('new', 'enriching', 'enriched', 'analyzing', 'analyzed', 'formatting', 'formatted', 'sending', 'sent', 'error', 'suppressed'))
);

-- CreateTable
CREATE TABLE "alert_transitions" (
    "id" BIGSERIAL NOT NULL,
    "alert_id" UUID NOT NULL,
    "from_state" TEXT,
    "to_state" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "service" TEXT NOT NULL,
    "replica" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "error" TEXT,

    CONSTRAINT "alert_transitions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deliveries" (
    "id" UUID NOT NULL,
    "alert_id" UUID NOT NULL,
    "receiver" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "message_key" TEXT NOT NULL,
    "rendered" JSONB NOT NULL,
    "receipt" JSONB,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "deliveries_status_check" CHECK ("status" IN ('pending', 'sending', 'delivered', 'failed'))
);

-- CreateIndex
CREATE UNIQUE INDEX "alerts_identity_key_key" ON "alerts"("identity_key");

-- CreateIndex
CREATE INDEX "alerts_state_state_changed_at_idx" ON "alerts"("state", "state_changed_at");

-- CreateIndex
CREATE INDEX "alert_transitions_alert_id_id_idx" ON "alert_transitions"("alert_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_alert_id_receiver_key" ON "deliveries"("alert_id", "receiver");

-- AddForeignKey
ALTER TABLE "alert_transitions" ADD CONSTRAINT "alert_transitions_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alerts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_alert_id_fkey" FOREIGN KEY ("alert_id") REFERENCES "alerts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
