-- AlterTable
ALTER TABLE "model_evaluations" ADD COLUMN     "run_id" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "model_evaluations_version_id_run_id_key" ON "model_evaluations"("version_id", "run_id");
