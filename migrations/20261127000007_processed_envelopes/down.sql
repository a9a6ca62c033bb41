DROP TABLE processed_envelopes;
