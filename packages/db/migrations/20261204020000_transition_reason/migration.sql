-- Why a move happened when it was not a failure (a suppression's silence, say); failures
-- keep their text in "error".

-- AlterTable
ALTER TABLE "alert_transitions" ADD COLUMN "reason" TEXT;
