DROP TABLE send_receipts;
