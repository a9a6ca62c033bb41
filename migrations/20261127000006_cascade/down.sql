DROP TABLE cascade_sync_jobs;
DROP TABLE cascade_platforms;
