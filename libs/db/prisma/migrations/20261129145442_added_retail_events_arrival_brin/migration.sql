-- CreateIndex
-- autosummarize: each block range is summarised as soon as it fills (an autovacuum work item), so
-- the unsummarised tail a lookup has to scan stays a range or two, not everything since the last vacuum.
CREATE INDEX "retail_events_arrived_brin" ON "retail_events" USING BRIN ("arrived_at") WITH (autosummarize = on);
